#pragma once
// Attractive forces F_i = Σ_j p_ij q̃_ij (y_i − y_j), q̃_ij = 1 / (1 + |y_i − y_j|²/α) (α: degrees of
// freedom, 1 by default; see kernel.hpp), over the sparse
// rows of P. (The t-SNE gradient is 4 (α F_attr − F_rep / Z); like bhtsne, FIt-SNE and openTSNE we
// drop the 4, so learning rates compare with theirs.)
// Two twins: a scalar loop (the oracle) and an xsimd kernel with lanes across a row's neighbours.
// Each row is summed in a fixed order, so the result does not depend on the thread count.
#include <array>
#include <cstddef>
#include <cstdint>

#include "../affinity/csr.hpp"
#include "../detail/embedding.hpp"
#include "../parallel/parallel_for.hpp"
#include "../simd/compat.hpp"
#include "kernel.hpp"

namespace tsne::gradient {

/// Adds the attraction of row i's edges [e0, e1) of P to acc, one edge after another: the scalar
/// twin's whole row and the SIMD kernel's tail, so both sum in the same order.
/// Forced inline, as the loops it replaces were: the same code, hence the same bits (kernel.hpp).
template <class T, int Dims>
TSNE_DETAIL_ALWAYS_INLINE inline void attract_edges_scalar(const Csr<T>& P, const std::array<const T*, Dims>& y,
                                                           std::size_t i, std::size_t e0, std::size_t e1,
                                                           T inv_alpha, T* acc) {
    for (std::size_t e = e0; e < e1; ++e) {
        const std::uint32_t j = P.col[e];
        T diff[Dims], d2 = 0;
        for (int d = 0; d < Dims; ++d) {
            diff[d] = y[d][i] - y[d][j];
            d2 += diff[d] * diff[d];
        }
        const T w = TKernel::attraction(P.val[e], d2, inv_alpha);
        for (int d = 0; d < Dims; ++d) acc[d] += w * diff[d];
    }
}

template <class T, int Dims>
void attractive_rows_scalar(const Csr<T>& P, const Embedding<T, Dims>& Y, Embedding<T, Dims>& F,
                            std::size_t begin, std::size_t end, T inv_alpha = 1) {
    const auto y = Y.coords();
    auto f = F.coords();
    for (std::size_t i = begin; i < end; ++i) {
        T acc[Dims] = {};
        attract_edges_scalar<T, Dims>(P, y, i, P.row_ptr[i], P.row_ptr[i + 1], inv_alpha, acc);
        for (int d = 0; d < Dims; ++d) f[d][i] = acc[d];
    }
}

template <class A, class T, int Dims>
void attractive_rows_simd(const Csr<T>& P, const Embedding<T, Dims>& Y, Embedding<T, Dims>& F,
                          std::size_t begin, std::size_t end, T inv_alpha = 1) {
    using B = xsimd::batch<T, A>;
    constexpr std::size_t W = B::size;
    const auto y = Y.coords();
    auto f = F.coords();
    for (std::size_t i = begin; i < end; ++i) {
        const std::size_t r0 = P.row_ptr[i], r1 = P.row_ptr[i + 1];
        B acc[Dims], yi[Dims];
        for (int d = 0; d < Dims; ++d) {
            acc[d] = B(T(0));
            yi[d] = B(y[d][i]);
        }
        std::size_t e = r0;
        for (; e + W <= r1; e += W) {
            const std::uint32_t* idx = P.col.data() + e;
            B diff[Dims], d2(T(0));
            for (int d = 0; d < Dims; ++d) {
                diff[d] = yi[d] - simd::gather<T, A>(y[d], idx);
                d2 = xsimd::fma(diff[d], diff[d], d2);
            }
            const B w = B::load_unaligned(P.val.data() + e) / (B(T(1)) + d2 * B(inv_alpha));
            for (int d = 0; d < Dims; ++d) acc[d] = xsimd::fma(w, diff[d], acc[d]);
        }
        T out[Dims];
        for (int d = 0; d < Dims; ++d) out[d] = simd::reduce_add(acc[d]);
        attract_edges_scalar<T, Dims>(P, y, i, e, r1, inv_alpha, out);
        for (int d = 0; d < Dims; ++d) f[d][i] = out[d];
    }
}

/// F = attractive forces of Y under P (unexaggerated), multithreaded over fixed row blocks.
template <class T, int Dims, class Exec>
void attractive(const Csr<T>& P, const Embedding<T, Dims>& Y, Embedding<T, Dims>& F, Exec& ex, bool use_simd = true,
                const TKernel& kernel = {}) {
    const T inv_alpha = kernel.inv<T>();  // weight p_ij / (1 + d²/α); exactly d² at α = 1
    ex.parallel_for(Y.size(), default_block, [&](std::size_t b, std::size_t e) {
        if (use_simd) attractive_rows_simd<simd::default_arch>(P, Y, F, b, e, inv_alpha);
        else attractive_rows_scalar(P, Y, F, b, e, inv_alpha);
    });
}

}  // namespace tsne::gradient
