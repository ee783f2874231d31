#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_csr {

namespace {

/// A random sparse n x n matrix with ascending columns and 0..6 entries a row (some rows empty).
tsne::Csr<float> random_csr(std::size_t n, std::uint64_t seed) {
    tsne::detail::Rng rng(seed);
    tsne::Csr<float> P;
    P.n = n;
    P.row_ptr.push_back(0);
    for (std::size_t i = 0; i < n; ++i) {
        std::vector<std::uint32_t> cols;
        const int len = static_cast<int>(rng.uniform() * 7);
        for (int k = 0; k < len; ++k) cols.push_back(static_cast<std::uint32_t>(rng.uniform() * static_cast<double>(n)));
        std::sort(cols.begin(), cols.end());
        cols.erase(std::unique(cols.begin(), cols.end()), cols.end());
        for (auto c : cols) {
            P.col.push_back(c);
            P.val.push_back(static_cast<float>(rng.uniform()));
        }
        P.row_ptr.push_back(P.col.size());
    }
    return P;
}

/// Value at (i, j) by a linear scan (a permuted row's columns are not sorted).
float scan(const tsne::Csr<float>& P, std::size_t i, std::size_t j) {
    for (std::size_t k = P.row_ptr[i]; k < P.row_ptr[i + 1]; ++k)
        if (P.col[k] == j) return P.val[k];
    return 0;
}

}  // namespace

TEST_CASE("csr: permuted renumbers rows and columns, keeps each row's sequence, and the inverse restores P exactly") {
    const std::size_t n = 300;
    const auto P = random_csr(n, 5);
    std::vector<std::uint32_t> order(n), inv(n);
    std::iota(order.begin(), order.end(), 0u);
    tsne::detail::Rng rng(9);
    for (std::size_t i = n - 1; i > 0; --i)
        std::swap(order[i], order[static_cast<std::size_t>(rng.uniform() * static_cast<double>(i + 1))]);
    for (std::size_t i = 0; i < n; ++i) inv[order[i]] = static_cast<std::uint32_t>(i);
    for (unsigned threads : {1u, 3u}) {
        tsne::Executor ex(threads);
        const auto Q = tsne::permuted(P, order, inv, ex);
        REQUIRE(Q.n == n);
        REQUIRE(Q.nnz() == P.nnz());
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t a = P.row_ptr[order[i]], len = P.row_ptr[order[i] + 1] - a;
            REQUIRE(Q.row_ptr[i + 1] - Q.row_ptr[i] == len);
            for (std::size_t k = 0; k < len; ++k) {  // same sequence, relabelled columns
                CHECK(Q.col[Q.row_ptr[i] + k] == inv[P.col[a + k]]);
                CHECK(Q.val[Q.row_ptr[i] + k] == P.val[a + k]);
            }
        }
        for (std::size_t i = 0; i < n; i += 7)  // the dense view: Q(i, j) == P(order[i], order[j])
            for (std::size_t j = 0; j < n; ++j) CHECK(scan(Q, i, j) == P.at(order[i], order[j]));
        const auto back = tsne::permuted(Q, inv, order, ex);
        CHECK(back.row_ptr == P.row_ptr);
        CHECK(back.col == P.col);
        CHECK(back.val == P.val);
    }
}

}  // namespace t_csr
