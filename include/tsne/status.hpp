#pragma once
// What callbacks see after each iteration.
#include <cmath>
#include <cstddef>
#include <limits>

#include "detail/embedding.hpp"

namespace tsne {

template <class T, int Dims>
struct Status {
    int iteration = 0;           ///< iterations completed in this run, over all optimize() calls
    int phase_iteration = 0;     ///< iterations completed in the current optimize() call
    int phase_iterations = 0;    ///< iterations requested by the current optimize() call
    /// KL(P‖Q) of the embedding as it was at the start of this iteration (before its step), with
    /// the un-exaggerated P; NaN when not computed this iteration (see Options::kl_every). For the
    /// other maps (maps/maps.hpp) it is that map's own cost (stress, Sammon's E, the graph's energy).
    double kl = std::numeric_limits<double>::quiet_NaN();
    double exaggeration = 1, learning_rate = 0, momentum = 0;
    double seconds = 0;          ///< wall time since the current optimize() call began
    const Embedding<T, Dims>* Y = nullptr;

    std::size_t size() const noexcept { return Y->size(); }
    bool has_kl() const noexcept { return !std::isnan(kl); }
    /// Coordinate d of every point (length size()): a view, valid during the callback only.
    const T* coordinate(int d) const noexcept { return Y->coord(d); }
    /// A copy of the current embedding, N x Dims row-major.
    RowMatrix<T> embedding() const { return Y->to_matrix(); }
};

}  // namespace tsne
