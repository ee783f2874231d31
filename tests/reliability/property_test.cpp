// Property sweep: random shapes, duplicates, constant columns and extreme magnitudes through every
// repulsion method and output dimension. Every fit must end in a finite embedding or a named tsne::
// exception (invalid_argument / runtime_error); benign inputs must give a finite embedding.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "helpers.hpp"
#include "reliability/fit_any.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_property {

namespace {

struct Generated {
    testing::FitCase fit;
    bool benign = true;             ///< ordinary magnitudes and a valid perplexity: must succeed
    bool bad_perplexity = false;    ///< must be tsne::invalid_argument naming the perplexity
    std::string what;               ///< description for failure messages
};

template <class T>
tsne::RowMatrix<T> make_data(tsne::detail::Rng& rng, std::size_t n, std::size_t d, Generated& g) {
    tsne::RowMatrix<T> X(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d));
    // Per-column magnitude: mostly ordinary, sometimes 1e-30 or 1e30 (mixed columns included).
    static const int exponents[] = {0, 0, 0, 1, -2, 3, -30, 30};
    const bool extreme = rng.uniform() < 0.35;
    for (std::size_t j = 0; j < d; ++j) {
        const int e = exponents[static_cast<std::size_t>(rng.uniform() * (extreme ? 8 : 6))];
        if (e <= -30 || e >= 30) g.benign = false;
        g.what += " col" + std::to_string(j) + "=1e" + std::to_string(e);
        const double scale = std::pow(10.0, e);
        for (std::size_t i = 0; i < n; ++i)
            X(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = static_cast<T>(scale * rng.normal());
    }
    if (rng.uniform() < 0.3) {  // duplicated rows
        const std::size_t copies = 1 + static_cast<std::size_t>(rng.uniform() * static_cast<double>(n));
        for (std::size_t c = 0; c < copies; ++c) {
            const auto dst = static_cast<Eigen::Index>(rng.uniform() * static_cast<double>(n));
            const auto src = static_cast<Eigen::Index>(rng.uniform() * 3);
            X.row(dst) = X.row(std::min<Eigen::Index>(src, X.rows() - 1));
        }
        g.what += " duplicates=" + std::to_string(copies);
    }
    if (rng.uniform() < 0.3) {  // a constant column
        X.col(static_cast<Eigen::Index>(rng.uniform() * static_cast<double>(d))).setConstant(T(7));
        g.what += " constant-column";
    }
    if (rng.uniform() < 0.05) {  // every point identical
        for (Eigen::Index i = 1; i < X.rows(); ++i) X.row(i) = X.row(0);
        g.what += " all-identical";
    }
    return X;
}

Generated make_case(tsne::detail::Rng& rng, std::size_t n) {
    Generated g;
    auto& c = g.fit;
    c.dims = 1 + static_cast<int>(rng.uniform() * 3);
    static const tsne::Method methods[] = {tsne::Method::exact, tsne::Method::barnes_hut, tsne::Method::fft,
                                           tsne::Method::automatic};
    c.method = methods[static_cast<std::size_t>(rng.uniform() * 4)];
    if (c.method == tsne::Method::fft && c.dims == 3) c.method = tsne::Method::barnes_hut;  // FFT: 1-D and 2-D
    const double u = rng.uniform();
    const double max_p = static_cast<double>(n - 1);
    if (u < 0.12) {
        c.perplexity = max_p + 0.5 + rng.uniform() * 10;  // too large for N
        g.bad_perplexity = true;
    } else if (u < 0.16) {
        c.perplexity = rng.uniform() < 0.5 ? 0.0 : std::numeric_limits<double>::quiet_NaN();
        g.bad_perplexity = true;
    } else if (u < 0.24) {
        c.perplexity = max_p;  // the largest allowed
    } else {
        c.perplexity = std::min(max_p, 1.0 + rng.uniform() * 40);
    }
    c.iterations = static_cast<int>(rng.uniform() * 41);
    c.exaggeration_iterations = static_cast<int>(rng.uniform() * (c.iterations + 1));
    c.threads = 1 + static_cast<unsigned>(rng.uniform() * 3);
    c.seed = rng.next();
    c.random_init = rng.uniform() < 0.3;
    g.what = "N=" + std::to_string(n) + " dims=" + std::to_string(c.dims) + " method=" +
             tsne::method_name(c.method) + " perplexity=" + std::to_string(c.perplexity) +
             " iterations=" + std::to_string(c.iterations) + " threads=" + std::to_string(c.threads) +
             (c.random_init ? " random-init" : " pca-init");
    return g;
}

std::size_t random_n(tsne::detail::Rng& rng) {
    const double u = rng.uniform();
    if (u < 0.3) return 2 + static_cast<std::size_t>(rng.uniform() * 9);     // 2..10
    if (u < 0.6) return 11 + static_cast<std::size_t>(rng.uniform() * 54);   // 11..64
    return 65 + static_cast<std::size_t>(rng.uniform() * 236);               // 65..300
}

}  // namespace

TEST_CASE_TEMPLATE("property sweep: random shapes, duplicates, constant columns, 1e-30 and 1e30 give a finite embedding or a named tsne:: error",
                   T, float, double) {
    tsne::detail::Rng rng(std::is_same_v<T, float> ? 2024 : 2025);
    int finite = 0, named = 0, benign = 0;
    std::set<std::string> reasons;  // errors other than a bad perplexity, for the summary
    const int cases = testing::sanitized ? 50 : 150;
    for (int k = 0; k < cases; ++k) {
        const std::size_t n = random_n(rng);
        const std::size_t d = 1 + static_cast<std::size_t>(rng.uniform() * 6);
        Generated g = make_case(rng, n);
        const tsne::RowMatrix<T> X = make_data<T>(rng, n, d, g);
        const tsne::RowMatrix<T> copy = X;
        INFO("case ", k, ": ", g.what);
        testing::FitResult r;
        try {
            r = testing::fit_any(X, g.fit);
        } catch (const std::exception& e) {
            FAIL("an exception that is not tsne::invalid_argument / tsne::runtime_error: ", e.what());
            continue;
        }
        INFO("outcome ", std::string(testing::outcome_name(r.outcome)), ": ", r.message);
        CHECK(X == copy);  // the input is never modified
        REQUIRE(r.outcome != testing::Outcome::non_finite);
        if (g.bad_perplexity) {
            CHECK(r.outcome == testing::Outcome::invalid_argument);
            CHECK(r.message.find("perplexity") != std::string::npos);
        } else if (g.benign) {
            ++benign;
            CHECK(r.outcome == testing::Outcome::finite);
        }
        if (r.outcome != testing::Outcome::finite && !g.bad_perplexity) reasons.insert(r.message.substr(0, 90));
        finite += r.outcome == testing::Outcome::finite;
        named += r.outcome != testing::Outcome::finite;
    }
    MESSAGE(cases, " cases: ", finite, " finite embeddings, ", named, " named errors (", benign, " benign cases)");
    for (const auto& why : reasons) MESSAGE("named error seen: ", why);
    CHECK(benign > cases / 3);  // the sweep really exercises successful fits
}

TEST_CASE("property: perplexity may be at most N - 1, larger is tsne::invalid_argument naming N, for every method") {
    for (std::size_t n : {2u, 3u, 7u, 40u}) {
        tsne::detail::Rng rng(n);
        tsne::RowMatrix<double> X(static_cast<Eigen::Index>(n), 3);
        for (Eigen::Index i = 0; i < X.size(); ++i) X.data()[i] = rng.normal();
        for (auto m : {tsne::Method::exact, tsne::Method::barnes_hut, tsne::Method::fft}) {
            testing::FitCase c;
            c.method = m;
            c.iterations = 20;
            c.perplexity = static_cast<double>(n - 1);
            INFO("N = ", n, ", method ", std::string(tsne::method_name(m)));
            CHECK(testing::fit_any(X, c).outcome == testing::Outcome::finite);
            c.perplexity = static_cast<double>(n - 1) * (1 + 1e-12) + 1e-12;
            const auto r = testing::fit_any(X, c);
            CHECK(r.outcome == testing::Outcome::invalid_argument);
            CHECK(r.message.find("too large for N = " + std::to_string(n)) != std::string::npos);
        }
    }
    // The same rule for a precomputed distance matrix (the affinity policy checks it).
    const tsne::RowMatrix<double> D = tsne::RowMatrix<double>::Ones(5, 5);
    CHECK_THROWS_WITH_AS(tsne::embed_distances<2>(D).perplexity(4.5).prepare(), doctest::Contains("too large for N = 5"),
                         tsne::invalid_argument);
    CHECK(tsne::embed_distances<2>(D).perplexity(4).iterations(10).early_exaggeration_iterations(5).fit().allFinite());
}


namespace {
/// Σ|a_ij − b_ij| over both patterns of two P (0 = the same, 2 = disjoint); columns ascend per row.
template <class T>
double p_gap(const tsne::Csr<T>& a, const tsne::Csr<T>& b) {
    double s = 0;
    for (std::size_t i = 0; i < a.n; ++i) {
        std::size_t x = a.row_ptr[i], y = b.row_ptr[i];
        while (x < a.row_ptr[i + 1] || y < b.row_ptr[i + 1]) {
            if (y == b.row_ptr[i + 1] || (x < a.row_ptr[i + 1] && a.col[x] < b.col[y])) s += double(a.val[x++]);
            else if (x == a.row_ptr[i + 1] || b.col[y] < a.col[x]) s += double(b.val[y++]);
            else s += std::abs(double(a.val[x++]) - double(b.val[y++]));
        }
    }
    return s;
}

/// P of X for one random combination of affinity kind, neighbour search and metric, prepared as a
/// run (so the kNN search, its rescale and the calibration all take part), and its embedding.
template <class T>
std::pair<tsne::Csr<T>, tsne::RowMatrix<T>> prepared(const tsne::RowMatrix<T>& X, int affinity, int search, bool cosine,
                                                     double perplexity) {
    auto with_metric = [&](auto e) {
        auto with_search = [&](auto e2) {
            auto go = [&](auto e3) {
                auto run = e3.iterations(20).early_exaggeration_iterations(10).threads(2).prepare();
                run.optimize(20);
                return std::make_pair(run.affinities().P, run.embedding());
            };
            const std::size_t k = std::max<std::size_t>(1, static_cast<std::size_t>(perplexity));
            if (affinity == 0) return go(e2.affinity(tsne::Perplexity{perplexity}));
            if (affinity == 1) return go(e2.affinity(tsne::MultiscalePerplexity{{perplexity / 2, perplexity}}));
            return go(e2.affinity(tsne::Uniform{k}));
        };
        if (search == 0) return with_search(e.neighbors(tsne::BruteForce{}));
        if (search == 1) return with_search(e.neighbors(tsne::VPTree{}));
        return with_search(e.neighbors(tsne::IVF{}));
    };
    if (cosine) return with_metric(tsne::embed<2>(X).metric(tsne::Cosine{}));
    return with_metric(tsne::embed<2>(X));
}
}  // namespace

TEST_CASE_TEMPLATE("property sweep: data scaled by extreme factors (1e-300 .. 1e300, subnormal) give the same P for every affinity, search and metric",
                   T, float, double) {
    tsne::detail::Rng rng(std::is_same_v<T, float> ? 77 : 78);
    const std::vector<double> scales = std::is_same_v<T, double>
        ? std::vector<double>{0x1p-700, 0x1p+700, 1e-160, 1e160, 1e-300, 1e300, 3e-312}
        : std::vector<double>{0x1p-90, 0x1p+90, 1e-30, 1e30, 1e-35, 1e34, 1e-41};
    const int cases = testing::sanitized ? 12 : 40;
    for (int c = 0; c < cases; ++c) {
        const std::size_t n = 20 + static_cast<std::size_t>(rng.uniform() * 100);
        const std::size_t d = 1 + static_cast<std::size_t>(rng.uniform() * 6);
        const auto X = testing::clusters<T>(n, d, 3, rng.next(), 5.0);
        const double scale = scales[static_cast<std::size_t>(rng.uniform() * static_cast<double>(scales.size()))];
        const int affinity = static_cast<int>(rng.uniform() * 3), search = static_cast<int>(rng.uniform() * 3);
        const bool cosine = d > 1 && rng.uniform() < 0.3;
        const double perplexity = std::min(static_cast<double>(n - 1) / 3.0, 2.0 + rng.uniform() * 20);
        tsne::RowMatrix<T> Xs(X.rows(), X.cols());
        for (Eigen::Index i = 0; i < X.size(); ++i) Xs.data()[i] = static_cast<T>(static_cast<double>(X.data()[i]) * scale);
        INFO("case ", c, ": N=", n, " D=", d, " scale=", scale, " affinity=", affinity, " search=", search,
             " cosine=", cosine, " perplexity=", perplexity);
        REQUIRE(Xs.allFinite());
        const auto [P, Y] = prepared(X, affinity, search, cosine, perplexity);
        try {
            const auto [Ps, Ys] = prepared(Xs, affinity, search, cosine, perplexity);
            CHECK(Ys.allFinite());
            const bool subnormal = static_cast<double>(Xs.cwiseAbs().maxCoeff()) < static_cast<double>(std::numeric_limits<T>::min());
            // Exact searches see the same neighbours; IVF's k-means and subnormals' fewer digits
            // move a few. Garbage P (every row missing its perplexity) is far above these bounds.
            CHECK(p_gap(P, Ps) < (search == 2 || subnormal ? 0.1 : 1e-3));
        } catch (const std::exception& e) {
            FAIL("scaled data failed where the unscaled succeeded: ", e.what());
        }
    }
}

}  // namespace t_property
