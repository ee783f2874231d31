#pragma once
// The heavy-tailed Student-t kernel of t-SNE with α degrees of freedom (Kobak, Linderman,
// Steinerberger, Kluger, Berens 2019): Q's weights w = (1 + d²/α)^−α, summed into Z, and the
// repulsive force weight f = w / (1 + d²/α) = (1 + d²/α)^−(α+1); the attractive weight is
// 1 / (1 + d²/α). α = 1 is standard t-SNE (w = q, f = q²) and takes the fast path; α < 1 has
// heavier tails and reveals finer clusters, α > 1 approaches SNE's Gaussian.
#include <cmath>

#include "../detail/validate.hpp"

namespace tsne {
namespace gradient {

/// w and f of one distance² (scalar) or of a batch of them (xsimd: log/exp found by ADL).
/// Unit = (α == 1): no transcendental functions, exactly the standard kernel.
template <bool Unit, class V, class T>
inline void t_kernel(const V& d2, const V& one, T alpha, T inv_alpha, V& w, V& f) {
    if constexpr (Unit) {
        const V q = one / (one + d2);
        w = q;
        f = q * q;
    } else {
        using std::exp;
        using std::log;
        using std::max;
        const V u = one + d2 * V(inv_alpha);
        const V q = one / u;
        // xsimd's exp turns its argument into an integer before it checks the range, and -∞
        // (d² = ∞ between far points of a diverging map, or α·log u beyond the largest float)
        // has no integer: keep the argument finite. exp(x) is 0 below -1000 in float and double
        // alike, so this changes no value.
        w = exp(max(V(-alpha) * log(u), V(T(-1000))));
        f = w * q;
    }
}

}  // namespace gradient
}  // namespace tsne
