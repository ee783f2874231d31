#pragma once
// How well an embedding Y (N x Dims) keeps the neighbourhoods of its data X (N x D): per-point
// scores for colouring a plot, summary scores for reports, and the KL divergence of any Y.
//
//   auto g  = tsne::neighborhood_graphs(X, Y, 10);            // k = 10 nearest, in X and in Y
//   auto pr = tsne::knn_preservation(g);                       // per point, in [0, 1]
//   auto di = tsne::neighborhood_distortion(X, g);             // per point, >= 1
//   double t = tsne::trustworthiness(X, Y, 10);                // Venna & Kaski, in [0, 1]
//   tsne::RowMatrix<float> rgb = tsne::embedding_colors(Y3);   // N x 3 in [0, 1], from a 3-D Y
//   double kl = tsne::embedding_kl(P, Y);                      // KL(P || Q(Y)), exact Z
//   auto st = tsne::stress_scores(X, Y);                       // MDS stress-1, Sammon's stress
//
// Definitions (N_k^X(i): the k nearest neighbours of point i in X, Euclidean, never i itself;
// N_k^Y(i): the same in the embedding; d(i, j) = |x_i - x_j|, the Euclidean distance in X):
//   preservation(i) = |N_k^X(i) ∩ N_k^Y(i)| / k.                      Mean over i = kNN recall@k.
//   distortion(i)   = mean_{j ∈ N_k^Y(i)} d(i, j) / mean_{j ∈ N_k^X(i)} d(i, j).
//                     1 when the embedding neighbours are the data neighbours (or equally close);
//                     2 means they are on average twice as far in the data as the true ones.
//                     A point with k exact duplicates in X (denominator 0) scores 1 if its
//                     embedding neighbours are duplicates too, else +infinity.
//   trustworthiness = 1 − 2 / (N k (2N − 3k − 1)) Σ_i Σ_{j ∈ N_k^Y(i) \ N_k^X(i)} (r(i, j) − k)
//                     with r(i, j) the rank of j among i's neighbours in X (1 = nearest; equal
//                     distances ranked by index). Needs k < N / 2. Costs O(N² D): pass
//                     `max_points` to average over an evenly spaced subset of the points i
//                     (every point j still counts in the ranks), an unbiased estimate.
//   stress (all pairs i ≠ j, d* the data's distances, d the embedding's; O(N² D), blocked GEMMs,
//   no N x N matrix kept):
//     raw             = Σ (d* − d)²                 (metric MDS's cost)
//     normalized      = sqrt(raw / Σ d*²)           (Kruskal's stress-1; scikit-learn's normalized_stress)
//     sammon_raw      = Σ (d* − d)² / d*            (Sammon's cost; pairs with d* = 0 left out)
//     sammon          = sammon_raw / Σ d*           (Sammon's normalised stress E)
// Neighbours come from the library's searches (AutoNeighbors: exact for up to 10,000 points or
// <= 8 dimensions, IVF above — pass tsne::BruteForce{} for exact everywhere). Work is split into
// fixed blocks over the executor: the results are the same for any thread count. Inputs are
// never modified. Bad input throws tsne::invalid_argument naming the parameter.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "affinity/csr.hpp"
#include "detail/embedding.hpp"
#include "detail/scale.hpp"
#include "detail/types.hpp"
#include "detail/validate.hpp"
#include "gradient/kl.hpp"
#include "neighbors/auto.hpp"
#include "neighbors/knn_graph.hpp"
#include "neighbors/vp_tree.hpp"
#include "parallel/executor.hpp"
#include "parallel/parallel_for.hpp"

namespace tsne {

/// The k nearest neighbours of every point in the data (x) and in the embedding (y).
template <class T, class U>
struct NeighborhoodGraphs {
    std::size_t k = 0;
    KnnGraph<T> x;  ///< in X (row i: nearest first)
    KnnGraph<U> y;  ///< in Y
};

namespace detail {

inline void check_diag_k(const char* name, std::size_t k, std::size_t n) {
    if (k == 0 || k >= n) fail(name, " must be in [1, N-1] = [1, ", n - 1, "], got ", k);
}

template <class T, class U>
void check_pair(const MatrixRef<T>& X, const MatrixRef<U>& Y) {
    check_data(X, "X");
    check_data(Y, "Y");
    if (X.rows() != Y.rows())
        fail("Y: has ", Y.rows(), " rows (points) but X has ", X.rows(), "; they must match");
}

template <class T>
void check_graph(const KnnGraph<T>& g, const char* name, std::size_t n, std::size_t k) {
    if (g.n != n) fail(name, ": graph of ", g.n, " points, expected ", n);
    if (g.k < k) fail(name, ": graph has k = ", g.k, " neighbours per point, fewer than the k = ", k, " asked for");
    check_knn_graph(g, {name, n, "N", "distances", false});  // only the neighbour sets are used
}

/// A power of two that brings X's largest magnitude into [0.5, 1), as two factors (for subnormal
/// data 2^-e alone overflows): distances times it neither overflow nor underflow when squared (X
/// near 1e±160 in double), and exactly so.
struct UnitScale {
    double a = 1, b = 1;
};
template <class T>
UnitScale unit_scale(const MatrixRef<T>& X) {
    const auto [a, b] = unit_factors(X.size() ? static_cast<double>(X.cwiseAbs().maxCoeff()) : 0.0);
    return {a, b};
}

/// Euclidean distance between rows i and j of X times `scale` (unit_scale(X): callers use only
/// ranks and ratios of distances), accumulated in double.
template <class T>
double row_distance(const MatrixRef<T>& X, std::size_t i, std::size_t j, UnitScale scale) {
    double s = 0;
    for (Eigen::Index d = 0; d < X.cols(); ++d) {
        const double diff = (static_cast<double>(X(static_cast<Eigen::Index>(i), d)) -
                             static_cast<double>(X(static_cast<Eigen::Index>(j), d))) * scale.a * scale.b;
        s += diff * diff;
    }
    return std::sqrt(s);
}

/// Overloads taking an executor are only for executor types (not a thread count).
template <class E>
using if_executor = std::enable_if_t<!std::is_arithmetic_v<std::decay_t<E>>, int>;

/// The scalar type of an Eigen expression.
template <class D>
using scalar_of = typename D::Scalar;

/// Value at quantile q in [0, 1] of v (sorted copy; linear interpolation between order statistics).
inline double quantile_sorted(const std::vector<double>& sorted, double q) {
    const double pos = q * static_cast<double>(sorted.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

}  // namespace detail

/// The k nearest neighbours of every point in X and in Y (rows of X and Y are the same points).
/// `neighbors` searches X; Y (low-dimensional) is searched with AutoNeighbors (exact VP-tree).
template <class DX, class DY, class Exec, class Neighbors = AutoNeighbors, detail::if_executor<Exec> = 0>
NeighborhoodGraphs<detail::scalar_of<DX>, detail::scalar_of<DY>> neighborhood_graphs(
    const Eigen::MatrixBase<DX>& X_, const Eigen::MatrixBase<DY>& Y_, std::size_t k, Exec& ex,
    const Neighbors& neighbors = {}) {
    const MatrixRef<detail::scalar_of<DX>> X(X_.derived());
    const MatrixRef<detail::scalar_of<DY>> Y(Y_.derived());
    detail::check_pair(X, Y);
    detail::check_diag_k("k", k, static_cast<std::size_t>(X.rows()));
    NeighborhoodGraphs<detail::scalar_of<DX>, detail::scalar_of<DY>> g;
    g.k = k;
    g.x = neighbors(X, k, Euclidean{}, ex);
    g.y = AutoNeighbors{}(Y, k, Euclidean{}, ex);
    return g;
}

/// As above with a pool of `threads` workers (0 = all hardware threads).
template <class DX, class DY, class Neighbors = AutoNeighbors>
NeighborhoodGraphs<detail::scalar_of<DX>, detail::scalar_of<DY>> neighborhood_graphs(
    const Eigen::MatrixBase<DX>& X, const Eigen::MatrixBase<DY>& Y, std::size_t k, unsigned threads = 0,
    const Neighbors& neighbors = {}) {
    Executor ex(threads);
    return neighborhood_graphs(X, Y, k, ex, neighbors);
}

/// Per-point kNN preservation |N_k^X(i) ∩ N_k^Y(i)| / k, using the first g.k neighbours of each
/// graph (graphs with more neighbours can be reused: pass k). The mean is kNN recall@k.
template <class T, class U>
std::vector<double> knn_preservation(const KnnGraph<T>& gx, const KnnGraph<U>& gy, std::size_t k) {
    const std::size_t n = gx.n;
    detail::check_diag_k("k", k, std::max<std::size_t>(n, 2));
    detail::check_graph(gx, "X neighbours", n, k);
    detail::check_graph(gy, "Y neighbours", n, k);
    std::vector<double> out(n);
    std::vector<std::uint32_t> a(k), b(k);
    for (std::size_t i = 0; i < n; ++i) {
        std::copy(gx.neighbors(i), gx.neighbors(i) + k, a.begin());
        std::copy(gy.neighbors(i), gy.neighbors(i) + k, b.begin());
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        std::size_t common = 0;
        for (std::size_t p = 0, q = 0; p < k && q < k;) {
            if (a[p] < b[q]) ++p;
            else if (b[q] < a[p]) ++q;
            else { ++common; ++p; ++q; }
        }
        out[i] = static_cast<double>(common) / static_cast<double>(k);
    }
    return out;
}

template <class T, class U>
std::vector<double> knn_preservation(const NeighborhoodGraphs<T, U>& g) {
    return knn_preservation(g.x, g.y, g.k);
}

/// Per-point neighbourhood distortion (see the definition at the top of this file): the mean
/// data-space distance to the k embedding neighbours over the mean data-space distance to the k
/// data neighbours. Distances are recomputed from X (Euclidean), the graphs give only the sets.
template <class DX, class T, class U, class Exec, detail::if_executor<Exec> = 0>
std::vector<double> neighborhood_distortion(const Eigen::MatrixBase<DX>& X_, const KnnGraph<T>& gx,
                                            const KnnGraph<U>& gy, std::size_t k, Exec& ex) {
    const MatrixRef<detail::scalar_of<DX>> X(X_.derived());
    detail::check_data(X, "X");
    const auto n = static_cast<std::size_t>(X.rows());
    detail::check_diag_k("k", k, n);
    detail::check_graph(gx, "X neighbours", n, k);
    detail::check_graph(gy, "Y neighbours", n, k);
    std::vector<double> out(n);
    const detail::UnitScale scale = detail::unit_scale(X);
    ex.parallel_for(n, default_block, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            double num = 0, den = 0;
            for (std::size_t m = 0; m < k; ++m) {
                num += detail::row_distance(X, i, gy.neighbors(i)[m], scale);
                den += detail::row_distance(X, i, gx.neighbors(i)[m], scale);
            }
            out[i] = den > 0 ? num / den : (num > 0 ? std::numeric_limits<double>::infinity() : 1.0);
        }
    });
    return out;
}

template <class DX, class T, class U, class Exec, detail::if_executor<Exec> = 0>
std::vector<double> neighborhood_distortion(const Eigen::MatrixBase<DX>& X, const NeighborhoodGraphs<T, U>& g,
                                            Exec& ex) {
    return neighborhood_distortion(X, g.x, g.y, g.k, ex);
}

template <class DX, class T, class U>
std::vector<double> neighborhood_distortion(const Eigen::MatrixBase<DX>& X, const NeighborhoodGraphs<T, U>& g,
                                            unsigned threads = 0) {
    Executor ex(threads);
    return neighborhood_distortion(X, g.x, g.y, g.k, ex);
}

/// Trustworthiness (Venna & Kaski 2001) of Y for X at k (see the top of this file); 1 = every
/// embedding neighbour is a data neighbour. max_points = 0: exact over all points; otherwise the
/// sum runs over min(N, max_points) evenly spaced points i (i = floor(s N / m)), rescaled.
template <class DX, class DY, class Exec, detail::if_executor<Exec> = 0>
double trustworthiness(const Eigen::MatrixBase<DX>& X_, const Eigen::MatrixBase<DY>& Y_, std::size_t k, Exec& ex,
                       std::size_t max_points = 0) {
    using U = detail::scalar_of<DY>;
    const MatrixRef<detail::scalar_of<DX>> X(X_.derived());
    const MatrixRef<U> Y(Y_.derived());
    detail::check_pair(X, Y);
    const auto n = static_cast<std::size_t>(X.rows());
    detail::check_diag_k("k", k, n);
    if (!(2 * k < n)) detail::fail("k must be below N / 2 for trustworthiness, got k = ", k, " for N = ", n);
    const std::size_t m = (max_points == 0 || max_points >= n) ? n : max_points;
    const KnnGraph<U> gy = AutoNeighbors{}(Y, k, Euclidean{}, ex);
    const detail::UnitScale unit = detail::unit_scale(X);  // ranks only: distances in units that cannot overflow
    auto query = [&](std::size_t s) { return m == n ? s : static_cast<std::size_t>((static_cast<double>(s) * static_cast<double>(n)) / static_cast<double>(m)); };
    const double penalty = block_sum(ex, m, 16, [&](std::size_t b, std::size_t e) {
        std::vector<double> d2(n);
        double acc = 0;
        for (std::size_t s = b; s < e; ++s) {
            const std::size_t i = query(s);
            for (std::size_t l = 0; l < n; ++l) {
                const double dist = detail::row_distance(X, i, l, unit);
                d2[l] = dist * dist;
            }
            for (std::size_t a = 0; a < k; ++a) {
                const std::uint32_t j = gy.neighbors(i)[a];
                // rank of j among i's data neighbours: points closer, or equally close with a smaller index
                std::size_t rank = 1;
                const double dj = d2[j];
                for (std::size_t l = 0; l < n; ++l)
                    if (l != i && (d2[l] < dj || (d2[l] == dj && l < j))) ++rank;
                if (rank > k) acc += static_cast<double>(rank - k);
            }
        }
        return acc;
    });
    const double nn = static_cast<double>(n), kk = static_cast<double>(k);
    const double scale = static_cast<double>(n) / static_cast<double>(m);
    return 1.0 - 2.0 / (nn * kk * (2.0 * nn - 3.0 * kk - 1.0)) * penalty * scale;
}

template <class DX, class DY>
double trustworthiness(const Eigen::MatrixBase<DX>& X, const Eigen::MatrixBase<DY>& Y, std::size_t k, unsigned threads = 0,
                       std::size_t max_points = 0) {
    Executor ex(threads);
    return trustworthiness(X, Y, k, ex, max_points);
}

/// The stress of Y against the data's distances (see the top of this file).
struct StressScores {
    double raw = 0, normalized = 0, sammon_raw = 0, sammon = 0;
};

namespace detail {
/// Stress scores from a function giving block [r0, r0+m) x [c0, c0+mc) of the data's distances,
/// both in units of 2^unit_exp (Yu: the embedding in those units), so that data of any magnitude
/// can be squared; raw and sammon_raw are scaled back (+inf past double's range), the ratios
/// need not be.
template <class DataBlock, class Exec>
StressScores stress_from_blocks(const Eigen::MatrixXd& Yu, int unit_exp, DataBlock&& data_block, Exec& ex) {
    const std::size_t n = static_cast<std::size_t>(Yu.rows());
    constexpr std::size_t blk = 128;
    const std::size_t n_blocks = (n + blk - 1) / blk;
    std::vector<std::array<double, 4>> parts(n_blocks, std::array<double, 4>{});
    ex.parallel_for(n_blocks, 1, [&](std::size_t bb, std::size_t be) {
        for (std::size_t b = bb; b < be; ++b) {
            const Eigen::Index r0 = static_cast<Eigen::Index>(b * blk);
            const Eigen::Index m = std::min<Eigen::Index>(static_cast<Eigen::Index>(blk), Yu.rows() - r0);
            std::array<double, 4> acc{};  // Σ(d*−d)², Σd*², Σ(d*−d)²/d*, Σd*
            for (Eigen::Index c0 = 0; c0 < Yu.rows(); c0 += static_cast<Eigen::Index>(blk)) {
                const Eigen::Index mc = std::min<Eigen::Index>(static_cast<Eigen::Index>(blk), Yu.rows() - c0);
                const Eigen::MatrixXd Dx = data_block(r0, m, c0, mc);
                for (Eigen::Index i = 0; i < m; ++i)
                    for (Eigen::Index j = 0; j < mc; ++j) {
                        if (r0 + i == c0 + j) continue;
                        const double ds = Dx(i, j);
                        const double dy = (Yu.row(r0 + i) - Yu.row(c0 + j)).norm();
                        const double e2 = (ds - dy) * (ds - dy);
                        acc[0] += e2, acc[1] += ds * ds, acc[3] += ds;
                        if (ds > 0) acc[2] += e2 / ds;
                    }
            }
            parts[b] = acc;
        }
    });
    std::array<double, 4> t{};
    for (const auto& p : parts)
        for (int q = 0; q < 4; ++q) t[static_cast<std::size_t>(q)] += p[static_cast<std::size_t>(q)];
    StressScores s;
    s.raw = std::ldexp(t[0], 2 * unit_exp);
    s.normalized = t[1] > 0 ? std::sqrt(t[0] / t[1]) : 0.0;
    s.sammon_raw = std::ldexp(t[2], unit_exp);
    s.sammon = t[3] > 0 ? t[2] / t[3] : 0.0;
    return s;
}

/// Y in units of 2^unit_exp (exact: two power-of-two factors, see detail/scale.hpp).
template <class U>
Eigen::MatrixXd in_units(const MatrixRef<U>& Y, double largest) {
    const auto [f1, f2] = unit_factors(largest);
    Eigen::MatrixXd Yu = Y.template cast<double>();
    Yu *= f1;
    Yu *= f2;
    return Yu;
}
inline int unit_exponent(double largest) {
    int e = 0;
    if (largest > 0 && std::isfinite(largest)) std::frexp(largest, &e);
    return e;
}
}  // namespace detail

/// Stress of Y (N x Dims) against the Euclidean distances of X (N x D). Computed in units of a
/// power of two (exact), so data of any magnitude give finite scores (raw: +inf past double).
template <class DX, class DY, class Exec, detail::if_executor<Exec> = 0>
StressScores stress_scores(const Eigen::MatrixBase<DX>& X_, const Eigen::MatrixBase<DY>& Y_, Exec& ex) {
    const MatrixRef<detail::scalar_of<DX>> X(X_.derived());
    const MatrixRef<detail::scalar_of<DY>> Y(Y_.derived());
    detail::check_pair(X, Y);
    // Centred (each column shifted by its first value, then by the mean: a constant column, however
    // large, cancels exactly), then in units of the largest centred coordinate.
    Eigen::MatrixXd C = X.template cast<double>();
    const Eigen::RowVectorXd first = C.row(0);
    C.rowwise() -= first;
    const Eigen::RowVectorXd mean = C.colwise().mean();
    C.rowwise() -= mean;
    const double largest = C.cwiseAbs().maxCoeff();
    const auto [f1, f2] = detail::unit_factors(largest);
    C *= f1;
    C *= f2;
    const Eigen::MatrixXd Yu = detail::in_units(Y, largest);
    const Eigen::VectorXd sq = C.rowwise().squaredNorm();
    return detail::stress_from_blocks(Yu, detail::unit_exponent(largest), [&](Eigen::Index r0, Eigen::Index m, Eigen::Index c0,
                                                                               Eigen::Index mc) {
        Eigen::MatrixXd G = C.middleRows(r0, m) * C.middleRows(c0, mc).transpose();
        for (Eigen::Index i = 0; i < m; ++i)
            for (Eigen::Index j = 0; j < mc; ++j) G(i, j) = std::sqrt(std::max(sq(r0 + i) + sq(c0 + j) - 2 * G(i, j), 0.0));
        return G;
    }, ex);
}
template <class DX, class DY>
StressScores stress_scores(const Eigen::MatrixBase<DX>& X, const Eigen::MatrixBase<DY>& Y, unsigned threads = 0) {
    Executor ex(threads);
    return stress_scores(X, Y, ex);
}

/// Stress of Y against a given N x N distance matrix D (finite, >= 0; its diagonal ignored), in
/// units of a power of two like stress_scores.
template <class DD, class DY>
StressScores stress_scores_distances(const Eigen::MatrixBase<DD>& D_, const Eigen::MatrixBase<DY>& Y_, unsigned threads = 0) {
    const MatrixRef<detail::scalar_of<DD>> D(D_.derived());
    const MatrixRef<detail::scalar_of<DY>> Y(Y_.derived());
    if (D.rows() != D.cols() || D.rows() != Y.rows())
        detail::fail("distances must be N x N with N = the embedding's ", Y.rows(), " rows, got ", D.rows(), " x ", D.cols());
    detail::check_data(Y, "Y");
    double largest = 0;
    for (Eigen::Index i = 0; i < D.rows(); ++i)
        for (Eigen::Index j = 0; j < D.cols(); ++j) {
            if (!(std::isfinite(static_cast<double>(D(i, j))) && D(i, j) >= 0))
                detail::fail("distances: entry (", i, ", ", j, ") is ", D(i, j), "; distances must be finite and >= 0");
            largest = std::max(largest, static_cast<double>(D(i, j)));
        }
    const std::pair<double, double> f = detail::unit_factors(largest);  // (not a structured binding: captured below)
    const Eigen::MatrixXd Yu = detail::in_units(Y, largest);
    Executor ex(threads);
    return detail::stress_from_blocks(Yu, detail::unit_exponent(largest), [&](Eigen::Index r0, Eigen::Index m, Eigen::Index c0,
                                                                               Eigen::Index mc) {
        Eigen::MatrixXd B = D.block(r0, c0, m, mc).template cast<double>();
        B *= f.first;
        B *= f.second;
        return B;
    }, ex);
}

/// Leave-one-out k-NN majority-vote accuracy of labels in a kNN graph (usually the embedding's):
/// the fraction of points whose label wins the vote of their first k neighbours (ties go to the
/// smallest label, as numpy's bincount().argmax()).
template <class U>
double knn_label_accuracy(const KnnGraph<U>& g, const std::vector<int>& labels, std::size_t k) {
    if (labels.size() != g.n) detail::fail("labels: ", labels.size(), " labels for ", g.n, " points");
    detail::check_diag_k("k", k, std::max<std::size_t>(g.n, 2));
    detail::check_graph(g, "neighbours", g.n, k);
    std::size_t correct = 0;
    std::vector<int> votes(k);
    for (std::size_t i = 0; i < g.n; ++i) {
        for (std::size_t m = 0; m < k; ++m) votes[m] = labels[g.neighbors(i)[m]];
        std::sort(votes.begin(), votes.end());
        int best = votes[0];
        std::size_t best_count = 0;
        for (std::size_t a = 0; a < k;) {
            std::size_t b = a;
            while (b < k && votes[b] == votes[a]) ++b;
            if (b - a > best_count) {
                best_count = b - a;
                best = votes[a];
            }
            a = b;
        }
        correct += best == labels[i];
    }
    return static_cast<double>(correct) / static_cast<double>(g.n);
}

/// Colours from a 3-D embedding: axis d of Y becomes channel d (red, green, blue), mapped
/// linearly so that the `lower_percentile`-th value is 0 and the `upper_percentile`-th is 1,
/// clamped (robust to outliers; defaults 1 and 99). An axis with no spread maps to 0.5.
/// Returns N x 3 in [0, 1].
template <class DY>
RowMatrix<float> embedding_colors(const Eigen::MatrixBase<DY>& Y_, double lower_percentile = 1,
                                  double upper_percentile = 99) {
    const MatrixRef<detail::scalar_of<DY>> Y(Y_.derived());
    detail::check_data(Y, "Y");
    if (Y.cols() != 3) detail::fail("Y: embedding_colors needs a 3-D embedding (3 columns), got ", Y.cols());
    if (!(lower_percentile >= 0 && lower_percentile < upper_percentile && upper_percentile <= 100))
        detail::fail("lower_percentile and upper_percentile must satisfy 0 <= lower < upper <= 100, got ",
             lower_percentile, " and ", upper_percentile);
    const auto n = static_cast<std::size_t>(Y.rows());
    RowMatrix<float> rgb(Y.rows(), 3);
    std::vector<double> v(n);
    for (Eigen::Index d = 0; d < 3; ++d) {
        for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<double>(Y(static_cast<Eigen::Index>(i), d));
        std::sort(v.begin(), v.end());
        const double lo = detail::quantile_sorted(v, lower_percentile / 100), hi = detail::quantile_sorted(v, upper_percentile / 100);
        for (std::size_t i = 0; i < n; ++i) {
            const double y = static_cast<double>(Y(static_cast<Eigen::Index>(i), d));
            rgb(static_cast<Eigen::Index>(i), d) =
                hi > lo ? static_cast<float>(std::clamp((y - lo) / (hi - lo), 0.0, 1.0)) : 0.5f;
        }
    }
    return rgb;
}

/// KL(P || Q) of the embedding Y (N x Dims, Dims a compile-time constant) for affinities P
/// (sum 1, as the library's affinity policies make them), with the exact normalisation Z
/// (O(N²)). Uses gradient/kl.hpp.
template <int Dims, class T, class DY, class Exec, detail::if_executor<Exec> = 0>
double embedding_kl(const Csr<T>& P, const Eigen::MatrixBase<DY>& Y_, Exec& ex) {
    static_assert(std::is_same_v<detail::scalar_of<DY>, T>, "embedding_kl: P and Y must have the same scalar type");
    const MatrixRef<T> Y(Y_.derived());
    detail::check_data(Y, "Y");
    if (Y.cols() != Dims) detail::fail("Y: has ", Y.cols(), " columns, expected ", Dims);
    if (P.n != static_cast<std::size_t>(Y.rows()))
        detail::fail("P: affinities of ", P.n, " points for an embedding of ", Y.rows());
    if (P.row_ptr.size() != P.n + 1 || P.row_ptr.back() != P.nnz() || P.val.size() != P.nnz())
        detail::fail("P: malformed CSR (row_ptr must have N + 1 offsets ending at nnz = ", P.nnz(), ")");
    for (std::size_t e = 0; e < P.nnz(); ++e) {
        if (P.col[e] >= P.n) detail::fail("P: column index ", P.col[e], " out of range (N = ", P.n, ")");
        if (!(P.val[e] >= T(0)) || !std::isfinite(P.val[e]))
            detail::fail("P: value ", P.val[e], " at entry ", e, " must be finite and >= 0");
    }
    Embedding<T, Dims> E(P.n);
    E.assign(Y);
    return kl_divergence(P, E, ex);
}

/// As above for an embedding of 1, 2 or 3 columns chosen at run time (other widths: use the
/// template with the width as Dims).
template <class T, class DY, class Exec, detail::if_executor<Exec> = 0>
double embedding_kl(const Csr<T>& P, const Eigen::MatrixBase<DY>& Y, Exec& ex) {
    switch (Y.cols()) {
        case 1: return embedding_kl<1>(P, Y, ex);
        case 2: return embedding_kl<2>(P, Y, ex);
        case 3: return embedding_kl<3>(P, Y, ex);
        default: detail::fail("Y: embedding_kl without Dims handles 1, 2 or 3 columns, got ", Y.cols(), " (use embedding_kl<Dims>)");
    }
}

template <int Dims, class T, class DY>
double embedding_kl(const Csr<T>& P, const Eigen::MatrixBase<DY>& Y, unsigned threads = 0) {
    Executor ex(threads);
    return embedding_kl<Dims>(P, Y, ex);
}

template <class T, class DY>
double embedding_kl(const Csr<T>& P, const Eigen::MatrixBase<DY>& Y, unsigned threads = 0) {
    Executor ex(threads);
    return embedding_kl(P, Y, ex);
}

}  // namespace tsne
