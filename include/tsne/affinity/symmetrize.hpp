#pragma once
// P = (P_cond + P_condᵀ) / (2N) from per-row conditionals stored as a kNN graph's rows.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "../detail/types.hpp"
#include "../error.hpp"
#include "../neighbors/knn_graph.hpp"
#include "csr.hpp"

namespace tsne {

namespace detail {
/// idx and cond must be n rows of k, every index below n (the weights are not checked).
template <class T>
void check_conditionals(std::size_t n, std::size_t k, const std::vector<std::uint32_t>& idx,
                        const std::vector<T>& cond) {
    check_knn_arrays(n, k, idx, cond, {"symmetrize", n, "N", "weights", false});
}

/// P + Pᵀ, merged per row, for P given as rows of (column, value) entries: row i's entries are
/// e in [first(i), first(i + 1)), columns idx[e] (all below n), values value(e). Shared by both
/// symmetrize overloads and by PrecomputedAffinities. Each merged entry is passed through
/// finish(v); exact zeros after it are dropped when drop_zeros. `release()` is called as soon as
/// idx and the values have been read (the rvalue symmetrize frees them there).
///
/// Deterministic whatever the threads: a row's entries are sorted by (column, value) before the
/// merge, so each sum has the same terms in the same order.
///
/// Memory (B = bytes, e = entries of P): the pairs buffer holds every entry of P and of its
/// transpose, 2e·(4 + sizeof(T)); after sorting and merging each row in place, the rows are
/// compacted to one prefix of the same buffer, which becomes the result (trimmed one array at a
/// time). So the result is built in place: the peak is the input + the pairs buffer (2,160 B/point
/// at k = 90, float, with the conditionals written over the graph's distances), never the pairs
/// buffer and a second copy of the result.
template <class T, class First, class Value, class Finish, class Exec, class Release>
Csr<T> merge_with_transpose(std::size_t n, First first, const std::uint32_t* idx, Value value, Finish finish,
                            bool drop_zeros, Exec& ex, Release release) {
    std::vector<std::size_t> start(n + 1, 0);  // first counts, then row starts
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t e = first(i); e < first(i + 1); ++e) {
            ++start[i + 1];
            ++start[idx[e] + 1];
        }
    for (std::size_t i = 0; i < n; ++i) start[i + 1] += start[i];
    std::vector<std::uint32_t> tcol(start[n]);
    std::vector<T> tval(start[n]);
    {
        std::vector<std::size_t> fillp(start.begin(), start.end() - 1);
        for (std::size_t i = 0; i < n; ++i)
            for (std::size_t e = first(i); e < first(i + 1); ++e) {
                const std::uint32_t j = idx[e];
                const T v = value(e);
                tcol[fillp[i]] = j;
                tval[fillp[i]++] = v;
                tcol[fillp[j]] = static_cast<std::uint32_t>(i);
                tval[fillp[j]++] = v;
            }
    }
    release();
    // Sort each row by column, merge duplicates (at most two terms each: p_ij and p_ji).
    std::vector<std::size_t> unique(n, 0);
    ex.parallel_for(n, 1024, [&](std::size_t b, std::size_t e) {
        std::vector<std::size_t> order;
        std::vector<std::uint32_t> c2;
        std::vector<T> v2;
        for (std::size_t i = b; i < e; ++i) {
            const std::size_t s = start[i], len = start[i + 1] - start[i];
            order.resize(len);
            std::iota(order.begin(), order.end(), std::size_t(0));
            std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t c) {
                return tcol[s + a] != tcol[s + c] ? tcol[s + a] < tcol[s + c] : tval[s + a] < tval[s + c];
            });
            c2.clear();
            v2.clear();
            for (std::size_t o : order) {
                if (!c2.empty() && c2.back() == tcol[s + o]) v2.back() += tval[s + o];
                else {
                    c2.push_back(tcol[s + o]);
                    v2.push_back(tval[s + o]);
                }
            }
            std::size_t kept = 0;
            for (std::size_t m = 0; m < c2.size(); ++m) {
                const T v = finish(v2[m]);
                if (drop_zeros && !(v > T(0))) continue;
                tcol[s + kept] = c2[m];
                tval[s + kept++] = v;
            }
            unique[i] = kept;
        }
    });
    // Compact the rows to the front of the buffer, in row order: row i moves left (its new start is
    // at most its old one), so a forward copy never overwrites a row not yet moved.
    Csr<T> P;
    P.n = n;
    P.row_ptr.assign(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const std::size_t to = P.row_ptr[i], from = start[i], len = unique[i];
        P.row_ptr[i + 1] = to + len;
        if (to == from) continue;
        for (std::size_t m = 0; m < len; ++m) {
            tcol[to + m] = tcol[from + m];
            tval[to + m] = tval[from + m];
        }
    }
    const std::size_t nnz = P.row_ptr[n];
    std::vector<std::size_t>().swap(start);
    std::vector<std::size_t>().swap(unique);
    // Trim one array at a time: the transient extra is one array of nnz entries. (An explicit
    // copy, not shrink_to_fit: that one swallows a failed allocation and silently keeps 2·N·k.)
    P.col.assign(tcol.begin(), tcol.begin() + static_cast<std::ptrdiff_t>(nnz));
    std::vector<std::uint32_t>().swap(tcol);
    P.val.assign(tval.begin(), tval.begin() + static_cast<std::ptrdiff_t>(nnz));
    std::vector<T>().swap(tval);
    return P;
}

/// (P_cond + P_condᵀ) / (2n) from n rows of k conditionals; exact zeros (weights that
/// underflowed) carry nothing and are dropped.
template <class T, class Exec, class Release>
Csr<T> symmetrize_into(std::size_t n, std::size_t k, const std::uint32_t* idx, const T* cond, Exec& ex,
                       Release release) {
    const T scale = T(1) / (T(2) * static_cast<T>(n));
    return merge_with_transpose<T>(
        n, [k](std::size_t i) { return i * k; }, idx, [cond](std::size_t e) { return cond[e]; },
        [scale](T v) { return v * scale; }, true, ex, release);
}
}  // namespace detail

/// cond holds n rows of k conditional probabilities p_{j|i} (row i's column indices in idx).
/// Returns the symmetric joint P with entries (p_{j|i} + p_{i|j}) / (2n), columns sorted, zeros dropped.
/// Deterministic: each entry is the sum of exactly the same two terms whatever the order.
template <class T, class Exec>
Csr<T> symmetrize(std::size_t n, std::size_t k, const std::vector<std::uint32_t>& idx, const std::vector<T>& cond,
                  Exec& ex) {
    detail::check_conditionals(n, k, idx, cond);
    return detail::symmetrize_into(n, k, idx.data(), cond.data(), ex, [] {});
}

/// The same, consuming idx and cond: they are freed as soon as they have been read, before P is
/// sorted and compacted (lower peak memory). Identical result.
template <class T, class Exec>
Csr<T> symmetrize(std::size_t n, std::size_t k, std::vector<std::uint32_t>&& idx, std::vector<T>&& cond, Exec& ex) {
    detail::check_conditionals(n, k, idx, cond);
    std::vector<std::uint32_t> own_idx = std::move(idx);
    std::vector<T> own_cond = std::move(cond);
    return detail::symmetrize_into(n, k, own_idx.data(), own_cond.data(), ex, [&] {
        std::vector<std::uint32_t>().swap(own_idx);
        std::vector<T>().swap(own_cond);
    });
}

}  // namespace tsne
