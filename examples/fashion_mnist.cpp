// Embeds Fashion-MNIST from the files Debian's dataset-fashion-mnist package installs
// (/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz and the labels), the raw 784
// pixels of every image, and writes fashion_mnist.png coloured by class with a legend.
//
//   fashion_mnist [OUTPUT_DIR] [MAX_POINTS] [DATA_DIR]
//
// MAX_POINTS (default: all 60,000) takes the first images; ctest runs 2,000. When the package is
// not installed the program says so and exits with 77, which ctest reports as "skipped".
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <vector>

#include <tsne/tsne.hpp>

#include "io.hpp"
#include "plot.hpp"

int main(int argc, char** argv) {
    const std::string out_dir = argc > 1 ? std::string(argv[1]) + "/" : std::string();
    const long max_points = argc > 2 ? std::atol(argv[2]) : 0;
    const std::string dir = argc > 3 ? argv[3] : "/usr/share/datasets/fashion-mnist";
    // The package installs .gz files; an uncompressed copy (gunzip -k) works too.
    auto find = [&](const std::string& name) -> std::string {
        for (const std::string& p : {dir + "/" + name + ".gz", dir + "/" + name})
            if (std::filesystem::exists(p)) return p;
        return {};
    };
    const std::string images = find("train-images-idx3-ubyte"), labels_path = find("train-labels-idx1-ubyte");
    if (images.empty() || labels_path.empty()) {
        std::printf("fashion_mnist: skipped: no Fashion-MNIST in %s (Debian: apt-get install dataset-fashion-mnist)\n",
                    dir.c_str());
        return 77;
    }
#if !TSNE_HAVE_ZLIB
    if (images.size() > 3 && images.substr(images.size() - 3) == ".gz") {
        std::printf("fashion_mnist: skipped: built without zlib (Debian: zlib1g-dev) and %s is compressed\n",
                    images.c_str());
        return 77;
    }
#endif
    try {
        tsne::RowMatrix<float> X = tsnex::read_idx(images);  // N x 784, pixel values 0..255
        std::vector<int> labels = tsnex::read_labels(labels_path);
        if (static_cast<Eigen::Index>(labels.size()) != X.rows()) throw tsnex::io_error("label count mismatch");
        if (max_points > 0 && max_points < X.rows()) {
            X.conservativeResize(max_points, Eigen::NoChange);
            labels.resize(static_cast<std::size_t>(max_points));
        }
        X /= 255.0f;
        std::printf("Fashion-MNIST: %ld images x %ld pixels\n", static_cast<long>(X.rows()), static_cast<long>(X.cols()));

        const auto t0 = std::chrono::steady_clock::now();
        auto run = tsne::embed<2>(X).seed(1).prepare();
        tsne::run_schedule(run, tsne::Options{});
        const tsne::RowMatrix<float> Y = run.embedding();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

        const auto g = tsne::neighborhood_graphs(X, Y, 10, run.threads());
        const double acc = tsne::knn_label_accuracy(g.y, labels, 10);
        double recall = 0;
        for (double p : tsne::knn_preservation(g)) recall += p;
        recall /= static_cast<double>(X.rows());
        std::printf("t-SNE: %.1f s, KL %.3f, kNN recall@10 %.3f, 10-NN accuracy %.3f\n", seconds, run.last_kl(), recall,
                    acc);

        const std::string png = out_dir + "fashion_mnist.png";
        tsnex::write_scatter_png(png, Y, labels, "Fashion-MNIST: t-SNE of raw pixels");
        std::printf("wrote %s (labels: 0 T-shirt, 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt, "
                    "7 sneaker, 8 bag, 9 ankle boot)\n",
                    png.c_str());
        if (acc < 0.7) {
            std::fprintf(stderr, "fashion_mnist: 10-NN accuracy %.3f is below the expected 0.7\n", acc);
            return 1;
        }
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fashion_mnist: error: %s\n", e.what());
        return 1;
    }
}
