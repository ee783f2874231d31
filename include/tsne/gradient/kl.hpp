#pragma once
// KL(P ‖ Q) = Σ p_ij log(p_ij / q_ij), q_ij = w_ij / Z (w: the t kernel with α degrees of freedom,
// kernel.hpp), over P's stored entries (P sums to 1).
// Summed in double over fixed row blocks in block order (thread-count independent).
#include <cmath>
#include <cstddef>

#include "../affinity/csr.hpp"
#include "../detail/embedding.hpp"
#include "../parallel/parallel_for.hpp"
#include "kernel.hpp"
#include "repulsive_exact.hpp"

namespace tsne {

/// KL divergence given the normalisation Z of the same embedding.
template <class T, int Dims, class Exec>
double kl_divergence(const Csr<T>& P, const Embedding<T, Dims>& Y, double Z, Exec& ex, const TKernel& kernel = {}) {
    const auto y = Y.coords();
    double psum = 0;
    const double s = block_sum(ex, P.n, 1024, [&](std::size_t b, std::size_t e) {
        double acc = 0;
        for (std::size_t i = b; i < e; ++i)
            for (std::size_t k = P.row_ptr[i]; k < P.row_ptr[i + 1]; ++k) {
                const double p = static_cast<double>(P.val[k]);
                if (!(p > 0)) continue;
                double d2 = 0;
                for (int d = 0; d < Dims; ++d) {
                    const double diff = static_cast<double>(y[d][i]) - static_cast<double>(y[d][P.col[k]]);
                    d2 += diff * diff;
                }
                acc += kernel.kl_term(p, d2);  // −log w = α·log1p(d²/α); exactly log1p(d²) at α = 1
            }
        return acc;
    });
    for (std::size_t k = 0; k < P.nnz(); ++k) psum += static_cast<double>(P.val[k]);
    return s + psum * std::log(Z);
}

/// KL divergence with Z computed exactly (O(N²)); for reports and tests.
template <class T, int Dims, class Exec>
double kl_divergence(const Csr<T>& P, const Embedding<T, Dims>& Y, Exec& ex, const TKernel& kernel = {}) {
    Embedding<T, Dims> R(Y.size());
    Exact::state<T, Dims> st(Exact{}, Y.size());
    st.kernel = kernel;
    const double Z = st(Y, R, ex);
    return kl_divergence(P, Y, Z, ex, kernel);
}

}  // namespace tsne
