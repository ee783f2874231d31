// Out-of-sample transform against embedding everything together (issue 8's check): every
// `hold`-th point of a labelled data set is held back, the rest embedded with the library's
// defaults (the reference), the held-back points transformed into it, and their 10-NN label
// accuracy among the reference points compared with the accuracy of the same points in one
// embedding of the whole set (also among the reference points).
//
//   bench_transform PATH.bin D LABELS.npy [--threads T] [--hold 10] [--perplexity P]
//                   [--neighbors K] [--init median|weighted] [--init-neighbors K] [--iterations N]
//                   [--lr ETA] [--exaggeration E] [--momentum M] [--clip S] [--theta T] [--no-joint]
//
// PATH.bin: raw float32, N x D row-major. LABELS.npy: int32 ('<i4') labels, one per row.
// Prints times, the transform's KL, and the accuracies (also of the start positions alone).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include <tsne/tsne.hpp>

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// Labels from a 1-D '<i4' .npy file.
std::vector<int> read_labels(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char pre[10];
    if (!in.read(pre, 10) || std::memcmp(pre, "\x93NUMPY", 6) != 0 || pre[6] != 1) return {};
    const std::size_t hlen = static_cast<unsigned char>(pre[8]) | static_cast<std::size_t>(static_cast<unsigned char>(pre[9])) << 8;
    std::string header(hlen, ' ');
    in.read(header.data(), static_cast<std::streamsize>(hlen));
    if (header.find("'<i4'") == std::string::npos) return {};
    std::vector<int> out;
    std::int32_t v;
    while (in.read(reinterpret_cast<char*>(&v), 4)) out.push_back(v);
    return out;
}

/// Majority vote of the labels of each query's 10 nearest reference rows (ties: smaller label).
double accuracy(const tsne::RowMatrix<float>& Q, const std::vector<int>& q_labels, const tsne::RowMatrix<float>& R,
                const std::vector<int>& r_labels) {
    tsne::Executor ex(2);
    const auto g = tsne::knn_query(tsne::MatrixRef<float>(R), tsne::MatrixRef<float>(Q), 10, tsne::Euclidean{}, ex);
    int correct = 0;
    for (std::size_t i = 0; i < g.n; ++i) {
        int votes[256] = {};
        for (std::size_t m = 0; m < 10; ++m) ++votes[r_labels[g.neighbors(i)[m]] & 255];
        correct += static_cast<int>(std::max_element(votes, votes + 256) - votes) == q_labels[i];
    }
    return static_cast<double>(correct) / static_cast<double>(g.n);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s PATH.bin D LABELS.npy [options]; see the top of benchmarks/transform.cpp\n",
                     argv[0]);
        return 2;
    }
    const auto D = static_cast<std::size_t>(std::atol(argv[2]));
    const std::vector<int> labels = read_labels(argv[3]);
    unsigned threads = 2;
    std::size_t hold = 10;
    bool joint = true;
    tsne::TransformOptions to;
    for (int a = 4; a < argc; ++a) {
        const std::string f = argv[a];
        if (f == "--no-joint") {
            joint = false;
            continue;
        }
        if (a + 1 >= argc) {
            std::fprintf(stderr, "%s needs a value\n", f.c_str());
            return 2;
        }
        const std::string v = argv[++a];
        if (f == "--threads") threads = static_cast<unsigned>(std::atoi(v.c_str()));
        else if (f == "--hold") hold = static_cast<std::size_t>(std::atol(v.c_str()));
        else if (f == "--perplexity") to.perplexity = std::atof(v.c_str());
        else if (f == "--neighbors") to.neighbors = std::atoi(v.c_str());
        else if (f == "--init") to.init = v == "weighted" ? tsne::TransformInit::weighted : tsne::TransformInit::median;
        else if (f == "--init-neighbors") to.init_neighbors = std::atoi(v.c_str());
        else if (f == "--iterations") to.iterations = std::atoi(v.c_str());
        else if (f == "--lr") to.learning_rate = std::atof(v.c_str());
        else if (f == "--exaggeration") to.exaggeration = std::atof(v.c_str());
        else if (f == "--momentum") to.momentum = std::atof(v.c_str());
        else if (f == "--clip") to.max_step_norm = std::atof(v.c_str());
        else if (f == "--theta") to.theta = std::atof(v.c_str());
        else {
            std::fprintf(stderr, "unknown option %s\n", f.c_str());
            return 2;
        }
    }
    to.threads = threads;
    std::ifstream in(argv[1], std::ios::binary | std::ios::ate);
    if (!in || D == 0 || hold < 2) {
        std::fprintf(stderr, "cannot open %s, or bad D / --hold\n", argv[1]);
        return 1;
    }
    const std::size_t N = static_cast<std::size_t>(in.tellg()) / (4 * D);
    if (labels.size() != N) {
        std::fprintf(stderr, "%s: expected %zu int32 labels in a '<i4' .npy file\n", argv[3], N);
        return 1;
    }
    tsne::RowMatrix<float> X(static_cast<Eigen::Index>(N), static_cast<Eigen::Index>(D));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(X.data()), static_cast<std::streamsize>(N * D * 4));

    std::vector<Eigen::Index> ref, held;
    for (std::size_t i = 0; i < N; ++i) (i % hold == 0 ? held : ref).push_back(static_cast<Eigen::Index>(i));
    auto rows = [&](const tsne::RowMatrix<float>& M, const std::vector<Eigen::Index>& idx) {
        tsne::RowMatrix<float> out(static_cast<Eigen::Index>(idx.size()), M.cols());
        for (std::size_t i = 0; i < idx.size(); ++i) out.row(static_cast<Eigen::Index>(i)) = M.row(idx[i]);
        return out;
    };
    auto labels_of = [&](const std::vector<Eigen::Index>& idx) {
        std::vector<int> out;
        for (auto i : idx) out.push_back(labels[static_cast<std::size_t>(i)]);
        return out;
    };
    const auto Xref = rows(X, ref), Xnew = rows(X, held);
    const auto Lref = labels_of(ref), Lnew = labels_of(held);
    std::printf("N %zu D %zu reference %zu held back %zu threads %u\n", N, D, ref.size(), held.size(), threads);

    auto t0 = std::chrono::steady_clock::now();
    const auto Yref = tsne::embed<2>(Xref).threads(threads).fit();
    std::printf("reference embedding: %.2f s\n", seconds_since(t0));

    t0 = std::chrono::steady_clock::now();
    auto run = tsne::prepare_transform<2, float>(Xnew, Xref, Yref, to);
    const double t_prep = seconds_since(t0);
    const auto Y0 = run.embedding();
    const double kl0 = run.kl();
    run.optimize(to.iterations);
    const auto Ynew = run.embedding();
    std::printf("transform: prepare %.3f s  optimise %.3f s (%d iterations)  KL %.4f -> %.4f\n", t_prep, run.seconds,
                to.iterations, kl0, run.kl());
    const double acc0 = accuracy(Y0, Lnew, Yref, Lref), acc = accuracy(Ynew, Lnew, Yref, Lref);
    std::printf("10-NN accuracy of the held-back points: start %.4f  transformed %.4f\n", acc0, acc);
    std::printf("10-NN accuracy in the input space (PCA-%zu): %.4f\n", D, accuracy(Xnew, Lnew, Xref, Lref));

    if (joint) {
        t0 = std::chrono::steady_clock::now();
        const auto Yall = tsne::embed<2>(X).threads(threads).fit();
        std::printf("joint embedding: %.2f s\n", seconds_since(t0));
        const double accj = accuracy(rows(Yall, held), Lnew, rows(Yall, ref), Lref);
        std::printf("10-NN accuracy of the same points embedded together: %.4f  (transform - joint = %+.4f)\n", accj,
                    acc - accj);
    }
    return 0;
}
