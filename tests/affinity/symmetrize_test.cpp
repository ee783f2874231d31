#include <doctest/doctest.h>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_symmetrize {

TEST_CASE("symmetrize: P = (C + Cᵀ) / 2N against a dense oracle") {
    const std::size_t n = 6, k = 2;
    // Row i's neighbours and conditional weights (rows sum to 1).
    const std::vector<std::uint32_t> idx = {1, 2, 0, 3, 0, 1, 4, 5, 3, 5, 4, 3};
    const std::vector<double> cond = {0.7, 0.3, 0.6, 0.4, 0.5, 0.5, 0.9, 0.1, 0.2, 0.8, 0.55, 0.45};
    tsne::Executor ex(2);
    const auto P = tsne::symmetrize(n, k, idx, cond, ex);
    std::vector<double> dense(n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t m = 0; m < k; ++m) {
            dense[i * n + idx[i * k + m]] += cond[i * k + m] / (2.0 * n);
            dense[idx[i * k + m] * n + i] += cond[i * k + m] / (2.0 * n);
        }
    std::size_t nnz = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            CHECK(P.at(i, j) == doctest::Approx(dense[i * n + j]));
            nnz += dense[i * n + j] > 0;
        }
    CHECK(P.nnz() == nnz);
}

TEST_CASE_TEMPLATE("symmetrize: the consuming overload gives the same P bit for bit, and frees its inputs", T, float,
                   double) {
    // 300 points, k = 7 random distinct neighbours each, random weights: many rows with both terms.
    const std::size_t n = 300, k = 7;
    std::vector<std::uint32_t> idx(n * k);
    std::vector<T> cond(n * k);
    tsne::detail::Rng rng(11);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t m = 0; m < k; ++m) {
            std::uint32_t j;
            bool fresh;
            do {
                j = static_cast<std::uint32_t>(rng.uniform() * n) % static_cast<std::uint32_t>(n);
                fresh = j != i;
                for (std::size_t q = 0; q < m; ++q) fresh = fresh && idx[i * k + q] != j;
            } while (!fresh);
            idx[i * k + m] = j;
            cond[i * k + m] = static_cast<T>(rng.uniform() / k);
        }
    cond[5] = T(0);  // an exact zero on one side of a pair must still leave the other side
    tsne::Executor ex(3);
    const auto A = tsne::symmetrize(n, k, idx, cond, ex);
    auto idx2 = idx;
    auto cond2 = cond;
    const auto B = tsne::symmetrize(n, k, std::move(idx2), std::move(cond2), ex);
    CHECK(A.row_ptr == B.row_ptr);
    CHECK(A.col == B.col);
    CHECK(A.val == B.val);
    CHECK(idx2.capacity() == 0);  // moved from: the function owned and freed them
    CHECK(cond2.capacity() == 0);
    // P was compacted in place and trimmed: no slack left from the 2·N·k pairs buffer.
    CHECK(B.col.capacity() == B.col.size());
    CHECK(B.val.capacity() == B.val.size());
    // Against the dense oracle.
    std::vector<double> dense(n * n, 0.0);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t m = 0; m < k; ++m) {
            dense[i * n + idx[i * k + m]] += static_cast<double>(cond[i * k + m]);
            dense[idx[i * k + m] * n + i] += static_cast<double>(cond[i * k + m]);
        }
    std::size_t nnz = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            CHECK(static_cast<double>(B.at(i, j)) == doctest::Approx(dense[i * n + j] / (2.0 * n)).epsilon(1e-5));
            nnz += dense[i * n + j] > 0;
        }
    CHECK(B.nnz() == nnz);
}

TEST_CASE("symmetrize: mismatched sizes and out-of-range indices are named errors") {
    tsne::Executor ex(1);
    const std::vector<std::uint32_t> idx = {1, 0, 0};
    const std::vector<double> cond = {1, 1, 1};
    CHECK_THROWS_WITH_AS(tsne::symmetrize(3, 2, idx, cond, ex), doctest::Contains("N x k = 3 x 2"),
                         tsne::invalid_argument);
    const std::vector<std::uint32_t> bad = {1, 7, 0};
    CHECK_THROWS_WITH_AS(tsne::symmetrize(3, 1, bad, cond, ex), doctest::Contains("index 7"), tsne::invalid_argument);
}

}  // namespace t_symmetrize
