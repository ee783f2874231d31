#pragma once
// One optimisation phase: exaggeration, momentum and learning rate held for a number of iterations.
#include <cmath>

namespace tsne {

/// Learning-rate value meaning "automatic": N / exaggeration (openTSNE's rule), at least
/// `Phase::min_auto_learning_rate`.
inline constexpr double auto_learning_rate = 0.0;

struct Phase {
    double exaggeration = 1.0;   ///< multiplies P in the attractive force
    double momentum = 0.8;       ///< weight of the previous update
    double learning_rate = auto_learning_rate;  ///< > 0 fixed, or auto_learning_rate
    static constexpr double min_auto_learning_rate = 1.0;

    /// The learning rate this phase uses for n points.
    double learning_rate_for(std::size_t n) const {
        if (learning_rate > 0) return learning_rate;
        const double lr = static_cast<double>(n) / exaggeration;
        return lr > min_auto_learning_rate ? lr : min_auto_learning_rate;
    }
};

/// The early-exaggeration phase: P multiplied by `factor`, momentum 0.5.
inline Phase exaggerated(double factor = 12.0, double momentum = 0.5) { return Phase{factor, momentum}; }
/// The normal phase: no exaggeration, momentum 0.8.
inline Phase normal(double momentum = 0.8) { return Phase{1.0, momentum}; }

}  // namespace tsne
