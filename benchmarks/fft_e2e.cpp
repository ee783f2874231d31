// End-to-end run with FFT repulsion on a raw float32 file (N x D, row-major), library defaults:
// 2-D, perplexity 30, 750 iterations (250 exaggerated), PCA init, AutoNeighbors.
//
//   bench_fft_e2e PATH.bin D [--threads T] [--out emb.csv] [--nodes P] [--width W]
//
// Prints the phase times (neighbours, affinities, init, optimisation), the wall time, the mean
// seconds per iteration early (50–250) and late (700–750), the FFT grid at the end, and the KL the
// run computed last; writes the embedding as CSV for tools/eval_embedding.py.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <tsne/tsne.hpp>

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: %s PATH.bin D [--threads T] [--out emb.csv]\n", argv[0]);
        return 2;
    }
    const std::string path = argv[1];
    const auto D = static_cast<std::size_t>(std::atol(argv[2]));
    unsigned threads = 2;
    std::string out = "emb.csv";
    tsne::FFT fft;
    for (int a = 3; a + 1 < argc; a += 2) {
        if (!std::strcmp(argv[a], "--threads")) threads = static_cast<unsigned>(std::atoi(argv[a + 1]));
        else if (!std::strcmp(argv[a], "--out")) out = argv[a + 1];
        else if (!std::strcmp(argv[a], "--nodes")) fft.nodes_per_box = std::atoi(argv[a + 1]);
        else if (!std::strcmp(argv[a], "--width")) fft.max_box_width = std::atof(argv[a + 1]);
    }
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in || D == 0) {
        std::fprintf(stderr, "cannot open %s\n", path.c_str());
        return 1;
    }
    const auto bytes = static_cast<std::size_t>(in.tellg());
    const std::size_t N = bytes / (4 * D);
    std::vector<float> x(N * D);
    in.seekg(0);
    in.read(reinterpret_cast<char*>(x.data()), static_cast<std::streamsize>(N * D * 4));
    Eigen::Map<const tsne::RowMatrix<float>> X(x.data(), static_cast<Eigen::Index>(N), static_cast<Eigen::Index>(D));

    tsne::Options opts;
    opts.threads = threads;
    const auto t0 = std::chrono::steady_clock::now();
    auto run = tsne::prepare<2, float>(tsne::MatrixRef<float>(X), opts, tsne::AutoNeighbors{}, tsne::Perplexity{},
                                       tsne::PCA{}, fft, tsne::MomentumGains{});
    std::vector<double> at(static_cast<std::size_t>(opts.iterations) + 1, 0.0);
    double offset = 0, last = 0;
    auto cb = [&](const tsne::Status<float, 2>& s) {
        if (s.phase_iteration == 1) offset = last;  // seconds restart each phase
        last = offset + s.seconds;
        at[static_cast<std::size_t>(s.iteration)] = last;
        if (s.iteration % 50 == 0) std::fprintf(stderr, "iter %d  %.2f s  KL %.4f\n", s.iteration, last, s.kl);
    };
    tsne::run_schedule(run, opts, cb);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto& tm = run.timings;
    std::printf("N %zu D %zu threads %u\n", N, D, threads);
    std::printf("neighbors %.3f s  affinities %.3f s  init %.3f s  optimization %.3f s  wall %.3f s\n", tm.neighbors,
                tm.affinities, tm.initialization, tm.optimization, wall);
    std::printf("per iteration: early (50-250) %.2f ms  late (700-750) %.2f ms\n", (at[250] - at[50]) / 200 * 1e3,
                (at[750] - at[700]) / 50 * 1e3);
    std::printf("last KL (run) %.4f\n", run.last_kl());
    const auto Y = run.embedding();
    std::printf("extent x [%.1f, %.1f] y [%.1f, %.1f]\n", Y.col(0).minCoeff(), Y.col(0).maxCoeff(), Y.col(1).minCoeff(),
                Y.col(1).maxCoeff());
    std::ofstream f(out);
    for (Eigen::Index i = 0; i < Y.rows(); ++i) f << Y(i, 0) << ',' << Y(i, 1) << '\n';
    return 0;
}
