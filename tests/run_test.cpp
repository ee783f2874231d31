#include <doctest/doctest.h>

#include <sstream>

#include <string>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_run {

TEST_CASE_TEMPLATE("run: optimize(250) + optimize(500) == optimize(750), bit for bit", T, float, double) {
    const auto X = testing::clusters<T>(150, 6, 3, 17);
    auto a = tsne::embed<2>(X).perplexity(15).threads(2).prepare();
    auto b = tsne::embed<2>(X).perplexity(15).threads(2).prepare();
    a.optimize(250, tsne::exaggerated(12));
    a.optimize(500);
    b.optimize(100, tsne::exaggerated(12));
    b.optimize(150, tsne::exaggerated(12));
    b.optimize(250);
    b.optimize(250);
    CHECK(a.iteration() == 750);
    CHECK(b.iteration() == 750);
    CHECK(a.embedding() == b.embedding());
}

TEST_CASE("run: 1 vs 4 threads bit-identical, for every output dimension") {
    const auto X = testing::clusters<float>(260, 10, 4, 8);
    auto one1 = tsne::embed<1>(X).threads(1).iterations(120).early_exaggeration_iterations(60).fit();
    auto four1 = tsne::embed<1>(X).threads(4).iterations(120).early_exaggeration_iterations(60).fit();
    CHECK(one1 == four1);
    auto one2 = tsne::embed<2>(X).threads(1).iterations(120).early_exaggeration_iterations(60).fit();
    auto four2 = tsne::embed<2>(X).threads(4).iterations(120).early_exaggeration_iterations(60).fit();
    CHECK(one2 == four2);
    auto one3 = tsne::embed<3>(X).threads(1).iterations(120).early_exaggeration_iterations(60).fit();
    auto four3 = tsne::embed<3>(X).threads(4).iterations(120).early_exaggeration_iterations(60).fit();
    CHECK(one3 == four3);
    // And a Run whose thread count changes midway.
    auto r = tsne::embed<2>(X).threads(1).iterations(120).early_exaggeration_iterations(60).prepare();
    r.optimize(60, tsne::exaggerated(12));
    r.set_threads(3);
    r.optimize(60);
    CHECK(r.embedding() == one2);
}

TEST_CASE("run: the fluent API and the plain API give the same bits, the seed decides") {
    const auto X = testing::clusters<double>(200, 7, 3, 4);
    tsne::Options o;
    o.iterations = 100;
    o.early_exaggeration_iterations = 50;
    o.seed = 3;
    o.threads = 2;
    const auto plain = tsne::fit<2, double>(tsne::MatrixRef<double>(X), o);
    const auto fluent = tsne::embed<2>(X).options(o).fit();
    CHECK(plain == fluent);
    auto r1 = tsne::embed<2>(X).options(o).init(tsne::RandomInit{}).fit();
    auto r2 = tsne::embed<2>(X).options(o).init(tsne::RandomInit{}).fit();
    auto r3 = tsne::embed<2>(X).options(o).seed(4).init(tsne::RandomInit{}).fit();
    CHECK(r1 == r2);
    CHECK(!(r1 == r3));
}

TEST_CASE("run: KL falls during optimisation and matches the exact KL") {
    const auto X = testing::clusters<double>(300, 10, 5, 6);
    auto run = tsne::embed<2>(X).threads(2).prepare();
    const double kl0 = run.kl();
    run.optimize(250, tsne::exaggerated(12));
    run.optimize(250);
    CHECK(run.kl() < kl0 / 2);
    CHECK(run.last_kl() == doctest::Approx(run.kl()).epsilon(0.02));  // last_kl is from before the last step
}

TEST_CASE("run: duplicate points, constant columns and tiny N give finite embeddings") {
    auto X = testing::clusters<float>(100, 4, 2, 12);
    for (Eigen::Index i = 0; i < 60; ++i) X.row(i) = X.row(0);  // 60 identical points
    X.col(2).setConstant(3.0f);
    auto Y = tsne::embed<2>(X).perplexity(20).threads(2).fit();
    CHECK(Y.allFinite());
    // N = 2 (the smallest), perplexity 1.
    tsne::RowMatrix<double> two(2, 3);
    two << 0, 0, 0, 1, 2, 3;
    auto Y2 = tsne::embed<2>(two).perplexity(1).fit();
    CHECK(Y2.allFinite());
    // All points identical.
    tsne::RowMatrix<double> same = tsne::RowMatrix<double>::Ones(20, 3);
    CHECK(tsne::embed<3>(same).perplexity(5).fit().allFinite());
}

TEST_CASE("run: bad input throws tsne::invalid_argument naming the problem, input untouched") {
    auto X = testing::clusters<double>(40, 3, 2, 1);
    const tsne::RowMatrix<double> copy = X;
    CHECK_THROWS_WITH_AS(tsne::embed<2>(X).perplexity(40).prepare(), doctest::Contains("perplexity 40"),
                         tsne::invalid_argument);
    CHECK_THROWS_WITH_AS(tsne::embed<2>(X).perplexity(100).prepare(), doctest::Contains("N = 40"),
                         tsne::invalid_argument);
    tsne::RowMatrix<double> one = X.topRows(1);
    CHECK_THROWS_WITH_AS(tsne::embed<2>(one).prepare(), doctest::Contains("at least 2 points"), tsne::invalid_argument);
    tsne::RowMatrix<double> none(0, 3);
    CHECK_THROWS_AS(tsne::embed<2>(none).prepare(), tsne::invalid_argument);
    tsne::RowMatrix<double> nocols(10, 0);
    CHECK_THROWS_WITH_AS(tsne::embed<2>(nocols).perplexity(3).prepare(), doctest::Contains("at least 1 feature"),
                         tsne::invalid_argument);
    auto bad = X;
    bad(5, 2) = std::nan("");
    CHECK_THROWS_WITH_AS(tsne::embed<2>(bad).perplexity(5).prepare(), doctest::Contains("row 5, column 2"),
                         tsne::invalid_argument);
    bad(5, 2) = std::numeric_limits<double>::infinity();
    CHECK_THROWS_WITH_AS(tsne::embed<2>(bad).perplexity(5).prepare(), doctest::Contains("non-finite value inf"),
                         tsne::invalid_argument);
    tsne::RowMatrix<double> Y0 = tsne::RowMatrix<double>::Zero(40, 3);
    CHECK_THROWS_WITH_AS(tsne::embed<2>(X).perplexity(5).init(tsne::user_init(Y0)).prepare(),
                         doctest::Contains("expected 40 x 2"), tsne::invalid_argument);
    CHECK_THROWS_WITH_AS(tsne::embed<2>(X).perplexity(5).iterations(-1).prepare(), doctest::Contains("iterations"),
                         tsne::invalid_argument);
    CHECK_THROWS_WITH_AS(tsne::embed<2>(X).perplexity(5).learning_rate(-2).prepare(), doctest::Contains("learning_rate"),
                         tsne::invalid_argument);
    CHECK_THROWS_WITH_AS(tsne::embed<2>(X).perplexity(5).momentum(1.5, 0.8).prepare(), doctest::Contains("momentum"),
                         tsne::invalid_argument);
    CHECK_THROWS_AS(tsne::embed<2>(X).perplexity(5).iterations(10).early_exaggeration_iterations(20).prepare(),
                    tsne::invalid_argument);
    auto run = tsne::embed<2>(X).perplexity(5).prepare();
    CHECK_THROWS_AS(run.optimize(-5), tsne::invalid_argument);
    CHECK_THROWS_AS(run.optimize(5, tsne::Phase{0.0}), tsne::invalid_argument);
    CHECK(X == copy);
    // Catchable as the standard base class too.
    CHECK_THROWS_AS(tsne::embed<2>(one).prepare(), std::invalid_argument);
}

TEST_CASE("run: Barnes-Hut runs are thread-count independent in 1-, 2- and 3-D, and tolerate duplicates") {
    auto X = testing::clusters<float>(900, 10, 5, 81);
    for (Eigen::Index i = 0; i < 300; ++i) X.row(i) = X.row(i % 7);  // a third of the rows are 7 points repeated
    auto fit = [&](auto dims_tag, unsigned threads) {
        constexpr int D = decltype(dims_tag)::value;
        return tsne::embed<D>(X).repulsion(tsne::BarnesHut(0.5)).threads(threads).iterations(80)
            .early_exaggeration_iterations(40).fit();
    };
    using D1 = std::integral_constant<int, 1>;
    using D2 = std::integral_constant<int, 2>;
    using D3 = std::integral_constant<int, 3>;
    const auto a1 = fit(D1{}, 1), a2 = fit(D2{}, 1), a3 = fit(D3{}, 1);
    CHECK(a1.allFinite());
    CHECK(a2.allFinite());
    CHECK(a3.allFinite());
    CHECK(a1 == fit(D1{}, 3));
    CHECK(a2 == fit(D2{}, 3));
    CHECK(a3 == fit(D3{}, 8));
}

TEST_CASE("run: AutoRepulsion picks Exact for small N, FFT in 1-D, Barnes-Hut in 2-D and 3-D, an explicit method wins") {
    tsne::AutoRepulsion a;
    CHECK(a.choose(999, 2) == tsne::Method::exact);
    CHECK(a.choose(999, 1) == tsne::Method::exact);
    CHECK(a.choose(1000, 2) == tsne::Method::barnes_hut);
    CHECK(a.choose(1000, 1) == tsne::Method::fft);
    CHECK(a.choose(10000000, 2) == tsne::Method::barnes_hut);
    CHECK(a.choose(100000, 3) == tsne::Method::barnes_hut);
    CHECK(std::string(tsne::method_name(tsne::Method::fft)) == "fft");
    a.method = tsne::Method::barnes_hut;
    CHECK(a.choose(10, 2) == tsne::Method::barnes_hut);
    const auto X = testing::clusters<float>(1200, 8, 4, 3);
    auto run = tsne::embed<2>(X).threads(2).prepare();
    CHECK(run.repulsion().chosen == tsne::Method::barnes_hut);
    // Auto with Barnes-Hut forced equals the BarnesHut policy itself.
    tsne::AutoRepulsion bh;
    bh.method = tsne::Method::barnes_hut;
    bh.barnes_hut.theta = 0.7;
    const auto y1 = tsne::embed<2>(X).threads(2).iterations(60).early_exaggeration_iterations(30).repulsion(bh).fit();
    const auto y2 = tsne::embed<2>(X).threads(2).iterations(60).early_exaggeration_iterations(30)
                        .repulsion(tsne::BarnesHut(0.7)).fit();
    CHECK(y1 == y2);
    // The same for FFT, and the automatic 1-D choice is FFT.
    tsne::AutoRepulsion fa;
    fa.method = tsne::Method::fft;
    fa.fft.nodes_per_box = 4;
    const auto f1 = tsne::embed<2>(X).threads(2).iterations(60).early_exaggeration_iterations(30).repulsion(fa).fit();
    const auto f2 = tsne::embed<2>(X).threads(2).iterations(60).early_exaggeration_iterations(30)
                        .repulsion(tsne::FFT(4)).fit();
    CHECK(f1 == f2);
    CHECK(tsne::embed<1>(X).threads(2).prepare().repulsion().chosen == tsne::Method::fft);
}

TEST_CASE("run: FFT runs are thread-count independent in 1-D and 2-D, and tolerate duplicates") {
    auto X = testing::clusters<float>(900, 10, 5, 83);
    for (Eigen::Index i = 0; i < 300; ++i) X.row(i) = X.row(i % 7);  // a third of the rows are 7 points repeated
    auto fit = [&](auto dims_tag, unsigned threads) {
        constexpr int D = decltype(dims_tag)::value;
        return tsne::embed<D>(X).repulsion(tsne::FFT()).threads(threads).iterations(80)
            .early_exaggeration_iterations(40).fit();
    };
    using D1 = std::integral_constant<int, 1>;
    using D2 = std::integral_constant<int, 2>;
    const auto a1 = fit(D1{}, 1), a2 = fit(D2{}, 1);
    CHECK(a1.allFinite());
    CHECK(a2.allFinite());
    CHECK(a1 == fit(D1{}, 3));
    CHECK(a2 == fit(D2{}, 2));
    CHECK(a2 == fit(D2{}, 8));
}

TEST_CASE("run: FFT asked for 3-D output is a clear error") {
    const auto X = testing::clusters<float>(1100, 8, 3, 5);
    tsne::AutoRepulsion f;
    f.method = tsne::Method::fft;
    CHECK_THROWS_WITH_AS(tsne::embed<3>(X).repulsion(f).prepare(), doctest::Contains("3-D"), tsne::invalid_argument);
}

TEST_CASE("run: 4-D output uses the exact method, Barnes-Hut asked for 4-D is a clear error") {
    const auto X = testing::clusters<float>(1100, 8, 3, 5);
    auto run = tsne::embed<4>(X).threads(2).iterations(20).early_exaggeration_iterations(10).prepare();
    CHECK(run.repulsion().chosen == tsne::Method::exact);
    tsne::AutoRepulsion bh;
    bh.method = tsne::Method::barnes_hut;
    CHECK_THROWS_WITH_AS(tsne::embed<4>(X).repulsion(bh).prepare(), doctest::Contains("4-D"), tsne::invalid_argument);
}

TEST_CASE("run: heavy tails (dof 0.5) on digits give a finite, class-preserving map with a consistent KL") {
    const auto X = testing::digits();
    tsne::Options o;
    o.iterations = 300;
    o.early_exaggeration_iterations = 150;
    o.dof = 0.5;
    o.threads = 2;
    auto run = tsne::embed<2>(X).options(o).prepare();
    tsne::run_schedule(run, o);
    const auto Y = run.embedding();
    CHECK(Y.allFinite());
    CHECK(run.dof() == 0.5);
    CHECK(run.repulsion().chosen == tsne::Method::barnes_hut);
    CHECK(testing::knn_accuracy(Y, testing::digit_labels()) >= 0.93);
    // The run's own last KL (computed with Barnes-Hut's Z, before the last step) agrees with the
    // exact KL of the same kernel.
    CHECK(run.last_kl() == doctest::Approx(run.kl()).epsilon(0.02));
    tsne::Options bad;
    bad.dof = -1;
    CHECK_THROWS_WITH_AS(bad.validate(), doctest::Contains("dof"), tsne::invalid_argument);
}

namespace {

tsne::AutoRepulsion with_method(tsne::Method m) {
    tsne::AutoRepulsion r;
    r.method = m;
    return r;
}

/// The embedding a callback saw on the last iteration, to compare with run.embedding().
template <class T, int Dims>
struct LastSeen {
    tsne::RowMatrix<T> Y;
    std::vector<std::pair<int, tsne::RowMatrix<T>>> at;
    void on_iteration(const tsne::Status<T, Dims>& s) {
        Y = s.embedding();
        if (s.iteration % 9 == 0) at.emplace_back(s.iteration, Y);
    }
};

/// A run renumbered every `reorder` iterations against the same run never renumbered: the
/// renumbering is invisible (input order everywhere) and changes rounding only.
template <int Dims, class T>
void check_reorder_invisible(tsne::Method m, int reorder) {
    INFO(std::string(tsne::method_name(m)), ", Dims ", Dims, ", ", sizeof(T) * 8, "-bit, reorder ", reorder);
    const auto X = testing::clusters<T>(500, 8, 4, 23);
    auto make = [&](int every) {
        return tsne::embed<Dims>(X).perplexity(12).threads(2).reorder(every).repulsion(with_method(m)).prepare();
    };
    auto plain = make(0), renum = make(reorder);
    REQUIRE(plain.reorder() == 0);
    REQUIRE(renum.reorder() == reorder);
    const auto P0 = renum.affinities().P;
    LastSeen<T, Dims> seen_plain, seen_renum;
    plain.optimize(20, tsne::exaggerated(12), seen_plain).optimize(15, seen_plain);
    renum.optimize(20, tsne::exaggerated(12), seen_renum).optimize(15, seen_renum);
    // P comes back in the input's numbering, bit for bit.
    CHECK(renum.affinities().P.row_ptr == P0.row_ptr);
    CHECK(renum.affinities().P.col == P0.col);
    CHECK(renum.affinities().P.val == P0.val);
    // Callbacks saw the input's order: the last view is the final embedding.
    CHECK(seen_renum.Y == renum.embedding());
    // Same points in the same places, up to rounding (the trees' and FFT's summation order).
    const auto A = plain.embedding(), B = renum.embedding();
    const double spread = A.cwiseAbs().maxCoeff();
    CHECK(spread > 0);
    CHECK((A - B).cwiseAbs().maxCoeff() <= 1e-3 * spread);
    REQUIRE(seen_plain.at.size() == seen_renum.at.size());
    for (std::size_t k = 0; k < seen_plain.at.size(); ++k) {
        const auto& a = seen_plain.at[k].second;
        CHECK((a - seen_renum.at[k].second).cwiseAbs().maxCoeff() <= 1e-3 * a.cwiseAbs().maxCoeff());
    }
    CHECK(std::abs(plain.kl() - renum.kl()) <= 1e-3 * plain.kl());
}

/// An optimizer whose state cannot renumber its points (no permute()).
struct NoPermute {
    template <class T, int Dims>
    struct state {
        template <class Cfg>
        state(const Cfg&, std::size_t n) : inner(tsne::MomentumGains{}, n) {}
        template <class Exec>
        void step(tsne::Embedding<T, Dims>& Y, const tsne::Embedding<T, Dims>& g, double lr, double m, Exec& ex) {
            inner.step(Y, g, lr, m, ex);
        }
        tsne::MomentumGains::state<T, Dims> inner;
    };
};

}  // namespace

TEST_CASE("run: renumbering the points (reorder) is invisible, for every method and output dimension") {
    check_reorder_invisible<2, float>(tsne::Method::barnes_hut, 7);
    check_reorder_invisible<2, double>(tsne::Method::exact, 5);
    // FFT in double: in float its spreading sums cancel heavily near the PCA start (std 1e-4), so
    // two float runs that differ only in summation order drift apart by percents within ~10
    // iterations (measured: 0.2 % of the spread at iteration 9), whatever the numbering.
    check_reorder_invisible<2, double>(tsne::Method::fft, 10);
    check_reorder_invisible<1, double>(tsne::Method::fft, 3);
    check_reorder_invisible<3, float>(tsne::Method::barnes_hut, 6);
}

TEST_CASE("run: inside a callback of a renumbered run, embedding() and kl() answer in input order, the rest refuses") {
    const auto X = testing::clusters<float>(300, 6, 3, 5);
    auto run = tsne::embed<2>(X).perplexity(10).threads(2).reorder(3).prepare();
    int checked = 0;
    auto cb = [&](const tsne::Status<float, 2>& s) {
        if (s.iteration < 4) return;  // renumbered from iteration 3 on
        CHECK(run.embedding() == s.embedding());
        CHECK(std::isfinite(run.kl()));
        CHECK_THROWS_WITH_AS(run.affinities(), doctest::Contains("renumbered while optimize() runs"),
                             tsne::runtime_error);
        std::ostringstream os;
        CHECK_THROWS_WITH_AS(run.save(os), doctest::Contains("inside a callback use Status::Y or embedding()"),
                             tsne::runtime_error);
        ++checked;
    };
    run.optimize(6, tsne::exaggerated(12), cb);
    CHECK(checked == 3);
    const double kl_after = run.kl();
    std::ostringstream os;
    run.save(os);  // after optimize(): input order again
    CHECK(std::isfinite(kl_after));
    CHECK(run.optimize(0).iteration() == 6);
}

TEST_CASE("run: with reorder on, thread counts and interrupted phases give the same bits") {
    const auto X = testing::clusters<float>(700, 8, 5, 29);
    auto make = [&](unsigned threads) {
        return tsne::embed<2>(X).threads(threads).reorder(9).repulsion(with_method(tsne::Method::barnes_hut)).prepare();
    };
    auto one = make(1), three = make(3), split = make(2);
    one.optimize(40, tsne::exaggerated(12)).optimize(40);
    three.optimize(40, tsne::exaggerated(12)).optimize(40);
    CHECK(one.embedding() == three.embedding());
    split.optimize(13, tsne::exaggerated(12)).optimize(27, tsne::exaggerated(12));  // a renumbering at 9, 18, 27, 36
    split.optimize(1).optimize(39);
    CHECK(split.embedding() == one.embedding());
    // Turning it off midway keeps the last numbering's bits consistent: still a valid, finite run.
    split.set_reorder(0);
    split.optimize(10);
    CHECK(split.embedding().allFinite());
}

TEST_CASE("run: reorder settings are checked, auto renumbers from 500,000 points on") {
    tsne::Options o;
    CHECK(o.reorder == -1);
    CHECK(o.reorder_for(499999) == 0);
    CHECK(o.reorder_for(500000) == 150);
    o.reorder = 0;
    CHECK(o.reorder_for(1000000) == 0);
    o.reorder = -2;
    CHECK_THROWS_WITH_AS(o.validate(), doctest::Contains("reorder must be -1 (auto), 0 (never) or a period > 0, got -2"),
                         tsne::invalid_argument);
    const auto X = testing::clusters<float>(120, 5, 2, 3);
    auto run = tsne::embed<2>(X).threads(1).prepare();
    CHECK(run.reorder() == 0);  // auto, below 500,000 points
    CHECK_THROWS_WITH_AS(run.set_reorder(-1), doctest::Contains("reorder must be >= 0, got -1"), tsne::invalid_argument);
    CHECK_THROWS_WITH_AS(tsne::embed<4>(X).threads(1).reorder(5).prepare(), doctest::Contains("reorder = 5 needs Dims <= 3"),
                         tsne::invalid_argument);
    CHECK(tsne::embed<4>(X).threads(1).prepare().reorder() == 0);  // auto stays off where it cannot work
    CHECK_THROWS_WITH_AS(tsne::embed<2>(X).threads(1).optimizer(NoPermute{}).reorder(3).prepare(),
                         doctest::Contains("an optimizer without permute"), tsne::invalid_argument);
    auto np = tsne::embed<2>(X).threads(1).optimizer(NoPermute{}).prepare();
    CHECK(np.reorder() == 0);
    np.optimize(5);
    CHECK(np.embedding().allFinite());
}

}  // namespace t_run
