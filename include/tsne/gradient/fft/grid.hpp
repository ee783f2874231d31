#pragma once
// The grid of FFT interpolation: how many boxes of which width cover the embedding, and when an
// existing grid may be kept.
//
// Potentials depend only on node *differences*, so the grid may move with the embedding for free;
// the kernel's transform depends only on (h, nb, L). h is quantised on a geometric ladder
// (max_box_width · 2^(k/4)) and the grid gets 10% headroom, so it is rebuilt only when the
// embedding no longer fits, when h drifts more than one ladder step from its target, or when the
// grid has become much larger than needed. A state that has seen other embeddings may therefore
// use a different (equally accurate) grid than a fresh state: results agree to the approximation
// error, and bit for bit whenever both pick the same grid.
#include <algorithm>
#include <cmath>
#include <cstddef>

#include "lengths.hpp"

namespace tsne {
namespace fft_detail {

/// The grid a state works on (FFT::Grid; exposed for tests and diagnostics).
struct Grid {
    double h = 0;        ///< box width
    std::size_t nb = 0;  ///< boxes per axis
    std::size_t n = 0;   ///< nodes per axis (nodes_per_box · nb)
    std::size_t L = 0;   ///< FFT length per axis (>= 2n − 1, factors 2, 3, 5 only)
};

/// A copy of FFT's fields (the policy type is incomplete inside its own nested state), with
/// max_box_width resolved (never 0).
struct Config {
    int nodes_per_box, min_boxes;
    double max_box_width;
    int max_boxes;
};

/// Successive box widths on the ladder differ by this factor (2^(1/4)).
inline constexpr double grid_ladder = 1.189207115002721;
/// A new grid covers this multiple of the embedding's extent, so it survives some growth.
inline constexpr double grid_headroom = 1.1;

/// Cap on boxes per axis: max_boxes in 2-D, its square in 1-D (about the same memory).
template <int Dims>
std::size_t box_cap(const Config& cfg) {
    const auto m = static_cast<std::size_t>(cfg.max_boxes);
    return Dims == 1 ? m * m : m;
}

/// Ladder value max_box_width · ρ^k closest below `x` (k may be negative or positive).
inline double ladder_floor(const Config& cfg, double x) {
    const double k = std::floor(std::log(x / cfg.max_box_width) / std::log(grid_ladder) + 1e-9);
    return cfg.max_box_width * std::pow(grid_ladder, k);
}

/// The box width a fresh grid would use for an embedding of this extent.
template <int Dims>
double target_box_width(const Config& cfg, double range) {
    double h = std::min(cfg.max_box_width, ladder_floor(cfg, range / cfg.min_boxes));
    while (std::ceil(range * grid_headroom / h) > static_cast<double>(box_cap<Dims>(cfg))) h *= grid_ladder;
    return h;
}

/// The grid a fresh state picks for an embedding of this extent (largest coordinate range).
template <int Dims>
Grid choose_grid(const Config& cfg, double range) {
    Grid g;
    g.h = target_box_width<Dims>(cfg, range);
    const auto p = static_cast<std::size_t>(cfg.nodes_per_box);
    std::size_t nb = std::max<std::size_t>(static_cast<std::size_t>(cfg.min_boxes),
                                           static_cast<std::size_t>(std::ceil(range * grid_headroom / g.h)));
    nb = std::min(nb, box_cap<Dims>(cfg));
    g.L = fft_length(2 * p * nb - 1);
    // The smooth length usually has room for a few more boxes: take them (free headroom).
    g.nb = std::min(std::max(nb, (g.L + 1) / (2 * p)), box_cap<Dims>(cfg));
    g.n = p * g.nb;
    return g;
}

/// Whether `current` (L == 0: none yet) may serve an embedding of this extent.
template <int Dims>
bool keep_grid(const Config& cfg, const Grid& current, double range) {
    if (current.L == 0) return false;
    if (range > static_cast<double>(current.nb) * current.h) return false;  // no longer fits
    const Grid t = choose_grid<Dims>(cfg, range);
    if (current.h > t.h * grid_ladder * (1 + 1e-9)) return false;  // too coarse for the accuracy target
    return current.L <= t.L + t.L / 2;                               // not much larger than needed
}

/// Whether a grid read from a run state could have been chosen under this configuration (a
/// positive width, boxes within the cap, p nodes per box, and an FFT length in [2n − 1, 4n + 64]:
/// every length fft_length gives is below 4n, see lengths.hpp).
template <int Dims>
bool grid_fits(const Config& cfg, const Grid& g) {
    const auto p = static_cast<std::size_t>(cfg.nodes_per_box);
    return g.h > 0 && std::isfinite(g.h) && g.nb >= 1 && g.nb <= box_cap<Dims>(cfg) && g.n == p * g.nb &&
           g.L >= 2 * g.n - 1 && g.L <= 4 * g.n + 64;
}

}  // namespace fft_detail
}  // namespace tsne
