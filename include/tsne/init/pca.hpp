#pragma once
// PCA initialisation (the default): the data projected on its first Dims principal axes, scaled so
// that the first coordinate has standard deviation 1e-4 (openTSNE's rule). Axes' signs are fixed
// (largest-magnitude loading positive) so a data set always gives the same picture.
// D <= exact_max_dims: the top eigenvectors of the D x D covariance (accumulated in double, block by
// block, never copying X; detail/symmetric_eigen.hpp). Larger D: randomized subspace iteration
// from the run's seed.
// Degenerate data (all points equal) falls back to RandomInit.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include <Eigen/Core>

#include "../detail/embedding.hpp"
#include "../detail/scale.hpp"
#include "../detail/rng.hpp"
#include "../detail/symmetric_eigen.hpp"
#include "random.hpp"

namespace tsne {

namespace detail {
/// Gram-Schmidt, twice over (enough for orthogonality to rounding); a column with nothing left
/// (Q rank-deficient) becomes the first unit vector orthogonal to the ones before it.
inline void orthonormalize_columns(Eigen::MatrixXd& Q) {
    for (Eigen::Index j = 0; j < Q.cols(); ++j) {
        for (Eigen::Index unit = -1; unit < Q.rows(); ++unit) {
            if (unit >= 0) Q.col(j) = Eigen::VectorXd::Unit(Q.rows(), unit);
            const double before = Q.col(j).norm();
            for (int pass = 0; pass < 2; ++pass)
                for (Eigen::Index i = 0; i < j; ++i) Q.col(j) -= Q.col(i).dot(Q.col(j)) * Q.col(i);
            const double after = Q.col(j).norm();
            if (after > 1e-8 * before && std::isfinite(after)) {
                Q.col(j) /= after;
                break;
            }
        }
    }
}

/// Z += B' (B Q). Every product in PCA is a plain column-major MatrixXd times MatrixXd, so
/// Eigen's GEMM is instantiated once (a transposed operand would be a second kernel): B' is
/// copied, which costs 1/q of the products.
inline void accumulate_gram(Eigen::MatrixXd& Z, const Eigen::MatrixXd& B, const Eigen::MatrixXd& Q) {
    const Eigen::MatrixXd BQ = B * Q;
    const Eigen::MatrixXd Bt = B.transpose();
    Z.noalias() += Bt * BQ;
}

/// principal_components() times `unit.first * unit.second` (powers of two that bring the data's
/// largest magnitude near 1, so the covariance neither overflows nor underflows), and those factors.
template <class T>
Eigen::MatrixXd scaled_principal_components(const MatrixRef<T>& X, Eigen::Index c, std::uint64_t seed,
                                            Eigen::Index exact_max_dims, int power_iterations,
                                            std::pair<double, double>& unit) {
    if (c < 1) detail::fail("principal components: the number of components must be >= 1, got ", c);
    using MatD = Eigen::MatrixXd;
    const Eigen::Index n = X.rows(), D = X.cols();
    const Eigen::Index blk = 4096;
    // Power-of-two prescale: covariance of data near 1e±150 would overflow double.
    // Two factors: for subnormal double data 2^-e alone overflows (2^1074).
    unit = detail::unit_factors(static_cast<double>(X.cwiseAbs().maxCoeff()));
    const double sc = unit.first, sc2 = unit.second;
    auto scaled = [&](Eigen::Index r, Eigen::Index m) {
        MatD B = X.middleRows(r, m).template cast<double>();
        B *= sc;
        B *= sc2;
        return B;
    };
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(D);
    for (Eigen::Index r = 0; r < n; r += blk) {
        const Eigen::Index m = std::min(blk, n - r);
        mean += scaled(r, m).colwise().sum().transpose();
    }
    mean /= static_cast<double>(n);
    auto centred = [&](Eigen::Index r, Eigen::Index m) {  // rows [r, r+m), scaled and centred
        MatD B = scaled(r, m);
        B.rowwise() -= mean.transpose();
        return B;
    };
    c = std::min<Eigen::Index>(c, D);
    MatD V(D, c);  // principal axes as columns
    if (D <= exact_max_dims) {
        MatD C = MatD::Zero(D, D);
        for (Eigen::Index r = 0; r < n; r += blk) {
            const Eigen::Index m = std::min(blk, n - r);
            const MatD B = centred(r, m);
            C.template selfadjointView<Eigen::Lower>().rankUpdate(B.transpose());
        }
        V = detail::symmetric_top_eigen(C, c).vectors;  // descending
    } else {
        const Eigen::Index q = std::min<Eigen::Index>(D, c + 10);
        detail::Rng rng(seed ^ 0x5ca1ab1eULL);
        MatD Q(D, q);
        for (Eigen::Index j = 0; j < q; ++j)
            for (Eigen::Index i = 0; i < D; ++i) Q(i, j) = rng.normal();
        for (int it = 0; it < power_iterations; ++it) {
            MatD Z = MatD::Zero(D, q);  // Cov * Q without forming Cov
            for (Eigen::Index r = 0; r < n; r += blk) {
                const Eigen::Index m = std::min(blk, n - r);
                const MatD B = centred(r, m);
                accumulate_gram(Z, B, Q);
            }
            Q = std::move(Z);
            orthonormalize_columns(Q);
        }
        MatD Z = MatD::Zero(D, q);
        for (Eigen::Index r = 0; r < n; r += blk) {
            const Eigen::Index m = std::min(blk, n - r);
            const MatD B = centred(r, m);
            accumulate_gram(Z, B, Q);
        }
        const MatD Qt = Q.transpose();
        const MatD small = Qt * Z;
        V = Q * detail::symmetric_top_eigen(small, c).vectors;
    }
    for (Eigen::Index j = 0; j < c; ++j) {
        Eigen::Index arg = 0;
        V.col(j).cwiseAbs().maxCoeff(&arg);
        if (V(arg, j) < 0) V.col(j) = -V.col(j);
    }
    // Project, block by block, in double.
    MatD P(n, c);
    for (Eigen::Index r = 0; r < n; r += blk) {
        const Eigen::Index m = std::min(blk, n - r);
        const MatD B = centred(r, m);
        P.block(r, 0, m, c).noalias() = B * V;
    }
    return P;
}
}  // namespace detail

/// The data's first `c` principal components: X (n x D, centred inside) projected on its c
/// leading principal axes, n x min(c, D) in double, column j's sign fixed (its axis'
/// largest-magnitude loading positive). D <= exact_max_dims: top eigenvectors of the D x D
/// covariance (accumulated in double, block by block, never copying X); larger D: randomized
/// subspace iteration (power_iterations) seeded by `seed`. The PCA initialisation projects the
/// same way (the Python package's bh_sne(pca_d=) reduces its input with this).
template <class T>
Eigen::MatrixXd principal_components(const MatrixRef<T>& X, Eigen::Index c, std::uint64_t seed = 42,
                                     Eigen::Index exact_max_dims = 1024, int power_iterations = 8) {
    std::pair<double, double> unit;
    Eigen::MatrixXd P = detail::scaled_principal_components(X, c, seed, exact_max_dims, power_iterations, unit);
    P /= unit.first;  // powers of two: exact
    P /= unit.second;
    return P;
}

struct PCA {
    double std = 1e-4;                   ///< std of the first output coordinate
    Eigen::Index exact_max_dims = 1024;  ///< above this many features use subspace iteration
    int power_iterations = 8;            ///< subspace iterations for the randomized path

    /// Without data (precomputed distances, graph or affinities) there is nothing to project:
    /// PCA falls back to RandomInit with the same std.
    template <class T, int Dims, class Exec>
    void operator()(Embedding<T, Dims>& Y, std::uint64_t seed, Exec& /*ex*/) const {
        detail::check_positive("PCA init std", std);
        RandomInit{std}.fill(Y, seed);
        detail::check_init_spread(Y, "PCA init std " + detail::short_num(std), true);
    }

    template <class T, int Dims, class Exec>
    void operator()(const MatrixRef<T>& X, Embedding<T, Dims>& Y, std::uint64_t seed, Exec& /*ex*/) const {
        project(X, Y, seed);
        // Identical data rows project to one point (the std test in project() can miss it by a
        // rounding error): nothing to project, fall back to RandomInit as documented.
        if (detail::layout_spread(Y) == 0) RandomInit{std}.fill(Y, seed);
        detail::check_init_spread(Y, "PCA init std " + detail::short_num(std), true);
    }

private:
    template <class T, int Dims>
    void project(const MatrixRef<T>& X, Embedding<T, Dims>& Y, std::uint64_t seed) const {
        detail::check_positive("PCA init std", std);
        const Eigen::Index n = X.rows(), c = std::min<Eigen::Index>(Dims, X.cols());
        // Scaled by powers of two (rescaled to std below anyway): data near 1e±150 stays in range.
        std::pair<double, double> unit;
        const Eigen::MatrixXd P =
            detail::scaled_principal_components(X, Dims, seed, exact_max_dims, power_iterations, unit);
        const double sd0 = std::sqrt((P.col(0).array() - P.col(0).mean()).square().sum() / static_cast<double>(n));
        if (!(sd0 > 0) || !std::isfinite(sd0)) {  // all points identical: nothing to project
            RandomInit{std}.fill(Y, seed);
            return;
        }
        const double s = std / sd0;
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index d = 0; d < c; ++d)
                Y(static_cast<std::size_t>(i), static_cast<int>(d)) = static_cast<T>(P(i, d) * s);
        // Dims > D: remaining coordinates get tiny noise so they are not all zero.
        if (c < Dims) {
            detail::Rng rng(seed);
            for (Eigen::Index i = 0; i < n; ++i)
                for (int d = static_cast<int>(c); d < Dims; ++d)
                    Y(static_cast<std::size_t>(i), d) = static_cast<T>(std * 1e-2 * rng.normal());
        }
    }
};

}  // namespace tsne
