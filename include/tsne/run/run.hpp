#pragma once
// Run: the optimisation loop over a prepared P and embedding. optimize() runs explicit, resumable
// phases: optimize(250, p) then optimize(500, p) gives the same bits as optimize(750, p), since all
// optimizer state (update buffers, gains, iteration count) lives in the Run. The entry points that
// build a Run from data are in run/prepare.hpp; the state file's header in run/state_file.hpp; the
// point renumbering in run/renumbering.hpp.
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <istream>
#include <limits>
#include <memory>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../affinity/csr.hpp"
#include "../affinity/precomputed.hpp"
#include "../detail/binary_io.hpp"
#include "../detail/embedding.hpp"
#include "../detail/live.hpp"
#include "../detail/validate.hpp"
#include "../gradient/attractive.hpp"
#include "../gradient/auto_repulsion.hpp"
#include "../gradient/kernel.hpp"
#include "../gradient/kl.hpp"
#include "../init/random.hpp"
#include "../optimizer/momentum_gains.hpp"
#include "../optimizer/schedule.hpp"
#include "../parallel/executor.hpp"
#include "../policies.hpp"
#include "../status.hpp"
#include "loop.hpp"
#include "renumbering.hpp"
#include "state_file.hpp"

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
          opt_(optimizer, Y_.size()) {
        loop_.kl_every = kl_every;
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
    bool stopped() const noexcept { return loop_.stopped; }
    /// Iterations completed so far.
    int iteration() const noexcept { return loop_.iteration; }
    std::size_t size() const {
        check_live();
        return Y_.size();
    }
    /// The embedding, N x Dims row-major, in the input's point order.
    RowMatrix<T> embedding() const {
        check_live();
        return numbering_.input_order_matrix(Y_);  // renumbered inside a callback
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
        numbering_.set_every(every);
    }
    int reorder() const noexcept { return numbering_.every(); }
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
    double last_kl() const noexcept { return loop_.last_kl; }
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
        StateHeader h;
        h.version = detail::state_version;
        h.value_size = sizeof(T);
        h.dims = Dims;
        h.n = Y_.size();
        h.iteration = loop_.iteration;
        h.kl_every = loop_.kl_every;
        h.dof = kernel_.alpha();
        h.reorder = numbering_.every();
        detail::write_state_header(os, h);
        detail::write_tag(os, "ORDR");
        const auto& order = numbering_.order();
        detail::write_pod(os, static_cast<std::uint64_t>(order.size()));
        detail::write_array(os, order.data(), order.size());
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
        const StateHeader header = read_state_header(is);
        return load(is, header, repulsion, optimizer, threads);
    }
    /// The same, continuing after a header already read by tsne::read_state_header(is) (to pick T
    /// and Dims from the file).
    static Run load(std::istream& is, const StateHeader& header, const Repulsion& repulsion = {},
                    const Optimizer& optimizer = {}, unsigned threads = 0) {
        detail::check_state_header(header);
        if (header.value_size != sizeof(T) || header.dims != static_cast<std::uint32_t>(Dims))
            detail::fail("run state: holds a ", header.dims, "-D embedding of ", header.value_size,
                         "-byte values; expected ", Dims, "-D of ", sizeof(T), "-byte values");
        const std::uint64_t n = header.n;
        // Every count below comes from the file: checked arithmetic, compared with the bytes the
        // stream still holds before anything is allocated (read_vector), and the CSR's structure
        // validated before anything reads through it (checked_affinity_sum).
        std::vector<std::uint32_t> order;
        if (header.version >= 2) {  // version 1 files predate the renumbering: never renumbered
            if (header.reorder > 0 && !can_reorder) detail::fail("run state: bad reorder ", header.reorder);
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
        Run run(std::move(aff), std::move(Y), repulsion, optimizer, threads, header.kl_every);
        run.loop_.iteration = header.iteration;
        run.set_dof(header.dof);
        run.numbering_.restore(header.reorder, std::move(order));
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
        check_live();
        detail::check_iterations(iterations);
        if (diverged_at_ > 0)
            detail::throw_with<runtime_error>("the run diverged at iteration ", diverged_at_,
                                              "; its state is not usable: prepare a new run");
        leave_order();  // an earlier restore that ran out of memory: retry it (throws, changing nothing)
        Phase phase = phase_at(loop_.iteration + 1);
        check_phase(phase);
        const auto t0 = std::chrono::steady_clock::now();
        status_type s = detail::begin_loop(loop_, iterations, phase.exaggeration, phase.learning_rate_for(Y_.size()),
                                           phase.momentum, &Y_, cbs...);
        if (iterations > 0) enter_order();  // optimize(0) only restores (leave_order above)
        try {
            run_iterations(iterations, phase, phase_at, t0, s, cbs...);
        } catch (...) {
            numbering_.drop_view();
            try {
                leave_order();
            } catch (...) {  // out of memory: the run stays renumbered (check_usable), the first error wins
            }
            throw;
        }
        numbering_.drop_view();
        leave_order();
        s.Y = &Y_;
        detail::end_loop(s, t0, timings.optimization, cbs...);
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
        detail::iterate(loop_, iterations, s, t0, [&](int t, int next, bool want_kl) {
            if (t > 0) {
                phase = phase_at(next);
                check_phase(phase);
            }
            const double lr = phase.learning_rate_for(Y_.size());
            s.exaggeration = phase.exaggeration;
            s.learning_rate = lr;
            s.momentum = phase.momentum;
            double kl = std::numeric_limits<double>::quiet_NaN();
            if (numbering_.due(loop_.iteration)) reorder_now();
            try {
                step(phase.exaggeration, lr, phase.momentum, want_kl ? &kl : nullptr);
            } catch (const runtime_error&) {  // divergence (other failures leave a usable run)
                diverged_at_ = next;
                throw;
            }
            if constexpr (sizeof...(Callbacks) > 0) s.Y = &numbering_.input_order_view(Y_, *ex_);
            return kl;
        }, cbs...);
    }

    // ---- point renumbering (set_reorder; the numbering itself: run/renumbering.hpp) ------------
    using opt_state = typename Optimizer::template state<T, Dims>;

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
    auto permuter() {
        return [this](const std::vector<std::uint32_t>& rel, const std::vector<std::uint32_t>& inv) { renumber(rel, inv); };
    }
    void enter_order() {
        if constexpr (can_reorder) numbering_.enter(permuter());
    }
    /// Back to the input's order. Should that fail (memory), the run stays renumbered, consistent,
    /// and refuses to answer in the wrong order (check_usable) until optimize() retries this.
    void leave_order() { numbering_.leave(permuter()); }
    void check_live() const {
        if (!live_) detail::throw_with<logic_error>("Run: used after being moved from");
    }
    void check_usable() const {
        check_live();
        if (!numbering_.internal()) return;
        if (in_loop_)
            detail::throw_with<runtime_error>("the run's points are renumbered while optimize() runs (Options::reorder): "
                                              "inside a callback use Status::Y or embedding()");
        detail::throw_with<runtime_error>("the run's points are still renumbered: restoring the input's order ran "
                                          "out of memory; call optimize() (0 iterations will do) to retry");
    }
    /// Renumbers by the Morton order of the current embedding.
    void reorder_now() {
        if constexpr (can_reorder) numbering_.reorder(Y_, *ex_, permuter());
    }

    /// The likely cause of a divergence (detail::divergence_hint), with the embedding's spread when
    /// Y_ is still the layout the step started from.
    std::string divergence_hint(double exaggeration, double lr, double momentum, bool y_before_step) const {
        const double spread = y_before_step && Y_.size() > 0 ? detail::layout_spread(Y_)
                                                             : std::numeric_limits<double>::quiet_NaN();
        return detail::divergence_hint(Y_.size(), loop_.iteration + 1, exaggeration, lr, momentum, kernel_.alpha(), spread);
    }

    void step(double exaggeration, double lr, double momentum, double* kl_out) {
        Executor& ex = *ex_;
        const std::size_t n = Y_.size();
        gradient::attractive(aff_.P, Y_, Fa_, ex, true, kernel_);
        const double Z = rep_(Y_, Fr_, ex);
        if (!(Z > 0) || !std::isfinite(Z))
            detail::throw_with<runtime_error>("t-SNE diverged at iteration ", loop_.iteration + 1, ": normalisation Z = ", Z,
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
                detail::throw_with<runtime_error>("t-SNE diverged at iteration ", loop_.iteration + 1,
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

    detail::Live live_;  ///< false once moved from: every member that needs the state refuses
    std::unique_ptr<Executor> ex_;
    Affinities<T> aff_;
    Embedding<T, Dims> Y_, Fa_, Fr_;
    typename Repulsion::template state<T, Dims> rep_;
    typename Optimizer::template state<T, Dims> opt_;
    detail::LoopCounters loop_;  ///< iteration count, kl_every, stopped, last KL (run/loop.hpp)
    TKernel kernel_;  ///< the t kernel of attraction, repulsion and KL (set_dof)
    std::vector<double> part_;
    detail::Renumbering<T, Dims> numbering_;  ///< P, Y and the optimizer's numbering (set_reorder)
    bool in_loop_ = false;   ///< inside run_iterations (callbacks run there)
    int diverged_at_ = 0;    ///< iteration at which step() threw tsne::runtime_error (divergence), 0 if none
};

}  // namespace tsne
