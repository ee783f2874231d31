#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_diagnostics {

namespace {

// Brute-force oracles, straight from the definitions at the top of tsne/diagnostics.hpp.

/// Squared Euclidean distances from row i to every row, in double.
template <class M>
std::vector<double> dist2_row(const M& X, Eigen::Index i) {
    std::vector<double> d(static_cast<std::size_t>(X.rows()));
    for (Eigen::Index j = 0; j < X.rows(); ++j)
        d[static_cast<std::size_t>(j)] = (X.row(i) - X.row(j)).template cast<double>().squaredNorm();
    return d;
}

/// Every other point ordered by (distance, index): position p holds the rank-(p+1) neighbour.
template <class M>
std::vector<std::size_t> order_from(const M& X, Eigen::Index i) {
    const auto d = dist2_row(X, i);
    std::vector<std::size_t> o;
    for (std::size_t j = 0; j < d.size(); ++j)
        if (j != static_cast<std::size_t>(i)) o.push_back(j);
    std::sort(o.begin(), o.end(), [&](std::size_t a, std::size_t b) { return d[a] != d[b] ? d[a] < d[b] : a < b; });
    return o;
}

template <class MX, class MY>
double trustworthiness_oracle(const MX& X, const MY& Y, std::size_t k, const std::vector<std::size_t>& points) {
    const double n = static_cast<double>(X.rows()), kk = static_cast<double>(k);
    double sum = 0;
    for (std::size_t i : points) {
        const auto ox = order_from(X, static_cast<Eigen::Index>(i));
        const auto oy = order_from(Y, static_cast<Eigen::Index>(i));
        for (std::size_t a = 0; a < k; ++a) {
            const std::size_t j = oy[a];
            const auto r = static_cast<std::size_t>(std::find(ox.begin(), ox.end(), j) - ox.begin()) + 1;
            if (r > k) sum += static_cast<double>(r - k);
        }
    }
    const double scale = n / static_cast<double>(points.size());
    return 1.0 - 2.0 / (n * kk * (2 * n - 3 * kk - 1)) * sum * scale;
}

template <class T>
tsne::RowMatrix<T> random_matrix(Eigen::Index n, Eigen::Index d, std::uint64_t seed, double scale = 1.0) {
    tsne::detail::Rng rng(seed);
    tsne::RowMatrix<T> M(n, d);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < d; ++j) M(i, j) = static_cast<T>(scale * rng.normal());
    return M;
}

}  // namespace

TEST_CASE_TEMPLATE("diagnostics: preservation and distortion match brute-force oracles", T, float, double) {
    const auto X = testing::clusters<T>(150, 7, 4, 3, 4.0);
    const auto Y = random_matrix<T>(150, 2, 8, 5.0);
    const std::size_t k = 6;
    tsne::Executor ex(2);
    const auto g = tsne::neighborhood_graphs(X, Y, k, ex, tsne::BruteForce{});
    const auto pres = tsne::knn_preservation(g);
    const auto dist = tsne::neighborhood_distortion(X, g, ex);
    REQUIRE(pres.size() == 150);
    REQUIRE(dist.size() == 150);
    for (Eigen::Index i = 0; i < X.rows(); ++i) {
        const auto ox = order_from(X, i), oy = order_from(Y, i);
        std::size_t common = 0;
        double num = 0, den = 0;
        for (std::size_t a = 0; a < k; ++a) {
            common += std::count(ox.begin(), ox.begin() + static_cast<std::ptrdiff_t>(k), oy[a]);
            num += std::sqrt(dist2_row(X, i)[oy[a]]);
            den += std::sqrt(dist2_row(X, i)[ox[a]]);
        }
        CHECK(pres[static_cast<std::size_t>(i)] == doctest::Approx(static_cast<double>(common) / k));
        CHECK(dist[static_cast<std::size_t>(i)] == doctest::Approx(num / den).epsilon(1e-5));
        CHECK(dist[static_cast<std::size_t>(i)] >= 1.0 - 1e-6);
    }
}

TEST_CASE_TEMPLATE("diagnostics: a perfect embedding scores 1 everywhere", T, float, double) {
    const auto X = random_matrix<T>(120, 2, 21);  // 2-D data embedded as itself
    const tsne::RowMatrix<T> Xcopy = X;
    const auto g = tsne::neighborhood_graphs(X, X, 8, 2u);
    for (double p : tsne::knn_preservation(g)) CHECK(p == 1.0);
    for (double d : tsne::neighborhood_distortion(X, g, 1u)) CHECK(d == doctest::Approx(1.0));
    CHECK(tsne::trustworthiness(X, X, 8, 2u) == doctest::Approx(1.0));
    CHECK(X == Xcopy);  // inputs are never modified
}

TEST_CASE_TEMPLATE("diagnostics: trustworthiness equals the O(N^2) oracle", T, float, double) {
    const auto X = testing::clusters<T>(90, 5, 3, 17, 3.0);
    const auto Y = random_matrix<T>(90, 2, 4, 2.0);
    std::vector<std::size_t> all(90);
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    for (std::size_t k : {1, 5, 12, 44}) {
        CAPTURE(k);
        const double t = tsne::trustworthiness(X, Y, k, 3u);
        CHECK(t == doctest::Approx(trustworthiness_oracle(X, Y, k, all)).epsilon(1e-12));
        CHECK(t >= 0.0);
        CHECK(t <= 1.0);
    }
    // A random embedding is untrustworthy, a mildly perturbed copy of low-D data is trustworthy.
    CHECK(tsne::trustworthiness(X, Y, 5, 1u) < 0.8);
    const auto Z = random_matrix<T>(90, 2, 5);
    const tsne::RowMatrix<T> Znoisy = Z + T(0.01) * random_matrix<T>(90, 2, 6);
    CHECK(tsne::trustworthiness(Z, Znoisy, 5, 1u) > 0.98);
    // Subsampled: the oracle over the same evenly spaced points, rescaled.
    std::vector<std::size_t> some;
    for (std::size_t s = 0; s < 20; ++s) some.push_back(s * 90 / 20);
    CHECK(tsne::trustworthiness(X, Y, 5, 2u, 20) == doctest::Approx(trustworthiness_oracle(X, Y, 5, some)).epsilon(1e-12));
}

TEST_CASE("diagnostics: results do not depend on the thread count") {
    const auto X = testing::clusters<float>(700, 12, 5, 9);
    const auto Y = random_matrix<float>(700, 2, 10);
    tsne::Executor one(1), three(3);
    const auto g1 = tsne::neighborhood_graphs(X, Y, 10, one), g3 = tsne::neighborhood_graphs(X, Y, 10, three);
    CHECK(g1.x.index == g3.x.index);
    CHECK(g1.y.index == g3.y.index);
    CHECK(tsne::neighborhood_distortion(X, g1, one) == tsne::neighborhood_distortion(X, g3, three));
    const double t1 = tsne::trustworthiness(X, Y, 10, one, 100), t3 = tsne::trustworthiness(X, Y, 10, three, 100);
    CHECK(t1 == t3);
}

TEST_CASE("diagnostics: distortion of duplicated points") {
    tsne::RowMatrix<double> X(4, 1);
    X << 0, 0, 5, 5;  // two pairs of duplicates
    tsne::RowMatrix<double> Y(4, 1);
    Y << 0, 1, 0.1, 1.1;  // each point's embedding neighbour is from the other pair
    const auto g = tsne::neighborhood_graphs(X, Y, 1, 1u);
    const auto d = tsne::neighborhood_distortion(X, g, 1u);
    for (double v : d) CHECK(std::isinf(v));
    const auto g_same = tsne::neighborhood_graphs(X, X, 1, 1u);
    for (double v : tsne::neighborhood_distortion(X, g_same, 1u)) CHECK(v == 1.0);
}

TEST_CASE("diagnostics: 10-NN label accuracy votes like numpy's bincount().argmax()") {
    auto g = tsne::KnnGraph<float>::allocate(5, 2);
    // point: neighbours
    const std::uint32_t nb[5][2] = {{1, 2}, {0, 2}, {3, 4}, {4, 2}, {3, 0}};
    for (std::size_t i = 0; i < 5; ++i)
        for (std::size_t m = 0; m < 2; ++m) g.index[i * 2 + m] = nb[i][m];
    const std::vector<int> labels = {0, 0, 1, 1, 2};
    // 0: {0,1} tie -> 0 ok; 1: {0,1} -> 0 ok; 2: {1,2} -> 1 ok; 3: {2,1} -> 1 ok; 4: {1,0} -> 0 wrong
    CHECK(tsne::knn_label_accuracy(g, labels, 2) == doctest::Approx(0.8));
    // k = 1: 0->1 (0) ok, 1->0 (0) ok, 2->3 (1) ok, 3->4 (2) wrong, 4->3 (1) wrong
    CHECK(tsne::knn_label_accuracy(g, labels, 1) == doctest::Approx(0.6));
    CHECK_THROWS_AS(tsne::knn_label_accuracy(g, std::vector<int>{0, 1}, 2), tsne::invalid_argument);
}

TEST_CASE_TEMPLATE("diagnostics: embedding colours use robust per-axis ranges", T, float, double) {
    const Eigen::Index n = 1001;
    tsne::RowMatrix<T> Y(n, 3);
    for (Eigen::Index i = 0; i < n; ++i) {
        Y(i, 0) = static_cast<T>(i);           // 0 .. 1000: 1st/99th percentiles 10 and 990
        Y(i, 1) = static_cast<T>(-2 * i);      // reversed
        Y(i, 2) = T(7);                        // no spread
    }
    Y(0, 0) = T(-1e6);  // an outlier does not squash the others
    const tsne::RowMatrix<T> before = Y;
    const auto c = tsne::embedding_colors(Y);
    CHECK(Y == before);
    CHECK(c.rows() == n);
    CHECK(c.minCoeff() >= 0.f);
    CHECK(c.maxCoeff() <= 1.f);
    CHECK(c(0, 0) == 0.f);
    CHECK(c(500, 0) == doctest::Approx(0.5).epsilon(1e-5));
    CHECK(c(1000, 0) == 1.f);
    CHECK(c(1000, 1) == 0.f);
    CHECK(c(1, 1) == 1.f);
    for (Eigen::Index i = 0; i < n; ++i) CHECK(c(i, 2) == 0.5f);
    const auto full = tsne::embedding_colors(Y, 0, 100);
    CHECK(full(0, 0) == 0.f);
    CHECK(full(500, 0) > 0.99f);  // the outlier now stretches the range
    CHECK_THROWS_WITH_AS(tsne::embedding_colors(Y.leftCols(2)), doctest::Contains("3-D embedding"),
                         tsne::invalid_argument);
    CHECK_THROWS_WITH_AS(tsne::embedding_colors(Y, 50, 40), doctest::Contains("lower_percentile"),
                         tsne::invalid_argument);
}

TEST_CASE_TEMPLATE("diagnostics: embedding_kl agrees with kl_divergence and a dense oracle", T, float, double) {
    const std::size_t n = 80;
    const auto X = testing::clusters<T>(n, 6, 3, 5);
    tsne::Executor ex(2);
    const auto A = tsne::Perplexity{8}(tsne::BruteForce{}(tsne::MatrixRef<T>(X), 24, ex), ex);
    const auto E = testing::random_embedding<T, 2>(n, 3, 2.0);
    const tsne::RowMatrix<T> Y = E.to_matrix();
    const double kl = tsne::embedding_kl(A.P, Y, ex);
    CHECK(kl == doctest::Approx(tsne::kl_divergence(A.P, E, ex)).epsilon(1e-12));
    double Z = 0, dense = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j)
            if (i != j)
                Z += 1 / (1 + (Y.row(static_cast<Eigen::Index>(i)) - Y.row(static_cast<Eigen::Index>(j))).template cast<double>().squaredNorm());
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t e = A.P.row_ptr[i]; e < A.P.row_ptr[i + 1]; ++e) {
            const double p = static_cast<double>(A.P.val[e]);
            const double d2 = (Y.row(static_cast<Eigen::Index>(i)) - Y.row(A.P.col[e])).template cast<double>().squaredNorm();
            dense += p * std::log(p / (1 / (1 + d2) / Z));
        }
    CHECK(kl == doctest::Approx(dense).epsilon(1e-4));
    CHECK(tsne::embedding_kl<2>(A.P, Y, 1u) == kl);
    CHECK_THROWS_WITH_AS(tsne::embedding_kl(A.P, tsne::RowMatrix<T>(Y.topRows(10)), 1u), doctest::Contains("P:"),
                         tsne::invalid_argument);
}

TEST_CASE("diagnostics: bad input names the parameter") {
    const auto X = random_matrix<double>(30, 4, 1);
    const auto Y = random_matrix<double>(30, 2, 2);
    CHECK_THROWS_WITH_AS(tsne::neighborhood_graphs(X, Y.topRows(29), 5, 1u), doctest::Contains("Y: has 29 rows"),
                         tsne::invalid_argument);
    CHECK_THROWS_WITH_AS(tsne::neighborhood_graphs(X, Y, 0, 1u), doctest::Contains("k must be"), tsne::invalid_argument);
    CHECK_THROWS_WITH_AS(tsne::neighborhood_graphs(X, Y, 30, 1u), doctest::Contains("k must be"), tsne::invalid_argument);
    CHECK_THROWS_WITH_AS(tsne::trustworthiness(X, Y, 15, 1u), doctest::Contains("below N / 2"), tsne::invalid_argument);
    auto Ynan = Y;
    Ynan(3, 1) = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_WITH_AS(tsne::trustworthiness(X, Ynan, 5, 1u), doctest::Contains("Y: non-finite"), tsne::invalid_argument);
    const auto g = tsne::neighborhood_graphs(X, Y, 5, 1u);
    CHECK_THROWS_WITH_AS(tsne::knn_preservation(g.x, g.y, 6), doctest::Contains("fewer than"), tsne::invalid_argument);
    CHECK_THROWS_WITH_AS(tsne::neighborhood_distortion(X.topRows(20), g, 1u), doctest::Contains("X neighbours"),
                         tsne::invalid_argument);
}


TEST_CASE_TEMPLATE("diagnostics: trustworthiness and distortion do not depend on the data's scale (1e-300 .. 1e300)",
                   T, float, double) {
    const auto X = testing::clusters<T>(90, 5, 3, 17, 3.0);
    const auto Y = random_matrix<T>(90, 2, 4, 2.0);
    tsne::Executor ex(2);
    const double t = tsne::trustworthiness(X, Y, 5, ex);
    const auto g = tsne::neighborhood_graphs(X, Y, 5, ex, tsne::BruteForce{});
    const auto dist = tsne::neighborhood_distortion(X, g, ex);
    const std::vector<double> scales = std::is_same_v<T, double> ? std::vector<double>{0x1p-900, 1e-300, 1e160, 1e300}
                                                                 : std::vector<double>{0x1p-100, 1e-35, 1e30, 1e35};
    for (double c : scales) {
        INFO("scale ", c);
        tsne::RowMatrix<T> Xs = (X.template cast<double>() * c).template cast<T>();
        REQUIRE(Xs.allFinite());
        CHECK(tsne::trustworthiness(Xs, Y, 5, ex) == doctest::Approx(t).epsilon(1e-12));  // 0.5 when it overflowed
        const auto gs = tsne::neighborhood_graphs(Xs, Y, 5, ex, tsne::BruteForce{});
        CHECK(gs.x.index == g.x.index);
        const auto ds = tsne::neighborhood_distortion(Xs, gs, ex);
        for (std::size_t i = 0; i < ds.size(); ++i) CHECK(ds[i] == doctest::Approx(dist[i]).epsilon(1e-6));
    }
}

}  // namespace t_diagnostics
