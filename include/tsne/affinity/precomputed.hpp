#pragma once
// Precomputed inputs, each validated with errors that name the input and the bad value:
//  - a full N×N distance matrix  → knn_from_distances()  → the affinity policy as usual;
//  - a kNN graph (indices + distances, N×k)  → checked, rows sorted, trimmed to the k the affinity
//    needs (so a graph from BruteForce gives exactly the computed P);
//  - a ready sparse affinity matrix P  → from_affinities(): symmetrised ((P+Pᵀ)/2) and/or normalised
//    (to sum 1) on request; the diagonal must be empty.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../detail/types.hpp"
#include "../detail/validate.hpp"
#include "../neighbors/knn_graph.hpp"
#include "../parallel/parallel_for.hpp"
#include "csr.hpp"
#include "symmetrize.hpp"

namespace tsne {

/// The k nearest neighbours of each row of a full distance matrix D (N×N, finite, >= 0; the
/// diagonal is ignored; D need not be symmetric). Ties break by the smaller index.
template <class T, class Exec>
KnnGraph<T> knn_from_distances(const MatrixRef<T>& D, std::size_t k, Exec& ex) {
    const auto n = static_cast<std::size_t>(D.rows());
    if (D.rows() != D.cols()) detail::fail("distance matrix must be square (N x N), got ", D.rows(), " x ", D.cols());
    if (n < 2) detail::fail("distance matrix: need at least 2 points, got ", n);
    if (n > detail::max_points) detail::fail("distance matrix: ", n, " points is more than the supported ", detail::max_points);
    if (k == 0 || k >= n) detail::fail("k (neighbours) must be in [1, N-1] = [1, ", n - 1, "], got ", k);
    auto g = KnnGraph<T>::allocate(n, k);
    ex.parallel_for(n, 64, [&](std::size_t b, std::size_t e) {
        std::vector<std::pair<T, std::uint32_t>> row;
        for (std::size_t i = b; i < e; ++i) {
            row.clear();
            for (std::size_t j = 0; j < n; ++j) {
                const T d = D(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
                if (!std::isfinite(d) || d < T(0))
                    detail::fail("distance matrix: entry (", i, ", ", j, ") is ", d, "; distances must be finite and >= 0");
                if (j != i) row.push_back({d, static_cast<std::uint32_t>(j)});
            }
            std::partial_sort(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(k), row.end());
            for (std::size_t m = 0; m < k; ++m) {
                g.index[i * k + m] = row[m].second;
                g.distance[i * k + m] = row[m].first;
            }
        }
    });
    return g;
}

/// Checks a user's kNN graph (sizes, indices in range and not the point itself, no repeats,
/// finite distances >= 0), sorts each row by (distance, index) and keeps the first `k` neighbours.
template <class T>
KnnGraph<T> checked_knn(const KnnGraph<T>& in, std::size_t k) {
    const std::size_t n = in.n;
    if (n < 2) detail::fail("kNN graph: need at least 2 points, got ", n);
    if (n > detail::max_points) detail::fail("kNN graph: ", n, " points is more than the supported ", detail::max_points);
    if (in.k == 0) detail::fail("kNN graph: k must be >= 1, got 0");
    detail::check_knn_graph(in, {"kNN graph", n, "N", "distances", true, true});
    if (in.k < k)
        detail::fail("kNN graph has ", in.k, " neighbours per point but the affinities need ", k,
                     " (perplexity p needs min(N-1, 3p)); lower the perplexity or give more neighbours");
    auto g = KnnGraph<T>::allocate(n, k);
    std::vector<std::pair<T, std::uint32_t>> row(in.k);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t m = 0; m < in.k; ++m) row[m] = {in.distance[i * in.k + m], in.index[i * in.k + m]};
        std::sort(row.begin(), row.end());
        for (std::size_t m = 0; m < k; ++m) {
            g.index[i * k + m] = row[m].second;
            g.distance[i * k + m] = row[m].first;
        }
    }
    return g;
}

namespace detail {
/// The row offsets of an N-row CSR matrix with nnz entries, checked before anything reads through
/// them: from 0, never decreasing, ending at nnz (a decreasing offset anywhere would let an earlier
/// row's loop run past the arrays). Shared by every way P comes in (a user's CSR, a run-state file).
template <class Offsets>
void check_row_offsets(const Offsets& rp, std::size_t n, std::size_t nnz, const char* what) {
    if (rp[0] != 0 || rp[n] != nnz)
        fail(what, ": malformed CSR (row_ptr must run from 0 to nnz = ", nnz, ", got ", rp[0], " to ", rp[n], ")");
    for (std::size_t i = 0; i < n; ++i)
        if (rp[i + 1] < rp[i]) fail(what, ": malformed CSR: row_ptr decreases at row ", i, " (", rp[i], " then ", rp[i + 1], ")");
}

/// Checks a CSR affinity matrix against Csr's contract (square, N+1 non-decreasing offsets from
/// 0 to nnz, columns in range, strictly ascending and off the diagonal, values finite and >= 0,
/// positive sum) and returns the sum; every message starts with `what`.
template <class T>
double checked_affinity_sum(const Csr<T>& in, const char* what) {
    const std::size_t n = in.n;
    if (n < 2) fail(what, ": need at least 2 points, got ", n);
    if (n > max_points) fail(what, ": ", n, " points is more than the supported ", max_points);
    if (in.row_ptr.size() != n + 1 || in.col.size() != in.val.size())
        fail(what, ": malformed CSR (row_ptr must have N+1 = ", n + 1, " offsets, got ", in.row_ptr.size(),
             "; col and val must both have nnz entries, got ", in.col.size(), " and ", in.val.size(), ")");
    check_row_offsets(in.row_ptr, n, in.col.size(), what);
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t e = in.row_ptr[i]; e < in.row_ptr[i + 1]; ++e) {
            const std::uint32_t j = in.col[e];
            if (j >= n) fail(what, ": row ", i, " has column ", j, ", out of range for N = ", n);
            if (j == i) fail(what, ": entry (", i, ", ", i, ") is on the diagonal; p_ii must be absent");
            if (e > in.row_ptr[i] && in.col[e - 1] >= j)
                fail(what, ": row ", i, " columns must be strictly ascending (", in.col[e - 1], " then ", j, ")");
            if (!std::isfinite(in.val[e]) || in.val[e] < T(0))
                fail(what, ": entry (", i, ", ", j, ") is ", in.val[e], "; values must be finite and >= 0");
            sum += static_cast<double>(in.val[e]);
        }
    }
    if (!(sum > 0)) fail(what, ": all values are zero");
    if (!std::isfinite(sum)) fail(what, ": the values sum to ", sum, "; scale them down");
    return sum;
}
}  // namespace detail

/// How a precomputed P is taken.
struct PrecomputedAffinities {
    bool symmetrize = true;  ///< replace P by (P + Pᵀ)/2 (t-SNE's gradient assumes a symmetric P)
    bool normalize = true;   ///< divide by the sum so P sums to 1

    /// Validates P (square CSR, ascending unique columns per row, finite values >= 0, nothing on
    /// the diagonal, positive sum) and returns it symmetrised/normalised as asked; zeros dropped.
    template <class T, class Exec>
    Affinities<T> operator()(const Csr<T>& in, Exec& ex) const {
        const std::size_t n = in.n;
        const double sum = detail::checked_affinity_sum(in, "affinities");
        Affinities<T> out;
        // Divided in double: 1/sum itself overflows T (float) or double when the values are tiny
        // (a sum of 1e-40 in float gave a scale of inf, and P = inf or NaN).
        const double denom = normalize ? sum : 1.0;
        if (symmetrize) {
            // Halves of P and Pᵀ, merged per row (zeros the user gave are kept, as given).
            out.P = detail::merge_with_transpose<T>(
                n, [&in](std::size_t i) { return in.row_ptr[i]; }, in.col.data(),
                [&in, denom](std::size_t e) { return static_cast<T>(static_cast<double>(in.val[e]) / denom / 2); },
                [](T v) { return v; }, false, ex, [] {});
        } else {
            out.P = in;
            if (normalize)
                for (T& x : out.P.val) x = static_cast<T>(static_cast<double>(x) / denom);
        }
        out.diagnostics.neighbors = 0;
        return out;
    }
};

}  // namespace tsne
