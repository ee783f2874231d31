#pragma once
// Force-directed layout of the kNN graph: every pair repels like charges, every edge is a spring
// whose rest length is the data distance:
//
//   C(Y) = Σ_{i≠j} 1/d_ij + ½ Σ_{(i,j)∈E} (d_ij − d*_ij)²
//   ∂C/∂y_i = −2 Σ_{j≠i} (y_i − y_j)/d_ij³ + Σ_{j:(i,j)∈E} (d_ij − d*_ij)(y_i − y_j)/d_ij
//
// E is the undirected union of the kNN graph (an edge listed by both ends counts once).
// Repulsion: exact (SIMD across j, O(N²)) or Barnes-Hut over tree/space_tree.hpp with the same
// θ rule and groups as gradient/barnes_hut.hpp but a Coulomb kernel: a cell of w points at its
// centre of mass c stands for potential w/|y − c| and force w (y − c)/|y − c|³. Coincident points
// (d = 0) add neither (the self pair, and duplicates until they move apart: their springs and
// other charges separate them). Everything per point is independent and summed in a fixed order:
// bit-identical for any thread count.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "../detail/embedding.hpp"
#include "../gradient/barnes_hut.hpp"
#include "../neighbors/knn_graph.hpp"
#include "../parallel/parallel_for.hpp"
#include "../simd/compat.hpp"
#include "../tree/space_tree.hpp"
#include "../tree/traversal.hpp"

namespace tsne::maps {

/// The springs: the undirected kNN graph as symmetric CSR (each edge in both endpoints' rows),
/// with its rest lengths.
template <class T>
struct SpringGraph {
    std::size_t n = 0;
    std::vector<std::size_t> row_ptr;  ///< n + 1
    std::vector<std::uint32_t> col;
    std::vector<T> rest;               ///< d*_ij of each entry
    std::size_t edges() const noexcept { return col.size() / 2; }
};

/// The undirected union of a kNN graph (checked: indices in range, no self loops, distances >= 0).
template <class T>
SpringGraph<T> spring_graph(const KnnGraph<T>& g) {
    tsne::detail::KnnGraphRules rules;
    rules.what = "graph layout: kNN graph";
    rules.points = g.n;
    rules.own_points = true;
    tsne::detail::check_knn_graph(g, rules);
    struct E {
        std::uint32_t a, b;
        T d;
    };
    std::vector<E> e;
    e.reserve(g.n * g.k);
    for (std::size_t i = 0; i < g.n; ++i)
        for (std::size_t m = 0; m < g.k; ++m) {
            const std::uint32_t j = g.neighbors(i)[m];
            const auto a = static_cast<std::uint32_t>(std::min<std::size_t>(i, j));
            const auto b = static_cast<std::uint32_t>(std::max<std::size_t>(i, j));
            e.push_back({a, b, g.distances(i)[m]});
        }
    // Sorted by (a, b, d): an edge listed by both ends keeps its smaller distance (the same one
    // for an exact search; an approximate search may differ in the last bits).
    std::sort(e.begin(), e.end(), [](const E& x, const E& y) {
        return x.a != y.a ? x.a < y.a : x.b != y.b ? x.b < y.b : x.d < y.d;
    });
    e.erase(std::unique(e.begin(), e.end(), [](const E& x, const E& y) { return x.a == y.a && x.b == y.b; }), e.end());
    SpringGraph<T> s;
    s.n = g.n;
    s.row_ptr.assign(g.n + 1, 0);
    for (const E& x : e) ++s.row_ptr[x.a + 1], ++s.row_ptr[x.b + 1];
    for (std::size_t i = 0; i < g.n; ++i) s.row_ptr[i + 1] += s.row_ptr[i];
    s.col.resize(2 * e.size());
    s.rest.resize(2 * e.size());
    std::vector<std::size_t> fill(s.row_ptr.begin(), s.row_ptr.end() - 1);
    for (const E& x : e) {  // rows stay sorted by column: edges come sorted by (a, b)
        s.col[fill[x.a]] = x.b, s.rest[fill[x.a]++] = x.d;
    }
    for (const E& x : e) {
        s.col[fill[x.b]] = x.a, s.rest[fill[x.b]++] = x.d;
    }
    for (std::size_t i = 0; i < g.n; ++i) {  // the second pass appended smaller columns after larger: sort rows
        std::vector<std::pair<std::uint32_t, T>> r;
        for (std::size_t p = s.row_ptr[i]; p < s.row_ptr[i + 1]; ++p) r.emplace_back(s.col[p], s.rest[p]);
        std::sort(r.begin(), r.end());
        for (std::size_t p = s.row_ptr[i], m = 0; p < s.row_ptr[i + 1]; ++p, ++m) s.col[p] = r[m].first, s.rest[p] = r[m].second;
    }
    return s;
}

/// Adds the springs' gradient to `grad` (per point, in row order) and returns ½ Σ_E (d − d*)².
template <class T, int Dims, class Exec>
double add_springs(const SpringGraph<T>& s, const Embedding<T, Dims>& Y, Embedding<T, Dims>& grad, Exec& ex) {
    std::vector<double> row(s.n);
    const auto y = Y.coords();
    ex.parallel_for(s.n, 1024, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            T g[Dims] = {};
            double c = 0;
            for (std::size_t p = s.row_ptr[i]; p < s.row_ptr[i + 1]; ++p) {
                const std::uint32_t j = s.col[p];
                T diff[Dims], d2 = 0;
                for (int d = 0; d < Dims; ++d) {
                    diff[d] = y[d][i] - y[d][j];
                    d2 += diff[d] * diff[d];
                }
                const T dist = std::sqrt(d2), e2 = dist - s.rest[p];
                c += static_cast<double>(e2) * e2;
                if (d2 > 0)
                    for (int d = 0; d < Dims; ++d) g[d] += e2 / dist * diff[d];
            }
            row[i] = c;
            for (int d = 0; d < Dims; ++d) grad.coord(d)[i] += g[d];
        }
    });
    double c = 0;
    for (double v : row) c += v;
    return c / 4;  // each edge twice, and the ½
}

namespace kernels {

/// Coulomb sums of point y_i over n weighted sources (SoA x, weights w; scalar twin):
/// returns Σ w/d and writes Σ w (y_i − x)/d³; sources at distance 0 add nothing.
template <class T, int Dims>
T coulomb_scalar(const std::array<const T*, Dims>& x, const T* w, std::size_t n, const T* yi, T* out) {
    T phi = 0, acc[Dims] = {};
    for (std::size_t j = 0; j < n; ++j) {
        T diff[Dims], d2 = 0;
        for (int d = 0; d < Dims; ++d) {
            diff[d] = yi[d] - x[d][j];
            d2 += diff[d] * diff[d];
        }
        if (!(d2 > 0)) continue;
        const T inv = T(1) / std::sqrt(d2), wi = (w ? w[j] : T(1)) * inv;
        phi += wi;
        for (int d = 0; d < Dims; ++d) acc[d] += wi * inv * inv * diff[d];
    }
    for (int d = 0; d < Dims; ++d) out[d] = acc[d];
    return phi;
}

template <class A, class T, int Dims>
T coulomb_simd(const std::array<const T*, Dims>& x, const T* w, std::size_t n, const T* yi, T* out) {
    using B = xsimd::batch<T, A>;
    constexpr std::size_t W = B::size;
    B y[Dims], acc[Dims], phi(T(0));
    const B zero(T(0)), one(T(1));
    for (int d = 0; d < Dims; ++d) y[d] = B(yi[d]), acc[d] = zero;
    std::size_t j = 0;
    for (; j + W <= n; j += W) {
        B diff[Dims], d2 = zero;
        for (int d = 0; d < Dims; ++d) {
            diff[d] = y[d] - B::load_unaligned(x[d] + j);
            d2 = xsimd::fma(diff[d], diff[d], d2);
        }
        const B inv = xsimd::select(d2 > zero, one / xsimd::sqrt(d2), zero);
        const B wi = (w ? B::load_unaligned(w + j) : one) * inv;
        phi += wi;
        const B f = wi * inv * inv;
        for (int d = 0; d < Dims; ++d) acc[d] = xsimd::fma(f, diff[d], acc[d]);
    }
    T a[Dims], p = simd::reduce_add(phi);
    for (int d = 0; d < Dims; ++d) a[d] = simd::reduce_add(acc[d]);
    if (j < n) {
        std::array<const T*, Dims> rest{};
        for (int d = 0; d < Dims; ++d) rest[static_cast<std::size_t>(d)] = x[static_cast<std::size_t>(d)] + j;
        T o[Dims];
        p += coulomb_scalar<T, Dims>(rest, w ? w + j : nullptr, n - j, yi, o);
        for (int d = 0; d < Dims; ++d) a[d] += o[d];
    }
    for (int d = 0; d < Dims; ++d) out[d] = a[d];
    return p;
}

}  // namespace kernels

/// The charges' part: exact O(N²) or Barnes-Hut. Holds the tree and scratch lists between calls.
template <class T, int Dims>
class CoulombRepulsion {
    static_assert(Dims >= 1 && Dims <= 3, "the graph layout supports 1-, 2- and 3-D maps (the tree's limit)");

public:
    /// theta <= 0: exact. Otherwise Barnes-Hut with that θ (full cell width, as BarnesHut).
    explicit CoulombRepulsion(double theta = 0.5, bool simd = true, int leaf_size = 16, int group_size = 256)
        : theta_(theta), simd_(simd), leaf_(leaf_size), group_(group_size) {
        if (!(theta >= 0) || !std::isfinite(theta)) tsne::detail::fail("graph layout: theta must be finite and >= 0, got ", theta);
    }

    /// Sets grad = −2 Σ_j (y_i − y_j)/d³ (the repulsion's gradient) and returns Σ_{i≠j} 1/d.
    template <class Exec>
    double operator()(const Embedding<T, Dims>& Y, Embedding<T, Dims>& grad, Exec& ex) {
        const std::size_t n = Y.size();
        phi_.assign(n, 0.0);
        if (theta_ > 0) return barnes_hut(Y, grad, ex);
        const auto y = Y.coords();
        ex.parallel_for(n, 64, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) {
                T yi[Dims], out[Dims];
                for (int d = 0; d < Dims; ++d) yi[d] = y[d][i];
                const T p = simd_ ? kernels::coulomb_simd<simd::default_arch, T, Dims>(y, nullptr, n, yi, out)
                                  : kernels::coulomb_scalar<T, Dims>(y, nullptr, n, yi, out);
                phi_[i] = static_cast<double>(p);
                for (int d = 0; d < Dims; ++d) grad.coord(d)[i] = T(-2) * out[d];
            }
        });
        double c = 0;
        for (double v : phi_) c += v;
        return c;
    }

private:
    template <class Exec>
    double barnes_hut(const Embedding<T, Dims>& Y, Embedding<T, Dims>& grad, Exec& ex) {
        {
            tree_.build(Y, ex, static_cast<std::size_t>(leaf_), static_cast<std::size_t>(group_));
            const auto& groups = tree_.groups();
            const T theta2 = static_cast<T>(theta_ * theta_);
            std::array<const T*, Dims> sorted{};
            for (int d = 0; d < Dims; ++d) sorted[static_cast<std::size_t>(d)] = tree_.sorted(d);
            ex.parallel_for(groups.size(), 4, [&](std::size_t gb, std::size_t ge) {
                auto L = pool_->acquire();
                for (std::size_t g = gb; g < ge; ++g) {
                    const auto target = groups[g];
                    const gradient::BarnesHutRule<T, Dims> rule{theta2, tree_.bounds(target)};
                    gradient::collect(tree_, sorted, *L, [&](auto&& cell, auto&& leaf) {
                        tree::traverse(tree_, target, rule, cell, leaf);
                    });
                    std::array<const T*, Dims> x{};
                    for (int d = 0; d < Dims; ++d) x[static_cast<std::size_t>(d)] = L->x[static_cast<std::size_t>(d)].data();
                    for (std::uint32_t s = tree_.begin(target); s < tree_.end(target); ++s) {
                        T yi[Dims], out[Dims];
                        for (int d = 0; d < Dims; ++d) yi[d] = sorted[static_cast<std::size_t>(d)][s];
                        const T p = simd_ ? kernels::coulomb_simd<simd::default_arch, T, Dims>(x, L->w.data(), L->size(), yi, out)
                                          : kernels::coulomb_scalar<T, Dims>(x, L->w.data(), L->size(), yi, out);
                        const std::uint32_t i = tree_.order()[s];
                        phi_[i] = static_cast<double>(p);
                        for (int d = 0; d < Dims; ++d) grad.coord(d)[i] = T(-2) * out[d];
                    }
                }
                pool_->release(std::move(L));
            });
        }
        double c = 0;
        for (double v : phi_) c += v;
        return c;
    }

    double theta_;
    bool simd_;
    int leaf_, group_;
    std::vector<double> phi_;
    tree::SpaceTree<T, Dims> tree_;
    std::unique_ptr<gradient::ListPool<T, Dims>> pool_ = std::make_unique<gradient::ListPool<T, Dims>>();
};

/// The graph layout's cost and gradient: grad = ∂C/∂Y, returns C (approximate with Barnes-Hut).
template <class T, int Dims, class Exec>
double graph_layout_gradient(const SpringGraph<T>& s, CoulombRepulsion<T, Dims>& rep, const Embedding<T, Dims>& Y,
                             Embedding<T, Dims>& grad, Exec& ex) {
    const double c = rep(Y, grad, ex);
    return c + add_springs(s, Y, grad, ex);
}

}  // namespace tsne::maps
