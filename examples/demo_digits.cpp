// Embeds the bundled handwritten digits (1797 points, 64 features) in 2-D with the default
// settings, reports time, KL divergence and 10-NN label accuracy, and writes
// digits_embedding.csv and digits.png (coloured by digit) to the current directory or to the
// directory given as the first argument.
//
//   demo_digits [OUTPUT_DIR]
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <tsne/tsne.hpp>

#include "io.hpp"
#include "plot.hpp"

namespace {

/// Leave-one-out accuracy of a majority vote among each point's k nearest embedding neighbours
/// (brute force; ties go to the label of the nearest neighbour among the tied labels).
template <class T>
double knn_accuracy(const tsne::RowMatrix<T>& Y, const std::vector<int>& labels, int k = 10) {
    const Eigen::Index n = Y.rows();
    std::vector<std::pair<double, Eigen::Index>> dist(static_cast<std::size_t>(n));
    Eigen::Index correct = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
        dist.clear();
        for (Eigen::Index j = 0; j < n; ++j)
            if (j != i) dist.emplace_back((Y.row(i) - Y.row(j)).template cast<double>().squaredNorm(), j);
        const auto kk = static_cast<std::ptrdiff_t>(std::min<Eigen::Index>(k, n - 1));
        std::partial_sort(dist.begin(), dist.begin() + kk, dist.end());
        // Count votes; among labels with the most votes pick the one seen first (nearest).
        int best = 0, best_votes = 0;
        for (std::ptrdiff_t a = 0; a < kk; ++a) {
            const int l = labels[static_cast<std::size_t>(dist[static_cast<std::size_t>(a)].second)];
            int votes = 0;
            for (std::ptrdiff_t b = 0; b < kk; ++b)
                votes += labels[static_cast<std::size_t>(dist[static_cast<std::size_t>(b)].second)] == l;
            if (votes > best_votes) {
                best = l;
                best_votes = votes;
            }
        }
        correct += best == labels[static_cast<std::size_t>(i)];
    }
    return static_cast<double>(correct) / static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::string dir = argc > 1 ? std::string(argv[1]) + "/" : std::string();
        const auto X = tsnex::read_csv<float>(TSNE_DATA_DIR "/digits.csv");
        const auto labels = tsnex::read_labels(TSNE_DATA_DIR "/digits_labels.csv");
        if (static_cast<Eigen::Index>(labels.size()) != X.rows()) throw tsnex::io_error("digits: label count mismatch");
        std::printf("digits: %ld points x %ld features\n", static_cast<long>(X.rows()), static_cast<long>(X.cols()));

        const auto t0 = std::chrono::steady_clock::now();
        auto embedder = tsne::embed<2>(X);  // defaults: perplexity 30, 750 iterations, PCA init
        auto run = embedder.prepare();
        tsne::run_schedule(run, embedder.options());
        const tsne::RowMatrix<float> Y = run.embedding();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        std::printf("t-SNE: %.2f s wall time on %u threads (%s), final KL %.4f\n", seconds, run.threads(),
                    tsne::simd::arch_name(), run.last_kl());

        const double acc = knn_accuracy(Y, labels, 10);
        std::printf("10-NN label accuracy of the embedding: %.4f\n", acc);

        const std::string csv = dir + "digits_embedding.csv", png = dir + "digits.png";
        tsnex::write_csv(csv, Y);
        tsnex::write_scatter_png(png, Y, labels, "digits: t-SNE");
        std::printf("wrote %s and %s\n", csv.c_str(), png.c_str());
        if (acc < 0.95) {
            std::fprintf(stderr, "demo_digits: 10-NN accuracy %.4f is below the expected 0.95\n", acc);
            return 1;
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "demo_digits: error: %s\n", e.what());
        return 1;
    }
}
