#pragma once
// The few largest eigenpairs of a symmetric matrix, for PCA: Householder reduction to tridiagonal
// form, the eigenvalues wanted by bisection on Sturm counts, their eigenvectors by inverse
// iteration on the tridiagonal matrix (orthogonalised against the ones found before, which keeps a
// repeated eigenvalue's vectors orthonormal), then the reflections applied back.
//
// Why not Eigen::SelfAdjointEigenSolver: it computes every eigenvector, and instantiating it (its
// tridiagonalisation, blocked Householder products and QR sweeps) cost 8 of the 30 CPU seconds and
// 180 MB of a one-line fit() program's compilation (benchmarks/RESULTS.md, issue 19). PCA needs
// three vectors at most; this is plain loops, and tests/init/pca_test.cpp checks it against
// Eigen's solver.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <Eigen/Core>

namespace tsne::detail {

/// Eigenvalues (descending) and eigenvectors (as columns, unit length, mutually orthogonal) of the
/// symmetric matrix whose lower triangle is `lower` (finite; the strict upper triangle is not read).
struct TopEigen {
    Eigen::VectorXd values;
    Eigen::MatrixXd vectors;
};

namespace symeig {
/// Tridiagonal matrix: diagonal d (n), off-diagonal e (n-1).
struct Tridiagonal {
    std::vector<double> d, e;
};

/// Number of eigenvalues of t below x (Sturm count of the LDL^T pivots of t - x I).
inline Eigen::Index count_below(const Tridiagonal& t, double x, double pivmin) {
    Eigen::Index count = 0;
    double q = 1;
    for (std::size_t i = 0; i < t.d.size(); ++i) {
        q = t.d[i] - x - (i == 0 ? 0.0 : t.e[i - 1] * t.e[i - 1] / q);
        if (std::abs(q) < pivmin) q = -pivmin;
        count += q < 0;
    }
    return count;
}

/// Solves (t - lambda I) y = y in place by Gaussian elimination with partial pivoting; a pivot
/// below `tiny` (lambda is an eigenvalue to working precision) is replaced by `tiny`, which is
/// what makes the solution grow along the eigenvector.
inline void solve_shifted(const Tridiagonal& t, double lambda, double tiny, std::vector<double>& y) {
    const std::size_t n = t.d.size();
    std::vector<double> diag(n), up1(n, 0.0), up2(n, 0.0);  // U: diagonal, first and second superdiagonals
    double cur_d = t.d[0] - lambda, cur_u = n > 1 ? t.e[0] : 0.0;  // row i as it stands: (cur_d, cur_u, 0)
    for (std::size_t i = 0; i + 1 < n; ++i) {
        const double sub = t.e[i];  // row i+1 before elimination: (sub, d[i+1] - lambda, e[i+1])
        const double next_d = t.d[i + 1] - lambda, next_u = i + 2 < n ? t.e[i + 1] : 0.0;
        if (std::abs(cur_d) >= std::abs(sub)) {
            const double piv = std::abs(cur_d) < tiny ? (cur_d < 0 ? -tiny : tiny) : cur_d;
            const double m = sub / piv;
            diag[i] = piv, up1[i] = cur_u, up2[i] = 0;
            y[i + 1] -= m * y[i];
            cur_d = next_d - m * cur_u, cur_u = next_u;
        } else {  // swap rows i and i+1
            const double m = cur_d / sub;
            diag[i] = sub, up1[i] = next_d, up2[i] = next_u;
            std::swap(y[i], y[i + 1]);
            y[i + 1] -= m * y[i];
            cur_d = cur_u - m * next_d, cur_u = -m * next_u;
        }
    }
    diag[n - 1] = std::abs(cur_d) < tiny ? (cur_d < 0 ? -tiny : tiny) : cur_d;
    for (std::size_t k = n; k-- > 0;) {
        double s = y[k];
        if (k + 1 < n) s -= up1[k] * y[k + 1];
        if (k + 2 < n) s -= up2[k] * y[k + 2];
        y[k] = s / diag[k];
    }
}

/// Scales v to unit length; false when it has none (zero or not finite).
inline bool normalize(std::vector<double>& v) {
    double big = 0;
    for (double x : v) big = std::max(big, std::abs(x));
    if (!(big > 0) || !std::isfinite(big)) return false;
    double ss = 0;
    for (double& x : v) x /= big, ss += x * x;
    const double inv = 1 / std::sqrt(ss);
    for (double& x : v) x *= inv;
    return true;
}
}  // namespace symeig

/// The `count` largest eigenpairs of the symmetric matrix `lower` (lower triangle read).
inline TopEigen symmetric_top_eigen(const Eigen::MatrixXd& lower, Eigen::Index count) {
    const Eigen::Index n = lower.rows();
    count = std::min(count, n);
    TopEigen out{Eigen::VectorXd(count), Eigen::MatrixXd(n, count)};
    if (count <= 0) return out;
    // Work on A = 2^-s lower with its largest entry in [1, 2): an exact scaling that keeps the
    // squares in the Householder norms and Sturm counts far from overflow and underflow.
    double biggest = 0;
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = j; i < n; ++i) biggest = std::max(biggest, std::abs(lower(i, j)));
    const int s = biggest > 0 && std::isfinite(biggest) ? std::ilogb(biggest) : 0;
    Eigen::MatrixXd A = lower.triangularView<Eigen::Lower>();  // reflectors overwrite the columns below the subdiagonal
    if (s != 0) A *= std::ldexp(1.0, -s);
    std::vector<double> tau(static_cast<std::size_t>(std::max<Eigen::Index>(n - 2, 0)), 0.0);
    symeig::Tridiagonal t{std::vector<double>(static_cast<std::size_t>(n)),
                          std::vector<double>(static_cast<std::size_t>(std::max<Eigen::Index>(n - 1, 0)))};
    std::vector<double> p(static_cast<std::size_t>(n)), w(static_cast<std::size_t>(n));
    // Householder: step k maps column k below the diagonal to (beta, 0, ..., 0) and applies the
    // reflection H = I - tau v v' (v[0] = 1) to the trailing block from both sides.
    for (Eigen::Index k = 0; k + 2 < n; ++k) {
        const Eigen::Index m = n - k - 1;  // length of the column below the diagonal
        double* x = &A(k + 1, k);
        double scale = 0;
        for (Eigen::Index i = 0; i < m; ++i) scale = std::max(scale, std::abs(x[i]));
        t.d[static_cast<std::size_t>(k)] = A(k, k);
        double tail = 0;
        for (Eigen::Index i = 1; i < m; ++i) tail += (x[i] / (scale > 0 ? scale : 1)) * (x[i] / (scale > 0 ? scale : 1));
        if (scale == 0 || tail == 0) {  // already tridiagonal in this column
            t.e[static_cast<std::size_t>(k)] = x[0];
            continue;
        }
        const double x0 = x[0] / scale;
        const double alpha = std::sqrt(x0 * x0 + tail);
        const double beta = x0 > 0 ? -alpha : alpha;
        const double tk = (beta - x0) / beta;
        const double inv = 1 / (x0 - beta);
        x[0] = 1;
        for (Eigen::Index i = 1; i < m; ++i) x[i] = (x[i] / scale) * inv;
        tau[static_cast<std::size_t>(k)] = tk;
        t.e[static_cast<std::size_t>(k)] = beta * scale;
        // p = tau * A22 v (A22 symmetric, lower triangle), w = p - (tau/2)(p'v) v, A22 -= v w' + w v'.
        std::fill(p.begin(), p.begin() + m, 0.0);
        for (Eigen::Index j = 0; j < m; ++j) {
            const double* col = &A(k + 1, k + 1 + j);
            p[static_cast<std::size_t>(j)] += col[j] * x[j];
            for (Eigen::Index i = j + 1; i < m; ++i) {
                p[static_cast<std::size_t>(i)] += col[i] * x[j];
                p[static_cast<std::size_t>(j)] += col[i] * x[i];
            }
        }
        double pv = 0;
        for (Eigen::Index i = 0; i < m; ++i) p[static_cast<std::size_t>(i)] *= tk, pv += p[static_cast<std::size_t>(i)] * x[i];
        for (Eigen::Index i = 0; i < m; ++i) w[static_cast<std::size_t>(i)] = p[static_cast<std::size_t>(i)] - 0.5 * tk * pv * x[i];
        for (Eigen::Index j = 0; j < m; ++j) {
            double* col = &A(k + 1, k + 1 + j);
            const double vj = x[j], wj = w[static_cast<std::size_t>(j)];
            for (Eigen::Index i = j; i < m; ++i) col[i] -= x[i] * wj + w[static_cast<std::size_t>(i)] * vj;
        }
    }
    if (n >= 2) {
        t.d[static_cast<std::size_t>(n - 2)] = A(n - 2, n - 2);
        t.e[static_cast<std::size_t>(n - 2)] = A(n - 1, n - 2);
    }
    t.d[static_cast<std::size_t>(n - 1)] = A(n - 1, n - 1);

    // Gershgorin interval and the scale of "zero" for pivots.
    double lo = std::numeric_limits<double>::infinity(), hi = -lo, norm = 0;
    for (std::size_t i = 0; i < t.d.size(); ++i) {
        const double r = (i > 0 ? std::abs(t.e[i - 1]) : 0.0) + (i < t.e.size() ? std::abs(t.e[i]) : 0.0);
        lo = std::min(lo, t.d[i] - r), hi = std::max(hi, t.d[i] + r);
        norm = std::max(norm, std::abs(t.d[i]) + r);
    }
    const double eps = std::numeric_limits<double>::epsilon();
    const double pivmin = std::max(norm * eps * eps, std::numeric_limits<double>::min());
    const double tiny = std::max(norm * eps, std::numeric_limits<double>::min());

    std::vector<std::vector<double>> found;
    auto remove_found = [&found](std::vector<double>& y) {  // y minus its parts along the vectors found
        for (const auto& f : found) {
            double dot = 0;
            for (std::size_t i = 0; i < y.size(); ++i) dot += f[i] * y[i];
            for (std::size_t i = 0; i < y.size(); ++i) y[i] -= dot * f[i];
        }
    };
    for (Eigen::Index j = 0; j < count; ++j) {
        // Eigenvalue number n-1-j in ascending order: the smallest x with more than n-1-j below it.
        const Eigen::Index rank = n - 1 - j;
        double a = lo, b = hi;
        for (;;) {
            const double mid = a + (b - a) / 2;
            if (!(mid > a && mid < b)) break;  // a and b adjacent doubles
            if (count_below(t, mid, pivmin) > rank) b = mid;
            else a = mid;
        }
        const double lambda = a + (b - a) / 2;
        out.values(j) = std::ldexp(lambda, s);
        // Inverse iteration from a fixed start, orthogonal to the vectors already found.
        std::vector<double> y(static_cast<std::size_t>(n));
        for (Eigen::Index i = 0; i < n; ++i) y[static_cast<std::size_t>(i)] = 1.0 + static_cast<double>((7 * i + 3 * j) % 11) / 11.0;
        for (int it = 0; it < 4; ++it) {
            remove_found(y);
            if (!symeig::normalize(y)) {  // the start lay in the span already found: another start
                for (std::size_t i = 0; i < y.size(); ++i) y[i] = static_cast<double>((5 * i + 2 * found.size() + 1) % 13);
                continue;
            }
            symeig::solve_shifted(t, lambda, tiny, y);
            symeig::normalize(y);
        }
        remove_found(y);  // a last orthogonalisation: inverse iteration mixes close vectors
        symeig::normalize(y);
        found.push_back(y);
        // Back to the original basis: z = H_0 H_1 ... H_{n-3} y.
        std::vector<double> z = y;
        for (Eigen::Index k = n - 3; k >= 0; --k) {
            const double tk = tau[static_cast<std::size_t>(k)];
            if (tk == 0) continue;
            const double* v = &A(k + 1, k);
            double vz = 0;
            for (Eigen::Index i = 0; i < n - k - 1; ++i) vz += v[i] * z[static_cast<std::size_t>(k + 1 + i)];
            vz *= tk;
            for (Eigen::Index i = 0; i < n - k - 1; ++i) z[static_cast<std::size_t>(k + 1 + i)] -= vz * v[i];
        }
        for (Eigen::Index i = 0; i < n; ++i) out.vectors(i, j) = z[static_cast<std::size_t>(i)];
    }
    return out;
}

}  // namespace tsne::detail
