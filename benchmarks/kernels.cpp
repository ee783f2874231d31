// Micro-benchmarks of the gradient kernels: SIMD vs scalar twin, 1 vs 2 threads.
//
//   attractive  Σ_j p_ij q̃_ij (y_i − y_j) over P's sparse rows; items = stored entries of P
//   exact       Σ_{j≠i} q̃_ij² (y_i − y_j) and Z over all pairs;  items = N (N − 1) pairs
//   barnes_hut  the same sums by Barnes-Hut (θ = 0.5), tree build included; items = N points
//   tree_build  the Morton sort and node build alone;                 items = N points
//   fft         the same sums by FFT interpolation (FIt-SNE), default grid;   items = N points
//               (spread 10: a compact early-run map, extent ~20; spread 100: extent ~200, like the end of
//               a 70k run, where the grid dominates; the grid is cached across calls, as in a run)
//
// Inputs: P from the bundled digits (1,797 x 64, perplexity 30, exact kNN) and from a synthetic
// 5,000 x 64 Gaussian mixture; Y a random 2-D embedding N(0, 10²) per coordinate, about the spread of
// a late-stage digits embedding. Times are wall clock (UseRealTime) so items/s compare across
// thread counts.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <tsne/tsne.hpp>

namespace {

constexpr double kSpread = 10.0;  // std of each embedding coordinate

/// Reads a numeric CSV (no header) into row-major values; returns (rows, cols).
template <class T>
std::pair<std::size_t, std::size_t> read_csv(const std::string& path, std::vector<T>& out) {
    std::ifstream in(path);
    if (!in) {
        std::fprintf(stderr, "cannot open %s\n", path.c_str());
        std::exit(1);
    }
    std::size_t rows = 0, cols = 0;
    std::string line, cell;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::stringstream ss(line);
        std::size_t c = 0;
        while (std::getline(ss, cell, ',')) {
            out.push_back(static_cast<T>(std::strtod(cell.c_str(), nullptr)));
            ++c;
        }
        if (rows == 0) cols = c;
        ++rows;
    }
    return {rows, cols};
}

/// Synthetic data: n points in d dims around 10 random centres.
template <class T>
std::vector<T> synthetic(std::size_t n, std::size_t d, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g(0.0, 1.0);
    std::vector<double> centres(10 * d);
    for (auto& c : centres) c = 4.0 * g(rng);
    std::vector<T> x(n * d);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < d; ++k) x[i * d + k] = static_cast<T>(centres[(i % 10) * d + k] + g(rng));
    return x;
}

template <class T, int Dims = 2>
tsne::Embedding<T, Dims> random_embedding(std::size_t n, std::uint64_t seed) {
    tsne::Embedding<T, Dims> Y(n);
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g(0.0, kSpread);
    for (int d = 0; d < Dims; ++d)
        for (std::size_t i = 0; i < n; ++i) Y(i, d) = static_cast<T>(g(rng));
    return Y;
}

/// P for dataset 0 = digits, 1 = synthetic 5,000 x 64; built once per (T, dataset).
template <class T>
const tsne::Csr<T>& affinities(int dataset) {
    static std::map<int, tsne::Csr<T>> cache;
    auto it = cache.find(dataset);
    if (it != cache.end()) return it->second;
    std::vector<T> x;
    std::size_t n = 0, d = 0;
    if (dataset == 0) {
        std::tie(n, d) = read_csv<T>(std::string(TSNE_DATA_DIR) + "/digits.csv", x);
    } else {
        n = 5000;
        d = 64;
        x = synthetic<T>(n, d, 7);
    }
    Eigen::Map<const tsne::RowMatrix<T>> X(x.data(), static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d));
    tsne::Executor ex(2);
    const tsne::Perplexity perp{30};
    auto graph = tsne::BruteForce{}(tsne::MatrixRef<T>(X), perp.neighbors(n), ex);
    return cache.emplace(dataset, perp(graph, ex).P).first->second;
}

// Args: {dataset, simd, threads}
template <class T>
void BM_Attractive(benchmark::State& state) {
    const auto& P = affinities<T>(static_cast<int>(state.range(0)));
    const bool simd = state.range(1) != 0;
    tsne::Executor ex(static_cast<unsigned>(state.range(2)));
    const auto Y = random_embedding<T>(P.n, 1);
    tsne::Embedding<T, 2> F(P.n);
    for (auto _ : state) {
        tsne::gradient::attractive(P, Y, F, ex, simd);
        benchmark::DoNotOptimize(F.coord(0));
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(P.nnz()));
    state.counters["N"] = static_cast<double>(P.n);
    state.counters["nnz"] = static_cast<double>(P.nnz());
}

// Args: {N, simd, threads}
template <class T>
void BM_Exact(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const bool simd = state.range(1) != 0;
    tsne::Executor ex(static_cast<unsigned>(state.range(2)));
    const auto Y = random_embedding<T>(n, 2);
    tsne::Embedding<T, 2> R(n);
    typename tsne::Exact::template state<T, 2> st(tsne::Exact{simd}, n);
    double z = 0;
    for (auto _ : state) {
        z = st(Y, R, ex);
        benchmark::DoNotOptimize(z);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n * (n - 1)));
    state.counters["N"] = static_cast<double>(n);
}

// Args: {N, simd, threads}
template <class T, int Dims>
void BM_BarnesHut(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    tsne::BarnesHut cfg(0.5);
    cfg.simd = state.range(1) != 0;
    tsne::Executor ex(static_cast<unsigned>(state.range(2)));
    const auto Y = random_embedding<T, Dims>(n, 3);
    tsne::Embedding<T, Dims> R(n);
    typename tsne::BarnesHut::template state<T, Dims> st(cfg, n);
    double z = 0;
    for (auto _ : state) {
        z = st(Y, R, ex);
        benchmark::DoNotOptimize(z);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
    state.counters["N"] = static_cast<double>(n);
}

// Args: {N, spread, threads}. Y ~ N(0, (spread/5)²) per coordinate: the extent is about 2·spread.
template <class T>
void BM_FFT(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const double spread = static_cast<double>(state.range(1));
    tsne::Executor ex(static_cast<unsigned>(state.range(2)));
    tsne::Embedding<T, 2> Y(n), R(n);
    std::mt19937_64 rng(3);
    std::normal_distribution<double> g(0.0, spread / 5);
    for (int d = 0; d < 2; ++d)
        for (std::size_t i = 0; i < n; ++i) Y(i, d) = static_cast<T>(g(rng));
    typename tsne::FFT::template state<T, 2> st(tsne::FFT{}, n);
    double z = st(Y, R, ex);  // builds the grid and the kernel's transform once
    for (auto _ : state) {
        z = st(Y, R, ex);
        benchmark::DoNotOptimize(z);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
    state.counters["N"] = static_cast<double>(n);
    state.counters["L"] = static_cast<double>(st.grid().L);
}

// Args: {N, threads}
template <int Dims>
void BM_TreeBuild(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    tsne::Executor ex(static_cast<unsigned>(state.range(1)));
    const auto Y = random_embedding<float, Dims>(n, 4);
    tsne::tree::SpaceTree<float, Dims> t;
    for (auto _ : state) {
        t.build(Y, ex, 8, 32);
        benchmark::DoNotOptimize(t.nodes());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}

// Dispatch cost of one parallel_for over 8 empty blocks (the per-call overhead every kernel pays;
// an iteration makes several such calls). Args: {threads}
void BM_ParallelForOverhead(benchmark::State& state) {
    tsne::Executor ex(static_cast<unsigned>(state.range(0)));
    std::size_t sink = 0;
    for (auto _ : state) {
        ex.parallel_for(8 * tsne::default_block, tsne::default_block, [&](std::size_t b, std::size_t) {
            benchmark::DoNotOptimize(b);
        });
        benchmark::DoNotOptimize(sink);
    }
}

void attractive_args(benchmark::internal::Benchmark* b, bool with_synthetic) {
    b->ArgNames({"data", "simd", "threads"});
    for (int data : {0, 1}) {
        if (data == 1 && !with_synthetic) continue;
        for (int simd : {0, 1})
            for (int t : {1, 2}) b->Args({data, simd, t});
    }
    b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

void exact_args(benchmark::internal::Benchmark* b, bool with_large) {
    b->ArgNames({"N", "simd", "threads"});
    for (int n : {1797, 5000}) {
        if (n == 5000 && !with_large) continue;
        for (int simd : {0, 1})
            for (int t : {1, 2}) b->Args({n, simd, t});
    }
    b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

void barnes_hut_args(benchmark::internal::Benchmark* b) {
    b->ArgNames({"N", "simd", "threads"});
    for (int n : {1797, 5000, 20000, 70000})
        for (int simd : {0, 1})
            for (int t : {1, 2}) {
                if (simd == 0 && n > 5000) continue;
                b->Args({n, simd, t});
            }
    b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK_TEMPLATE(BM_BarnesHut, float, 2)->Apply(barnes_hut_args);
BENCHMARK_TEMPLATE(BM_BarnesHut, float, 3)->Apply(barnes_hut_args);
BENCHMARK_TEMPLATE(BM_BarnesHut, double, 2)->Apply(barnes_hut_args);
BENCHMARK_TEMPLATE(BM_TreeBuild, 2)->ArgNames({"N", "threads"})->Args({70000, 1})->Args({70000, 2})->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_TEMPLATE(BM_TreeBuild, 3)->ArgNames({"N", "threads"})->Args({70000, 1})->Args({70000, 2})->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK_TEMPLATE(BM_Attractive, float)->Apply([](benchmark::internal::Benchmark* b) { attractive_args(b, true); });
BENCHMARK_TEMPLATE(BM_Attractive, double)->Apply([](benchmark::internal::Benchmark* b) { attractive_args(b, false); });
BENCHMARK_TEMPLATE(BM_Exact, float)->Apply([](benchmark::internal::Benchmark* b) { exact_args(b, true); });
BENCHMARK_TEMPLATE(BM_Exact, double)->Apply([](benchmark::internal::Benchmark* b) { exact_args(b, false); });

BENCHMARK_TEMPLATE(BM_FFT, float)->Apply([](benchmark::internal::Benchmark* b) {
    b->ArgNames({"N", "spread", "threads"});
    for (int n : {10000, 70000})
        for (int spread : {10, 100})
            for (int t : {1, 2}) b->Args({n, spread, t});
    b->UseRealTime()->Unit(benchmark::kMillisecond);
});
BENCHMARK_TEMPLATE(BM_Exact, float)->Name("BM_Exact<float>/N:10000")->Args({10000, 1, 1})->Args({10000, 1, 2})
    ->UseRealTime()->Unit(benchmark::kMillisecond);

BENCHMARK(BM_ParallelForOverhead)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
