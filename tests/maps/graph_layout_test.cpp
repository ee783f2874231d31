#include <doctest/doctest.h>

#include "helpers.hpp"

namespace t_maps_graph {

namespace {
template <class T>
tsne::KnnGraph<T> knn(const tsne::RowMatrix<T>& X, std::size_t k) {
    tsne::Executor ex(1);
    return tsne::BruteForce{}(tsne::MatrixRef<T>(X), k, ex);
}

/// The graph layout's cost by a plain double loop (the oracle of the finite differences).
template <class T, int Dims>
double cost_oracle(const tsne::maps::SpringGraph<T>& s, const tsne::Embedding<T, Dims>& Y) {
    double c = 0;
    auto dist = [&](std::size_t i, std::size_t j) {
        double d2 = 0;
        for (int d = 0; d < Dims; ++d) d2 += (double(Y(i, d)) - Y(j, d)) * (double(Y(i, d)) - Y(j, d));
        return std::sqrt(d2);
    };
    for (std::size_t i = 0; i < Y.size(); ++i)
        for (std::size_t j = 0; j < Y.size(); ++j)
            if (i != j) c += 1 / dist(i, j);
    for (std::size_t i = 0; i < s.n; ++i)
        for (std::size_t p = s.row_ptr[i]; p < s.row_ptr[i + 1]; ++p)
            if (s.col[p] > i) c += 0.5 * (dist(i, s.col[p]) - s.rest[p]) * (dist(i, s.col[p]) - s.rest[p]);
    return c;
}

template <int Dims>
void check_gradient() {
    const std::size_t n = 60;
    const auto X = testing::clusters<double>(n, 5, 3, 12);
    const auto springs = tsne::maps::spring_graph(knn(X, 3));
    auto Y = testing::random_embedding<double, Dims>(n, 2, 3.0);
    tsne::Executor ex(2);
    tsne::maps::CoulombRepulsion<double, Dims> exact(0.0);
    tsne::Embedding<double, Dims> g(n), scratch(n);
    const double c = tsne::maps::graph_layout_gradient(springs, exact, Y, g, ex);
    CHECK(c == doctest::Approx(cost_oracle(springs, Y)).epsilon(1e-12));
    const double eps = 1e-6;
    for (std::size_t i : {0u, 31u, 59u})
        for (int d = 0; d < Dims; ++d) {
            const double y0 = Y(i, d);
            Y(i, d) = y0 + eps;
            const double cp = cost_oracle(springs, Y);
            Y(i, d) = y0 - eps;
            const double cm = cost_oracle(springs, Y);
            Y(i, d) = y0;
            CHECK(g(i, d) == doctest::Approx((cp - cm) / (2 * eps)).epsilon(1e-5));
        }
}

template <class T, int Dims>
void check_barnes_hut(double theta, double bound) {
    const std::size_t n = 1500;
    const auto Y = testing::random_embedding<T, Dims>(n, 17, 5.0);
    tsne::Executor one(1), three(3);
    tsne::maps::CoulombRepulsion<T, Dims> exact(0.0), bh(theta), bh3(theta), scalar(theta, false);
    tsne::Embedding<T, Dims> ge(n), gb(n), gb3(n), gs(n);
    const double ce = exact(Y, ge, one), cb = bh(Y, gb, one), cb3 = bh3(Y, gb3, three), cs = scalar(Y, gs, one);
    CHECK(cb == cb3);  // threads: the same bits
    CHECK(gb == gb3);
    CHECK(std::abs(cb / ce - 1) < bound);
    CHECK(cs == doctest::Approx(cb).epsilon(std::is_same_v<T, float> ? 1e-4 : 1e-12));
    double num = 0, den = 0;
    for (int d = 0; d < Dims; ++d)
        for (std::size_t i = 0; i < n; ++i) {
            num += (double(gb(i, d)) - ge(i, d)) * (double(gb(i, d)) - ge(i, d));
            den += double(ge(i, d)) * ge(i, d);
        }
    CHECK(std::sqrt(num / den) < 4 * bound);
    // θ = 0 through the tree is the exact sum.
    tsne::maps::CoulombRepulsion<T, Dims> exact_scalar(0.0, false);
    tsne::Embedding<T, Dims> g0(n);
    CHECK(exact_scalar(Y, g0, one) == doctest::Approx(ce).epsilon(std::is_same_v<T, float> ? 1e-4 : 1e-12));
}
}  // namespace

TEST_CASE("graph layout: gradient against finite differences of the cost, 1-3 D") {
    check_gradient<1>();
    check_gradient<2>();
    check_gradient<3>();
}

TEST_CASE_TEMPLATE("graph layout: Barnes-Hut charges against the exact sum, SIMD against scalar", T, float, double) {
    check_barnes_hut<T, 1>(0.5, 2e-2);
    check_barnes_hut<T, 2>(0.5, 1e-2);
    check_barnes_hut<T, 3>(0.5, 1e-2);
    check_barnes_hut<T, 2>(1.0, 5e-2);
}

TEST_CASE("graph layout: springs are the undirected union of the kNN graph") {
    tsne::KnnGraph<float> g = tsne::KnnGraph<float>::allocate(4, 1);
    g.index = {1, 0, 1, 2};  // 0-1 listed twice, 2-1, 3-2
    g.distance = {1, 1, 2, 3};
    const auto s = tsne::maps::spring_graph(g);
    CHECK(s.edges() == 3);
    CHECK(s.row_ptr == std::vector<std::size_t>{0, 1, 3, 5, 6});
    CHECK(s.col == std::vector<std::uint32_t>{1, 0, 2, 1, 3, 2});
    CHECK(s.rest == std::vector<float>{1, 1, 2, 2, 3, 3});
    g.index[3] = 3;
    CHECK_THROWS_WITH_AS(tsne::maps::spring_graph(g), doctest::Contains("point 3 lists itself"), tsne::invalid_argument);
}

}  // namespace t_maps_graph
