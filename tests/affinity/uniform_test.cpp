#include <doctest/doctest.h>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_uniform {

TEST_CASE("uniform affinities: 1/k on the graph, symmetrised, sum 1") {
    const auto X = testing::clusters<float>(150, 5, 3, 8);
    tsne::Executor ex(2);
    tsne::Uniform u{10};
    const auto g = tsne::BruteForce{}(tsne::MatrixRef<float>(X), 25, ex);
    const auto A = u(g, ex);
    double sum = 0;
    for (std::size_t i = 0; i < 150; ++i)
        for (std::size_t m = 0; m < 10; ++m) {
            const std::uint32_t j = g.neighbors(i)[m];
            const bool mutual = std::find(g.neighbors(j), g.neighbors(j) + 10, i) != g.neighbors(j) + 10;
            CHECK(A.P.at(i, j) == doctest::Approx((mutual ? 2.0 : 1.0) / 10.0 / 300.0));
        }
    for (float v : A.P.val) sum += v;
    CHECK(sum == doctest::Approx(1.0));
    CHECK_THROWS_AS((tsne::Uniform{150}.neighbors(150)), tsne::invalid_argument);
    CHECK(tsne::embed<2>(X).affinity(tsne::Uniform{10}).iterations(60).early_exaggeration_iterations(30).fit().allFinite());
}

TEST_CASE("multiscale perplexity: the average of the single-scale conditionals") {
    const auto X = testing::clusters<double>(300, 6, 4, 3);
    tsne::Executor ex(2);
    tsne::MultiscalePerplexity ms{{5.0, 40.0}};
    CHECK(ms.neighbors(300) == 120);
    const auto g = tsne::BruteForce{}(tsne::MatrixRef<double>(X), 120, ex);
    const auto A = ms(g, ex);
    CHECK(A.diagnostics.not_converged == 0);
    // Row i's conditional = mean of the two calibrated rows; check via the symmetrised P at one pair.
    std::vector<double> d2(120), w5(120), w40(120);
    tsne::Perplexity{5}.calibrate_row(g.distances(0), 120, d2.data(), w5.data());
    tsne::Perplexity{40}.calibrate_row(g.distances(0), 120, d2.data(), w40.data());
    const std::uint32_t j = g.neighbors(0)[0];
    std::vector<double> v5(120), v40(120);
    tsne::Perplexity{5}.calibrate_row(g.distances(j), 120, d2.data(), v5.data());
    tsne::Perplexity{40}.calibrate_row(g.distances(j), 120, d2.data(), v40.data());
    const auto pos = std::find(g.neighbors(j), g.neighbors(j) + 120, 0u) - g.neighbors(j);
    const double back = pos < 120 ? (v5[std::size_t(pos)] + v40[std::size_t(pos)]) / 2 : 0.0;
    CHECK(A.P.at(0, j) == doctest::Approx(((w5[0] + w40[0]) / 2 + back) / 600.0).epsilon(1e-9));
    double sum = 0;
    for (double v : A.P.val) sum += v;
    CHECK(sum == doctest::Approx(1.0));
    CHECK_THROWS_AS((tsne::MultiscalePerplexity{{5.0, 400.0}}.neighbors(300)), tsne::invalid_argument);
}

}  // namespace t_uniform
