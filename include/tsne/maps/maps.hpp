#pragma once
// The other maps, siblings of t-SNE (issue 22): PCA, classical MDS, metric MDS, Sammon's mapping
// and the force-directed layout of the kNN graph. Each is a cost over the embedding, run on the
// library's parts: the executor (parallel/), the neighbour search (neighbors/, for the graph), the
// space tree and its traversal (tree/, Barnes-Hut for the graph's charges), the Status/callback
// loop (so Progress, Snapshots and EarlyStop work unchanged; Status::kl carries the map's own
// cost), the PCA code and the eigen-solver (init/pca.hpp, detail/symmetric_eigen.hpp).
//
//   auto Y  = tsne::mds<2>(X).threads(2).fit();                 // SMACOF from classical MDS
//   auto Y3 = tsne::sammon<3>(X).iterations(300).fit();
//   auto G  = tsne::graph_layout<2>(X).neighbors(3).fit(snapshots);
//   auto P  = tsne::pca<2>(X).fit();
//   auto C  = tsne::classical_mds_distances<2>(D).fit();        // any *_distances: a given N x N matrix
//
// Optimisers, one per cost, each the standard one for it (see README "Other maps"):
//  - metric MDS: SMACOF (Guttman transform). It needs no step size, never increases the stress,
//    and costs one all-pairs pass per iteration; the momentum/gains policy needs a learning rate
//    that depends on the data's scale and did not beat it.
//  - Sammon: Sammon's own diagonal-Newton step y −= s·g/|h| per coordinate, with step halving
//    until E decreases (monotone; the paper's fixed "magic factor" s = 0.3-0.4 is replaced by the
//    halving, which starts each iteration from twice the last accepted s).
//    Weighted SMACOF for Sammon needs the pseudo-inverse of an N x N weighted Laplacian (O(N³)
//    once), which the Newton step avoids.
//  - graph layout: the adaptive step of force-directed placement (Hu 2005): each point moves
//    `step` along its force, the step grows by 1/0.9 after 5 improvements in a row and shrinks by
//    0.9 after any increase. The charges' forces span orders of magnitude (1/d²), so a global
//    learning rate (momentum/gains) is either unstable near close pairs or frozen far away.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "../detail/embedding.hpp"
#include "../detail/held.hpp"
#include "../detail/rng.hpp"
#include "../detail/validate.hpp"
#include "../neighbors/auto.hpp"
#include "../parallel/executor.hpp"
#include "../policies.hpp"
#include "../run/loop.hpp"
#include "../status.hpp"
#include "classical_mds.hpp"
#include "graph_layout.hpp"
#include "landmarks.hpp"
#include "pair_distances.hpp"
#include "stress.hpp"

namespace tsne {

/// Which map.
enum class MapKind { pca, classical_mds, mds, sammon, graph };

inline const char* map_name(MapKind k) noexcept {
    switch (k) {
        case MapKind::pca: return "pca";
        case MapKind::classical_mds: return "classical-mds";
        case MapKind::mds: return "mds";
        case MapKind::sammon: return "sammon";
        case MapKind::graph: return "graph";
    }
    return "?";
}

/// Where the iterative maps start.
enum class MapStart {
    classical,  ///< classical MDS (from data: the PCA projection), at the data's scale (default)
    random,     ///< N(0, σ²) per coordinate, σ² = mean d*² / (2·Dims): random pairs at the data's distances
    given       ///< the matrix passed to init()
};

/// Settings of the maps (what each does, its default, and which maps read it).
struct MapOptions {
    /// Iterations at most (iterative maps). 0: the map's default (MDS 1000, Sammon 300, graph 500).
    int iterations = 0;
    /// Stop when the cost's relative decrease over one iteration falls below this (MDS, Sammon);
    /// for the graph, when the step falls below tolerance x the mean edge length. 0: run all.
    /// On the digits from the classical start SMACOF stops after 368 iterations (1e-6: 293, and a
    /// stress 3e-6 above scikit-learn's 300 iterations; 1e-8: 648 for 1e-5 less).
    double tolerance = 1e-7;
    std::uint64_t seed = 42;  ///< random start and the subspace iteration of classical MDS
    unsigned threads = 0;     ///< 0: all hardware threads; results do not depend on it
    int neighbors = 3;        ///< graph: k of the kNN graph (the article's 3)
    double theta = 0.5;       ///< graph: Barnes-Hut θ of the charges (full cell width); 0: exact O(N²)
    /// graph: the unit of the cost. Its two parts scale differently (springs as s², charges as
    /// 1/s), so in the data's raw units the layout would depend on them (digits 0-16 or pixels
    /// 0-1 give different maps): the rest lengths d* are divided by their mean and multiplied by
    /// this, the layout runs in those units (the cost and the callbacks' Y are in them) and the
    /// result is scaled back to the data's units. 0: the rest lengths as they are, in the units
    /// every map runs in (the data's, up to the power of two that brings its largest centred
    /// coordinate into [0.5, 1)). On the digits kNN recall@10 is 0.45 with 1 (benchmarks/RESULTS.md);
    /// it was 0.10 in the digits' raw units 0-16.
    double edge_length = 1.0;
    bool simd = true;         ///< false: the scalar twins (tests, benchmarks)
    /// MDS from data: 0 = exact SMACOF over all pairs; L > 0 (and below N) = landmark MDS with L
    /// landmarks (maps/landmarks.hpp: O(L² + N·L) instead of O(N²); callbacks are not called and
    /// init/start do not apply — the landmarks start from their classical MDS).
    std::size_t landmarks = 0;
    MapStart start = MapStart::classical;
};

/// What a map returns.
template <class T>
struct MapResult {
    RowMatrix<T> Y;          ///< N x Dims
    double cost = std::numeric_limits<double>::quiet_NaN();  ///< the map's own cost at Y (NaN for PCA; +inf past double's range)
    int iterations = 0;      ///< iterations run
    bool converged = false;  ///< stopped by the tolerance (not the iteration limit or a callback)
    double seconds = 0;      ///< wall time of the whole fit (distances, start, iterations)
};

namespace maps {

/// Default iteration limits.
inline int default_iterations(MapKind k) {
    return k == MapKind::graph ? 500 : k == MapKind::mds ? 1000 : k == MapKind::sammon ? 300 : 0;
}

inline void check_options(const MapOptions& o, MapKind kind) {
    if (o.iterations < 0) tsne::detail::fail(map_name(kind), ": iterations must be >= 0, got ", o.iterations);
    if (!(o.tolerance >= 0) || !std::isfinite(o.tolerance))
        tsne::detail::fail(map_name(kind), ": tolerance must be finite and >= 0, got ", o.tolerance);
    if (kind == MapKind::graph) {
        if (o.neighbors < 1) tsne::detail::fail("graph: neighbors must be >= 1, got ", o.neighbors);
        if (!(o.theta >= 0) || !std::isfinite(o.theta)) tsne::detail::fail("graph: theta must be finite and >= 0, got ", o.theta);
        if (!(o.edge_length >= 0) || !std::isfinite(o.edge_length))
            tsne::detail::fail("graph: edge_length must be finite and >= 0, got ", o.edge_length);
    }
}

/// The loop every iterative map runs: begin (callbacks' on_begin), then `iterations` times
/// step() -> {cost before the step, converged}; the Status (kl = cost) goes to every callback,
/// any returning true stops; then on_end. Returns the iterations run. The map runs in units of
/// 2^unit_exp (fit_map); callbacks see Y and the cost in the caller's units (a scaled copy, made
/// only when there are callbacks and the unit is not 1; the cost scales as 2^cost_exp).
template <class T, int Dims, class Step, class... Callbacks>
int iterate(int iterations, const Embedding<T, Dims>& Y, MapResult<T>& res, int unit_exp, int cost_exp, Step&& step,
            Callbacks&... cbs) {
    tsne::detail::LoopCounters c;
    const auto t0 = std::chrono::steady_clock::now();
    const bool rescale = sizeof...(Callbacks) > 0 && unit_exp != 0;
    Embedding<T, Dims> shown(rescale ? Y.size() : 0);
    const auto show = [&] {
        if (!rescale) return;
        for (int d = 0; d < Dims; ++d)
            for (std::size_t i = 0; i < Y.size(); ++i)
                shown.coord(d)[i] = static_cast<T>(std::ldexp(static_cast<double>(Y.coord(d)[i]), unit_exp));
    };
    show();
    auto s = tsne::detail::begin_loop(c, iterations, 1.0, 0.0, 0.0, rescale ? &shown : &Y, cbs...);
    int t = 0;
    for (; t < iterations;) {
        const auto [cost, done] = step();
        ++t;
        show();
        s.iteration = t;
        s.phase_iteration = t;
        s.kl = std::ldexp(cost, cost_exp);
        s.seconds = tsne::detail::seconds_since(t0);
        bool stop = false;
        ((stop = tsne::detail::call_iteration(cbs, s) || stop), ...);
        if (done) res.converged = true;
        if (stop || done) break;
    }
    double total = 0;
    tsne::detail::end_loop(s, t0, total, cbs...);
    return t;
}

template <class T, int Dims>
Embedding<T, Dims> to_embedding(const Eigen::MatrixXd& Y) {
    Embedding<T, Dims> E(static_cast<std::size_t>(Y.rows()));
    for (Eigen::Index i = 0; i < Y.rows(); ++i)
        for (int d = 0; d < Dims; ++d) E(static_cast<std::size_t>(i), d) = static_cast<T>(Y(i, d));
    return E;
}

/// Random start with σ² = mean d*² / (2·Dims).
template <class T, int Dims>
Embedding<T, Dims> random_start(std::size_t n, double mean_sq_distance, std::uint64_t seed) {
    const double sigma = std::sqrt(std::max(mean_sq_distance, 1e-300) / (2.0 * Dims));
    tsne::detail::Rng rng(seed);
    Embedding<T, Dims> Y(n);
    for (std::size_t i = 0; i < n; ++i)
        for (int d = 0; d < Dims; ++d) Y(i, d) = static_cast<T>(sigma * rng.normal());
    return Y;
}

template <class T, int Dims>
void check_given_start(const RowMatrix<T>& Y0, std::size_t n, MapKind kind) {
    if (static_cast<std::size_t>(Y0.rows()) != n || Y0.cols() != Dims)
        tsne::detail::fail(map_name(kind), ": init must be N x Dims = ", n, " x ", Dims, ", got ", Y0.rows(), " x ", Y0.cols());
    for (Eigen::Index i = 0; i < Y0.rows(); ++i)
        for (Eigen::Index d = 0; d < Y0.cols(); ++d)
            if (!std::isfinite(static_cast<double>(Y0(i, d))))
                tsne::detail::fail(map_name(kind), ": init has non-finite value ", Y0(i, d), " at row ", i, ", column ", d);
}

/// Metric MDS by SMACOF from Y (in place). Returns the result with the final raw stress.
template <class T, int Dims, class Exec, class... Callbacks>
void smacof(const PairDistances<T>& D, Embedding<T, Dims>& Y, const MapOptions& o, int iterations, Exec& ex,
            MapResult<T>& res, int unit_exp, Callbacks&... cbs) {
    Embedding<T, Dims> next(Y.size());
    double prev = std::numeric_limits<double>::quiet_NaN();
    res.iterations = iterate<T, Dims>(iterations, Y, res, unit_exp, 2 * unit_exp, [&] {
        const double s = guttman_transform(D, Y, next, ex, o.simd);  // stress of Y, before the step
        std::swap(Y, next);
        const bool done = o.tolerance > 0 && std::isfinite(prev) && prev - s <= o.tolerance * s;
        prev = s;
        return std::pair<double, bool>(s, done);
    }, cbs...);
    res.cost = raw_stress(D, Y, ex);
}

/// Sammon's mapping from Y (in place): diagonal-Newton steps with step halving.
template <class T, int Dims, class Exec, class... Callbacks>
void sammon(const PairDistances<T>& D, Embedding<T, Dims>& Y, const MapOptions& o, int iterations, Exec& ex,
            MapResult<T>& res, int unit_exp, Callbacks&... cbs) {
    const std::size_t n = Y.size();
    Embedding<T, Dims> g(n), h(n), g2(n), h2(n), cand(n);
    double E = sammon_pass(D, Y, g, h, ex, o.simd);
    // The step's scale carries over: each iteration first tries twice the last accepted scale
    // (at most the full Newton step), so a run that needs halving does not pay for it every time.
    double accepted = 0.5;
    res.iterations = iterate<T, Dims>(iterations, Y, res, unit_exp, unit_exp, [&] {
        const double before = E;
        bool improved = false;
        double scale = std::min(1.0, 2 * accepted);
        for (int halving = 0; halving < 30 && !improved; ++halving, scale *= 0.5) {
            ex.parallel_for(n, 4096, [&](std::size_t b, std::size_t e) {
                for (int d = 0; d < Dims; ++d) {
                    const T *y = Y.coord(d), *gd = g.coord(d), *hd = h.coord(d);
                    T* c = cand.coord(d);
                    for (std::size_t i = b; i < e; ++i) {
                        const T ah = std::abs(hd[i]);
                        c[i] = ah > 0 ? y[i] - static_cast<T>(scale) * gd[i] / ah : y[i];
                    }
                }
            });
            const double Ec = sammon_pass(D, cand, g2, h2, ex, o.simd);
            if (Ec < E) {
                improved = true;
                accepted = scale;
                E = Ec;
                std::swap(Y, cand);
                std::swap(g, g2);
                std::swap(h, h2);
            }
        }
        if (!std::isfinite(E)) tsne::detail::throw_with<tsne::runtime_error>("sammon: the cost is not finite (", E, ")");
        const bool done = !improved || (o.tolerance > 0 && before - E <= o.tolerance * E);
        return std::pair<double, bool>(before, done);
    }, cbs...);
    res.cost = E;
}

/// Force-directed layout of the springs from Y (in place), Hu's adaptive step.
template <class T, int Dims, class Exec, class... Callbacks>
void force_directed(SpringGraph<T> springs, Embedding<T, Dims>& Y, const MapOptions& o, int iterations,
                    Exec& ex, MapResult<T>& res, Callbacks&... cbs) {
    const std::size_t n = Y.size();
    CoulombRepulsion<T, Dims> rep(o.theta, o.simd);
    Embedding<T, Dims> grad(n);
    double mean_edge = 0;
    for (T r : springs.rest) mean_edge += static_cast<double>(r);
    mean_edge = springs.rest.empty() ? 1.0 : mean_edge / static_cast<double>(springs.rest.size());
    if (!(mean_edge > 0)) mean_edge = 1;
    // The unit of the cost (MapOptions::edge_length): rest lengths and start scaled alike.
    const double unit = o.edge_length > 0 ? o.edge_length / mean_edge : 1.0;
    if (unit != 1.0) {
        for (T& r : springs.rest) r = static_cast<T>(r * unit);
        for (int d = 0; d < Dims; ++d)
            for (std::size_t i = 0; i < n; ++i) Y.coord(d)[i] = static_cast<T>(Y.coord(d)[i] * unit);
        mean_edge = o.edge_length;
    }
    double step = 0.2 * mean_edge;
    int progress = 0;
    double C = graph_layout_gradient(springs, rep, Y, grad, ex);
    res.iterations = iterate<T, Dims>(iterations, Y, res, 0, 0, [&] {
        const double before = C;
        const T st = static_cast<T>(step);
        ex.parallel_for(n, 4096, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) {
                T norm2 = 0;
                for (int d = 0; d < Dims; ++d) norm2 += grad.coord(d)[i] * grad.coord(d)[i];
                if (!(norm2 > 0) || !std::isfinite(norm2)) continue;
                const T s = st / std::sqrt(norm2);
                for (int d = 0; d < Dims; ++d) Y.coord(d)[i] -= s * grad.coord(d)[i];
            }
        });
        C = graph_layout_gradient(springs, rep, Y, grad, ex);
        if (C < before) {
            if (++progress >= 5) step /= 0.9, progress = 0;
        } else {
            progress = 0;
            step *= 0.9;
        }
        const bool done = o.tolerance > 0 && step < o.tolerance * mean_edge;
        return std::pair<double, bool>(before, done);
    }, cbs...);
    res.cost = C;
    if (unit != 1.0)
        for (int d = 0; d < Dims; ++d)
            for (std::size_t i = 0; i < n; ++i) Y.coord(d)[i] = static_cast<T>(Y.coord(d)[i] / unit);
}

/// kNN graph from a full distance matrix (each row's k smallest off-diagonal entries).
template <class T>
KnnGraph<T> knn_from_distances(const PairDistances<T>& D, std::size_t k) {
    const std::size_t n = D.size();
    KnnGraph<T> g = KnnGraph<T>::allocate(n, k);
    std::vector<std::uint32_t> idx(n - 1);
    for (std::size_t i = 0; i < n; ++i) {
        const T* r = D.row(i);
        std::size_t m = 0;
        for (std::size_t j = 0; j < n; ++j)
            if (j != i) idx[m++] = static_cast<std::uint32_t>(j);
        std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(),
                          [&](std::uint32_t a, std::uint32_t b) { return r[a] != r[b] ? r[a] < r[b] : a < b; });
        for (std::size_t q = 0; q < k; ++q) g.index[i * k + q] = idx[q], g.distance[i * k + q] = r[idx[q]];
    }
    return g;
}

/// The whole fit of one map, from data (X) or a distance matrix (Dm): the one implementation
/// under the fluent builders.
template <int Dims, class T, class... Callbacks>
MapResult<T> fit_map(MapKind kind, const MatrixRef<T>* X, const MatrixRef<T>* Dm, const MapOptions& o,
                     const RowMatrix<T>* given_start, Callbacks&... cbs) {
    static_assert(Dims >= 1 && Dims <= 3, "the maps support 1-, 2- and 3-D output");
    const auto t0 = std::chrono::steady_clock::now();
    check_options(o, kind);
    MapResult<T> res;
    Executor ex(o.threads);
    if (X) tsne::detail::check_data<T>(*X, "X");
    const std::size_t n = X ? static_cast<std::size_t>(X->rows()) : static_cast<std::size_t>(Dm->rows());
    // Every map runs in units of a power of two, 2^unit_exp, in which the data's largest centred
    // coordinate (or the largest given distance) is in [0.5, 1): the kernels square distances in T,
    // which overflows beyond about 2^63 in float and underflows below 2^-63. Scaling by a power of
    // two is exact, so data scaled by 2^k give the map scaled by 2^k, bit for bit; Y and the cost
    // are scaled back at the end, and callbacks see them in the caller's units (iterate), but for
    // the graph layout's, which are in its own unit (MapOptions::edge_length).
    int unit_exp = 0;
    RowMatrix<T> Xn;
    std::optional<MatrixRef<T>> Xref;
    if (X) {
        Xn = normalised_data<T>(*X, unit_exp);
        Xref.emplace(Xn);
        X = &*Xref;
    }
    const auto finish = [&](RowMatrix<T> Yw) {
        for (Eigen::Index i = 0; i < Yw.rows(); ++i)
            for (Eigen::Index d = 0; d < Yw.cols(); ++d) {
                const double v = std::ldexp(static_cast<double>(Yw(i, d)), unit_exp);
                if (!std::isfinite(v) || std::abs(v) > static_cast<double>(std::numeric_limits<T>::max()))
                    tsne::detail::throw_with<tsne::runtime_error>(
                        map_name(kind), ": the map's coordinate ", v, " (row ", i, ", column ", d, ") is not finite in ",
                        sizeof(T) == 4 ? "float" : "double", sizeof(T) == 4 ? "; use double" : "");
                Yw(i, d) = static_cast<T>(v);
            }
        res.Y = std::move(Yw);
        res.seconds = tsne::detail::seconds_since(t0);
        return res;
    };
    if (kind == MapKind::pca) {
        if (!X) tsne::detail::fail("pca: needs data (points as rows), not a distance matrix; use classical MDS for distances");
        Eigen::MatrixXd P = maps::classical_mds<Dims, T>(*X, o.seed);
        return finish(P.template cast<T>());
    }
    if (kind == MapKind::mds && X && o.landmarks > 0 && o.landmarks < n) {
        LandmarkOptions lo;
        lo.landmarks = o.landmarks;
        lo.iterations = o.iterations > 0 ? o.iterations : default_iterations(kind);
        lo.tolerance = o.tolerance;
        lo.seed = o.seed;
        return finish(landmark_mds<Dims, T>(*X, lo, ex));
    }
    std::optional<PairDistances<T>> D;
    if (kind != MapKind::graph || !X) D = X ? pair_distances<T>(*X, ex) : pair_distances_given<T>(*Dm);
    if (!X) unit_exp = D->unit_exp;
    int data_to_work = 0;  // from the units of X's normalised rows to the working units
    if (X && D) {  // the unit of the largest distance, as for a given matrix: both paths run in the same units
        const double largest = static_cast<double>(D->D.maxCoeff());
        if (largest > 0) std::frexp(largest, &data_to_work);
        if (data_to_work != 0) {
            D->D *= std::ldexp(T(1), -data_to_work);  // exact: a power of two, and the distances are near 1
            unit_exp += data_to_work;
        }
    }
    if (kind == MapKind::graph && static_cast<std::size_t>(o.neighbors) >= n)
        tsne::detail::fail("graph: neighbors must be < N = ", n, ", got ", o.neighbors);
    // The start.
    Embedding<T, Dims> Y;
    const MapStart start = given_start ? MapStart::given : o.start;
    if (start == MapStart::given) {
        if (!given_start) tsne::detail::fail(map_name(kind), ": start 'given' needs an init matrix");
        check_given_start<T, Dims>(*given_start, n, kind);
        Y = Embedding<T, Dims>(n);
        for (std::size_t i = 0; i < n; ++i)  // into the working units
            for (int d = 0; d < Dims; ++d)
                Y(i, d) = static_cast<T>(std::ldexp(static_cast<double>((*given_start)(static_cast<Eigen::Index>(i), d)), -unit_exp));
    } else if (start == MapStart::classical || kind == MapKind::classical_mds) {
        ClassicalMdsOptions co;
        co.seed = o.seed;
        Y = to_embedding<T, Dims>(X ? Eigen::MatrixXd(std::ldexp(1.0, -data_to_work) * maps::classical_mds<Dims, T>(*X, o.seed))
                                    : maps::classical_mds<Dims>(*D, ex, co));
    } else {
        double msq = 0;
        if (D) {
            const auto sums = distance_sums(*D);
            msq = sums.first / static_cast<double>(n * (n - 1));
        } else {  // mean squared distance of data = 2 · total variance
            const Eigen::RowVectorXd mean = X->template cast<double>().colwise().mean();
            double tv = 0;
            for (Eigen::Index i = 0; i < X->rows(); ++i) tv += (X->row(i).template cast<double>() - mean).squaredNorm();
            msq = 2 * tv / static_cast<double>(n - 1);
        }
        Y = random_start<T, Dims>(n, msq, o.seed);
    }
    const int iterations = o.iterations > 0 ? o.iterations : default_iterations(kind);
    if (kind == MapKind::classical_mds) {
        res.cost = raw_stress(*D, Y, ex);
    } else if (kind == MapKind::mds) {
        maps::smacof(*D, Y, o, iterations, ex, res, unit_exp, cbs...);
    } else if (kind == MapKind::sammon) {
        maps::sammon(*D, Y, o, iterations, ex, res, unit_exp, cbs...);
    } else {
        const KnnGraph<T> g = X ? AutoNeighbors{}(*X, static_cast<std::size_t>(o.neighbors), ex)
                                : knn_from_distances(*D, static_cast<std::size_t>(o.neighbors));
        const SpringGraph<T> springs = spring_graph(g);
        maps::force_directed(springs, Y, o, iterations, ex, res, cbs...);
    }
    if (!std::isfinite(res.cost))
        tsne::detail::throw_with<tsne::runtime_error>(map_name(kind), ": the cost is not finite (", res.cost, ")");
    // The cost in the caller's units: stress scales as the square of the unit, Sammon's cost as the
    // unit (+inf where that exceeds double: the stress of data near 1e300); the graph layout's cost
    // is in its own unit (MapOptions::edge_length) already.
    if (kind == MapKind::mds || kind == MapKind::classical_mds) res.cost = std::ldexp(res.cost, 2 * unit_exp);
    else if (kind == MapKind::sammon) res.cost = std::ldexp(res.cost, unit_exp);
    return finish(Y.to_matrix());
}

}  // namespace maps

/// The fluent front end of a map: value setters return *this; run() gives the MapResult, fit()
/// its Y. FromDistances: the input is a full N x N distance matrix. Sugar over maps::fit_map().
template <int Dims, class T, MapKind Kind, bool FromDistances = false>
class MapBuilder {
    static_assert(Dims >= 1 && Dims <= 3, "the maps support 1-, 2- and 3-D output");
    static_assert(is_real_v<T>, "the input's scalar type must be float or double");
    static_assert(!(Kind == MapKind::pca && FromDistances), "PCA needs data rows, not distances");
    static constexpr bool iterative = Kind == MapKind::mds || Kind == MapKind::sammon || Kind == MapKind::graph;

public:
    explicit MapBuilder(tsne::detail::Held<T> input, MapOptions o = {}) : input_(std::move(input)), o_(o) {}

    MapBuilder& iterations(int n) {
        static_assert(iterative, "iterations() applies to the iterative maps (mds, sammon, graph_layout)");
        o_.iterations = n;
        return *this;
    }
    MapBuilder& tolerance(double t) {
        static_assert(iterative, "tolerance() applies to the iterative maps (mds, sammon, graph_layout)");
        o_.tolerance = t;
        return *this;
    }
    MapBuilder& seed(std::uint64_t s) { o_.seed = s; return *this; }
    MapBuilder& threads(unsigned n) { o_.threads = n; return *this; }
    MapBuilder& simd(bool on) { o_.simd = on; return *this; }
    /// k of the kNN graph (graph_layout only; default 3).
    MapBuilder& neighbors(int k) {
        static_assert(Kind == MapKind::graph, "neighbors() applies to graph_layout only");
        o_.neighbors = k;
        return *this;
    }
    /// Landmark MDS with L landmarks (mds from data only; MapOptions::landmarks). 0 = exact.
    MapBuilder& landmarks(std::size_t L) {
        static_assert(Kind == MapKind::mds && !FromDistances, "landmarks() applies to mds(X) only");
        o_.landmarks = L;
        return *this;
    }
    /// The graph's unit: mean rest length in the cost (graph_layout only; MapOptions::edge_length).
    MapBuilder& edge_length(double l) {
        static_assert(Kind == MapKind::graph, "edge_length() applies to graph_layout only");
        o_.edge_length = l;
        return *this;
    }
    /// Barnes-Hut θ of the charges (graph_layout only); 0 = exact.
    MapBuilder& theta(double t) {
        static_assert(Kind == MapKind::graph, "theta() applies to graph_layout only");
        o_.theta = t;
        return *this;
    }
    /// Where the iterations start: MapStart::classical (default) or MapStart::random.
    MapBuilder& start(MapStart s) {
        static_assert(iterative, "start() applies to the iterative maps (mds, sammon, graph_layout)");
        o_.start = s;
        return *this;
    }
    /// A given start (N x Dims).
    template <class Derived>
    MapBuilder& init(const Eigen::DenseBase<Derived>& Y0) {
        static_assert(iterative, "init() applies to the iterative maps (mds, sammon, graph_layout)");
        start_ = std::make_shared<const RowMatrix<T>>(Y0.template cast<T>());
        o_.start = MapStart::given;
        return *this;
    }
    MapBuilder& options(const MapOptions& o) { o_ = o; return *this; }
    const MapOptions& options() const noexcept { return o_; }

    template <class... Callbacks>
    MapResult<T> run(Callbacks&&... cbs) const {
        const MatrixRef<T> m = input_.view();
        if (o_.start == MapStart::given && !start_) tsne::detail::fail(map_name(Kind), ": start 'given' needs init(Y0)");
        return maps::fit_map<Dims, T>(Kind, FromDistances ? nullptr : &m, FromDistances ? &m : nullptr, o_,
                                      o_.start == MapStart::given ? start_.get() : nullptr, cbs...);
    }
    template <class... Callbacks>
    RowMatrix<T> fit(Callbacks&&... cbs) const {
        return run(cbs...).Y;
    }

private:
    tsne::detail::Held<T> input_;
    MapOptions o_;
    std::shared_ptr<const RowMatrix<T>> start_;
};

#define TSNE_DETAIL_MAP_ENTRY(name, kind, distances)                                                   \
    template <int Dims, class X, std::enable_if_t<detail::is_eigen_dense_v<std::remove_cv_t<std::remove_reference_t<X>>>, int> = 0> \
    auto name(X&& x) {                                                                                 \
        using T = typename std::remove_cv_t<std::remove_reference_t<X>>::Scalar;                       \
        static_assert(is_real_v<T>, "tsne::" #name ": the input must hold float or double");        \
        return MapBuilder<Dims, T, kind, distances>(detail::hold(std::forward<X>(x)));                 \
    }

/// Metric MDS (stress, SMACOF) of data rows X, or of a full distance matrix (mds_distances).
TSNE_DETAIL_MAP_ENTRY(mds, MapKind::mds, false)
TSNE_DETAIL_MAP_ENTRY(mds_distances, MapKind::mds, true)
/// Sammon's mapping.
TSNE_DETAIL_MAP_ENTRY(sammon, MapKind::sammon, false)
TSNE_DETAIL_MAP_ENTRY(sammon_distances, MapKind::sammon, true)
/// Force-directed layout of the kNN graph (k = neighbors(), default 3).
TSNE_DETAIL_MAP_ENTRY(graph_layout, MapKind::graph, false)
TSNE_DETAIL_MAP_ENTRY(graph_layout_distances, MapKind::graph, true)
/// Classical (Torgerson) MDS; from data it equals the PCA projection.
TSNE_DETAIL_MAP_ENTRY(classical_mds, MapKind::classical_mds, false)
TSNE_DETAIL_MAP_ENTRY(classical_mds_distances, MapKind::classical_mds, true)
/// PCA as a map: the projection on the first Dims principal axes (not scaled down).
TSNE_DETAIL_MAP_ENTRY(pca, MapKind::pca, false)
#undef TSNE_DETAIL_MAP_ENTRY

}  // namespace tsne
