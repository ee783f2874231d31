#pragma once
// Deterministic helpers over an executor: per-block partial results reduced in block order.
#include <cstddef>
#include <vector>

#include "executor.hpp"

namespace tsne {

/// Default number of items per block for per-point kernels. Fixed (not derived from the thread
/// count) so that the block structure, and hence every floating-point sum, is the same for any
/// number of threads.
inline constexpr std::size_t default_block = 256;

/// Calls fn(begin, end) over fixed blocks of [0, n).
template <class Exec, class F>
void parallel_for(Exec& ex, std::size_t n, std::size_t block, F&& fn) {
    ex.parallel_for(n, block, std::forward<F>(fn));
}

/// Sum over blocks of partial(begin, end) -> double, added in block order: the same bits for any
/// thread count.
template <class Exec, class F>
double block_sum(Exec& ex, std::size_t n, std::size_t block, F&& partial) {
    if (n == 0) return 0.0;
    const std::size_t n_blocks = (n + block - 1) / block;
    std::vector<double> parts(n_blocks, 0.0);
    ex.parallel_for(n, block, [&](std::size_t b, std::size_t e) { parts[b / block] = partial(b, e); });
    double s = 0.0;
    for (double p : parts) s += p;
    return s;
}

}  // namespace tsne
