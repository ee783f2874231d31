#pragma once
// k-nearest-neighbour graph: for each point its k neighbours (never itself), nearest first; and
// the one check of a graph that comes from outside (a user, a file, a caller's arrays).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../detail/types.hpp"
#include "../error.hpp"

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

namespace detail {

/// What check_knn_arrays() asks of a kNN graph beyond its shape.
struct KnnGraphRules {
    const char* what = "kNN graph";   ///< starts every message
    std::size_t points = 0;           ///< every index must be below this
    const char* points_name = "N";    ///< how the messages name that bound
    const char* values = "distances";  ///< how the messages name the second array
    bool distances = true;            ///< the values are distances: finite and >= 0
    bool own_points = false;          ///< row i is point i of those indexed: no self, no repeats
    const char* rows_name = "N";      ///< how the messages name the number of rows
    const char* hint = "";            ///< appended to a bad distance's message
};

/// The one check of a kNN graph's arrays (n rows of k): n·k indices and values (overflow-checked),
/// each index below rules.points and, as the rules ask, distances finite and >= 0, no point its
/// own neighbour, no neighbour twice in a row. Throws invalid_argument naming the point and value.
template <class T>
void check_knn_arrays(std::size_t n, std::size_t k, const std::vector<std::uint32_t>& index,
                      const std::vector<T>& values, const KnnGraphRules& r) {
    const std::size_t nk = checked_mul(n, k, r.what);
    if (index.size() != nk || values.size() != nk)
        fail(r.what, ": ", r.rows_name, " x k = ", n, " x ", k, ", so expected ", n, " x ", k, " = ", nk, " indices and ",
             nk, " ", r.values, ", got ", index.size(), " indices and ", values.size(), " ", r.values);
    std::vector<std::uint32_t> ids(r.own_points ? k : 0);
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t m = 0; m < k; ++m) {
            const std::uint32_t j = index[i * k + m];
            const T d = values[i * k + m];
            if (j >= r.points)
                fail(r.what, ": point ", i, " has neighbour index ", j, ", out of range for ", r.points_name, " = ",
                     r.points);
            if (r.own_points && j == i) fail(r.what, ": point ", i, " lists itself as a neighbour");
            if (r.distances && !(std::isfinite(static_cast<double>(d)) && d >= T(0)))
                fail(r.what, ": point ", i, " has neighbour distance ", d, "; distances must be finite and >= 0",
                     r.hint);
            if (r.own_points) ids[m] = j;
        }
        if (!r.own_points) continue;
        std::sort(ids.begin(), ids.end());
        const auto twice = std::adjacent_find(ids.begin(), ids.end());
        if (twice != ids.end()) fail(r.what, ": point ", i, " lists neighbour ", *twice, " twice");
    }
}

template <class T>
void check_knn_graph(const KnnGraph<T>& g, const KnnGraphRules& r) {
    check_knn_arrays(g.n, g.k, g.index, g.distance, r);
}

}  // namespace detail

}  // namespace tsne
