#pragma once
// Exact O(N²) repulsion: R_i = Σ_{j≠i} q̃_ij² (y_i − y_j) and Z = Σ_{i≠j} q̃_ij, q̃ = 1/(1+|y_i−y_j|²).
// The repulsive gradient is R_i / Z. Lanes run across j; every row is independent and summed in a
// fixed order, Z is summed over rows in index order, so results are bit-identical for any thread
// count. Best for small N (a few thousand points); the reference for Barnes-Hut and FFT.
#include <array>
#include <cstddef>
#include <vector>

#include "../detail/embedding.hpp"
#include "../parallel/parallel_for.hpp"
#include "../simd/compat.hpp"
#include "kernel.hpp"

namespace tsne {
namespace gradient {

/// Adds the pair (i, j) to z (w_ij) and acc (f_ij (y_i − y_j)): the scalar twin's loop body and
/// the SIMD kernel's tail, so both compute a pair alike. Forced inline, as the loop bodies it
/// replaces were: the same code, hence the same bits (kernel.hpp).
template <class T, int Dims, bool Unit>
TSNE_DETAIL_ALWAYS_INLINE inline void repel_pair_scalar(const std::array<const T*, Dims>& y, std::size_t i,
                                                        std::size_t j, T alpha, T inv_alpha, T& z, T* acc) {
    T diff[Dims], d2 = 0;
    for (int d = 0; d < Dims; ++d) {
        diff[d] = y[d][i] - y[d][j];
        d2 += diff[d] * diff[d];
    }
    T w, f;
    t_kernel<Unit>(d2, T(1), alpha, inv_alpha, w, f);
    z += w;
    for (int d = 0; d < Dims; ++d) acc[d] += f * diff[d];
}

/// One row, scalar twin. Returns Σ_{j≠i} w_ij; writes R_i = Σ_j f_ij (y_i − y_j) to out (w, f:
/// the t kernel with α degrees of freedom, kernel.hpp; Unit: α = 1).
template <class T, int Dims, bool Unit = true>
T repulsive_row_scalar(const std::array<const T*, Dims>& y, std::size_t n, std::size_t i, T* out, T alpha = 1,
                       T inv_alpha = 1) {
    T z = 0, acc[Dims] = {};
    for (std::size_t j = 0; j < n; ++j) {
        if (j == i) continue;
        repel_pair_scalar<T, Dims, Unit>(y, i, j, alpha, inv_alpha, z, acc);
    }
    for (int d = 0; d < Dims; ++d) out[d] = acc[d];
    return z;
}

/// One row, SIMD. The self pair contributes w = 1 exactly and no force; it is subtracted from Z.
template <class A, class T, int Dims, bool Unit = true>
T repulsive_row_simd(const std::array<const T*, Dims>& y, std::size_t n, std::size_t i, T* out, T alpha = 1,
                     T inv_alpha = 1) {
    using B = xsimd::batch<T, A>;
    constexpr std::size_t W = B::size;
    B yi[Dims], acc[Dims], z(T(0));
    const B one(T(1));
    for (int d = 0; d < Dims; ++d) {
        yi[d] = B(y[d][i]);
        acc[d] = B(T(0));
    }
    std::size_t j = 0;
    for (; j + W <= n; j += W) {
        B diff[Dims], d2(T(0));
        for (int d = 0; d < Dims; ++d) {
            diff[d] = yi[d] - B::load_unaligned(y[d] + j);
            d2 = xsimd::fma(diff[d], diff[d], d2);
        }
        B w, f;
        t_kernel<Unit>(d2, one, alpha, inv_alpha, w, f);
        z += w;
        for (int d = 0; d < Dims; ++d) acc[d] = xsimd::fma(f, diff[d], acc[d]);
    }
    T zs = simd::reduce_add(z);
    for (int d = 0; d < Dims; ++d) out[d] = simd::reduce_add(acc[d]);
    for (; j < n; ++j) repel_pair_scalar<T, Dims, Unit>(y, i, j, alpha, inv_alpha, zs, out);
    return zs - T(1);
}

}  // namespace gradient

/// Repulsion policy: the exact O(N²) sum. See policies.hpp for the contract.
struct Exact {
    bool simd = true;  ///< false: the scalar twin (for tests and benchmarks)

    template <class T, int Dims>
    struct state {
        state(const Exact& cfg, std::size_t n) : simd(cfg.simd), zrow(n) {}

        /// Degrees of freedom α of the t kernel (kernel.hpp); 1 = standard t-SNE.
        void set_dof(double alpha) { kernel = TKernel(alpha); }

        /// Writes R (unnormalised repulsive forces) and returns Z.
        template <class Exec>
        double operator()(const Embedding<T, Dims>& Y, Embedding<T, Dims>& R, Exec& ex) {
            const std::size_t n = Y.size();
            const auto y = Y.coords();
            const T a = kernel.a<T>(), ia = kernel.inv<T>();
            ex.parallel_for(n, 64, [&](std::size_t b, std::size_t e) {
                T out[Dims];
                for (std::size_t i = b; i < e; ++i) {
                    const T z = gradient::dispatch(kernel, simd, [&](auto unit, auto vec) TSNE_DETAIL_ALWAYS_INLINE {
                        constexpr bool Unit = decltype(unit)::value;
                        if constexpr (decltype(vec)::value)
                            return gradient::repulsive_row_simd<simd::default_arch, T, Dims, Unit>(y, n, i, out, a, ia);
                        else
                            return gradient::repulsive_row_scalar<T, Dims, Unit>(y, n, i, out, a, ia);
                    });
                    zrow[i] = static_cast<double>(z);
                    for (int d = 0; d < Dims; ++d) R.coord(d)[i] = out[d];
                }
            });
            double Z = 0;
            for (double z : zrow) Z += z;
            return Z;
        }

        bool simd;
        TKernel kernel;
        std::vector<double> zrow;
    };
};

}  // namespace tsne
