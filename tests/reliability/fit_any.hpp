#pragma once
// One t-SNE fit whose output dimension and repulsion method are chosen at run time, and the
// classification of its outcome. Shared by the property sweep (reliability/property_test.cpp) and
// the fit fuzz target (fuzz/fuzz_fit.cpp): both require that a fit ends in a finite embedding or
// a named tsne:: exception, never in NaN/garbage or another exception type.
#include <cmath>
#include <cstdint>
#include <string>

#include <tsne/tsne.hpp>

namespace testing {

struct FitCase {
    int dims = 2;                              ///< output dimension, 1..3
    tsne::Method method = tsne::Method::automatic;
    double perplexity = 30;
    int iterations = 30;
    int exaggeration_iterations = 10;
    double learning_rate = tsne::auto_learning_rate;
    unsigned threads = 1;
    std::uint64_t seed = 42;
    bool random_init = false;                  ///< RandomInit instead of PCA
    int fft_min_boxes = 50;                    ///< FFT's minimum boxes per axis (50 = default)
    int fft_max_boxes = 400;                   ///< FFT's cap on boxes per axis (400 = default)
};

enum class Outcome { finite, non_finite, invalid_argument, runtime_error };

inline const char* outcome_name(Outcome o) {
    switch (o) {
        case Outcome::finite: return "finite";
        case Outcome::non_finite: return "NON-FINITE OUTPUT";
        case Outcome::invalid_argument: return "tsne::invalid_argument";
        case Outcome::runtime_error: return "tsne::runtime_error";
    }
    return "?";
}

struct FitResult {
    Outcome outcome = Outcome::finite;
    std::string message;  ///< the exception's what(), if any
};

namespace detail {
template <int Dims, class T>
tsne::RowMatrix<T> fit_dims(const tsne::RowMatrix<T>& X, const FitCase& c) {
    tsne::AutoRepulsion rep;
    rep.method = c.method;
    rep.fft.min_boxes = c.fft_min_boxes;
    rep.fft.max_boxes = c.fft_max_boxes;
    auto e = tsne::embed<Dims>(X)
                 .perplexity(c.perplexity)
                 .iterations(c.iterations)
                 .early_exaggeration_iterations(c.exaggeration_iterations)
                 .learning_rate(c.learning_rate)
                 .threads(c.threads)
                 .seed(c.seed)
                 .repulsion(rep);
    if (c.random_init) return e.init(tsne::RandomInit{}).fit();
    return e.fit();
}
}  // namespace detail

/// Runs the fit. tsne::invalid_argument and tsne::runtime_error are outcomes; any other exception
/// propagates (callers treat it as a failure).
template <class T>
FitResult fit_any(const tsne::RowMatrix<T>& X, const FitCase& c) {
    FitResult r;
    try {
        tsne::RowMatrix<T> Y;
        switch (c.dims) {
            case 1: Y = detail::fit_dims<1>(X, c); break;
            case 2: Y = detail::fit_dims<2>(X, c); break;
            default: Y = detail::fit_dims<3>(X, c); break;
        }
        const bool shape_ok = Y.rows() == X.rows() && Y.cols() == (c.dims >= 1 && c.dims <= 3 ? c.dims : 3);
        r.outcome = shape_ok && Y.allFinite() ? Outcome::finite : Outcome::non_finite;
    } catch (const tsne::invalid_argument& e) {
        r.outcome = Outcome::invalid_argument;
        r.message = e.what();
    } catch (const tsne::runtime_error& e) {
        r.outcome = Outcome::runtime_error;
        r.message = e.what();
    }
    return r;
}

}  // namespace testing
