// Exception safety of a run: an exception thrown by a user callback, or inside a parallel block
// of a kernel, reaches the caller, leaves no worker running (they sleep; the executor's threads
// are joined with it) and the Run stays usable; a stop requested by a callback returns the
// embedding as it is at that iteration. (Allocation failures: tests/fault/.)
#include <doctest/doctest.h>

#include <atomic>
#include <stdexcept>

#include "helpers.hpp"
#include "reliability/threads.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_exceptions {

namespace {

struct callback_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Exact repulsion that, while armed, throws from inside one block of a parallel_for on every call.
std::atomic<bool> flaky_armed{false};
struct kernel_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};
struct FlakyRepulsion {
    template <class T, int Dims>
    struct state {
        state(const FlakyRepulsion&, std::size_t n) : inner(tsne::Exact{}, n) {}
        template <class Exec>
        double operator()(const tsne::Embedding<T, Dims>& Y, tsne::Embedding<T, Dims>& R, Exec& ex) {
            const double z = inner(Y, R, ex);
            if (flaky_armed.load())
                ex.parallel_for(Y.size(), 16, [&](std::size_t b, std::size_t) {
                    if (b == 32) throw kernel_error("kernel failed in block 2");
                });
            return z;
        }
        tsne::Exact::state<T, Dims> inner;
    };
};

tsne::RowMatrix<float> data() { return testing::clusters<float>(300, 5, 3, 21); }

}  // namespace

TEST_CASE("exceptions: a throwing callback reaches the caller, workers are idle, the run stays usable") {
    const std::size_t baseline = testing::settled_thread_count();
    {
        auto run = tsne::embed<2>(data()).perplexity(10).threads(3).prepare();
        if (testing::can_observe_threads()) CHECK(testing::thread_count_becomes(baseline + 2));  // the run's 2 workers
        auto thrower = [](const tsne::Status<float, 2>& s) {
            if (s.iteration == 5) throw callback_error("callback failed at 5");
            return false;
        };
        CHECK_THROWS_WITH_AS(run.optimize(10, tsne::exaggerated(12), thrower), "callback failed at 5", callback_error);
        CHECK(run.iteration() == 5);  // the iteration that ran before the callback threw is kept
        CHECK(testing::other_threads_idle());
        const auto y5 = run.embedding();
        CHECK(y5.allFinite());
        run.optimize(5);  // usable: continues from there
        CHECK(run.iteration() == 10);
        CHECK(run.embedding().allFinite());
        CHECK(!(run.embedding() == y5));
        // on_begin / on_end hooks that throw.
        struct BeginThrows {
            void on_begin(const tsne::Status<float, 2>&) { throw callback_error("on_begin"); }
        };
        struct EndThrows {
            void on_end(const tsne::Status<float, 2>&) { throw callback_error("on_end"); }
        };
        CHECK_THROWS_AS(run.optimize(3, BeginThrows{}), callback_error);
        CHECK(run.iteration() == 10);
        CHECK_THROWS_AS(run.optimize(3, EndThrows{}), callback_error);
        CHECK(run.iteration() == 13);
        CHECK(testing::other_threads_idle());
    }
    if (testing::can_observe_threads()) CHECK(testing::thread_count_becomes(baseline));  // workers joined
}

TEST_CASE("exceptions: an exception inside a parallel block of a kernel reaches the caller, the run stays usable") {
    const std::size_t baseline = testing::settled_thread_count();
    for (unsigned threads : {1u, 2u, 3u}) {
        INFO(threads, " threads");
        auto run = tsne::embed<2>(data()).perplexity(10).threads(threads).repulsion(FlakyRepulsion{}).prepare();
        run.optimize(3);
        flaky_armed = true;
        CHECK_THROWS_WITH_AS(run.optimize(5), "kernel failed in block 2", kernel_error);
        flaky_armed = false;
        CHECK(run.iteration() == 3);  // the failed step did not count
        CHECK(testing::other_threads_idle());
        run.optimize(5);
        CHECK(run.iteration() == 8);
        CHECK(run.embedding().allFinite());
    }
    if (testing::can_observe_threads()) CHECK(testing::thread_count_becomes(baseline));
}

TEST_CASE("exceptions: a stop requested by a callback returns the embedding of that iteration") {
    const auto X = data();
    tsne::Options o;
    o.iterations = 40;
    o.early_exaggeration_iterations = 10;
    o.threads = 2;
    for (int stop_at : {7, 15}) {
        INFO("stop at ", stop_at);
        tsne::RowMatrix<float> seen;
        auto stopper = [&](const tsne::Status<float, 2>& s) {
            if (s.iteration != stop_at) return false;
            seen = s.embedding();
            return true;
        };
        const auto stopped = tsne::embed<2>(X).perplexity(10).options(o).fit(stopper);
        CHECK(stopped == seen);
        // The same as running exactly that many iterations of the schedule.
        auto ref = tsne::embed<2>(X).perplexity(10).options(o).prepare();
        const int early = std::min(stop_at, o.early_exaggeration_iterations);
        ref.optimize(early, o.early_phase());
        if (stop_at > early) ref.optimize(stop_at - early, o.final_phase());
        CHECK(stopped == ref.embedding());
    }
    // EarlyStop (KL-based) stops a run: the run reports it and keeps its embedding.
    auto run = tsne::embed<2>(X).perplexity(10).threads(2).prepare();
    run.optimize(10, tsne::exaggerated(12));
    tsne::EarlyStop es{5, 10.0};  // "improves by less than 1000 %": stops at the second check
    run.optimize(100, es);
    CHECK(run.stopped());
    CHECK(run.iteration() == 20);
    CHECK(run.embedding().allFinite());
}

}  // namespace t_exceptions
