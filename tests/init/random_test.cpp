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


TEST_CASE_TEMPLATE("init: a layout that cannot separate the points (std 1e-300, all-zero, underflowing or overflowing spread) is a named error",
                   T, float, double) {
    const auto X = testing::clusters<T>(40, 4, 2, 3);
    const tsne::MatrixRef<T> Xv(X);
    tsne::Executor ex(1);
    tsne::Embedding<T, 2> Y(40);
    auto throws = [&](auto&& f, const char* what) {
        INFO(what);
        CHECK_THROWS_WITH_AS(f(), doctest::Contains(what), tsne::invalid_argument);
    };
    throws([&] { tsne::RandomInit{1e-300}(Xv, Y, 1, ex); }, "random init std 1e-300: the initial points");
    throws([&] { tsne::RandomInit{1e-300}(Y, 1, ex); }, "random init std 1e-300");
    throws([&] { tsne::PCA{1e-300}(Xv, Y, 1, ex); }, "PCA init std 1e-300: the initial points");
    throws([&] { tsne::PCA{1e-300}(Y, 1, ex); }, "PCA init std 1e-300");
    throws([&] { tsne::RandomInit{1e300}(Xv, Y, 1, ex); }, "random init std 1e+300");
    const double tiny = std::is_same_v<T, float> ? 1e-25 : 1e-200, huge = std::is_same_v<T, float> ? 1e25 : 1e200;
    throws([&] { tsne::RandomInit{tiny}(Xv, Y, 1, ex); }, "too little to separate them");
    throws([&] { tsne::PCA{huge}(Xv, Y, 1, ex); }, "too much for");
    // User layouts: all points identical (all zero, or all at one spot), or spread too small.
    tsne::RowMatrix<T> Y0 = tsne::RowMatrix<T>::Zero(40, 2);
    throws([&] { tsne::user_init(Y0)(Xv, Y, 0, ex); }, "initial embedding: all 40 initial points are identical");
    Y0.setConstant(T(3));
    throws([&] { tsne::user_init(Y0)(Y, 0, ex); }, "all 40 initial points are identical");
    throws([&] { (void)tsne::embed<2>(X).init(tsne::user_init(Y0)).iterations(10).early_exaggeration_iterations(5).fit(); }, "identical");
    Y0.setZero();
    Y0(7, 1) = static_cast<T>(tiny);  // one point apart, by less than T can separate
    throws([&] { tsne::user_init(Y0)(Xv, Y, 0, ex); }, "too little to separate them");
    // Ordinary scales work, and a few identical points among others are fine.
    CHECK_NOTHROW(tsne::RandomInit{1e-8}(Xv, Y, 1, ex));
    CHECK_NOTHROW(tsne::PCA{1e-4}(Xv, Y, 1, ex));
    CHECK_NOTHROW(tsne::PCA{1e3}(Xv, Y, 1, ex));
    Y0(8, 0) = T(1);
    CHECK_NOTHROW(tsne::user_init(Y0)(Xv, Y, 0, ex));
}

}  // namespace t_random
