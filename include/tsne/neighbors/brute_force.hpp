#pragma once
// Exact k-nearest neighbours by blocked brute force: squared Euclidean distances of a block of
// queries against a block of references come from one GEMM (|x|² + |y|² − 2 x·y), a per-row bounded
// max-heap keeps the k + margin best, whose distances are then recomputed directly (no
// cancellation error) to pick the k nearest. O(N² D) time, O(block²) extra memory; the oracle for every faster search.
// Metrics with a Euclidean form (Euclidean, Cosine) use the GEMM path; others a pairwise loop.
// Deterministic: blocks are fixed-size, ties break by the smaller index.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../error.hpp"
#include "../parallel/parallel_for.hpp"
#include "detail.hpp"
#include "knn_graph.hpp"
#include "metric.hpp"

namespace tsne {

namespace detail {
inline void check_k(std::size_t k, std::size_t n) {
    if (k == 0 || k >= n) fail("k (neighbours) must be in [1, N-1] = [1, ", n - 1, "], got ", k);
}

/// Rows [q0, q1) of g by blocked GEMM brute force: searched row `first + q` of data against rows
/// [0, n_ref) (itself excluded), `reference_block` references at a time; the k + margin best by
/// GEMM distance are re-ranked by exact distance. `self`: the searched rows are among the
/// references (one candidate fewer). Used by BruteForce (first = 0) and knn_query (the queries
/// stacked after the references).
template <class T, class Metric>
void gemm_search_rows(const SearchData<T>& data, const Metric& metric, std::size_t first, std::size_t q0,
                      std::size_t q1, std::size_t n_ref, bool self, std::size_t reference_block, KnnGraph<T>& g) {
    const std::size_t k = g.k, rb = std::max<std::size_t>(1, reference_block);
    const std::size_t keep = std::min(self ? n_ref - 1 : n_ref, k + rerank_margin(k));
    std::vector<KBest<T>> heaps(q1 - q0, KBest<T>(keep));
    RowMatrix<T> G;
    const auto nq = static_cast<Eigen::Index>(q1 - q0);
    for (std::size_t r0 = 0; r0 < n_ref; r0 += rb) {
        const std::size_t r1 = std::min(n_ref, r0 + rb);
        const auto nr = static_cast<Eigen::Index>(r1 - r0);
        G.noalias() = data.X.middleRows(static_cast<Eigen::Index>(first + q0), nq) *
                      data.X.middleRows(static_cast<Eigen::Index>(r0), nr).transpose();
        for (Eigen::Index a = 0; a < nq; ++a) {
            const std::size_t i = first + q0 + static_cast<std::size_t>(a);
            auto& h = heaps[static_cast<std::size_t>(a)];
            const T sqi = data.sq[static_cast<Eigen::Index>(i)];
            for (Eigen::Index b = 0; b < nr; ++b) {
                const std::size_t j = r0 + static_cast<std::size_t>(b);
                T d2 = sqi + data.sq[static_cast<Eigen::Index>(j)] - T(2) * G(a, b);
                if (d2 < T(0)) d2 = T(0);
                if (j != i && d2 <= h.bound()) h.push(d2, static_cast<std::uint32_t>(j));
            }
        }
    }
    for (std::size_t a = 0; a < q1 - q0; ++a) finish_row(data, metric, first + q0 + a, heaps[a], g, q0 + a);
}

/// Rows [q0, q1) of g by direct distances (metrics without a Euclidean form): row i of Q against
/// every row of R (row i itself excluded when `self`, i.e. Q is R), the k nearest by (distance,
/// index).
template <class T, class Metric>
void pairwise_search_rows(const MatrixRef<T>& Q, const MatrixRef<T>& R, bool self, const Metric& metric,
                          std::size_t q0, std::size_t q1, KnnGraph<T>& g) {
    const std::size_t n = static_cast<std::size_t>(R.rows()), k = g.k;
    const auto D = static_cast<std::size_t>(R.cols());
    std::vector<std::pair<T, std::uint32_t>> all;
    for (std::size_t i = q0; i < q1; ++i) {
        all.clear();
        for (std::size_t j = 0; j < n; ++j) {
            if (self && j == i) continue;
            const T d = metric.distance(Q.data() + static_cast<Eigen::Index>(i) * Q.outerStride(),
                                        R.data() + static_cast<Eigen::Index>(j) * R.outerStride(), D);
            if (!(d >= T(0))) {
                if (self) fail("metric: distance between points ", i, " and ", j, " is ", d, "; it must be a number >= 0");
                fail("metric: distance between new point ", i, " and reference point ", j, " is ", d,
                     "; it must be a number >= 0");
            }
            all.push_back({d, static_cast<std::uint32_t>(j)});
        }
        std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end());
        for (std::size_t m = 0; m < k; ++m) {
            g.index[i * k + m] = all[m].second;
            g.distance[i * k + m] = all[m].first;
        }
    }
}
}  // namespace detail

struct BruteForce {
    std::size_t query_block = 128;       ///< queries per GEMM block (and per parallel task)
    std::size_t reference_block = 2048;  ///< references per GEMM block

    template <class T, class Exec>
    KnnGraph<T> operator()(const MatrixRef<T>& X, std::size_t k, Exec& ex) const {
        return (*this)(X, k, Euclidean{}, ex);
    }

    template <class T, class Metric, class Exec>
    KnnGraph<T> operator()(const MatrixRef<T>& X, std::size_t k, const Metric& metric, Exec& ex) const {
        static_assert(traits::is_metric_v<Metric>,
                      "Metric is not a metric: it needs transform(X, out) + from_euclidean(d), or "
                      "distance(a, b, dims); see tsne/neighbors/metric.hpp");
        const std::size_t n = static_cast<std::size_t>(X.rows());
        detail::check_k(k, n);
        auto g = KnnGraph<T>::allocate(n, k);
        if constexpr (traits::is_euclidean_embeddable<Metric>::value) {
            const detail::SearchData<T> data(X, metric);
            ex.parallel_for(n, std::max<std::size_t>(1, query_block), [&](std::size_t q0, std::size_t q1) {
                detail::gemm_search_rows(data, metric, 0, q0, q1, n, true, reference_block, g);
            });
        } else {
            ex.parallel_for(n, 64, [&](std::size_t q0, std::size_t q1) {
                detail::pairwise_search_rows(X, X, true, metric, q0, q1, g);
            });
        }
        return g;
    }
};

}  // namespace tsne
