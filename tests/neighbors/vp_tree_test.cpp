#include <doctest/doctest.h>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_vp_tree {

namespace {
template <class T>
void check_vp(std::size_t n, std::size_t d, std::size_t k) {
    auto X = testing::clusters<T>(n, d, 4, 40 + d, 2.0);
    const auto dup = static_cast<Eigen::Index>(n / 4);  // duplicates of one point: ties by index
    for (Eigen::Index i = 0; i < dup; ++i) X.row(i) = X.row(static_cast<Eigen::Index>(n / 2));
    tsne::Executor one(1), four(4);
    const auto exact = tsne::BruteForce{}(tsne::MatrixRef<T>(X), k, one);
    const auto a = tsne::VPTree{}(tsne::MatrixRef<T>(X), k, one);
    const auto b = tsne::VPTree{}(tsne::MatrixRef<T>(X), k, four);
    CHECK(a.index == b.index);
    CHECK(a.distance == b.distance);
    CHECK(a.index == exact.index);
    CHECK(a.distance == exact.distance);
}
}  // namespace

TEST_CASE_TEMPLATE("VP-tree equals brute force exactly (dims 1-5, duplicates), any thread count", T, float, double) {
    check_vp<T>(1500, 1, 20);
    check_vp<T>(1500, 2, 30);
    check_vp<T>(1500, 3, 10);
    check_vp<T>(800, 5, 40);
    check_vp<T>(30, 2, 29);  // k = N - 1
}

TEST_CASE("AutoNeighbors picks the VP-tree for low dimensions, cosine works through it") {
    auto X = testing::clusters<float>(600, 3, 3, 8);
    X.col(0).array() += 10.0f;
    tsne::Executor ex(2);
    tsne::AutoNeighbors autos;
    CHECK(autos(tsne::MatrixRef<float>(X), 15, ex).index == tsne::VPTree{}(tsne::MatrixRef<float>(X), 15, ex).index);
    CHECK(tsne::VPTree{}(tsne::MatrixRef<float>(X), 15, tsne::Cosine{}, ex).index ==
          tsne::BruteForce{}(tsne::MatrixRef<float>(X), 15, tsne::Cosine{}, ex).index);
}

}  // namespace t_vp_tree
