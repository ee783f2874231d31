#include <doctest/doctest.h>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_maps_stress {

namespace {
template <class T>
tsne::maps::PairDistances<T> distances_of(const tsne::RowMatrix<T>& X) {
    tsne::Executor ex(1);
    return tsne::maps::pair_distances<T>(X, ex);
}

/// Stress and Sammon's cost by a plain double loop over ordered pairs (the oracle).
template <class T, int Dims>
std::pair<double, double> costs_oracle(const tsne::maps::PairDistances<T>& D, const tsne::Embedding<T, Dims>& Y) {
    double s = 0, e = 0;
    for (std::size_t i = 0; i < Y.size(); ++i)
        for (std::size_t j = 0; j < Y.size(); ++j) {
            if (i == j) continue;
            double d2 = 0;
            for (int d = 0; d < Dims; ++d) d2 += (double(Y(i, d)) - Y(j, d)) * (double(Y(i, d)) - Y(j, d));
            const double ds = D.D(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)), r = ds - std::sqrt(d2);
            s += r * r;
            if (ds > 0) e += r * r / ds;
        }
    return {s, e};
}

template <class T, int Dims>
void check_kernels(std::size_t n) {
    const auto X = testing::clusters<T>(n, 5, 3, 11);
    const auto D = distances_of<T>(X);
    const auto Y = testing::random_embedding<T, Dims>(n, 3, 4.0);
    tsne::Executor one(1), three(3);
    tsne::Embedding<T, Dims> a(n), b(n), c(n), g1(n), h1(n), g2(n), h2(n), g3(n), h3(n);
    const double s_scalar = tsne::maps::guttman_transform(D, Y, a, one, false);
    const double s_simd = tsne::maps::guttman_transform(D, Y, b, one, true);
    const double s_simd3 = tsne::maps::guttman_transform(D, Y, c, three, true);
    CHECK(s_simd == s_simd3);  // threads: the same bits
    CHECK(b == c);
    const double e_scalar = tsne::maps::sammon_pass(D, Y, g1, h1, one, false);
    const double e_simd = tsne::maps::sammon_pass(D, Y, g2, h2, one, true);
    const double e_simd3 = tsne::maps::sammon_pass(D, Y, g3, h3, three, true);
    CHECK(e_simd == e_simd3);
    CHECK(g2 == g3);
    CHECK(h2 == h3);
    const auto [s_ref, e_ref] = costs_oracle(D, Y);
    const double tol = std::is_same_v<T, float> ? 1e-4 : 1e-11;
    CHECK(s_scalar == doctest::Approx(s_ref).epsilon(tol));
    CHECK(s_simd == doctest::Approx(s_ref).epsilon(tol));
    CHECK(e_scalar == doctest::Approx(e_ref).epsilon(tol));
    CHECK(e_simd == doctest::Approx(e_ref).epsilon(tol));
    auto close = [&](const tsne::Embedding<T, Dims>& u, const tsne::Embedding<T, Dims>& v) {
        double scale = 0, worst = 0;
        for (int d = 0; d < Dims; ++d)
            for (std::size_t i = 0; i < n; ++i) {
                scale = std::max(scale, std::abs(double(u(i, d))));
                worst = std::max(worst, std::abs(double(u(i, d)) - double(v(i, d))));
            }
        return worst <= tol * std::max(scale, 1e-30);
    };
    CHECK(close(a, b));
    CHECK(close(g1, g2));
    CHECK(close(h1, h2));
}
}  // namespace

TEST_CASE_TEMPLATE("maps kernels: SIMD equals the scalar twin and a double oracle, any thread count", T, float, double) {
    for (std::size_t n : {2u, 3u, 17u, 100u, 131u}) {
        check_kernels<T, 1>(n);
        check_kernels<T, 2>(n);
        check_kernels<T, 3>(n);
    }
}

namespace {
/// Central finite differences of Sammon's E in double against its analytic gradient, and of the
/// gradient against the Hessian's diagonal.
template <int Dims>
void check_sammon_derivatives() {
    const std::size_t n = 40;
    const auto X = testing::clusters<double>(n, 4, 2, 5);
    const auto D = distances_of<double>(X);
    auto Y = testing::random_embedding<double, Dims>(n, 9, 5.0);
    tsne::Executor ex(2);
    tsne::Embedding<double, Dims> g(n), h(n), gp(n), hp(n), gm(n), hm(n);
    tsne::maps::sammon_pass(D, Y, g, h, ex);
    const double eps = 1e-5;
    for (std::size_t i : {0u, 7u, 39u})
        for (int d = 0; d < Dims; ++d) {
            const double y0 = Y(i, d);
            Y(i, d) = y0 + eps;
            const double ep = tsne::maps::sammon_pass(D, Y, gp, hp, ex);
            const double gplus = gp(i, d);
            Y(i, d) = y0 - eps;
            const double em = tsne::maps::sammon_pass(D, Y, gm, hm, ex);
            const double gminus = gm(i, d);
            Y(i, d) = y0;
            CHECK(g(i, d) == doctest::Approx((ep - em) / (2 * eps)).epsilon(1e-6));
            CHECK(h(i, d) == doctest::Approx((gplus - gminus) / (2 * eps)).epsilon(1e-5));
        }
}

/// The Guttman transform is the majorisation step of the stress: its fixed point has zero
/// gradient, and the stress's gradient is 2N (Y − guttman(Y)) (both orders of each pair
/// counted). Checked against finite differences of the stress.
template <int Dims>
void check_stress_gradient() {
    const std::size_t n = 30;
    const auto X = testing::clusters<double>(n, 4, 2, 6);
    const auto D = distances_of<double>(X);
    auto Y = testing::random_embedding<double, Dims>(n, 10, 5.0);
    tsne::Executor ex(1);
    tsne::Embedding<double, Dims> next(n);
    tsne::maps::guttman_transform(D, Y, next, ex);
    const double eps = 1e-5;
    for (std::size_t i : {0u, 13u, 29u})
        for (int d = 0; d < Dims; ++d) {
            const double y0 = Y(i, d);
            Y(i, d) = y0 + eps;
            const double sp = tsne::maps::raw_stress(D, Y, ex);
            Y(i, d) = y0 - eps;
            const double sm = tsne::maps::raw_stress(D, Y, ex);
            Y(i, d) = y0;
            // S = Σ_{i≠j} d*² + Σ_{i≠j} d² − 2 Σ d* d: ∂S/∂y_i = 4 (N y_i − Σ_j y_j) − 4 N guttman_i
            double sum = 0;
            for (std::size_t j = 0; j < n; ++j) sum += Y(j, d);
            const double analytic = 4.0 * (double(n) * Y(i, d) - sum) - 4.0 * double(n) * next(i, d);
            CHECK(analytic == doctest::Approx((sp - sm) / (2 * eps)).epsilon(1e-6));
        }
}
}  // namespace

TEST_CASE("Sammon: gradient and Hessian diagonal against finite differences, 1-3 D") {
    check_sammon_derivatives<1>();
    check_sammon_derivatives<2>();
    check_sammon_derivatives<3>();
}

TEST_CASE("metric MDS: the Guttman transform is the stress's majorisation step (finite differences), 1-3 D") {
    check_stress_gradient<1>();
    check_stress_gradient<2>();
    check_stress_gradient<3>();
}

TEST_CASE_TEMPLATE("metric MDS: SMACOF never increases the stress", T, float, double) {
    const auto X = testing::clusters<T>(150, 8, 4, 2);
    const auto D = distances_of<T>(X);
    auto Y = testing::random_embedding<T, 2>(150, 4, 1.0);
    tsne::Executor ex(2);
    tsne::Embedding<T, 2> next(150);
    double prev = tsne::maps::raw_stress(D, Y, ex);
    for (int it = 0; it < 30; ++it) {
        const double s = tsne::maps::guttman_transform(D, Y, next, ex);
        CHECK(s == doctest::Approx(prev).epsilon(1e-6));  // the stress returned is the input's
        std::swap(Y, next);
        const double after = tsne::maps::raw_stress(D, Y, ex);
        CHECK(after <= s * (1 + (std::is_same_v<T, float> ? 1e-5 : 1e-12)));
        prev = after;
    }
}

TEST_CASE("Sammon: duplicate points (d* = 0) carry no weight, coincident map points no force") {
    tsne::RowMatrix<double> X(4, 2);
    X << 0, 0, 0, 0, 3, 0, 0, 4;  // points 0 and 1 are duplicates
    const auto D = distances_of<double>(X);
    tsne::Embedding<double, 2> Y(4), g(4), h(4);
    Y(0, 0) = 0, Y(0, 1) = 0, Y(1, 0) = 0, Y(1, 1) = 0, Y(2, 0) = 3, Y(2, 1) = 0, Y(3, 0) = 0, Y(3, 1) = 4;
    tsne::Executor ex(1);
    const double e = tsne::maps::sammon_pass(D, Y, g, h, ex);
    CHECK(std::isfinite(e));
    CHECK(std::abs(e) < 1e-12);
    for (int d = 0; d < 2; ++d)
        for (std::size_t i = 0; i < 4; ++i) CHECK(std::isfinite(g(i, d)));
}

TEST_CASE_TEMPLATE("pair distances: from data against a double loop, a given matrix is checked", T, float, double) {
    const auto X = testing::clusters<T>(300, 7, 3, 1);
    tsne::Executor ex(2);
    const auto D = tsne::maps::pair_distances<T>(X, ex);
    for (Eigen::Index i = 0; i < 300; i += 7)
        for (Eigen::Index j = 0; j < 300; j += 3) {
            const double ref = (X.row(i).template cast<double>() - X.row(j).template cast<double>()).norm();
            CHECK(double(D.D(i, j)) == doctest::Approx(ref).epsilon(std::is_same_v<T, float> ? 1e-5 : 1e-10).scale(1e-3));
            CHECK(D.D(i, j) == D.D(j, i));
        }
    CHECK(D.D(5, 5) == T(0));
    tsne::RowMatrix<T> bad = D.D;
    bad(1, 2) = T(-1);
    CHECK_THROWS_WITH_AS(tsne::maps::pair_distances_given<T>(bad), doctest::Contains("entry (1, 2) is -1"), tsne::invalid_argument);
    bad = D.D;
    bad(1, 2) += T(1);
    CHECK_THROWS_WITH_AS(tsne::maps::pair_distances_given<T>(bad), doctest::Contains("not symmetric"), tsne::invalid_argument);
    bad = D.D;
    bad(3, 3) = T(1);
    CHECK_THROWS_WITH_AS(tsne::maps::pair_distances_given<T>(bad), doctest::Contains("diagonal entry (3, 3)"), tsne::invalid_argument);
    bad = D.D;
    bad(4, 0) = std::numeric_limits<T>::quiet_NaN();
    CHECK_THROWS_AS(tsne::maps::pair_distances_given<T>(bad), tsne::invalid_argument);
    tsne::RowMatrix<T> rect(3, 4);
    rect.setZero();
    CHECK_THROWS_WITH_AS(tsne::maps::pair_distances_given<T>(rect), doctest::Contains("square"), tsne::invalid_argument);
}

}  // namespace t_maps_stress
