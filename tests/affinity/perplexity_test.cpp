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

}  // namespace t_perplexity
