#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <thread>
#if defined(__unix__)
#include <signal.h>
#endif
#include <stdexcept>
#include <vector>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_executor {

TEST_CASE("executor: every block runs exactly once, for any thread count") {
    for (unsigned threads : {1u, 2u, 3u, 8u})
        for (std::size_t n : {std::size_t(0), std::size_t(1), std::size_t(7), std::size_t(1000), std::size_t(1025)})
            for (std::size_t block : {std::size_t(1), std::size_t(64), std::size_t(4096)}) {
                tsne::Executor ex(threads);
                std::vector<std::atomic<int>> hits(n);
                ex.parallel_for(n, block, [&](std::size_t b, std::size_t e) {
                    CHECK(e - b <= block);
                    CHECK(b % block == 0);
                    for (std::size_t i = b; i < e; ++i) hits[i]++;
                });
                for (std::size_t i = 0; i < n; ++i) CHECK(hits[i].load() == 1);
            }
}

TEST_CASE("executor: an exception in a block reaches the caller and the pool stays usable") {
    tsne::Executor ex(4);
    CHECK_THROWS_AS(ex.parallel_for(1000, 10,
                                    [&](std::size_t b, std::size_t) {
                                        if (b == 500) throw std::runtime_error("boom");
                                    }),
                    std::runtime_error);
    std::atomic<std::size_t> sum{0};
    ex.parallel_for(100, 7, [&](std::size_t b, std::size_t e) { sum += e - b; });
    CHECK(sum.load() == 100);
}

TEST_CASE("executor: nested parallel_for runs inline") {
    tsne::Executor ex(3);
    std::atomic<int> inner{0};
    ex.parallel_for(8, 1, [&](std::size_t, std::size_t) {
        ex.parallel_for(10, 3, [&](std::size_t b, std::size_t e) { inner += static_cast<int>(e - b); });
    });
    CHECK(inner.load() == 80);
}

TEST_CASE("block_sum: same bits for 1 and 4 threads") {
    std::vector<double> v(100000);
    tsne::detail::Rng rng(3);
    for (auto& x : v) x = rng.normal() * 1e3;
    auto part = [&](std::size_t b, std::size_t e) {
        double s = 0;
        for (std::size_t i = b; i < e; ++i) s += v[i];
        return s;
    };
    tsne::Executor one(1), four(4);
    const double a = tsne::block_sum(one, v.size(), 256, part), b = tsne::block_sum(four, v.size(), 256, part);
    CHECK(a == b);
}


TEST_CASE("executor: a thread count far above the cores is capped, with the same results") {
    const unsigned cap = tsne::Executor::max_threads();
    CHECK(cap >= 8);
    CHECK(cap >= 2 * std::thread::hardware_concurrency());
    tsne::Executor huge(100000);
    CHECK(huge.threads() == cap);
    tsne::Executor most(~0u);
    CHECK(most.threads() == cap);
    tsne::Executor one(1);
    auto sum = [](tsne::Executor& ex) {
        std::vector<double> part(64);
        ex.parallel_for(64 * 1000, 1000, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) part[b / 1000] += 1.0 / static_cast<double>(i + 1);
        });
        double s = 0;
        for (double p : part) s += p;
        return s;
    };
    CHECK(sum(huge) == sum(one));
    // Through the library's options as well: a fit with 100000 threads equals one with 1.
    const auto X = testing::clusters<float>(120, 4, 3, 9);
    const auto a = tsne::embed<2>(X).threads(100000).iterations(30).early_exaggeration_iterations(10).fit();
    const auto b = tsne::embed<2>(X).threads(1).iterations(30).early_exaggeration_iterations(10).fit();
    CHECK(a == b);
}

#if defined(__unix__)
TEST_CASE("executor: workers never take asynchronous signals, fault signals stay theirs") {
    tsne::Executor ex(3);
    const auto caller = std::this_thread::get_id();
    std::mutex m;
    int worker_blocks = 0, term_blocked = 0, bus_blocked = 0;
    ex.parallel_for(3000, 1, [&](std::size_t, std::size_t) {
        if (std::this_thread::get_id() == caller) return;
        sigset_t cur;
        pthread_sigmask(SIG_BLOCK, nullptr, &cur);
        std::lock_guard<std::mutex> g(m);
        ++worker_blocks;
        term_blocked += sigismember(&cur, SIGTERM) == 1 && sigismember(&cur, SIGINT) == 1;
        bus_blocked += sigismember(&cur, SIGBUS) == 1 || sigismember(&cur, SIGSEGV) == 1;
    });
    // The caller keeps its mask.
    sigset_t mine;
    pthread_sigmask(SIG_BLOCK, nullptr, &mine);
    CHECK(sigismember(&mine, SIGTERM) == 0);
    if (worker_blocks == 0) return;  // the caller happened to run every block
    CHECK(term_blocked == worker_blocks);
    CHECK(bus_blocked == 0);
}
#endif

}  // namespace t_executor
