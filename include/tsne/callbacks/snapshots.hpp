#pragma once
// Records the embedding every `every` iterations (the frames of an animation of the optimisation).
// Pass it by reference (an lvalue) to optimize()/fit() and read `frames` afterwards.
#include <utility>
#include <vector>

#include "../status.hpp"

namespace tsne {

template <class T>
struct Snapshots {
    struct Frame {
        int iteration;
        double kl;  ///< NaN unless KL was computed on that iteration
        RowMatrix<T> Y;
    };
    int every = 10;
    std::vector<Frame> frames;

    explicit Snapshots(int every_k = 10) : every(every_k) {}

    bool wants_kl(int iteration) const { return every > 0 && iteration % every == 0; }

    template <int Dims>
    void on_begin(const Status<T, Dims>& s) {
        if (every > 0 && s.iteration == 0) frames.push_back(Frame{0, s.kl, s.embedding()});
    }
    template <int Dims>
    void on_iteration(const Status<T, Dims>& s) {
        if (every > 0 && s.iteration % every == 0) frames.push_back(Frame{s.iteration, s.kl, s.embedding()});
    }
};

}  // namespace tsne
