#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <type_traits>

#include "helpers.hpp"

namespace {

/// 80 iterations (40 exaggerated) in one go, and the same interrupted after `split` iterations by
/// save + load into a fresh Run: the two embeddings, and the optimizer's buffers, must be equal.
template <int Dims, class T>
void check_resume(const tsne::AutoRepulsion& rep, int split, unsigned threads_after = 2) {
    const auto X = testing::clusters<T>(600, 12, 4, 19);
    auto make = [&] { return tsne::embed<Dims>(X).threads(2).repulsion(rep).prepare(); };
    const tsne::Phase early = tsne::exaggerated(12.0), late = tsne::normal();
    auto whole = make();
    whole.optimize(40, early).optimize(40, late);

    auto first = make();
    std::stringstream file;
    if (split <= 40) {
        first.optimize(split, early);
        first.save(file);
        auto resumed = decltype(first)::load(file, rep, {}, threads_after);
        CHECK(resumed.iteration() == split);
        CHECK(resumed.repulsion().chosen == whole.repulsion().chosen);
        resumed.optimize(40 - split, early).optimize(40, late);
        CHECK(resumed.embedding() == whole.embedding());
    } else {
        first.optimize(40, early).optimize(split - 40, late);
        first.save(file);
        auto resumed = decltype(first)::load(file, rep, {}, threads_after);
        resumed.optimize(80 - split, late);
        CHECK(resumed.embedding() == whole.embedding());
    }
}

tsne::AutoRepulsion method(tsne::Method m) {
    tsne::AutoRepulsion r;
    r.method = m;
    return r;
}

}  // namespace

TEST_CASE("run state: save, load and continue equals one uninterrupted run, bit for bit, for every method") {
    check_resume<2, float>(method(tsne::Method::exact), 25);
    check_resume<2, float>(method(tsne::Method::barnes_hut), 55, 3);
    check_resume<3, float>(method(tsne::Method::barnes_hut), 40);
    check_resume<2, float>(method(tsne::Method::fft), 30);   // the FFT grid is restored
    check_resume<2, float>(method(tsne::Method::fft), 61, 1);
    check_resume<1, double>(method(tsne::Method::fft), 50);
    check_resume<2, double>(tsne::AutoRepulsion{}, 45);      // automatic: Exact below 1,000 points
}

TEST_CASE("run state: a loaded run keeps the saved method even if the new policy would choose another") {
    const auto X = testing::clusters<float>(300, 6, 3, 4);
    auto run = tsne::embed<2>(X).threads(1).repulsion(method(tsne::Method::barnes_hut)).prepare();
    run.optimize(5, tsne::exaggerated());
    std::stringstream file;
    run.save(file);
    auto loaded = decltype(run)::load(file);  // default AutoRepulsion would pick Exact for 300 points
    CHECK(loaded.repulsion().chosen == tsne::Method::barnes_hut);
    CHECK(loaded.embedding() == run.embedding());
    CHECK(loaded.affinities().P.val == run.affinities().P.val);
}

TEST_CASE("run state: truncated, foreign and mismatched files are clear errors") {
    const auto X = testing::clusters<float>(200, 5, 2, 6);
    auto run = tsne::embed<2>(X).threads(1).prepare();
    run.optimize(3);
    std::stringstream good;
    run.save(good);
    const std::string bytes = good.str();
    using Run2f = decltype(run);
    // Every truncation point fails with a tsne::invalid_argument, never a crash.
    for (std::size_t cut : {std::size_t{0}, std::size_t{4}, std::size_t{12}, std::size_t{30}, std::size_t{60},
                            bytes.size() / 3, bytes.size() / 2, bytes.size() - 5, bytes.size() - 1}) {
        std::stringstream part(bytes.substr(0, cut));
        CHECK_THROWS_AS(Run2f::load(part), tsne::invalid_argument);
    }
    std::stringstream foreign("definitely not a run state");
    CHECK_THROWS_WITH_AS(Run2f::load(foreign), doctest::Contains("not a tsne run-state file"), tsne::invalid_argument);
    std::stringstream as3d(bytes);
    CHECK_THROWS_WITH_AS(tsne::Run<float, 3>::load(as3d), doctest::Contains("2-D"), tsne::invalid_argument);
    std::stringstream asdouble(bytes);
    CHECK_THROWS_WITH_AS(tsne::Run<double, 2>::load(asdouble), doctest::Contains("4-byte"), tsne::invalid_argument);
    // A corrupted column index is caught.
    std::string bad = bytes;
    const std::size_t header = 8 + 4 * 4 + 8 + 4 + 4 + 4 + 8 + (X.rows() + 1) * 8;  // up to P's columns
    bad[header + 3] = '\x7f';
    std::stringstream corrupt(bad);
    CHECK_THROWS_WITH_AS(Run2f::load(corrupt), doctest::Contains("bad affinity"), tsne::invalid_argument);
    // The original still loads.
    std::stringstream again(bytes);
    CHECK(Run2f::load(again).embedding() == run.embedding());
}
