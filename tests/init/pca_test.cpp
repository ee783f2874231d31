#include <doctest/doctest.h>

#include <Eigen/Eigenvalues>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_pca {

namespace {
template <class T, int Dims>
double column_std(const tsne::Embedding<T, Dims>& Y, int d) {
    double m = 0, s = 0;
    for (std::size_t i = 0; i < Y.size(); ++i) m += Y(i, d);
    m /= static_cast<double>(Y.size());
    for (std::size_t i = 0; i < Y.size(); ++i) s += (Y(i, d) - m) * (Y(i, d) - m);
    return std::sqrt(s / static_cast<double>(Y.size()));
}
}  // namespace

TEST_CASE_TEMPLATE("PCA init: first axis std 1e-4, follows the dominant direction, deterministic", T, float, double) {
    // Data stretched along a known direction u in 6-D.
    tsne::detail::Rng rng(9);
    const Eigen::Index n = 500, D = 6;
    Eigen::VectorXd u(D);
    u << 1, 2, -1, 0.5, 0, 3;
    u.normalize();
    tsne::RowMatrix<T> X(n, D);
    std::vector<double> t(static_cast<std::size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) {
        t[static_cast<std::size_t>(i)] = 20 * rng.normal();
        for (Eigen::Index j = 0; j < D; ++j) X(i, j) = static_cast<T>(t[static_cast<std::size_t>(i)] * u[j] + rng.normal() + 5);
    }
    tsne::Executor ex(2);
    tsne::Embedding<T, 2> Y(static_cast<std::size_t>(n)), Y2(static_cast<std::size_t>(n));
    tsne::PCA{}(tsne::MatrixRef<T>(X), Y, 1, ex);
    tsne::PCA{}(tsne::MatrixRef<T>(X), Y2, 2, ex);
    CHECK(Y == Y2);  // the exact path does not depend on the seed
    CHECK(column_std(Y, 0) == doctest::Approx(1e-4).epsilon(1e-3));
    CHECK(column_std(Y, 1) < column_std(Y, 0));
    // The first coordinate is (up to scale) the position t along u: |correlation| ~ 1.
    double sxy = 0, sxx = 0, syy = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        const double a = t[static_cast<std::size_t>(i)], b = Y(static_cast<std::size_t>(i), 0);
        sxy += a * b;
        sxx += a * a;
        syy += b * b;
    }
    CHECK(std::abs(sxy) / std::sqrt(sxx * syy) > 0.99);

    // The randomized path (forced by a tiny exact_max_dims) finds the same axes.
    tsne::PCA rnd;
    rnd.exact_max_dims = 2;
    tsne::Embedding<T, 2> Yr(static_cast<std::size_t>(n));
    rnd(tsne::MatrixRef<T>(X), Yr, 7, ex);
    for (int d = 0; d < 2; ++d) {
        double dot = 0, na = 0, nb = 0;
        for (std::size_t i = 0; i < Y.size(); ++i) {
            dot += Y(i, d) * Yr(i, d);
            na += Y(i, d) * Y(i, d);
            nb += Yr(i, d) * Yr(i, d);
        }
        CHECK(std::abs(dot) / std::sqrt(na * nb) > 0.999);
    }
}

TEST_CASE_TEMPLATE("principal_components: centred projections on the leading axes in data units, PCA init rescales them",
                   T, float, double) {
    tsne::detail::Rng rng(4);
    const Eigen::Index n = 300, D = 5;
    tsne::RowMatrix<T> X(n, D);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < D; ++j) X(i, j) = static_cast<T>((j + 1) * 3 * rng.normal() + 1e3);  // axis j: std 3(j+1)
    const Eigen::MatrixXd P = tsne::principal_components<T>(tsne::MatrixRef<T>(X), 3);
    REQUIRE(P.rows() == n);
    REQUIRE(P.cols() == 3);
    for (Eigen::Index j = 0; j < 3; ++j) {
        CHECK(std::abs(P.col(j).mean()) < 1e-6 * (1 + P.col(j).norm()));  // centred
        if (j > 0) CHECK(P.col(j).squaredNorm() < P.col(j - 1).squaredNorm());  // descending variance
    }
    // The first component is (almost) the last column of X, centred: data units are kept.
    const Eigen::VectorXd last = X.col(D - 1).template cast<double>().array() - X.col(D - 1).template cast<double>().mean();
    CHECK(std::abs(P.col(0).dot(last)) / (P.col(0).norm() * last.norm()) > 0.95);
    CHECK(P.col(0).norm() / std::sqrt(double(n)) == doctest::Approx(15).epsilon(0.2));
    CHECK(tsne::principal_components<T>(tsne::MatrixRef<T>(X), 9).cols() == D);  // capped at D
    CHECK_THROWS_AS(tsne::principal_components<T>(tsne::MatrixRef<T>(X), 0), tsne::invalid_argument);
    // PCA init = these components scaled to std 1e-4 on the first.
    tsne::Executor ex(1);
    tsne::Embedding<T, 2> Y(static_cast<std::size_t>(n));
    tsne::PCA{}(tsne::MatrixRef<T>(X), Y, 1, ex);
    const double s = 1e-4 / std::sqrt((P.col(0).array() - P.col(0).mean()).square().mean());
    for (Eigen::Index i = 0; i < n; i += 37)
        for (int d = 0; d < 2; ++d)
            CHECK(double(Y(static_cast<std::size_t>(i), d)) == doctest::Approx(P(i, d) * s).epsilon(1e-5));
}

TEST_CASE("PCA init: identical points fall back to a finite random init, Dims > D pads") {
    tsne::RowMatrix<double> X = tsne::RowMatrix<double>::Constant(40, 3, 7.0);
    tsne::Executor ex(1);
    tsne::Embedding<double, 2> Y(40);
    tsne::PCA{}(tsne::MatrixRef<double>(X), Y, 3, ex);
    CHECK(testing::all_finite(Y));
    CHECK(column_std(Y, 0) > 0);

    const auto X1 = testing::clusters<double>(50, 1, 2, 4);  // one feature, 3-D output
    tsne::Embedding<double, 3> Y3(50);
    tsne::PCA{}(tsne::MatrixRef<double>(X1), Y3, 3, ex);
    CHECK(testing::all_finite(Y3));
    CHECK(column_std(Y3, 2) > 0);
    CHECK(column_std(Y3, 2) < column_std(Y3, 0));
}

// The solver PCA uses against Eigen's full one (the oracle): the top eigenvalues agree to
// rounding, the vectors are unit, orthogonal and satisfy C v = lambda v; where the eigenvalue is
// simple they are Eigen's up to sign. Spectra with repeated, clustered, zero and negative
// eigenvalues, a diagonal (already tridiagonal) matrix, 1x1 and 2x2, and huge / tiny scales.
TEST_CASE("PCA's symmetric top-eigen solver matches Eigen's SelfAdjointEigenSolver") {
    tsne::detail::Rng rng(5);
    auto random_orthogonal = [&](Eigen::Index n) {
        Eigen::MatrixXd M(n, n);
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index j = 0; j < n; ++j) M(i, j) = rng.normal();
        return Eigen::MatrixXd(Eigen::HouseholderQR<Eigen::MatrixXd>(M).householderQ());
    };
    std::vector<std::pair<std::string, Eigen::MatrixXd>> cases;
    for (Eigen::Index n : {1, 2, 3, 5, 17, 64}) {
        Eigen::MatrixXd G(n, n);
        for (Eigen::Index i = 0; i < n; ++i)
            for (Eigen::Index j = 0; j < n; ++j) G(i, j) = rng.normal();
        cases.push_back({"random n=" + std::to_string(n), G + G.transpose()});
        cases.push_back({"covariance n=" + std::to_string(n), G.transpose() * G});
        const Eigen::MatrixXd U = random_orthogonal(n);
        Eigen::VectorXd lam(n);
        for (Eigen::Index i = 0; i < n; ++i) lam(i) = i < 3 ? 4.0 : (i % 2 ? 1e-9 : 0.0);  // top three equal
        cases.push_back({"repeated top n=" + std::to_string(n), U * lam.asDiagonal() * U.transpose()});
        for (Eigen::Index i = 0; i < n; ++i) lam(i) = 1.0 + 1e-10 * static_cast<double>(i) - (i > n / 2 ? 3.0 : 0.0);
        cases.push_back({"clustered, negative n=" + std::to_string(n), U * lam.asDiagonal() * U.transpose()});
        cases.push_back({"diagonal n=" + std::to_string(n), Eigen::MatrixXd(lam.asDiagonal())});
        cases.push_back({"huge n=" + std::to_string(n), 1e250 * (G.transpose() * G)});
        cases.push_back({"tiny n=" + std::to_string(n), 1e-250 * (G.transpose() * G)});
    }
    cases.push_back({"zero 4x4", Eigen::MatrixXd::Zero(4, 4)});
    for (const auto& one : cases) {
        const std::string& name = one.first;
        const Eigen::MatrixXd& C = one.second;
        CAPTURE(name);
        const Eigen::Index n = C.rows(), c = std::min<Eigen::Index>(3, n);
        Eigen::MatrixXd lower = C.triangularView<Eigen::Lower>();
        lower.triangularView<Eigen::StrictlyUpper>().setConstant(std::nan(""));  // must not be read
        const auto top = tsne::detail::symmetric_top_eigen(lower, c);
        const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(C);
        const double scale = std::max(C.cwiseAbs().maxCoeff(), std::numeric_limits<double>::min());
        REQUIRE(top.values.size() == c);
        REQUIRE(top.vectors.rows() == n);
        REQUIRE(top.vectors.cols() == c);
        for (Eigen::Index j = 0; j < c; ++j) {
            CHECK(std::abs(top.values(j) - es.eigenvalues()(n - 1 - j)) <= 1e-12 * scale * static_cast<double>(n));
            const Eigen::VectorXd v = top.vectors.col(j);
            CHECK(v.allFinite());
            CHECK(std::abs(v.norm() - 1) < 1e-12);
            CHECK((C * v - top.values(j) * v).stableNorm() <= 1e-11 * scale * static_cast<double>(n));
            for (Eigen::Index i = 0; i < j; ++i) CHECK(std::abs(v.dot(top.vectors.col(i))) < 1e-10);
            const double gap_below = j + 1 < n ? es.eigenvalues()(n - 1 - j) - es.eigenvalues()(n - 2 - j) : scale;
            const double gap_above = j > 0 ? es.eigenvalues()(n - j) - es.eigenvalues()(n - 1 - j) : scale;
            if (std::min(gap_below, gap_above) > 1e-3 * scale)  // simple: the same line as Eigen's
                CHECK(std::abs(v.dot(es.eigenvectors().col(n - 1 - j))) > 1 - 1e-10);
        }
    }
}

}  // namespace t_pca
