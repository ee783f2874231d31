#include <doctest/doctest.h>

#include <unordered_set>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_ivf {

namespace {
template <class T>
double recall(const tsne::KnnGraph<T>& approx, const tsne::KnnGraph<T>& exact) {
    std::size_t hit = 0;
    for (std::size_t i = 0; i < exact.n; ++i) {
        std::unordered_set<std::uint32_t> s(exact.neighbors(i), exact.neighbors(i) + exact.k);
        for (std::size_t m = 0; m < approx.k; ++m) hit += s.count(approx.neighbors(i)[m]);
    }
    return static_cast<double>(hit) / static_cast<double>(exact.n * exact.k);
}
}  // namespace

TEST_CASE_TEMPLATE("IVF: recall against the brute-force oracle, exact distances, thread independence", T, float, double) {
    const auto X = testing::clusters<T>(3000, 20, 12, 5, 0.4);  // overlapping clusters: a real test
    tsne::Executor one(1), four(4);
    const std::size_t k = 30;
    const auto exact = tsne::BruteForce{}(tsne::MatrixRef<T>(X), k, one);
    tsne::IVF ivf;
    const auto a = ivf(tsne::MatrixRef<T>(X), k, one);
    const auto b = ivf(tsne::MatrixRef<T>(X), k, four);
    CHECK(a.index == b.index);
    CHECK(a.distance == b.distance);
    const double r = recall(a, exact);
    MESSAGE("IVF recall@30 (default probes): " << r);
    // Overlapping 20-D Gaussian blobs are close to IVF's worst case (no low-dimensional structure);
    // on real data recall is higher (Fashion-MNIST PCA-50: see benchmarks/RESULTS.md).
    CHECK(r >= 0.92);
    tsne::IVF refine_more = ivf;
    refine_more.refine = 1;
    const double rr = recall(refine_more(tsne::MatrixRef<T>(X), k, four), exact);
    MESSAGE("IVF recall@30 with one refinement pass: " << rr);
    CHECK(rr > r);
    for (std::size_t i = 0; i < a.n; ++i)
        for (std::size_t m = 0; m < k; ++m) {
            const std::uint32_t j = a.neighbors(i)[m];
            CHECK(j != i);
            double s = 0;
            for (Eigen::Index c = 0; c < X.cols(); ++c)
                s += (double(X(Eigen::Index(i), c)) - X(Eigen::Index(j), c)) * (double(X(Eigen::Index(i), c)) - X(Eigen::Index(j), c));
            CHECK(double(a.distances(i)[m]) == doctest::Approx(std::sqrt(s)).epsilon(1e-5));
            if (m) CHECK(a.distances(i)[m] >= a.distances(i)[m - 1]);
        }
    // More probes and a refinement pass can only help; probing every cluster is exact.
    tsne::IVF all;
    all.clusters = 16;
    all.probes = 16;
    CHECK(recall(all(tsne::MatrixRef<T>(X), k, four), exact) == 1.0);
    tsne::IVF few;
    few.probes = 1;
    tsne::IVF refined = few;
    refined.refine = 2;
    CHECK(recall(refined(tsne::MatrixRef<T>(X), k, four), exact) >= recall(few(tsne::MatrixRef<T>(X), k, four), exact));
}

TEST_CASE("IVF: tiny inputs, duplicates, bad parameters") {
    auto X = testing::clusters<float>(40, 3, 2, 9);
    for (Eigen::Index i = 0; i < 20; ++i) X.row(i) = X.row(0);
    tsne::Executor ex(2);
    const auto g = tsne::IVF{}(tsne::MatrixRef<float>(X), 39, ex);  // k = N - 1: every other point
    for (std::size_t i = 0; i < g.n; ++i) {
        std::vector<std::uint32_t> ids(g.neighbors(i), g.neighbors(i) + 39);
        std::sort(ids.begin(), ids.end());
        CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
        CHECK(std::find(ids.begin(), ids.end(), i) == ids.end());
    }
    tsne::IVF bad;
    bad.probes = 0;
    CHECK_THROWS_AS(bad(tsne::MatrixRef<float>(X), 5, ex), tsne::invalid_argument);
    CHECK_THROWS_AS(tsne::IVF{}(tsne::MatrixRef<float>(X), 40, ex), tsne::invalid_argument);
}

TEST_CASE("AutoNeighbors: exact up to the threshold, IVF above") {
    const auto X = testing::clusters<float>(500, 8, 5, 2);
    tsne::Executor ex(2);
    tsne::AutoNeighbors autos;
    const auto exact = tsne::BruteForce{}(tsne::MatrixRef<float>(X), 20, ex);
    CHECK(autos(tsne::MatrixRef<float>(X), 20, ex).index == exact.index);
    autos.exact_max_points = 100;
    const auto approx = autos(tsne::MatrixRef<float>(X), 20, ex);
    CHECK(approx.index == tsne::IVF{}(tsne::MatrixRef<float>(X), 20, ex).index);
}

}  // namespace t_ivf
