#include <doctest/doctest.h>

#include <cstring>
#include <limits>
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

// Issue 18, item 3: size fields read from a file go through checked arithmetic and are compared
// with the bytes the stream holds before anything is allocated; P's structure is validated before
// anything reads through it.
namespace t_run_state_crafted {

namespace {

/// A run-state header (version 2, float, 2-D) with the given sizes, then `tail` bytes of zeros.
std::string crafted_header(std::uint32_t value_size, std::uint64_t n, std::uint64_t nnz, std::size_t tail) {
    std::ostringstream os;
    const char magic[8] = {'T', 'S', 'N', 'E', 'R', 'U', 'N', '\0'};
    os.write(magic, 8);
    for (std::uint32_t v : {std::uint32_t{2}, std::uint32_t{0x01020304u}, value_size, std::uint32_t{2}})
        tsne::detail::write_pod(os, v);
    tsne::detail::write_pod(os, n);
    tsne::detail::write_pod(os, std::int32_t{0});   // iteration
    tsne::detail::write_pod(os, std::int32_t{50});  // kl_every
    tsne::detail::write_pod(os, 1.0);               // dof
    tsne::detail::write_pod(os, std::int32_t{0});   // reorder
    os.write("ORDR", 4);
    tsne::detail::write_pod(os, std::uint64_t{0});  // no point order
    os.write("PCSR", 4);
    tsne::detail::write_pod(os, nnz);
    os << std::string(tail, '\0');
    return os.str();
}

using RunF2 = tsne::Run<float, 2>;
using RunD2 = tsne::Run<double, 2>;

/// A stream that cannot seek (a pipe): tellg() is -1, so sizes cannot be checked in advance.
struct PipeBuf : std::stringbuf {
    using std::stringbuf::stringbuf;
    pos_type seekoff(off_type, std::ios_base::seekdir, std::ios_base::openmode) override { return pos_type(-1); }
    pos_type seekpos(pos_type, std::ios_base::openmode) override { return pos_type(-1); }
};

// A repulsion that goes non-finite on the 6th call (as overflowing coordinates do): the step
// leaves non-finite coordinates behind, which load() would reject.
struct Breaking {
    template <class T, int Dims>
    struct state {
        state(const Breaking&, std::size_t n) : inner(tsne::Exact{}, n) {}
        template <class Exec>
        double operator()(const tsne::Embedding<T, Dims>& Y, tsne::Embedding<T, Dims>& R, Exec& ex) {
            const double z = inner(Y, R, ex);
            if (++calls >= 6)
                for (int d = 0; d < Dims; ++d) R.coord(d)[0] = std::numeric_limits<T>::quiet_NaN();
            return z;
        }
        tsne::Exact::state<T, Dims> inner;
        int calls = 0;
    };
};
/// Z is not finite from the first call.
struct NanZ {
    template <class T, int Dims>
    struct state {
        state(const NanZ&, std::size_t n) : inner(tsne::Exact{}, n) {}
        template <class Exec>
        double operator()(const tsne::Embedding<T, Dims>& Y, tsne::Embedding<T, Dims>& R, Exec& ex) {
            inner(Y, R, ex);
            return std::numeric_limits<double>::quiet_NaN();
        }
        tsne::Exact::state<T, Dims> inner;
    };
};
}  // namespace

TEST_CASE("run state: size fields whose byte counts overflow are refused before anything is allocated") {
    // The 276-byte file of issue 18: N just under the limit and nnz chosen so that the bytes P and
    // the embedding need, (N+1)·8 + nnz·(4 + 4) + N·2·4, wrap around to 0 in 64 bits. Unchecked, the
    // reader allocated N+1 row offsets (16 GiB) before noticing the file is short.
    const std::uint64_t n = 2147483645;  // <= tsne::detail::max_points
    const std::uint64_t nnz = (std::uint64_t{1} << 61) - (16 * n + 8) / 8;
    const std::string bytes = crafted_header(4, n, nnz, 200);
    CHECK(bytes.size() == 276);
    std::stringstream file(bytes);
    CHECK_THROWS_WITH_AS(RunF2::load(file), doctest::Contains("overflows"), tsne::invalid_argument);
    // The same sizes in double (entries of 4 + 8 bytes), and a huge nnz that overflows on its own.
    const std::uint64_t nnz_d = (~std::uint64_t{0}) / 12 + 1;
    for (std::uint64_t z : {nnz_d, nnz}) {
        std::string d = crafted_header(8, n, z, 200);
        std::stringstream f(d);
        CHECK_THROWS_AS(RunD2::load(f), tsne::invalid_argument);
    }
    // A size that fits but exceeds what the stream holds is "truncated", before allocating.
    std::stringstream big(crafted_header(4, 100000000, 100, 200));
    CHECK_THROWS_WITH_AS(RunF2::load(big), doctest::Contains("truncated"), tsne::invalid_argument);
    // On a stream that cannot seek, the same files fail as truncated (memory: tests/memory).
    PipeBuf pipe(crafted_header(4, 100000000, 100, 200));
    std::istream ps(&pipe);
    CHECK(ps.tellg() == std::streampos(-1));
    CHECK_THROWS_WITH_AS(RunF2::load(ps), doctest::Contains("truncated"), tsne::invalid_argument);
}

TEST_CASE("run state: P's row offsets are checked before anything reads through them, seekable or not") {
    const auto X = testing::clusters<float>(120, 4, 2, 3);
    auto run = tsne::embed<2>(X).threads(1).reorder(0).prepare();
    run.optimize(3);
    std::stringstream good;
    run.save(good);
    const std::string bytes = good.str();
    const std::size_t rp_at = 8 + 4 * 4 + 8 + 4 + 4 + 8 + (4 + 4 + 8) + 4 + 8;  // P's row offsets
    // Row 0 claims to end far beyond row 1's start (a non-monotone row_ptr): reading row 0's entries
    // through it ran past the column array (ASan: heap-buffer-overflow).
    std::string bad = bytes;
    std::uint64_t big = 0;
    std::memcpy(&big, bad.data() + rp_at + 8 * 100, 8);  // row 99's start, well inside nnz
    std::memcpy(&bad[rp_at + 8], &big, 8);               // row 1's start := it
    std::stringstream corrupt(bad);
    CHECK_THROWS_WITH_AS(RunF2::load(corrupt), doctest::Contains("decrease"), tsne::invalid_argument);
    PipeBuf pipe(bad);
    std::istream ps(&pipe);
    CHECK_THROWS_WITH_AS(RunF2::load(ps), doctest::Contains("decrease"), tsne::invalid_argument);
    // The last offset must be nnz.
    std::string last = bytes;
    const std::uint64_t more = 7;
    std::memcpy(&last[rp_at + 8 * 120], &more, 8);
    std::stringstream l(last);
    CHECK_THROWS_AS(RunF2::load(l), tsne::invalid_argument);
    // The unmodified file loads on a stream that cannot seek too, and resumes with the same bits.
    PipeBuf ok(bytes);
    std::istream os(&ok);
    auto back = RunF2::load(os, {}, {}, 1);
    back.optimize(3);
    run.optimize(3);
    CHECK(back.embedding() == run.embedding());
}

TEST_CASE("run state: after a divergence save() refuses by name, and what was saved before still resumes") {
    const auto X = testing::clusters<double>(100, 4, 2, 9);
    auto run = tsne::embed<2>(X).threads(1).reorder(0).repulsion(Breaking{}).prepare();
    run.optimize(4);
    std::stringstream before;
    run.save(before);
    CHECK_THROWS_WITH_AS(run.optimize(10), doctest::Contains("diverged at iteration 6"), tsne::runtime_error);
    CHECK(run.diverged_at() == 6);
    std::stringstream after;
    CHECK_THROWS_WITH_AS(run.save(after), doctest::Contains("diverged at iteration 6"), tsne::runtime_error);
    CHECK(after.str().empty());
    CHECK_THROWS_WITH_AS(run.optimize(1), doctest::Contains("diverged"), tsne::runtime_error);
    // The state saved before the divergence loads and continues (to the same divergence).
    using RunT = std::remove_reference_t<decltype(run)>;
    auto back = RunT::load(before, Breaking{}, {}, 1);
    CHECK(back.iteration() == 4);
    CHECK(back.diverged_at() == 0);
    CHECK_NOTHROW(back.optimize(1));
    // A Z that is not finite (before the step moves anything) is a divergence too.
    auto nan_run = tsne::embed<2>(testing::clusters<float>(100, 4, 2, 9)).threads(1).repulsion(NanZ{}).prepare();
    CHECK_THROWS_AS(nan_run.optimize(2), tsne::runtime_error);
    std::stringstream s;
    CHECK_THROWS_WITH_AS(nan_run.save(s), doctest::Contains("diverged at iteration 1"), tsne::runtime_error);
}

}  // namespace t_run_state_crafted
