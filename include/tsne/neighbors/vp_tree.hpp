#pragma once
// Exact k-nearest neighbours with a vantage-point tree (Yianilos 1993): each node splits its points
// at the median distance to a vantage point, and the search skips a side whenever the triangle
// inequality proves it cannot hold anything closer than the current k-th neighbour. Wins over brute
// force for low input dimensions (a handful of features) and large N; in high dimensions nearly
// every node must be visited and GEMM brute force is faster. Nodes live in one contiguous array.
// Exact and deterministic: the vantage points come from a fixed seed, ties break by smaller index,
// and pruning is strict, so the result equals BruteForce's.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "../detail/rng.hpp"
#include "../parallel/parallel_for.hpp"
#include "brute_force.hpp"
#include "detail.hpp"

namespace tsne {

struct VPTree {
    std::uint64_t seed = 0x7e57ULL;
    std::size_t leaf_size = 8;  ///< ranges this small are scanned linearly

    template <class T, class Exec>
    KnnGraph<T> operator()(const MatrixRef<T>& X, std::size_t k, Exec& ex) const {
        return (*this)(X, k, Euclidean{}, ex);
    }

    template <class T, class Metric, class Exec>
    KnnGraph<T> operator()(const MatrixRef<T>& X, std::size_t k, const Metric& metric, Exec& ex) const {
        static_assert(traits::is_euclidean_embeddable<Metric>::value,
                      "VPTree needs a metric with a Euclidean form; use BruteForce for other metrics");
        const std::size_t n = static_cast<std::size_t>(X.rows());
        detail::check_k(k, n);
        const detail::SearchData<T> data(X, metric);
        Tree<T> tree = build(data, n);
        auto g = KnnGraph<T>::allocate(n, k);
        ex.parallel_for(n, 256, [&](std::size_t b, std::size_t e) {
            detail::KBest<T> h(k);
            std::vector<std::uint32_t> stack;
            for (std::size_t i = b; i < e; ++i) {
                h.reset(k);
                search(tree, data, i, h, stack);
                detail::finish_row(data, metric, i, h, g);
            }
        });
        return g;
    }

private:
    template <class T>
    struct Tree {
        // Node m covers items[begin, end); items[begin] is its vantage point when it is internal.
        std::vector<std::uint32_t> items, begin, end, inside, outside;  // children: 0 = none
        std::vector<T> mu;                                              // median distance
    };

    template <class T>
    Tree<T> build(const detail::SearchData<T>& data, std::size_t n) const {
        Tree<T> t;
        t.items.resize(n);
        std::iota(t.items.begin(), t.items.end(), 0u);
        detail::Rng rng(seed);
        std::vector<std::pair<T, std::uint32_t>> tmp;
        // Explicit stack of (node id); node 0 is the root.
        auto add = [&](std::size_t b, std::size_t e) {
            t.begin.push_back(static_cast<std::uint32_t>(b));
            t.end.push_back(static_cast<std::uint32_t>(e));
            t.inside.push_back(0);
            t.outside.push_back(0);
            t.mu.push_back(T(0));
            return static_cast<std::uint32_t>(t.begin.size() - 1);
        };
        std::vector<std::uint32_t> todo{add(0, n)};
        while (!todo.empty()) {
            const std::uint32_t m = todo.back();
            todo.pop_back();
            const std::size_t b = t.begin[m], e = t.end[m];
            if (e - b <= leaf_size) continue;
            const std::size_t pick = b + std::min(e - b - 1, static_cast<std::size_t>(rng.uniform() * static_cast<double>(e - b)));
            std::swap(t.items[b], t.items[pick]);
            const std::uint32_t vp = t.items[b];
            tmp.resize(e - b - 1);
            for (std::size_t s = b + 1; s < e; ++s) tmp[s - b - 1] = {std::sqrt(data.exact_sq(vp, t.items[s])), t.items[s]};
            const std::size_t half = tmp.size() / 2;
            std::nth_element(tmp.begin(), tmp.begin() + static_cast<std::ptrdiff_t>(half), tmp.end());
            t.mu[m] = tmp[half].first;
            for (std::size_t s = 0; s < tmp.size(); ++s) t.items[b + 1 + s] = tmp[s].second;
            const std::size_t mid = b + 1 + half;  // [b+1, mid): distance <= mu; [mid, e): >= mu
            const std::uint32_t in = add(b + 1, mid), out = add(mid, e);
            t.inside[m] = in;
            t.outside[m] = out;
            todo.push_back(in);
            todo.push_back(out);
        }
        return t;
    }

    template <class T>
    static void search(const Tree<T>& t, const detail::SearchData<T>& data, std::size_t q, detail::KBest<T>& h,
                       std::vector<std::uint32_t>& stack) {
        stack.assign(1, 0u);
        const auto qi = static_cast<std::uint32_t>(q);
        while (!stack.empty()) {
            const std::uint32_t m = stack.back();
            stack.pop_back();
            const std::size_t b = t.begin[m], e = t.end[m];
            if (t.inside[m] == 0) {  // leaf (or empty)
                for (std::size_t s = b; s < e; ++s)
                    if (t.items[s] != qi) {
                        const T d2 = data.exact_sq(q, t.items[s]);
                        if (d2 <= h.bound()) h.push(d2, t.items[s]);
                    }
                continue;
            }
            const std::uint32_t vp = t.items[b];
            const T d2 = data.exact_sq(q, vp);
            if (vp != qi && d2 <= h.bound()) h.push(d2, vp);
            const T d = std::sqrt(d2), mu = t.mu[m];
            // Visit the nearer side last (it is popped first); a side is skipped only when the
            // triangle inequality puts all of it strictly beyond the current k-th distance.
            const std::uint32_t near = d < mu ? t.inside[m] : t.outside[m];
            const std::uint32_t far = d < mu ? t.outside[m] : t.inside[m];
            const T tau = std::sqrt(h.bound()) * T(1.0001);  // slack: rounding never prunes a true neighbour
            const bool far_ok = d < mu ? !(d + tau < mu) : !(d - tau > mu);
            if (far_ok) stack.push_back(far);
            stack.push_back(near);
        }
    }
};

}  // namespace tsne
