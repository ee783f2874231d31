#pragma once
// The optimisation loop shared by Run (fit) and TransformRun (transform): the iteration count,
// the KL-every rule, the Status every callback sees, on_begin / on_end, stopping. Each owner
// supplies only its step (gradient, optimizer update, divergence checks) and the phase fields of
// the Status.
#include <chrono>
#include <limits>

#include "../detail/validate.hpp"
#include "../policies.hpp"
#include "../status.hpp"

namespace tsne::detail {

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

inline void check_iterations(int iterations) {
    if (iterations < 0) fail("iterations must be >= 0, got ", iterations);
}

/// What the loop keeps from one optimize() call to the next.
struct LoopCounters {
    int iteration = 0;     ///< iterations completed so far
    int kl_every = 50;     ///< KL on every kl_every-th iteration (0: only where asked, see iterate)
    bool stopped = false;  ///< a callback stopped the last call
    double last_kl = std::numeric_limits<double>::quiet_NaN();  ///< KL of the last iteration that computed it
};

/// Starts an optimize() call: clears `stopped`, fills the Status (iteration count, the first
/// iteration's exaggeration, learning rate and momentum, Y) and calls every on_begin.
template <class T, int Dims, class... Callbacks>
Status<T, Dims> begin_loop(LoopCounters& c, int iterations, double exaggeration, double learning_rate,
                           double momentum, const Embedding<T, Dims>* Y, Callbacks&... cbs) {
    static_assert((traits::is_callback_v<Callbacks, Status<T, Dims>> && ...),
                  "a callback must have on_begin/on_iteration/on_end(const tsne::Status<T, Dims>&) or be "
                  "callable with it; see tsne/policies.hpp");
    c.stopped = false;
    Status<T, Dims> s;
    s.iteration = c.iteration;
    s.phase_iterations = iterations;
    s.exaggeration = exaggeration;
    s.learning_rate = learning_rate;
    s.momentum = momentum;
    s.Y = Y;
    (call_begin(cbs, s), ...);
    return s;
}

/// Runs up to `iterations` iterations (fewer when a callback returns true). For each,
/// step(t, next, want_kl) runs iteration `next` (1-based over all calls; t: 0-based in this call),
/// sets the Status's phase fields and Y as it likes, and returns the KL, NaN unless want_kl. KL
/// is wanted on every kl_every-th iteration, on the call's last, and where a callback's
/// wants_kl(next) asks. Then the counters and the Status advance and every callback sees it.
template <class S, class Step, class... Callbacks>
void iterate(LoopCounters& c, int iterations, S& s, std::chrono::steady_clock::time_point t0, Step&& step,
             Callbacks&... cbs) {
    for (int t = 0; t < iterations && !c.stopped; ++t) {
        const int next = c.iteration + 1;
        const bool want_kl = (c.kl_every > 0 && next % c.kl_every == 0) || t + 1 == iterations ||
                             (call_wants_kl(cbs, next) || ...);
        const double kl = step(t, next, want_kl);
        c.iteration = next;
        if (want_kl) c.last_kl = kl;
        s.iteration = next;
        s.phase_iteration = t + 1;
        s.kl = kl;
        s.seconds = seconds_since(t0);
        bool stop = false;
        ((stop = call_iteration(cbs, s) || stop), ...);
        c.stopped = stop;
    }
}

/// Ends an optimize() call: the Status's seconds (also added to `total`), then every on_end.
template <class S, class... Callbacks>
void end_loop(S& s, std::chrono::steady_clock::time_point t0, double& total, Callbacks&... cbs) {
    s.seconds = seconds_since(t0);
    total += s.seconds;
    (call_end(cbs, s), ...);
}

}  // namespace tsne::detail
