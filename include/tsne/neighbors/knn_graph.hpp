#pragma once
// k-nearest-neighbour graph: for each point its k neighbours (never itself), nearest first.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tsne {

template <class T>
struct KnnGraph {
    std::size_t n = 0;  ///< points
    std::size_t k = 0;  ///< neighbours per point
    std::vector<std::uint32_t> index;  ///< n*k, row i = neighbours of point i, nearest first
    std::vector<T> distance;           ///< n*k, distances (not squared), ascending per row

    const std::uint32_t* neighbors(std::size_t i) const noexcept { return index.data() + i * k; }
    const T* distances(std::size_t i) const noexcept { return distance.data() + i * k; }
};

}  // namespace tsne
