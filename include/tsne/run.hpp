#pragma once
// The plain (non-fluent) API: prepare() builds P and the initial embedding once; Run::optimize()
// runs explicit, resumable phases. optimize(250, p) then optimize(500, p) gives the same bits as
// optimize(750, p): all optimizer state (update buffers, gains, iteration count) lives in the Run.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <limits>
#include <memory>
#include <ostream>
#include <type_traits>
#include <utility>
#include <vector>

#include "affinity/perplexity.hpp"
#include "affinity/precomputed.hpp"
#include "affinity/uniform.hpp"
#include "detail/embedding.hpp"
#include "detail/live.hpp"
#include "detail/validate.hpp"
#include "gradient/attractive.hpp"
#include "gradient/kl.hpp"
#include "gradient/auto_repulsion.hpp"
#include "gradient/repulsive_exact.hpp"
#include "init/pca.hpp"
#include "init/random.hpp"
#include "neighbors/brute_force.hpp"
#include "neighbors/ivf.hpp"
#include "neighbors/metric.hpp"
#include "optimizer/momentum_gains.hpp"
#include "detail/binary_io.hpp"
#include "optimizer/schedule.hpp"
#include "options.hpp"
#include "parallel/executor.hpp"
#include "policies.hpp"
#include "status.hpp"
#include "tree/space_tree.hpp"

namespace tsne {

/// Seconds spent in each stage (optimization: summed over every optimize() call).
struct Timings {
    double neighbors = 0, affinities = 0, initialization = 0, optimization = 0;
};

namespace detail {
template <class X>
struct is_schedule : std::false_type {};
template <class F>
struct is_schedule<Schedule<F>> : std::true_type {};
template <class... Ts>
struct starts_with_phase : std::false_type {};
template <class First, class... Rest>
struct starts_with_phase<First, Rest...>
    : std::bool_constant<std::is_same_v<std::decay_t<First>, Phase> || is_schedule<std::decay_t<First>>::value> {};

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace detail

template <class T, int Dims, class Repulsion = AutoRepulsion, class Optimizer = MomentumGains>
class Run {
    static_assert(is_real_v<T>, "T must be float or double");
    static_assert(traits::is_repulsion<Repulsion>::value,
                  "Repulsion is not a RepulsionPolicy: it needs a nested template state<T, Dims> with "
                  "double operator()(const Embedding&, Embedding& forces, Exec&); see tsne/policies.hpp");
    static_assert(traits::is_optimizer<Optimizer>::value,
                  "Optimizer is not an OptimizerPolicy: it needs a nested template state<T, Dims> with "
                  "step(Y, grad, learning_rate, momentum, Exec&); see tsne/policies.hpp");

public:
    using status_type = Status<T, Dims>;

    Run(Affinities<T> affinities, Embedding<T, Dims> Y, const Repulsion& repulsion, const Optimizer& optimizer,
        unsigned threads = 0, int kl_every = 50)
        : ex_(std::make_unique<Executor>(threads)),
          aff_(std::move(affinities)),
          Y_(std::move(Y)),
          Fa_(Y_.size()),
          Fr_(Y_.size()),
          rep_(repulsion, Y_.size()),
          opt_(optimizer, Y_.size()),
          kl_every_(kl_every) {
        if (aff_.P.n != Y_.size())
            detail::fail("affinities have ", aff_.P.n, " points but the embedding has ", Y_.size());
        // P's structure (offsets, columns, values) before any kernel reads through it: O(nnz).
        (void)detail::checked_affinity_sum(aff_.P, "Run: affinities");
    }

    /// Runs `iterations` iterations of `phase` (default: normal phase). Callbacks (see
    /// policies.hpp) are called in order; any returning true stops the run after that iteration.
    template <class... Callbacks>
    Run& optimize(int iterations, const Phase& phase, Callbacks&&... callbacks) {
        return optimize_impl(iterations, [&phase](int) { return phase; }, callbacks...);
    }
    /// Runs `iterations` iterations whose phase the schedule gives per iteration (tsne::schedule).
    template <class F, class... Callbacks>
    Run& optimize(int iterations, const Schedule<F>& schedule, Callbacks&&... callbacks) {
        return optimize_impl(iterations, schedule, callbacks...);
    }
    template <class... Callbacks, class = std::enable_if_t<!detail::starts_with_phase<Callbacks...>::value>>
    Run& optimize(int iterations, Callbacks&&... callbacks) {
        const Phase phase = normal();
        return optimize_impl(iterations, [&phase](int) { return phase; }, callbacks...);
    }

    /// True when a callback stopped the last optimize() call.
    bool stopped() const noexcept { return stopped_; }
    /// Iterations completed so far.
    int iteration() const noexcept { return iteration_; }
    std::size_t size() const {
        check_live();
        return Y_.size();
    }
    /// The embedding, N x Dims row-major, in the input's point order.
    RowMatrix<T> embedding() const {
        check_live();
        if (!internal_) return Y_.to_matrix();
        RowMatrix<T> M(static_cast<Eigen::Index>(Y_.size()), Dims);  // renumbered (inside a callback)
        for (std::size_t i = 0; i < Y_.size(); ++i)
            for (int d = 0; d < Dims; ++d) M(static_cast<Eigen::Index>(order_[i]), d) = Y_.coord(d)[i];
        return M;
    }
    /// The embedding (SoA) and P, in the input's point order: the renumbering below is internal
    /// to optimize().
    const Embedding<T, Dims>& coordinates() const {
        check_usable();
        return Y_;
    }
    const Affinities<T>& affinities() const {
        check_usable();
        return aff_;
    }

    /// Cache-friendly renumbering: every `every` iterations (counted from iteration 0 over all
    /// optimize() calls) the points are renumbered by the Morton order of the current embedding,
    /// so P's rows, the attractive gather's reads of neighbours and the trees' inputs walk memory
    /// in step (at 1,000,000 points: 0.78x the optimisation time every 150 iterations, 0.95x every
    /// 50, a renumbering costing about 3 s: benchmarks/RESULTS.md). 0 = never. Callbacks (Status::Y) and embedding() always see the
    /// input's order; coordinates(), affinities() and save() refuse while the points are
    /// renumbered (inside a callback). Each row of P keeps its entries' order, so only sums that
    /// run over point indices (exact and FFT repulsion, the re-centring) may change their last
    /// bits (Barnes-Hut runs measured at 300k and 1M: identical); for a given setting results are
    /// the same on any thread count and after save/load.
    /// Needs Dims <= 3 and an optimizer state with permute() (MomentumGains has it).
    void set_reorder(int every) {
        if (every < 0) detail::fail("reorder must be >= 0, got ", every);
        if (every > 0 && !can_reorder)
            detail::fail("reorder = ", every, " needs Dims <= 3 and an optimizer state with permute(order); got ", Dims,
                         "-D", traits::has_permute<opt_state>::value ? "" : " and an optimizer without permute");
        reorder_every_ = every;
    }
    int reorder() const noexcept { return reorder_every_; }
    /// Whether this Run type can renumber its points (see set_reorder).
    static constexpr bool can_reorder = Dims <= 3 && traits::has_permute<typename Optimizer::template state<T, Dims>>::value;
    /// The repulsion policy's per-run state (e.g. AutoRepulsion's `chosen` method).
    const typename Repulsion::template state<T, Dims>& repulsion() const {
        check_live();
        return rep_;
    }
    /// Exact KL(P‖Q) of the current embedding (O(N²): for reports and tests).
    double kl() const {  // P and Y always share one numbering: KL does not depend on it
        check_live();
        return kl_divergence(aff_.P, Y_, *ex_, kernel_);
    }
    /// Degrees of freedom α of the t kernel (gradient/kernel.hpp): 1 = standard t-SNE; < 1 heavier
    /// tails, finer clusters. Applies to attraction, repulsion and KL from the next iteration on.
    void set_dof(double alpha) {
        check_live();
        const TKernel kernel(alpha);  // validates
        if constexpr (traits::has_set_dof<typename Repulsion::template state<T, Dims>>::value) rep_.set_dof(alpha);
        else if (!kernel.unit()) detail::fail("this repulsion policy does not support dof != 1, got ", alpha);
        kernel_ = kernel;
    }
    double dof() const noexcept { return kernel_.alpha(); }
    /// KL computed on the last iteration that computed it (NaN if none).
    double last_kl() const noexcept { return last_kl_; }
    unsigned threads() const {
        check_live();
        return ex_->threads();
    }
    /// Changes the worker count; results do not depend on it.
    void set_threads(unsigned threads) {
        check_live();
        ex_ = std::make_unique<Executor>(threads);
    }
    /// The iteration at which the run diverged (a tsne::runtime_error from optimize()), 0 if it
    /// has not. A diverged run's state is not usable: optimize() and save() refuse it.
    int diverged_at() const noexcept { return diverged_at_; }

    /// Writes everything a later run needs to continue exactly where this one stands: P, the
    /// embedding, the optimizer's state (update buffers, gains), the repulsion's persistent state
    /// (AutoRepulsion's method, FFT's grid) and the iteration count. Binary, host byte order; the
    /// format is documented in docs/parameters.md ("Run state files"). Continuing a loaded run
    /// gives the same bits as never stopping (tests/run_test.cpp).
    void save(std::ostream& os) const {
        static_assert(traits::has_state_io<typename Optimizer::template state<T, Dims>>::value,
                      "the optimizer's state has no save/load: it cannot be saved");
        check_usable();
        if (diverged_at_ > 0)
            detail::throw_with<runtime_error>("run state: the run diverged at iteration ", diverged_at_,
                                              "; a diverged run's state cannot be saved (it would not resume)");
        detail::write_array(os, state_magic, 8);
        for (std::uint32_t v : {state_version, std::uint32_t{0x01020304u}, std::uint32_t(sizeof(T)), std::uint32_t(Dims)})
            detail::write_pod(os, v);
        detail::write_pod(os, static_cast<std::uint64_t>(Y_.size()));
        detail::write_pod(os, static_cast<std::int32_t>(iteration_));
        detail::write_pod(os, static_cast<std::int32_t>(kl_every_));
        detail::write_pod(os, kernel_.alpha());
        detail::write_pod(os, static_cast<std::int32_t>(reorder_every_));
        detail::write_tag(os, "ORDR");
        detail::write_pod(os, static_cast<std::uint64_t>(order_.size()));
        detail::write_array(os, order_.data(), order_.size());
        const Csr<T>& P = aff_.P;
        detail::write_tag(os, "PCSR");
        detail::write_pod(os, static_cast<std::uint64_t>(P.nnz()));
        for (std::size_t v : P.row_ptr) detail::write_pod(os, static_cast<std::uint64_t>(v));
        detail::write_array(os, P.col.data(), P.col.size());
        detail::write_array(os, P.val.data(), P.val.size());
        detail::write_tag(os, "EMBD");
        for (int d = 0; d < Dims; ++d) detail::write_array(os, Y_.coord(d), Y_.size());
        opt_.save(os);
        detail::write_tag(os, "REPL");
        if constexpr (traits::has_state_io<typename Repulsion::template state<T, Dims>>::value) rep_.save(os);
        detail::write_tag(os, "END.");
        if (!os) detail::throw_with<runtime_error>("run state: writing failed");
    }

    /// Reads a state written by save() (same T and Dims) into a new Run with these policies (the
    /// repulsion's method and grid and the optimizer's buffers come from the file; their other
    /// settings from the arguments). Throws tsne::invalid_argument naming what is wrong with a
    /// truncated, foreign or inconsistent file.
    static Run load(std::istream& is, const Repulsion& repulsion = {}, const Optimizer& optimizer = {},
                    unsigned threads = 0) {
        char magic[8];
        detail::read_array(is, magic, 8, "the file signature");
        if (!std::equal(magic, magic + 8, state_magic)) detail::fail("run state: not a tsne run-state file");
        const auto version = detail::read_pod<std::uint32_t>(is, "the format version");
        if (version != 1 && version != state_version)
            detail::fail("run state: format version ", version, ", this library reads 1 to ", state_version);
        if (detail::read_pod<std::uint32_t>(is, "the byte-order mark") != 0x01020304u)
            detail::fail("run state: written on a machine with another byte order");
        const auto size_t_ = detail::read_pod<std::uint32_t>(is, "the value size");
        const auto dims = detail::read_pod<std::uint32_t>(is, "the dimensions");
        if (size_t_ != sizeof(T) || dims != static_cast<std::uint32_t>(Dims))
            detail::fail("run state: holds a ", dims, "-D embedding of ", size_t_, "-byte values; expected ", Dims,
                         "-D of ", sizeof(T), "-byte values");
        const auto n = detail::read_pod<std::uint64_t>(is, "the number of points");
        const auto iteration = detail::read_pod<std::int32_t>(is, "the iteration");
        const auto kl_every = detail::read_pod<std::int32_t>(is, "kl_every");
        const auto dof = detail::read_pod<double>(is, "dof");
        if (n < 2 || n > detail::max_points || iteration < 0 || kl_every < 0)
            detail::fail("run state: bad header (points ", n, ", iteration ", iteration, ", kl_every ", kl_every, ")");
        // Every count below comes from the file: checked arithmetic, compared with the bytes the
        // stream still holds before anything is allocated (read_vector), and the CSR's structure
        // validated before anything reads through it (checked_affinity_sum).
        std::int32_t reorder = 0;
        std::vector<std::uint32_t> order;
        if (version >= 2) {  // version 1 files predate the renumbering: never renumbered
            reorder = detail::read_pod<std::int32_t>(is, "reorder");
            if (reorder < 0 || (reorder > 0 && !can_reorder)) detail::fail("run state: bad reorder ", reorder);
            detail::read_tag(is, "ORDR");
            const auto len = detail::read_pod<std::uint64_t>(is, "the point order's length");
            if (len != 0 && len != n) detail::fail("run state: a point order of ", len, " for ", n, " points");
            if (len != 0 && !can_reorder) detail::fail("run state: a renumbered run, but this Run type cannot renumber");
            order = detail::read_vector<std::uint32_t>(is, len, "the point order");
            std::vector<char> seen(order.size(), 0);
            for (std::uint32_t v : order) {
                if (v >= n || seen[v]) detail::fail("run state: the point order is not a permutation (", v, ")");
                seen[v] = 1;
            }
        }
        Affinities<T> aff;
        Csr<T>& P = aff.P;
        P.n = static_cast<std::size_t>(n);
        detail::read_tag(is, "PCSR");
        const auto nnz = detail::read_pod<std::uint64_t>(is, "the number of affinities");
        if (nnz > n * (n - 1)) detail::fail("run state: ", nnz, " affinities for ", n, " points (at most N(N-1))");
        {
            const char* what = "P and the embedding";
            const std::uint64_t offsets = detail::file_mul(n + 1, 8, what),
                                entries = detail::file_mul(nnz, 4 + sizeof(T), what),
                                coords = detail::file_mul(n, Dims * sizeof(T), what);
            detail::require_bytes(is, detail::file_add(detail::file_add(offsets, entries, what), coords, what), what);
        }
        {
            const std::vector<std::uint64_t> rp = detail::read_vector<std::uint64_t>(is, n + 1, "P's row offsets");
            // The offsets first (before reading entries).
            detail::check_row_offsets(rp, P.n, nnz, "run state: bad affinity matrix");
            P.row_ptr.assign(rp.begin(), rp.end());
        }
        P.col = detail::read_vector<std::uint32_t>(is, nnz, "P's columns");
        P.val = detail::read_vector<T>(is, nnz, "P's values");
        (void)detail::checked_affinity_sum(P, "run state: bad affinity matrix");
        detail::read_tag(is, "EMBD");
        Embedding<T, Dims> Y(P.n);
        for (int d = 0; d < Dims; ++d) detail::read_array(is, Y.coord(d), Y.size(), "the embedding");
        for (int d = 0; d < Dims; ++d)
            for (std::size_t i = 0; i < Y.size(); ++i)
                if (!std::isfinite(Y.coord(d)[i])) detail::fail("run state: non-finite coordinate of point ", i);
        Run run(std::move(aff), std::move(Y), repulsion, optimizer, threads, kl_every);
        run.iteration_ = iteration;
        run.set_dof(dof);
        run.reorder_every_ = reorder;
        run.order_ = std::move(order);
        run.opt_.load(is);
        detail::read_tag(is, "REPL");
        if constexpr (traits::has_state_io<typename Repulsion::template state<T, Dims>>::value) run.rep_.load(is);
        detail::read_tag(is, "END.");
        return run;
    }
    Timings timings;

private:
    static void check_phase(const Phase& phase) {
        detail::check_positive("exaggeration", phase.exaggeration);
        if (!(phase.momentum >= 0 && phase.momentum < 1))
            detail::fail("momentum must be in [0, 1), got ", phase.momentum);
        detail::check_non_negative("learning_rate", phase.learning_rate);
    }

    /// `phase_at(iteration)`: the Phase of the 1-based iteration about to run.
    template <class PhaseAt, class... Callbacks>
    Run& optimize_impl(int iterations, const PhaseAt& phase_at, Callbacks&... cbs) {
        static_assert((traits::is_callback_v<Callbacks, status_type> && ...),
                      "a callback must have on_begin/on_iteration/on_end(const tsne::Status<T, Dims>&) or be "
                      "callable with it; see tsne/policies.hpp");
        check_live();
        if (iterations < 0) detail::fail("iterations must be >= 0, got ", iterations);
        if (diverged_at_ > 0)
            detail::throw_with<runtime_error>("the run diverged at iteration ", diverged_at_,
                                              "; its state is not usable: prepare a new run");
        leave_order();  // an earlier restore that ran out of memory: retry it (throws, changing nothing)
        Phase phase = phase_at(iteration_ + 1);
        check_phase(phase);
        stopped_ = false;
        const auto t0 = std::chrono::steady_clock::now();
        status_type s;
        s.iteration = iteration_;
        s.phase_iterations = iterations;
        s.exaggeration = phase.exaggeration;
        s.learning_rate = phase.learning_rate_for(Y_.size());
        s.momentum = phase.momentum;
        s.Y = &Y_;
        (detail::call_begin(cbs, s), ...);
        if (iterations > 0) enter_order();  // optimize(0) only restores (leave_order above)
        try {
            run_iterations(iterations, phase, phase_at, t0, s, cbs...);
        } catch (...) {
            view_ = Embedding<T, Dims>{};
            try {
                leave_order();
            } catch (...) {  // out of memory: the run stays renumbered (check_usable), the first error wins
            }
            throw;
        }
        view_ = Embedding<T, Dims>{};
        leave_order();
        s.Y = &Y_;
        s.seconds = detail::seconds_since(t0);
        timings.optimization += s.seconds;
        (detail::call_end(cbs, s), ...);
        return *this;
    }

    template <class PhaseAt, class... Callbacks>
    void run_iterations(int iterations, Phase phase, const PhaseAt& phase_at, std::chrono::steady_clock::time_point t0,
                        status_type& s, Callbacks&... cbs) {
        struct InLoop {
            bool& flag;
            explicit InLoop(bool& f) : flag(f) { flag = true; }
            ~InLoop() { flag = false; }
            InLoop(const InLoop&) = delete;
            InLoop& operator=(const InLoop&) = delete;
        } in_loop(in_loop_);
        for (int t = 0; t < iterations && !stopped_; ++t) {
            const int next = iteration_ + 1;
            if (t > 0) {
                phase = phase_at(next);
                check_phase(phase);
            }
            const double lr = phase.learning_rate_for(Y_.size());
            s.exaggeration = phase.exaggeration;
            s.learning_rate = lr;
            s.momentum = phase.momentum;
            const bool want_kl = (kl_every_ > 0 && next % kl_every_ == 0) || t + 1 == iterations ||
                                 (detail::call_wants_kl(cbs, next) || ...);
            double kl = std::numeric_limits<double>::quiet_NaN();
            if (reorder_every_ > 0 && iteration_ % reorder_every_ == 0) reorder_now();
            try {
                step(phase.exaggeration, lr, phase.momentum, want_kl ? &kl : nullptr);
            } catch (const runtime_error&) {  // divergence (other failures leave a usable run)
                diverged_at_ = next;
                throw;
            }
            iteration_ = next;
            if (want_kl) last_kl_ = kl;
            s.iteration = iteration_;
            s.phase_iteration = t + 1;
            s.kl = kl;
            s.seconds = detail::seconds_since(t0);
            if constexpr (sizeof...(Callbacks) > 0) s.Y = &input_order_view();
            bool stop = false;
            ((stop = detail::call_iteration(cbs, s) || stop), ...);
            stopped_ = stop;
        }
    }

    // ---- point renumbering (set_reorder) -------------------------------------------------------
    // Outside optimize() P, Y and the optimizer's state are in the input's order; order_ keeps the
    // numbering the loop last used (internal point i = input point order_[i]; empty = identity), so
    // the next optimize() and a loaded run continue with the same bits.
    using opt_state = typename Optimizer::template state<T, Dims>;

    static std::vector<std::uint32_t> inverse(const std::vector<std::uint32_t>& order) {
        std::vector<std::uint32_t> inv(order.size());
        for (std::size_t i = 0; i < order.size(); ++i) inv[order[i]] = static_cast<std::uint32_t>(i);
        return inv;
    }
    /// Point i afterwards is point rel[i] before, in P, Y and the optimizer (inv: rel's inverse).
    /// Everything new is built before anything is replaced: an exception changes nothing.
    void renumber(const std::vector<std::uint32_t>& rel, const std::vector<std::uint32_t>& inv) {
        if constexpr (can_reorder) {
            Csr<T> P = permuted(aff_.P, rel, inv, *ex_);
            Embedding<T, Dims> Y = Y_.permuted(rel.data());
            opt_.permute(rel.data());
            aff_.P = std::move(P);
            Y_ = std::move(Y);
        }
    }
    void enter_order() {
        if (!can_reorder || order_.empty() || internal_) return;
        renumber(order_, inverse(order_));
        internal_ = true;
    }
    /// Back to the input's order. Should that fail (memory), the run stays renumbered, consistent,
    /// and refuses to answer in the wrong order (check_usable) until optimize() retries this.
    void leave_order() {
        if (!internal_) return;
        renumber(inverse(order_), order_);
        internal_ = false;
    }
    void check_live() const {
        if (!live_) detail::throw_with<logic_error>("Run: used after being moved from");
    }
    void check_usable() const {
        check_live();
        if (!internal_) return;
        if (in_loop_)
            detail::throw_with<runtime_error>("the run's points are renumbered while optimize() runs (Options::reorder): "
                                              "inside a callback use Status::Y or embedding()");
        detail::throw_with<runtime_error>("the run's points are still renumbered: restoring the input's order ran "
                                          "out of memory; call optimize() (0 iterations will do) to retry");
    }
    /// Renumbers by the Morton order of the current embedding (the space tree's sort).
    void reorder_now() {
        if constexpr (can_reorder) {
            const std::size_t n = Y_.size();
            std::vector<std::uint32_t> rel;
            {
                tree::SpaceTree<T, Dims> tree;
                tree.build(Y_, *ex_, n, n);  // one leaf: the Morton sort only
                rel = tree.order();
            }
            std::vector<std::uint32_t> next(n);
            for (std::size_t i = 0; i < n; ++i) next[i] = order_.empty() ? rel[i] : order_[rel[i]];
            renumber(rel, inverse(rel));
            order_.swap(next);
            internal_ = true;
        }
    }
    /// The embedding in the input's order, for callbacks (Y_ itself when not renumbered).
    const Embedding<T, Dims>& input_order_view() {
        if (!internal_) return Y_;
        if (view_.size() != Y_.size()) view_ = Embedding<T, Dims>(Y_.size());
        // Each i writes its own slot order_[i]: blocks never collide, any thread count.
        ex_->parallel_for(Y_.size(), 16384, [&](std::size_t b, std::size_t e) {
            for (int d = 0; d < Dims; ++d) {
                const T* y = Y_.coord(d);
                T* v = view_.coord(d);
                for (std::size_t i = b; i < e; ++i) v[order_[i]] = y[i];
            }
        });
        return view_;
    }

    /// The likely cause of a divergence (detail::divergence_hint), with the embedding's spread when
    /// Y_ is still the layout the step started from.
    std::string divergence_hint(double exaggeration, double lr, double momentum, bool y_before_step) const {
        const double spread = y_before_step && Y_.size() > 0 ? detail::layout_spread(Y_)
                                                             : std::numeric_limits<double>::quiet_NaN();
        return detail::divergence_hint(Y_.size(), iteration_ + 1, exaggeration, lr, momentum, kernel_.alpha(), spread);
    }

    void step(double exaggeration, double lr, double momentum, double* kl_out) {
        Executor& ex = *ex_;
        const std::size_t n = Y_.size();
        gradient::attractive(aff_.P, Y_, Fa_, ex, true, kernel_);
        const double Z = rep_(Y_, Fr_, ex);
        if (!(Z > 0) || !std::isfinite(Z))
            detail::throw_with<runtime_error>("t-SNE diverged at iteration ", iteration_ + 1, ": normalisation Z = ", Z,
                                              " (", divergence_hint(exaggeration, lr, momentum, true), ")");
        if (kl_out) *kl_out = kl_divergence(aff_.P, Y_, Z, ex, kernel_);
        const T alpha = static_cast<T>(exaggeration), inv_z = static_cast<T>(1.0 / Z);
        ex.parallel_for(n, 1024, [&](std::size_t b, std::size_t e) {
            for (int d = 0; d < Dims; ++d) {
                T* g = Fa_.coord(d);
                const T* r = Fr_.coord(d);
                for (std::size_t i = b; i < e; ++i) g[i] = alpha * g[i] - inv_z * r[i];
            }
        });
        opt_.step(Y_, Fa_, lr, momentum, ex);
        // Re-centre (keeps coordinates small for float precision); also catches divergence.
        // Per-block partial sums, added in block order: thread-count independent.
        const std::size_t block = 4096, n_blocks = (n + block - 1) / block;
        part_.assign(n_blocks * Dims, 0.0);
        ex.parallel_for(n, block, [&](std::size_t b, std::size_t e) {
            for (int d = 0; d < Dims; ++d) {
                const T* y = Y_.coord(d);
                double acc = 0;
                for (std::size_t i = b; i < e; ++i) acc += static_cast<double>(y[i]);
                part_[(b / block) * Dims + static_cast<std::size_t>(d)] = acc;
            }
        });
        T mean[Dims];
        for (int d = 0; d < Dims; ++d) {
            double acc = 0;
            for (std::size_t k = 0; k < n_blocks; ++k) acc += part_[k * Dims + static_cast<std::size_t>(d)];
            acc /= static_cast<double>(n);
            if (!std::isfinite(acc))
                detail::throw_with<runtime_error>("t-SNE diverged at iteration ", iteration_ + 1,
                                                  ": non-finite coordinates (",
                                                  divergence_hint(exaggeration, lr, momentum, false), ")");
            mean[d] = static_cast<T>(acc);
        }
        ex.parallel_for(n, block, [&](std::size_t b, std::size_t e) {
            for (int d = 0; d < Dims; ++d) {
                T* y = Y_.coord(d);
                for (std::size_t i = b; i < e; ++i) y[i] -= mean[d];
            }
        });
    }

    static constexpr char state_magic[8] = {'T', 'S', 'N', 'E', 'R', 'U', 'N', '\0'};
    static constexpr std::uint32_t state_version = 2;

    detail::Live live_;  ///< false once moved from: every member that needs the state refuses
    std::unique_ptr<Executor> ex_;
    Affinities<T> aff_;
    Embedding<T, Dims> Y_, Fa_, Fr_;
    typename Repulsion::template state<T, Dims> rep_;
    typename Optimizer::template state<T, Dims> opt_;
    int iteration_ = 0;
    int kl_every_ = 50;
    TKernel kernel_;  ///< the t kernel of attraction, repulsion and KL (set_dof)
    bool stopped_ = false;
    double last_kl_ = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> part_;
    int reorder_every_ = 0;
    std::vector<std::uint32_t> order_;
    bool internal_ = false;  ///< P, Y and the optimizer are in order_'s numbering (inside optimize())
    bool in_loop_ = false;   ///< inside run_iterations (callbacks run there)
    int diverged_at_ = 0;    ///< iteration at which step() threw tsne::runtime_error (divergence), 0 if none
    Embedding<T, Dims> view_;
};

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

/// One call: prepare + standard schedule; returns the N x Dims embedding.
template <int Dims, class T, class... Callbacks>
RowMatrix<T> fit(const MatrixRef<T>& X, const Options& options = {}, Callbacks&&... callbacks) {
    auto run = prepare<Dims, T>(X, options);
    run_schedule(run, options, callbacks...);
    return run.embedding();
}

}  // namespace tsne
