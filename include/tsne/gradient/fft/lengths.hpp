#pragma once
// Sizes of FFT interpolation (gradient/fft_interp.hpp): the limits on its settings, the FFT length
// for a grid, and the batch width of the transforms. The limits are named here, with compile-time
// checks that the largest grid they allow still fits the index types the method uses.
#include <climits>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "../../simd/compat.hpp"

namespace tsne {
namespace fft_detail {

/// Interpolation nodes per box per axis (FFT::nodes_per_box): at least 2 (a linear interpolant;
/// the grid then has n >= 2 nodes, so FFT lengths are >= 2n − 1 >= 3, which kissfft needs: it
/// cannot transform length 1), at most 12 (Lagrange weights on equispaced nodes lose accuracy
/// quickly beyond that, and the per-point scratch below is sized for it).
inline constexpr int min_nodes_per_box = 2;
inline constexpr int max_nodes_per_box = 12;
/// Largest accepted FFT::max_boxes (boxes per axis in 2-D; in 1-D the cap is its square).
inline constexpr int max_boxes_limit = 4096;
/// Width of the box-to-box offsets of one box's nodes per axis (2p − 1): the size of the
/// per-axis scratch of the self-interaction term.
inline constexpr std::size_t max_node_offsets = 2 * static_cast<std::size_t>(max_nodes_per_box) - 1;

/// Boxes per axis the largest 1-D and 2-D grids can have, and their nodes per axis.
inline constexpr std::uint64_t max_boxes_1d = std::uint64_t(max_boxes_limit) * std::uint64_t(max_boxes_limit);
inline constexpr std::uint64_t max_nodes_1d = max_boxes_1d * std::uint64_t(max_nodes_per_box);

static_assert(2 * min_nodes_per_box - 1 >= 3, "the smallest grid's FFT length must be >= 3 (kissfft)");
// Box indices are stored as std::uint32_t (one per point and axis).
static_assert(max_boxes_1d <= std::numeric_limits<std::uint32_t>::max(),
              "the largest 1-D grid's box index must fit std::uint32_t");
// Every FFT length is below 4n (fft_length: a 5-smooth length, and 2^k and 5·2^k lengths, lie in
// [m, 2m) for any m), and FFTW takes lengths and strides as int.
static_assert(4 * max_nodes_1d <= std::uint64_t(INT_MAX),
              "the largest grid's FFT length must fit int (FFTW's plans)");

/// Smallest m >= n whose only prime factors are 2, 3 and 5 (FFTs of such lengths are fastest).
inline std::size_t smooth_ceil(std::size_t n) {
    if (n <= 1) return 1;
    for (std::size_t m = n;; ++m) {
        std::size_t r = m;
        for (std::size_t f : {2u, 3u, 5u})
            while (r % f == 0) r /= f;
        if (r == 1) return m;
    }
}

/// FFT length for a convolution needing at least n entries per axis. FFTW: smooth_ceil(n). Eigen's
/// kissfft is much slower on some smooth lengths than on their neighbours (long radix-2 and
/// radix-3 chains), so from 100 to 3000 the length is the next one of a table where no longer
/// length has a smaller 2-D cost L·t(L) (how the table was measured: benchmarks/RESULTS.md, "Eigen's
/// FFT (kissfft): which lengths are fast"); above, the next smooth length with a factor 5.
inline std::size_t fft_length(std::size_t n) {
#ifndef TSNE_USE_FFTW
    static constexpr std::size_t fast[] = {
        100,  120,  125,  135,  150,  160,  180,  200,  225,  240,  250,  270,  300,  320,
        360,  375,  400,  405,  450,  480,  500,  540,  600,  625,  640,  675,  720,  750,
        800,  810,  900,  960,  1000, 1024, 1080, 1125, 1200, 1280, 1350, 1440, 1500, 1600,
        1620, 1800, 1875, 1920, 2000, 2025, 2160, 2250, 2400, 2500, 2560, 2700, 2880, 3000};
    if (n > 96) {
        for (std::size_t m : fast)
            if (m >= n) return m;
        for (std::size_t m = smooth_ceil(n);; m = smooth_ceil(m + 1))
            if (m % 5 == 0) return m;
    }
#endif
    return smooth_ceil(n);
}

template <class F>
using avector = simd::aligned_vector<F>;

/// Bytes of one cache line: a batch of transforms reads whole lines of a grid row.
inline constexpr std::size_t cache_line_bytes = 64;
/// Lanes per batch of transforms: one cache line of F (FFTW transforms the batch at once; the
/// Eigen backend one sequence at a time).
template <class F>
inline constexpr std::size_t lanes = cache_line_bytes / sizeof(F);

}  // namespace fft_detail
}  // namespace tsne
