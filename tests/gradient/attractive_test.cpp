#include <doctest/doctest.h>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_attractive {

namespace {
template <class T, int Dims>
void check_attractive() {
    const auto X = testing::clusters<T>(333, 8, 3, 21);
    tsne::Executor one(1), four(4);
    const auto A = tsne::Perplexity{20}(tsne::BruteForce{}(tsne::MatrixRef<T>(X), 60, one), one);
    const auto Y = testing::random_embedding<T, Dims>(333, 4);
    tsne::Embedding<T, Dims> s(333), v(333), v4(333);
    tsne::gradient::attractive(A.P, Y, s, one, false);
    tsne::gradient::attractive(A.P, Y, v, one, true);
    tsne::gradient::attractive(A.P, Y, v4, four, true);
    CHECK(v == v4);  // bit-identical for any thread count
    const double tol = std::is_same_v<T, float> ? 1e-5 : 1e-13;
    double scale = 0;
    for (int d = 0; d < Dims; ++d)
        for (std::size_t i = 0; i < 333; ++i) scale = std::max(scale, std::abs(double(s(i, d))));
    for (int d = 0; d < Dims; ++d)
        for (std::size_t i = 0; i < 333; ++i) CHECK(std::abs(double(s(i, d)) - double(v(i, d))) <= tol * scale);
}
}  // namespace

TEST_CASE_TEMPLATE("attractive: SIMD equals the scalar twin, 1 vs 4 threads identical", T, float, double) {
    check_attractive<T, 1>();
    check_attractive<T, 2>();
    check_attractive<T, 3>();
    check_attractive<T, 5>();
}

}  // namespace t_attractive
