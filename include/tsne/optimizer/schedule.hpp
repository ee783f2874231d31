#pragma once
// One optimisation phase: exaggeration, momentum and learning rate held for a number of iterations.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

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

/// A per-iteration schedule: `fn(iteration)` returns the Phase (exaggeration, momentum, learning
/// rate) of that iteration, where `iteration` is the 1-based number of the iteration about to run
/// counted over the whole run (so a schedule resumed after 300 iterations sees 301, 302, ...).
/// Pass it to Run::optimize through tsne::schedule(fn):
///
///   run.optimize(750, tsne::schedule([](int it) {           // exaggeration decaying 12 -> 1
///       const double e = it <= 250 ? 12.0 : std::max(1.0, 12.0 - (it - 250) / 10.0);
///       return tsne::Phase{e, it <= 250 ? 0.5 : 0.8};
///   }));
template <class F>
struct Schedule {
    F fn;
    Phase operator()(int iteration) const { return fn(iteration); }
};
template <class F>
Schedule<std::decay_t<F>> schedule(F&& fn) {
    static_assert(std::is_invocable_r_v<Phase, const std::decay_t<F>&, int>,
                  "a schedule is called as fn(int iteration) and returns a tsne::Phase");
    return Schedule<std::decay_t<F>>{std::forward<F>(fn)};
}

namespace detail {
/// The likely causes of a divergence at `iteration` (1-based) from the settings in force, for the
/// error message: a too large initial layout (the embedding spans `spread` in its first
/// iterations; NaN = unknown), an extreme exaggeration, a learning rate far above the automatic
/// one, an extreme dof. Without a suspect, the usual advice (naming the momentum when it is high).
inline std::string divergence_hint(std::size_t n, int iteration, double exaggeration, double lr, double momentum,
                                   double dof, double spread) {
    std::ostringstream os;
    os.precision(3);
    const double lr_auto = std::max(Phase::min_auto_learning_rate, static_cast<double>(n) / exaggeration);
    int causes = 0;
    auto cause = [&]() -> std::ostringstream& {
        os << (causes++ ? "; " : "likely cause: ");
        return os;
    };
    if (iteration <= 3 && spread > 1e3)
        cause() << "the initial layout is too large: it spans " << spread
                << " (init std or the given layout; the default std is 1e-4)";
    if (exaggeration > 50) cause() << "exaggeration " << exaggeration << " is very large (usual: 4 to 12)";
    if (lr > 10 * lr_auto)
        cause() << "learning_rate " << lr << " is far above the automatic N / exaggeration = " << lr_auto;
    if (dof < 0.1 || dof > 100) cause() << "dof " << dof << " is extreme (usual: 0.5 to 1)";
    if (causes == 0)
        os << "try a smaller learning_rate (now " << lr << "), exaggeration (now " << exaggeration
           << ") or momentum (now " << momentum << ")";
    return os.str();
}
}  // namespace detail

}  // namespace tsne
