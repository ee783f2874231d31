#include <doctest/doctest.h>

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

}  // namespace t_embedder
