#include <doctest/doctest.h>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_precomputed {

namespace {
tsne::Options short_run() {
    tsne::Options o;
    o.iterations = 80;
    o.early_exaggeration_iterations = 40;
    o.threads = 2;
    return o;
}
}  // namespace

TEST_CASE("precomputed distance matrix, kNN graph and P reproduce the computed run bit for bit") {
    const auto X = testing::clusters<double>(200, 6, 4, 21);
    const auto o = short_run();
    tsne::Executor ex(2);
    // The reference: computed from X with random init (precomputed inputs have no data for PCA).
    auto ref = tsne::embed<2>(X).options(o).perplexity(12).init(tsne::RandomInit{}).prepare();
    tsne::run_schedule(ref, o);
    const auto Yref = ref.embedding();

    // Full distance matrix (Euclidean, computed directly).
    tsne::RowMatrix<double> D(200, 200);
    for (Eigen::Index i = 0; i < 200; ++i)
        for (Eigen::Index j = 0; j < 200; ++j) D(i, j) = (X.row(i) - X.row(j)).norm();
    auto fromD = tsne::embed_distances<2>(D).options(o).perplexity(12).init(tsne::RandomInit{}).prepare();
    tsne::run_schedule(fromD, o);
    CHECK(fromD.affinities().P.col == ref.affinities().P.col);
    for (std::size_t e = 0; e < ref.affinities().P.nnz(); ++e)
        CHECK(fromD.affinities().P.val[e] == doctest::Approx(ref.affinities().P.val[e]).epsilon(1e-9));

    // The kNN graph the computed run used (more neighbours than needed: trimmed), shuffled rows.
    auto g = tsne::BruteForce{}(tsne::MatrixRef<double>(X), 60, ex);
    for (std::size_t i = 0; i < g.n; ++i) {
        std::reverse(g.index.begin() + std::ptrdiff_t(i * g.k), g.index.begin() + std::ptrdiff_t((i + 1) * g.k));
        std::reverse(g.distance.begin() + std::ptrdiff_t(i * g.k), g.distance.begin() + std::ptrdiff_t((i + 1) * g.k));
    }
    auto fromG = tsne::embed_knn<2>(g).options(o).perplexity(12).prepare();  // PCA → random without data
    tsne::run_schedule(fromG, o);
    CHECK(fromG.embedding() == Yref);

    // P itself (already symmetric and normalised: taken as is).
    auto fromP = tsne::embed_affinities<2>(ref.affinities().P, tsne::PrecomputedAffinities{false, false}).options(o).prepare();
    tsne::run_schedule(fromP, o);
    CHECK(fromP.embedding() == Yref);
    // Symmetrising a symmetric P changes nothing but rounding.
    auto sym = tsne::PrecomputedAffinities{}(ref.affinities().P, ex);
    CHECK(sym.P.col == ref.affinities().P.col);
    for (std::size_t e = 0; e < sym.P.nnz(); ++e) CHECK(sym.P.val[e] == doctest::Approx(ref.affinities().P.val[e]));
}

TEST_CASE("precomputed P: asymmetric input is symmetrised and normalised on request") {
    tsne::Csr<float> P;
    P.n = 3;
    P.row_ptr = {0, 1, 2, 3};
    P.col = {1, 2, 0};
    P.val = {2.0f, 4.0f, 2.0f};
    tsne::Executor ex(1);
    const auto A = tsne::PrecomputedAffinities{}(P, ex);
    // Normalised: p01 = 2/8, p12 = 4/8, p20 = 2/8; symmetrised: (P + Pᵀ) / 2.
    CHECK(A.P.at(0, 1) == doctest::Approx(0.125));
    CHECK(A.P.at(1, 0) == doctest::Approx(0.125));
    CHECK(A.P.at(1, 2) == doctest::Approx(0.25));
    CHECK(A.P.at(2, 1) == doctest::Approx(0.25));
    CHECK(A.P.at(0, 2) == doctest::Approx(0.125));
    CHECK(A.P.at(2, 0) == doctest::Approx(0.125));
    CHECK(A.P.at(0, 0) == 0.0f);
    const auto B = tsne::PrecomputedAffinities{false, true}(P, ex);
    CHECK(B.P.at(1, 2) == doctest::Approx(0.5));
}

TEST_CASE("precomputed inputs: bad shapes and values throw naming the input") {
    tsne::Executor ex(1);
    tsne::RowMatrix<float> D = tsne::RowMatrix<float>::Ones(10, 9);
    CHECK_THROWS_WITH_AS(tsne::knn_from_distances(tsne::MatrixRef<float>(D), 3, ex), doctest::Contains("square"),
                         tsne::invalid_argument);
    tsne::RowMatrix<float> Dn = tsne::RowMatrix<float>::Ones(10, 10);
    Dn(2, 5) = -1;
    CHECK_THROWS_WITH_AS(tsne::knn_from_distances(tsne::MatrixRef<float>(Dn), 3, ex), doctest::Contains("(2, 5) is -1"),
                         tsne::invalid_argument);
    Dn(2, 5) = std::nanf("");
    CHECK_THROWS_AS(tsne::embed_distances<2>(Dn).perplexity(3).prepare(), tsne::invalid_argument);

    tsne::KnnGraph<float> g{4, 2, {1, 2, 0, 2, 0, 1, 0, 1}, {1, 2, 1, 2, 1, 2, 1, 2}};
    CHECK_NOTHROW(tsne::checked_knn(g, 2));
    CHECK_THROWS_WITH_AS(tsne::checked_knn(g, 3), doctest::Contains("need 3"), tsne::invalid_argument);
    auto self = g;
    self.index[2] = 1;  // point 1 lists itself
    CHECK_THROWS_WITH_AS(tsne::checked_knn(self, 2), doctest::Contains("lists itself"), tsne::invalid_argument);
    auto range = g;
    range.index[0] = 9;
    CHECK_THROWS_WITH_AS(tsne::checked_knn(range, 2), doctest::Contains("out of range"), tsne::invalid_argument);
    auto twice = g;
    twice.index[1] = 1;
    CHECK_THROWS_WITH_AS(tsne::checked_knn(twice, 2), doctest::Contains("twice"), tsne::invalid_argument);
    auto neg = g;
    neg.distance[3] = -0.5f;
    CHECK_THROWS_WITH_AS(tsne::checked_knn(neg, 2), doctest::Contains("-0.5"), tsne::invalid_argument);
    auto shape = g;
    shape.distance.pop_back();
    CHECK_THROWS_WITH_AS(tsne::checked_knn(shape, 2), doctest::Contains("expected 4 x 2"), tsne::invalid_argument);
    // k vs perplexity through the fluent API: perplexity 30 needs 3 neighbours here (N - 1 = 3) but the
    // graph has 2.
    CHECK_THROWS_AS(tsne::embed_knn<2>(g).perplexity(3).prepare(), tsne::invalid_argument);

    tsne::Csr<float> P{3, {0, 1, 2, 3}, {0, 2, 0}, {1, 1, 1}};
    CHECK_THROWS_WITH_AS(tsne::PrecomputedAffinities{}(P, ex), doctest::Contains("diagonal"), tsne::invalid_argument);
    P.col = {1, 2, 0};
    P.val = {1, -1, 1};
    CHECK_THROWS_WITH_AS(tsne::PrecomputedAffinities{}(P, ex), doctest::Contains("finite and >= 0"), tsne::invalid_argument);
    P.val = {0, 0, 0};
    CHECK_THROWS_WITH_AS(tsne::PrecomputedAffinities{}(P, ex), doctest::Contains("all values are zero"), tsne::invalid_argument);
    P.row_ptr = {0, 2, 2};
    CHECK_THROWS_WITH_AS(tsne::PrecomputedAffinities{}(P, ex), doctest::Contains("malformed CSR"), tsne::invalid_argument);
    tsne::RowMatrix<float> Y0 = tsne::RowMatrix<float>::Zero(5, 2);
    CHECK_THROWS_WITH_AS(tsne::embed_knn<2>(g).perplexity(0.5).init(tsne::user_init(Y0)).prepare(),
                         doctest::Contains("expected 4 x 2"), tsne::invalid_argument);
}

TEST_CASE_TEMPLATE("precomputed P: the CSR structure is validated before anything reads through it", T, float, double) {
    tsne::Executor ex(1);
    // A valid 4-point P: row i holds the other three points.
    tsne::Csr<T> good;
    good.n = 4;
    good.row_ptr = {0, 3, 6, 9, 12};
    good.col = {1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2};
    good.val.assign(12, T(1));
    CHECK_NOTHROW(tsne::PrecomputedAffinities{}(good, ex));
    // row_ptr[1] beyond row_ptr[2] (non-monotone, first and last offsets right): row 0's loop ran
    // to entry 10 of the 12 before the decrease was seen at row 1, past row 0's own entries, and
    // with a larger offset past the arrays (ASan: heap-buffer-overflow).
    for (std::size_t bad1 : {std::size_t{10}, std::size_t{12}, std::size_t{1000}}) {
        auto P = good;
        P.row_ptr[1] = bad1;
        CHECK_THROWS_WITH_AS(tsne::PrecomputedAffinities{}(P, ex), doctest::Contains("decreases at row 1"),
                             tsne::invalid_argument);
        CHECK_THROWS_WITH_AS(tsne::embed_affinities<2>(P).prepare(), doctest::Contains("decreases at row 1"),
                             tsne::invalid_argument);
        CHECK_THROWS_AS(tsne::prepare_from_affinities<2>(P), tsne::invalid_argument);
    }
    auto first = good;
    first.row_ptr[0] = 1;
    CHECK_THROWS_WITH_AS(tsne::PrecomputedAffinities{}(first, ex), doctest::Contains("from 0 to nnz"), tsne::invalid_argument);
    auto last = good;
    last.row_ptr[4] = 11;
    CHECK_THROWS_WITH_AS(tsne::PrecomputedAffinities{}(last, ex), doctest::Contains("from 0 to nnz"), tsne::invalid_argument);
    auto short_val = good;
    short_val.val.pop_back();
    CHECK_THROWS_WITH_AS(tsne::PrecomputedAffinities{}(short_val, ex), doctest::Contains("malformed CSR"),
                         tsne::invalid_argument);
    auto col = good;
    col.col[4] = 4;
    CHECK_THROWS_WITH_AS(tsne::PrecomputedAffinities{}(col, ex), doctest::Contains("out of range"), tsne::invalid_argument);
    // Values whose sum overflows would normalise P to zeros.
    auto huge = good;
    huge.val.assign(12, std::numeric_limits<T>::max());
    if constexpr (std::is_same_v<T, double>) {
        CHECK_THROWS_WITH_AS(tsne::PrecomputedAffinities{}(huge, ex), doctest::Contains("sum to inf"), tsne::invalid_argument);
    } else {
        CHECK_NOTHROW(tsne::PrecomputedAffinities{}(huge, ex));  // summed in double: finite
    }
    // A Run built directly from malformed affinities refuses them too.
    tsne::Affinities<T> A;
    A.P = good;
    A.P.row_ptr[1] = 12;
    using RunT = tsne::Run<T, 2>;
    CHECK_THROWS_WITH_AS(RunT(A, tsne::Embedding<T, 2>(4), tsne::AutoRepulsion{}, tsne::MomentumGains{}, 1),
                         doctest::Contains("decreases at row 1"), tsne::invalid_argument);
}

TEST_CASE_TEMPLATE("precomputed P: tiny values normalise to a finite P (found by fuzz_affinities)", T, float, double) {
    // The sum of the values was inverted in T: for a float sum of 1e-40 that is inf, and P became
    // inf and NaN (double: a sum of subnormals). Divided in double, P sums to 1.
    tsne::Executor ex(1);
    tsne::Csr<T> P;
    P.n = 3;
    P.row_ptr = {0, 0, 1, 1};
    P.col = {2};
    P.val = {std::numeric_limits<T>::denorm_min()};
    for (bool symmetrize : {true, false}) {
        const auto A = tsne::PrecomputedAffinities{symmetrize, true}(P, ex);
        double sum = 0;
        for (T v : A.P.val) {
            CHECK(std::isfinite(v));
            sum += static_cast<double>(v);
        }
        CHECK(sum == doctest::Approx(1.0));
    }
}

}  // namespace t_precomputed
