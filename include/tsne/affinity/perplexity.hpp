#pragma once
// Gaussian affinities calibrated to a perplexity: for each point a bandwidth β_i = 1/(2σ_i²) is
// found by bisection so that the entropy of p_{·|i} over its k nearest neighbours equals
// log(perplexity); then P = (P_cond + P_condᵀ)/2N. k = min(N−1, ⌊3·perplexity⌋).
// Search: distances in units of a power of two near the row's largest (scale-invariant, exact),
// squared and shifted by the row minimum (no overflow, no underflow); safeguarded Newton steps on
// β inside a bracket that doubling/bisection maintains; tolerance 1e-5 nats, at most 200 steps. A row that does not
// converge (e.g. all neighbours coincide) keeps its last weights and is counted in diagnostics.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "../detail/validate.hpp"
#include "../neighbors/knn_graph.hpp"
#include "../parallel/parallel_for.hpp"
#include "csr.hpp"
#include "symmetrize.hpp"

namespace tsne {

namespace detail {
/// P from a policy's per-row conditionals (`policy.conditionals(g, cond, ex)` writes p_{j|i}
/// into cond and returns the diagnostics), the graph left as it is.
template <class Policy, class T, class Exec>
Affinities<T> joint_affinities(const Policy& policy, const KnnGraph<T>& g, Exec& ex) {
    std::vector<T> cond(g.n * g.k);
    Affinities<T> out;
    out.diagnostics = policy.conditionals(g, cond.data(), ex);
    out.P = symmetrize(g.n, g.k, g.index, cond, ex);
    return out;
}
/// The same, consuming the graph: p_{j|i} overwrite its distances, and index and weights go to
/// symmetrize, which frees them once its pairs buffer is filled.
template <class Policy, class T, class Exec>
Affinities<T> joint_affinities_consuming(const Policy& policy, KnnGraph<T>&& g, Exec& ex) {
    Affinities<T> out;
    out.diagnostics = policy.conditionals(g, g.distance.data(), ex);
    out.P = symmetrize(g.n, g.k, std::move(g.index), std::move(g.distance), ex);
    return out;
}
/// What the calibrated policies (Perplexity, MultiscalePerplexity) require of their graph.
inline KnnGraphRules calibration_graph_rules(std::size_t n) {
    return {"neighbour graph", n, "N", "distances", true, false, "N", " (rescale the data if its magnitude is extreme)"};
}
}  // namespace detail

struct Perplexity {
    double perplexity = 30;     ///< effective number of neighbours; larger = more global structure
    double tolerance = 1e-5;    ///< |entropy − log(perplexity)| accepted, in nats
    int max_steps = 200;        ///< bisection steps per point

    /// Neighbours needed for n points.
    std::size_t neighbors(std::size_t n) const {
        check(n);
        const auto k = static_cast<std::size_t>(std::floor(3.0 * perplexity));
        return std::max<std::size_t>(1, std::min(n - 1, k));
    }

    void check(std::size_t n) const {
        detail::check_positive("perplexity", perplexity);
        if (n >= 2 && perplexity > static_cast<double>(n - 1))
            detail::fail("perplexity ", perplexity, " is too large for N = ", n,
                         " points: it must be at most N - 1 = ", n - 1);
        detail::check_positive("perplexity tolerance", tolerance);
        if (max_steps < 1) detail::fail("perplexity max_steps must be >= 1, got ", max_steps);
    }

    /// Conditional p_{j|i} of one row from its k distances; returns {converged, beta} (β in the
    /// distances' own units, 1/(2σ²); it may underflow to 0 or overflow for distances near the
    /// ends of double's range: use `sigma`, which is always representable when the distances are).
    /// `w` receives the k normalised weights. Works in double whatever T is.
    /// Scale-invariant: the distances are first divided by a power of two near the row's largest
    /// (exact), and squared as (r − r_min)(r + r_min) — shifted, no overflow and no cancellation —
    /// so a data set scaled by any factor c gives the same weights (bit-identical when c is a power
    /// of two), from 1e-300 to 1e300 in double.
    template <class T>
    std::pair<bool, double> calibrate_row(const T* dist, std::size_t k, double* d2, double* w,
                                          double* sigma = nullptr) const {
        double dmin = std::numeric_limits<double>::infinity(), dmax = 0, mean = 0;
        for (std::size_t m = 0; m < k; ++m) {
            const double d = static_cast<double>(dist[m]);
            dmin = std::min(dmin, d);
            dmax = std::max(dmax, d);
        }
        int e = 0;
        if (dmax > 0 && std::isfinite(dmax)) std::frexp(dmax, &e);  // dmax = f·2^e, f in [0.5, 1)
        // One multiplication by 2^-e per distance (as exact as ldexp, and much cheaper); for
        // subnormal rows 2^-e itself overflows, and ldexp scales in one step.
        const double unit = std::ldexp(1.0, -e);
        const bool by_unit = std::isfinite(unit);
        auto rel = [&](double d) { return by_unit ? d * unit : std::ldexp(d, -e); };
        const double rmin = k ? rel(dmin) : 0.0;
        for (std::size_t m = 0; m < k; ++m) {
            const double r = rel(static_cast<double>(dist[m]));  // in [0, 1)
            d2[m] = (r - rmin) * (r + rmin);                                 // r² − r_min² >= 0
            mean += d2[m];
        }
        mean /= static_cast<double>(k);
        const double target = std::log(perplexity);
        double beta = mean > 0 ? 1.0 / mean : 1.0, lo = 0, hi = std::numeric_limits<double>::infinity();
        bool converged = false;
        // Safeguarded Newton on H(β) = log Σw + β E[d²], H'(β) = −β Var[d²]: a few steps instead of
        // ~40 bisections; falls back to doubling/bisection whenever Newton leaves the bracket.
        for (int step = 0; step < max_steps; ++step) {
            double sw = 0, swd = 0, swdd = 0;
            for (std::size_t m = 0; m < k; ++m) {
                w[m] = std::exp(-beta * d2[m]);
                sw += w[m];
                swd += w[m] * d2[m];
                swdd += w[m] * d2[m] * d2[m];
            }
            const double e = swd / sw, h = std::log(sw) + beta * e;
            if (std::abs(h - target) < tolerance) {
                converged = true;
                break;
            }
            if (h > target) lo = beta;  // too flat: sharpen
            else hi = beta;
            const double var = swdd / sw - e * e;
            double next = var > 0 ? beta + (h - target) / (beta * var) : -1.0;
            if (!(next > lo && next < hi)) next = std::isinf(hi) ? beta * 2 : 0.5 * (lo + hi);
            if (next == beta || !std::isfinite(next)) break;  // the bracket cannot shrink further
            beta = next;
        }
        double sw = 0;
        for (std::size_t m = 0; m < k; ++m) {
            w[m] = std::exp(-beta * d2[m]);
            sw += w[m];
        }
        for (std::size_t m = 0; m < k; ++m) w[m] /= sw;
        // Back to the distances' units: σ = 2^e·sqrt(1/(2β_rel)), β = β_rel·2^(−2e).
        if (sigma) *sigma = std::ldexp(std::sqrt(1.0 / (2.0 * beta)), e);
        return {converged, std::ldexp(beta, -2 * e)};
    }

    template <class T, class Exec>
    Affinities<T> operator()(const KnnGraph<T>& g, Exec& ex) const {
        return detail::joint_affinities(*this, g, ex);
    }

    /// Consumes the graph: p_{j|i} is written over the distances it came from, and the graph's
    /// arrays are freed before P is sorted and compacted (prepare() uses this; same result).
    template <class T, class Exec>
    Affinities<T> operator()(KnnGraph<T>&& g, Exec& ex) const {
        return detail::joint_affinities_consuming(*this, std::move(g), ex);
    }

    /// Calibrates every row of g and writes p_{j|i} to cond (N×k, row-major). cond may be
    /// g.distance itself: each row's distances are read into a local buffer before its weights are
    /// written.
    template <class T, class Exec>
    AffinityDiagnostics conditionals(const KnnGraph<T>& g, T* cond, Exec& ex) const {
        check(g.n);
        const std::size_t n = g.n, k = g.k;
        detail::check_knn_graph(g, detail::calibration_graph_rules(n));
        std::vector<unsigned char> ok(n);
        std::vector<double> sigma(n);
        ex.parallel_for(n, default_block, [&](std::size_t b, std::size_t e) {
            std::vector<double> d2(k), w(k);
            for (std::size_t i = b; i < e; ++i) {
                const auto conv = calibrate_row(g.distances(i), k, d2.data(), w.data(), &sigma[i]).first;
                ok[i] = conv;
                for (std::size_t m = 0; m < k; ++m) cond[i * k + m] = static_cast<T>(w[m]);
            }
        });
        AffinityDiagnostics d;
        d.neighbors = k;
        double s = 0;
        for (std::size_t i = 0; i < n; ++i) {
            d.not_converged += ok[i] ? 0 : 1;
            s += sigma[i] / static_cast<double>(n);  // divided first: σ near 1e300 must not overflow the sum
        }
        d.mean_sigma = s;
        return d;
    }
};

/// Several perplexities combined (openTSNE's multiscale affinities): each point's conditional
/// distribution is the average of its Gaussians calibrated to each perplexity, which keeps both
/// local and more global structure. k = min(N−1, ⌊3·max perplexity⌋).
struct MultiscalePerplexity {
    std::vector<double> perplexities{30.0, 300.0};
    double tolerance = 1e-5;
    int max_steps = 200;

    std::size_t neighbors(std::size_t n) const {
        if (perplexities.empty()) detail::fail("multiscale perplexities: need at least one perplexity");
        return scale(*std::max_element(perplexities.begin(), perplexities.end())).neighbors(n);
    }
    Perplexity scale(double p) const { return Perplexity{p, tolerance, max_steps}; }

    template <class T, class Exec>
    Affinities<T> operator()(const KnnGraph<T>& g, Exec& ex) const {
        return detail::joint_affinities(*this, g, ex);
    }

    /// Consumes the graph, as Perplexity's rvalue overload does.
    template <class T, class Exec>
    Affinities<T> operator()(KnnGraph<T>&& g, Exec& ex) const {
        return detail::joint_affinities_consuming(*this, std::move(g), ex);
    }

    /// p_{j|i} of every row into cond (which may be g.distance itself, as in Perplexity).
    template <class T, class Exec>
    AffinityDiagnostics conditionals(const KnnGraph<T>& g, T* cond, Exec& ex) const {
        for (double p : perplexities) scale(p).check(g.n);
        const std::size_t n = g.n, k = g.k;
        detail::check_knn_graph(g, detail::calibration_graph_rules(n));
        std::vector<std::size_t> missed(n, 0);
        ex.parallel_for(n, default_block, [&](std::size_t b, std::size_t e) {
            std::vector<double> d2(k), w(k), acc(k);
            for (std::size_t i = b; i < e; ++i) {
                std::fill(acc.begin(), acc.end(), 0.0);
                for (double p : perplexities) {
                    const auto [ok, beta] = scale(p).calibrate_row(g.distances(i), k, d2.data(), w.data());
                    (void)beta;
                    missed[i] += ok ? 0 : 1;
                    for (std::size_t m = 0; m < k; ++m) acc[m] += w[m];
                }
                for (std::size_t m = 0; m < k; ++m)
                    cond[i * k + m] = static_cast<T>(acc[m] / static_cast<double>(perplexities.size()));
            }
        });
        AffinityDiagnostics d;
        d.neighbors = k;
        for (std::size_t i = 0; i < n; ++i) d.not_converged += missed[i] ? 1 : 0;
        return d;
    }
};

}  // namespace tsne
