#include <doctest/doctest.h>

#include <sstream>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_callbacks {

namespace {
struct Counter {
    int begins = 0, iterations = 0, ends = 0, kls = 0;
    void on_begin(const tsne::Status<float, 2>&) { ++begins; }
    bool on_iteration(const tsne::Status<float, 2>& s) {
        ++iterations;
        kls += s.has_kl();
        return false;
    }
    void on_end(const tsne::Status<float, 2>&) { ++ends; }
    bool wants_kl(int it) const { return it % 7 == 0; }
};
}  // namespace

TEST_CASE("callbacks: hooks detected one by one, KL on request, stop, snapshots, progress") {
    const auto X = testing::clusters<float>(120, 5, 3, 3);
    auto run = tsne::embed<2>(X).perplexity(10).threads(2).kl_every(0).prepare();
    Counter c;
    tsne::Snapshots<float> snaps(10);
    std::ostringstream log;
    int lambda_calls = 0;
    run.optimize(30, tsne::exaggerated(12), c, snaps, tsne::progress(10, log),
                 [&](const tsne::Status<float, 2>&) { ++lambda_calls; });
    CHECK(c.begins == 1);
    CHECK(c.ends == 1);
    CHECK(c.iterations == 30);
    CHECK(lambda_calls == 30);
    // KL asked for by Counter (every 7th), Snapshots and Progress (every 10th) and on the last iteration.
    CHECK(c.kls == 7);  // iterations {7, 14, 21, 28} ∪ {10, 20, 30} (30 is also the last)
    REQUIRE(snaps.frames.size() == 4);  // iterations 0, 10, 20, 30
    CHECK(snaps.frames[3].iteration == 30);
    CHECK(snaps.frames[3].Y == run.embedding());
    CHECK(log.str().find("iteration    10") != std::string::npos);

    // A callback returning true stops after that iteration; the embedding is the current one.
    int seen = 0;
    run.optimize(100, [&](const tsne::Status<float, 2>& s) { return ++seen, s.phase_iteration == 5; });
    CHECK(run.stopped());
    CHECK(run.iteration() == 35);
    CHECK(testing::all_finite(run.coordinates()));

    tsne::EarlyStop stop{10, 0.5};  // stops as soon as KL improves by < 50% between checks
    run.optimize(200, stop);
    CHECK(run.stopped());
    CHECK(run.iteration() < 235);
}

}  // namespace t_callbacks
