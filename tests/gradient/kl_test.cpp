#include <doctest/doctest.h>

#include <cmath>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_kl {

namespace {
// KL in double for a double embedding, straight from the definition (dense Q).
// w = (1 + d²/α)^−α: the t kernel with α degrees of freedom.
double kl_dense(const tsne::Csr<double>& P, const tsne::Embedding<double, 3>& Y, int dims, double alpha = 1) {
    auto w = [alpha](double d2) { return std::pow(1 + d2 / alpha, -alpha); };
    const std::size_t n = Y.size();
    double Z = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            if (i == j) continue;
            double d2 = 0;
            for (int d = 0; d < dims; ++d) d2 += (Y(i, d) - Y(j, d)) * (Y(i, d) - Y(j, d));
            Z += w(d2);
        }
    double kl = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t e = P.row_ptr[i]; e < P.row_ptr[i + 1]; ++e) {
            double d2 = 0;
            for (int d = 0; d < dims; ++d) d2 += (Y(i, d) - Y(P.col[e], d)) * (Y(i, d) - Y(P.col[e], d));
            kl += P.val[e] * std::log(P.val[e] / (w(d2) / Z));
        }
    return kl;
}

template <int Dims>
tsne::Embedding<double, 3> widen(const tsne::Embedding<double, Dims>& Y) {
    tsne::Embedding<double, 3> W(Y.size());
    for (std::size_t i = 0; i < Y.size(); ++i)
        for (int d = 0; d < Dims; ++d) W(i, d) = Y(i, d);
    return W;
}

// The analytic gradient (without the factor 4) against central finite differences of the KL.
template <class T, int Dims>
void check_gradient(double alpha = 1) {
    const std::size_t n = 60;
    const auto Xd = testing::clusters<double>(n, 6, 3, 31);
    tsne::Executor ex(2);
    const auto Ad = tsne::Perplexity{10}(tsne::BruteForce{}(tsne::MatrixRef<double>(Xd), 30, ex), ex);
    tsne::Csr<T> P;
    P.n = Ad.P.n;
    P.row_ptr = Ad.P.row_ptr;
    P.col = Ad.P.col;
    P.val.assign(Ad.P.val.begin(), Ad.P.val.end());
    const auto Y = testing::random_embedding<T, Dims>(n, 12, 2.0);
    tsne::Embedding<T, Dims> Fa(n), Fr(n);
    tsne::gradient::attractive(P, Y, Fa, ex, true, alpha);
    tsne::Exact::state<T, Dims> st(tsne::Exact{}, n);
    st.set_dof(alpha);
    const double Z = st(Y, Fr, ex);
    // Same positions in double for the finite differences.
    tsne::Embedding<double, Dims> Yd(n);
    for (std::size_t i = 0; i < n; ++i)
        for (int d = 0; d < Dims; ++d) Yd(i, d) = Y(i, d);
    const double h = 1e-5;
    double worst = 0, scale = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (int d = 0; d < Dims; ++d) {
            auto Yp = Yd, Ym = Yd;
            Yp(i, d) += h;
            Ym(i, d) -= h;
            const double fd = (kl_dense(Ad.P, widen(Yp), Dims, alpha) - kl_dense(Ad.P, widen(Ym), Dims, alpha)) / (2 * h) / 4;
            const double an = double(Fa(i, d)) - double(Fr(i, d)) / Z;
            worst = std::max(worst, std::abs(fd - an));
            scale = std::max(scale, std::abs(fd));
        }
    CHECK(scale > 0);
    CHECK(worst <= (std::is_same_v<T, float> ? 1e-3 : 1e-6) * scale);
    // The sparse KL with this Z equals the dense definition.
    CHECK(tsne::kl_divergence(P, Y, Z, ex, alpha) ==
          doctest::Approx(kl_dense(Ad.P, widen(Yd), Dims, alpha)).epsilon(std::is_same_v<T, float> ? 1e-4 : 1e-10));
}
}  // namespace

TEST_CASE_TEMPLATE("gradient: analytic = finite differences of KL (dims 1, 2, 3)", T, float, double) {
    check_gradient<T, 1>();
    check_gradient<T, 2>();
    check_gradient<T, 3>();
}

TEST_CASE_TEMPLATE("gradient: heavy tails (dof 0.3, 0.5, 2) analytic = finite differences of KL", T, float, double) {
    for (double alpha : {0.3, 0.5, 2.0}) {
        CAPTURE(alpha);
        check_gradient<T, 1>(alpha);
        check_gradient<T, 2>(alpha);
        check_gradient<T, 3>(alpha);
    }
}

}  // namespace t_kl
