// End-to-end run on a raw float32 file (N x D, row-major) with a chosen repulsion method, library
// defaults otherwise: perplexity 30, 750 iterations (250 exaggerated), PCA init, AutoNeighbors.
//
//   bench_fft_e2e PATH.bin D [--threads T] [--out emb.csv] [--method auto|exact|bh|fft]
//                 [--dims 1|2] [--nodes P] [--width W] [--iterations N] [--probes P] [--knn auto|exact]
//
// --iterations sets the total (the first 250 stay exaggerated); --probes sets IVF's probes; --knn
// exact forces the exact GEMM search; --final-lr-scale multiplies the automatic learning rate of
// the unexaggerated phase and --final-momentum replaces its momentum; --max-step sets
// MomentumGains::max_step_norm (0 = no clip); --early-iterations the exaggerated iterations;
// --reorder the renumbering period (Options::reorder: -1 auto, 0 never). They exist to separate the causes of a quality change with N.
//
// The default method is fft (the run this benchmark was written for); auto shows the library's
// own choice. Prints the phase times (neighbours, affinities, init, optimisation), the wall time,
// the mean milliseconds per iteration early (50–250) and late (700–750), the method used, the
// KL the run computed last, P's size and the memory below; writes the embedding as CSV for
// tools/eval_embedding.py.
//
// Memory (Linux): a thread samples VmRSS from /proc/self/status every 5 ms; each phase's window
// (from the phase timings) reports the largest sample in it ("peak") and the last one ("end"), so
// bytes per point can be read per phase. The sampler only reads: the process's own peak (VmHWM,
// getrusage, /usr/bin/time -v) is untouched and printed at the end. A spike shorter than 5 ms can
// fall between samples; VmHWM cannot miss it.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <tsne/tsne.hpp>

namespace {

using Clock = std::chrono::steady_clock;

/// A field of /proc/self/status in MB ("VmRSS", "VmHWM"), or -1 where there is none.
double status_mb(const char* field) {
    std::ifstream f("/proc/self/status");
    std::string line;
    const std::size_t len = std::strlen(field);
    while (std::getline(f, line))
        if (line.compare(0, len, field) == 0 && line.size() > len && line[len] == ':')
            return std::atof(line.c_str() + len + 1) / 1024.0;  // the kernel writes kB
    return -1;
}

/// Samples VmRSS every 5 ms until stopped.
class RssSampler {
public:
    RssSampler() : t0_(Clock::now()), th_([this] {
        while (!stop_.load()) {
            const double t = std::chrono::duration<double>(Clock::now() - t0_).count(), mb = status_mb("VmRSS");
            samples_.push_back({t, mb});
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }) {}
    ~RssSampler() { finish(); }
    void finish() {
        if (th_.joinable()) {
            stop_ = true;
            th_.join();
        }
    }
    double now() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }
    /// {largest, last} sample in [a, b) seconds since construction (finish() first).
    std::pair<double, double> window(double a, double b) const {
        double peak = -1, last = -1;
        for (const auto& s : samples_)
            if (s.first >= a && s.first < b) {
                peak = std::max(peak, s.second);
                last = s.second;
            }
        return {peak, last};
    }

private:
    Clock::time_point t0_;
    std::atomic<bool> stop_{false};
    std::vector<std::pair<double, double>> samples_;  // written by the thread only, read after join
    std::thread th_;
};

/// Departures from the defaults, for experiments (each off unless given).
struct Tweaks {
    int iterations = 0, early_iterations = -1, reorder = -1;
    double final_lr_scale = 0, final_momentum = 0, max_step = -1;
    tsne::AutoNeighbors knn;
};

template <int Dims>
int run_e2e(const tsne::MatrixRef<float>& X, unsigned threads, const tsne::AutoRepulsion& rep, const std::string& out,
            RssSampler& mem, const Tweaks& tweak) {
    tsne::Options opts;
    opts.threads = threads;
    if (tweak.iterations > 0) opts.iterations = tweak.iterations;
    if (tweak.early_iterations >= 0) opts.early_exaggeration_iterations = tweak.early_iterations;
    if (tweak.final_momentum > 0) opts.final_momentum = tweak.final_momentum;
    opts.reorder = tweak.reorder;
    tsne::MomentumGains optimizer;
    if (tweak.max_step >= 0) optimizer.max_step_norm = tweak.max_step;
    const double m0 = mem.now();
    const auto t0 = std::chrono::steady_clock::now();
    auto run = tsne::prepare<Dims, float>(X, opts, tweak.knn, tsne::Perplexity{}, tsne::PCA{}, rep, optimizer);
    std::vector<double> at(static_cast<std::size_t>(opts.iterations) + 1, 0.0);
    double offset = 0, last = 0;
    auto cb = [&](const tsne::Status<float, Dims>& s) {
        if (s.phase_iteration == 1) offset = last;  // seconds restart each phase
        last = offset + s.seconds;
        at[static_cast<std::size_t>(s.iteration)] = last;
        if (s.iteration % 50 == 0) std::fprintf(stderr, "iter %d  %.2f s  KL %.4f\n", s.iteration, last, s.kl);
    };
    const double m_opt = mem.now();
    if (tweak.final_lr_scale > 0) {  // the standard schedule with the normal phase's learning rate scaled
        tsne::Phase fin = opts.final_phase();
        fin.learning_rate = tweak.final_lr_scale * fin.learning_rate_for(static_cast<std::size_t>(X.rows()));
        run.optimize(opts.early_exaggeration_iterations, opts.early_phase(), cb);
        run.optimize(opts.normal_iterations(), fin, cb);
    } else {
        tsne::run_schedule(run, opts, cb);
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double m_end = mem.now();
    mem.finish();
    const auto& tm = run.timings;
    std::printf("N %lld D %lld dims %d threads %u method %s\n", static_cast<long long>(X.rows()),
                static_cast<long long>(X.cols()), Dims, threads, tsne::method_name(run.repulsion().chosen));
    std::printf("neighbors %.3f s  affinities %.3f s  init %.3f s  optimization %.3f s  wall %.3f s\n", tm.neighbors,
                tm.affinities, tm.initialization, tm.optimization, wall);
    const int L = opts.iterations;
    const double early = (at[250] - at[50]) / 200 * 1e3, late = (at[static_cast<std::size_t>(L)] - at[static_cast<std::size_t>(L - 50)]) / 50 * 1e3;
    std::printf("per iteration: early (50-250) %.2f ms  late (%d-%d) %.2f ms  late/early %.2f\n", early, L - 50, L,
                late, late / early);
    std::printf("last KL (run) %.4f\n", run.last_kl());
    const auto& P = run.affinities().P;
    std::printf("P: k %zu  nnz %zu (%.1f per point)\n", run.affinities().diagnostics.neighbors, P.nnz(),
                static_cast<double>(P.nnz()) / static_cast<double>(P.n));
    // Phase windows on the sampler's clock, from the phase timings (prepare runs them in order).
    const double b1 = m0 + tm.neighbors, b2 = b1 + tm.affinities, b3 = b2 + tm.initialization;
    const std::pair<const char*, std::pair<double, double>> win[] = {
        {"neighbors", mem.window(m0, b1)}, {"affinities", mem.window(b1, b2)}, {"init", mem.window(b2, b3)},
        {"optimization", mem.window(m_opt, m_end)}};
    std::printf("RSS MB (peak/end):");
    for (const auto& w : win) std::printf("  %s %.1f/%.1f", w.first, w.second.first, w.second.second);
    std::printf("\n");
    const auto Y = run.embedding();
    std::ofstream f(out);
    for (Eigen::Index i = 0; i < Y.rows(); ++i) {
        for (int d = 0; d < Dims; ++d) f << (d ? "," : "") << Y(i, d);
        f << '\n';
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr,
                     "usage: %s PATH.bin D [--threads T] [--out emb.csv] [--method auto|exact|bh|fft] [--dims 1|2] "
                     "[--nodes P] [--width W] [--iterations N] [--probes P] [--knn auto|exact] [--final-lr-scale S] [--final-momentum M] [--max-step S] "
                     "[--early-iterations E] [--reorder K]\n",
                     argv[0]);
        return 2;
    }
    const std::string path = argv[1];
    const auto D = static_cast<std::size_t>(std::atol(argv[2]));
    unsigned threads = 2;
    int dims = 2;
    Tweaks tweak;
    std::string out = "emb.csv";
    tsne::AutoRepulsion rep;
    rep.method = tsne::Method::fft;
    for (int a = 3; a + 1 < argc; a += 2) {
        const std::string v = argv[a + 1];
        if (!std::strcmp(argv[a], "--threads")) threads = static_cast<unsigned>(std::atoi(v.c_str()));
        else if (!std::strcmp(argv[a], "--out")) out = v;
        else if (!std::strcmp(argv[a], "--dims")) dims = std::atoi(v.c_str());
        else if (!std::strcmp(argv[a], "--nodes")) rep.fft.nodes_per_box = std::atoi(v.c_str());
        else if (!std::strcmp(argv[a], "--width")) rep.fft.max_box_width = std::atof(v.c_str());
        else if (!std::strcmp(argv[a], "--final-lr-scale")) tweak.final_lr_scale = std::atof(v.c_str());
        else if (!std::strcmp(argv[a], "--final-momentum")) tweak.final_momentum = std::atof(v.c_str());
        else if (!std::strcmp(argv[a], "--max-step")) tweak.max_step = std::atof(v.c_str());
        else if (!std::strcmp(argv[a], "--early-iterations")) tweak.early_iterations = std::atoi(v.c_str());
        else if (!std::strcmp(argv[a], "--reorder")) tweak.reorder = std::atoi(v.c_str());
        else if (!std::strcmp(argv[a], "--iterations")) tweak.iterations = std::atoi(v.c_str());
        else if (!std::strcmp(argv[a], "--probes"))
            tweak.knn.approximate.probes = static_cast<std::size_t>(std::atol(v.c_str()));
        else if (!std::strcmp(argv[a], "--knn") && v == "exact") tweak.knn.exact_max_points = ~std::size_t(0);
        else if (!std::strcmp(argv[a], "--method")) {
            rep.method = v == "auto" ? tsne::Method::automatic
                       : v == "exact" ? tsne::Method::exact
                       : v == "bh"    ? tsne::Method::barnes_hut
                                      : tsne::Method::fft;
        }
    }
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in || D == 0 || (dims != 1 && dims != 2) || (tweak.iterations != 0 && tweak.iterations < 300) ||
        tweak.early_iterations > 250) {
        std::fprintf(stderr, "cannot open %s, or bad D / --dims / --iterations (>= 300) / --early-iterations (<= 250)\n", path.c_str());
        return 1;
    }
    const auto bytes = static_cast<std::size_t>(in.tellg());
    const std::size_t N = bytes / (4 * D);
    std::vector<float> x(N * D);
    in.seekg(0);
    in.read(reinterpret_cast<char*>(x.data()), static_cast<std::streamsize>(N * D * 4));
    Eigen::Map<const tsne::RowMatrix<float>> X(x.data(), static_cast<Eigen::Index>(N), static_cast<Eigen::Index>(D));
    const tsne::MatrixRef<float> ref(X);
    RssSampler mem;
    std::printf("RSS after loading X: %.1f MB\n", status_mb("VmRSS"));
    const int rc = dims == 1 ? run_e2e<1>(ref, threads, rep, out, mem, tweak) : run_e2e<2>(ref, threads, rep, out, mem, tweak);
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::printf("peak RSS: VmHWM %.1f MB  getrusage %.1f MB\n", status_mb("VmHWM"),
                static_cast<double>(ru.ru_maxrss) / 1024.0);
    return rc;
}
