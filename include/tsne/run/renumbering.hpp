#pragma once
// The cache-friendly renumbering of a Run's points (Run::set_reorder), as a component the Run
// owns: every `every` iterations the points are renumbered by the Morton order of the current
// embedding, so P's rows, the attractive gather and the trees walk memory in step.
//
// Outside optimize() everything is in the input's order; order() keeps the numbering the loop
// last used (internal point i = input point order()[i]; empty = identity), so the next
// optimize() and a loaded run continue with the same bits. The component owns the numbering
// only: what is numbered (P, Y, the optimizer's state) belongs to the Run, which applies each
// change through a `permute(rel, inv)` callable (point i afterwards = point rel[i] before; inv:
// rel's inverse) that builds everything new before replacing anything, so an exception thrown
// there leaves the numbering unchanged too.
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "../detail/embedding.hpp"
#include "../detail/types.hpp"
#include "../tree/space_tree.hpp"

namespace tsne::detail {

template <class T, int Dims>
class Renumbering {
public:
    using Order = std::vector<std::uint32_t>;

    /// Period in iterations (0 = never); the Run validates it.
    int every() const noexcept { return every_; }
    void set_every(int every) noexcept { every_ = every; }
    /// Whether iteration `iteration` (0-based, counted over all optimize() calls) renumbers first.
    bool due(int iteration) const noexcept { return every_ > 0 && iteration % every_ == 0; }
    /// Internal point i = input point order()[i]; empty: never renumbered.
    const Order& order() const noexcept { return order_; }
    /// True while the Run's data is in order()'s numbering (inside optimize()).
    bool internal() const noexcept { return internal_; }
    /// A saved numbering (Run::load; `order` checked to be a permutation or empty).
    void restore(int every, Order order) {
        every_ = every;
        order_ = std::move(order);
        internal_ = false;
    }

    static Order inverse(const Order& order) {
        Order inv(order.size());
        for (std::size_t i = 0; i < order.size(); ++i) inv[order[i]] = static_cast<std::uint32_t>(i);
        return inv;
    }

    /// Into order()'s numbering (start of optimize()); nothing to do if never renumbered.
    template <class Permute>
    void enter(Permute&& permute) {
        if (order_.empty() || internal_) return;
        permute(order_, inverse(order_));
        internal_ = true;
    }
    /// Back to the input's order. Should permute fail (memory), the data stays renumbered,
    /// consistent, and internal() stays true until a later call succeeds.
    template <class Permute>
    void leave(Permute&& permute) {
        if (!internal_) return;
        permute(inverse(order_), order_);
        internal_ = false;
    }
    /// Renumbers by the Morton order of Y (internal numbering; the space tree's sort).
    template <class Exec, class Permute>
    void reorder(const Embedding<T, Dims>& Y, Exec& ex, Permute&& permute) {
        const std::size_t n = Y.size();
        Order rel;
        {
            tree::SpaceTree<T, Dims> tree;
            tree.build(Y, ex, n, n);  // one leaf: the Morton sort only
            rel = tree.order();
        }
        Order next(n);
        for (std::size_t i = 0; i < n; ++i) next[i] = order_.empty() ? rel[i] : order_[rel[i]];
        permute(rel, inverse(rel));
        order_.swap(next);
        internal_ = true;
    }

    /// Y (in the current numbering) in the input's order: Y itself when not renumbered, else a
    /// copy kept until drop_view().
    template <class Exec>
    const Embedding<T, Dims>& input_order_view(const Embedding<T, Dims>& Y, Exec& ex) {
        if (!internal_) return Y;
        if (view_.size() != Y.size()) view_ = Embedding<T, Dims>(Y.size());
        // Each i writes its own slot order_[i]: blocks never collide, any thread count.
        ex.parallel_for(Y.size(), 16384, [&](std::size_t b, std::size_t e) {
            for (int d = 0; d < Dims; ++d) {
                const T* y = Y.coord(d);
                T* v = view_.coord(d);
                for (std::size_t i = b; i < e; ++i) v[order_[i]] = y[i];
            }
        });
        return view_;
    }
    void drop_view() { view_ = Embedding<T, Dims>{}; }

    /// Y (in the current numbering) as an N x Dims matrix in the input's order.
    RowMatrix<T> input_order_matrix(const Embedding<T, Dims>& Y) const {
        if (!internal_) return Y.to_matrix();
        RowMatrix<T> M(static_cast<Eigen::Index>(Y.size()), Dims);
        for (std::size_t i = 0; i < Y.size(); ++i)
            for (int d = 0; d < Dims; ++d) M(static_cast<Eigen::Index>(order_[i]), d) = Y.coord(d)[i];
        return M;
    }

private:
    int every_ = 0;
    Order order_;
    bool internal_ = false;
    Embedding<T, Dims> view_;
};

}  // namespace tsne::detail
