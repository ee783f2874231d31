// Transform (out-of-sample): the reference-neighbour search against an obvious loop, the
// gradient against finite differences of the per-point KL, Barnes-Hut against exact sums, thread
// and batch independence, held-back digits landing next to their class, and bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <tsne/transform.hpp>
#include <tsne/tsne.hpp>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_transform {

namespace {

using Catch = tsne::invalid_argument;

template <class T>
tsne::RowMatrix<T> gaussian(std::size_t n, std::size_t d, std::uint64_t seed, double scale = 1.0) {
    tsne::detail::Rng rng(seed);
    tsne::RowMatrix<T> X(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d));
    for (Eigen::Index i = 0; i < X.rows(); ++i)
        for (Eigen::Index j = 0; j < X.cols(); ++j) X(i, j) = static_cast<T>(scale * rng.normal());
    return X;
}

/// A reference set, its "embedding" (the first Dims coordinates, scaled) and new points near it.
template <class T, int Dims>
struct Setup {
    tsne::RowMatrix<T> Xref = testing::clusters<T>(300, 6, 4, 11);
    tsne::RowMatrix<T> Yref = (Xref.leftCols(Dims) * T(0.7)).eval();
    tsne::RowMatrix<T> Xnew = (testing::clusters<T>(40, 6, 4, 11) + gaussian<T>(40, 6, 5, 0.3)).eval();
};

template <class T, int Dims>
tsne::Embedding<T, Dims> as_embedding(const tsne::RowMatrix<T>& M) {
    tsne::Embedding<T, Dims> Y(static_cast<std::size_t>(M.rows()));
    Y.assign(tsne::MatrixRef<T>(M));
    return Y;
}

/// Euclidean distance without a Euclidean form: the pairwise path of the searches.
struct PairwiseL2 {
    template <class U>
    U distance(const U* a, const U* b, std::size_t d) const {
        double s = 0;
        for (std::size_t j = 0; j < d; ++j) s += (static_cast<double>(a[j]) - b[j]) * (static_cast<double>(a[j]) - b[j]);
        return static_cast<U>(std::sqrt(s));
    }
};

}  // namespace

TEST_CASE_TEMPLATE("knn_query: the k nearest reference points of each new point, as an obvious loop finds them", T,
                   float, double) {
    const auto R = gaussian<T>(500, 7, 1), Q = gaussian<T>(60, 7, 2);
    tsne::Executor ex(2);
    const std::size_t k = 12;
    const auto g = tsne::knn_query(tsne::MatrixRef<T>(R), tsne::MatrixRef<T>(Q), k, tsne::Euclidean{}, ex, 16, 64);
    REQUIRE(g.n == 60);
    REQUIRE(g.k == k);
    for (Eigen::Index i = 0; i < Q.rows(); ++i) {
        std::vector<std::pair<double, std::uint32_t>> all;
        for (Eigen::Index j = 0; j < R.rows(); ++j)
            all.push_back({(Q.row(i) - R.row(j)).template cast<double>().norm(), static_cast<std::uint32_t>(j)});
        std::sort(all.begin(), all.end());
        for (std::size_t m = 0; m < k; ++m) {
            CHECK(g.neighbors(static_cast<std::size_t>(i))[m] == all[m].second);
            CHECK(static_cast<double>(g.distances(static_cast<std::size_t>(i))[m]) ==
                  doctest::Approx(all[m].first).epsilon(1e-4));
        }
    }
    // A metric without a Euclidean form takes the pairwise path and agrees.
    const auto h = tsne::knn_query(tsne::MatrixRef<T>(R), tsne::MatrixRef<T>(Q), k, PairwiseL2{}, ex);
    CHECK(h.index == g.index);
    // k = N, no queries, mismatched columns, k too large.
    CHECK(tsne::knn_query(tsne::MatrixRef<T>(R), tsne::MatrixRef<T>(Q), 500, tsne::Euclidean{}, ex).k == 500);
    CHECK(tsne::knn_query(tsne::MatrixRef<T>(R), tsne::MatrixRef<T>(Q.topRows(0)), k, tsne::Euclidean{}, ex).n == 0);
    const auto Q5 = gaussian<T>(3, 5, 3);
    CHECK_THROWS_WITH_AS(tsne::knn_query(tsne::MatrixRef<T>(R), tsne::MatrixRef<T>(Q5), k, tsne::Euclidean{}, ex),
                         doctest::Contains("5 columns"), Catch);
    CHECK_THROWS_WITH_AS(tsne::knn_query(tsne::MatrixRef<T>(R), tsne::MatrixRef<T>(Q), 501, tsne::Euclidean{}, ex),
                         doctest::Contains("501"), Catch);
}

TEST_CASE_TEMPLATE("transform: affinities are one row per new point, summing to 1, at the perplexity", T, float,
                   double) {
    Setup<T, 2> s;
    tsne::TransformOptions o;
    o.threads = 2;
    auto run = tsne::prepare_transform<2, T>(s.Xnew, s.Xref, s.Yref, o);
    REQUIRE(run.k() == 15);
    for (std::size_t i = 0; i < run.size(); ++i) {
        double sum = 0, h = 0;
        for (std::size_t j = 0; j < run.k(); ++j) {
            const double p = static_cast<double>(run.affinities(i)[j]);
            sum += p;
            if (p > 0) h -= p * std::log(p);
            CHECK(run.neighbors(i)[j] < 300u);
        }
        CHECK(sum == doctest::Approx(1.0).epsilon(1e-5));
        CHECK(std::exp(h) == doctest::Approx(5.0).epsilon(1e-3));
    }
}

TEST_CASE("transform: the start is the weighted mean of the neighbours, or the median of the nearest init_neighbors") {
    Setup<double, 2> s;
    tsne::TransformOptions o;
    o.init_neighbors = 6;
    auto w = tsne::prepare_transform<2, double>(s.Xnew, s.Xref, s.Yref, o);
    o.init = tsne::TransformInit::median;
    auto m = tsne::prepare_transform<2, double>(s.Xnew, s.Xref, s.Yref, o);
    tsne::Executor ex(1);
    const auto g = tsne::knn_query(tsne::MatrixRef<double>(s.Xref), tsne::MatrixRef<double>(s.Xnew), 6,
                                   tsne::Euclidean{}, ex);
    for (std::size_t i = 0; i < w.size(); ++i)
        for (int d = 0; d < 2; ++d) {
            double mean = 0;
            for (std::size_t j = 0; j < w.k(); ++j) mean += w.affinities(i)[j] * s.Yref(w.neighbors(i)[j], d);
            CHECK(w.coordinates()(i, d) == doctest::Approx(mean).epsilon(1e-12));
            std::vector<double> v;
            for (std::size_t j = 0; j < 6; ++j) v.push_back(s.Yref(g.neighbors(i)[j], d));
            std::sort(v.begin(), v.end());
            CHECK(m.coordinates()(i, d) == doctest::Approx(0.5 * (v[2] + v[3])).epsilon(1e-12));
        }
    // A user start is taken as given.
    const tsne::RowMatrix<double> Y0 = tsne::RowMatrix<double>::Constant(40, 2, 1.5);
    CHECK(tsne::transform<2>(s.Xnew, s.Xref, s.Yref).init(Y0).prepare().embedding() == Y0);
    CHECK_THROWS_WITH_AS(tsne::transform<2>(s.Xnew, s.Xref, s.Yref).init(Y0.topRows(3)).prepare(),
                         doctest::Contains("initial embedding"), Catch);
}

namespace {
/// The analytic gradient (exact sums) against central differences of the mean per-point KL:
/// d(mean KL)/dy_i = 2 g_i / M.
template <int Dims>
void check_gradient(double dof) {
    Setup<double, Dims> s;
    tsne::TransformOptions o;
    o.theta = 0;
    o.dof = dof;
    o.threads = 2;
    auto run = tsne::prepare_transform<Dims, double>(s.Xnew, s.Xref, s.Yref, o);
    auto Y = run.coordinates();
    // Move the points off their medians so the gradient is not small.
    tsne::detail::Rng rng(3);
    for (std::size_t i = 0; i < Y.size(); ++i)
        for (int d = 0; d < Dims; ++d) Y(i, d) += rng.normal();
    tsne::Embedding<double, Dims> G(Y.size()), scratch(Y.size());
    run.gradient(Y, G, 1.0);
    const double m = static_cast<double>(Y.size()), h = 1e-5;
    double worst = 0;
    for (std::size_t i = 0; i < Y.size(); i += 7)
        for (int d = 0; d < Dims; ++d) {
            auto Yp = Y, Ym = Y;
            Yp(i, d) += h;
            Ym(i, d) -= h;
            const double fd = (run.gradient(Yp, scratch, 1.0) - run.gradient(Ym, scratch, 1.0)) / (2 * h);
            const double an = 2 * G(i, d) / m;
            worst = std::max(worst, std::abs(fd - an) / (std::abs(an) + 1e-6 / m));
        }
    INFO("dof ", dof, ", Dims ", Dims);
    CHECK(worst < 1e-4);
}
}  // namespace

TEST_CASE("transform: the gradient equals finite differences of the mean per-point KL, several dof, 1- to 4-D") {
    for (double dof : {1.0, 0.5, 2.0}) {
        check_gradient<1>(dof);
        check_gradient<2>(dof);
        check_gradient<3>(dof);
        check_gradient<4>(dof);
    }
}

TEST_CASE("transform: exaggeration multiplies the attraction only") {
    Setup<double, 2> s;
    tsne::TransformOptions o;
    o.theta = 0;
    auto run = tsne::prepare_transform<2, double>(s.Xnew, s.Xref, s.Yref, o);
    const auto& Y = run.coordinates();
    tsne::Embedding<double, 2> G1(Y.size()), G3(Y.size());
    run.gradient(Y, G1, 1.0);
    run.gradient(Y, G3, 3.0);
    // G(3) - G(1) = 2 A, with A_i = sum_j p_j|i (y_i - y_j) / (1 + d^2) computed here.
    for (std::size_t i = 0; i < Y.size(); ++i) {
        double A[2] = {0, 0};
        for (std::size_t j = 0; j < run.k(); ++j) {
            const auto r = static_cast<Eigen::Index>(run.neighbors(i)[j]);
            const double dx = Y(i, 0) - s.Yref(r, 0), dy = Y(i, 1) - s.Yref(r, 1);
            const double w = run.affinities(i)[j] / (1 + dx * dx + dy * dy);
            A[0] += w * dx;
            A[1] += w * dy;
        }
        for (int d = 0; d < 2; ++d) {
            CHECK(A[d] != 0.0);
            CHECK(G3(i, d) - G1(i, d) == doctest::Approx(2 * A[d]).epsilon(1e-9));
        }
    }
}

TEST_CASE_TEMPLATE("transform: Barnes-Hut over the reference agrees with exact sums", T, float, double) {
    auto check = [](auto dims_tag) {
        constexpr int Dims = decltype(dims_tag)::value;
        Setup<T, Dims> s;
        tsne::TransformOptions o;
        auto exact_o = o;
        exact_o.theta = 0;
        auto bh = tsne::prepare_transform<Dims, T>(s.Xnew, s.Xref, s.Yref, o);
        auto ex = tsne::prepare_transform<Dims, T>(s.Xnew, s.Xref, s.Yref, exact_o);
        const auto Y = bh.coordinates();
        tsne::Embedding<T, Dims> Gb(Y.size()), Ge(Y.size());
        const double kb = bh.gradient(Y, Gb, 1.0), ke = ex.gradient(Y, Ge, 1.0);
        double num = 0, den = 0;
        for (std::size_t i = 0; i < Y.size(); ++i)
            for (int d = 0; d < Dims; ++d) {
                num += std::pow(static_cast<double>(Gb(i, d) - Ge(i, d)), 2);
                den += std::pow(static_cast<double>(Ge(i, d)), 2);
            }
        INFO("Dims ", Dims);
        CHECK(num > 0);  // Barnes-Hut summarised some cells (it is not the exact sum)
        CHECK(std::sqrt(num / den) < 0.05);
        CHECK(kb == doctest::Approx(ke).epsilon(0.02));
    };
    check(std::integral_constant<int, 1>{});
    check(std::integral_constant<int, 2>{});
    check(std::integral_constant<int, 3>{});
}

TEST_CASE("transform: 1, 2 and 3 threads, and one point at a time, give the same bits") {
    // 600 new points: several blocks in every parallel loop (search 128, affinities 256, gradient 64).
    Setup<float, 2> s;
    const tsne::RowMatrix<float> Xnew = (testing::clusters<float>(600, 6, 4, 11) + gaussian<float>(600, 6, 5, 0.3)).eval();
    tsne::TransformOptions o;
    o.iterations = 40;
    o.threads = 1;
    auto one = tsne::prepare_transform<2, float>(Xnew, s.Xref, s.Yref, o);
    one.optimize(o.iterations);
    const auto Y1 = one.embedding();
    const double kl1 = one.kl();
    for (unsigned t : {2u, 3u}) {
        o.threads = t;
        auto many = tsne::prepare_transform<2, float>(Xnew, s.Xref, s.Yref, o);
        many.optimize(o.iterations);
        CHECK(many.embedding() == Y1);
        CHECK(many.kl() == kl1);  // the KL's block sums too
    }
    // New points do not interact: each one alone lands where it lands in the batch.
    o.threads = 2;
    for (Eigen::Index i = 0; i < Xnew.rows(); i += 97) {
        const tsne::RowMatrix<float> single = Xnew.row(i);
        CHECK(tsne::transform_points<2, float>(single, s.Xref, s.Yref, o) == Y1.row(i));
    }
    // The fluent API is the plain one; a temporary reference embedding is moved into the builder.
    CHECK(tsne::transform<2>(Xnew, s.Xref, s.Yref).iterations(40).threads(2).fit() == Y1);
    auto builder = tsne::transform<2>(Xnew, s.Xref, tsne::RowMatrix<float>(s.Yref)).iterations(40);
    CHECK(builder.fit() == Y1);
}

TEST_CASE("transform: the optimisation lowers the per-point KL and never moves the reference") {
    Setup<double, 2> s;
    const auto Xref0 = s.Xref, Yref0 = s.Yref, Xnew0 = s.Xnew;
    tsne::TransformOptions o;
    o.init = tsne::TransformInit::median;
    auto run = tsne::prepare_transform<2, double>(s.Xnew, s.Xref, s.Yref, o);
    const double before = run.kl();
    int calls = 0;
    run.optimize(250, [&](const tsne::Status<double, 2>& st) {
        ++calls;
        CHECK(st.Y->size() == 40u);
    });
    CHECK(calls == 250);
    CHECK(run.iteration() == 250);
    CHECK(run.kl() < before);
    CHECK(run.embedding().allFinite());
    CHECK(s.Xref == Xref0);
    CHECK(s.Yref == Yref0);
    CHECK(s.Xnew == Xnew0);
    // A callback asking to stop ends the run after that iteration.
    auto again = tsne::prepare_transform<2, double>(s.Xnew, s.Xref, s.Yref, o);
    again.optimize(100, [](const tsne::Status<double, 2>& st) { return st.iteration == 5; });
    CHECK(again.iteration() == 5);
    CHECK(again.stopped());
}

TEST_CASE("transform: held-back digits land next to their class") {
    const auto X = testing::digits();
    const auto labels = testing::digit_labels();
    std::vector<Eigen::Index> ref, held;
    for (Eigen::Index i = 0; i < X.rows(); ++i) (i % 10 == 3 ? held : ref).push_back(i);
    tsne::RowMatrix<float> Xref(static_cast<Eigen::Index>(ref.size()), X.cols()),
        Xnew(static_cast<Eigen::Index>(held.size()), X.cols());
    for (std::size_t i = 0; i < ref.size(); ++i) Xref.row(static_cast<Eigen::Index>(i)) = X.row(ref[i]);
    for (std::size_t i = 0; i < held.size(); ++i) Xnew.row(static_cast<Eigen::Index>(i)) = X.row(held[i]);
    const auto Yref = tsne::embed<2>(Xref).threads(2).seed(3).fit();
    const auto Ynew = tsne::transform<2>(Xnew, Xref, Yref).threads(2).fit();
    REQUIRE(Ynew.allFinite());
    // 10-NN vote among the reference points' labels.
    int correct = 0;
    for (Eigen::Index i = 0; i < Ynew.rows(); ++i) {
        std::vector<std::pair<float, Eigen::Index>> d;
        for (Eigen::Index j = 0; j < Yref.rows(); ++j) d.push_back({(Ynew.row(i) - Yref.row(j)).squaredNorm(), j});
        std::partial_sort(d.begin(), d.begin() + 10, d.end());
        std::vector<int> votes(10, 0);
        for (int m = 0; m < 10; ++m) ++votes[static_cast<std::size_t>(labels[static_cast<std::size_t>(ref[static_cast<std::size_t>(d[static_cast<std::size_t>(m)].second)])])];
        const int best = static_cast<int>(std::max_element(votes.begin(), votes.end()) - votes.begin());
        correct += best == labels[static_cast<std::size_t>(held[static_cast<std::size_t>(i)])];
    }
    const double acc = static_cast<double>(correct) / static_cast<double>(Ynew.rows());
    MESSAGE("held-back digits: 10-NN accuracy ", acc);
    CHECK(acc > 0.95);
}

TEST_CASE("transform: bad input gives a named tsne:: error, edge cases a finite result") {
    Setup<float, 2> s;
    using M = tsne::RowMatrix<float>;
    auto run = [&](const M& Xn, const M& Xr, const M& Yr, tsne::TransformOptions o = {}) {
        return tsne::transform_points<2, float>(Xn, Xr, Yr, o);
    };
    CHECK_THROWS_WITH_AS(run(s.Xnew.leftCols(5), s.Xref, s.Yref), doctest::Contains("columns"), Catch);
    CHECK_THROWS_WITH_AS(run(s.Xnew, s.Xref, s.Yref.topRows(10)), doctest::Contains("rows"), Catch);
    const M Y3 = M::Zero(300, 3);
    CHECK_THROWS_WITH_AS(run(s.Xnew, s.Xref, Y3), doctest::Contains("reference embedding"), Catch);
    M bad = s.Xnew;
    bad(3, 2) = std::nanf("");
    CHECK_THROWS_WITH_AS(run(bad, s.Xref, s.Yref), doctest::Contains("new points: non-finite value"), Catch);
    M badY = s.Yref;
    badY(7, 1) = INFINITY;
    CHECK_THROWS_WITH_AS(run(s.Xnew, s.Xref, badY), doctest::Contains("reference embedding"), Catch);
    tsne::TransformOptions o;
    o.perplexity = 20;
    CHECK_THROWS_WITH_AS(run(s.Xnew, s.Xref, s.Yref, o), doctest::Contains("perplexity 20"), Catch);
    o = {};
    o.learning_rate = -1;
    CHECK_THROWS_WITH_AS(run(s.Xnew, s.Xref, s.Yref, o), doctest::Contains("learning_rate"), Catch);
    o = {};
    o.momentum = 1;
    CHECK_THROWS_WITH_AS(run(s.Xnew, s.Xref, s.Yref, o), doctest::Contains("momentum"), Catch);
    // A hand-made neighbour graph with short arrays, and gradients of the wrong size.
    tsne::KnnGraph<float> g = tsne::KnnGraph<float>::allocate(10, 15);
    g.distance.resize(20);
    CHECK_THROWS_WITH_AS((tsne::TransformRun<float, 2>(g, s.Yref, tsne::TransformOptions{})),
                         doctest::Contains("20 distances"), Catch);
    auto small = tsne::prepare_transform<2, float>(s.Xnew, s.Xref, s.Yref);
    tsne::Embedding<float, 2> Y5(5), G40(40);
    CHECK_THROWS_WITH_AS(small.gradient(Y5, G40, 1.0), doctest::Contains("positions of 5"), Catch);
    // Too few reference points for the perplexity.
    o = {};
    CHECK_THROWS_WITH_AS(run(s.Xnew, s.Xref.topRows(4), s.Yref.topRows(4), o), doctest::Contains("N_reference = 4"),
                         Catch);
    o.perplexity = 3;
    CHECK(run(s.Xnew, s.Xref.topRows(4), s.Yref.topRows(4), o).allFinite());
    // No new points, one new point, a new point equal to a reference point, duplicates.
    CHECK(run(s.Xnew.topRows(0), s.Xref, s.Yref).rows() == 0);
    CHECK(run(s.Xnew.topRows(1), s.Xref, s.Yref).allFinite());
    M dup(3, 6);
    dup.row(0) = s.Xref.row(5);
    dup.row(1) = s.Xref.row(5);
    dup.row(2) = s.Xref.row(5);
    CHECK(run(dup, s.Xref, s.Yref).allFinite());
    // All reference points at one place, huge and tiny magnitudes.
    CHECK(run(s.Xnew, s.Xref, M::Zero(300, 2)).allFinite());
    CHECK(run(s.Xnew, s.Xref, (s.Yref * 1e18f).eval()).allFinite());
    CHECK(run((s.Xnew * 1e-30f).eval(), (s.Xref * 1e-30f).eval(), (s.Yref * 1e-30f).eval()).allFinite());
    CHECK(run((s.Xnew * 1e30f).eval(), (s.Xref * 1e30f).eval(), s.Yref).allFinite());
}

}  // namespace t_transform
