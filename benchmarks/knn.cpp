// Neighbour search benchmark: exact kNN (tsne::BruteForce) against approximate kNN (tsne::IVF) on a
// raw float32 row-major file (e.g. Fashion-MNIST PCA-50 from tools/prep_data.py), k = 90
// (perplexity 30), plus the perplexity affinities built on each graph.
//
//   bench_knn --data FILE --n N --d D [--threads T] [--repeats R] [--sweep] [--check-threads]
//             [--probes P] [--clusters C] [--kmeans-iterations I] [--refine R]
//             [--embed --out PREFIX]
//
// Prints the median over R repeats (default 3) of: exact kNN time, IVF time, affinities time on
// each graph; recall@90 of IVF against the exact graph; the mean and largest |distance error| over
// the neighbours both graphs found. --sweep repeats the IVF measurement for probes 4, 8, 12, 16.
// --check-threads builds both graphs with 1 and with T threads and compares the bits.
// --embed runs a full default embedding (library defaults, seed 42) from each graph with the same
// PCA initialisation (computed once from X, since embed_knn has no data to project) and writes
// PREFIX_exact.csv and PREFIX_ivf.csv for tools/eval_embedding.py.
#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <tsne/tsne.hpp>

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

std::vector<float> read_raw(const std::string& path, std::size_t n, std::size_t d) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        std::fprintf(stderr, "cannot open %s: %s\n", path.c_str(), std::strerror(errno));
        std::exit(1);
    }
    std::vector<float> X(n * d);
    const std::size_t got = std::fread(X.data(), sizeof(float), X.size(), f);
    std::fclose(f);
    if (got != X.size()) {
        std::fprintf(stderr, "%s: expected %zu floats (%zu x %zu), read %zu\n", path.c_str(), X.size(), n, d, got);
        std::exit(1);
    }
    return X;
}

struct Quality {
    double recall = 0, mean_err = 0, max_err = 0;
};

/// Recall@k of `approx` against `exact`, and |distance error| over the neighbours both found.
Quality compare(const tsne::KnnGraph<float>& exact, const tsne::KnnGraph<float>& approx) {
    Quality q;
    const std::size_t n = exact.n, k = exact.k;
    std::vector<std::pair<std::uint32_t, float>> a(k), b(k);
    std::size_t hits = 0;
    double err = 0;
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t m = 0; m < k; ++m) {
            a[m] = {exact.neighbors(i)[m], exact.distances(i)[m]};
            b[m] = {approx.neighbors(i)[m], approx.distances(i)[m]};
        }
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        for (std::size_t x = 0, y = 0; x < k && y < k;) {
            if (a[x].first < b[y].first) ++x;
            else if (b[y].first < a[x].first) ++y;
            else {
                const double e = std::abs(static_cast<double>(a[x].second) - static_cast<double>(b[y].second));
                err += e;
                q.max_err = std::max(q.max_err, e);
                ++hits;
                ++x;
                ++y;
            }
        }
    }
    q.recall = static_cast<double>(hits) / static_cast<double>(n * k);
    q.mean_err = hits ? err / static_cast<double>(hits) : 0.0;
    return q;
}

bool same_bits(const tsne::KnnGraph<float>& a, const tsne::KnnGraph<float>& b) {
    return a.n == b.n && a.k == b.k && a.index == b.index &&
           std::memcmp(a.distance.data(), b.distance.data(), a.distance.size() * sizeof(float)) == 0;
}

void write_csv(const std::string& path, const tsne::RowMatrix<float>& Y) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (!f) {
        std::fprintf(stderr, "cannot write %s: %s\n", path.c_str(), std::strerror(errno));
        std::exit(1);
    }
    for (Eigen::Index i = 0; i < Y.rows(); ++i) std::fprintf(f, "%.9g,%.9g\n", Y(i, 0), Y(i, 1));
    std::fclose(f);
}

[[noreturn]] void usage(const char* argv0) {
    std::fprintf(stderr,
                 "usage: %s --data FILE --n N --d D [--threads T] [--repeats R] [--sweep] [--check-threads]\n"
                 "          [--probes P] [--clusters C] [--kmeans-iterations I] [--refine R] [--embed --out PREFIX]\n",
                 argv0);
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    std::string path, out_prefix = "knn_emb";
    std::size_t n = 0, d = 0;
    unsigned threads = 2;
    int repeats = 3;
    bool sweep = false, check_threads = false, do_embed = false;
    tsne::IVF ivf{};
    for (int a = 1; a < argc; ++a) {
        const std::string arg = argv[a];
        auto value = [&]() -> const char* {
            if (a + 1 >= argc) usage(argv[0]);
            return argv[++a];
        };
        if (arg == "--data") path = value();
        else if (arg == "--n") n = std::strtoull(value(), nullptr, 10);
        else if (arg == "--d") d = std::strtoull(value(), nullptr, 10);
        else if (arg == "--threads") threads = static_cast<unsigned>(std::atoi(value()));
        else if (arg == "--repeats") repeats = std::max(1, std::atoi(value()));
        else if (arg == "--sweep") sweep = true;
        else if (arg == "--check-threads") check_threads = true;
        else if (arg == "--embed") do_embed = true;
        else if (arg == "--out") out_prefix = value();
        else if (arg == "--probes") ivf.probes = std::strtoull(value(), nullptr, 10);
        else if (arg == "--clusters") ivf.clusters = std::strtoull(value(), nullptr, 10);
        else if (arg == "--kmeans-iterations") ivf.kmeans_iterations = std::atoi(value());
        else if (arg == "--refine") ivf.refine = std::atoi(value());
        else usage(argv[0]);
    }
    if (path.empty() || n == 0 || d == 0) usage(argv[0]);

    const std::vector<float> data = read_raw(path, n, d);
    const tsne::MatrixRef<float> X = Eigen::Map<const tsne::RowMatrix<float>>(data.data(), static_cast<Eigen::Index>(n),
                                                                              static_cast<Eigen::Index>(d));
    const tsne::Perplexity perplexity{30};
    const std::size_t k = perplexity.neighbors(n);
    tsne::Executor ex(threads);
    std::printf("%s: %zu x %zu, k %zu, threads %u, repeats %d, ISA %s\n", path.c_str(), n, d, k, ex.threads(),
                repeats, tsne::simd::arch_name());
    std::printf("IVF: clusters %zu (0 = 2 sqrt N), probes %zu, kmeans_iterations %d, refine %d\n", ivf.clusters,
                ivf.probes, ivf.kmeans_iterations, ivf.refine);

    // ---- exact and default IVF, with affinities on each -----------------------------------------
    tsne::KnnGraph<float> exact, approx;
    std::vector<double> t_exact, t_ivf, t_aff_exact, t_aff_ivf;
    for (int r = 0; r < repeats; ++r) {
        auto t0 = Clock::now();
        exact = tsne::BruteForce{}(X, k, ex);
        auto t1 = Clock::now();
        const auto pe = perplexity(exact, ex);
        auto t2 = Clock::now();
        approx = ivf(X, k, ex);
        auto t3 = Clock::now();
        const auto pa = perplexity(approx, ex);
        auto t4 = Clock::now();
        t_exact.push_back(seconds(t0, t1));
        t_aff_exact.push_back(seconds(t1, t2));
        t_ivf.push_back(seconds(t2, t3));
        t_aff_ivf.push_back(seconds(t3, t4));
        std::printf("repeat %d: exact %.3f s + affinities %.3f s | IVF %.3f s + affinities %.3f s (nnz %zu / %zu)\n",
                    r, t_exact.back(), t_aff_exact.back(), t_ivf.back(), t_aff_ivf.back(), pe.P.col.size(),
                    pa.P.col.size());
    }
    const Quality q = compare(exact, approx);
    std::printf("median: exact %.3f s, affinities %.3f s, exact+aff %.3f s\n", median(t_exact), median(t_aff_exact),
                median(t_exact) + median(t_aff_exact));
    std::printf("median: IVF   %.3f s, affinities %.3f s, IVF+aff   %.3f s\n", median(t_ivf), median(t_aff_ivf),
                median(t_ivf) + median(t_aff_ivf));
    std::printf("IVF recall@%zu %.4f | |distance error| on common neighbours: mean %.3g, max %.3g\n", k, q.recall,
                q.mean_err, q.max_err);

    // ---- probes sweep ---------------------------------------------------------------------------
    if (sweep) {
        std::printf("sweep (median of %d): probes | IVF s | recall@%zu\n", repeats, k);
        for (std::size_t p : {4, 8, 12, 16}) {
            tsne::IVF v = ivf;
            v.probes = p;
            std::vector<double> t;
            tsne::KnnGraph<float> g;
            for (int r = 0; r < repeats; ++r) {
                const auto t0 = Clock::now();
                g = v(X, k, ex);
                t.push_back(seconds(t0, Clock::now()));
            }
            std::printf("  %2zu | %.3f | %.4f\n", p, median(t), compare(exact, g).recall);
        }
    }

    // ---- thread-count independence ----------------------------------------------------------------
    if (check_threads) {
        tsne::Executor one(1);
        const bool be = same_bits(exact, tsne::BruteForce{}(X, k, one));
        const bool bi = same_bits(approx, ivf(X, k, one));
        std::printf("1 vs %u threads bit-identical: exact %s, IVF %s\n", ex.threads(), be ? "yes" : "NO",
                    bi ? "yes" : "NO");
    }

    // ---- embeddings from each graph, same PCA init ----------------------------------------------
    if (do_embed) {
        const tsne::Options options{};  // library defaults (seed 42)
        tsne::Embedding<float, 2> Y0(n);
        tsne::PCA{}(X, Y0, options.seed, ex);
        const tsne::RowMatrix<float> init = Y0.to_matrix();
        for (const auto* which : {"exact", "ivf"}) {
            const tsne::KnnGraph<float>& g = std::strcmp(which, "exact") == 0 ? exact : approx;
            const auto t0 = Clock::now();
            auto run = tsne::embed_knn<2>(g).init(tsne::user_init(init)).threads(threads).seed(options.seed).prepare();
            tsne::run_schedule(run, options);
            const double wall = seconds(t0, Clock::now());
            const std::string out = out_prefix + "_" + which + ".csv";
            write_csv(out, run.embedding());
            std::printf("embedding from %s graph: %.1f s (affinities %.3f s, optimise %.1f s), last KL %.4f -> %s\n",
                        which, wall, run.timings.affinities, run.timings.optimization, run.last_kl(), out.c_str());
        }
    }
    return 0;
}
