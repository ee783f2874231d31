#include <doctest/doctest.h>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_metric {

namespace {
// A metric with no Euclidean form, for the generic path: Manhattan distance.
struct Manhattan {
    template <class T>
    T distance(const T* a, const T* b, std::size_t d) const {
        T s = 0;
        for (std::size_t i = 0; i < d; ++i) s += std::abs(a[i] - b[i]);
        return s;
    }
};
}  // namespace

TEST_CASE_TEMPLATE("cosine kNN equals a brute-force cosine oracle (GEMM and IVF paths)", T, float, double) {
    auto X = testing::clusters<T>(400, 12, 5, 13);
    X.col(0).array() += T(30);  // away from the origin, so directions differ from positions
    tsne::Executor ex(2);
    const std::size_t k = 15, n = 400;
    const auto g = tsne::BruteForce{}(tsne::MatrixRef<T>(X), k, tsne::Cosine{}, ex);
    for (std::size_t i = 0; i < n; ++i) {
        std::vector<std::pair<double, std::uint32_t>> all;
        for (std::size_t j = 0; j < n; ++j) {
            if (j == i) continue;
            const auto a = X.row(Eigen::Index(i)).template cast<double>(), b = X.row(Eigen::Index(j)).template cast<double>();
            all.push_back({1.0 - a.dot(b) / (a.norm() * b.norm()), static_cast<std::uint32_t>(j)});
        }
        std::sort(all.begin(), all.end());
        for (std::size_t m = 0; m < k; ++m) {
            CHECK(g.neighbors(i)[m] == all[m].second);
            CHECK(double(g.distances(i)[m]) == doctest::Approx(all[m].first).epsilon(1e-4).scale(1e-3));
        }
    }
    tsne::IVF ivf;
    ivf.clusters = 8;
    ivf.probes = 8;  // every cluster: exact
    const auto h = ivf(tsne::MatrixRef<T>(X), k, tsne::Cosine{}, ex);
    CHECK(h.index == g.index);
    tsne::RowMatrix<T> zero = X;
    zero.row(7).setZero();
    CHECK_THROWS_WITH_AS(tsne::BruteForce{}(tsne::MatrixRef<T>(zero), k, tsne::Cosine{}, ex),
                         doctest::Contains("row 7 is all zeros"), tsne::invalid_argument);
}

TEST_CASE("a user metric without a Euclidean form uses the generic path, the fluent API takes metrics") {
    const auto X = testing::clusters<float>(120, 4, 3, 3);
    tsne::Executor ex(2);
    const auto g = tsne::BruteForce{}(tsne::MatrixRef<float>(X), 10, Manhattan{}, ex);
    for (std::size_t i = 0; i < 120; ++i) {
        std::vector<std::pair<float, std::uint32_t>> all;
        for (std::size_t j = 0; j < 120; ++j)
            if (j != i) all.push_back({Manhattan{}.distance(X.data() + i * 4, X.data() + j * 4, 4), std::uint32_t(j)});
        std::sort(all.begin(), all.end());
        for (std::size_t m = 0; m < 10; ++m) CHECK(g.neighbors(i)[m] == all[m].second);
    }
    const auto Y = tsne::embed<2>(X).perplexity(10).metric(Manhattan{}).iterations(100).early_exaggeration_iterations(50).fit();
    CHECK(Y.allFinite());
    const auto Yc = tsne::embed<2>(X).perplexity(10).metric(tsne::Cosine{}).iterations(100).early_exaggeration_iterations(50).fit();
    CHECK(Yc.allFinite());
    CHECK(!(Yc == Y));
}

}  // namespace t_metric
