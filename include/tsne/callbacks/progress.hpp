#pragma once
// Prints progress and the KL divergence every `every` iterations to a stream (stderr by default).
#include <iomanip>
#include <iostream>
#include <ostream>

#include "../status.hpp"

namespace tsne {

struct Progress {
    int every = 50;
    std::ostream* out = &std::cerr;

    bool wants_kl(int iteration) const { return every > 0 && iteration % every == 0; }

    template <class T, int Dims>
    void on_iteration(const Status<T, Dims>& s) const {
        if (every <= 0 || !(s.iteration % every == 0 || s.phase_iteration == s.phase_iterations)) return;
        std::ostream& o = *out;
        o << "[tsne] iteration " << std::setw(5) << s.iteration << "  (" << s.phase_iteration << "/"
          << s.phase_iterations << " of phase, exaggeration " << s.exaggeration << ")";
        if (s.has_kl()) o << "  KL " << std::fixed << std::setprecision(4) << s.kl << std::defaultfloat;
        o << "  " << std::fixed << std::setprecision(2) << s.seconds << " s" << std::defaultfloat << '\n';
    }
};

inline Progress progress(int every = 50, std::ostream& out = std::cerr) { return Progress{every, &out}; }

}  // namespace tsne
