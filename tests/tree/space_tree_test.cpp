#include <doctest/doctest.h>

#include <numeric>
#include <set>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_space_tree {

namespace {
// Every invariant the Barnes-Hut rule relies on, checked against the points themselves.
template <class T, int Dims>
void check_tree(const tsne::Embedding<T, Dims>& Y, std::size_t leaf, std::size_t group) {
    tsne::Executor ex(2);
    tsne::tree::SpaceTree<T, Dims> t;
    t.build(Y, ex, leaf, group);
    const std::size_t n = Y.size();
    REQUIRE(t.size() == n);
    // order() is a permutation and sorted() holds the points in that order.
    std::vector<std::uint32_t> o = t.order();
    std::sort(o.begin(), o.end());
    for (std::size_t i = 0; i < n; ++i) REQUIRE(o[i] == i);
    for (std::size_t s = 0; s < n; ++s)
        for (int d = 0; d < Dims; ++d) REQUIRE(t.sorted(d)[s] == Y(t.order()[s], d));
    CHECK(t.begin(0) == 0);
    CHECK(t.end(0) == n);
    for (std::uint32_t node = 0; node < t.nodes(); ++node) {
        const auto cnt = t.count(node);
        REQUIRE(cnt > 0);
        // centre of mass = mean of the node's points
        for (int d = 0; d < Dims; ++d) {
            double s = 0, scale = 1;
            for (auto k = t.begin(node); k < t.end(node); ++k) {
                s += double(t.sorted(d)[k]);
                scale = std::max(scale, std::abs(double(t.sorted(d)[k])));
            }
            CHECK(std::abs(double(t.com(node, d)) - s / cnt) <= scale * 1e-5);
        }
        // points lie in the node's cell (up to rounding)
        const auto cell = t.cell(node);
        for (int d = 0; d < Dims; ++d) {
            const double slack = 1e-5 * (1 + std::abs(double(cell.hi[d])) + std::abs(double(cell.lo[d])));
            CHECK(double(cell.hi[d]) - double(cell.lo[d]) == doctest::Approx(double(t.width(node))).epsilon(1e-5));
            for (auto k = t.begin(node); k < t.end(node); ++k) {
                CHECK(double(t.sorted(d)[k]) >= double(cell.lo[d]) - slack);
                CHECK(double(t.sorted(d)[k]) <= double(cell.hi[d]) + slack);
            }
        }
        if (t.is_leaf(node)) {
            CHECK((cnt <= leaf || t.depth(node) == t.depth_limit));
        } else {
            // children partition the parent's range, in order, one level deeper, half as wide
            REQUIRE(t.children(node) >= 1);
            REQUIRE(t.children(node) <= t.fanout);
            auto at = t.begin(node);
            for (int c = 0; c < t.children(node); ++c) {
                const auto child = t.first_child(node) + static_cast<std::uint32_t>(c);
                CHECK(t.begin(child) == at);
                at = t.end(child);
                CHECK(t.depth(child) == t.depth(node) + 1);
                CHECK(double(t.width(child)) == doctest::Approx(double(t.width(node)) / 2));
            }
            CHECK(at == t.end(node));
        }
    }
    // groups partition the points, each with at most `group` points unless it is a deep leaf
    std::size_t covered = 0, prev_end = 0;
    for (auto g : t.groups()) {
        CHECK(t.begin(g) == prev_end);
        prev_end = t.end(g);
        covered += t.count(g);
        CHECK((t.count(g) <= group || t.depth(g) == t.depth_limit));
    }
    CHECK(covered == n);
}
}  // namespace

TEST_CASE_TEMPLATE("space tree: invariants on random and clustered embeddings", T, float, double) {
    for (std::size_t n : {1u, 2u, 7u, 100u, 3000u}) {
        check_tree<T, 1>(testing::random_embedding<T, 1>(n, 3), 4, 16);
        check_tree<T, 2>(testing::random_embedding<T, 2>(n, 4), 8, 32);
        check_tree<T, 3>(testing::random_embedding<T, 3>(n, 5), 1, 1);
    }
    // clustered: blobs 1e-3 wide, 100 apart
    const auto X = testing::clusters<T>(2000, 2, 5, 9, 100.0);
    tsne::Embedding<T, 2> Y(2000);
    for (std::size_t i = 0; i < 2000; ++i)
        for (int d = 0; d < 2; ++d) Y(i, d) = X(static_cast<Eigen::Index>(i), d) * T(1e-3) + X(static_cast<Eigen::Index>(i) / 5 * 5, d);
    check_tree<T, 2>(Y, 8, 32);
}

TEST_CASE("space tree: duplicates end in one deep leaf, no runaway recursion") {
    tsne::Embedding<float, 2> Y(500);
    for (std::size_t i = 0; i < 500; ++i) {
        Y(i, 0) = i < 400 ? 1.25f : float(i);  // 400 copies of one point
        Y(i, 1) = i < 400 ? -3.0f : float(i % 7);
    }
    check_tree<float, 2>(Y, 8, 32);
    tsne::Embedding<double, 3> same(300);
    same.fill(7.0);  // all equal: zero extent
    check_tree<double, 3>(same, 8, 32);
    tsne::Executor ex(1);
    tsne::tree::SpaceTree<double, 3> t;
    t.build(same, ex);
    CHECK(t.count(t.groups().front()) == 300);
}

TEST_CASE("space tree: the build is thread-count independent") {
    const auto Y = testing::random_embedding<float, 2>(5000, 11, 20.0);
    tsne::Executor one(1), three(3);
    tsne::tree::SpaceTree<float, 2> a, b;
    a.build(Y, one);
    b.build(Y, three);
    REQUIRE(a.nodes() == b.nodes());
    CHECK(a.order() == b.order());
    for (std::uint32_t k = 0; k < a.nodes(); ++k) {
        CHECK(a.com(k, 0) == b.com(k, 0));
        CHECK(a.com(k, 1) == b.com(k, 1));
    }
}

TEST_CASE("space tree: bad input gets a clear error") {
    tsne::Executor ex(1);
    tsne::tree::SpaceTree<float, 2> t;
    tsne::Embedding<float, 2> empty;
    CHECK_THROWS_AS(t.build(empty, ex), tsne::invalid_argument);
    tsne::Embedding<float, 2> Y(10);
    CHECK_THROWS_AS(t.build(Y, ex, 0, 8), tsne::invalid_argument);
    CHECK_THROWS_AS(t.build(Y, ex, 16, 8), tsne::invalid_argument);
    Y(3, 1) = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_AS(t.build(Y, ex), tsne::runtime_error);
}

}  // namespace t_space_tree
