#pragma once
// P = (P_cond + P_condᵀ) / (2N) from per-row conditionals stored as a kNN graph's rows.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "../error.hpp"
#include "csr.hpp"

namespace tsne {

/// cond holds n rows of k conditional probabilities p_{j|i} (row i's column indices in idx).
/// Returns the symmetric joint P with entries (p_{j|i} + p_{i|j}) / (2n), columns sorted, zeros dropped.
/// Deterministic: each entry is the sum of exactly the same two terms whatever the order.
template <class T, class Exec>
Csr<T> symmetrize(std::size_t n, std::size_t k, const std::vector<std::uint32_t>& idx,
                  const std::vector<T>& cond, Exec& ex) {
    // Count entries per row of P_cond + P_condᵀ (duplicates merged below).
    std::vector<std::size_t> count(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t m = 0; m < k; ++m) {
            ++count[i];
            ++count[idx[i * k + m]];
        }
    std::vector<std::size_t> start(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i) start[i + 1] = start[i] + count[i];
    std::vector<std::uint32_t> tcol(start[n]);
    std::vector<T> tval(start[n]);
    std::vector<std::size_t> fillp(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t m = 0; m < k; ++m) {
            const std::uint32_t j = idx[i * k + m];
            const T v = cond[i * k + m];
            tcol[fillp[i]] = j;
            tval[fillp[i]++] = v;
            tcol[fillp[j]] = static_cast<std::uint32_t>(i);
            tval[fillp[j]++] = v;
        }
    // Sort each row by column, merge duplicates (at most two terms each: p_{j|i} and p_{i|j}).
    std::vector<std::size_t> unique(n, 0);
    const T scale = T(1) / (T(2) * static_cast<T>(n));
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
            std::size_t kept = 0;  // exact zeros (weights that underflowed) carry nothing: dropped
            for (std::size_t m = 0; m < c2.size(); ++m) {
                const T v = v2[m] * scale;
                if (!(v > T(0))) continue;
                tcol[s + kept] = c2[m];
                tval[s + kept++] = v;
            }
            unique[i] = kept;
        }
    });
    Csr<T> P;
    P.n = n;
    P.row_ptr.assign(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i) P.row_ptr[i + 1] = P.row_ptr[i] + unique[i];
    P.col.resize(P.row_ptr[n]);
    P.val.resize(P.row_ptr[n]);
    for (std::size_t i = 0; i < n; ++i) {
        std::copy_n(tcol.begin() + static_cast<std::ptrdiff_t>(start[i]), unique[i],
                    P.col.begin() + static_cast<std::ptrdiff_t>(P.row_ptr[i]));
        std::copy_n(tval.begin() + static_cast<std::ptrdiff_t>(start[i]), unique[i],
                    P.val.begin() + static_cast<std::ptrdiff_t>(P.row_ptr[i]));
    }
    return P;
}

}  // namespace tsne
