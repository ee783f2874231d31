#pragma once
// The plain (non-fluent) API's entry points: prepare() and its precomputed-input twins build P
// (neighbours → affinities) and the initial embedding once and return a Run (run/run.hpp) ready
// to optimize; run_schedule() runs the standard phases on it; fit() does both in one call. The
// default policies (AutoNeighbors, Perplexity, PCA, AutoRepulsion, MomentumGains, Euclidean) are
// included here.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <utility>

#include "../affinity/perplexity.hpp"
#include "../affinity/precomputed.hpp"
#include "../affinity/uniform.hpp"
#include "../detail/embedding.hpp"
#include "../detail/validate.hpp"
#include "../gradient/auto_repulsion.hpp"
#include "../gradient/repulsive_exact.hpp"
#include "../init/pca.hpp"
#include "../init/random.hpp"
#include "../neighbors/brute_force.hpp"
#include "../neighbors/auto.hpp"
#include "../neighbors/metric.hpp"
#include "../optimizer/momentum_gains.hpp"
#include "../optimizer/schedule.hpp"
#include "../options.hpp"
#include "../parallel/executor.hpp"
#include "../policies.hpp"
#include "run.hpp"

namespace tsne {

namespace detail {
template <class Affinity>
void check_affinity_policy() {
    static_assert(traits::is_affinity<Affinity>::value,
                  "Affinity is not an AffinityPolicy: it needs neighbors(n) and Affinities<T> "
                  "operator()(const KnnGraph<T>&, Exec&) const; see tsne/policies.hpp");
}

/// Initial embedding without data (precomputed inputs).
template <int Dims, class T, class Init>
Embedding<T, Dims> initialize_without_data(const Init& init, std::size_t n, std::uint64_t seed, Executor& ex) {
    static_assert(traits::has_init_without_data<Init, T, Dims>::value,
                  "this InitPolicy needs the data X; precomputed inputs need an init with "
                  "operator()(Embedding<T, Dims>&, seed, Exec&) (PCA, RandomInit and UserInit have it)");
    Embedding<T, Dims> Y(n);
    init(Y, seed, ex);
    return Y;
}

template <int Dims, class T, class Repulsion, class Optimizer>
Run<T, Dims, Repulsion, Optimizer> make_run(Affinities<T> aff, Embedding<T, Dims> Y, const Options& options,
                                            const Repulsion& repulsion, const Optimizer& optimizer, const Timings& tm) {
    Run<T, Dims, Repulsion, Optimizer> run(std::move(aff), std::move(Y), repulsion, optimizer, options.threads,
                                           options.kl_every);
    run.set_dof(options.dof);
    // Auto renumbers only where this Run type can; an explicit period it cannot honour is an error.
    const int reorder = options.reorder_for(run.size());
    if (options.reorder >= 0 || decltype(run)::can_reorder) run.set_reorder(reorder);
    run.timings = tm;
    return run;
}

/// Precomputed kNN graph (already checked and trimmed) → affinities → run.
template <int Dims, class T, class Affinity, class Init, class Repulsion, class Optimizer>
Run<T, Dims, Repulsion, Optimizer> run_from_graph(KnnGraph<T> g, const Options& options, const Affinity& affinity,
                                                  const Init& init, const Repulsion& repulsion,
                                                  const Optimizer& optimizer, Executor& ex, Timings tm) {
    const std::size_t n = g.n;
    auto t0 = std::chrono::steady_clock::now();
    Affinities<T> aff = affinity(std::move(g), ex);  // a policy with an rvalue overload frees the graph early
    g = KnnGraph<T>{};                                // otherwise it is freed here, before the init allocates
    tm.affinities = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    Embedding<T, Dims> Y = initialize_without_data<Dims, T>(init, n, options.seed, ex);
    tm.initialization = seconds_since(t0);
    return make_run<Dims>(std::move(aff), std::move(Y), options, repulsion, optimizer, tm);
}
}  // namespace detail

/// Builds P (neighbours → affinities) and the initial embedding, and returns a Run ready to
/// optimize. X is read, never modified or kept.
template <int Dims, class T, class Neighbors = AutoNeighbors, class Affinity = Perplexity, class Init = PCA,
          class Repulsion = AutoRepulsion, class Optimizer = MomentumGains, class Metric = Euclidean>
Run<T, Dims, Repulsion, Optimizer> prepare(const MatrixRef<T>& X, const Options& options = {},
                                           const Neighbors& neighbors = {}, const Affinity& affinity = {},
                                           const Init& init = {}, const Repulsion& repulsion = {},
                                           const Optimizer& optimizer = {}, const Metric& metric = {}) {
    static_assert(Dims >= 1, "Dims (the output dimension) must be at least 1");
    static_assert(traits::is_metric_v<Metric>,
                  "Metric is not a metric: it needs transform(X, out) + from_euclidean(d), or distance(a, b, dims); "
                  "see tsne/neighbors/metric.hpp");
    static_assert(traits::is_neighbors_for<Neighbors, Metric>::value,
                  "Neighbors is not a NeighborsPolicy for this metric: it needs KnnGraph<T> operator()(const "
                  "MatrixRef<T>&, std::size_t k, const Metric&, Exec&) const; see tsne/policies.hpp");
    detail::check_affinity_policy<Affinity>();
    static_assert(traits::is_init<Init>::value || traits::is_init_for<Init, T>::value,
                  "Init is not an InitPolicy: it needs void operator()(const MatrixRef<T>& X, Embedding<T, Dims>&, "
                  "std::uint64_t seed, Exec&) const; see tsne/policies.hpp");
    options.validate();
    detail::check_data<T>(X);
    const std::size_t n = static_cast<std::size_t>(X.rows());
    Executor ex(options.threads);
    Timings tm;
    auto t0 = std::chrono::steady_clock::now();
    const std::size_t k = affinity.neighbors(n);
    Affinities<T> aff;
    {
        KnnGraph<T> graph = neighbors(X, k, metric, ex);
        tm.neighbors = detail::seconds_since(t0);
        t0 = std::chrono::steady_clock::now();
        // Perplexity and MultiscalePerplexity consume the graph: p_{j|i} overwrites the distances
        // and the graph is freed before P is compacted. Either way it is gone before the init.
        aff = affinity(std::move(graph), ex);
    }
    tm.affinities = detail::seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    Embedding<T, Dims> Y(n);
    init(X, Y, options.seed, ex);
    tm.initialization = detail::seconds_since(t0);
    return detail::make_run<Dims>(std::move(aff), std::move(Y), options, repulsion, optimizer, tm);
}

/// From a precomputed kNN graph (N×k indices + distances, any k >= what the affinity needs).
/// Without data, PCA init falls back to random (pass tsne::user_init(Y0) to choose).
template <int Dims, class T, class Affinity = Perplexity, class Init = PCA, class Repulsion = AutoRepulsion,
          class Optimizer = MomentumGains>
Run<T, Dims, Repulsion, Optimizer> prepare_from_knn(const KnnGraph<T>& graph, const Options& options = {},
                                                    const Affinity& affinity = {}, const Init& init = {},
                                                    const Repulsion& repulsion = {}, const Optimizer& optimizer = {}) {
    detail::check_affinity_policy<Affinity>();
    options.validate();
    Executor ex(options.threads);
    Timings tm;
    const auto t0 = std::chrono::steady_clock::now();
    KnnGraph<T> g = checked_knn(graph, affinity.neighbors(graph.n));
    tm.neighbors = detail::seconds_since(t0);
    return detail::run_from_graph<Dims>(std::move(g), options, affinity, init, repulsion, optimizer, ex, tm);
}

/// From a full N×N distance matrix (finite, >= 0, diagonal ignored).
template <int Dims, class T, class Affinity = Perplexity, class Init = PCA, class Repulsion = AutoRepulsion,
          class Optimizer = MomentumGains>
Run<T, Dims, Repulsion, Optimizer> prepare_from_distances(const MatrixRef<T>& D, const Options& options = {},
                                                          const Affinity& affinity = {}, const Init& init = {},
                                                          const Repulsion& repulsion = {},
                                                          const Optimizer& optimizer = {}) {
    detail::check_affinity_policy<Affinity>();
    options.validate();
    if (D.rows() != D.cols()) detail::fail("distance matrix must be square (N x N), got ", D.rows(), " x ", D.cols());
    Executor ex(options.threads);
    Timings tm;
    const auto t0 = std::chrono::steady_clock::now();
    KnnGraph<T> g = knn_from_distances(D, affinity.neighbors(static_cast<std::size_t>(D.rows())), ex);
    tm.neighbors = detail::seconds_since(t0);
    return detail::run_from_graph<Dims>(std::move(g), options, affinity, init, repulsion, optimizer, ex, tm);
}

/// From a ready sparse affinity matrix P (symmetrised / normalised as `how` says).
template <int Dims, class T, class Init = PCA, class Repulsion = AutoRepulsion, class Optimizer = MomentumGains>
Run<T, Dims, Repulsion, Optimizer> prepare_from_affinities(const Csr<T>& P, const Options& options = {},
                                                           const PrecomputedAffinities& how = {},
                                                           const Init& init = {}, const Repulsion& repulsion = {},
                                                           const Optimizer& optimizer = {}) {
    options.validate();
    Executor ex(options.threads);
    Timings tm;
    auto t0 = std::chrono::steady_clock::now();
    Affinities<T> aff = how(P, ex);
    tm.affinities = detail::seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    Embedding<T, Dims> Y = detail::initialize_without_data<Dims, T>(init, P.n, options.seed, ex);
    tm.initialization = detail::seconds_since(t0);
    return detail::make_run<Dims>(std::move(aff), std::move(Y), options, repulsion, optimizer, tm);
}

/// Runs the standard schedule on a prepared run: early exaggeration, the normal phase, and the
/// late-exaggeration phase when Options::late_exaggeration_start asks for one.
template <class T, int Dims, class R, class O, class... Callbacks>
Run<T, Dims, R, O>& run_schedule(Run<T, Dims, R, O>& run, const Options& options, Callbacks&&... callbacks) {
    options.validate();
    run.optimize(options.early_exaggeration_iterations, options.early_phase(), callbacks...);
    if (!run.stopped()) run.optimize(options.normal_iterations(), options.final_phase(), callbacks...);
    if (!run.stopped() && options.late_iterations() > 0)
        run.optimize(options.late_iterations(), options.late_phase(), callbacks...);
    return run;
}

namespace detail {
/// The default policies, in the builder's slot order (embedder.hpp): the pipeline that the
/// separately compiled mode compiles once.
using DefaultPolicies = std::tuple<AutoNeighbors, Perplexity, PCA, AutoRepulsion, MomentumGains, Euclidean>;

// fit() of the default pipeline from each input kind: prepare + run_schedule without callbacks.
// Deliberately function templates that are not inline: with TSNE_SEPARATE_COMPILATION an
// `extern template` declaration (below) then keeps every translation unit from instantiating
// them, and the tsne::compiled library holds the one copy (docs in README, "Compile time").
template <int Dims, class T>
RowMatrix<T> fit_defaults(const MatrixRef<T>& X, const Options& options, const DefaultPolicies& p) {
    const auto& [neighbors, affinity, init, repulsion, optimizer, metric] = p;
    auto run = prepare<Dims, T>(X, options, neighbors, affinity, init, repulsion, optimizer, metric);
    run_schedule(run, options);
    return run.embedding();
}
template <int Dims, class T>
RowMatrix<T> fit_defaults_from_distances(const MatrixRef<T>& D, const Options& options, const DefaultPolicies& p) {
    auto run = prepare_from_distances<Dims, T>(D, options, std::get<1>(p), std::get<2>(p), std::get<3>(p),
                                               std::get<4>(p));
    run_schedule(run, options);
    return run.embedding();
}
template <int Dims, class T>
RowMatrix<T> fit_defaults_from_knn(const KnnGraph<T>& g, const Options& options, const DefaultPolicies& p) {
    auto run = prepare_from_knn<Dims, T>(g, options, std::get<1>(p), std::get<2>(p), std::get<3>(p), std::get<4>(p));
    run_schedule(run, options);
    return run.embedding();
}
template <int Dims, class T>
RowMatrix<T> fit_defaults_from_affinities(const Csr<T>& P, const PrecomputedAffinities& how, const Options& options,
                                          const DefaultPolicies& p) {
    auto run = prepare_from_affinities<Dims, T>(P, options, how, std::get<2>(p), std::get<3>(p), std::get<4>(p));
    run_schedule(run, options);
    return run.embedding();
}
}  // namespace detail

/// One call: prepare + standard schedule; returns the N x Dims embedding.
template <int Dims, class T, class... Callbacks>
RowMatrix<T> fit(const MatrixRef<T>& X, const Options& options = {}, Callbacks&&... callbacks) {
    if constexpr (sizeof...(Callbacks) == 0) {
        return detail::fit_defaults<Dims, T>(X, options, detail::DefaultPolicies{});
    } else {
        auto run = prepare<Dims, T>(X, options);
        run_schedule(run, options, callbacks...);
        return run.embedding();
    }
}

}  // namespace tsne

// The default pipeline of one output dimension and scalar type, as explicit instantiations:
// TSNE_DETAIL_DEFAULT_PIPELINE(extern, 2, float) declares them (so no translation unit compiles
// them), TSNE_DETAIL_DEFAULT_PIPELINE(, 2, float) defines them (the tsne::compiled library's
// sources, generated by CMake, do only this).
#define TSNE_DETAIL_DEFAULT_PIPELINE(EXTERN, DIMS, T)                                                          \
    EXTERN template ::tsne::RowMatrix<T> tsne::detail::fit_defaults<DIMS, T>(                                  \
        const ::tsne::MatrixRef<T>&, const ::tsne::Options&, const ::tsne::detail::DefaultPolicies&);          \
    EXTERN template ::tsne::RowMatrix<T> tsne::detail::fit_defaults_from_distances<DIMS, T>(                   \
        const ::tsne::MatrixRef<T>&, const ::tsne::Options&, const ::tsne::detail::DefaultPolicies&);          \
    EXTERN template ::tsne::RowMatrix<T> tsne::detail::fit_defaults_from_knn<DIMS, T>(                         \
        const ::tsne::KnnGraph<T>&, const ::tsne::Options&, const ::tsne::detail::DefaultPolicies&);           \
    EXTERN template ::tsne::RowMatrix<T> tsne::detail::fit_defaults_from_affinities<DIMS, T>(                  \
        const ::tsne::Csr<T>&, const ::tsne::PrecomputedAffinities&, const ::tsne::Options&,                   \
        const ::tsne::detail::DefaultPolicies&);

// Separately compiled mode (link tsne::compiled, which defines TSNE_SEPARATE_COMPILATION as a bit
// mask of what it holds: float 1-, 2-, 3-D = 1, 2, 4; double = 8, 16, 32): those pipelines are
// compiled once in that library, and a translation unit whose fit() uses one only parses headers.
#ifdef TSNE_SEPARATE_COMPILATION
#if TSNE_SEPARATE_COMPILATION & 1
TSNE_DETAIL_DEFAULT_PIPELINE(extern, 1, float)
#endif
#if TSNE_SEPARATE_COMPILATION & 2
TSNE_DETAIL_DEFAULT_PIPELINE(extern, 2, float)
#endif
#if TSNE_SEPARATE_COMPILATION & 4
TSNE_DETAIL_DEFAULT_PIPELINE(extern, 3, float)
#endif
#if TSNE_SEPARATE_COMPILATION & 8
TSNE_DETAIL_DEFAULT_PIPELINE(extern, 1, double)
#endif
#if TSNE_SEPARATE_COMPILATION & 16
TSNE_DETAIL_DEFAULT_PIPELINE(extern, 2, double)
#endif
#if TSNE_SEPARATE_COMPILATION & 32
TSNE_DETAIL_DEFAULT_PIPELINE(extern, 3, double)
#endif
#endif
