#pragma once
// Out-of-sample embedding (openTSNE's transform; Poličar, Stražar, Zupan 2019): new points are
// placed into a finished embedding that does not move.
//
//   RowMatrix<float> Y_new = tsne::transform<2>(X_new, X_ref, Y_ref).fit();       // fluent
//   RowMatrix<float> Y_new = tsne::transform_points<2, float>(X_new, X_ref, Y_ref); // plain
//
// Each new point i gets conditional affinities p_{j|i} to its `neighbors` nearest reference points
// (Gaussian, calibrated to `perplexity`; rows sum to 1, nothing is symmetrised), starts at the
// affinity-weighted mean of those points' positions (or the median of its `init_neighbors`
// nearest, openTSNE's choice), and then
// minimises its own KL(p_{·|i} ‖ q_{·|i}) with q_{j|i} = w_ij / Z_i, Z_i = Σ_j w_ij over all
// reference points (w: the t kernel, kernel.hpp). New points do not interact with each other, so
// a point's result does not depend on which other points are transformed with it. The gradient
// (up to the constant 2) is
//     g_i = exaggeration · Σ_j p_{j|i} (y_i − y_j) / (1 + d²/α) − Σ_j f_ij (y_i − y_j) / Z_i,
// the second sum by Barnes-Hut over a tree of the fixed reference (built once) or exactly.
// Optimiser: MomentumGains with its step clipped to max_step_norm.
//
// Defaults are openTSNE's transform schedule (perplexity 5 on 15 neighbours, 250 iterations,
// learning rate 0.1, exaggeration 1.5, step clip 0.25, momentum 0.8) except the start: measured on
// Fashion-MNIST 20k with 2,000 points held back (benchmarks/RESULTS.md, "Transform"), the weighted
// mean ends at a lower KL than openTSNE's median of 25 (2.84 vs 2.97) with the same 10-NN accuracy
// (0.810 vs 0.808; embedding all 20k together: 0.821). docs/parameters.md has the trade-offs.
//
// Deterministic: every point's gradient is computed alone and KL is added in fixed blocks, so
// results are bit-identical for any thread count.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "affinity/perplexity.hpp"
#include "detail/embedding.hpp"
#include "detail/held.hpp"
#include "detail/live.hpp"
#include "detail/validate.hpp"
#include "gradient/barnes_hut.hpp"
#include "gradient/kernel.hpp"
#include "neighbors/metric.hpp"
#include "neighbors/query.hpp"
#include "optimizer/momentum_gains.hpp"
#include "optimizer/schedule.hpp"
#include "parallel/executor.hpp"
#include "run/loop.hpp"
#include "policies.hpp"
#include "status.hpp"
#include "tree/space_tree.hpp"
#include "tree/traversal.hpp"

namespace tsne {

/// Where a new point starts.
enum class TransformInit {
    weighted,  ///< its affinity-weighted mean Σ_j p_{j|i} y_j (default: lower final KL, see below)
    median,    ///< coordinate-wise median of its init_neighbors nearest reference points (openTSNE's default)
};

struct TransformOptions {
    double perplexity = 5;         ///< of each new point's affinities to the reference points
    int neighbors = 15;            ///< reference neighbours carrying the affinities (>= perplexity)
    TransformInit init = TransformInit::weighted;
    int init_neighbors = 25;       ///< reference neighbours whose median starts a point (init = median)
    int iterations = 250;
    double exaggeration = 1.5;     ///< factor on the attraction
    double learning_rate = 0.1;
    double momentum = 0.8;
    double max_step_norm = 0.25;   ///< per-point step clip; <= 0 disables
    double theta = 0.5;            ///< Barnes-Hut over the reference (barnes_hut.hpp's θ); 0 = exact sums
    double dof = 1;                ///< degrees of freedom α of the t kernel (use the reference run's)
    unsigned threads = 0;          ///< 0 = hardware concurrency
    int kl_every = 50;             ///< compute the mean KL every this many iterations (0 = only the last)

    void validate() const {
        detail::check_positive("perplexity", perplexity);
        if (neighbors < 1) detail::fail("neighbors must be >= 1, got ", neighbors);
        if (perplexity > neighbors)
            detail::fail("perplexity ", perplexity, " is larger than neighbors = ", neighbors,
                         ": each new point's affinities spread over at most that many reference points");
        if (init != TransformInit::median && init != TransformInit::weighted)
            detail::fail("init must be TransformInit::median or TransformInit::weighted, got ", static_cast<int>(init));
        if (init_neighbors < 1) detail::fail("init_neighbors must be >= 1, got ", init_neighbors);
        if (iterations < 0) detail::fail("iterations must be >= 0, got ", iterations);
        detail::check_positive("exaggeration", exaggeration);
        detail::check_positive("learning_rate", learning_rate);
        if (!(momentum >= 0 && momentum < 1)) detail::fail("momentum must be in [0, 1), got ", momentum);
        if (std::isnan(max_step_norm)) detail::fail("max_step_norm must be a number, got ", max_step_norm);
        if (!(theta >= 0) || !std::isfinite(theta)) detail::fail("theta must be finite and >= 0, got ", theta);
        detail::check_positive("dof", dof);
        if (kl_every < 0) detail::fail("kl_every must be >= 0, got ", kl_every);
    }
};

/// New points being optimised against a fixed reference embedding. Built by
/// prepare_transform(); optimize() may be called repeatedly (it continues).
template <class T, int Dims>
class TransformRun {
public:
    using status_type = Status<T, Dims>;

    /// graph: each new point's nearest reference points (n = M rows, indices into Y_ref, nearest
    /// first, at least max(neighbors, init_neighbors) columns or all N_ref of them).
    /// Y_ref: N_ref x Dims. Y0: the start (M x Dims) instead of options.init, or null.
    TransformRun(const KnnGraph<T>& graph, const MatrixRef<T>& Y_ref, const TransformOptions& options,
                 const RowMatrix<T>* Y0 = nullptr)
        : o_(options), ex_(std::make_unique<Executor>(options.threads)) {
        o_.validate();
        kernel_ = TKernel(o_.dof);
        loop_.kl_every = o_.kl_every;
        const std::size_t n_ref = static_cast<std::size_t>(Y_ref.rows()), m = graph.n;
        if (Y_ref.cols() != Dims)
            detail::fail("reference embedding: expected N_reference x ", Dims, " (Dims), got ", Y_ref.rows(), " x ",
                         Y_ref.cols());
        detail::check_data<T>(Y_ref, "reference embedding");
        if (n_ref > std::numeric_limits<std::uint32_t>::max())
            detail::fail("reference embedding: ", n_ref, " points exceed the 32-bit point index");
        k_ = std::min<std::size_t>(static_cast<std::size_t>(o_.neighbors), n_ref);
        const std::size_t k_init = std::min<std::size_t>(static_cast<std::size_t>(o_.init_neighbors), n_ref);
        const std::size_t need = o_.init == TransformInit::median && !Y0 ? std::max(k_, k_init) : k_;
        if (graph.k < need)
            detail::fail("reference neighbours: the graph has ", graph.k, " per new point, ", need, " are needed");
        detail::check_knn_graph(graph, {"reference neighbours", n_ref, "N_reference", "distances", true, false, "M"});
        if (o_.perplexity > static_cast<double>(k_))
            detail::fail("perplexity ", o_.perplexity, " is too large for N_reference = ", n_ref,
                         " points: it must be at most ", k_);
        Yref_ = Embedding<T, Dims>(n_ref);
        Yref_.assign(Y_ref);
        affinities(graph);
        Y_ = Embedding<T, Dims>(m);
        if (Y0) {
            if (static_cast<std::size_t>(Y0->rows()) != m || Y0->cols() != Dims)
                detail::fail("initial embedding of the new points: expected ", m, " x ", Dims, ", got ", Y0->rows(),
                             " x ", Y0->cols());
            if (!Y0->allFinite()) detail::fail("initial embedding of the new points has a non-finite value");
            Y_.assign(MatrixRef<T>(*Y0));
        } else {
            initialize(graph, k_init);
        }
        G_ = Embedding<T, Dims>(m);
        MomentumGains mg;
        mg.max_step_norm = o_.max_step_norm;
        opt_ = std::make_unique<MomentumGains::state<T, Dims>>(mg, m);
        if constexpr (Dims <= 3) {
            if (o_.theta > 0 && m > 0) tree_.build(Yref_, *ex_);
        }
        if (use_exact()) {
            const auto src = std::as_const(Yref_).coords();
            all_.push_points(src, 0, n_ref);
            all_.pad(simd::batch<T>::size);
        }
    }

    /// Runs `iterations` more iterations of the transform schedule (options' exaggeration,
    /// learning rate, momentum). Callbacks as for Run::optimize; Status::Y holds the new points
    /// and Status::exaggeration the transform's (1.5 by default, so tsne::EarlyStop, which waits
    /// for exaggeration 1, never stops a transform). A non-finite position throws
    /// tsne::runtime_error ("transform diverged"); the run's positions are then unusable.
    template <class... Callbacks>
    TransformRun& optimize(int iterations, Callbacks&&... callbacks) {
        return optimize_impl(iterations, callbacks...);
    }

    /// Mean over the new points of KL(p_{·|i} ‖ q_{·|i}) and the gradient g (see the top of this file).
    double gradient(const Embedding<T, Dims>& Y, Embedding<T, Dims>& g, double exaggeration) {
        check_live();
        if (Y.size() != size() || g.size() != size())
            detail::fail("gradient: positions of ", Y.size(), " and gradient of ", g.size(), " points for a run of ",
                         size(), " new points");
        return evaluate(Y, &g, exaggeration);
    }
    /// Mean KL of the current positions.
    double kl() {
        check_live();
        return evaluate(Y_, nullptr, 1.0);
    }

    int iteration() const noexcept { return loop_.iteration; }
    std::size_t size() const {
        check_live();
        return Y_.size();
    }
    bool stopped() const noexcept { return loop_.stopped; }
    double last_kl() const noexcept { return loop_.last_kl; }
    /// The new points' embedding, M x Dims row-major.
    RowMatrix<T> embedding() const {
        check_live();
        return Y_.to_matrix();
    }
    const Embedding<T, Dims>& coordinates() const {
        check_live();
        return Y_;
    }
    const TransformOptions& options() const noexcept { return o_; }
    /// Affinities of new point i: k() reference indices and weights (sum 1).
    std::size_t k() const noexcept { return k_; }
    const std::uint32_t* neighbors(std::size_t i) const {
        check_live();
        return idx_.data() + i * k_;
    }
    const T* affinities(std::size_t i) const {
        check_live();
        return p_.data() + i * k_;
    }
    /// Wall time of the optimisation so far.
    double seconds = 0;

private:
    bool use_exact() const noexcept { return Dims > 3 || o_.theta == 0; }

    void affinities(const KnnGraph<T>& graph) {
        const std::size_t m = graph.n, k = k_;
        idx_.resize(detail::checked_mul(m, k, "transform affinities"));
        p_.resize(m * k);
        Perplexity perp;
        perp.perplexity = o_.perplexity;
        ex_->parallel_for(m, default_block, [&](std::size_t b, std::size_t e) {
            std::vector<double> d2(k), w(k);
            for (std::size_t i = b; i < e; ++i) {
                perp.calibrate_row(graph.distances(i), k, d2.data(), w.data());
                for (std::size_t j = 0; j < k; ++j) {
                    idx_[i * k + j] = graph.neighbors(i)[j];
                    p_[i * k + j] = static_cast<T>(w[j]);
                }
            }
        });
    }

    void initialize(const KnnGraph<T>& graph, std::size_t k_init) {
        ex_->parallel_for(Y_.size(), default_block, [&](std::size_t b, std::size_t e) {
            std::vector<T> v(k_init);
            for (std::size_t i = b; i < e; ++i)
                for (int d = 0; d < Dims; ++d) {
                    const T* y = Yref_.coord(d);
                    if (o_.init == TransformInit::weighted) {
                        double s = 0;
                        for (std::size_t j = 0; j < k_; ++j)
                            s += static_cast<double>(p_[i * k_ + j]) * static_cast<double>(y[idx_[i * k_ + j]]);
                        Y_.coord(d)[i] = static_cast<T>(s);
                        continue;
                    }
                    for (std::size_t j = 0; j < k_init; ++j) v[j] = y[graph.neighbors(i)[j]];
                    const std::size_t h = k_init / 2;
                    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h), v.end());
                    T med = v[h];
                    if (k_init % 2 == 0) {
                        const T below = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(h));
                        med = static_cast<T>(0.5 * (static_cast<double>(below) + static_cast<double>(med)));
                    }
                    Y_.coord(d)[i] = med;
                }
        });
    }

    /// Per point: attraction, repulsion (Z_i, R_i) and KL_i; g = exaggeration·A − R/Z when asked.
    /// Returns the mean KL (added over fixed blocks: any thread count gives the same bits).
    double evaluate(const Embedding<T, Dims>& Y, Embedding<T, Dims>* g, double exaggeration) {
        const std::size_t m = Y.size();
        if (m == 0) return 0.0;
        const T a = kernel_.a<T>(), ia = kernel_.inv<T>(), ex_f = static_cast<T>(exaggeration);
        const T theta2 = static_cast<T>(o_.theta * o_.theta);
        constexpr std::size_t block = 64;
        const std::size_t n_blocks = (m + block - 1) / block;
        part_.assign(n_blocks, 0.0);
        const auto sorted = sorted_coords();  // the tree's coordinate arrays, the same for every point
        ex_->parallel_for(m, block, [&](std::size_t b, std::size_t e) {
            gradient::InteractionList<T, Dims> local;
            for (std::size_t i = b; i < e; ++i) {
                T yi[Dims], att[Dims] = {}, rep[Dims];
                for (int d = 0; d < Dims; ++d) yi[d] = Y.coord(d)[i];
                double kl = 0, psum = 0;
                for (std::size_t j = 0; j < k_; ++j) {
                    const std::uint32_t r = idx_[i * k_ + j];
                    const T p = p_[i * k_ + j];
                    T diff[Dims], d2 = 0;
                    for (int d = 0; d < Dims; ++d) {
                        diff[d] = yi[d] - Yref_.coord(d)[r];
                        d2 += diff[d] * diff[d];
                    }
                    const T wa = TKernel::attraction(p, d2, ia);
                    for (int d = 0; d < Dims; ++d) att[d] += wa * diff[d];
                    if (p > T(0)) {
                        const double dp = static_cast<double>(p);
                        kl += kernel_.kl_term(dp, static_cast<double>(d2));
                        psum += dp;
                    }
                }
                const gradient::InteractionList<T, Dims>* list = &all_;
                if constexpr (Dims <= 3) {
                    if (!use_exact()) {
                        list = &local;
                        tree::Box<T, Dims> box;
                        for (int d = 0; d < Dims; ++d) box.lo[d] = box.hi[d] = yi[d];
                        const gradient::BarnesHutRule<T, Dims> rule{theta2, box};
                        gradient::collect(tree_, sorted, local, [&](auto&& cell, auto&& leaf) {
                            tree::traverse_external(tree_, rule, cell, leaf);
                        });
                    }
                }
                const T z = gradient::bh_point(kernel_, true, *list, yi, rep, a, ia);
                // A point so far away that every w underflows: its repulsion R/Z → 0 (R falls faster than Z).
                const bool far = !(z > T(0));
                if (g)
                    for (int d = 0; d < Dims; ++d) g->coord(d)[i] = ex_f * att[d] - (far ? T(0) : rep[d] / z);
                kl += psum * (far ? std::numeric_limits<double>::infinity() : std::log(static_cast<double>(z)));
                part_[i / block] += kl;
            }
        });
        double s = 0;
        for (double v : part_) s += v;
        return s / static_cast<double>(m);
    }

    std::array<const T*, Dims> sorted_coords() const {
        std::array<const T*, Dims> s{};
        if constexpr (Dims <= 3)
            for (int d = 0; d < Dims; ++d) s[static_cast<std::size_t>(d)] = tree_.sorted(d);
        return s;
    }

    template <class... Callbacks>
    TransformRun& optimize_impl(int iterations, Callbacks&... cbs) {
        check_live();
        detail::check_iterations(iterations);
        const auto t0 = std::chrono::steady_clock::now();
        status_type s = detail::begin_loop(loop_, iterations, o_.exaggeration, o_.learning_rate, o_.momentum, &Y_, cbs...);
        detail::iterate(loop_, Y_.size() > 0 ? iterations : 0, s, t0, [&](int, int next, bool want_kl) {
            const double kl = evaluate(Y_, &G_, o_.exaggeration);
            opt_->step(Y_, G_, o_.learning_rate, o_.momentum, *ex_);
            for (int d = 0; d < Dims; ++d)
                for (std::size_t i = 0; i < Y_.size(); ++i)
                    if (!std::isfinite(Y_.coord(d)[i]))
                        detail::throw_with<runtime_error>("transform diverged at iteration ", next, ": new point ", i,
                                                          " has a non-finite coordinate (",
                                                          detail::divergence_hint(Y_.size(), next, o_.exaggeration,
                                                                                  o_.learning_rate, o_.momentum, o_.dof,
                                                                                  std::numeric_limits<double>::quiet_NaN()),
                                                          ")");
            return want_kl ? kl : std::numeric_limits<double>::quiet_NaN();
        }, cbs...);
        detail::end_loop(s, t0, seconds, cbs...);
        return *this;
    }

    void check_live() const {
        if (!live_) detail::throw_with<logic_error>("TransformRun: used after being moved from");
    }

    detail::Live live_;  ///< false once moved from
    TransformOptions o_;
    TKernel kernel_;  ///< o_.dof as the kernel of attraction, repulsion and KL
    std::unique_ptr<Executor> ex_;
    std::size_t k_ = 0;
    std::vector<std::uint32_t> idx_;
    std::vector<T> p_;
    Embedding<T, Dims> Yref_, Y_, G_;
    std::unique_ptr<MomentumGains::state<T, Dims>> opt_;
    tree::SpaceTree<T, (Dims <= 3 ? Dims : 3)> tree_;
    gradient::InteractionList<T, Dims> all_;
    std::vector<double> part_;
    detail::LoopCounters loop_;  ///< iteration count, kl_every, stopped, last KL (run/loop.hpp)
};

/// Plain API: finds each new point's nearest reference points (exact, knn_query) and returns the
/// run, ready to optimize(). X_new (M x D) and X_ref (N x D) are read, never kept; Y_ref (N x Dims)
/// is copied. Y0: start positions instead of options.init (or null).
template <int Dims, class T, class Metric = Euclidean>
TransformRun<T, Dims> prepare_transform(const MatrixRef<T>& X_new, const MatrixRef<T>& X_ref,
                                        const MatrixRef<T>& Y_ref, const TransformOptions& options = {},
                                        const Metric& metric = {}, const RowMatrix<T>* Y0 = nullptr) {
    options.validate();
    detail::check_data<T>(X_ref, "reference data");
    if (X_new.cols() != X_ref.cols())
        detail::fail("new points have ", X_new.cols(), " columns but the reference data has ", X_ref.cols());
    detail::check_finite<T>(X_new, "new points");
    if (Y_ref.rows() != X_ref.rows())
        detail::fail("reference embedding has ", Y_ref.rows(), " rows but the reference data has ", X_ref.rows());
    const std::size_t n_ref = static_cast<std::size_t>(X_ref.rows());
    const bool median = options.init == TransformInit::median && !Y0;
    const std::size_t k = std::min<std::size_t>(
        n_ref, static_cast<std::size_t>(std::max(options.neighbors, median ? options.init_neighbors : 0)));
    Executor ex(options.threads);
    const KnnGraph<T> g = knn_query(X_ref, X_new, k, metric, ex);
    return TransformRun<T, Dims>(g, Y_ref, options, Y0);
}

/// One call: prepare_transform + optimize(options.iterations); returns the M x Dims positions.
template <int Dims, class T, class... Callbacks>
RowMatrix<T> transform_points(const MatrixRef<T>& X_new, const MatrixRef<T>& X_ref, const MatrixRef<T>& Y_ref,
                              const TransformOptions& options = {}, Callbacks&&... callbacks) {
    auto run = prepare_transform<Dims, T>(X_new, X_ref, Y_ref, options);
    run.optimize(options.iterations, callbacks...);
    return run.embedding();
}

/// Fluent front end of the transform (sugar over prepare_transform / TransformRun):
///   auto Y_new = tsne::transform<2>(X_new, X_ref, Y_ref).perplexity(5).threads(2).fit();
/// Lvalue matrices are viewed when row-major with contiguous rows (else copied) and must outlive
/// prepare()/fit(); temporaries are moved in.
template <int Dims, class T, class Metric = Euclidean>
class Transformer {
public:
    Transformer(detail::Held<T> x_new, detail::Held<T> x_ref, detail::Held<T> y_ref)
        : new_(std::move(x_new)), ref_(std::move(x_ref)), yref_(std::move(y_ref)) {}

    Transformer& perplexity(double p) { o_.perplexity = p; return *this; }
    /// Reference neighbours carrying each new point's affinities.
    Transformer& neighbors(int k) { o_.neighbors = k; return *this; }
    /// Start at the median of the k nearest reference points' positions.
    Transformer& init_median(int k) { o_.init = TransformInit::median; o_.init_neighbors = k; return *this; }
    /// Start at the affinity-weighted mean of the neighbours' positions.
    Transformer& init_weighted() { o_.init = TransformInit::weighted; return *this; }
    /// Start at these positions (M x Dims).
    Transformer& init(RowMatrix<T> Y0) { Y0_ = std::make_shared<const RowMatrix<T>>(std::move(Y0)); return *this; }
    Transformer& iterations(int n) { o_.iterations = n; return *this; }
    Transformer& exaggeration(double e) { o_.exaggeration = e; return *this; }
    Transformer& learning_rate(double eta) { o_.learning_rate = eta; return *this; }
    Transformer& momentum(double m) { o_.momentum = m; return *this; }
    Transformer& max_step_norm(double s) { o_.max_step_norm = s; return *this; }
    Transformer& theta(double t) { o_.theta = t; return *this; }
    Transformer& dof(double alpha) { o_.dof = alpha; return *this; }
    Transformer& threads(unsigned n) { o_.threads = n; return *this; }
    Transformer& kl_every(int n) { o_.kl_every = n; return *this; }
    Transformer& options(const TransformOptions& o) { o_ = o; return *this; }
    const TransformOptions& options() const noexcept { return o_; }
    /// Distance metric of the neighbour search (use the reference run's).
    template <class M>
    Transformer<Dims, T, M> metric(M m) const {
        Transformer<Dims, T, M> t(new_, ref_, yref_);
        t.o_ = o_;
        t.Y0_ = Y0_;
        t.metric_ = std::move(m);
        return t;
    }

    TransformRun<T, Dims> prepare() const {
        return prepare_transform<Dims, T>(new_.view(), ref_.view(), yref_.view(), o_, metric_, Y0_.get());
    }
    /// prepare() + optimize(iterations); returns the new points' M x Dims positions.
    template <class... Callbacks>
    RowMatrix<T> fit(Callbacks&&... callbacks) const {
        auto run = prepare();
        run.optimize(o_.iterations, callbacks...);
        return run.embedding();
    }

private:
    template <int, class, class>
    friend class Transformer;

    detail::Held<T> new_, ref_, yref_;
    TransformOptions o_{};
    std::shared_ptr<const RowMatrix<T>> Y0_;
    Metric metric_{};
};

/// Starts a fluent transform: places X_new (M x D) into the embedding Y_ref (N x Dims) of X_ref
/// (N x D). All three hold the same scalar type (float or double). Lvalues are viewed (they must
/// outlive the builder) or copied; temporary matrices are moved in.
template <int Dims, class A, class B, class C>
auto transform(A&& X_new, B&& X_ref, C&& Y_ref) {
    using T = typename std::decay_t<A>::Scalar;
    static_assert(is_real_v<T>, "tsne::transform: the data must hold float or double");
    static_assert(std::is_same_v<T, typename std::decay_t<B>::Scalar> && std::is_same_v<T, typename std::decay_t<C>::Scalar>,
                  "tsne::transform: X_new, X_ref and Y_ref must hold the same scalar type");
    return Transformer<Dims, T>(detail::hold(std::forward<A>(X_new)), detail::hold(std::forward<B>(X_ref)),
                                detail::hold(std::forward<C>(Y_ref)));
}

}  // namespace tsne
