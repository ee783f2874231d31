#pragma once
// The target distances d*_ij of the all-pairs maps (metric MDS, Sammon, classical MDS): a full
// N x N row-major matrix, so that a row is one contiguous stream for the SIMD kernels
// (maps/stress.hpp). Memory is N²·sizeof(T): 400 MB for 10,000 points in float, which is where
// the exact all-pairs maps stop being practical on a laptop (see maps/sparse_stress.hpp for the
// approximation that scales).
//
// From data: Euclidean distances by blocks of rows (|x|² + |y|² − 2 x·y in double, one GEMM per
// block pair, clamped at 0; the diagonal set to exactly 0). Given: checked once at the boundary
// (square, finite, >= 0, symmetric to a relative 1e-6, zero diagonal).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <utility>

#include <Eigen/Core>

#include "../detail/scale.hpp"
#include "../detail/types.hpp"
#include "../detail/validate.hpp"
#include "../parallel/parallel_for.hpp"

namespace tsne::maps {

template <class T>
struct PairDistances {
    RowMatrix<T> D;    ///< N x N, D(i, i) = 0
    int unit_exp = 0;  ///< the distances in the caller's units are D · 2^unit_exp (see fit_map)
    std::size_t size() const noexcept { return static_cast<std::size_t>(D.rows()); }
    const T* row(std::size_t i) const noexcept { return D.data() + i * static_cast<std::size_t>(D.cols()); }
};

namespace detail {
inline constexpr std::size_t distance_block = 256;  ///< rows per block of the distance GEMM
}

/// Euclidean distances between the rows of X (validated: at least 2 points, finite).
template <class T, class Exec>
PairDistances<T> pair_distances(const MatrixRef<T>& X, Exec& ex) {
    tsne::detail::check_data<T>(X, "X");
    const std::size_t n = static_cast<std::size_t>(X.rows());
    tsne::detail::checked_mul(n, n, "pair distances (N x N)");
    PairDistances<T> out{RowMatrix<T>(X.rows(), X.rows())};
    // Centred (the mean removed) in double: |x|² + |y|² − 2x·y loses less to cancellation.
    const Eigen::RowVectorXd mean = X.template cast<double>().colwise().mean();
    Eigen::VectorXd sq(X.rows());
    for (Eigen::Index i = 0; i < X.rows(); ++i) sq(i) = (X.row(i).template cast<double>() - mean).squaredNorm();
    constexpr std::size_t blk = detail::distance_block;
    const std::size_t n_blocks = (n + blk - 1) / blk;
    ex.parallel_for(n_blocks, 1, [&](std::size_t bb, std::size_t be) {
        for (std::size_t b = bb; b < be; ++b) {
            const Eigen::Index r0 = static_cast<Eigen::Index>(b * blk);
            const Eigen::Index m = std::min<Eigen::Index>(static_cast<Eigen::Index>(blk), X.rows() - r0);
            Eigen::MatrixXd A = X.middleRows(r0, m).template cast<double>();
            A.rowwise() -= mean;
            for (Eigen::Index c0 = 0; c0 < X.rows(); c0 += static_cast<Eigen::Index>(blk)) {
                const Eigen::Index mc = std::min<Eigen::Index>(static_cast<Eigen::Index>(blk), X.rows() - c0);
                Eigen::MatrixXd Bm = X.middleRows(c0, mc).template cast<double>();
                Bm.rowwise() -= mean;
                const Eigen::MatrixXd G = A * Bm.transpose();
                for (Eigen::Index i = 0; i < m; ++i)
                    for (Eigen::Index j = 0; j < mc; ++j) {
                        const double d2 = sq(r0 + i) + sq(c0 + j) - 2 * G(i, j);
                        out.D(r0 + i, c0 + j) = r0 + i == c0 + j ? T(0) : static_cast<T>(std::sqrt(std::max(d2, 0.0)));
                    }
            }
        }
    });
    // Make it exactly symmetric (the two GEMM blocks round differently).
    for (Eigen::Index i = 0; i < out.D.rows(); ++i)
        for (Eigen::Index j = 0; j < i; ++j) out.D(j, i) = out.D(i, j);
    return out;
}

/// The rows of X centred and scaled by a power of two so that the largest coordinate is in
/// [0.5, 1): the maps run on these (exact distances of data of any magnitude, 1e±300 and
/// subnormal included, and of huge constant columns, which cancel exactly: each column is first
/// shifted by its first value). X · 2^unit_exp equals the result, up to the centring.
template <class T>
RowMatrix<T> normalised_data(const MatrixRef<T>& X, int& unit_exp) {
    const Eigen::Index n = X.rows(), d = X.cols();
    Eigen::MatrixXd C = X.template cast<double>();
    const Eigen::RowVectorXd first = C.row(0);
    C.rowwise() -= first;
    const Eigen::RowVectorXd mean = C.colwise().mean();
    C.rowwise() -= mean;
    const double maxabs = n > 0 && d > 0 ? C.cwiseAbs().maxCoeff() : 0.0;
    unit_exp = 0;
    if (maxabs > 0) std::frexp(maxabs, &unit_exp);
    const auto [f1, f2] = tsne::detail::unit_factors(maxabs);
    C *= f1;
    C *= f2;
    return C.template cast<T>();
}

/// A given distance matrix, checked: square, N >= 2, finite, >= 0, symmetric (to a relative 1e-6
/// of the largest distance), zero diagonal. Errors name the entry and its value.
template <class T>
PairDistances<T> pair_distances_given(const MatrixRef<T>& D) {
    const Eigen::Index n = D.rows();
    if (D.cols() != n) tsne::detail::fail("distances: the matrix must be square (N x N), got ", D.rows(), " x ", D.cols());
    if (n < 2) tsne::detail::fail("distances: need at least 2 points, got ", n);
    tsne::detail::checked_mul(static_cast<std::size_t>(n), static_cast<std::size_t>(n), "distances (N x N)");
    double biggest = 0;
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < n; ++j) {
            const double v = static_cast<double>(D(i, j));
            if (!std::isfinite(v) || v < 0)
                tsne::detail::fail("distances: entry (", i, ", ", j, ") is ", v, "; distances must be finite and >= 0");
            biggest = std::max(biggest, v);
        }
    for (Eigen::Index i = 0; i < n; ++i) {
        if (D(i, i) != T(0)) tsne::detail::fail("distances: diagonal entry (", i, ", ", i, ") is ", D(i, i), ", not 0");
        for (Eigen::Index j = 0; j < i; ++j)
            if (std::abs(static_cast<double>(D(i, j)) - static_cast<double>(D(j, i))) > 1e-6 * biggest)
                tsne::detail::fail("distances: not symmetric: entry (", i, ", ", j, ") is ", D(i, j), " but (", j, ", ", i,
                                   ") is ", D(j, i));
    }
    // In units of a power of two that brings the largest distance into [0.5, 1): the kernels square
    // distances in T, which would overflow (or underflow) for distances beyond about 2^±63 in float.
    PairDistances<T> out{RowMatrix<T>(n, n)};
    if (biggest > 0) std::frexp(biggest, &out.unit_exp);
    const std::pair<double, double> f = tsne::detail::unit_factors(biggest);
    const auto unit = [&](Eigen::Index i, Eigen::Index j) { return static_cast<double>(D(i, j)) * f.first * f.second; };
    for (Eigen::Index i = 0; i < n; ++i) {  // exactly symmetric: the mean of the two triangles
        out.D(i, i) = T(0);
        for (Eigen::Index j = 0; j < i; ++j) out.D(i, j) = out.D(j, i) = static_cast<T>((unit(i, j) + unit(j, i)) / 2);
    }
    return out;
}

}  // namespace tsne::maps
