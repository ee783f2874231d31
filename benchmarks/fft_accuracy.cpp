// Accuracy and cost of FFT-interpolation repulsion on a real embedding, against the exact sums and
// against Barnes-Hut, the method it competes with.
//
//   bench_fft_accuracy EMB.csv [P:W[:B] ...] [--threads T] [--scale S] [--copies K] [--no-exact]
//
// EMB.csv holds one point per line (1 or 2 columns; e.g. a finished Fashion-MNIST 70k run),
// optionally scaled by S (0.1 imitates the compact early phase) and repeated K times with a small
// jitter (N(0, 0.05²) per coordinate: a denser map of the same extent, for the cost at larger N).
// Exact R and Z are computed once in double (skip with --no-exact for large N); then Barnes-Hut
// (θ = 0.5) and each FFT configuration P:W[:B] (nodes per box, max box width, max boxes) run in
// float, as in a default run. Reported: ‖R − R_exact‖/‖R_exact‖, the 95th percentile of the
// per-point relative error, |Z/Z_exact − 1|, the FFT grid, and the median time of 7 calls after
// one warm-up (the grid, the kernel's transform and the tree's buffers persist, as in a run).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <tsne/tsne.hpp>

namespace {

template <int Dims>
int run(const std::vector<std::vector<double>>& pts, const std::vector<std::string>& configs, unsigned threads,
        bool with_exact) {
    const std::size_t N = pts.size();
    tsne::Executor ex(threads);
    tsne::Embedding<double, Dims> Yd(N), Rd(N);
    tsne::Embedding<float, Dims> Y(N), R(N);
    for (std::size_t i = 0; i < N; ++i)
        for (int d = 0; d < Dims; ++d) {
            Yd(i, d) = pts[i][static_cast<std::size_t>(d)];
            Y(i, d) = static_cast<float>(pts[i][static_cast<std::size_t>(d)]);
        }
    double z_exact = 0, norm = 0;
    if (with_exact) {
        typename tsne::Exact::template state<double, Dims> exact(tsne::Exact{}, N);
        z_exact = exact(Yd, Rd, ex);
        for (std::size_t i = 0; i < N; ++i)
            for (int d = 0; d < Dims; ++d) norm += Rd(i, d) * Rd(i, d);
    }
    std::printf("N %zu  dims %d  threads %u  Z_exact %.6e\n", N, Dims, threads, z_exact);
    std::printf("%-12s %10s %10s %10s %6s %6s %8s %10s\n", "method", "R rel", "R p95", "Z rel", "boxes", "L", "h",
                "ms/call");
    auto report = [&](const char* name, auto& st, std::size_t nb, std::size_t L, double h) {
        double z = st(Y, R, ex);
        std::vector<double> ms;
        for (int rep = 0; rep < 7; ++rep) {
            const auto t0 = std::chrono::steady_clock::now();
            z = st(Y, R, ex);
            ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        }
        std::sort(ms.begin(), ms.end());
        double err = 0, p95 = 0;
        if (with_exact) {
            std::vector<double> per(N);
            for (std::size_t i = 0; i < N; ++i) {
                double e2 = 0, r2 = 0;
                for (int d = 0; d < Dims; ++d) {
                    const double dd = R(i, d) - Rd(i, d);
                    e2 += dd * dd;
                    r2 += Rd(i, d) * Rd(i, d);
                }
                err += e2;
                per[i] = std::sqrt(e2 / (r2 + 1e-300));
            }
            std::nth_element(per.begin(), per.begin() + static_cast<std::ptrdiff_t>(N * 95 / 100), per.end());
            p95 = per[N * 95 / 100];
            err = std::sqrt(err / norm);
        }
        std::printf("%-12s %10.3e %10.3e %10.3e %6zu %6zu %8.4f %10.2f\n", name, err, p95,
                    with_exact ? std::abs(z / z_exact - 1) : 0.0, nb, L, h, ms[3]);
    };
    {
        typename tsne::BarnesHut::template state<float, Dims> bh(tsne::BarnesHut(0.5), N);
        report("bh:0.5", bh, 0, 0, 0.0);
    }
    for (const auto& c : configs) {
        double w = 1;
        int p = 3, b = tsne::FFT{}.max_boxes;
        if (std::sscanf(c.c_str(), "%d:%lf:%d", &p, &w, &b) < 2) {
            std::fprintf(stderr, "bad configuration %s (want P:W[:B])\n", c.c_str());
            return 2;
        }
        const tsne::FFT cfg(p, tsne::FFT{}.min_boxes, w, b);
        typename tsne::FFT::template state<float, Dims> st(cfg, N);
        st(Y, R, ex);
        const auto g = st.grid();
        report(("fft:" + c).c_str(), st, g.nb, g.L, g.h);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s EMB.csv [P:W[:B] ...] [--threads T] [--scale S] [--copies K] [--no-exact]\n",
                     argv[0]);
        return 2;
    }
    unsigned threads = 1;
    double scale = 1;
    int copies = 1;
    bool with_exact = true;
    std::vector<std::string> configs;
    for (int a = 2; a < argc; ++a) {
        if (!std::strcmp(argv[a], "--threads") && a + 1 < argc) threads = static_cast<unsigned>(std::atoi(argv[++a]));
        else if (!std::strcmp(argv[a], "--scale") && a + 1 < argc) scale = std::atof(argv[++a]);
        else if (!std::strcmp(argv[a], "--copies") && a + 1 < argc) copies = std::max(1, std::atoi(argv[++a]));
        else if (!std::strcmp(argv[a], "--no-exact")) with_exact = false;
        else configs.emplace_back(argv[a]);
    }
    if (configs.empty()) configs = {"3:1", "4:1"};
    std::ifstream in(argv[1]);
    std::vector<std::vector<double>> pts;
    std::size_t cols = 0;
    for (std::string line; std::getline(in, line);) {
        std::replace(line.begin(), line.end(), ',', ' ');
        std::istringstream ss(line);
        std::vector<double> v;
        for (double x; ss >> x;) v.push_back(x * scale);
        if (v.empty()) continue;
        if (cols == 0) cols = v.size();
        if (v.size() != cols || cols > 2) {
            std::fprintf(stderr, "%s: every line needs the same 1 or 2 columns\n", argv[1]);
            return 1;
        }
        pts.push_back(std::move(v));
    }
    if (pts.size() < 2) {
        std::fprintf(stderr, "need at least 2 points in %s\n", argv[1]);
        return 1;
    }
    std::mt19937_64 rng(7);
    std::normal_distribution<double> jitter(0.0, 0.05);
    const std::size_t base = pts.size();
    for (int c = 1; c < copies; ++c)
        for (std::size_t i = 0; i < base; ++i) {
            auto v = pts[i];
            for (auto& x : v) x += jitter(rng);
            pts.push_back(std::move(v));
        }
    return cols == 1 ? run<1>(pts, configs, threads, with_exact) : run<2>(pts, configs, threads, with_exact);
}
