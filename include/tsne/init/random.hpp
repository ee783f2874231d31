#pragma once
// Random initialisation: N(0, std²) per coordinate from the run's seed (portable generator).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>

#include "../detail/embedding.hpp"
#include "../detail/rng.hpp"
#include "../detail/validate.hpp"

namespace tsne {

namespace detail {
/// A number with 3 significant digits, for messages.
inline std::string short_num(double v) {
    std::ostringstream os;
    os.precision(3);
    os << v;
    return os.str();
}
/// Smallest spread of an initial layout: below it the points' squared distances underflow T (or
/// every point is the same), the gradient is lost and the run would return N identical points.
template <class T>
double min_init_spread() {
    return std::sqrt(static_cast<double>(std::numeric_limits<T>::min())) / static_cast<double>(std::numeric_limits<T>::epsilon());
}
/// Largest: above it squared distances overflow T and the normalisation Z is 0.
template <class T>
double max_init_spread() {
    return std::sqrt(static_cast<double>(std::numeric_limits<T>::max())) * static_cast<double>(std::numeric_limits<T>::epsilon());
}

/// An initial layout must separate its points: N >= 2 points all identical (an all-zero user init)
/// or a spread (largest coordinate range) outside [min_init_spread, max_init_spread] is a
/// tsne::invalid_argument naming `what` (the init and its value), never a run that ends where it
/// started with exit 0. `from_std`: the layout was drawn with a std (advice in terms of the std).
/// The largest coordinate range of a layout (0: all points identical).
template <class T, int Dims>
double layout_spread(const Embedding<T, Dims>& Y) {
    double spread = 0;
    for (int d = 0; d < Dims && Y.size() > 0; ++d) {
        const T* y = Y.coord(d);
        const auto [lo, hi] = std::minmax_element(y, y + Y.size());
        spread = std::max(spread, static_cast<double>(*hi) - static_cast<double>(*lo));
    }
    return spread;
}

template <class T, int Dims>
void check_init_spread(const Embedding<T, Dims>& Y, const std::string& what, bool from_std) {
    if (Y.size() < 2) return;
    const double spread = layout_spread(Y);
    const char* type = sizeof(T) == 4 ? "float" : "double";
    if (spread == 0 && !from_std)
        fail(what, ": all ", Y.size(), " initial points are identical, so t-SNE cannot separate them; give a layout "
             "whose points differ (or use the random or PCA init)");
    if (spread < min_init_spread<T>())
        fail(what, ": the initial points span only ", short_num(spread), ", too little to separate them in ", type,
             " (their squared distances underflow); ", from_std ? "use a std of at least " : "scale it to span at least ",
             short_num(min_init_spread<T>()), " (the default std is 1e-4)");
    if (spread > max_init_spread<T>())
        fail(what, ": the initial points span ", short_num(spread), ", too much for ", type,
             " (their squared distances overflow); ", from_std ? "use a std of at most " : "scale it to span at most ",
             short_num(max_init_spread<T>() / 10), " (the default std is 1e-4)");
}
}  // namespace detail

struct RandomInit {
    double std = 1e-4;  ///< standard deviation of every coordinate

    template <class T, int Dims, class Exec>
    void operator()(const MatrixRef<T>& /*X*/, Embedding<T, Dims>& Y, std::uint64_t seed, Exec& /*ex*/) const {
        detail::check_positive("random init std", std);
        fill(Y, seed);
        check(Y);
    }
    /// Without data (precomputed inputs).
    template <class T, int Dims, class Exec>
    void operator()(Embedding<T, Dims>& Y, std::uint64_t seed, Exec& /*ex*/) const {
        detail::check_positive("random init std", std);
        fill(Y, seed);
        check(Y);
    }
    /// The layout drawn with this std separates the points (std = 1e-300 underflows: all equal).
    template <class T, int Dims>
    void check(const Embedding<T, Dims>& Y) const {
        detail::check_init_spread(Y, "random init std " + detail::short_num(std), true);
    }
    template <class T, int Dims>
    void fill(Embedding<T, Dims>& Y, std::uint64_t seed) const {
        detail::Rng rng(seed);
        for (std::size_t i = 0; i < Y.size(); ++i)
            for (int d = 0; d < Dims; ++d) Y(i, d) = static_cast<T>(std * rng.normal());
    }
};

/// User-provided initial coordinates (N x Dims, finite). Copied; the caller's matrix is not kept.
template <class T>
struct UserInit {
    RowMatrix<T> Y0;

    template <int Dims, class Exec>
    void operator()(const MatrixRef<T>& X, Embedding<T, Dims>& Y, std::uint64_t /*seed*/, Exec& /*ex*/) const {
        if (Y0.rows() != X.rows() || Y0.cols() != Dims)
            detail::fail("initial embedding: expected ", X.rows(), " x ", Dims, " (N x Dims), got ", Y0.rows(),
                         " x ", Y0.cols());
        detail::check_data<T>(MatrixRef<T>(Y0), "initial embedding");
        Y.assign(MatrixRef<T>(Y0));
        detail::check_init_spread(Y, "initial embedding", false);
    }
    /// Without data (precomputed inputs): the row count must match the number of points.
    template <int Dims, class Exec>
    void operator()(Embedding<T, Dims>& Y, std::uint64_t /*seed*/, Exec& /*ex*/) const {
        if (static_cast<std::size_t>(Y0.rows()) != Y.size() || Y0.cols() != Dims)
            detail::fail("initial embedding: expected ", Y.size(), " x ", Dims, " (N x Dims), got ", Y0.rows(), " x ",
                         Y0.cols());
        detail::check_data<T>(MatrixRef<T>(Y0), "initial embedding");
        Y.assign(MatrixRef<T>(Y0));
        detail::check_init_spread(Y, "initial embedding", false);
    }
};

template <class Derived>
UserInit<typename Derived::Scalar> user_init(const Eigen::MatrixBase<Derived>& Y0) {
    return UserInit<typename Derived::Scalar>{Y0};
}

}  // namespace tsne
