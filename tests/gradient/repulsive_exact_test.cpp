#include <doctest/doctest.h>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_repulsive_exact {

namespace {
template <class T, int Dims>
void check_repulsive(std::size_t n) {
    const auto Y = testing::random_embedding<T, Dims>(n, 8);
    tsne::Executor one(1), four(4);
    tsne::Embedding<T, Dims> s(n), v(n), v4(n);
    tsne::Exact::state<T, Dims> ss(tsne::Exact{false}, n), sv(tsne::Exact{true}, n), sv4(tsne::Exact{true}, n);
    const double zs = ss(Y, s, one), zv = sv(Y, v, one), zv4 = sv4(Y, v4, four);
    CHECK(zv == zv4);
    CHECK(v == v4);
    const double tol = std::is_same_v<T, float> ? 2e-5 : 1e-12;
    CHECK(zv == doctest::Approx(zs).epsilon(tol));
    // Z against a double-precision pair loop.
    double z = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            if (i == j) continue;
            double d2 = 0;
            for (int d = 0; d < Dims; ++d) d2 += (double(Y(i, d)) - Y(j, d)) * (double(Y(i, d)) - Y(j, d));
            z += 1 / (1 + d2);
        }
    CHECK(zv == doctest::Approx(z).epsilon(tol));
    double scale = 0;
    for (int d = 0; d < Dims; ++d)
        for (std::size_t i = 0; i < n; ++i) scale = std::max(scale, std::abs(double(s(i, d))));
    for (int d = 0; d < Dims; ++d)
        for (std::size_t i = 0; i < n; ++i) CHECK(std::abs(double(s(i, d)) - double(v(i, d))) <= tol * scale);
}
}  // namespace

TEST_CASE_TEMPLATE("exact repulsion: SIMD equals the scalar twin and a double oracle", T, float, double) {
    for (std::size_t n : {2u, 3u, 17u, 100u, 257u}) {
        check_repulsive<T, 1>(n);
        check_repulsive<T, 2>(n);
        check_repulsive<T, 3>(n);
    }
    check_repulsive<T, 4>(64);
}

TEST_CASE("exact repulsion: coincident points give finite forces") {
    tsne::Embedding<float, 2> Y(50);
    Y.fill(1.5f);
    tsne::Executor ex(2);
    tsne::Embedding<float, 2> R(50);
    tsne::Exact::state<float, 2> st(tsne::Exact{}, 50);
    const double Z = st(Y, R, ex);
    CHECK(Z == doctest::Approx(50.0 * 49.0));
    CHECK(testing::all_finite(R));
}

}  // namespace t_repulsive_exact
