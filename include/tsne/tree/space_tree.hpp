#pragma once
// A 2^Dims-ary space-partitioning tree (binary tree in 1-D, quadtree in 2-D, octree in 3-D) over
// the points of an embedding. It knows geometry only: cells, counts, centres of mass and which
// points each cell holds. What to do with a cell (summarise it, open it) is a rule's business:
// see traversal.hpp and gradient/barnes_hut.hpp.
//
// Built for being rebuilt every iteration:
//  - points are sorted by their Morton code (a stable LSD radix sort, O(N)), so every cell holds a
//    contiguous range of the sorted points and a copy of the coordinates in that order (SoA) makes
//    leaf interactions streaming loads;
//  - nodes live in a few flat arrays, children of a node are contiguous; no per-node allocation,
//    and the arrays keep their capacity from one build to the next;
//  - cells split until they hold at most `leaf_size` points or reach the Morton depth
//    (64 / Dims bits, at most 32), so duplicate or coincident points end in one deep leaf instead of
//    recursing forever.
// The build is deterministic: the same coordinates give the same tree on any thread count.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "../detail/embedding.hpp"
#include "../error.hpp"
#include "../parallel/parallel_for.hpp"

namespace tsne {
namespace tree {

/// Axis-aligned box (min and max corner).
template <class T, int Dims>
struct Box {
    std::array<T, Dims> lo{}, hi{};
};

template <class T, int Dims>
class SpaceTree {
    static_assert(Dims >= 1 && Dims <= 3, "SpaceTree supports 1-, 2- and 3-D embeddings");

public:
    using index = std::uint32_t;
    static constexpr int fanout = 1 << Dims;
    /// Morton bits per axis, which is also the deepest level a cell can have.
    static constexpr int depth_limit = Dims == 1 ? 32 : 64 / Dims > 32 ? 32 : 64 / Dims;
    static constexpr index no_child = 0;  ///< the root is never a child, so 0 marks a leaf

    /// Builds the tree over Y. leaf_size >= 1: the most points a leaf holds above depth_limit.
    /// group_size >= leaf_size: groups() lists the largest cells holding at most that many points.
    template <class Exec>
    void build(const Embedding<T, Dims>& Y, Exec& ex, std::size_t leaf_size = 16, std::size_t group_size = 32) {
        const std::size_t n = Y.size();
        if (n == 0) detail::fail("SpaceTree: the embedding is empty");
        if (n > std::numeric_limits<index>::max())
            detail::fail("SpaceTree: ", n, " points exceed the 32-bit point index");
        if (leaf_size == 0) detail::fail("SpaceTree: leaf_size must be >= 1, got 0");
        if (group_size < leaf_size)
            detail::fail("SpaceTree: group_size (", group_size, ") must be >= leaf_size (", leaf_size, ")");
        leaf_size_ = leaf_size;
        group_size_ = group_size;
        bounding_cube(Y, ex);
        morton_sort(Y, ex);
        clear_nodes();
        push_node(0, static_cast<index>(n), 0);
        build_node(0, 0, false);
    }

    // ---- points, in tree (Morton) order --------------------------------------------------------
    std::size_t size() const noexcept { return order_.size(); }
    /// Original index of the point at sorted position s.
    const std::vector<index>& order() const noexcept { return order_; }
    /// Coordinate d of the points in sorted order.
    const T* sorted(int d) const noexcept { return sorted_[static_cast<std::size_t>(d)].data(); }

    /// A node: everything a traversal reads, in one record (one cache line or less).
    struct Node {
        T com[Dims];          ///< centre of mass (mean of the points)
        index begin, end;     ///< its points: sorted positions [begin, end)
        index first_child;    ///< no_child for a leaf; children are contiguous
        std::uint8_t n_children, depth;
    };

    // ---- nodes (node 0 is the root) ---------------------------------------------------------------
    std::size_t nodes() const noexcept { return nodes_.size(); }
    const Node& node(index k) const noexcept { return nodes_[k]; }
    index begin(index node) const noexcept { return nodes_[node].begin; }
    index end(index node) const noexcept { return nodes_[node].end; }
    index count(index node) const noexcept { return nodes_[node].end - nodes_[node].begin; }
    int depth(index node) const noexcept { return nodes_[node].depth; }
    bool is_leaf(index node) const noexcept { return nodes_[node].first_child == no_child; }
    index first_child(index node) const noexcept { return nodes_[node].first_child; }
    int children(index node) const noexcept { return nodes_[node].n_children; }
    /// Centre of mass (mean of the points) along d.
    T com(index node, int d) const noexcept { return nodes_[node].com[d]; }
    /// Side length of the node's cubic cell.
    T width(index node) const noexcept { return width_at(nodes_[node].depth); }
    /// Side length of the cells at a depth (0 = the root's bounding cube).
    T width_at(int depth) const noexcept { return width_[static_cast<std::size_t>(depth)]; }
    /// The node's cell.
    Box<T, Dims> cell(index node) const noexcept {
        Box<T, Dims> b;
        const double w = side_ * std::ldexp(1.0, -nodes_[node].depth);
        for (int d = 0; d < Dims; ++d) {
            b.lo[d] = static_cast<T>(lo_[d] + w * static_cast<double>(cell_coord(node, d)));
            b.hi[d] = static_cast<T>(lo_[d] + w * static_cast<double>(cell_coord(node, d) + 1));
        }
        return b;
    }
    /// Nodes that partition the points into groups of at most group_size (each the largest such
    /// cell on its path, or a deep leaf of near-duplicates), in Morton order. A traversal per group shares its work among the points.
    const std::vector<index>& groups() const noexcept { return groups_; }
    /// Tight box around the points of a node.
    Box<T, Dims> bounds(index node) const noexcept {
        Box<T, Dims> b;
        const index nb = nodes_[node].begin, ne = nodes_[node].end;
        for (int d = 0; d < Dims; ++d) {
            const T* y = sorted(d);
            T lo = y[nb], hi = lo;
            for (index s = nb + 1; s < ne; ++s) {
                lo = std::min(lo, y[s]);
                hi = std::max(hi, y[s]);
            }
            b.lo[d] = lo;
            b.hi[d] = hi;
        }
        return b;
    }
    std::size_t leaf_size() const noexcept { return leaf_size_; }
    std::size_t group_size() const noexcept { return group_size_; }

private:
    using code_t = std::uint64_t;
    static constexpr int bits = Dims * depth_limit;

    template <class Exec>
    void bounding_cube(const Embedding<T, Dims>& Y, Exec& ex) {
        const std::size_t n = Y.size(), block = 4096, n_blocks = (n + block - 1) / block;
        part_.assign(n_blocks * 2 * Dims, 0.0);
        ex.parallel_for(n, block, [&](std::size_t b, std::size_t e) {
            for (int d = 0; d < Dims; ++d) {
                const T* y = Y.coord(d);
                T lo = y[b], hi = y[b];
                bool finite = true;
                for (std::size_t i = b; i < e; ++i) {
                    lo = std::min(lo, y[i]);
                    hi = std::max(hi, y[i]);
                    finite &= std::isfinite(y[i]);
                }
                if (!finite) lo = std::numeric_limits<T>::quiet_NaN();  // reported below
                part_[(b / block) * 2 * Dims + 2 * static_cast<std::size_t>(d)] = lo;
                part_[(b / block) * 2 * Dims + 2 * static_cast<std::size_t>(d) + 1] = hi;
            }
        });
        double side = 0;
        for (int d = 0; d < Dims; ++d) {
            double lo = part_[2 * static_cast<std::size_t>(d)], hi = part_[2 * static_cast<std::size_t>(d) + 1];
            for (std::size_t k = 1; k < n_blocks; ++k) {
                lo = std::min(lo, part_[k * 2 * Dims + 2 * static_cast<std::size_t>(d)]);
                hi = std::max(hi, part_[k * 2 * Dims + 2 * static_cast<std::size_t>(d) + 1]);
            }
            if (!std::isfinite(lo) || !std::isfinite(hi))
                detail::throw_with<runtime_error>("SpaceTree: the embedding has non-finite coordinates");
            lo_[d] = lo;
            side = std::max(side, hi - lo);
        }
        // All points equal: any positive side works. Otherwise widen a little so that the largest
        // coordinate maps strictly inside the last cell.
        side_ = side > 0 ? side * (1 + 1e-6) : 1.0;
        for (int k = 0; k <= depth_limit; ++k) width_[static_cast<std::size_t>(k)] = static_cast<T>(side_ * std::ldexp(1.0, -k));
    }

    template <class Exec>
    void morton_sort(const Embedding<T, Dims>& Y, Exec& ex) {
        const std::size_t n = Y.size();
        codes_.resize(n);
        order_.resize(n);
        const double scale = std::ldexp(1.0, depth_limit) / side_;
        const double top = std::ldexp(1.0, depth_limit) - 1;
        ex.parallel_for(n, 4096, [&](std::size_t b, std::size_t e) {
            for (std::size_t i = b; i < e; ++i) {
                code_t c = 0;
                for (int d = 0; d < Dims; ++d) {
                    double q = std::floor((static_cast<double>(Y.coord(d)[i]) - lo_[d]) * scale);
                    q = std::min(std::max(q, 0.0), top);
                    c |= spread_bits(static_cast<code_t>(q)) << (Dims - 1 - d);
                }
                codes_[i] = c;
                order_[i] = static_cast<index>(i);
            }
        });
        radix_sort();
        for (int d = 0; d < Dims; ++d) {
            auto& s = sorted_[static_cast<std::size_t>(d)];
            s.resize(n);
            const T* y = Y.coord(d);
            ex.parallel_for(n, 4096, [&](std::size_t b, std::size_t e) {
                for (std::size_t k = b; k < e; ++k) s[k] = y[order_[k]];
            });
        }
    }

    /// Interleaves: bit k of v goes to bit Dims*k.
    static code_t spread_bits(code_t v) noexcept {
        if constexpr (Dims == 1) {
            return v;
        } else if constexpr (Dims == 2) {  // 32 bits → even bits of 64
            v &= 0xffffffffULL;
            v = (v | (v << 16)) & 0x0000ffff0000ffffULL;
            v = (v | (v << 8)) & 0x00ff00ff00ff00ffULL;
            v = (v | (v << 4)) & 0x0f0f0f0f0f0f0f0fULL;
            v = (v | (v << 2)) & 0x3333333333333333ULL;
            v = (v | (v << 1)) & 0x5555555555555555ULL;
            return v;
        } else {  // 21 bits → every third bit of 63
            v &= 0x1fffffULL;
            v = (v | (v << 32)) & 0x1f00000000ffffULL;
            v = (v | (v << 16)) & 0x1f0000ff0000ffULL;
            v = (v | (v << 8)) & 0x100f00f00f00f00fULL;
            v = (v | (v << 4)) & 0x10c30c30c30c30c3ULL;
            v = (v | (v << 2)) & 0x1249249249249249ULL;
            return v;
        }
    }

    /// Stable LSD radix sort of (codes_, order_) by code, 8 bits a pass.
    void radix_sort() {
        const std::size_t n = codes_.size();
        codes_tmp_.resize(n);
        order_tmp_.resize(n);
        for (int shift = 0; shift < bits; shift += 8) {
            std::size_t hist[257] = {};
            for (std::size_t i = 0; i < n; ++i) ++hist[((codes_[i] >> shift) & 0xff) + 1];
            if (hist[((codes_[0] >> shift) & 0xff) + 1] == n) continue;  // one bucket: already in order
            for (int b = 0; b < 256; ++b) hist[b + 1] += hist[b];
            for (std::size_t i = 0; i < n; ++i) {
                const std::size_t dst = hist[(codes_[i] >> shift) & 0xff]++;
                codes_tmp_[dst] = codes_[i];
                order_tmp_[dst] = order_[i];
            }
            codes_.swap(codes_tmp_);
            order_.swap(order_tmp_);
        }
    }

    void clear_nodes() {
        nodes_.clear();
        groups_.clear();
    }

    index push_node(index b, index e, int depth) {
        Node nd{};
        nd.begin = b;
        nd.end = e;
        nd.first_child = no_child;
        nd.depth = static_cast<std::uint8_t>(depth);
        nodes_.push_back(nd);
        return static_cast<index>(nodes_.size() - 1);
    }

    /// Integer coordinate of the node's cell along d, at its depth.
    std::uint64_t cell_coord(index node, int d) const noexcept {
        const code_t c = codes_[nodes_[node].begin];
        const int depth = nodes_[node].depth;
        std::uint64_t v = 0;
        for (int k = 0; k < depth; ++k) {
            const int level_bit = (depth_limit - 1 - k) * Dims + (Dims - 1 - d);
            v = (v << 1) | ((c >> level_bit) & code_t(1));
        }
        return v;
    }

    void build_node(index node, int depth, bool in_group) {
        const index b = nodes_[node].begin, e = nodes_[node].end;
        const std::size_t count = e - b;
        const bool leaf = count <= leaf_size_ || depth == depth_limit;
        // A group is the first node on its path that is small enough, or a leaf (a deep leaf of
        // duplicates may exceed group_size).
        if (!in_group && (count <= group_size_ || leaf)) {
            groups_.push_back(node);
            in_group = true;
        }
        if (leaf) {
            for (int d = 0; d < Dims; ++d) {
                const T* y = sorted(d);
                double s = 0;
                for (index k = b; k < e; ++k) s += static_cast<double>(y[k]);
                nodes_[node].com[d] = static_cast<T>(s / static_cast<double>(count));
            }
            return;
        }
        // Children: the ranges of equal next Dims bits, contiguous because the codes are sorted.
        const int shift = (depth_limit - 1 - depth) * Dims;
        index ranges[fanout + 1];
        ranges[0] = b;
        for (int c = 1; c < fanout; ++c) {
            const auto first = codes_.begin() + ranges[c - 1], last = codes_.begin() + e;
            ranges[c] = static_cast<index>(
                std::partition_point(first, last,
                                     [&](code_t v) { return static_cast<int>((v >> shift) & (fanout - 1)) < c; }) -
                codes_.begin());
        }
        ranges[fanout] = e;
        const index first = static_cast<index>(nodes_.size());
        int made = 0;
        for (int c = 0; c < fanout; ++c)
            if (ranges[c + 1] > ranges[c]) {
                push_node(ranges[c], ranges[c + 1], depth + 1);
                ++made;
            }
        nodes_[node].first_child = first;
        nodes_[node].n_children = static_cast<std::uint8_t>(made);
        double s[Dims] = {};
        for (int k = 0; k < made; ++k) {
            const index child = first + static_cast<index>(k);
            build_node(child, depth + 1, in_group);
            for (int d = 0; d < Dims; ++d)
                s[d] += static_cast<double>(nodes_[child].com[d]) * static_cast<double>(count_of(child));
        }
        for (int d = 0; d < Dims; ++d) nodes_[node].com[d] = static_cast<T>(s[d] / static_cast<double>(count));
    }
    index count_of(index node) const noexcept { return nodes_[node].end - nodes_[node].begin; }

    std::size_t leaf_size_ = 16, group_size_ = 32;
    double lo_[Dims] = {}, side_ = 1;
    std::vector<double> part_;
    std::vector<code_t> codes_, codes_tmp_;
    std::vector<index> order_, order_tmp_;
    std::array<simd::aligned_vector<T>, Dims> sorted_;
    std::vector<Node> nodes_;
    std::vector<index> groups_;
    std::array<T, depth_limit + 1> width_{};
};

}  // namespace tree
}  // namespace tsne
