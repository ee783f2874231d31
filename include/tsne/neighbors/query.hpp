#pragma once
// k nearest reference points of new query points (for transform.hpp): exact, by the blocked brute
// force of brute_force.hpp. The queries and references are searched as one data set (so the
// metric's transform and the power-of-two rescale are shared), queries only against references.
// O(M·N·D) time; O(block²) scratch plus one (N + M)·D copy of the data. Deterministic: fixed
// blocks, ties to the smaller index.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "../detail/validate.hpp"
#include "../parallel/parallel_for.hpp"
#include "brute_force.hpp"
#include "detail.hpp"
#include "knn_graph.hpp"
#include "metric.hpp"

namespace tsne {

/// For each row of Q (M queries) its k nearest rows of R (N references), nearest first: a graph
/// with n = M rows whose indices point into R. Q and R need the same number of columns; k <= N.
template <class T, class Metric, class Exec>
KnnGraph<T> knn_query(const MatrixRef<T>& R, const MatrixRef<T>& Q, std::size_t k, const Metric& metric, Exec& ex,
                      std::size_t query_block = 128, std::size_t reference_block = 2048) {
    static_assert(traits::is_metric_v<Metric>,
                  "Metric is not a metric: it needs transform(X, out) + from_euclidean(d), or distance(a, b, dims); "
                  "see tsne/neighbors/metric.hpp");
    const std::size_t n = static_cast<std::size_t>(R.rows()), m = static_cast<std::size_t>(Q.rows());
    if (Q.cols() != R.cols())
        detail::fail("new points have ", Q.cols(), " columns but the reference data has ", R.cols());
    if (k == 0 || k > n) detail::fail("k (reference neighbours) must be in [1, N_reference = ", n, "], got ", k);
    if (n + m > std::numeric_limits<std::uint32_t>::max())
        detail::fail(n, " reference + ", m, " new points exceed the 32-bit point index");
    auto g = KnnGraph<T>::allocate(m, k);
    if (m == 0) return g;
    if constexpr (traits::is_euclidean_embeddable<Metric>::value) {
        RowMatrix<T> both(static_cast<Eigen::Index>(n + m), R.cols());
        both.topRows(static_cast<Eigen::Index>(n)) = R;
        both.bottomRows(static_cast<Eigen::Index>(m)) = Q;
        const detail::SearchData<T> data(MatrixRef<T>(both), metric);
        ex.parallel_for(m, std::max<std::size_t>(1, query_block), [&](std::size_t q0, std::size_t q1) {
            detail::gemm_search_rows(data, metric, n, q0, q1, n, false, reference_block, g);
        });
    } else {
        ex.parallel_for(m, 64, [&](std::size_t q0, std::size_t q1) {
            detail::pairwise_search_rows(Q, R, false, metric, q0, q1, g);
        });
    }
    return g;
}

}  // namespace tsne
