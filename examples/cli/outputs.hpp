// The tsne command line's outputs: the refusal of outputs that would overwrite each other or an
// input (before any work), what a run produced (Result), and the embedding, plot, animation,
// report and run state written as pending files and moved into place together (all or none).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <tsne/tsne.hpp>

#include "inputs.hpp"
#include "io.hpp"
#include "options.hpp"
#if TSNE_HAVE_STB
#include "gif.hpp"
#include "image_map.hpp"
#include "page.hpp"
#include "plot.hpp"
#endif

namespace tsne_cli {

/// Where a path leads, to tell whether two options name the same file: the canonical path of its
/// directory (symbolic links, "." and ".." resolved) and its name; and, when it exists, its device
/// and inode (hard links, a symbolic link as the name). A character device (/dev/null, a
/// terminal) is never a collision: writing several outputs there overwrites no file.
struct FileIdentity {
    std::string name;
    bool exists = false, device = false;
    std::uint64_t dev = 0, ino = 0;
};

inline FileIdentity file_identity(const std::string& path, std::map<std::string, std::string>& dirs) {
    namespace fs = std::filesystem;
    FileIdentity id;
    const auto slash = path.find_last_of('/');
    std::string parent = slash == std::string::npos ? "." : path.substr(0, slash + 1);
    std::string leaf = slash == std::string::npos ? path : path.substr(slash + 1);
    if (leaf == "." || leaf == "..") {  // names a directory: compare it whole
        parent = path;
        leaf.clear();
    }
    auto it = dirs.find(parent);
    if (it == dirs.end()) {
        std::error_code ec;
        fs::path dir = fs::absolute(fs::path(parent), ec);
        if (!ec) {
            const fs::path canon = fs::weakly_canonical(dir, ec);
            if (!ec) dir = canon;
        }
        it = dirs.emplace(parent, dir.lexically_normal().string()).first;
    }
    id.name = it->second;
    if (!id.name.empty() && id.name.back() != '/') id.name += '/';
    id.name += leaf;
#if TSNEX_HAVE_MMAP
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        id.exists = true;
        id.device = S_ISCHR(st.st_mode);
        id.dev = static_cast<std::uint64_t>(st.st_dev);
        id.ino = static_cast<std::uint64_t>(st.st_ino);
    }
#endif
    return id;
}

inline bool same_file(const FileIdentity& a, const FileIdentity& b) {
    if (a.device || b.device) return false;
    return a.name == b.name || (a.exists && b.exists && a.dev == b.dev && a.ino == b.ino);
}

/// Refuses (exit 2, before any work) a command whose outputs would overwrite each other or an
/// input: every output file (--output, --plot, --html, --save-knn, --animate: the GIF or every PNG frame
/// the schedule can make, --report, --save-state) against every other and against every input
/// (--input or the other input options, --labels, --reference-data, --reference-embedding).
inline void check_distinct_files(const Config& c) {
    struct Named {
        std::string option, path;
        FileIdentity id;
    };
    std::map<std::string, std::string> dirs;
    std::vector<Named> outs, ins;
    const auto add = [&](std::vector<Named>& v, const std::string& option, const std::string& path) {
        if (!path.empty() && path != "-") v.push_back(Named{option, path, file_identity(path, dirs)});
    };
    add(outs, "--output", c.output);
    add(outs, "--plot", c.plot);
    add(outs, "--html", c.html);
    add(outs, "--save-knn", c.save_knn);
    if (is_gif_name(c.animate)) add(outs, "--animate", c.animate);
    add(outs, "--report", c.report);
    add(outs, "--save-state", c.save_state);
    add(ins, c.input_option.empty() ? "--input" : c.input_option, c.input);
    add(ins, "--labels", c.labels);
    add(ins, "--image-data", c.image_data);
    add(ins, "--reference-data", c.reference_data);
    add(ins, "--reference-embedding", c.reference_embedding);
    // `o` against the outputs from `first_out` on (a frame: against all, named second) and the inputs.
    const auto against = [&](const Named& o, std::size_t first_out, bool frame) {
        for (std::size_t b = first_out; b < outs.size(); ++b) {
            if (!same_file(o.id, outs[b].id)) continue;
            const Named& x = frame ? outs[b] : o;
            const Named& y = frame ? o : outs[b];
            usage_fail(x.option, " and ", y.option, " must be different files (both are ", x.path,
                       x.path == y.path ? "" : " and " + y.path, ")");
        }
        for (const Named& in : ins)
            if (same_file(o.id, in.id))
                usage_fail(o.option, " ", o.path, " would overwrite the input ", in.option, " ", in.path,
                           ": give a different output file");
    };
    for (std::size_t a = 0; a < outs.size(); ++a) against(outs[a], a + 1, false);
    if (c.animate.empty() || is_gif_name(c.animate)) return;
    // PNG frames: every name the schedule can make, against each other and everything else.
    std::map<std::string, int> names;
    std::map<std::pair<std::uint64_t, std::uint64_t>, int> inodes;
    const int n = max_frames(c);
    constexpr std::size_t max_leaf = 242;  // NAME_MAX 255 less the temporary's "." and ".tmpXXXXXXXX"
    for (int f = 0; f < n; ++f) {
        Named frame{"--animate (frame " + std::to_string(f) + ")", frame_name(c.animate, f), {}};
        const std::size_t leaf = frame.path.size() - (frame.path.find_last_of('/') + 1);
        if (leaf > max_leaf)
            usage_fail("--animate: the frame name ", in_quotes(frame.path.substr(0, 60) + "..."), " is ",
                       std::to_string(leaf), " bytes long; file names of more than ", std::to_string(max_leaf),
                       " bytes cannot be written");
        frame.id = file_identity(frame.path, dirs);
        if (frame.id.device) continue;
        const auto [it, fresh] = names.emplace(frame.id.name, f);
        if (!fresh)
            usage_fail("--animate: frames ", std::to_string(it->second), " and ", std::to_string(f), " of ",
                       in_quotes(c.animate), " are the same file ", frame.path);
        if (frame.id.exists) {
            const auto [jt, new_inode] = inodes.emplace(std::make_pair(frame.id.dev, frame.id.ino), f);
            if (!new_inode)
                usage_fail("--animate: frames ", std::to_string(jt->second), " and ", std::to_string(f), " of ",
                           in_quotes(c.animate), " are the same file (hard or symbolic links)");
        }
        against(frame, 0, true);
    }
}

/// What a run produced: the embedding (float or double, N x dims), its snapshots, the scores.
struct Result {
    tsnex::Matrix Y;
    std::vector<std::pair<int, tsnex::Matrix>> frames;  ///< (iteration, embedding)
    double kl = 0;
    bool kl_exact = false;
    const char* map = "tsne";  ///< --map
    double map_cost = 0;        ///< the map's own cost (not t-SNE)
    tsne::Timings timings;
    const char* repulsion = "";
    unsigned threads = 0;
    int iterations = 0;
    int start_iteration = 0;  ///< iterations done before this run (a --load-state run's)
    std::size_t missed_perplexity = 0;
    std::function<void(std::ostream&)> save_state;  ///< writes the run's state (with --save-state)
    // Diagnostics (what was asked for; empty when not).
    std::vector<double> preservation, distortion;
    std::optional<double> recall10, trustworthiness10, accuracy10;
    std::size_t trust_points = 0;
    double diagnostics_seconds = 0;
    tsne::RowMatrix<float> colors;  ///< embedding3d
};

/// Output files, created (as temporaries) before the work so an unwritable destination fails fast.
struct Outputs {
    std::unique_ptr<tsnex::PendingFile> csv, png, knn, gif, report, state, html;
    std::vector<std::unique_ptr<tsnex::PendingFile>> frames;  ///< PNG frames (frame 0 up front, the others as rendered)
};

#if TSNE_HAVE_STB
/// How --plot colours the points (see --help).
inline tsnex::Coloring plot_coloring(const Config& c, const Result& r, const tsne::RowMatrix<double>& Y,
                              const std::vector<int>& labels) {
    ColorKind kind = c.color;
    if (kind == ColorKind::automatic)
        kind = !labels.empty() ? ColorKind::labels : (Y.cols() == 3 ? ColorKind::embedding3d : ColorKind::none);
    const std::string k = std::to_string(c.color_k);
    switch (kind) {
        case ColorKind::labels: return tsnex::Coloring::by_labels(labels);
        case ColorKind::distortion: return tsnex::Coloring::by_values(r.distortion, "distortion (k = " + k + ")");
        case ColorKind::preservation:
            return tsnex::Coloring::by_values(r.preservation, "kNN preservation (k = " + k + ")", 0, 100);
        case ColorKind::embedding3d:
            // Default for 3-D without labels: the third coordinate on a colour bar.
            if (c.color == ColorKind::automatic) {
                std::vector<double> z(static_cast<std::size_t>(Y.rows()));
                for (Eigen::Index i = 0; i < Y.rows(); ++i) z[static_cast<std::size_t>(i)] = Y(i, 2);
                return tsnex::Coloring::by_values(std::move(z), "third coordinate");
            }
            return tsnex::Coloring::by_rgb(r.colors);
        default: return tsnex::Coloring{};
    }
}

inline std::string base_name(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

/// The map's name in titles ("t-SNE", "metric MDS", ...).
inline std::string map_title(const Config& c) {
    if (!c.map) return "t-SNE";
    switch (*c.map) {
        case tsne::MapKind::pca: return "PCA";
        case tsne::MapKind::classical_mds: return "classical MDS";
        case tsne::MapKind::mds: return "metric MDS";
        case tsne::MapKind::sammon: return "Sammon's mapping";
        default: return "kNN graph layout";
    }
}

/// The title of --plot and --html: "metric MDS of digits.csv (x, y of 3-D)".
inline std::string picture_title(const Config& c) {
    return map_title(c) + " of " + base_name(c.input) + (c.dims == 3 ? " (x, y of 3-D)" : "");
}

/// --plot (a scatter plot, or with --images the image map), then --animate. images: the points'
/// images (Input::images), needed for --images.
inline void write_pictures(const Config& c, const Result& r, const std::vector<int>& labels, Outputs& out,
                           const tsnex::ImageSet* images = nullptr) {
    const auto as_double = [](const tsnex::Matrix& m) {
        return std::visit([](const auto& y) { return tsne::RowMatrix<double>(y.template cast<double>()); }, m);
    };
    const std::string name = base_name(c.input);
    if (out.png && c.images) {
        if (!images) throw std::logic_error("--images without images");  // read_images refuses this
        const tsne::RowMatrix<double> Y = as_double(r.Y);
        tsnex::ImageMapStyle style;
        style.size = c.plot_size;
        style.image_size = c.image_size;
        style.grid = c.image_grid;
        style.invert = c.image_invert;
        tsnex::write_canvas_png(*out.png, tsnex::render_image_map(Y, *images, labels, picture_title(c), style));
        out.png->finish();
    } else if (out.png) {
        const tsne::RowMatrix<double> Y = as_double(r.Y);
        tsnex::ScatterStyle style;
        style.size = c.plot_size;
        tsnex::write_png(*out.png, tsnex::render_scatter(Y, plot_coloring(c, r, Y, labels), picture_title(c), style));
        out.png->finish();
    }
    if (c.animate.empty()) return;
    // The view of frame f: fixed = the bounds of all frames (early frames are a dot in the middle);
    // grow = the bounds of frames 0..f, so the axes only ever widen and early structure is visible.
    const std::size_t n = r.frames.size();
    std::vector<tsnex::View> views;
    tsnex::View view;
    for (const auto& f : r.frames) {
        view.include(tsnex::data_view(as_double(f.second)));
        views.push_back(view);
    }
    if (c.animate_fixed) views.assign(views.size(), view);
    tsnex::ScatterStyle style;
    style.size = c.animate_size;
    // Frames are rendered one at a time and written at once: memory for one frame, however many.
    const auto render = [&](std::size_t f) {
        const tsne::RowMatrix<double> Y = as_double(r.frames[f].second);
        tsnex::Coloring coloring = tsnex::Coloring::by_labels(labels);
        if (labels.empty() && Y.cols() == 3) {
            std::vector<double> z(static_cast<std::size_t>(Y.rows()));
            for (Eigen::Index i = 0; i < Y.rows(); ++i) z[static_cast<std::size_t>(i)] = Y(i, 2);
            coloring = tsnex::Coloring::by_values(std::move(z), "third coordinate");
        }
        char footer[96];
        const int it = r.frames[f].first;
        std::snprintf(footer, sizeof footer, "iteration %d of %d%s", it, r.start_iteration + c.iterations,
                      it < r.start_iteration + c.exaggeration_iterations ? " (early exaggeration)" : "");
        style.footer = footer;
        return tsnex::render_scatter(Y, coloring, name, style, views[f]);
    };
    if (out.gif) {
        // One palette serves every frame of a GIF: a first pass counts the colours of all frames
        // (keeping none), a second renders each again and encodes it into the file. Rendering twice
        // costs less than keeping the frames (2 bytes a pixel each; 1.5 GB for 41 frames of 4000 px).
        // The canvas is the rendered frame's size (render_scatter draws at least 200 px).
        std::optional<tsnex::GifWriter> gif;
        for (std::size_t f = 0; f < n; ++f) {
            const tsnex::Image img = render(f);
            if (!gif) gif.emplace(img.width, img.height);
            gif->count(img);
        }
        if (!gif) throw tsnex::io_error(c.animate + ": the run made no frame");
        gif->begin(*out.gif);
        for (std::size_t f = 0; f < n; ++f) gif->write_frame(*out.gif, render(f), f + 1 == n ? 300 : c.frame_delay);
        gif->finish(*out.gif);
        out.gif->finish();
        return;
    }
    out.frames.resize(std::min(out.frames.size(), n));  // no frame at all: frame 0's file is discarded
    for (std::size_t f = 0; f < n; ++f) {
        if (f >= out.frames.size())
            out.frames.push_back(std::make_unique<tsnex::PendingFile>(frame_name(c.animate, static_cast<int>(f))));
        tsnex::write_png(*out.frames[f], render(f));
        out.frames[f]->finish();  // closed at once: one open file at a time, however many frames
    }
}

/// --html: the interactive page (page.hpp) of the run: its embedding, snapshots, labels, the
/// diagnostics --color computed (and, in 3-D, the third coordinate and the RGB colours) and the
/// images, if any.
inline void write_html(const Config& c, const Result& r, const std::vector<int>& labels,
                       const tsnex::ImageSet* images, Outputs& out) {
    if (!out.html) return;
    tsnex::PageData d;
    d.title = picture_title(c);
    d.embedding = r.Y;
    d.frames = r.frames;
    d.final_iteration = r.iterations;  // counted from the start of the run (a --load-state run: all of it)
    d.labels = labels;
    const std::string k = std::to_string(c.color_k);
    if (!r.distortion.empty()) d.values.push_back({"distortion (k = " + k + ")", r.distortion, 1, 99});
    if (!r.preservation.empty()) d.values.push_back({"kNN preservation (k = " + k + ")", r.preservation, 0, 100});
    if (c.dims == 3) {
        std::vector<double> z;
        std::visit([&](const auto& y) { for (Eigen::Index i = 0; i < y.rows(); ++i) z.push_back(static_cast<double>(y(i, 2))); }, r.Y);
        d.values.push_back({"third coordinate", std::move(z), 1, 99});
        d.rgb = r.colors;
    }
    switch (c.color) {
        case ColorKind::labels: d.initial_coloring = "labels"; break;
        case ColorKind::distortion: d.initial_coloring = d.values.front().name; break;
        case ColorKind::preservation: d.initial_coloring = d.values.front().name; break;
        case ColorKind::embedding3d: d.initial_coloring = "rgb"; break;
        case ColorKind::none: d.initial_coloring = "none"; break;
        default:  // as --plot: labels, else the third coordinate in 3-D
            d.initial_coloring = !labels.empty() ? "labels" : c.dims == 3 ? "third coordinate" : "";
    }
    d.images = images;
    tsnex::PendingFileBuf buf(*out.html);
    std::ostream os(&buf);
    tsnex::write_page(os, d);
    os.flush();
    out.html->finish();
}
#endif

/// JSON string literal (escapes quotes, backslashes and control characters).
inline std::string json_string(const std::string& s) {
    std::string o = "\"";
    for (char ch : s) {
        const auto u = static_cast<unsigned char>(ch);
        if (ch == '"' || ch == '\\') o += std::string("\\") + ch;
        else if (u < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", u);
            o += buf;
        } else o += ch;
    }
    return o + "\"";
}

inline std::string json_number(std::optional<double> v) {
    if (!v || !std::isfinite(*v)) return "null";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", *v);
    return buf;
}

inline void write_report(std::FILE* f, const Config& c, const Input& in, const Result& r, double read_seconds,
                  double total_seconds) {
    std::fprintf(f, "{\n");
    std::fprintf(f, "  \"input\": %s,\n  \"input_kind\": %s,\n", json_string(c.input).c_str(),
                 json_string(c.input_option.substr(2)).c_str());
    std::fprintf(f, "  \"points\": %zu,\n  \"dims\": %d,\n  \"iterations\": %d,\n", in.points, c.dims, r.iterations);
    std::fprintf(f, "  \"repulsion\": %s,\n  \"threads\": %u,\n", json_string(r.repulsion).c_str(), r.threads);
    std::fprintf(f, "  \"map\": %s,\n", json_string(r.map).c_str());
    if (c.map) std::fprintf(f, "  \"cost\": %s,\n", json_number(r.map_cost).c_str());
    std::fprintf(f, "  \"kl\": %s,\n  \"kl_exact\": %s,\n", json_number(r.kl).c_str(), r.kl_exact ? "true" : "false");
    std::fprintf(f, "  \"knn_recall10\": %s,\n", json_number(r.recall10).c_str());
    std::fprintf(f, "  \"trustworthiness10\": %s,\n", json_number(r.trustworthiness10).c_str());
    std::fprintf(f, "  \"trustworthiness_points\": %zu,\n", r.trustworthiness10 ? r.trust_points : std::size_t(0));
    std::fprintf(f, "  \"knn_accuracy10\": %s,\n", json_number(r.accuracy10).c_str());
    // A loaded run (--load-state) has no record of its σ search.
    if (c.input_kind == InputKind::state) std::fprintf(f, "  \"points_missing_perplexity\": null,\n");
    else std::fprintf(f, "  \"points_missing_perplexity\": %zu,\n", r.missed_perplexity);
    std::fprintf(f, "  \"seconds\": {\"read\": %.3f, \"neighbors\": %.3f, \"affinities\": %.3f, "
                    "\"initialization\": %.3f, \"optimization\": %.3f, \"diagnostics\": %.3f, \"total\": %.3f}\n",
                 read_seconds, r.timings.neighbors, r.timings.affinities, r.timings.initialization,
                 r.timings.optimization, r.diagnostics_seconds, total_seconds);
    std::fprintf(f, "}\n");
}

/// --save-state: the run's state (tsne::Run::save) into its pending file.
inline void write_state(tsnex::PendingFile& out, const std::function<void(std::ostream&)>& save) {
    tsnex::PendingFileBuf buf(out);
    std::ostream os(&buf);
    try {
        save(os);
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        throw tsnex::io_error(out.path() + ": " + e.what());
    }
}

/// --output: the embedding into its pending file (not yet committed).
inline void write_embedding(const Outputs& out, const tsnex::Matrix& Y) {
    if (out.csv) std::visit([&](const auto& y) { tsnex::write_matrix(*out.csv, y); }, Y);
}

/// --output -: the embedding as CSV on standard output, after the files are in place (a stream
/// cannot be taken back, so it comes last).
inline void write_stdout(const Config& c, const tsnex::Matrix& Y) {
    if (c.output == "-") std::visit([](const auto& y) { tsnex::write_csv("-", y); }, Y);
}

/// Moves every output file into place, all or none (tsnex::commit_all).
inline void commit_outputs(Outputs& out) {
    std::vector<tsnex::PendingFile*> all;
    for (auto* f : {&out.knn, &out.png, &out.html, &out.gif, &out.report, &out.state, &out.csv})
        if (*f) all.push_back(f->get());
    for (auto& f : out.frames) all.push_back(f.get());
    tsnex::commit_all(all);
}

/// "out.csv, p.png": the output files given, for the summary line.
inline std::string wrote_list(std::initializer_list<const std::string*> files) {
    std::string wrote;
    for (const std::string* f : files)
        if (!f->empty()) wrote += (wrote.empty() ? "" : ", ") + (*f == "-" ? std::string("stdout") : *f);
    return wrote;
}

}  // namespace tsne_cli
