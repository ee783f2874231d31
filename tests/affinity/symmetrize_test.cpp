#include <doctest/doctest.h>

#include "helpers.hpp"

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
