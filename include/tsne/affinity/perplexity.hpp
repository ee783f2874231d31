#pragma once
// Gaussian affinities calibrated to a perplexity: for each point a bandwidth β_i = 1/(2σ_i²) is
// found by bisection so that the entropy of p_{·|i} over its k nearest neighbours equals
// log(perplexity); then P = (P_cond + P_condᵀ)/2N. k = min(N−1, ⌊3·perplexity⌋).
// Search: squared distances shifted by the row minimum (no underflow), β doubled/halved until the
// target is bracketed, then bisected; tolerance 1e-5 nats, at most 200 steps. A row that does not
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

    /// Conditional p_{j|i} of one row from its k distances; returns {converged, beta}.
    /// `w` receives the k normalised weights. Works in double whatever T is.
    template <class T>
    std::pair<bool, double> calibrate_row(const T* dist, std::size_t k, double* d2, double* w) const {
        double dmin = std::numeric_limits<double>::infinity(), mean = 0;
        for (std::size_t m = 0; m < k; ++m) {
            d2[m] = static_cast<double>(dist[m]) * static_cast<double>(dist[m]);
            dmin = std::min(dmin, d2[m]);
        }
        for (std::size_t m = 0; m < k; ++m) {
            d2[m] -= dmin;
            mean += d2[m];
        }
        mean /= static_cast<double>(k);
        const double target = std::log(perplexity);
        double beta = mean > 0 ? 1.0 / mean : 1.0, lo = 0, hi = std::numeric_limits<double>::infinity();
        bool converged = false;
        for (int step = 0; step < max_steps; ++step) {
            double sw = 0, swd = 0;
            for (std::size_t m = 0; m < k; ++m) {
                w[m] = std::exp(-beta * d2[m]);
                sw += w[m];
                swd += w[m] * d2[m];
            }
            const double h = std::log(sw) + beta * swd / sw;
            if (std::abs(h - target) < tolerance) {
                converged = true;
                break;
            }
            if (h > target) {  // too flat: sharpen
                lo = beta;
                beta = std::isinf(hi) ? beta * 2 : 0.5 * (lo + hi);
            } else {
                hi = beta;
                beta = 0.5 * (lo + hi);
            }
        }
        double sw = 0;
        for (std::size_t m = 0; m < k; ++m) {
            w[m] = std::exp(-beta * d2[m]);
            sw += w[m];
        }
        for (std::size_t m = 0; m < k; ++m) w[m] /= sw;
        return {converged, beta};
    }

    template <class T, class Exec>
    Affinities<T> operator()(const KnnGraph<T>& g, Exec& ex) const {
        check(g.n);
        const std::size_t n = g.n, k = g.k;
        for (std::size_t e = 0; e < n * k; ++e) {
            if (!std::isfinite(static_cast<double>(g.distance[e])) || g.distance[e] < T(0))
                detail::fail("neighbour distances must be finite and >= 0; got ", g.distance[e], " at point ",
                             e / k, " (rescale the data if its magnitude is extreme)");
            if (g.index[e] >= n) detail::fail("neighbour index ", g.index[e], " out of range for N = ", n);
        }
        std::vector<T> cond(n * k);
        std::vector<unsigned char> ok(n);
        std::vector<double> sigma(n);
        ex.parallel_for(n, default_block, [&](std::size_t b, std::size_t e) {
            std::vector<double> d2(k), w(k);
            for (std::size_t i = b; i < e; ++i) {
                const auto [conv, beta] = calibrate_row(g.distances(i), k, d2.data(), w.data());
                ok[i] = conv;
                sigma[i] = std::sqrt(1.0 / (2.0 * beta));
                for (std::size_t m = 0; m < k; ++m) cond[i * k + m] = static_cast<T>(w[m]);
            }
        });
        Affinities<T> out;
        out.P = symmetrize(n, k, g.index, cond, ex);
        out.diagnostics.neighbors = k;
        double s = 0;
        for (std::size_t i = 0; i < n; ++i) {
            out.diagnostics.not_converged += ok[i] ? 0 : 1;
            s += sigma[i];
        }
        out.diagnostics.mean_sigma = s / static_cast<double>(n);
        return out;
    }
};

}  // namespace tsne
