#pragma once
// Random initialisation: N(0, std²) per coordinate from the run's seed (portable generator).
#include <cstdint>

#include "../detail/embedding.hpp"
#include "../detail/rng.hpp"
#include "../detail/validate.hpp"

namespace tsne {

struct RandomInit {
    double std = 1e-4;  ///< standard deviation of every coordinate

    template <class T, int Dims, class Exec>
    void operator()(const MatrixRef<T>& /*X*/, Embedding<T, Dims>& Y, std::uint64_t seed, Exec& /*ex*/) const {
        detail::check_positive("random init std", std);
        fill(Y, seed);
    }
    /// Without data (precomputed inputs).
    template <class T, int Dims, class Exec>
    void operator()(Embedding<T, Dims>& Y, std::uint64_t seed, Exec& /*ex*/) const {
        detail::check_positive("random init std", std);
        fill(Y, seed);
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
    }
    /// Without data (precomputed inputs): the row count must match the number of points.
    template <int Dims, class Exec>
    void operator()(Embedding<T, Dims>& Y, std::uint64_t /*seed*/, Exec& /*ex*/) const {
        if (static_cast<std::size_t>(Y0.rows()) != Y.size() || Y0.cols() != Dims)
            detail::fail("initial embedding: expected ", Y.size(), " x ", Dims, " (N x Dims), got ", Y0.rows(), " x ",
                         Y0.cols());
        detail::check_data<T>(MatrixRef<T>(Y0), "initial embedding");
        Y.assign(MatrixRef<T>(Y0));
    }
};

template <class Derived>
UserInit<typename Derived::Scalar> user_init(const Eigen::MatrixBase<Derived>& Y0) {
    return UserInit<typename Derived::Scalar>{Y0};
}

}  // namespace tsne
