#pragma once
// The heavy-tailed Student-t kernel of t-SNE with α degrees of freedom (Kobak, Linderman,
// Steinerberger, Kluger, Berens 2019): Q's weights w = (1 + d²/α)^−α, summed into Z, and the
// repulsive force weight f = w / (1 + d²/α) = (1 + d²/α)^−(α+1); the attractive weight is
// 1 / (1 + d²/α). α = 1 is standard t-SNE (w = q, f = q²) and takes the fast path; α < 1 has
// heavier tails and reveals finer clusters, α > 1 approaches SNE's Gaussian.
//
// TKernel is the kernel as one value: α is validated once, when the value is made, and the same
// value goes to attraction, repulsion and KL. dispatch() is the one place that turns a kernel (and
// a SIMD switch) into the compile-time Unit / SIMD choice of the kernels' loops.
#include <cmath>
#include <type_traits>

#include "../detail/validate.hpp"

namespace tsne {

/// The t kernel with α degrees of freedom (1 = standard t-SNE). Made from a dof value (implicitly,
/// so a plain `double dof` still reads as a kernel); throws tsne::invalid_argument naming "dof"
/// unless α is finite and > 0.
class TKernel {
public:
    TKernel() = default;
    TKernel(double alpha) : alpha_(alpha) { detail::check_positive("dof", alpha); }  // NOLINT: implicit on purpose

    double alpha() const noexcept { return alpha_; }
    /// α == 1: the standard kernel, no transcendental functions.
    bool unit() const noexcept { return alpha_ == 1.0; }
    /// α and 1/α in the kernels' value type (1/α rounded once, from double).
    template <class T>
    T a() const noexcept { return static_cast<T>(alpha_); }
    template <class T>
    T inv() const noexcept { return static_cast<T>(1.0 / alpha_); }

    /// Attractive weight p / (1 + d²/α) of one stored affinity p at distance² d2.
    template <class T>
    static T attraction(T p, T d2, T inv_alpha) noexcept { return p / (T(1) + d2 * inv_alpha); }
    /// One pair's KL term p·(log p − log w) = p·(log p + α·log1p(d²/α)), in double (p > 0).
    double kl_term(double p, double d2) const {
        return p * (std::log(p) + alpha_ * std::log1p(d2 * (1.0 / alpha_)));
    }

private:
    double alpha_ = 1.0;
};

namespace gradient {

// Forced inlining of dispatch() and of the lambdas it calls: the dispatch then compiles to the
// plain branches it replaces, so the compiler's later choices (inlining the kernels, contracting
// a*b+c into fma) and with them the result bits stay those of the branches.
#ifndef TSNE_DETAIL_ALWAYS_INLINE
#if defined(__GNUC__) || defined(__clang__)
#define TSNE_DETAIL_ALWAYS_INLINE __attribute__((always_inline))
#else
#define TSNE_DETAIL_ALWAYS_INLINE
#endif
#endif

/// Calls f(unit, simd) with std::bool_constant arguments: Unit = kernel.unit(), Simd = use_simd.
/// The one SIMD/scalar × unit/general dispatch of the repulsion kernels (Exact, Barnes-Hut,
/// transform).
template <class F>
TSNE_DETAIL_ALWAYS_INLINE inline auto dispatch(const TKernel& kernel, bool use_simd, F&& f) {
    if (kernel.unit()) {
        if (use_simd) return f(std::true_type{}, std::true_type{});
        return f(std::true_type{}, std::false_type{});
    }
    if (use_simd) return f(std::false_type{}, std::true_type{});
    return f(std::false_type{}, std::false_type{});
}

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
