#include <doctest/doctest.h>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_perplexity {

TEST_CASE_TEMPLATE("perplexity: every row hits the target entropy, P symmetric, sums to 1", T, float, double) {
    const auto X = testing::clusters<T>(400, 10, 5, 2);
    tsne::Executor ex(2);
    for (double perp : {5.0, 30.0, 50.0}) {
        tsne::Perplexity aff{perp};
        const std::size_t k = aff.neighbors(400);
        CHECK(k == static_cast<std::size_t>(3 * perp));
        const auto g = tsne::BruteForce{}(tsne::MatrixRef<T>(X), k, ex);
        // Each conditional row: entropy = log(perplexity), sums to 1.
        std::vector<double> d2(k), w(k);
        for (std::size_t i = 0; i < g.n; ++i) {
            const auto [ok, beta] = aff.calibrate_row(g.distances(i), k, d2.data(), w.data());
            CHECK(ok);
            CHECK(beta > 0);
            double s = 0, h = 0;
            for (double p : w) {
                s += p;
                if (p > 0) h -= p * std::log(p);
            }
            CHECK(s == doctest::Approx(1.0).epsilon(1e-12));
            CHECK(h == doctest::Approx(std::log(perp)).epsilon(1e-4));
        }
        const auto A = aff(g, ex);
        CHECK(A.diagnostics.not_converged == 0);
        CHECK(A.diagnostics.neighbors == k);
        const auto& P = A.P;
        double total = 0;
        for (std::size_t i = 0; i < P.n; ++i) {
            for (std::size_t e = P.row_ptr[i]; e < P.row_ptr[i + 1]; ++e) {
                CHECK(P.col[e] != i);
                CHECK(P.val[e] > 0);
                if (e > P.row_ptr[i]) CHECK(P.col[e] > P.col[e - 1]);
                CHECK(P.at(P.col[e], i) == P.val[e]);  // exactly symmetric
                total += static_cast<double>(P.val[e]);
            }
        }
        CHECK(total == doctest::Approx(1.0).epsilon(1e-5));
    }
}

TEST_CASE("perplexity: bad values throw and name the parameter") {
    tsne::Perplexity aff{30};
    CHECK_THROWS_WITH_AS(aff.neighbors(20), doctest::Contains("perplexity 30 is too large for N = 20"),
                         tsne::invalid_argument);
    CHECK_THROWS_AS((tsne::Perplexity{0}.neighbors(100)), tsne::invalid_argument);
    CHECK_THROWS_AS((tsne::Perplexity{-3}.neighbors(100)), tsne::invalid_argument);
    CHECK_THROWS_AS((tsne::Perplexity{std::nan("")}.neighbors(100)), tsne::invalid_argument);
    CHECK(tsne::Perplexity{19}.neighbors(20) == 19);  // k = min(N - 1, 3 perplexity)
}

TEST_CASE("perplexity: coincident neighbours give uniform, finite weights and are reported") {
    tsne::RowMatrix<float> X = tsne::RowMatrix<float>::Zero(50, 3);  // all points identical
    tsne::Executor ex(1);
    tsne::Perplexity aff{10};
    const auto g = tsne::BruteForce{}(tsne::MatrixRef<float>(X), aff.neighbors(50), ex);
    const auto A = aff(g, ex);
    CHECK(A.diagnostics.not_converged == 50);
    for (float v : A.P.val) CHECK(std::isfinite(v));
}

TEST_CASE_TEMPLATE("perplexity: consuming the graph gives the same affinities bit for bit", T, float, double) {
    const auto X = testing::clusters<T>(500, 8, 4, 3);
    tsne::Executor ex(2);
    const auto g = tsne::BruteForce{}(tsne::MatrixRef<T>(X), 90, ex);
    const tsne::Perplexity single{30};
    const tsne::MultiscalePerplexity multi{{10.0, 30.0}};
    const auto a = single(g, ex);
    const auto b = single(tsne::KnnGraph<T>(g), ex);
    CHECK(a.P.row_ptr == b.P.row_ptr);
    CHECK(a.P.col == b.P.col);
    CHECK(a.P.val == b.P.val);
    CHECK(a.diagnostics.mean_sigma == b.diagnostics.mean_sigma);
    CHECK(a.diagnostics.not_converged == b.diagnostics.not_converged);
    const auto c = multi(g, ex);
    const auto d = multi(tsne::KnnGraph<T>(g), ex);
    CHECK(c.P.col == d.P.col);
    CHECK(c.P.val == d.P.val);
    // Bad distances are refused before anything is overwritten.
    auto bad = g;
    bad.distance[17] = std::numeric_limits<T>::quiet_NaN();
    CHECK_THROWS_WITH_AS(single(std::move(bad), ex), doctest::Contains("finite"), tsne::invalid_argument);
}


namespace {
/// X·c, each product rounded once (exact when c is a power of two).
template <class T>
tsne::RowMatrix<T> scaled(const tsne::RowMatrix<T>& X, double c) {
    tsne::RowMatrix<T> Y(X.rows(), X.cols());
    for (Eigen::Index i = 0; i < X.size(); ++i) Y.data()[i] = static_cast<T>(static_cast<double>(X.data()[i]) * c);
    return Y;
}
/// Same sparsity and values equal to a relative `tol` (0: bit for bit).
template <class T>
void check_same_p(const tsne::Csr<T>& a, const tsne::Csr<T>& b, double tol) {
    REQUIRE(a.row_ptr == b.row_ptr);
    REQUIRE(a.col == b.col);
    std::size_t bad = 0;
    for (std::size_t e = 0; e < a.nnz(); ++e) {
        const double x = static_cast<double>(a.val[e]), y = static_cast<double>(b.val[e]);
        bad += !(std::abs(x - y) <= tol * std::abs(x));
    }
    CHECK(bad == 0);
}
/// Σ|a_ij − b_ij| over both patterns (P sums to 1: 0 = same, 2 = disjoint); columns ascend per row.
template <class T>
double p_distance(const tsne::Csr<T>& a, const tsne::Csr<T>& b) {
    double s = 0;
    for (std::size_t i = 0; i < a.n; ++i) {
        std::size_t x = a.row_ptr[i], y = b.row_ptr[i];
        while (x < a.row_ptr[i + 1] || y < b.row_ptr[i + 1]) {
            if (y == b.row_ptr[i + 1] || (x < a.row_ptr[i + 1] && a.col[x] < b.col[y])) s += std::abs(double(a.val[x++]));
            else if (x == a.row_ptr[i + 1] || b.col[y] < a.col[x]) s += std::abs(double(b.val[y++]));
            else s += std::abs(double(a.val[x++]) - double(b.val[y++]));
        }
    }
    return s;
}
/// Scales to test for T: powers of two (exact, so P must be identical bit for bit) and decimal
/// factors near the ends of T's range (P equal up to rounding).
template <class T>
std::vector<std::pair<double, bool>> magnitude_scales() {
    if constexpr (std::is_same_v<T, double>)
        return {{0x1p-520, true}, {0x1p+520, true}, {1e-160, false}, {1e160, false}, {1e-300, false}, {1e290, false}};
    else
        return {{0x1p-100, true}, {0x1p+100, true}, {1e-30, false}, {1e30, false}, {1e-35, false}, {1e35, false}};
}
}  // namespace

TEST_CASE_TEMPLATE("perplexity, multiscale, uniform: data scaled by any factor give the same P (scale-invariant calibration)",
                   T, float, double) {
    const auto X = testing::clusters<T>(300, 5, 3, 11);
    tsne::Executor ex(2);
    const double tol = std::is_same_v<T, float> ? 1e-4 : 1e-9;
    const tsne::Perplexity single{20};
    const tsne::MultiscalePerplexity multi{{5.0, 25.0}};
    const tsne::Uniform uni{12};
    const auto g = tsne::BruteForce{}(tsne::MatrixRef<T>(X), 75, ex);
    const auto p1 = single(g, ex), p2 = multi(g, ex), p3 = uni(g, ex);
    CHECK(p1.diagnostics.not_converged == 0);
    for (const auto& scale : magnitude_scales<T>()) {
        const double c = scale.first;  // not structured bindings: INFO captures them (clang rejects that in C++17)
        const bool exact = scale.second;
        INFO("scale ", c);
        const auto Xs = scaled(X, c);
        REQUIRE(Xs.allFinite());
        for (int method = 0; method < 3; ++method) {
            INFO("neighbour search ", method);
            const auto gs = method == 0   ? tsne::BruteForce{}(tsne::MatrixRef<T>(Xs), 75, ex)
                            : method == 1 ? tsne::VPTree{}(tsne::MatrixRef<T>(Xs), 75, ex)
                                          : tsne::IVF{}(tsne::MatrixRef<T>(Xs), 75, ex);
            const auto s1 = single(gs, ex);
            CHECK(s1.diagnostics.not_converged == 0);
            CHECK(s1.diagnostics.mean_sigma == doctest::Approx(p1.diagnostics.mean_sigma * c).epsilon(0.02));
            if (method < 2) {  // exact searches: the same neighbours
                check_same_p(p1.P, s1.P, exact ? 0.0 : tol);
                check_same_p(p2.P, multi(gs, ex).P, exact ? 0.0 : tol);
                check_same_p(p3.P, uni(gs, ex).P, 0.0);
            } else {  // IVF is approximate (its k-means sees other roundings): nearly the same P
                CHECK(p_distance(p1.P, s1.P) < 0.02);
                CHECK(p_distance(p2.P, multi(gs, ex).P) < 0.02);
            }
        }
        // The graph's own distances scaled (a precomputed kNN graph): the same P.
        auto gd = g;
        for (auto& d : gd.distance) d = static_cast<T>(static_cast<double>(d) * c);
        check_same_p(p1.P, single(gd, ex).P, exact ? 0.0 : tol);
        check_same_p(p2.P, multi(std::move(gd), ex).P, exact ? 0.0 : tol);
    }
    // Subnormal data (below 2^-126 in float, 2^-1022 in double): the searches' power-of-two
    // rescale itself overflowed (2^-e = inf) and searched garbage or crashed. Subnormals carry
    // fewer digits, so P agrees only approximately.
    for (const double c : {std::is_same_v<T, float> ? 1e-41 : 1e-314, std::is_same_v<T, float> ? 3e-40 : 3e-312}) {
        INFO("subnormal scale ", c);
        const auto Xs = scaled(X, c);
        REQUIRE(Xs.cwiseAbs().maxCoeff() < std::numeric_limits<T>::min());
        for (int method = 0; method < 3; ++method) {
            INFO("neighbour search ", method);
            const auto gs = method == 0   ? tsne::BruteForce{}(tsne::MatrixRef<T>(Xs), 75, ex)
                            : method == 1 ? tsne::VPTree{}(tsne::MatrixRef<T>(Xs), 75, ex)
                                          : tsne::IVF{}(tsne::MatrixRef<T>(Xs), 75, ex);
            CHECK(p_distance(p1.P, single(gs, ex).P) < 0.05);
        }
        const auto gc = tsne::BruteForce{}(tsne::MatrixRef<T>(Xs), 75, tsne::Cosine{}, ex);
        const auto g1 = tsne::BruteForce{}(tsne::MatrixRef<T>(X), 75, tsne::Cosine{}, ex);
        CHECK(p_distance(single(g1, ex).P, single(gc, ex).P) < 0.05);
    }
    if constexpr (std::is_same_v<T, double>) {  // distances of 1e200 (squares overflow) and 1e-200 (underflow)
        for (double c : {1e200, 1e-200, 1e300}) {
            auto gd = g;
            for (auto& d : gd.distance) d *= c;
            const auto s = single(gd, ex);
            CHECK(s.diagnostics.not_converged == 0);
            check_same_p(p1.P, s.P, tol);
        }
    }
}

TEST_CASE_TEMPLATE("embedding of data scaled by a power of two is the same bit for bit, and by 1e160 as good", T, float, double) {
    const auto X = testing::clusters<T>(200, 6, 4, 5);
    const double big = std::is_same_v<T, double> ? 0x1p+530 : 0x1p+110, small = 1.0 / big;
    const double dec = std::is_same_v<T, double> ? 1e160 : 1e30;
    auto fit = [](const tsne::RowMatrix<T>& Z) {
        return tsne::embed<2>(Z).perplexity(15).iterations(120).early_exaggeration_iterations(60).threads(2).fit();
    };
    auto fit_cos = [](const tsne::RowMatrix<T>& Z) {
        return tsne::embed<2>(Z).metric(tsne::Cosine{}).perplexity(15).iterations(60).early_exaggeration_iterations(30).threads(2).fit();
    };
    const auto Y = fit(X);
    CHECK(fit(scaled(X, big)) == Y);
    CHECK(fit(scaled(X, small)) == Y);
    CHECK(fit_cos(scaled(X, small)) == fit_cos(X));
    // Decimal factors round each coordinate: P agrees to rounding, and t-SNE (chaotic) amplifies
    // that into another layout of the same quality (garbage scores about 0.5).
    const double t0 = tsne::trustworthiness(X, Y, 10, 1);
    CHECK(t0 > 0.9);
    const double subnormal = std::is_same_v<T, float> ? 3e-40 : 3e-312;  // fewer digits, same picture
    for (double c : {dec, 1.0 / dec, subnormal}) {
        INFO("scale ", c);
        const auto Xs = scaled(X, c);
        const auto Ys = fit(Xs);
        REQUIRE(Ys.allFinite());
        CHECK(tsne::trustworthiness(X, Ys, 10, 1) > t0 - 0.01);
    }
}

}  // namespace t_perplexity
