// End-to-end benchmark on the bundled digits (1,797 x 64) with the library defaults: 2-D, perplexity
// 30, 750 iterations (250 with early exaggeration 12), PCA init, exact repulsion, seed 42.
//
//   bench_digits [--threads T] [--repeats R] [--data DIR] [--out emb.csv]
//
// Prints per-repeat and median wall time (prepare + optimisation), per-phase times (neighbours,
// affinities, init, optimisation), the final KL the run computed, peak RSS (getrusage) and whether
// every repeat produced the same bits. Writes the last embedding as CSV (N rows, 2 columns) for
// tools/eval_embedding.py.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <tsne/tsne.hpp>

namespace {

std::vector<float> read_csv(const std::string& path, std::size_t& rows, std::size_t& cols) {
    std::ifstream in(path);
    if (!in) {
        std::fprintf(stderr, "cannot open %s\n", path.c_str());
        std::exit(1);
    }
    std::vector<float> out;
    rows = cols = 0;
    std::string line, cell;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        std::stringstream ss(line);
        std::size_t c = 0;
        while (std::getline(ss, cell, ',')) {
            out.push_back(std::strtof(cell.c_str(), nullptr));
            ++c;
        }
        if (rows == 0) cols = c;
        if (c != cols) {
            std::fprintf(stderr, "%s: row %zu has %zu columns, expected %zu\n", path.c_str(), rows + 1, c, cols);
            std::exit(1);
        }
        ++rows;
    }
    return out;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

double seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

[[noreturn]] void usage(const char* argv0) {
    std::fprintf(stderr, "usage: %s [--threads T] [--repeats R] [--data DIR] [--out emb.csv]\n", argv0);
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    unsigned threads = 0;
    int repeats = 3;
    std::string data_dir = TSNE_DATA_DIR, out_path;
    for (int a = 1; a < argc; ++a) {
        const std::string arg = argv[a];
        auto value = [&]() -> const char* {
            if (a + 1 >= argc) usage(argv[0]);
            return argv[++a];
        };
        if (arg == "--threads") threads = static_cast<unsigned>(std::atoi(value()));
        else if (arg == "--repeats") repeats = std::max(1, std::atoi(value()));
        else if (arg == "--data") data_dir = value();
        else if (arg == "--out") out_path = value();
        else if (arg == "-h" || arg == "--help") usage(argv[0]);
        else if (out_path.empty() && arg[0] != '-') out_path = arg;
        else usage(argv[0]);
    }

    std::size_t n = 0, d = 0;
    const std::vector<float> X = read_csv(data_dir + "/digits.csv", n, d);
    std::printf("digits %zu x %zu, threads %u, repeats %d, ISA %s\n", n, d, threads, repeats, tsne::simd::arch_name());

    std::vector<double> wall, t_nn, t_aff, t_init, t_opt;
    double kl = 0;
    tsne::RowMatrix<float> Y, first;
    bool identical = true;
    const tsne::Options options{};  // library defaults
    for (int r = 0; r < repeats; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        auto run = tsne::embed<2>(X.data(), n, d).threads(threads).seed(42).prepare();
        const auto t1 = std::chrono::steady_clock::now();
        tsne::run_schedule(run, options);
        const auto t2 = std::chrono::steady_clock::now();
        Y = run.embedding();
        kl = run.last_kl();
        wall.push_back(seconds(t0, t2));
        t_nn.push_back(run.timings.neighbors);
        t_aff.push_back(run.timings.affinities);
        t_init.push_back(run.timings.initialization);
        t_opt.push_back(seconds(t1, t2));
        if (r == 0) first = Y;
        else identical = identical && first == Y;
        std::printf("repeat %d: wall %.3f s (neighbours %.4f, affinities %.4f, init %.4f, optimise %.3f), KL %.4f\n", r,
                    wall.back(), t_nn.back(), t_aff.back(), t_init.back(), t_opt.back(), kl);
    }

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    std::printf("median wall %.3f s | neighbours %.4f s | affinities %.4f s | init %.4f s | optimise %.3f s\n",
                median(wall), median(t_nn), median(t_aff), median(t_init), median(t_opt));
    std::printf("per iteration %.2f ms | final KL %.4f | peak RSS %.1f MB | repeats bit-identical: %s\n",
                1e3 * median(t_opt) / options.iterations, kl, static_cast<double>(ru.ru_maxrss) / 1024.0,
                identical ? "yes" : "NO");

    if (!out_path.empty()) {
        std::FILE* f = std::fopen(out_path.c_str(), "w");
        if (!f) {
            std::fprintf(stderr, "cannot write %s: %s\n", out_path.c_str(), std::strerror(errno));
            return 1;
        }
        for (Eigen::Index i = 0; i < Y.rows(); ++i) std::fprintf(f, "%.9g,%.9g\n", Y(i, 0), Y(i, 1));
        std::fclose(f);
        std::printf("embedding written to %s\n", out_path.c_str());
    }
    return 0;
}
