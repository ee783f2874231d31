// Embeds the bundled handwritten digits (1797 points, 64 features) in 2-D with the default
// settings, reports time, KL divergence and 10-NN label accuracy, and writes
// digits_embedding.csv and digits.png (coloured by digit) to the current directory or to the
// directory given as the first argument.
//
//   demo_digits [OUTPUT_DIR]
#include <chrono>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include <tsne/tsne.hpp>

#include "io.hpp"
#include "plot.hpp"

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

        // Leave-one-out majority vote of each point's 10 nearest embedding neighbours.
        const auto g = tsne::neighborhood_graphs(X, Y, 10, run.threads());
        const double acc = tsne::knn_label_accuracy(g.y, labels, 10);
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
