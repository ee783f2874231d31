#pragma once
// k nearest reference points of new query points (for transform.hpp): exact, by blocked brute
// force as in brute_force.hpp. The queries and references are searched as one data set (so the
// metric's transform and the power-of-two rescale are shared), queries only against references.
// O(M·N·D) time; O(block²) scratch plus one (N + M)·D copy of the data. Deterministic: fixed
// blocks, ties to the smaller index.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "../detail/validate.hpp"
#include "../parallel/parallel_for.hpp"
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
        const std::size_t qb = std::max<std::size_t>(1, query_block), rb = std::max<std::size_t>(1, reference_block);
        ex.parallel_for(m, qb, [&](std::size_t q0, std::size_t q1) {
            const std::size_t keep = std::min(n, k + detail::rerank_margin(k));
            std::vector<detail::KBest<T>> heaps(q1 - q0, detail::KBest<T>(keep));
            std::vector<std::uint32_t> qi(q1 - q0), ci;
            for (std::size_t a = 0; a < q1 - q0; ++a) qi[a] = static_cast<std::uint32_t>(n + q0 + a);
            RowMatrix<T> Qs, Cs, G;
            for (std::size_t r0 = 0; r0 < n; r0 += rb) {
                const std::size_t r1 = std::min(n, r0 + rb);
                ci.resize(r1 - r0);
                std::iota(ci.begin(), ci.end(), static_cast<std::uint32_t>(r0));
                detail::gemm_block(data, qi.data(), qi.size(), ci.data(), ci.size(), heaps.data(), Qs, Cs, G);
            }
            for (std::size_t a = 0; a < q1 - q0; ++a) {
                auto& h = heaps[a].items();
                for (auto& c : h) c.first = data.exact_sq(qi[a], c.second);
                std::sort(h.begin(), h.end());
                const std::size_t row = q0 + a;
                for (std::size_t j = 0; j < k; ++j) {
                    g.index[row * k + j] = h[j].second;
                    g.distance[row * k + j] = metric.from_euclidean(std::sqrt(h[j].first) * data.unscale);
                }
            }
        });
    } else {
        const auto D = static_cast<std::size_t>(R.cols());
        ex.parallel_for(m, 64, [&](std::size_t q0, std::size_t q1) {
            std::vector<std::pair<T, std::uint32_t>> all(n);
            for (std::size_t i = q0; i < q1; ++i) {
                for (std::size_t j = 0; j < n; ++j) {
                    const T d = metric.distance(Q.data() + static_cast<Eigen::Index>(i) * Q.outerStride(),
                                                R.data() + static_cast<Eigen::Index>(j) * R.outerStride(), D);
                    if (!(d >= T(0)))
                        detail::fail("metric: distance between new point ", i, " and reference point ", j, " is ", d,
                                     "; it must be a number >= 0");
                    all[j] = {d, static_cast<std::uint32_t>(j)};
                }
                std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end());
                for (std::size_t j = 0; j < k; ++j) {
                    g.index[i * k + j] = all[j].second;
                    g.distance[i * k + j] = all[j].first;
                }
            }
        });
    }
    return g;
}

}  // namespace tsne
