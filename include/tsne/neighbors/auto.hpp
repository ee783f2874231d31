#pragma once
// AutoNeighbors: picks the neighbour search by N and D (a VP-tree for few features, exact brute
// force up to a size, IVF above). Each choice is a member, so each can be tuned or replaced.
#include <cstddef>

#include "brute_force.hpp"
#include "ivf.hpp"
#include "vp_tree.hpp"

namespace tsne {

/// Picks the search by N and D: a VP-tree (exact) for low dimensions, exact brute force up to
/// `exact_max_points`, IVF (approximate) above. Each choice is overridable by passing that policy.
struct AutoNeighbors {
    std::size_t vp_max_dims = 8;            ///< at or below this many features: VPTree (exact)
    std::size_t exact_max_points = 10000;   ///< otherwise, at or below: BruteForce (exact)
    BruteForce exact{};
    VPTree tree{};
    IVF approximate{};

    template <class T, class Exec>
    KnnGraph<T> operator()(const MatrixRef<T>& X, std::size_t k, Exec& ex) const {
        return (*this)(X, k, Euclidean{}, ex);
    }
    template <class T, class Metric, class Exec>
    KnnGraph<T> operator()(const MatrixRef<T>& X, std::size_t k, const Metric& metric, Exec& ex) const {
        if constexpr (traits::is_euclidean_embeddable<Metric>::value) {
            if (static_cast<std::size_t>(X.cols()) <= vp_max_dims) return tree(X, k, metric, ex);
            if (static_cast<std::size_t>(X.rows()) > exact_max_points) return approximate(X, k, metric, ex);
        }
        return exact(X, k, metric, ex);
    }
};

}  // namespace tsne
