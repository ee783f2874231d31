// Peak bytes allocated by the library per point (malloc/free counted, see memory/main.cpp), from a
// precomputed kNN graph (perplexity 30, k = 90) of 50,000 points: prepare (affinities + init) and a
// few iterations of each repulsion method. The bounds asserted here are the ones README documents
// ("Reliability"); the measured values are printed (run with -s).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>

#include "helpers.hpp"
#include "memory/counting.hpp"

namespace {

/// A ring: point i's neighbours are i ± 1 ... i ± k/2 (mod n) at distance 0.01·|offset| (+ jitter).
template <class T>
tsne::KnnGraph<T> ring_graph(std::size_t n, std::size_t k) {
    auto g = tsne::KnnGraph<T>::allocate(n, k);
    tsne::detail::Rng rng(5);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t m = 0; m < k; ++m) {
            const std::size_t off = m / 2 + 1;
            g.index[i * k + m] = static_cast<std::uint32_t>(m % 2 ? (i + off) % n : (i + n - off) % n);
            g.distance[i * k + m] = static_cast<T>(0.01 * static_cast<double>(off) * (1 + 0.1 * rng.uniform()));
        }
    return g;
}

struct PerPoint {
    double prepare = 0;   ///< peak during prepare (kNN graph check, affinities, init)
    double resident = 0;  ///< held by the Run between calls
    double optimize = 0;  ///< peak during optimize (resident + the method's work space)
    bool finite = false;
    long long left = 0;   ///< bytes still allocated after the run was destroyed
};

template <int Dims, class T>
PerPoint measure(const tsne::KnnGraph<T>& g, tsne::Method m) {
    tsne::Options o;
    o.threads = 2;
    tsne::AutoRepulsion rep;
    rep.method = m;
    const double n = static_cast<double>(g.n);
    PerPoint out;
    const long long base = memcount::live();
    memcount::reset_peak();
    {
        auto run = tsne::prepare_from_knn<Dims, T>(g, o, tsne::Perplexity{30}, tsne::RandomInit{}, rep);
        out.prepare = static_cast<double>(memcount::peak() - base) / n;
        out.resident = static_cast<double>(memcount::live() - base) / n;
        memcount::reset_peak();
        run.optimize(3, tsne::exaggerated(12));
        run.optimize(2);
        out.optimize = static_cast<double>(memcount::peak() - base) / n;
        out.finite = run.embedding().allFinite();
    }
    out.left = memcount::live() - base;
    std::printf("memory per point, %d-D %s %s, N = %.0f, k = %zu: prepare peak %.0f B, resident %.0f B, "
                "optimize peak %.0f B\n",
                Dims, tsne::method_name(m), sizeof(T) == 4 ? "float" : "double", n, g.k, out.prepare, out.resident,
                out.optimize);
    return out;
}

// Documented bounds (README, "Reliability"), bytes per point with k neighbours per point
// (k = 3·perplexity), excluding the caller's input, with s = sizeof(T) / 4 (1 float, 2 double):
// prepare ≤ (12 + 12·s)·k + 512 (the graph copy, consumed by the affinities, plus the 2·N·k pairs
// buffer that P is compacted in); a run (optimize) ≤ (5 + 5·s)·k + 48·Dims·s + 256, plus FFT's grid,
// which depends on the embedding's extent, not on N (checked separately below).
template <class T>
double prepare_bound(std::size_t k) {
    const double s = sizeof(T) / 4.0;
    return (12 + 12 * s) * static_cast<double>(k) + 512;
}
template <class T>
double run_bound(std::size_t k, int dims) {
    const double s = sizeof(T) / 4.0;
    return (5 + 5 * s) * static_cast<double>(k) + 48.0 * dims * s + 256;
}

template <int Dims, class T>
void check_bounds(const tsne::KnnGraph<T>& g, tsne::Method m) {
    const PerPoint p = measure<Dims>(g, m);
    INFO(Dims, "-D ", tsne::method_name(m));
    CHECK(p.finite);
    CHECK(p.left == 0);  // everything the run allocated is released with it
    CHECK(p.prepare <= prepare_bound<T>(g.k));
    CHECK(p.resident <= p.optimize);
    CHECK(p.optimize <= run_bound<T>(g.k, Dims));
}

}  // namespace

TEST_CASE("memory: bytes allocated per point stay under the documented bound, 50,000 points, every method") {
    const std::size_t n = 50000, k = 90;
    // Warm-up: the first threads of the process leave glibc's cached thread stacks with their TLS
    // blocks (~600 bytes) allocated; later runs reuse them.
    (void)measure<2>(ring_graph<float>(500, k), tsne::Method::barnes_hut);
    const auto gf = ring_graph<float>(n, k);
    check_bounds<1>(gf, tsne::Method::barnes_hut);
    check_bounds<2>(gf, tsne::Method::barnes_hut);
    check_bounds<3>(gf, tsne::Method::barnes_hut);
    check_bounds<1>(gf, tsne::Method::fft);
    check_bounds<2>(gf, tsne::Method::fft);
    const auto gd = ring_graph<double>(n, k);
    check_bounds<2>(gd, tsne::Method::barnes_hut);
    check_bounds<2>(gd, tsne::Method::fft);
    // Exact is O(N²) in time (not memory): measured at 10,000 points.
    const auto small = ring_graph<float>(10000, k);
    check_bounds<2>(small, tsne::Method::exact);
    check_bounds<3>(small, tsne::Method::exact);
}

TEST_CASE("memory: FFT's grid is bounded by max_boxes, whatever N and the embedding's extent") {
    // An embedding spread over 2,000 units: the 2-D grid hits its cap (max_boxes = 400 per axis).
    const std::size_t n = 20000, k = 30;
    // Warm-up as above (ctest runs this case in a process of its own): glibc's first worker
    // threads keep their TLS blocks in its stack cache, which would count as 624 bytes left over.
    (void)measure<2>(ring_graph<float>(500, 90), tsne::Method::barnes_hut);
    const auto g = ring_graph<float>(n, k);
    tsne::RowMatrix<float> Y0(static_cast<Eigen::Index>(n), 2);
    tsne::detail::Rng rng(3);
    for (Eigen::Index i = 0; i < Y0.size(); ++i) Y0.data()[i] = static_cast<float>(2000 * (rng.uniform() - 0.5));
    for (int dims : {1, 2}) {
        tsne::Options o;
        o.threads = 2;
        const long long base = memcount::live();
        double grid_mb = 0;
        {
            tsne::RowMatrix<float> Y0d = Y0.leftCols(dims);
            if (dims == 1) {
                auto run = tsne::prepare_from_knn<1, float>(g, o, tsne::Perplexity{10}, tsne::user_init(Y0d), tsne::FFT());
                const long long resident = memcount::live();
                memcount::reset_peak();
                run.optimize(2);
                grid_mb = static_cast<double>(memcount::peak() - resident) / 1e6;
            } else {
                auto run = tsne::prepare_from_knn<2, float>(g, o, tsne::Perplexity{10}, tsne::user_init(Y0d), tsne::FFT());
                const long long resident = memcount::live();
                memcount::reset_peak();
                run.optimize(2);
                grid_mb = static_cast<double>(memcount::peak() - resident) / 1e6;
            }
        }
        CHECK(memcount::live() == base);
        std::printf("FFT %d-D grid and work space at the cap (extent 2,000, float): %.1f MB\n", dims, grid_mb);
        CHECK(grid_mb < (dims == 1 ? 16.0 : 160.0));  // the documented bound
    }
}

// Issue 18, item 3: a run-state file whose size fields promise more than the stream holds costs no
// more memory than the stream's own bytes, also on a stream that cannot seek (a pipe), where the
// sizes cannot be compared with the file's length in advance.
namespace {
struct PipeBuf : std::stringbuf {
    using std::stringbuf::stringbuf;
    pos_type seekoff(off_type, std::ios_base::seekdir, std::ios_base::openmode) override { return pos_type(-1); }
    pos_type seekpos(pos_type, std::ios_base::openmode) override { return pos_type(-1); }
};
}  // namespace

TEST_CASE("memory: a run-state file with lying size fields allocates no more than it holds, on a pipe too") {
    // A real 2-D float state of 50 points, its N field then raised to 50,000,000 (with N+1 row
    // offsets of 8 bytes, unchecked: 400 MB allocated before the short read).
    tsne::Csr<float> P;  // a ring: point i's neighbours are i - 1 and i + 1 (mod 50)
    P.n = 50;
    for (std::uint32_t i = 0; i < 50; ++i) {
        P.row_ptr.push_back(P.col.size());
        const std::uint32_t a = (i + 49) % 50, b = (i + 1) % 50;
        P.col.push_back(std::min(a, b));
        P.col.push_back(std::max(a, b));
        P.val.push_back(1.0f);
        P.val.push_back(1.0f);
    }
    P.row_ptr.push_back(P.col.size());
    auto run = tsne::prepare_from_affinities<2, float>(P);
    std::stringstream saved;
    run.save(saved);
    std::string bytes = saved.str();
    const std::uint64_t lie = 50000000;
    std::memcpy(&bytes[8 + 4 * 4], &lie, 8);  // N, after the signature and four u32 fields
    for (bool pipe : {true, false}) {
        const long long base = memcount::live();
        memcount::reset_peak();
        {
            PipeBuf buf(bytes);
            std::stringbuf plain(bytes);
            std::istream is(pipe ? static_cast<std::streambuf*>(&buf) : &plain);
            CHECK_THROWS_WITH_AS((tsne::Run<float, 2>::load(is)), doctest::Contains("truncated"), tsne::invalid_argument);
        }
        const double mb = static_cast<double>(memcount::peak() - base) / 1e6;
        MESSAGE("run state with N = 50,000,000 in a " << bytes.size() << "-byte " << (pipe ? "pipe" : "file") << ": peak "
                                                      << mb << " MB");
        CHECK(mb < 8);
    }
}
