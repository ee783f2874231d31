// Determinism: bit-identical output for 1, 2, 3 and 8 threads with every repulsion method and
// output dimension; the fluent and the plain API give the same bits; the seed decides the result.
// Sizes exceed the largest fixed block (4096 points) so that block-ordered reductions with several
// blocks are exercised.
#include <doctest/doctest.h>

#include <type_traits>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_determinism {

namespace {

template <int Dims, class T>
tsne::RowMatrix<T> fit_with(const tsne::RowMatrix<T>& X, tsne::Method m, unsigned threads, std::uint64_t seed = 42,
                            bool random_init = false) {
    tsne::AutoRepulsion rep;
    rep.method = m;
    auto e = tsne::embed<Dims>(X).perplexity(10).iterations(16).early_exaggeration_iterations(8).threads(threads)
                 .seed(seed).repulsion(rep);
    if (random_init) return e.init(tsne::RandomInit{}).fit();
    return e.fit();
}

/// Points in a size where the method is used for real (Exact is O(N²): kept smaller). Under a
/// sanitizer, sizes that still make several blocks of 256 and 1,024 points, not of 4,096.
std::size_t size_for(tsne::Method m) {
    if (testing::sanitized) return m == tsne::Method::exact ? 600 : 1100;
    return m == tsne::Method::exact ? 1100 : 4500;
}

template <int Dims, class T>
void check_thread_counts(tsne::Method m) {
    const auto X = testing::clusters<T>(size_for(m), 5, 6, 99);
    const auto one = fit_with<Dims>(X, m, 1);
    REQUIRE(one.allFinite());
    for (unsigned threads : {2u, 3u, 8u}) {
        INFO(Dims, "-D, ", std::string(tsne::method_name(m)), ", ", threads, " threads");
        CHECK(fit_with<Dims>(X, m, threads) == one);
    }
}

}  // namespace

TEST_CASE_TEMPLATE("determinism: 1, 2, 3 and 8 threads give the same bits for exact, Barnes-Hut and FFT in 1-, 2- and 3-D",
                   T, float, double) {
    for (auto m : {tsne::Method::exact, tsne::Method::barnes_hut, tsne::Method::fft}) {
        check_thread_counts<1, T>(m);
        check_thread_counts<2, T>(m);
        if (m != tsne::Method::fft) check_thread_counts<3, T>(m);
    }
}

TEST_CASE("determinism: the fluent API and the plain API (prepare + run_schedule) give the same bits, every method") {
    const auto X = testing::clusters<float>(1500, 6, 4, 7);
    tsne::Options o;
    o.iterations = 20;
    o.early_exaggeration_iterations = 10;
    o.seed = 11;
    o.threads = 3;
    for (auto m : {tsne::Method::exact, tsne::Method::barnes_hut, tsne::Method::fft}) {
        INFO(std::string(tsne::method_name(m)));
        tsne::AutoRepulsion rep;
        rep.method = m;
        auto run = tsne::prepare<2, float>(tsne::MatrixRef<float>(X), o, tsne::AutoNeighbors{}, tsne::Perplexity{},
                                           tsne::PCA{}, rep);
        tsne::run_schedule(run, o);
        const auto fluent = tsne::embed<2>(X).options(o).repulsion(rep).fit();
        CHECK(run.embedding() == fluent);
        // Random initialisation through both paths too (the seed reaches the init).
        auto run_r = tsne::prepare<1, float>(tsne::MatrixRef<float>(X), o, tsne::AutoNeighbors{}, tsne::Perplexity{},
                                             tsne::RandomInit{}, rep);
        tsne::run_schedule(run_r, o);
        CHECK(run_r.embedding() == tsne::embed<1>(X).options(o).init(tsne::RandomInit{}).repulsion(rep).fit());
    }
}

TEST_CASE("determinism: the seed fully determines the result (same seed same bits, other seed other result)") {
    const auto X = testing::clusters<double>(1200, 6, 4, 5);
    for (auto m : {tsne::Method::exact, tsne::Method::barnes_hut, tsne::Method::fft}) {
        INFO(std::string(tsne::method_name(m)));
        const auto a = fit_with<2>(X, m, 2, 123, true);
        const auto b = fit_with<2>(X, m, 3, 123, true);
        const auto c = fit_with<2>(X, m, 2, 124, true);
        CHECK(a.allFinite());
        CHECK(a == b);
        CHECK(!(a == c));
        CHECK((a - c).cwiseAbs().maxCoeff() > 1e-3);  // not a last-bit difference: another start
    }
}

}  // namespace t_determinism
