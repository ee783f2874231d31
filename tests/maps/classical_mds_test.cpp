#include <cmath>

#include <doctest/doctest.h>

#include <Eigen/Eigenvalues>

#include "helpers.hpp"

namespace t_maps_classical {

namespace {
/// The oracle: the top eigenpairs of B = −½ J D² J by Eigen's dense solver (here only: the
/// library's own solver is the subspace iteration under test).
Eigen::MatrixXd oracle(const Eigen::MatrixXd& D, int dims, Eigen::VectorXd& values) {
    const Eigen::Index n = D.rows();
    const Eigen::MatrixXd J = Eigen::MatrixXd::Identity(n, n) - Eigen::MatrixXd::Constant(n, n, 1.0 / double(n));
    const Eigen::MatrixXd B = -0.5 * J * D.array().square().matrix() * J;
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(B);
    values.resize(dims);
    Eigen::MatrixXd Y(n, dims);
    for (int k = 0; k < dims; ++k) {
        values(k) = es.eigenvalues()(n - 1 - k);
        Y.col(k) = es.eigenvectors().col(n - 1 - k) * std::sqrt(std::max(values(k), 0.0));
    }
    return Y;
}

/// Columns equal up to sign.
void check_same_columns(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, double tol) {
    REQUIRE(A.rows() == B.rows());
    REQUIRE(A.cols() == B.cols());
    for (Eigen::Index k = 0; k < A.cols(); ++k) {
        const double plus = (A.col(k) - B.col(k)).norm(), minus = (A.col(k) + B.col(k)).norm();
        CHECK(std::min(plus, minus) <= tol * std::max(B.col(k).norm(), 1e-30));
    }
}

template <int Dims>
void check_against_eigen() {
    const auto X = testing::clusters<double>(120, 6, 4, 21);
    tsne::Executor ex(2);
    const auto D = tsne::maps::pair_distances<double>(X, ex);
    Eigen::VectorXd ref_values, values;
    const Eigen::MatrixXd ref = oracle(D.D, Dims, ref_values);
    const Eigen::MatrixXd Y = tsne::maps::classical_mds<Dims>(D, ex, {}, &values);
    for (int k = 0; k < Dims; ++k) CHECK(values(k) == doctest::Approx(ref_values(k)).epsilon(1e-9));
    check_same_columns(Y, ref, 1e-6);
    // From data: the PCA projection, which is the same map for Euclidean distances.
    const Eigen::MatrixXd P = tsne::maps::classical_mds<Dims, double>(X);
    check_same_columns(P, ref, 1e-6);
}
}  // namespace

TEST_CASE("classical MDS: against Eigen's eigen-decomposition of the double-centred matrix, 1-3 D") {
    check_against_eigen<1>();
    check_against_eigen<2>();
    check_against_eigen<3>();
}

TEST_CASE("classical MDS: a non-Euclidean distance matrix keeps the largest eigenvalues") {
    // City-block distances are not Euclidean: B has negative eigenvalues.
    const auto X = testing::clusters<double>(80, 5, 3, 4);
    tsne::RowMatrix<double> D(80, 80);
    for (Eigen::Index i = 0; i < 80; ++i)
        for (Eigen::Index j = 0; j < 80; ++j) D(i, j) = (X.row(i) - X.row(j)).cwiseAbs().sum();
    Eigen::VectorXd ref_values, values;
    const Eigen::MatrixXd ref = oracle(D, 2, ref_values);
    tsne::Executor ex(1);
    const auto Dd = tsne::maps::pair_distances_given<double>(D);  // in units of 2^unit_exp
    const Eigen::MatrixXd Y = std::ldexp(1.0, Dd.unit_exp) * tsne::maps::classical_mds<2>(Dd, ex, {}, &values);
    values *= std::ldexp(1.0, 2 * Dd.unit_exp);
    CHECK(values(0) == doctest::Approx(ref_values(0)).epsilon(1e-8));
    CHECK(values(1) == doctest::Approx(ref_values(1)).epsilon(1e-8));
    check_same_columns(Y, ref, 1e-5);
}

TEST_CASE("classical MDS: the same bits for 1, 2 and 3 threads") {
    const auto X = testing::clusters<float>(300, 10, 5, 8);
    tsne::RowMatrix<float> D(300, 300);
    for (Eigen::Index i = 0; i < 300; ++i)
        for (Eigen::Index j = 0; j < 300; ++j) D(i, j) = (X.row(i) - X.row(j)).norm();
    const auto a = tsne::classical_mds_distances<2>(D).threads(1).fit();
    const auto b = tsne::classical_mds_distances<2>(D).threads(2).fit();
    const auto c = tsne::classical_mds_distances<2>(D).threads(3).fit();
    CHECK(a == b);
    CHECK(a == c);
}

}  // namespace t_maps_classical
