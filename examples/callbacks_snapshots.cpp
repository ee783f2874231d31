// Callbacks and snapshots: explicit phases, a lambda that watches the KL divergence and stops
// when it stalls, tsne::Snapshots recording the embedding every 10 iterations, and those frames
// written as an animated GIF (digits_animation.gif) whose axes only ever widen.
//
//   callbacks_snapshots [OUTPUT_DIR]
#include <cstdio>
#include <exception>
#include <string>

#include <tsne/tsne.hpp>

#include "io.hpp"
#include "plot.hpp"
#include "gif.hpp"

int main(int argc, char** argv) {
    try {
        const std::string dir = argc > 1 ? std::string(argv[1]) + "/" : std::string();
        const auto X = tsnex::read_csv<float>(TSNE_DATA_DIR "/digits.csv");
        const auto labels = tsnex::read_labels(TSNE_DATA_DIR "/digits_labels.csv");

        auto run = tsne::embed<2>(X).seed(5).kl_every(25).prepare();  // neighbours, P, PCA init
        tsne::Snapshots<float> frames(10);
        double previous = -1;
        int checks = 0;
        // A callback: any callable taking the status; returning true stops the run.
        auto stall = [&](const tsne::Status<float, 2>& s) {
            if (!s.has_kl() || s.exaggeration != 1.0) return false;
            ++checks;
            const bool stop = previous > 0 && previous - s.kl < 1e-4 * previous;
            previous = s.kl;
            return stop;
        };
        run.optimize(250, tsne::exaggerated(12), frames);
        run.optimize(1000, tsne::normal(), frames, stall);
        std::printf("stopped after %d iterations (%s), KL %.4f, %zu frames, %d KL checks\n", run.iteration(),
                    run.stopped() ? "KL stalled" : "all done", run.last_kl(), frames.frames.size(), checks);

        tsnex::View view;  // grows with the embedding and never shrinks: the animation does not jump
        tsnex::ScatterStyle style;
        style.size = 320;
        tsnex::GifWriter gif(style.size, style.size);
        for (std::size_t i = 0; i < frames.frames.size(); ++i) {
            style.footer = "iteration " + std::to_string(frames.frames[i].iteration);
            view.include(tsnex::data_view(frames.frames[i].Y));
            const tsnex::Image img =
                tsnex::render_scatter(frames.frames[i].Y, tsnex::Coloring::by_labels(labels), "digits", style, view);
            gif.add(img, i + 1 == frames.frames.size() ? 300 : 6);
        }
        tsnex::PendingFile out(dir + "digits_animation.gif");
        gif.write(out);
        out.commit();
        std::printf("wrote %s\n", out.path().c_str());
        return frames.frames.size() > 20 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "callbacks_snapshots: error: %s\n", e.what());
        return 1;
    }
}
