#pragma once
// k-nearest-neighbour graph: for each point its k neighbours (never itself), nearest first.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../detail/types.hpp"

namespace tsne {

template <class T>
struct KnnGraph {
    std::size_t n = 0;  ///< points
    std::size_t k = 0;  ///< neighbours per point
    std::vector<std::uint32_t> index;  ///< n*k, row i = neighbours of point i, nearest first
    std::vector<T> distance;           ///< n*k, distances (not squared), ascending per row

    /// A graph of n points with k neighbours each, zero-filled; n * k is overflow-checked.
    static KnnGraph allocate(std::size_t n, std::size_t k) {
        KnnGraph g;
        g.n = n;
        g.k = k;
        g.index.resize(detail::checked_mul(n, k, "kNN graph"));
        g.distance.resize(n * k);
        return g;
    }

    const std::uint32_t* neighbors(std::size_t i) const noexcept { return index.data() + i * k; }
    const T* distances(std::size_t i) const noexcept { return distance.data() + i * k; }
};

}  // namespace tsne
