#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <type_traits>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_run_state {

namespace {

/// 80 iterations (40 exaggerated) in one go, and the same interrupted after `split` iterations by
/// save + load into a fresh Run: the two embeddings, and the optimizer's buffers, must be equal.
template <int Dims, class T>
void check_resume(const tsne::AutoRepulsion& rep, int split, unsigned threads_after = 2, int reorder = 0) {
    const auto X = testing::clusters<T>(600, 12, 4, 19);
    auto make = [&] { return tsne::embed<Dims>(X).threads(2).reorder(reorder).repulsion(rep).prepare(); };
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
        CHECK(resumed.reorder() == reorder);
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
    // With the points renumbered every few iterations: the numbering in use is saved too.
    check_resume<2, float>(method(tsne::Method::barnes_hut), 23, 3, 7);
    check_resume<2, float>(method(tsne::Method::fft), 52, 1, 10);
    check_resume<3, double>(method(tsne::Method::barnes_hut), 30, 2, 6);
}

TEST_CASE("run state: version 1 files (before the point numbering was saved) still load, a bad numbering is refused") {
    const auto X = testing::clusters<float>(200, 5, 2, 6);
    auto run = tsne::embed<2>(X).threads(1).reorder(0).prepare();
    run.optimize(5);
    std::stringstream v2;
    run.save(v2);
    const std::string bytes = v2.str();
    using Run2f = decltype(run);
    // Version 1 = version 2 without the reorder period, the "ORDR" tag and the order's length.
    const std::size_t after_dof = 8 + 4 * 4 + 8 + 4 + 4 + 8;
    std::string v1 = bytes.substr(0, after_dof) + bytes.substr(after_dof + 4 + 4 + 8);
    v1[8] = 1;  // the version (little-endian u32 after the 8-byte signature)
    std::stringstream f1(v1);
    auto old = Run2f::load(f1);
    CHECK(old.embedding() == run.embedding());
    CHECK(old.reorder() == 0);
    // A renumbered run's order must be a permutation.
    auto renum = tsne::embed<2>(X).threads(1).reorder(2).prepare();
    renum.optimize(5);
    std::stringstream good;
    renum.save(good);
    std::string bad = good.str();
    const std::size_t order_at = after_dof + 4 + 4 + 8;
    bad.replace(order_at + 4, 4, bad.substr(order_at, 4));  // point 1 := point 0
    std::stringstream corrupt(bad);
    CHECK_THROWS_WITH_AS(Run2f::load(corrupt), doctest::Contains("not a permutation"), tsne::invalid_argument);
    std::stringstream fine(good.str());
    auto back = Run2f::load(fine);
    CHECK(back.embedding() == renum.embedding());
    back.optimize(4);
    renum.optimize(4);
    CHECK(back.embedding() == renum.embedding());
}

TEST_CASE("run state: dof is saved and restored with the run") {
    const auto X = testing::clusters<float>(300, 6, 3, 8);
    auto run = tsne::embed<2>(X).threads(2).dof(0.5).prepare();
    CHECK(run.dof() == 0.5);
    run.optimize(10, tsne::exaggerated());
    std::stringstream file;
    run.save(file);
    auto loaded = decltype(run)::load(file);
    CHECK(loaded.dof() == 0.5);
    run.optimize(10);
    loaded.optimize(10);
    CHECK(loaded.embedding() == run.embedding());
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
    using Run3f = tsne::Run<float, 3>;
    using Run2d = tsne::Run<double, 2>;
    std::stringstream as3d(bytes);
    CHECK_THROWS_WITH_AS(Run3f::load(as3d), doctest::Contains("2-D"), tsne::invalid_argument);
    std::stringstream asdouble(bytes);
    CHECK_THROWS_WITH_AS(Run2d::load(asdouble), doctest::Contains("4-byte"), tsne::invalid_argument);
    // A corrupted column index is caught.
    std::string bad = bytes;
    // To P's columns (reorder, "ORDR" and an empty order's length come before P).
    const std::size_t header = 8 + 4 * 4 + 8 + 4 + 4 + 8 + (4 + 4 + 8) + 4 + 8 + static_cast<std::size_t>(X.rows() + 1) * 8;
    bad[header + 3] = '\x7f';
    std::stringstream corrupt(bad);
    CHECK_THROWS_WITH_AS(Run2f::load(corrupt), doctest::Contains("bad affinity"), tsne::invalid_argument);
    // The original still loads.
    std::stringstream again(bytes);
    CHECK(Run2f::load(again).embedding() == run.embedding());
}

}  // namespace t_run_state
