#include <doctest/doctest.h>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_barnes_hut {

namespace {
template <class T, int Dims>
struct Errors {
    double z_rel, r_rel;
};

// Barnes-Hut against the exact sums on the same embedding.
template <class T, int Dims>
Errors<T, Dims> compare(const tsne::Embedding<T, Dims>& Y, const tsne::BarnesHut& bh, unsigned threads = 2) {
    const std::size_t n = Y.size();
    tsne::Executor ex(threads);
    tsne::Embedding<T, Dims> Re(n), Rb(n);
    tsne::Exact::state<T, Dims> exact(tsne::Exact{}, n);
    typename tsne::BarnesHut::template state<T, Dims> approx(bh, n);
    const double ze = exact(Y, Re, ex), zb = approx(Y, Rb, ex);
    double num = 0, den = 0;
    for (int d = 0; d < Dims; ++d)
        for (std::size_t i = 0; i < n; ++i) {
            const double e = Re(i, d), b = Rb(i, d);
            num += (e - b) * (e - b);
            den += e * e;
        }
    CHECK(testing::all_finite(Rb));
    return {std::abs(zb / ze - 1), std::sqrt(num / den)};
}

template <class T, int Dims>
tsne::Embedding<T, Dims> clustered(std::size_t n, std::uint64_t seed) {
    const auto X = testing::clusters<T>(n, Dims, 6, seed, 15.0);
    tsne::Embedding<T, Dims> Y(n);
    for (std::size_t i = 0; i < n; ++i)
        for (int d = 0; d < Dims; ++d) Y(i, d) = X(static_cast<Eigen::Index>(i), d);
    return Y;
}

template <class T, int Dims>
void check_all(std::size_t n) {
    const double tol0 = std::is_same_v<T, float> ? 1e-5 : 1e-12;
    for (const auto& Y : {testing::random_embedding<T, Dims>(n, 21, 5.0), clustered<T, Dims>(n, 22)}) {
        // θ = 0: nothing is summarised, the exact sums in another order.
        const auto e0 = compare(Y, tsne::BarnesHut(0.0));
        CHECK(e0.z_rel < tol0);
        CHECK(e0.r_rel < tol0);
        // θ = 0.5 (the default): the documented bound in barnes_hut.hpp.
        const auto e5 = compare(Y, tsne::BarnesHut(0.5));
        CHECK(e5.z_rel < 1.5e-2);
        CHECK(e5.r_rel < 4e-2);
        // Coarser θ is less accurate but still sane.
        const auto e1 = compare(Y, tsne::BarnesHut(1.0));
        CHECK(e1.z_rel < 5e-2);
        CHECK(e1.r_rel < 0.2);
        MESSAGE(Dims, "-D n=", n, " theta 0.5: z ", e5.z_rel, " r ", e5.r_rel, "; theta 1: z ", e1.z_rel, " r ",
                e1.r_rel);
    }
}
}  // namespace

TEST_CASE_TEMPLATE("Barnes-Hut: theta 0 equals exact, theta 0.5 within the documented bound", T, float, double) {
    check_all<T, 1>(2000);
    check_all<T, 2>(2000);
    check_all<T, 3>(2000);
    for (std::size_t n : {1u, 2u, 3u, 17u}) {
        const auto Y = testing::random_embedding<T, 2>(n, 5);
        const auto e = compare(Y, tsne::BarnesHut(0.0));
        if (n > 1) CHECK(e.z_rel < 1e-5);
    }
}

TEST_CASE_TEMPLATE("Barnes-Hut: SIMD equals the scalar twin, 1 vs N threads bit-identical", T, float, double) {
    const auto Y = testing::random_embedding<T, 2>(3000, 31, 30.0);
    tsne::BarnesHut simd, scalar;
    scalar.simd = false;
    tsne::Embedding<T, 2> a(3000), b(3000), c(3000);
    tsne::Executor one(1), eight(8);
    typename tsne::BarnesHut::template state<T, 2> sa(simd, 3000), sb(scalar, 3000), sc(simd, 3000);
    const double za = sa(Y, a, one), zb = sb(Y, b, one), zc = sc(Y, c, eight);
    CHECK(za == zc);
    CHECK(a == c);
    // Sums in another order: compare against the largest force (components cancel).
    const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-12;
    CHECK(za == doctest::Approx(zb).epsilon(tol));
    double scale = 0;
    for (std::size_t i = 0; i < 3000; ++i)
        for (int d = 0; d < 2; ++d) scale = std::max(scale, std::abs(double(b(i, d))));
    for (std::size_t i = 0; i < 3000; ++i)
        for (int d = 0; d < 2; ++d) CHECK(std::abs(double(a(i, d)) - double(b(i, d))) <= tol * scale);
    for (unsigned t : {2u, 3u}) {
        tsne::Executor ex(t);
        tsne::Embedding<T, 2> r(3000);
        CHECK(sa(Y, r, ex) == za);  // the state is reusable
        CHECK(r == a);
    }
}

TEST_CASE("Barnes-Hut: duplicate and coincident points give finite forces") {
    tsne::Executor ex(2);
    // Many exact duplicates among distinct points.
    auto Y = testing::random_embedding<float, 2>(2000, 41, 10.0);
    for (std::size_t i = 0; i < 2000; i += 2) {
        Y(i, 0) = Y(0, 0);
        Y(i, 1) = Y(0, 1);
    }
    const auto e = compare(Y, tsne::BarnesHut(0.5));
    CHECK(e.z_rel < 1.5e-2);
    CHECK(e.r_rel < 4e-2);
    // All points equal: every pair has q = 1 and no force.
    tsne::Embedding<float, 3> same(700);
    same.fill(-2.5f);
    tsne::Embedding<float, 3> R(700);
    tsne::BarnesHut::state<float, 3> st(tsne::BarnesHut{}, 700);
    CHECK(st(same, R, ex) == doctest::Approx(700.0 * 699.0));
    CHECK(testing::all_finite(R));
    // Huge and tiny magnitudes.
    auto big = testing::random_embedding<float, 2>(500, 42, 1e15);
    tsne::Embedding<float, 2> Rb(500);
    tsne::BarnesHut::state<float, 2> sb(tsne::BarnesHut{}, 500);
    const double zb = sb(big, Rb, ex);
    CHECK(std::isfinite(zb));
    CHECK(testing::all_finite(Rb));
    auto tiny = testing::random_embedding<float, 2>(500, 43, 1e-30);
    const auto et = compare(tiny, tsne::BarnesHut(0.5));
    CHECK(et.z_rel < 1e-5);
}

TEST_CASE("Barnes-Hut: invalid settings are rejected with the parameter named") {
    tsne::BarnesHut bad(-1.0);
    CHECK_THROWS_WITH_AS((tsne::BarnesHut::state<float, 2>(bad, 10)), doctest::Contains("theta"),
                         tsne::invalid_argument);
    tsne::BarnesHut nan(std::nan(""));
    CHECK_THROWS_AS((tsne::BarnesHut::state<float, 2>(nan, 10)), tsne::invalid_argument);
    tsne::BarnesHut g;
    g.group_size = 2;
    CHECK_THROWS_WITH_AS((tsne::BarnesHut::state<float, 2>(g, 10)), doctest::Contains("group_size"),
                         tsne::invalid_argument);
}

TEST_CASE("Barnes-Hut: heavy tails (dof 0.5, 2) match the exact sums, SIMD equals the scalar twin") {
    tsne::Executor ex(2);
    for (double alpha : {0.5, 2.0}) {
        CAPTURE(alpha);
        const auto Y = testing::random_embedding<double, 2>(1500, 41, 8.0);
        tsne::Embedding<double, 2> Re(Y.size()), Rb(Y.size()), Rs(Y.size());
        tsne::Exact::state<double, 2> exact(tsne::Exact{}, Y.size());
        exact.set_dof(alpha);
        const double ze = exact(Y, Re, ex);
        tsne::BarnesHut::state<double, 2> bh(tsne::BarnesHut(0.5), Y.size());
        bh.set_dof(alpha);
        const double zb = bh(Y, Rb, ex);
        tsne::BarnesHut scalar(0.5);
        scalar.simd = false;
        tsne::BarnesHut::state<double, 2> bs(scalar, Y.size());
        bs.set_dof(alpha);
        const double zs = bs(Y, Rs, ex);
        double num = 0, den = 0, simd_gap = 0;
        for (int d = 0; d < 2; ++d)
            for (std::size_t i = 0; i < Y.size(); ++i) {
                num += (Rb(i, d) - Re(i, d)) * (Rb(i, d) - Re(i, d));
                den += Re(i, d) * Re(i, d);
                simd_gap = std::max(simd_gap, std::abs(Rb(i, d) - Rs(i, d)) / (std::abs(Re(i, d)) + 1e-12));
            }
        CHECK(std::abs(zb / ze - 1) < 1.5e-2);
        CHECK(std::sqrt(num / den) < 4e-2);
        CHECK(zs == doctest::Approx(zb).epsilon(1e-9));
        CHECK(simd_gap < 1e-6);
        CHECK_THROWS_WITH_AS(bh.set_dof(0), doctest::Contains("dof"), tsne::invalid_argument);
    }
}

}  // namespace t_barnes_hut
