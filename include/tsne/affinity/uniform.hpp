#pragma once
// Uniform affinities on the kNN graph: p_{j|i} = 1/k for each of the k nearest neighbours, then
// symmetrised. No bandwidth to fit; with k ≈ perplexity it gives nearly the same embeddings
// (Böhm et al. 2022) and is the natural choice for graphs without meaningful distances.
#include <cstddef>
#include <vector>

#include "../detail/validate.hpp"
#include "../neighbors/knn_graph.hpp"
#include "../parallel/parallel_for.hpp"
#include "csr.hpp"
#include "symmetrize.hpp"

namespace tsne {

struct Uniform {
    std::size_t k_neighbors = 15;  ///< neighbours per point with weight 1/k

    std::size_t neighbors(std::size_t n) const {
        if (k_neighbors == 0) detail::fail("uniform affinities: k_neighbors must be >= 1, got 0");
        if (n >= 2 && k_neighbors > n - 1)
            detail::fail("uniform affinities: k_neighbors ", k_neighbors, " is too large for N = ", n,
                         " points: it must be at most N - 1 = ", n - 1);
        return k_neighbors;
    }

    template <class T, class Exec>
    Affinities<T> operator()(const KnnGraph<T>& g, Exec& ex) const {
        const std::size_t k = neighbors(g.n);
        if (g.k < k) detail::fail("uniform affinities: the kNN graph has ", g.k, " neighbours per point, need ", k);
        std::vector<std::uint32_t> idx(g.n * k);
        for (std::size_t i = 0; i < g.n; ++i)
            for (std::size_t m = 0; m < k; ++m) idx[i * k + m] = g.index[i * g.k + m];
        const std::vector<T> cond(g.n * k, static_cast<T>(1.0 / static_cast<double>(k)));
        Affinities<T> out;
        out.P = symmetrize(g.n, k, idx, cond, ex);
        out.diagnostics.neighbors = k;
        return out;
    }
};

}  // namespace tsne
