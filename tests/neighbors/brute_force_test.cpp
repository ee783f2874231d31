#include <doctest/doctest.h>

#include <algorithm>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_brute_force {

namespace {
// The obvious oracle: all distances in long double, full sort, ties by index.
template <class T>
std::vector<std::vector<std::pair<long double, std::uint32_t>>> naive_knn(const tsne::RowMatrix<T>& X, std::size_t k) {
    const auto n = static_cast<std::size_t>(X.rows());
    std::vector<std::vector<std::pair<long double, std::uint32_t>>> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        std::vector<std::pair<long double, std::uint32_t>> all;
        for (std::size_t j = 0; j < n; ++j) {
            if (j == i) continue;
            long double s = 0;
            for (Eigen::Index c = 0; c < X.cols(); ++c) {
                const long double diff = static_cast<long double>(X(static_cast<Eigen::Index>(i), c)) -
                                         static_cast<long double>(X(static_cast<Eigen::Index>(j), c));
                s += diff * diff;
            }
            all.push_back({s, static_cast<std::uint32_t>(j)});
        }
        std::sort(all.begin(), all.end());
        all.resize(k);
        out[i] = all;
    }
    return out;
}
}  // namespace

TEST_CASE_TEMPLATE("brute force kNN equals the naive oracle (indices and distances)", T, float, double) {
    const auto X = testing::clusters<T>(300, 17, 4, 11);
    tsne::Executor ex(2);
    const std::size_t k = 20;
    tsne::BruteForce bf;
    bf.query_block = 37;  // odd blocks exercise the edges
    bf.reference_block = 101;
    const auto g = bf(tsne::MatrixRef<T>(X), k, ex);
    const auto ref = naive_knn(X, k);
    REQUIRE(g.n == 300);
    REQUIRE(g.k == k);
    std::size_t same = 0;
    for (std::size_t i = 0; i < g.n; ++i)
        for (std::size_t m = 0; m < k; ++m) {
            same += g.index[i * k + m] == ref[i][m].second;
            CHECK(g.index[i * k + m] != i);
            CHECK(static_cast<double>(g.distance[i * k + m]) ==
                  doctest::Approx(std::sqrt(static_cast<double>(ref[i][m].first))).epsilon(1e-5));
            if (m) CHECK(g.distance[i * k + m] >= g.distance[i * k + m - 1]);
        }
    CHECK(same == g.n * k);  // distinct random data: no ties, every index must match
}

TEST_CASE("brute force kNN: duplicates, 1 vs 4 threads, extreme magnitudes") {
    auto X = testing::clusters<float>(200, 5, 3, 5);
    for (Eigen::Index i = 100; i < 140; ++i) X.row(i) = X.row(0);  // 41 copies of point 0
    tsne::Executor one(1), four(4);
    const auto a = tsne::BruteForce{}(tsne::MatrixRef<float>(X), 30, one);
    const auto b = tsne::BruteForce{}(tsne::MatrixRef<float>(X), 30, four);
    CHECK(a.index == b.index);
    CHECK(a.distance == b.distance);
    for (std::size_t m = 0; m < 30; ++m) CHECK(a.distance[m] == 0.0f);  // point 0's copies come first

    // Power-of-two scaling does not change the neighbours; distances scale exactly.
    for (float s : {0x1p-100f, 0x1p100f}) {
        tsne::RowMatrix<float> Xs = X * s;
        const auto c = tsne::BruteForce{}(tsne::MatrixRef<float>(Xs), 30, one);
        CHECK(c.index == a.index);
        for (std::size_t e = 0; e < a.distance.size(); ++e) {
            CHECK(std::isfinite(c.distance[e]));
            CHECK(c.distance[e] == doctest::Approx(a.distance[e] * s).epsilon(1e-5));
        }
    }
}

TEST_CASE("brute force kNN rejects k outside [1, N-1]") {
    const auto X = testing::clusters<double>(10, 3, 2, 1);
    tsne::Executor ex(1);
    CHECK_THROWS_AS(tsne::BruteForce{}(tsne::MatrixRef<double>(X), 10, ex), tsne::invalid_argument);
    CHECK_THROWS_AS(tsne::BruteForce{}(tsne::MatrixRef<double>(X), 0, ex), tsne::invalid_argument);
}

}  // namespace t_brute_force
