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
