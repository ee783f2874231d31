#pragma once
// Compressed sparse rows with 32-bit column indices: the affinity matrix P.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tsne {

template <class T>
struct Csr {
    std::size_t n = 0;                  ///< rows = columns = points
    std::vector<std::size_t> row_ptr;   ///< n+1 offsets into col/val
    std::vector<std::uint32_t> col;     ///< column of each stored entry, ascending within a row
    std::vector<T> val;                 ///< value of each stored entry

    std::size_t nnz() const noexcept { return col.size(); }
    /// Value at (i, j), 0 when not stored (binary search; for tests and diagnostics).
    T at(std::size_t i, std::size_t j) const noexcept {
        std::size_t lo = row_ptr[i], hi = row_ptr[i + 1];
        while (lo < hi) {
            const std::size_t mid = (lo + hi) / 2;
            if (col[mid] < j) lo = mid + 1; else hi = mid;
        }
        return (lo < row_ptr[i + 1] && col[lo] == j) ? val[lo] : T(0);
    }
};

/// P with its points renumbered: row and column i of the result are row and column order[i] of
/// P; inv is order's inverse (inv[order[i]] == i). Each row keeps its entries in their sequence
/// (only the column labels change), so a sum along a row has the same bits in either numbering,
/// and renumbering back restores P exactly (ascending columns included).
template <class T, class Exec>
Csr<T> permuted(const Csr<T>& P, const std::vector<std::uint32_t>& order, const std::vector<std::uint32_t>& inv,
                Exec& ex) {
    const std::size_t n = P.n;
    Csr<T> out;
    out.n = n;
    out.row_ptr.resize(n + 1);
    out.col.resize(P.col.size());
    out.val.resize(P.val.size());
    out.row_ptr[0] = 0;
    for (std::size_t i = 0; i < n; ++i)
        out.row_ptr[i + 1] = out.row_ptr[i] + (P.row_ptr[order[i] + 1] - P.row_ptr[order[i]]);
    ex.parallel_for(n, 1024, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            const std::size_t src = P.row_ptr[order[i]], dst = out.row_ptr[i], len = out.row_ptr[i + 1] - dst;
            for (std::size_t k = 0; k < len; ++k) {
                out.col[dst + k] = inv[P.col[src + k]];
                out.val[dst + k] = P.val[src + k];
            }
        }
    });
    return out;
}

/// What the σ search found: reported, never thrown.
struct AffinityDiagnostics {
    std::size_t neighbors = 0;          ///< k used per point
    std::size_t not_converged = 0;      ///< points whose entropy missed log(perplexity) by > tolerance
    double mean_sigma = 0;              ///< mean Gaussian bandwidth (input units)
};

/// The symmetric joint affinities P (sum 1, zero diagonal) and how they were made.
template <class T>
struct Affinities {
    Csr<T> P;
    AffinityDiagnostics diagnostics;
};

}  // namespace tsne
