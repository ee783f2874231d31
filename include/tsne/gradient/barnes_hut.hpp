#pragma once
// Barnes-Hut repulsion: R_i ≈ Σ_j q̃_ij² (y_i − y_j) and Z ≈ Σ_{i≠j} q̃_ij in O(N log N), with a
// 2^Dims tree (tree/space_tree.hpp) rebuilt every call.
//
// θ criterion (full cell width, as scikit-learn and openTSNE define it): a cell of side w with
// centre of mass c stands for all its points when w < θ·|y − c|. bhtsne, Rtsne and FIt-SNE compare
// the half-width (w/2 < θ·|y − c|), so their θ = 0.5 is our θ = 1.0. θ = 0 never summarises: the
// exact sum (up to the order of additions).
//
// The traversal is shared by a group of nearby points (a tree cell with at most group_size
// points): a cell is summarised for the group only if the criterion holds for the nearest point of
// the group's bounding box, so every point in the group sees an error no larger than its own θ
// test would allow. The cells and leaf points found are gathered into one interaction list (SoA,
// weights = point counts) and every point of the group runs over it with SIMD lanes across the
// list. Each point's sums are independent and Z is added in tree order, so results are
// bit-identical for any thread count.
//
// Error bound (asserted by tests/gradient/barnes_hut_test.cpp on random and clustered data,
// N = 2,000, 1-3 D, default leaf and group sizes; worst seen in brackets): θ = 0.5:
// |Z_bh/Z − 1| < 1.5e-2 (4.5e-3) and ‖R_bh − R‖/‖R‖ < 4e-2 (2.0e-2); θ = 1: 5e-2 (1.8e-2) and
// 0.2 (0.10). The worst case is 1-D. On a converged Fashion-MNIST 70k 2-D embedding θ = 0.5
// gives 6.3e-3 and 6.6e-3.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "../detail/embedding.hpp"
#include "../error.hpp"
#include "../simd/compat.hpp"
#include "../tree/space_tree.hpp"
#include "../tree/traversal.hpp"
#include "kernel.hpp"

namespace tsne {

/// Repulsion policy: Barnes-Hut on a 2^Dims tree. See policies.hpp for the contract.
struct BarnesHut {
    /// Accuracy/speed trade-off: a cell is summarised when width < theta · distance (full width;
    /// bhtsne's θ = 0.5 is 1.0 here). 0 = exact; 0.5 default; ~1 is coarse but fast.
    double theta = 0.5;
    /// Most points per leaf. Smaller: deeper trees, more cells summarised; larger: more direct pairs.
    int leaf_size = 16;
    /// Points that share one traversal (at least leaf_size). Larger groups amortise the traversal
    /// and summarise more conservatively (more accurate), but give longer interaction lists.
    /// Measured on Fashion-MNIST embeddings (benchmarks/RESULTS.md): 16/256 was 2.5x faster than
    /// 8/32 at 70k points in 2-D, with a smaller error.
    int group_size = 256;
    bool simd = true;  ///< false: the scalar twin (for tests and benchmarks)

    BarnesHut() = default;
    explicit BarnesHut(double theta_) : theta(theta_) {}

    void validate() const {
        if (!(theta >= 0) || !std::isfinite(theta)) detail::fail("theta must be finite and >= 0, got ", theta);
        if (leaf_size < 1) detail::fail("leaf_size must be >= 1, got ", leaf_size);
        if (group_size < leaf_size)
            detail::fail("group_size must be >= leaf_size (", leaf_size, "), got ", group_size);
    }

    template <class T, int Dims>
    struct state;
};

namespace gradient {

/// The interaction list of one group: positions and weights (point counts), SoA, padded with
/// weight-0 entries to a multiple of the SIMD width.
template <class T, int Dims>
struct InteractionList {
    std::array<simd::aligned_vector<T>, Dims> x;
    simd::aligned_vector<T> w;
    std::size_t n = 0;  ///< entries in use (the vectors only grow)

    std::size_t size() const noexcept { return n; }
    void clear() noexcept { n = 0; }
    /// Room for `more` entries (amortised growth; no reallocation once warmed up).
    void reserve_more(std::size_t more) {
        if (n + more <= w.size()) return;
        const std::size_t cap = std::max<std::size_t>(2 * w.size(), n + more + 64);
        for (auto& v : x) v.resize(cap);
        w.resize(cap);
    }
    void push(const T* pos, T weight) {
        reserve_more(1);
        for (int d = 0; d < Dims; ++d) x[static_cast<std::size_t>(d)][n] = pos[d];
        w[n++] = weight;
    }
    /// Appends points [b, e) of SoA coordinate arrays with weight 1.
    void push_points(const std::array<const T*, Dims>& src, std::size_t b, std::size_t e) {
        reserve_more(e - b);
        for (int d = 0; d < Dims; ++d)
            std::copy(src[static_cast<std::size_t>(d)] + b, src[static_cast<std::size_t>(d)] + e,
                      x[static_cast<std::size_t>(d)].data() + n);
        std::fill(w.data() + n, w.data() + n + (e - b), T(1));
        n += e - b;
    }
    /// Pads with weight-0 entries to a multiple of `multiple`.
    void pad(std::size_t multiple) {
        const std::size_t target = (n + multiple - 1) / multiple * multiple;
        reserve_more(target - n);
        for (; n < target; ++n) {
            for (auto& v : x) v[n] = T(0);
            w[n] = T(0);
        }
    }
};

/// Scratch interaction lists, one per running block, kept across calls: acquire() hands out a free
/// list (or a new one), release() takes it back. Owners hold it behind a pointer, so that their
/// per-run state stays movable.
template <class T, int Dims>
class ListPool {
public:
    std::unique_ptr<InteractionList<T, Dims>> acquire() {
        std::lock_guard<std::mutex> lock(mutex_);
        if (free_.empty()) return std::make_unique<InteractionList<T, Dims>>();
        auto l = std::move(free_.back());
        free_.pop_back();
        return l;
    }
    void release(std::unique_ptr<InteractionList<T, Dims>> l) {
        std::lock_guard<std::mutex> lock(mutex_);
        free_.push_back(std::move(l));
    }

private:
    std::mutex mutex_;
    std::vector<std::unique_ptr<InteractionList<T, Dims>>> free_;
};

/// Z_i (self included) and R_i for one point over an interaction list, scalar twin (t kernel with
/// α degrees of freedom, kernel.hpp; Unit: α = 1).
template <class T, int Dims, bool Unit = true>
T bh_point_scalar(const InteractionList<T, Dims>& L, const T* yi, T* out, T alpha = 1, T inv_alpha = 1) {
    T z = 0, acc[Dims] = {};
    for (std::size_t j = 0; j < L.size(); ++j) {
        T diff[Dims], d2 = 0;
        for (int d = 0; d < Dims; ++d) {
            diff[d] = yi[d] - L.x[static_cast<std::size_t>(d)][j];
            d2 += diff[d] * diff[d];
        }
        if constexpr (Unit) {
            const T q = T(1) / (T(1) + d2), wq = L.w[j] * q;
            z += wq;
            for (int d = 0; d < Dims; ++d) acc[d] += wq * q * diff[d];
        } else {
            T w, f;
            t_kernel<false>(d2, T(1), alpha, inv_alpha, w, f);
            z += L.w[j] * w;
            for (int d = 0; d < Dims; ++d) acc[d] += L.w[j] * f * diff[d];
        }
    }
    for (int d = 0; d < Dims; ++d) out[d] = acc[d];
    return z;
}

/// SIMD version: lanes across the list (its size is a multiple of the batch width).
template <class A, class T, int Dims, bool Unit = true>
T bh_point_simd(const InteractionList<T, Dims>& L, const T* yi, T* out, T alpha = 1, T inv_alpha = 1) {
    using B = xsimd::batch<T, A>;
    constexpr std::size_t W = B::size;
    B y[Dims], acc[Dims], z(T(0));
    const B one(T(1));
    for (int d = 0; d < Dims; ++d) {
        y[d] = B(yi[d]);
        acc[d] = B(T(0));
    }
    const T* w = L.w.data();
    for (std::size_t j = 0; j < L.size(); j += W) {
        B diff[Dims], d2(T(0));
        for (int d = 0; d < Dims; ++d) {
            diff[d] = y[d] - B::load_aligned(L.x[static_cast<std::size_t>(d)].data() + j);
            d2 = xsimd::fma(diff[d], diff[d], d2);
        }
        B f;
        if constexpr (Unit) {
            const B q = one / (one + d2), wq = B::load_aligned(w + j) * q;
            z += wq;
            f = wq * q;
        } else {
            B kw, kf;
            t_kernel<false>(d2, one, alpha, inv_alpha, kw, kf);
            const B cnt = B::load_aligned(w + j);
            z = xsimd::fma(cnt, kw, z);
            f = cnt * kf;
        }
        for (int d = 0; d < Dims; ++d) acc[d] = xsimd::fma(f, diff[d], acc[d]);
    }
    for (int d = 0; d < Dims; ++d) out[d] = simd::reduce_add(acc[d]);
    return simd::reduce_add(z);
}

/// Z_i and R_i of one point over an interaction list, SIMD or scalar, for this kernel (a, ia: its
/// α and 1/α in T, computed once per call by the caller).
template <class T, int Dims>
TSNE_DETAIL_ALWAYS_INLINE inline T bh_point(const TKernel& kernel, bool use_simd, const InteractionList<T, Dims>& L, const T* yi, T* out, T a, T ia) {
    return dispatch(kernel, use_simd, [&](auto unit, auto vec) TSNE_DETAIL_ALWAYS_INLINE {
        constexpr bool Unit = decltype(unit)::value;
        if constexpr (decltype(vec)::value) return bh_point_simd<simd::default_arch, T, Dims, Unit>(L, yi, out, a, ia);
        else return bh_point_scalar<T, Dims, Unit>(L, yi, out, a, ia);
    });
}

/// Fills L (cleared first, padded to the SIMD width after) with what one traversal of `tree`
/// finds: walk(cell, leaf) runs the traversal (tree::traverse for a group, traverse_external for
/// one outside point), which calls cell(k) for a summarised cell (its centre of mass, weighted by
/// its point count) and leaf(k) for a leaf whose points enter one by one (weight 1; `sorted`: the
/// tree's coordinate arrays). Shared by BarnesHut and the transform's walk over its reference.
template <class T, int Dims, class Walk>
void collect(const tree::SpaceTree<T, Dims>& tree, const std::array<const T*, std::size_t(Dims)>& sorted,
             InteractionList<T, Dims>& L, Walk&& walk) {
    L.clear();
    walk(
        [&](std::uint32_t k) {
            const auto& node = tree.node(k);
            L.push(node.com, static_cast<T>(node.end - node.begin));
        },
        [&](std::uint32_t k) { L.push_points(sorted, tree.begin(k), tree.end(k)); });
    L.pad(simd::batch<T>::size);
}

/// The Barnes-Hut rule: summarise a cell for a target box when width < θ · distance from the
/// cell's centre of mass to the nearest point of the box.
template <class T, int Dims>
struct BarnesHutRule {
    T theta2;
    tree::Box<T, Dims> target;
    bool summarise(const tree::SpaceTree<T, Dims>& t, std::uint32_t k) const noexcept {
        const auto& node = t.node(k);
        T dist2 = 0;
        for (int d = 0; d < Dims; ++d) {
            const T c = node.com[d];
            const T gap = std::max(std::max(target.lo[d] - c, c - target.hi[d]), T(0));
            dist2 += gap * gap;
        }
        const T w = t.width_at(node.depth);
        return w * w < theta2 * dist2;
    }
};

}  // namespace gradient

template <class T, int Dims>
struct BarnesHut::state {
    state(const BarnesHut& cfg_, std::size_t n) : cfg(cfg_), z(n) { cfg.validate(); }

    /// Degrees of freedom α of the t kernel (kernel.hpp); 1 = standard t-SNE.
    void set_dof(double alpha) { kernel = TKernel(alpha); }

    /// Writes R (unnormalised repulsive forces) and returns Z.
    template <class Exec>
    double operator()(const Embedding<T, Dims>& Y, Embedding<T, Dims>& R, Exec& ex) {
        const std::size_t n = Y.size();
        if (n == 0) return 0.0;
        tree.build(Y, ex, static_cast<std::size_t>(cfg.leaf_size), static_cast<std::size_t>(cfg.group_size));
        z.resize(n);
        const auto& groups = tree.groups();
        const T theta2 = static_cast<T>(cfg.theta * cfg.theta);
        const T a = kernel.a<T>(), ia = kernel.inv<T>();
        std::array<const T*, Dims> sorted{};
        for (int d = 0; d < Dims; ++d) sorted[static_cast<std::size_t>(d)] = tree.sorted(d);
        ex.parallel_for(groups.size(), 4, [&](std::size_t gb, std::size_t ge) {
            auto L = pool_->acquire();
            for (std::size_t g = gb; g < ge; ++g) {
                const auto target = groups[g];
                const gradient::BarnesHutRule<T, Dims> rule{theta2, tree.bounds(target)};
                gradient::collect(tree, sorted, *L, [&](auto&& cell, auto&& leaf) {
                    tree::traverse(tree, target, rule, cell, leaf);
                });
                for (std::uint32_t s = tree.begin(target); s < tree.end(target); ++s) {
                    T yi[Dims], out[Dims];
                    for (int d = 0; d < Dims; ++d) yi[d] = sorted[static_cast<std::size_t>(d)][s];
                    const T zi = gradient::bh_point(kernel, cfg.simd, *L, yi, out, a, ia);
                    // The point itself is in the list: q = 1 at distance 0, no force.
                    z[s] = static_cast<double>(zi) - 1.0;
                    const std::uint32_t i = tree.order()[s];
                    for (int d = 0; d < Dims; ++d) R.coord(d)[i] = out[d];
                }
            }
            pool_->release(std::move(L));
        });
        double Z = 0;
        for (double v : z) Z += v;
        return Z;
    }

    BarnesHut cfg;
    TKernel kernel;
    tree::SpaceTree<T, Dims> tree;
    std::vector<double> z;  ///< per point (tree order), self excluded

private:
    std::unique_ptr<gradient::ListPool<T, Dims>> pool_ = std::make_unique<gradient::ListPool<T, Dims>>();
};

}  // namespace tsne
