// The tsne command line's commands: fit (a new run from data or a precomputed input), continue
// (--load-state) and transform (--reference-data): the library's builders configured from the
// command line, the optimisation with its progress messages, the diagnostics, and the outputs.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <limits>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <tsne/tsne.hpp>

#include "inputs.hpp"
#include "io.hpp"
#include "options.hpp"
#include "outputs.hpp"
#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#define TSNE_CLI_HAVE_ISATTY 1
#endif

namespace tsne_cli {

// ---- policies ---------------------------------------------------------------------------------
// Each policy setter of the builder changes its type, so one instantiation per combination of
// --knn x --metric x --affinity x --init x --dims x float/double would be 216 builders. Instead,
// the choices that only configure a stage are single policy types switching at run time over the
// library's own policies (std::visit with generic lambdas); only the metric (which the neighbour
// searches take as a type), Dims and the scalar type are template parameters: 12 builders.

/// The graph the neighbour search returned, kept for --save-knn.
using SavedKnn = std::variant<std::monostate, tsne::KnnGraph<float>, tsne::KnnGraph<double>>;

/// --knn: AutoNeighbors, BruteForce, VPTree or IVF, chosen at run time; optionally keeps the graph.
struct CliNeighbors {
    std::variant<tsne::AutoNeighbors, tsne::BruteForce, tsne::VPTree, tsne::IVF> search;
    std::shared_ptr<SavedKnn> saved;

    template <class T, class Metric, class Exec>
    tsne::KnnGraph<T> operator()(const tsne::MatrixRef<T>& X, std::size_t k, const Metric& metric, Exec& ex) const {
        tsne::KnnGraph<T> g = std::visit(
            [&](const auto& s) -> tsne::KnnGraph<T> {
                if constexpr (std::is_same_v<std::decay_t<decltype(s)>, tsne::VPTree> &&
                              !tsne::traits::is_euclidean_embeddable<Metric>::value)
                    throw UsageError("--knn vptree needs a metric with a Euclidean form");
                else
                    return s(X, k, metric, ex);
            },
            search);
        if (saved) *saved = g;
        return g;
    }
};

/// --affinity: Perplexity, MultiscalePerplexity or Uniform, chosen at run time.
struct CliAffinity {
    std::variant<tsne::Perplexity, tsne::MultiscalePerplexity, tsne::Uniform> policy;

    std::size_t neighbors(std::size_t n) const {
        return std::visit([n](const auto& a) { return a.neighbors(n); }, policy);
    }
    template <class T, class Exec>
    tsne::Affinities<T> operator()(const tsne::KnnGraph<T>& g, Exec& ex) const {
        return std::visit([&](const auto& a) { return a(g, ex); }, policy);
    }
};

/// --init: PCA or RandomInit, chosen at run time (both also work without data).
struct CliInit {
    std::variant<tsne::PCA, tsne::RandomInit> policy;

    template <class T, int Dims, class Exec>
    void operator()(const tsne::MatrixRef<T>& X, tsne::Embedding<T, Dims>& Y, std::uint64_t seed, Exec& ex) const {
        std::visit([&](const auto& init) { init(X, Y, seed, ex); }, policy);
    }
    template <class T, int Dims, class Exec>
    void operator()(tsne::Embedding<T, Dims>& Y, std::uint64_t seed, Exec& ex) const {
        std::visit([&](const auto& init) { init(Y, seed, ex); }, policy);
    }
};

struct Policies {
    CliNeighbors neighbors;
    CliAffinity affinity;
    CliInit init;
    std::variant<tsne::Euclidean, tsne::Cosine> metric;
};

inline Policies make_policies(const Config& c) {
    Policies p;
    switch (c.knn) {
        case KnnKind::automatic:
            p.neighbors.search = c.auto_knn;
            std::get<tsne::AutoNeighbors>(p.neighbors.search).approximate = c.ivf;
            break;
        case KnnKind::exact: p.neighbors.search = tsne::BruteForce{}; break;
        case KnnKind::vptree: p.neighbors.search = tsne::VPTree{}; break;
        case KnnKind::approx: p.neighbors.search = c.ivf; break;
    }
    // The graph is kept for --save-knn, and reused by the diagnostics (Euclidean only).
    if (!c.save_knn.empty() || (c.metric == MetricKind::euclidean && c.input_kind == InputKind::data))
        p.neighbors.saved = std::make_shared<SavedKnn>();
    switch (c.affinity) {
        case AffinityKind::perplexity: {
            tsne::Perplexity a = c.sigma;
            a.perplexity = c.perplexity;
            p.affinity.policy = a;
            break;
        }
        case AffinityKind::multiscale: {
            tsne::MultiscalePerplexity m;
            m.perplexities = c.perplexities;
            m.tolerance = c.sigma.tolerance;
            m.max_steps = c.sigma.max_steps;
            p.affinity.policy = m;
            break;
        }
        case AffinityKind::uniform: p.affinity.policy = tsne::Uniform{c.uniform_k}; break;
    }
    tsne::PCA pca = c.pca;
    pca.std = c.init_std;
    p.init.policy = pca;
    if (c.init == InitKind::random) p.init.policy = tsne::RandomInit{c.init_std};
    if (c.metric == MetricKind::cosine) p.metric = tsne::Cosine{};
    return p;
}

// ---- the run ----------------------------------------------------------------------------------

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// The builder with the command line's policies and options; each input kind's builder takes only
/// the stages that act on it (a search for data, affinities for all but given affinities).
template <class Builder>
auto configure(const Builder& builder, const Config& c, const Policies& p) {
    const auto staged = [&] {
        if constexpr (Builder::source() == tsne::Source::data)
            return builder.neighbors(p.neighbors).affinity(p.affinity);
        else if constexpr (Builder::source() == tsne::Source::affinities)
            return builder;
        else
            return builder.affinity(p.affinity);
    }();
    auto b = staged.init(p.init).repulsion(make_repulsion(c)).optimizer(c.gains);
    b.options(make_options(c));
    return b;
}

/// --input: the metric is the one policy dispatched as a type (the searches need it). X is viewed
/// (tsne::embed of a row-major Map), never copied.
template <int Dims, class T>
auto prepare_data(const tsnex::ConstMap<T>& X, const Config& c, const Policies& p) {
    const auto builder = configure(tsne::embed<Dims>(X), c, p);
    return std::visit([&](const auto& metric) { return builder.metric(metric).prepare(); }, p.metric);
}

/// --distances, --knn-graph, --affinities (float32).
template <int Dims>
auto prepare_precomputed(Input& in, const Config& c, const Policies& p) {
    switch (c.input_kind) {
        case InputKind::distances:
            return configure(tsne::embed_distances<Dims>(in.distances), c, p).prepare();
        case InputKind::knn_graph:
            return configure(tsne::embed_knn<Dims>(std::move(in.graph)), c, p).prepare();
        default:
            return configure(tsne::embed_affinities<Dims>(std::move(in.affinities),
                                                          tsne::PrecomputedAffinities{c.symmetrize, c.normalize}),
                             c, p)
                .prepare();
    }
}

/// A progress bar on stderr (only used when stderr is a terminal): iterations done, the current
/// phase, the last KL divergence and the estimated time left, redrawn at most ten times a second.
struct ProgressBar {
    int first = 0, total = 0;  ///< iteration count at the start (a loaded run's) and at the end
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now(), last_draw{};
    double kl = std::numeric_limits<double>::quiet_NaN();

    template <class T, int Dims>
    void on_iteration(const tsne::Status<T, Dims>& s) {
        if (s.has_kl()) kl = s.kl;
        const auto now = std::chrono::steady_clock::now();
        if (s.iteration != total && now - last_draw < std::chrono::milliseconds(100)) return;
        last_draw = now;
        const double elapsed = std::chrono::duration<double>(now - start).count();
        const double frac = total > first ? static_cast<double>(s.iteration - first) / (total - first) : 1.0;
        const int width = 30, filled = static_cast<int>(frac * width);
        std::string bar(static_cast<std::size_t>(filled), '#');
        bar.resize(width, '-');
        char eta[32] = "";
        if (s.iteration > first && s.iteration < total)
            std::snprintf(eta, sizeof eta, "ETA %.0f s", elapsed / frac * (1 - frac));
        else if (s.iteration >= total)
            std::snprintf(eta, sizeof eta, "%.1f s", elapsed);
        char klbuf[32] = "KL   -   ";
        if (!std::isnan(kl)) std::snprintf(klbuf, sizeof klbuf, "KL %.4f", kl);
        std::fprintf(stderr, "\rtsne [%s] %5d/%d %s %s %-14s", bar.c_str(), s.iteration, total,
                     s.exaggeration != 1.0 ? "(early)" : "       ", klbuf, eta);
        std::fflush(stderr);
    }
    void finish() const { std::fputc('\n', stderr); }
};

inline bool stderr_is_terminal() {
#if TSNE_CLI_HAVE_ISATTY
    return isatty(STDERR_FILENO) == 1;
#else
    return false;
#endif
}

/// The progress bar (and the line before it) only on a terminal, and not with --quiet/--verbose.
inline bool show_progress_bar(const Config& c) { return !c.quiet && !c.verbose && stderr_is_terminal(); }

/// On a terminal, says what runs before the first iteration (the neighbour search can take a
/// while); the progress bar overwrites the line.
inline void announce_preparation(const Config& c) {
    if (!show_progress_bar(c)) return;
    std::fprintf(stderr, "\rtsne: finding neighbours, affinities and the initial embedding ...");
    std::fflush(stderr);
}


/// The kNN graph of X for the diagnostics: the run's own (Euclidean, nearest first) when it has
/// at least k neighbours, else a new search with the run's --knn choice.
template <class T, class Exec>
tsne::KnnGraph<T> data_graph(const tsnex::ConstMap<T>& X, std::size_t k, const Policies& p, Exec& ex) {
    if (p.neighbors.saved)
        if (const auto* g = std::get_if<tsne::KnnGraph<T>>(p.neighbors.saved.get()); g && g->k >= k) return *g;
    CliNeighbors search{p.neighbors.search, nullptr};
    return search(tsne::MatrixRef<T>(X), k, tsne::Euclidean{}, ex);
}

/// Per-point scores and summary scores, as --color, --report and --labels ask.
template <class T, class Exec>
void diagnose(const Config& c, const tsnex::ConstMap<T>* X, const tsne::RowMatrix<T>& Y, const Policies& p,
              const std::vector<int>& labels, Exec& ex, Result& r) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::size_t n = static_cast<std::size_t>(Y.rows());
    const bool want_scores = c.color == ColorKind::distortion || c.color == ColorKind::preservation;
    const bool want_report = !c.report.empty();
    // The page offers the RGB colouring of a 3-D run whatever --color says (it costs one pass).
    if (c.color == ColorKind::embedding3d || (!c.html.empty() && Y.cols() == 3)) r.colors = tsne::embedding_colors(Y);
    if (want_report && !labels.empty()) {
        const std::size_t k = std::min<std::size_t>(10, n - 1);
        const auto gy = tsne::AutoNeighbors{}(tsne::MatrixRef<T>(Y), k, tsne::Euclidean{}, ex);
        r.accuracy10 = tsne::knn_label_accuracy(gy, labels, k);
    }
    if (X && (want_scores || want_report)) {
        const std::size_t k = std::min<std::size_t>(want_scores ? std::max<std::size_t>(c.color_k, 10) : 10, n - 1);
        const tsne::KnnGraph<T> gx = data_graph(*X, k, p, ex);
        const auto gy = tsne::AutoNeighbors{}(tsne::MatrixRef<T>(Y), k, tsne::Euclidean{}, ex);
        const std::size_t kc = std::min(c.color_k, n - 1);
        if (c.color == ColorKind::preservation) r.preservation = tsne::knn_preservation(gx, gy, kc);
        if (c.color == ColorKind::distortion) r.distortion = tsne::neighborhood_distortion(*X, gx, gy, kc, ex);
        if (want_report) {
            const std::size_t k10 = std::min<std::size_t>(10, n - 1);
            const auto pres = tsne::knn_preservation(gx, gy, k10);
            double sum = 0;
            for (double v : pres) sum += v;
            r.recall10 = sum / static_cast<double>(n);
            if (2 * k10 < n) {
                // Exact up to 5,000 points; above, a subset sized to about 2e9 distance terms.
                const double cost = static_cast<double>(n) * static_cast<double>(X->cols() + 10);
                const std::size_t sample =
                    n <= 5000 ? 0 : static_cast<std::size_t>(std::clamp(2e9 / cost, 200.0, static_cast<double>(n)));
                r.trust_points = sample == 0 ? n : sample;
                r.trustworthiness10 = tsne::trustworthiness(*X, Y, k10, ex, sample);
            }
        }
    }
    r.diagnostics_seconds = seconds_since(t0);
}

template <int Dims, class RunT>
void optimize(RunT& run, const Config& c, Result& r) {
    using T = typename std::decay_t<decltype(run.embedding())>::Scalar;
    const tsne::Options options = make_options(c);
    r.start_iteration = run.iteration();
    if (c.verbose) {
        const auto& d = run.affinities().diagnostics;
        if (c.input_kind == InputKind::state)
            std::fprintf(stderr, "tsne: continuing after iteration %d (dof %g)", run.iteration(), run.dof());
        else
            std::fprintf(stderr, "tsne: neighbors %.3f s, affinities %.3f s, initialization %.3f s",
                         run.timings.neighbors, run.timings.affinities, run.timings.initialization);
        if (c.input_kind == InputKind::affinities || c.input_kind == InputKind::state) std::fprintf(stderr, "\n");
        else if (c.affinity == AffinityKind::uniform) std::fprintf(stderr, " (k = %zu)\n", d.neighbors);
        else std::fprintf(stderr, " (k = %zu, %zu points missed the perplexity)\n", d.neighbors, d.not_converged);
        std::fprintf(stderr, "tsne: repulsion %s\n", tsne::method_name(run.repulsion().chosen));
    }
    tsne::Snapshots<T> snaps(c.snapshots);
    const bool bar = show_progress_bar(c);
    ProgressBar progress;
    progress.first = run.iteration();
    progress.total = run.iteration() + c.iterations;
    tsne::EarlyStop stop;  // every = 0: never stops, asks for no KL
    stop.every = c.early_stop > 0 ? 50 : 0;
    stop.min_relative_improvement = c.early_stop;
    if (c.verbose) tsne::run_schedule(run, options, tsne::progress(50, std::cerr), snaps, stop);
    else if (bar) tsne::run_schedule(run, options, progress, snaps, stop);
    else tsne::run_schedule(run, options, snaps, stop);
    if (c.verbose && run.stopped())
        std::fprintf(stderr, "tsne: --early-stop: the KL improved by less than %g (relative) in 50 iterations\n",
                     c.early_stop);
    if (bar) progress.finish();
    if (c.verbose)
        std::fprintf(stderr, "tsne: optimization %.3f s (%d iterations), final KL %.4f\n", run.timings.optimization,
                     run.iteration() - r.start_iteration, run.last_kl());
    for (auto& f : snaps.frames) r.frames.emplace_back(f.iteration, tsnex::Matrix(std::move(f.Y)));
    r.Y = run.embedding();
    r.kl = run.last_kl();
    if (!c.report.empty() && run.size() <= 30000) {
        r.kl = run.kl();
        r.kl_exact = true;
    }
    r.timings = run.timings;
    r.repulsion = tsne::method_name(run.repulsion().chosen);
    r.threads = run.threads();
    r.iterations = run.iteration();
    r.missed_perplexity = run.affinities().diagnostics.not_converged;
}

/// With --save-state, keeps the finished run until the outputs are written (the state is written
/// with them, so a failure there is an output error and leaves no file).
template <class RunT>
void keep_for_saving(RunT&& run, const Config& c, Result& r) {
    if (c.save_state.empty()) return;
    auto kept = std::make_shared<std::decay_t<RunT>>(std::move(run));
    r.save_state = [kept](std::ostream& os) { kept->save(os); };
}

/// --map other than tsne: the library's other maps (tsne/maps/maps.hpp) into the same Result, so
/// the outputs (plots, animation, report, colours) work alike. KL is not computed (null).
template <int Dims>
Result fit_map(Input& in, const Config& c, const Policies& p, const std::vector<int>& labels) {
    Result r;
    tsne::Executor ex(c.threads);
    tsne::MapOptions o;
    o.iterations = c.iterations;
    o.seed = c.seed;
    o.threads = c.threads;
    o.neighbors = c.graph_neighbors;
    o.landmarks = c.landmarks;
    if (c.was_given("--theta")) o.theta = c.theta;
    if (c.was_given("--init")) o.start = c.init == InitKind::random ? tsne::MapStart::random : tsne::MapStart::classical;
    const tsne::MapKind kind = *c.map;
    auto go = [&](const auto* X, const auto* D) {
        using T = typename std::decay_t<decltype(*D)>::Scalar;
        tsne::Snapshots<T> snaps(c.snapshots);
        const tsne::MatrixRef<T>* Xr = nullptr;
        std::optional<tsne::MatrixRef<T>> hold;
        if (X) Xr = &hold.emplace(*X);
        const tsne::MatrixRef<T>* Dr = nullptr;
        std::optional<tsne::MatrixRef<T>> hold_d;
        if (D) Dr = &hold_d.emplace(*D);
        tsne::MapResult<T> m = tsne::maps::fit_map<Dims, T>(kind, Xr, Dr, o, nullptr, snaps);
        if (c.snapshots > 0 && snaps.frames.empty()) snaps.frames.push_back({0, m.cost, m.Y});  // a closed-form map: one frame
        for (auto& f : snaps.frames) r.frames.emplace_back(f.iteration, tsnex::Matrix(std::move(f.Y)));
        if (c.verbose)
            std::fprintf(stderr, "tsne: %s: %d iterations%s, cost %.6g, %.3f s\n", tsne::map_name(kind), m.iterations,
                         m.converged ? " (converged)" : "", m.cost, m.seconds);
        r.timings.optimization = m.seconds;
        r.iterations = m.iterations;
        r.map_cost = m.cost;
        tsne::RowMatrix<T> Y = std::move(m.Y);
        if (X) diagnose<T>(c, X, Y, p, labels, ex, r);
        else diagnose<T>(c, static_cast<const tsnex::ConstMap<T>*>(nullptr), Y, p, labels, ex, r);
        r.Y = tsnex::Matrix(std::move(Y));
    };
    if (c.input_kind == InputKind::data) {
        std::visit([&](const auto& X) {
            using T = typename std::decay_t<decltype(X)>::Scalar;
            go(&X, static_cast<const tsne::RowMatrix<T>*>(nullptr));
        }, in.view());
    } else {
        go(static_cast<const tsnex::ConstMap<float>*>(nullptr), &in.distances);
    }
    r.map = tsne::map_name(kind);
    r.kl = std::numeric_limits<double>::quiet_NaN();
    r.repulsion = kind == tsne::MapKind::graph ? (o.theta > 0 ? "barnes-hut" : "exact") : "none";
    r.threads = ex.threads();
    return r;
}

template <int Dims>
Result embed(Input& in, const Config& c, const Policies& p, const std::vector<int>& labels) {
    if (c.map) return fit_map<Dims>(in, c, p, labels);
    Result r;
    tsne::Executor ex(c.threads);
    if (c.input_kind == InputKind::data) {
        std::visit(
            [&](const auto& X) {
                using T = typename std::decay_t<decltype(X)>::Scalar;
                announce_preparation(c);
                auto run = prepare_data<Dims>(X, c, p);
                optimize<Dims>(run, c, r);
                diagnose<T>(c, &X, std::get<tsne::RowMatrix<T>>(r.Y), p, labels, ex, r);
                keep_for_saving(std::move(run), c, r);
            },
            in.view());
    } else if (c.input_kind == InputKind::state) {
        std::visit(
            [&](auto& run) {  // the run lives in `in` until the end
                using Shape = run_shape<std::decay_t<decltype(run)>>;
                if constexpr (Shape::dims == Dims) {
                    using T = typename Shape::scalar;
                    optimize<Dims>(run, c, r);
                    diagnose<T>(c, nullptr, std::get<tsne::RowMatrix<T>>(r.Y), p, labels, ex, r);
                    if (!c.save_state.empty()) r.save_state = [&run](std::ostream& os) { run.save(os); };
                }
            },
            *in.run);
    } else {
        announce_preparation(c);
        auto run = prepare_precomputed<Dims>(in, c, p);
        optimize<Dims>(run, c, r);
        diagnose<float>(c, nullptr, std::get<tsne::RowMatrix<float>>(r.Y), p, labels, ex, r);
        keep_for_saving(std::move(run), c, r);
    }
    return r;
}

// ---- transform (--reference-data, --reference-embedding) ---------------------------------------

/// The rows of --input placed into the reference embedding (tsne::transform): Y_new and its KL.
template <int Dims, class T>
Result transform_rows(const tsne::MatrixRef<T>& X, const tsne::RowMatrix<T>& X_ref, const tsne::RowMatrix<T>& Y_ref,
                      const Config& c) {
    tsne::TransformOptions o;
    set_shared(o, c);
    o.perplexity = c.perplexity;
    o.neighbors = c.transform_neighbors;
    o.init = c.transform_init;
    o.exaggeration = c.exaggeration;
    o.max_step_norm = c.gains.max_step_norm;
    o.theta = c.theta;
    auto prepare = [&](const auto& metric) {
        return tsne::prepare_transform<Dims, T>(X, X_ref, Y_ref, o, metric);
    };
    const auto t0 = std::chrono::steady_clock::now();
    auto run = c.metric == MetricKind::cosine ? prepare(tsne::Cosine{}) : prepare(tsne::Euclidean{});
    Result r;
    r.timings.neighbors = seconds_since(t0);  // neighbours, affinities and start positions
    if (c.verbose) {
        std::fprintf(stderr, "tsne: transform: %zu new points, %zu reference neighbours each, prepared in %.3f s\n",
                     run.size(), run.k(), r.timings.neighbors);
        run.optimize(c.iterations, tsne::progress(50, std::cerr));
    } else {
        run.optimize(c.iterations);
    }
    r.timings.optimization = run.seconds;
    r.Y = run.embedding();
    r.kl = std::isnan(run.last_kl()) ? run.kl() : run.last_kl();  // --iterations 0: the start's KL
    r.iterations = run.iteration();
    r.threads = c.threads;
    r.repulsion = c.theta > 0 ? "barnes-hut" : "exact";
    return r;
}

template <class T>
tsne::RowMatrix<T> as_scalar(const tsnex::Matrix& m) {
    return std::visit([](const auto& x) { return tsne::RowMatrix<T>(x.template cast<T>()); }, m);
}

/// --input with --reference-data and --reference-embedding: writes the new points' embedding
/// (--output) and a picture of both (--plot: reference 0, new points 1).
inline int run_transform(Config c, Stage& stage) {
    const auto t0 = std::chrono::steady_clock::now();
    stage = Stage::writing;
    Outputs out;
    if (!c.output.empty() && c.output != "-") out.csv = std::make_unique<tsnex::PendingFile>(c.output);
    if (!c.plot.empty()) out.png = std::make_unique<tsnex::PendingFile>(c.plot);

    stage = Stage::reading;
    Input in = read_input(c);
    const tsnex::Matrix X_ref = tsnex::read_matrix(c.reference_data), Y_ref = tsnex::read_matrix(c.reference_embedding);
    const auto rows = [](const tsnex::Matrix& m) { return std::visit([](const auto& x) { return x.rows(); }, m); };
    const auto cols = [](const tsnex::Matrix& m) { return std::visit([](const auto& x) { return x.cols(); }, m); };
    if (cols(Y_ref) < 1 || cols(Y_ref) > 3)
        throw tsnex::io_error(c.reference_embedding + ": has " + std::to_string(cols(Y_ref)) +
                              " columns; a reference embedding has 1, 2 or 3");
    if (rows(Y_ref) != rows(X_ref))
        throw tsnex::io_error(c.reference_embedding + ": has " + std::to_string(rows(Y_ref)) + " rows but " +
                              c.reference_data + " has " + std::to_string(rows(X_ref)));
    // A width mismatch is bad input (exit 1), found while reading, not a failed run (exit 4).
    const auto in_cols = std::visit([](const auto& x) { return x.cols(); }, in.view());
    if (in_cols != cols(X_ref))
        throw tsnex::io_error(c.input + ": new points have " + std::to_string(in_cols) +
                              " columns but the reference data has " + std::to_string(cols(X_ref)) + " (" +
                              c.reference_data + ")");
    const int dims = static_cast<int>(cols(Y_ref));
    if (c.was_given("--dims") && c.dims != dims)
        usage_fail("--dims ", std::to_string(c.dims), " does not match ", c.reference_embedding, " (", std::to_string(dims),
                   " columns); omit --dims with a transform: the reference embedding sets it");
    c.dims = dims;
    if (!c.plot.empty() && dims < 2) usage_fail("--plot needs a 2-D or 3-D reference embedding, ", c.reference_embedding, " is 1-D");
    const double read_seconds = seconds_since(t0);
    if (c.verbose)
        std::fprintf(stderr, "tsne: read %s from %s and a %lld x %d reference in %.3f s\n", in.description.c_str(),
                     c.input.c_str(), static_cast<long long>(rows(X_ref)), dims, read_seconds);

    stage = Stage::computing;
    Result r = std::visit(
        [&](const auto& X) {
            using T = typename std::decay_t<decltype(X)>::Scalar;
            const tsne::RowMatrix<T> Xr = as_scalar<T>(X_ref), Yr = as_scalar<T>(Y_ref);
            const tsne::MatrixRef<T> Xv(X);
            switch (dims) {
                case 1: return transform_rows<1, T>(Xv, Xr, Yr, c);
                case 2: return transform_rows<2, T>(Xv, Xr, Yr, c);
                default: return transform_rows<3, T>(Xv, Xr, Yr, c);
            }
        },
        in.view());

    check_input_intact(in, stage);
    stage = Stage::writing;
#if TSNE_HAVE_STB
    if (out.png) {
        const tsne::RowMatrix<double> Yn = as_scalar<double>(r.Y), Yr = as_scalar<double>(Y_ref);
        tsne::RowMatrix<double> Y(Yr.rows() + Yn.rows(), dims);
        Y << Yr, Yn;
        std::vector<int> labels(static_cast<std::size_t>(Y.rows()), 0);
        std::fill(labels.begin() + Yr.rows(), labels.end(), 1);
        tsnex::ScatterStyle style;
        style.size = c.plot_size;
        tsnex::write_png(*out.png, tsnex::render_scatter(Y, tsnex::Coloring::by_labels(labels),
                                                         "reference (0) and new points (1)", style));
    }
#endif
    write_embedding(out, r.Y);
    commit_outputs(out);
    write_stdout(c, r.Y);
    if (!c.quiet) {
        const std::string wrote = wrote_list({&c.output, &c.plot});
        std::fprintf(stderr, "tsne: placed %s into the %d-D reference embedding in %.2f s, KL %.4f; wrote %s\n",
                     in.description.c_str(), dims, seconds_since(t0), r.kl, wrote.c_str());
    }
    return exit_ok;
}

inline int run(Config c, Stage& stage) {
    if (!c.reference_data.empty()) return run_transform(std::move(c), stage);
    const auto t0 = std::chrono::steady_clock::now();
    stage = Stage::writing;  // creating the outputs: an unwritable destination fails before the work
    Outputs out;
    if (!c.output.empty() && c.output != "-") out.csv = std::make_unique<tsnex::PendingFile>(c.output);
    if (!c.plot.empty()) out.png = std::make_unique<tsnex::PendingFile>(c.plot);
    if (!c.html.empty()) {
        try {
            out.html = std::make_unique<tsnex::PendingFile>(c.html);
        } catch (const tsnex::io_error& e) {
            throw tsnex::io_error(std::string("--html: ") + e.what());
        }
    }
    if (!c.save_knn.empty()) out.knn = std::make_unique<tsnex::PendingFile>(c.save_knn);
    if (!c.animate.empty() && is_gif_name(c.animate)) out.gif = std::make_unique<tsnex::PendingFile>(c.animate);
    if (!c.report.empty()) out.report = std::make_unique<tsnex::PendingFile>(c.report);
    if (!c.save_state.empty()) out.state = std::make_unique<tsnex::PendingFile>(c.save_state);
    // PNG frames: the first one now, so that an unwritable frame directory fails before the work.
    if (!c.animate.empty() && !is_gif_name(c.animate))
        out.frames.push_back(std::make_unique<tsnex::PendingFile>(frame_name(c.animate, 0)));

    stage = Stage::reading;
    Input in = read_input(c);
    const double read_seconds = seconds_since(t0);
    if (c.verbose)
        std::fprintf(stderr, "tsne: read %s from %s in %.3f s\n", in.description.c_str(), c.input.c_str(), read_seconds);
    if (in.run) {  // --load-state: the dimension is the file's (a different --dims was refused)
        c.dims = std::visit([](const auto& run) { return run_shape<std::decay_t<decltype(run)>>::dims; }, *in.run);
        if (c.dims < 2 && (!c.plot.empty() || !c.animate.empty() || !c.html.empty()))
            usage_fail(!c.plot.empty() ? "--plot" : !c.html.empty() ? "--html" : "--animate",
                       " needs a 2-D or 3-D run, but ", c.input, " holds a 1-D run");
    }
    std::vector<int> labels;
    if (!c.labels.empty()) {
        labels = tsnex::read_labels(c.labels);
        if (labels.size() != in.points)
            throw tsnex::io_error(c.labels + ": has " + std::to_string(labels.size()) + " labels but " + c.input +
                                  " has " + std::to_string(in.points) + " points");
    }

    stage = Stage::computing;
    const Policies p = make_policies(c);
    Result r;
    switch (c.dims) {
        case 1: r = embed<1>(in, c, p, labels); break;
        case 2: r = embed<2>(in, c, p, labels); break;
        case 3: r = embed<3>(in, c, p, labels); break;
        default: throw UsageError("--dims must be 1, 2 or 3");
    }

    check_input_intact(in, stage);
    stage = Stage::writing;
    if (out.knn) {
        std::visit(
            [&](const auto& g) {
                if constexpr (!std::is_same_v<std::decay_t<decltype(g)>, std::monostate>)
                    tsnex::write_knn_graph(*out.knn, g);
                else
                    throw std::runtime_error("--save-knn: the run computed no kNN graph");
            },
            *p.neighbors.saved);
    }
#if TSNE_HAVE_STB
    write_pictures(c, r, labels, out, in.images ? &*in.images : nullptr);
    write_html(c, r, labels, in.images ? &*in.images : nullptr, out);
#endif
    write_embedding(out, r.Y);
    if (out.report) write_report(out.report->stream(), c, in, r, read_seconds, seconds_since(t0));
    if (out.state) write_state(*out.state, r.save_state);
    commit_outputs(out);
    write_stdout(c, r.Y);
    if (!c.quiet) {
        const std::string wrote =
            wrote_list({&c.output, &c.plot, &c.html, &c.animate, &c.report, &c.save_knn, &c.save_state});
        if (c.map) {
            char cost[48] = "";  // PCA has no cost
            if (std::isfinite(r.map_cost)) std::snprintf(cost, sizeof cost, ", cost %.6g", r.map_cost);
            std::fprintf(stderr, "tsne: mapped %s by %s into %d-D in %.2f s%s; wrote %s\n", in.description.c_str(), r.map,
                         c.dims, seconds_since(t0), cost, wrote.c_str());
        }
        else
            std::fprintf(stderr, "tsne: embedded %s into %d-D in %.2f s, KL %.4f; wrote %s\n", in.description.c_str(),
                         c.dims, seconds_since(t0), r.kl, wrote.c_str());
    }
    return exit_ok;
}

}  // namespace tsne_cli
