// Colouring by diagnostics (tsne/diagnostics.hpp): a 2-D embedding of the digits coloured
// (1) by a 3-D embedding of the same data mapped to RGB (similar colours = neighbours in 3-D),
// and (2) by each point's neighbourhood distortion (the mean data-space distance to its 10
// embedding neighbours over that to its 10 data neighbours). Prints the summary scores.
//
//   color_by_diagnostics [OUTPUT_DIR]
#include <cstdio>
#include <exception>
#include <string>

#include <tsne/tsne.hpp>

#include "io.hpp"
#include "plot.hpp"

int main(int argc, char** argv) {
    try {
        const std::string dir = argc > 1 ? std::string(argv[1]) + "/" : std::string();
        const auto X = tsnex::read_csv<float>(TSNE_DATA_DIR "/digits.csv");
        const tsne::RowMatrix<float> Y2 = tsne::embed<2>(X).seed(2).fit();
        const tsne::RowMatrix<float> Y3 = tsne::embed<3>(X).seed(2).fit();

        // (1) 3-D embedding → RGB, each axis from its 1st to its 99th percentile.
        const tsne::RowMatrix<float> rgb = tsne::embedding_colors(Y3);
        tsnex::write_png_file(dir + "digits_rgb3d.png",
                              tsnex::render_scatter(Y2, tsnex::Coloring::by_rgb(rgb), "digits: colour = 3-D t-SNE"));

        // (2) per-point scores against the data.
        tsne::Executor ex(0);
        const auto g = tsne::neighborhood_graphs(X, Y2, 10, ex);
        const std::vector<double> distortion = tsne::neighborhood_distortion(X, g, ex);
        const std::vector<double> preservation = tsne::knn_preservation(g);
        tsnex::write_png_file(dir + "digits_distortion.png",
                              tsnex::render_scatter(Y2, tsnex::Coloring::by_values(distortion, "distortion (k = 10)"),
                                                    "digits: neighbourhood distortion"));
        double recall = 0, mean_distortion = 0;
        for (std::size_t i = 0; i < preservation.size(); ++i) {
            recall += preservation[i];
            mean_distortion += distortion[i];
        }
        recall /= static_cast<double>(preservation.size());
        mean_distortion /= static_cast<double>(distortion.size());
        const double t2 = tsne::trustworthiness(X, Y2, 10, ex), t3 = tsne::trustworthiness(X, Y3, 10, ex);
        std::printf("2-D: kNN recall@10 %.3f, mean distortion %.3f, trustworthiness@10 %.4f; 3-D: trustworthiness %.4f\n",
                    recall, mean_distortion, t2, t3);
        std::printf("wrote %sdigits_rgb3d.png and %sdigits_distortion.png\n", dir.c_str(), dir.c_str());
        return t2 > 0.95 && t3 > 0.95 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "color_by_diagnostics: error: %s\n", e.what());
        return 1;
    }
}
