#pragma once
// Classical (Torgerson) MDS: the closed-form map. With D² the squared target distances and
// J = I − 11ᵀ/N, B = −½ J D² J is the Gram matrix of a centred configuration; its top Dims
// eigenpairs (λ_k, v_k) give Y = [v_k √max(λ_k, 0)].
//
// From data (Euclidean distances) B = X_c X_cᵀ, so classical MDS is exactly the PCA projection
// (unscaled): init/pca.hpp's principal_components(), O(N·D²), no N x N matrix at all.
// From a distance matrix: block subspace iteration on B without forming it (B M = −½ J (D² (J M)),
// D² taken block of rows by block of rows), then Rayleigh-Ritz with detail/symmetric_top_eigen.hpp
// on the small projected matrix. Each iteration costs 2·N²·q flops (q = Dims + 8). The iteration
// finds the q eigenvalues of largest magnitude; the Dims largest of them are kept, so a distance
// matrix far from Euclidean (more than 8 negative eigenvalues larger in magnitude than the wanted
// positive ones) would need a larger `extra`.
// Signs: from data as PCA fixes them (each axis' largest-magnitude loading positive); from
// distances each column's largest-magnitude coordinate positive.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include <Eigen/Core>

#include "../detail/rng.hpp"
#include "../detail/symmetric_eigen.hpp"
#include "../init/pca.hpp"
#include "pair_distances.hpp"

namespace tsne::maps {

struct ClassicalMdsOptions {
    int extra = 8;               ///< subspace size beyond Dims (more: faster convergence, more work)
    int max_iterations = 500;    ///< subspace iterations at most
    double tolerance = 1e-10;    ///< stop when every kept Ritz value changes by less (relative)
    std::uint64_t seed = 42;     ///< start of the subspace iteration
};

/// Classical MDS of the rows of X: the PCA projection on the first Dims axes (n x Dims, double;
/// columns beyond D are 0).
template <int Dims, class T>
Eigen::MatrixXd classical_mds(const MatrixRef<T>& X, std::uint64_t seed = 42) {
    tsne::detail::check_data<T>(X, "X");
    Eigen::MatrixXd P = principal_components<T>(X, Dims, seed);
    Eigen::MatrixXd Y = Eigen::MatrixXd::Zero(X.rows(), Dims);
    Y.leftCols(P.cols()) = P;
    return Y;
}

namespace detail {
/// Out = B M with B = −½ J D² J, row blocks in parallel (each output row depends on its own row of
/// D only, so the result does not depend on the thread count).
template <class T, class Exec>
Eigen::MatrixXd double_centred_times(const PairDistances<T>& D, const Eigen::MatrixXd& M, Exec& ex) {
    const Eigen::Index n = M.rows(), q = M.cols();
    Eigen::MatrixXd JM = M;
    JM.rowwise() -= M.colwise().mean();
    Eigen::MatrixXd out(n, q);
    constexpr std::size_t blk = 64;
    ex.parallel_for(static_cast<std::size_t>(n), blk, [&](std::size_t b, std::size_t e) {
        const Eigen::Index r0 = static_cast<Eigen::Index>(b), m = static_cast<Eigen::Index>(e - b);
        const Eigen::MatrixXd sq = D.D.middleRows(r0, m).template cast<double>().array().square().matrix();
        out.middleRows(r0, m).noalias() = sq * JM;
    });
    out.rowwise() -= out.colwise().mean();
    return -0.5 * out;
}
}  // namespace detail

/// Classical MDS of a distance matrix (checked by pair_distances_given or computed from data):
/// n x Dims in double; `eigenvalues` (optional) receives the Dims eigenvalues of B kept.
template <int Dims, class T, class Exec>
Eigen::MatrixXd classical_mds(const PairDistances<T>& D, Exec& ex, const ClassicalMdsOptions& o = {},
                              Eigen::VectorXd* eigenvalues = nullptr) {
    const Eigen::Index n = static_cast<Eigen::Index>(D.size());
    if (o.extra < 0) tsne::detail::fail("classical MDS: extra must be >= 0, got ", o.extra);
    if (o.max_iterations < 1) tsne::detail::fail("classical MDS: max_iterations must be >= 1, got ", o.max_iterations);
    const Eigen::Index k = std::min<Eigen::Index>(Dims, n), q = std::min<Eigen::Index>(n, Dims + o.extra);
    tsne::detail::Rng rng(o.seed ^ 0xc1a551c5ULL);
    Eigen::MatrixXd Q(n, q);
    for (Eigen::Index j = 0; j < q; ++j)
        for (Eigen::Index i = 0; i < n; ++i) Q(i, j) = rng.normal();
    tsne::detail::orthonormalize_columns(Q);
    Eigen::VectorXd last = Eigen::VectorXd::Constant(k, std::numeric_limits<double>::quiet_NaN());
    tsne::detail::TopEigen ritz;
    for (int it = 0; it < o.max_iterations; ++it) {
        Eigen::MatrixXd Z = detail::double_centred_times(D, Q, ex);
        const Eigen::MatrixXd Qt = Q.transpose();
        const Eigen::MatrixXd small = Qt * Z;
        ritz = tsne::detail::symmetric_top_eigen(small, q);
        // Rotate onto the Ritz vectors, then one more multiplication next round.
        Q = Z;
        tsne::detail::orthonormalize_columns(Q);
        bool converged = it > 0;
        for (Eigen::Index j = 0; j < k; ++j) {
            const double scale = std::max(std::abs(ritz.values(0)), 1e-300);
            if (!(std::abs(ritz.values(j) - last(j)) <= o.tolerance * scale)) converged = false;
            last(j) = ritz.values(j);
        }
        if (converged) break;
    }
    // Final Rayleigh-Ritz on the converged subspace.
    const Eigen::MatrixXd Z = detail::double_centred_times(D, Q, ex);
    const Eigen::MatrixXd Qt = Q.transpose();
    const Eigen::MatrixXd small = Qt * Z;
    ritz = tsne::detail::symmetric_top_eigen(small, k);
    Eigen::MatrixXd V = Q * ritz.vectors;
    Eigen::MatrixXd Y = Eigen::MatrixXd::Zero(n, Dims);
    for (Eigen::Index j = 0; j < k; ++j) {
        Eigen::Index arg = 0;
        V.col(j).cwiseAbs().maxCoeff(&arg);
        const double sign = V(arg, j) < 0 ? -1.0 : 1.0;
        Y.col(j) = sign * std::sqrt(std::max(ritz.values(j), 0.0)) * V.col(j);
    }
    if (eigenvalues) *eigenvalues = ritz.values.head(k);
    return Y;
}

}  // namespace tsne::maps
