#pragma once
// Plain values that configure a run. Policies (neighbour search, affinities, initialisation,
// repulsion, optimizer) carry their own configuration; see policies.hpp.
#include <cstdint>

#include "detail/validate.hpp"
#include "optimizer/schedule.hpp"

namespace tsne {

struct Options {
    /// Total iterations, early exaggeration included. More = further converged; cost is linear.
    int iterations = 750;
    /// Iterations of the early-exaggeration phase (the first ones). 0 disables it.
    int early_exaggeration_iterations = 250;
    /// P is multiplied by this during early exaggeration: clusters form and separate early.
    double early_exaggeration = 12.0;
    /// > 0: fixed rate for both phases. auto_learning_rate (0): N / exaggeration of the phase
    /// (N/12 early, N afterwards; at least 1), openTSNE's rule, which converges furthest here.
    double learning_rate = auto_learning_rate;
    /// Momentum during early exaggeration.
    double momentum = 0.5;
    /// Momentum afterwards.
    double final_momentum = 0.8;
    /// Late exaggeration (Linderman & Steinerberger; FIt-SNE's late_exag_coeff): P is multiplied
    /// by this for the iterations after the first `late_exaggeration_start`, with final_momentum.
    /// Values of 2-4 tighten clusters and make large maps (10^5+ points) easier to read, at some
    /// cost in KL. 1 = none (default).
    double late_exaggeration = 1.0;
    /// Iterations before late exaggeration begins, in [early_exaggeration_iterations, iterations];
    /// -1 (default) = no late phase.
    int late_exaggeration_start = -1;
    /// Degrees of freedom α of the t kernel (Kobak et al. 2019): 1 = standard t-SNE; α < 1 (e.g.
    /// 0.5) has heavier tails and separates finer clusters; α > 1 moves towards SNE. Supported by
    /// Exact, Barnes-Hut and FFT; values other than 1 cost a log and an exp per pair.
    double dof = 1.0;
    /// Seeds every random choice (random init, randomized PCA). Same seed + same input = same bits.
    std::uint64_t seed = 42;
    /// Worker threads; 0 = all hardware threads. Results do not depend on it.
    unsigned threads = 0;
    /// Compute the KL divergence every this many iterations (and on a phase's last iteration) for
    /// callbacks; 0 = only when a callback asks. Costs about one attractive pass.
    int kl_every = 50;
    /// Renumber the points by the Morton order of the embedding every this many iterations, so
    /// the force loops read memory in order (Run::set_reorder): 0 = never; -1 (default) = auto,
    /// every 150 iterations from 500,000 points on, never below (nor for Run types that cannot renumber:
    /// Dims > 3, or an optimizer without permute). Measured (benchmarks/RESULTS.md):
    /// 0.78x the optimisation time at 10^6 points every 150 iterations (0.95x every 50: each
    /// renumbering costs about 3 s there), no gain at 3*10^5 (every 50), and each renumbering
    /// briefly holds a second copy of P (8 bytes per stored entry). The
    /// results come back in input order with the same bits on the runs measured.
    int reorder = -1;

    /// The renumbering period `reorder` means for n points (auto resolved).
    int reorder_for(std::size_t n) const { return reorder >= 0 ? reorder : (n >= 500000 ? 150 : 0); }

    void validate() const {
        if (iterations < 0) detail::fail("iterations must be >= 0, got ", iterations);
        if (early_exaggeration_iterations < 0 || early_exaggeration_iterations > iterations)
            detail::fail("early_exaggeration_iterations must be in [0, iterations = ", iterations, "], got ",
                         early_exaggeration_iterations);
        detail::check_positive("early_exaggeration", early_exaggeration);
        detail::check_non_negative("learning_rate", learning_rate);
        if (!(momentum >= 0 && momentum < 1)) detail::fail("momentum must be in [0, 1), got ", momentum);
        if (!(final_momentum >= 0 && final_momentum < 1))
            detail::fail("final_momentum must be in [0, 1), got ", final_momentum);
        if (kl_every < 0) detail::fail("kl_every must be >= 0, got ", kl_every);
        if (reorder < -1) detail::fail("reorder must be -1 (auto), 0 (never) or a period > 0, got ", reorder);
        detail::check_positive("late_exaggeration", late_exaggeration);
        detail::check_positive("dof", dof);
        if (late_exaggeration_start != -1 &&
            (late_exaggeration_start < early_exaggeration_iterations || late_exaggeration_start > iterations))
            detail::fail("late_exaggeration_start must be -1 or in [early_exaggeration_iterations = ",
                         early_exaggeration_iterations, ", iterations = ", iterations, "], got ",
                         late_exaggeration_start);
    }
    /// Iterations of the normal (un-exaggerated) phase and of the late-exaggeration phase.
    int normal_iterations() const {
        return (late_exaggeration_start < 0 ? iterations : late_exaggeration_start) - early_exaggeration_iterations;
    }
    int late_iterations() const { return late_exaggeration_start < 0 ? 0 : iterations - late_exaggeration_start; }
    Phase late_phase() const { return Phase{late_exaggeration, final_momentum, learning_rate}; }

    Phase early_phase() const { return Phase{early_exaggeration, momentum, learning_rate}; }
    Phase final_phase() const { return Phase{1.0, final_momentum, learning_rate}; }
};

}  // namespace tsne
