#pragma once
// Stops the run when the KL divergence, measured every `every` iterations outside early
// exaggeration, improves by less than `min_relative_improvement` (relative) between two checks.
#include <cmath>
#include <limits>

#include "../status.hpp"

namespace tsne {

struct EarlyStop {
    int every = 50;
    double min_relative_improvement = 1e-4;
    double last = std::numeric_limits<double>::quiet_NaN();

    bool wants_kl(int iteration) const { return every > 0 && iteration % every == 0; }

    template <class T, int Dims>
    bool on_iteration(const Status<T, Dims>& s) {
        if (every <= 0 || s.iteration % every != 0 || !s.has_kl() || s.exaggeration != 1.0) return false;
        const bool stop = !std::isnan(last) && (last - s.kl) < min_relative_improvement * std::abs(last);
        last = s.kl;
        return stop;
    }
};

}  // namespace tsne
