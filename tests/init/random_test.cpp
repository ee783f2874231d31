#include <doctest/doctest.h>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_random {

TEST_CASE("random init: std as asked, fixed by the seed") {
    const auto X = testing::clusters<float>(2000, 3, 2, 1);
    tsne::Executor ex(1);
    tsne::Embedding<float, 2> a(2000), b(2000), c(2000);
    tsne::RandomInit{}(tsne::MatrixRef<float>(X), a, 5, ex);
    tsne::RandomInit{}(tsne::MatrixRef<float>(X), b, 5, ex);
    tsne::RandomInit{}(tsne::MatrixRef<float>(X), c, 6, ex);
    CHECK(a == b);
    CHECK(!(a == c));
    double s = 0;
    for (std::size_t i = 0; i < 2000; ++i) s += double(a(i, 0)) * a(i, 0);
    CHECK(std::sqrt(s / 2000) == doctest::Approx(1e-4).epsilon(0.05));
}

TEST_CASE("user init: copied as given, wrong shape or NaN throws") {
    const auto X = testing::clusters<double>(30, 4, 2, 1);
    tsne::Executor ex(1);
    tsne::RowMatrix<double> Y0 = tsne::RowMatrix<double>::Random(30, 2);
    tsne::Embedding<double, 2> Y(30);
    tsne::user_init(Y0)(tsne::MatrixRef<double>(X), Y, 0, ex);
    CHECK(Y.to_matrix() == Y0);
    tsne::RowMatrix<double> wrong = tsne::RowMatrix<double>::Random(29, 2);
    CHECK_THROWS_WITH_AS(tsne::user_init(wrong)(tsne::MatrixRef<double>(X), Y, 0, ex),
                         doctest::Contains("initial embedding: expected 30 x 2"), tsne::invalid_argument);
    Y0(3, 1) = std::nan("");
    CHECK_THROWS_AS(tsne::user_init(Y0)(tsne::MatrixRef<double>(X), Y, 0, ex), tsne::invalid_argument);
}

}  // namespace t_random
