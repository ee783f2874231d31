#pragma once
// Single-tree traversal for a target node (mlpack's split of tree and rules): the tree supplies
// geometry, the rule decides whether a cell may be summarised as a whole, and the traversal calls
// on_cell(node) for each summarised cell and on_leaf(node) for each leaf that must be taken point
// by point. Cells that contain the target (its ancestors and itself) are never summarised, so a
// point is never approximated by a cell that includes it. Every node is reached at most once, in
// an order fixed by the tree: the calls come in the same order on every run.
//
// Rule contract: `bool summarise(const Tree&, typename Tree::index node) const`.
#include <cstddef>

namespace tsne {
namespace tree {

namespace traversal_detail {
/// Depth-first over the nodes in the tree's fixed order; `may_summarise(node)` guards the rule.
template <class Tree, class Guard, class Rule, class OnCell, class OnLeaf>
void depth_first(const Tree& t, const Guard& may_summarise, const Rule& rule, OnCell& on_cell, OnLeaf& on_leaf) {
    using index = typename Tree::index;
    // At most fanout - 1 waiting siblings per level, plus the root.
    constexpr std::size_t max_stack = static_cast<std::size_t>(Tree::depth_limit) * (Tree::fanout - 1) + 2;
    index stack[max_stack];
    std::size_t top = 0;
    // Decides one node: summarise, take its points, or open it later.
    auto visit = [&](index node) {
        if (may_summarise(node) && rule.summarise(t, node)) on_cell(node);
        else if (t.is_leaf(node)) on_leaf(node);
        else stack[top++] = node;
    };
    visit(0);
    while (top > 0) {
        const index node = stack[--top];
        const index first = t.first_child(node);
        for (int c = 0; c < t.children(node); ++c) visit(first + static_cast<index>(c));
    }
}
}  // namespace traversal_detail

template <class Tree, class Rule, class OnCell, class OnLeaf>
void traverse(const Tree& t, typename Tree::index target, const Rule& rule, OnCell&& on_cell, OnLeaf&& on_leaf) {
    using index = typename Tree::index;
    const index tb = t.begin(target), te = t.end(target);
    const auto outside_target = [&](index node) { return !(t.begin(node) <= tb && te <= t.end(node)); };
    traversal_detail::depth_first(t, outside_target, rule, on_cell, on_leaf);
}

/// The same traversal for a point that is not in the tree (e.g. a new point placed into a fixed
/// embedding): no node contains the target, so the rule alone decides. (The Barnes-Hut rule, which
/// measures from the point to a cell's centre of mass, never summarises a cell the point lies in
/// when θ <= 1/sqrt(Dims): both are inside the cell, at most width·sqrt(Dims) apart. With a larger
/// θ such a cell may be summarised; the point is not in the tree, so this is an approximation,
/// never a self-interaction.)
template <class Tree, class Rule, class OnCell, class OnLeaf>
void traverse_external(const Tree& t, const Rule& rule, OnCell&& on_cell, OnLeaf&& on_leaf) {
    traversal_detail::depth_first(t, [](typename Tree::index) { return true; }, rule, on_cell, on_leaf);
}

}  // namespace tree
}  // namespace tsne
