#pragma once
// Exact k-nearest neighbours by blocked brute force: squared Euclidean distances of a block of
// queries against a block of references come from one GEMM (|x|^2 + |y|^2 - 2 x.y), a per-row
// bounded max-heap keeps the k best, and the selected neighbours' distances are then recomputed
// directly (no cancellation error). O(N^2 D) time, O(block^2) extra memory; the oracle for every
// faster search. Deterministic: blocks are fixed-size, ties break by smaller index.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "../detail/types.hpp"
#include "../error.hpp"
#include "../parallel/parallel_for.hpp"
#include "knn_graph.hpp"

namespace tsne {

struct BruteForce {
    std::size_t query_block = 128;      ///< queries per GEMM block (and per parallel task)
    std::size_t reference_block = 2048; ///< references per GEMM block

    template <class T, class Exec>
    KnnGraph<T> operator()(const MatrixRef<T>& X, std::size_t k, Exec& ex) const {
        const std::size_t n = static_cast<std::size_t>(X.rows());
        if (k == 0 || k >= n) detail::fail("k (neighbours) must be in [1, N-1] = [1, ", n - 1, "], got ", k);
        KnnGraph<T> g;
        g.n = n;
        g.k = k;
        g.index.resize(detail::checked_mul(n, k, "kNN graph"));
        g.distance.resize(n * k);

        // Power-of-two rescaling keeps squared distances away from overflow / underflow without
        // changing which points are nearest (exact in floating point barring subnormals).
        const T maxabs = X.size() ? X.cwiseAbs().maxCoeff() : T(0);
        int e = 0;
        if (maxabs > T(0)) std::frexp(maxabs, &e);
        const bool rescale = e > 16 || e < -16;
        RowMatrix<T> scaled;
        if (rescale) scaled = X * std::ldexp(T(1), -e);
        const MatrixRef<T> Xs = rescale ? MatrixRef<T>(scaled) : X;

        using Vec = Eigen::Matrix<T, Eigen::Dynamic, 1>;
        const Vec sq = Xs.rowwise().squaredNorm();
        const std::size_t qb = std::max<std::size_t>(1, query_block);
        const std::size_t rb = std::max<std::size_t>(1, reference_block);

        ex.parallel_for(n, qb, [&](std::size_t q0, std::size_t q1) {
            const auto nq = static_cast<Eigen::Index>(q1 - q0);
            using Cand = std::pair<T, std::uint32_t>;
            std::vector<std::vector<Cand>> heaps(q1 - q0);
            for (auto& h : heaps) h.reserve(k + 1);
            Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> G;
            for (std::size_t r0 = 0; r0 < n; r0 += rb) {
                const std::size_t r1 = std::min(n, r0 + rb);
                const auto nr = static_cast<Eigen::Index>(r1 - r0);
                G.noalias() = Xs.middleRows(static_cast<Eigen::Index>(q0), nq) *
                              Xs.middleRows(static_cast<Eigen::Index>(r0), nr).transpose();
                for (Eigen::Index a = 0; a < nq; ++a) {
                    const std::size_t i = q0 + static_cast<std::size_t>(a);
                    auto& h = heaps[static_cast<std::size_t>(a)];
                    const T sqi = sq[static_cast<Eigen::Index>(i)];
                    for (Eigen::Index b = 0; b < nr; ++b) {
                        const std::size_t j = r0 + static_cast<std::size_t>(b);
                        if (j == i) continue;
                        T d2 = sqi + sq[static_cast<Eigen::Index>(j)] - T(2) * G(a, b);
                        if (d2 < T(0)) d2 = T(0);
                        const Cand c{d2, static_cast<std::uint32_t>(j)};
                        if (h.size() < k) {
                            h.push_back(c);
                            std::push_heap(h.begin(), h.end());
                        } else if (c < h.front()) {
                            std::pop_heap(h.begin(), h.end());
                            h.back() = c;
                            std::push_heap(h.begin(), h.end());
                        }
                    }
                }
            }
            const T unscale = rescale ? std::ldexp(T(1), e) : T(1);
            for (std::size_t a = 0; a < q1 - q0; ++a) {
                const std::size_t i = q0 + a;
                auto& h = heaps[a];
                for (auto& c : h) {  // exact squared distance, no cancellation
                    T s = 0;
                    for (Eigen::Index c2 = 0; c2 < Xs.cols(); ++c2) {
                        const T diff = Xs(static_cast<Eigen::Index>(i), c2) - Xs(static_cast<Eigen::Index>(c.second), c2);
                        s += diff * diff;
                    }
                    c.first = s;
                }
                std::sort(h.begin(), h.end());
                for (std::size_t m = 0; m < k; ++m) {
                    g.index[i * k + m] = h[m].second;
                    g.distance[i * k + m] = std::sqrt(h[m].first) * unscale;
                }
            }
        });
        return g;
    }
};

}  // namespace tsne
