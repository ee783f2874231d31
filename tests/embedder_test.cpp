#include <doctest/doctest.h>

#include <sstream>
#include <utility>
#include <vector>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_embedder {

TEST_CASE("embedder: views row-major data without copying, copies other layouts, same result") {
    const auto X = testing::clusters<float>(150, 5, 3, 2);
    Eigen::MatrixXf colmajor = X;  // column-major copy
    const auto a = tsne::embed<2>(X).iterations(60).early_exaggeration_iterations(30).fit();
    const auto b = tsne::embed<2>(colmajor).iterations(60).early_exaggeration_iterations(30).fit();
    const auto c = tsne::embed<2>(X.data(), 150, 5).iterations(60).early_exaggeration_iterations(30).fit();
    auto builder = tsne::embed<2>(tsne::RowMatrix<float>(X));  // temporary: moved into the builder
    const auto d = builder.iterations(60).early_exaggeration_iterations(30).fit();
    CHECK(a == b);
    CHECK(a == c);
    CHECK(a == d);
    CHECK(tsne::embed<2>(X).view().data() == X.data());
    // Policy setters return a new builder type; value setters are kept.
    auto e = tsne::embed<2>(X).iterations(60).early_exaggeration_iterations(30).repulsion(tsne::Exact{false});
    CHECK(e.options().iterations == 60);
    // The scalar twin: same maths, other rounding; the trajectories drift apart (t-SNE is chaotic)
    // but reach the same quality.
    auto r1 = tsne::embed<2>(X).iterations(60).early_exaggeration_iterations(30).prepare();
    auto r2 = e.prepare();
    tsne::run_schedule(r1, e.options());
    tsne::run_schedule(r2, e.options());
    CHECK(r2.kl() == doctest::Approx(r1.kl()).epsilon(0.02));
}

TEST_CASE("digits end to end: 10-NN label accuracy of the 2-D embedding >= 0.95") {
    const auto X = testing::digits();
    const auto labels = testing::digit_labels();
    REQUIRE(X.rows() == 1797);
    REQUIRE(X.cols() == 64);
    auto run = tsne::embed<2>(X).threads(2).prepare();  // automatic: Barnes-Hut at this N
    CHECK(run.repulsion().chosen == tsne::Method::barnes_hut);
    tsne::run_schedule(run, tsne::Options{});
    const auto Y = run.embedding();
    const double acc = testing::knn_accuracy(Y, labels);
    MESSAGE("digits: 10-NN accuracy " << acc << ", KL " << run.last_kl());
    CHECK(acc >= 0.95);
    CHECK(run.last_kl() < 1.0);
    // The exact method on the same input: Barnes-Hut (θ = 0.5) must not cost more than 2% of KL.
    // The O(N²) reference run takes ~25 s under ASan; the exact kernel has its own tests there.
    if (testing::sanitized) return;
    auto exact = tsne::embed<2>(X).threads(2).repulsion(tsne::Exact{}).prepare();
    tsne::run_schedule(exact, tsne::Options{});
    MESSAGE("digits exact: KL " << exact.kl() << ", Barnes-Hut " << run.kl());
    CHECK(run.kl() <= exact.kl() * 1.02);
}

// Issue 18, item 8: rvalue expressions (a block or transpose of a temporary) are copied into the
// builder; lvalues and Maps (which own nothing) are viewed. Under ASan the views read freed memory (heap-use-after-free).
namespace {
tsne::RowMatrix<float> make_data() { return testing::clusters<float>(200, 5, 3, 2); }
Eigen::MatrixXd make_colmajor_t() { return testing::clusters<double>(200, 5, 3, 2).transpose(); }  // 5 x 200
template <class E>
auto short_fit(const E& e) {
    auto b = e;
    return b.iterations(40).early_exaggeration_iterations(20).threads(1).fit();
}
}  // namespace

TEST_CASE("embedder: temporary expressions are copied, not viewed after they are gone, lvalues stay views") {
    const tsne::RowMatrix<float> X = make_data();
    const tsne::RowMatrix<float> top = X.topRows(150);
    const auto want = short_fit(tsne::embed<2>(top));
    {
        auto b = tsne::embed<2>(make_data().topRows(150));  // the block's matrix dies here
        CHECK(b.owned_input() != nullptr);
        const auto churn = make_data();  // reuses the freed block
        CHECK(churn.rows() == 200);
        CHECK(short_fit(b) == want);
    }
    {
        // The transpose of a column-major temporary is row-major with direct access: was viewed.
        auto b = tsne::embed<2>(make_colmajor_t().transpose());
        CHECK(b.owned_input() != nullptr);
        const auto churn = make_colmajor_t();
        const tsne::RowMatrix<double> Xd = testing::clusters<double>(200, 5, 3, 2);
        CHECK(short_fit(b) == short_fit(tsne::embed<2>(Xd)));
        auto c = tsne::embed<2>(make_colmajor_t().transpose().cast<float>());  // cast of a temporary
        CHECK(short_fit(c) == short_fit(tsne::embed<2>(Xd.cast<float>().eval())));
    }
    {
        const tsne::RowMatrix<float> D = tsne::RowMatrix<float>::Random(150, 150).cwiseAbs();
        auto make_d = [&] { return tsne::RowMatrix<float>(D); };
        auto b = tsne::embed_distances<2>(make_d().topLeftCorner(150, 150)).perplexity(10);
        CHECK(b.owned_input() != nullptr);
        CHECK(tsne::embed_distances<2>(D).view().data() == D.data());  // lvalue: viewed
    }
    // Lvalues keep zero-copy: a matrix, a Map, a Ref, a named block.
    CHECK(tsne::embed<2>(X).view().data() == X.data());
    CHECK(tsne::embed<2>(X).owned_input() == nullptr);
    const Eigen::Map<const tsne::RowMatrix<float>> m(X.data(), 150, 5);
    CHECK(tsne::embed<2>(m).view().data() == X.data());
    // A temporary Map owns nothing (its buffer is the caller's, as with the raw-pointer overload):
    // viewed, not copied, like a named one.
    CHECK(tsne::embed<2>(Eigen::Map<const tsne::RowMatrix<float>>(X.data(), 150, 5)).view().data() == X.data());
    CHECK(tsne::embed<2>(Eigen::Map<const tsne::RowMatrix<float>>(X.data(), 150, 5)).owned_input() == nullptr);
    const tsne::MatrixRef<float> r(X);
    CHECK(tsne::embed<2>(r).view().data() == X.data());
    const auto blk = X.topRows(150);
    CHECK(tsne::embed<2>(blk).view().data() == X.data());
    // A temporary plain matrix is moved in (no copy of its buffer).
    tsne::RowMatrix<float> moved = X;
    const float* buf = moved.data();
    CHECK(tsne::embed<2>(std::move(moved)).view().data() == buf);
    // The transform builder holds its three inputs the same way.
    const tsne::RowMatrix<float> Y = want;
    auto t = tsne::transform<2>(make_data().bottomRows(50), make_data().topRows(150), tsne::RowMatrix<float>(Y).topRows(150));
    const auto churn = make_data();
    const tsne::RowMatrix<float> bottom = X.bottomRows(50);
    CHECK(t.threads(1).fit() == tsne::transform<2>(bottom, top, Y).threads(1).fit());
}

// Issue 18, item 8: a moved-from Run or TransformRun refuses by name instead of crashing.
TEST_CASE("embedder: a moved-from Run and TransformRun throw tsne::logic_error from every member that needs state") {
    const auto X = testing::clusters<float>(100, 4, 2, 3);
    auto a = tsne::embed<2>(X).threads(1).prepare();
    a.optimize(2);
    auto b = std::move(a);
    const auto msg = doctest::Contains("used after being moved from");
    CHECK_THROWS_WITH_AS(a.embedding(), msg, tsne::logic_error);
    CHECK_THROWS_WITH_AS(a.optimize(1), msg, tsne::logic_error);
    CHECK_THROWS_WITH_AS(a.optimize(1, tsne::exaggerated(12)), msg, tsne::logic_error);
    std::stringstream s;
    CHECK_THROWS_WITH_AS(a.save(s), msg, tsne::logic_error);
    CHECK_THROWS_WITH_AS((void)a.kl(), msg, tsne::logic_error);
    CHECK_THROWS_WITH_AS((void)a.threads(), msg, tsne::logic_error);
    CHECK_THROWS_WITH_AS(a.set_threads(2), msg, tsne::logic_error);
    CHECK_THROWS_WITH_AS(a.set_dof(0.5), msg, tsne::logic_error);
    CHECK_THROWS_WITH_AS((void)a.size(), msg, tsne::logic_error);
    CHECK_THROWS_WITH_AS((void)a.coordinates(), msg, tsne::logic_error);
    CHECK_THROWS_WITH_AS((void)a.affinities(), msg, tsne::logic_error);
    CHECK_THROWS_WITH_AS((void)a.repulsion(), msg, tsne::logic_error);
    // The target works; assigning a live run back revives the source; self-move keeps nothing broken.
    CHECK(b.embedding().rows() == 100);
    b.optimize(1);
    a = std::move(b);
    CHECK(a.iteration() == 3);
    CHECK_NOTHROW(a.optimize(1));
    CHECK_THROWS_AS(b.embedding(), tsne::logic_error);
    // tsne::logic_error is a std::logic_error.
    CHECK_THROWS_AS(b.optimize(1), std::logic_error);

    const tsne::RowMatrix<float> Y = a.embedding();
    auto t = tsne::transform<2>(X.topRows(10), X, Y).threads(1).prepare();
    auto u = std::move(t);
    CHECK_THROWS_WITH_AS(t.optimize(1), doctest::Contains("TransformRun: used after being moved from"), tsne::logic_error);
    CHECK_THROWS_AS(t.embedding(), tsne::logic_error);
    CHECK_THROWS_AS((void)t.kl(), tsne::logic_error);
    CHECK_THROWS_AS((void)t.size(), tsne::logic_error);
    CHECK_THROWS_AS((void)t.coordinates(), tsne::logic_error);
    CHECK_THROWS_AS((void)t.neighbors(0), tsne::logic_error);
    CHECK_NOTHROW(u.optimize(2));
    CHECK(u.embedding().rows() == 10);
}

}  // namespace t_embedder
