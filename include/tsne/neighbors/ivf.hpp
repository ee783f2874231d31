#pragma once
// Approximate k-nearest neighbours: an inverted file over k-means clusters, searched with GEMM
// blocks, then a neighbours-of-neighbours refinement pass.
//
// 1. k-means (Lloyd, `kmeans_iterations` rounds from `clusters` seeded points) partitions X; every
//    point also notes its `probes` nearest centroids.
// 2. For each cluster, its members are the queries and the members of every cluster probed by any
//    of them are the candidates: one dense GEMM block per cluster (cache- and SIMD-friendly, which
//    tree or graph walks are not), bounded max-heaps keep the k best.
// 3. `refine` passes: each point also tries its neighbours' first `refine_width` neighbours (the
//    NN-descent idea, in "pull" form: every point updates only its own list from a snapshot of the
//    graph, so the result does not depend on the thread count).
// Kept neighbours' distances are recomputed exactly. Trade-off: more probes (or fewer, larger
// clusters) = higher recall and more time; recall@90 on Fashion-MNIST PCA-50 is in
// benchmarks/RESULTS.md. Why not an RP forest + NN-descent: on 2 cores the GEMM blocks do the same
// number of distance evaluations several times faster than tree/graph walks, and are deterministic
// by construction.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "../detail/rng.hpp"
#include "../error.hpp"
#include "../parallel/parallel_for.hpp"
#include "brute_force.hpp"
#include "detail.hpp"

namespace tsne {

struct IVF {
    std::size_t clusters = 0;        ///< k-means clusters; 0 = about 2·sqrt(N)
    std::size_t probes = 12;         ///< clusters each query searches (more = better recall, slower)
    int kmeans_iterations = 6;       ///< Lloyd rounds
    int refine = 0;                  ///< neighbours-of-neighbours passes (0 = none; +0.0004 recall@90 at 70k, +40% time)
    std::size_t refine_width = 12;   ///< how many of a neighbour's neighbours each pass tries
    std::uint64_t seed = 0x1f5eedULL;

    template <class T, class Exec>
    KnnGraph<T> operator()(const MatrixRef<T>& X, std::size_t k, Exec& ex) const {
        return (*this)(X, k, Euclidean{}, ex);
    }

    template <class T, class Metric, class Exec>
    KnnGraph<T> operator()(const MatrixRef<T>& X, std::size_t k, const Metric& metric, Exec& ex) const {
        static_assert(traits::is_euclidean_embeddable<Metric>::value,
                      "IVF needs a metric with a Euclidean form (transform + from_euclidean); use BruteForce "
                      "for other metrics");
        const std::size_t n = static_cast<std::size_t>(X.rows());
        detail::check_k(k, n);
        if (probes == 0) detail::fail("IVF probes must be >= 1, got 0");
        const detail::SearchData<T> data(X, metric);
        std::size_t C = clusters ? clusters : static_cast<std::size_t>(2.0 * std::sqrt(static_cast<double>(n)));
        C = std::max<std::size_t>(1, std::min(C, n));
        const std::size_t P = std::min(probes, C);
        Partition<T> part = train(data, C, P, ex);
        const Lists lists = inverted_lists(part.assign, C);
        auto g = search(data, metric, part, lists, k, ex);
        for (int r = 0; r < refine; ++r) refine_pass(data, metric, std::min(refine_width, k), g, ex);
        return g;
    }

private:
    /// The k-means result: centroids, each point's cluster and its P nearest centroids (probe
    /// lists, nearest first).
    template <class T>
    struct Partition {
        RowMatrix<T> cent;
        std::size_t probes = 0;
        std::vector<std::uint32_t> assign, probe;
    };
    /// Each cluster's members, in point order: members[start[c], start[c + 1]).
    struct Lists {
        std::vector<std::size_t> start;
        std::vector<std::uint32_t> members;
    };

    /// C distinct data points as the first centroids (a partial Fisher-Yates shuffle from `seed`).
    template <class T>
    RowMatrix<T> seed_centroids(const detail::SearchData<T>& data, std::size_t C) const {
        const std::size_t n = static_cast<std::size_t>(data.X.rows());
        RowMatrix<T> cent(static_cast<Eigen::Index>(C), data.X.cols());
        std::vector<std::uint32_t> perm(n);
        std::iota(perm.begin(), perm.end(), 0u);
        detail::Rng rng(seed);
        for (std::size_t c = 0; c < C; ++c) {
            const std::size_t r = c + static_cast<std::size_t>(rng.uniform() * static_cast<double>(n - c));
            std::swap(perm[c], perm[std::min(r, n - 1)]);
            cent.row(static_cast<Eigen::Index>(c)) = data.X.row(perm[c]);
        }
        return cent;
    }

    /// Step 1: `kmeans_iterations` Lloyd rounds, then one more assignment that also notes each
    /// point's P nearest centroids.
    template <class T, class Exec>
    Partition<T> train(const detail::SearchData<T>& data, std::size_t C, std::size_t P, Exec& ex) const {
        const std::size_t n = static_cast<std::size_t>(data.X.rows());
        const Eigen::Index D = data.X.cols();
        Partition<T> part;
        part.cent = seed_centroids(data, C);
        part.probes = P;
        RowMatrix<T>& cent = part.cent;
        // Blocks of 2,048 points; the k-means sums are kept per group of consecutive blocks (at most
        // 64 groups, reduced in group order: thread-count independent), so they take at most
        // 64·C·D doubles, not one copy per block (which grows as N^1.5).
        const std::size_t block = 2048, n_blocks = (n + block - 1) / block;
        const std::size_t per_group = (n_blocks + 63) / 64, n_groups = (n_blocks + per_group - 1) / per_group;
        part.assign.resize(n);
        part.probe.resize(n * P);
        std::vector<std::uint32_t>& assign = part.assign;
        std::vector<std::uint32_t>& probe = part.probe;
        std::vector<double> sums;
        std::vector<std::size_t> counts;
        for (int it = 0; it <= kmeans_iterations; ++it) {
            const bool last = it == kmeans_iterations;
            const Eigen::Matrix<T, Eigen::Dynamic, 1> csq = cent.rowwise().squaredNorm();
            if (!last) {
                sums.assign(n_groups * C * static_cast<std::size_t>(D), 0.0);
                counts.assign(n_groups * C, 0);
            }
            ex.parallel_for(n_groups, 1, [&](std::size_t g0, std::size_t g1) {
                std::vector<std::pair<T, std::uint32_t>> row(C);
                RowMatrix<T> G;
                for (std::size_t grp = g0; grp < g1; ++grp)
                    for (std::size_t blk = grp * per_group; blk < std::min(n_blocks, (grp + 1) * per_group); ++blk) {
                        const std::size_t b = blk * block, e = std::min(n, b + block);
                        const auto nb = static_cast<Eigen::Index>(e - b);
                        G.noalias() = data.X.middleRows(static_cast<Eigen::Index>(b), nb) * cent.transpose();
                        for (Eigen::Index a = 0; a < nb; ++a) {
                            const std::size_t i = b + static_cast<std::size_t>(a);
                            if (last) {
                                for (std::size_t c = 0; c < C; ++c)
                                    row[c] = {csq[static_cast<Eigen::Index>(c)] - T(2) * G(a, static_cast<Eigen::Index>(c)),
                                              static_cast<std::uint32_t>(c)};
                                std::partial_sort(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(P), row.end());
                                for (std::size_t p = 0; p < P; ++p) probe[i * P + p] = row[p].second;
                                assign[i] = row[0].second;
                            } else {
                                std::size_t best = 0;  // nearest centroid, ties to the smaller index
                                T best_d = std::numeric_limits<T>::infinity();
                                for (std::size_t c = 0; c < C; ++c) {
                                    const T v = csq[static_cast<Eigen::Index>(c)] - T(2) * G(a, static_cast<Eigen::Index>(c));
                                    if (v < best_d) {
                                        best_d = v;
                                        best = c;
                                    }
                                }
                                assign[i] = static_cast<std::uint32_t>(best);
                                double* s = sums.data() + (grp * C + best) * static_cast<std::size_t>(D);
                                for (Eigen::Index d = 0; d < D; ++d)
                                    s[d] += static_cast<double>(data.X(static_cast<Eigen::Index>(i), d));
                                ++counts[grp * C + best];
                            }
                        }
                    }
            });
            if (last) break;
            for (std::size_t c = 0; c < C; ++c) {  // group-ordered reduction: thread-count independent
                std::size_t cnt = 0;
                Eigen::VectorXd s = Eigen::VectorXd::Zero(D);
                for (std::size_t grp = 0; grp < n_groups; ++grp) {
                    cnt += counts[grp * C + c];
                    s += Eigen::Map<const Eigen::VectorXd>(sums.data() + (grp * C + c) * static_cast<std::size_t>(D), D);
                }
                if (cnt) cent.row(static_cast<Eigen::Index>(c)) = (s / static_cast<double>(cnt)).template cast<T>().transpose();
            }
        }
        return part;
    }

    /// Step 2: the inverted lists, by counting sort of the assignments.
    static Lists inverted_lists(const std::vector<std::uint32_t>& assign, std::size_t C) {
        const std::size_t n = assign.size();
        Lists l;
        l.start.assign(C + 1, 0);
        for (std::size_t i = 0; i < n; ++i) ++l.start[assign[i] + 1];
        for (std::size_t c = 0; c < C; ++c) l.start[c + 1] += l.start[c];
        l.members.resize(n);
        std::vector<std::size_t> fill(l.start.begin(), l.start.end() - 1);
        for (std::size_t i = 0; i < n; ++i) l.members[fill[assign[i]]++] = static_cast<std::uint32_t>(i);
        return l;
    }

    /// Step 3, one task per cluster: its members are the queries, the members of every cluster any
    /// of them probes are the candidates (nearest probed cluster first), searched by GEMM blocks.
    template <class T, class Metric, class Exec>
    KnnGraph<T> search(const detail::SearchData<T>& data, const Metric& metric, const Partition<T>& part,
                       const Lists& lists, std::size_t k, Exec& ex) const {
        const std::size_t n = static_cast<std::size_t>(data.X.rows()), C = lists.start.size() - 1, P = part.probes;
        const std::vector<std::size_t>& start = lists.start;
        const std::vector<std::uint32_t>& members = lists.members;
        auto g = KnnGraph<T>::allocate(n, k);
        const std::size_t chunk = 4096;
        ex.parallel_for(C, 1, [&](std::size_t c0, std::size_t c1) {
            std::vector<unsigned char> mark(C);
            std::vector<std::uint32_t> cand;
            std::vector<std::pair<T, std::uint32_t>> order;
            std::vector<detail::KBest<T>> heaps;
            RowMatrix<T> Q, Cm, G;
            for (std::size_t c = c0; c < c1; ++c) {
                const std::uint32_t* q = members.data() + start[c];
                const std::size_t nq = start[c + 1] - start[c];
                if (nq == 0) continue;
                std::fill(mark.begin(), mark.end(), 0);
                for (std::size_t a = 0; a < nq; ++a)
                    for (std::size_t p = 0; p < P; ++p) mark[part.probe[q[a] * P + p]] = 1;
                // Candidates from the nearest probed cluster first (own cluster at distance 0): the
                // heaps' bounds tighten early, so few later candidates reach a heap.
                order.clear();
                for (std::size_t cc = 0; cc < C; ++cc)
                    if (mark[cc])
                        order.push_back({(part.cent.row(static_cast<Eigen::Index>(cc)) -
                                          part.cent.row(static_cast<Eigen::Index>(c)))
                                             .squaredNorm(),
                                         static_cast<std::uint32_t>(cc)});
                std::sort(order.begin(), order.end());
                cand.clear();
                for (const auto& o : order)
                    cand.insert(cand.end(), members.begin() + static_cast<std::ptrdiff_t>(start[o.second]),
                                members.begin() + static_cast<std::ptrdiff_t>(start[o.second + 1]));
                const std::size_t keep = std::min(n - 1, k + detail::rerank_margin(k));
                heaps.assign(nq, detail::KBest<T>(keep));
                for (std::size_t b = 0; b < cand.size(); b += chunk)
                    detail::gemm_block(data, q, nq, cand.data() + b, std::min(chunk, cand.size() - b), heaps.data(), Q,
                                       Cm, G);
                for (std::size_t a = 0; a < nq; ++a) {
                    // Too few candidates (tiny clusters): top up from the cluster order, never empty.
                    for (std::size_t j = 0; heaps[a].size() < keep && j < n; ++j)
                        if (j != q[a] && !heaps[a].contains(static_cast<std::uint32_t>(j)))
                            heaps[a].push(data.exact_sq(q[a], j), static_cast<std::uint32_t>(j));
                    detail::finish_row(data, metric, q[a], heaps[a], g);
                }
            }
        });
        return g;
    }

    /// Step 4, one refinement pass: each point tries its first w neighbours' first w neighbours
    /// ("pull": every point updates only its own row, from a snapshot of the graph).
    template <class T, class Metric, class Exec>
    static void refine_pass(const detail::SearchData<T>& data, const Metric& metric, std::size_t w, KnnGraph<T>& g,
                            Exec& ex) {
        const std::size_t n = g.n, k = g.k;
        const KnnGraph<T> old = g;
        ex.parallel_for(n, 256, [&](std::size_t b, std::size_t e) {
            detail::KBest<T> h(k);
            std::vector<std::uint32_t> seen;
            for (std::size_t i = b; i < e; ++i) {
                h.reset(k);
                seen.assign(old.neighbors(i), old.neighbors(i) + k);
                for (std::size_t m = 0; m < k; ++m) h.push(data.exact_sq(i, seen[m]), seen[m]);
                std::sort(seen.begin(), seen.end());
                const std::size_t base = seen.size();
                for (std::size_t m = 0; m < w; ++m) {
                    const std::uint32_t j = old.neighbors(i)[m];
                    for (std::size_t l = 0; l < w; ++l) {
                        const std::uint32_t c = old.neighbors(j)[l];
                        if (c == i) continue;
                        seen.push_back(c);
                    }
                }
                std::sort(seen.begin() + static_cast<std::ptrdiff_t>(base), seen.end());
                for (std::size_t s = base; s < seen.size(); ++s) {
                    const std::uint32_t c = seen[s];
                    if ((s > base && seen[s - 1] == c) ||
                        std::binary_search(seen.begin(), seen.begin() + static_cast<std::ptrdiff_t>(base), c))
                        continue;
                    const T d2 = data.exact_sq(i, c);
                    if (d2 <= h.bound()) h.push(d2, c);
                }
                detail::finish_row(data, metric, i, h, g);
            }
        });
    }
};

}  // namespace tsne
