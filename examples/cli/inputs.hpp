// The tsne command line's inputs: the data (--input), the precomputed inputs (--distances,
// --knn-graph, --affinities) and a saved run (--load-state), read into one Input.
#pragma once

#include <cstdint>
#include <cstdio>
#include <exception>
#include <istream>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include <tsne/tsne.hpp>

#include "image_io.hpp"
#include "images.hpp"
#include "io.hpp"
#include "options.hpp"

namespace tsne_cli {

// ---- input ------------------------------------------------------------------------------------

/// The run type the CLI builds (see configure): what --save-state writes and --load-state reads.
template <class T, int Dims>
using CliRun = tsne::Run<T, Dims, tsne::AutoRepulsion, tsne::MomentumGains>;
/// A run read by --load-state, of the file's precision and dimension.
using LoadedRun = std::variant<CliRun<float, 1>, CliRun<float, 2>, CliRun<float, 3>, CliRun<double, 1>,
                               CliRun<double, 2>, CliRun<double, 3>>;
template <class R>
struct run_shape;
template <class T, int Dims>
struct run_shape<CliRun<T, Dims>> {
    using scalar = T;
    static constexpr int dims = Dims;
};

/// The data of --input as the library sees it: a view of the rows, never a copy.
using DataView = std::variant<tsnex::ConstMap<float>, tsnex::ConstMap<double>>;

struct Input {
    std::optional<tsnex::Matrix> data;   ///< --input read into memory (float32 or float64, as stored)
    std::optional<tsnex::MappedNpy> mapped;  ///< --input float32/float64 .npy, memory-mapped instead
    tsne::RowMatrix<float> distances;    ///< --distances
    tsne::KnnGraph<float> graph;         ///< --knn-graph
    tsne::Csr<float> affinities;         ///< --affinities
    std::optional<LoadedRun> run;        ///< --load-state
    /// The points' images, one per point, whenever a source exists (see read_images): for --images
    /// and for whatever else shows them.
    std::optional<tsnex::ImageSet> images;
    std::size_t points = 0;
    std::string description;             ///< "150 points x 64 features", for messages

    /// --input's rows, wherever they are (mapped file or memory).
    DataView view() const {
        if (mapped) return mapped->X;
        return std::visit(
            [](const auto& m) -> DataView {
                using T = typename std::decay_t<decltype(m)>::Scalar;
                return tsnex::ConstMap<T>(m.data(), m.rows(), m.cols());
            },
            *data);
    }
};


template <class T, int Dims>
LoadedRun load_run(std::istream& is, const tsne::StateHeader& h, const Config& c) {
    LoadedRun loaded(std::in_place_type<CliRun<T, Dims>>,
                     CliRun<T, Dims>::load(is, h, make_repulsion(c), c.gains, c.threads));
    if (c.was_given("--dof")) std::get<CliRun<T, Dims>>(loaded).set_dof(c.dof);
    return loaded;
}

/// --load-state: the library reads and checks the header (tsne::read_state_header; format in
/// docs/parameters.md), which says the value type and dimension; then the run of that type. A
/// damaged or foreign file is bad input (the library's message, after the file's name); a
/// dimension other than --dims is a usage error.
inline LoadedRun load_state(const Config& c) {
    const std::string& path = c.input;
    tsnex::detail::Source src(path);  // opened once: a pipe works too
    std::istream& is = src.stream();
    const auto as_input_error = [&](auto&& read) {
        try {
            return read();
        } catch (const std::bad_alloc&) {
            throw;
        } catch (const std::exception& e) {  // truncated, foreign or inconsistent: the message says what
            throw tsnex::io_error(path + ": " + e.what());
        }
    };
    const tsne::StateHeader h = as_input_error([&] { return tsne::read_state_header(is); });
    if (h.dims > 3)
        throw tsnex::io_error(path + ": run state of a " + std::to_string(h.dims) +
                              "-D run; this program embeds in 1, 2 or 3 dimensions");
    if (c.was_given("--dims") && static_cast<std::uint32_t>(c.dims) != h.dims)
        usage_fail("--dims ", std::to_string(c.dims), " does not match ", path, ", which holds a ", std::to_string(h.dims),
                   "-D run (omit --dims with --load-state: the file sets it)");
    return as_input_error([&] {
        switch (h.value_size * 10 + h.dims) {
            case 41: return load_run<float, 1>(is, h, c);
            case 42: return load_run<float, 2>(is, h, c);
            case 43: return load_run<float, 3>(is, h, c);
            case 81: return load_run<double, 1>(is, h, c);
            case 82: return load_run<double, 2>(is, h, c);
            default: return load_run<double, 3>(is, h, c);
        }
    });
}

/// N x H x W or N x H x W x 1|3: an IDX --input of this shape is images (no option needed).
inline bool is_image_array(const std::vector<std::uint64_t>& shape) {
    return (shape.size() == 3 || (shape.size() == 4 && (shape[3] == 1 || shape[3] == 3))) && shape[1] <= 65535 &&
           shape[2] <= 65535;
}

/// The images of the points, from the first source that exists: --image-data FILE, the rows of
/// --input as --image-shape says, or an IDX --input of images (already read with the data). A
/// count other than the points' is bad input (exit 1); --images without any source is a usage
/// error (exit 2).
inline void read_images(const Config& c, Input& in) {
    if (!c.image_data.empty()) {
        try {
            in.images = tsnex::read_image_file(c.image_data);
        } catch (const tsnex::io_error& e) {  // "FILE: ..." becomes "--image-data FILE: ..."
            throw tsnex::io_error(std::string("--image-data ") + e.what());
        }
        if (in.images->count != in.points)
            throw tsnex::io_error("--image-data " + c.image_data + " has " + std::to_string(in.images->count) +
                                  " images but " + c.input_option + " " + c.input + " has " + std::to_string(in.points) +
                                  " points (one image per point, in the same order)");
    } else if (c.image_height > 0) {
        const tsnex::ImageShape shape{c.image_height, c.image_width, c.image_channels};
        const std::string what = "--image-shape " + shape.str();
        const auto cols = std::visit([](const auto& X) { return static_cast<std::uint64_t>(X.cols()); }, in.view());
        if (shape.values() != cols)
            usage_fail(what, " makes images of ", std::to_string(shape.values()), " values, but the rows of ", c.input,
                       " have ", std::to_string(cols), " (H x W x C must equal the number of features)");
        in.images = std::visit(
            [&](const auto& X) {
                return tsnex::images_from_rows(X.data(), static_cast<std::size_t>(X.rows()),
                                               static_cast<std::size_t>(X.cols()), shape, what);
            },
            in.view());
    }
    // The page draws each image from an atlas of at most 4096 px a side (page.hpp): refused here,
    // before the run, rather than when the page is written.
    if (!c.html.empty() && in.images && (in.images->width > 4096 || in.images->height > 4096))
        throw tsnex::io_error("--html: images of " + std::to_string(in.images->width) + " x " +
                              std::to_string(in.images->height) + " pixels are too large for the page (at most 4096 a side)");
    if (c.images && !in.images)
        usage_fail("--images needs images: give --image-data FILE or --image-shape H,W[,C] (the rows of ",
                   c.input, " as images), or an IDX --input of N x H x W images");
}

inline Input read_input(const Config& c) {
    Input in;
    char buf[160];
    switch (c.input_kind) {
        case InputKind::data: {
            // float32/float64 .npy: viewed in the mapped file; everything else is read (and converted).
            if (c.shape_rows != 0) in.data = tsnex::read_raw_f32(c.input, c.shape_rows, c.shape_cols);
            else if (tsnex::is_npy_path(c.input)) {
                if (auto m = tsnex::map_npy(c.input)) in.mapped.emplace(std::move(*m));
            }
            if (!in.data && !in.mapped) {
                // IDX is read here rather than by read_matrix so that N x H x W images are kept as
                // images too (their bytes as they are), from the one read of the file.
                tsnex::detail::Source src(c.input);
                const tsnex::detail::Format f = tsnex::detail::sniff(src);
                if (!tsnex::detail::is_npy(src) && (f == tsnex::detail::Format::idx || f == tsnex::detail::Format::gzip)) {
                    const tsnex::IdxArray a = tsnex::read_idx_array(src);
                    in.data = tsnex::idx_matrix(a, c.input);
                    if (is_image_array(a.shape) && c.image_data.empty() && c.image_height == 0)
                        in.images = tsnex::images_from_idx(a, c.input);
                } else {
                    in.data = tsnex::read_matrix(src);
                }
            }
            const DataView X = in.view();
            const auto rows = std::visit([](const auto& m) { return static_cast<std::size_t>(m.rows()); }, X);
            const auto cols = std::visit([](const auto& m) { return static_cast<std::size_t>(m.cols()); }, X);
            const bool is_double = std::holds_alternative<tsnex::ConstMap<double>>(X);
            in.points = rows;
            std::snprintf(buf, sizeof buf, "%zu points x %zu features (%s%s)", rows, cols,
                          is_double ? "float64" : "float32", in.mapped ? ", memory-mapped" : "");
            break;
        }
        case InputKind::state: {
            in.run = load_state(c);
            std::visit(
                [&](const auto& run) {
                    using Shape = run_shape<std::decay_t<decltype(run)>>;
                    in.points = run.size();
                    std::snprintf(buf, sizeof buf, "%zu points (saved %d-D %s run, %d iterations done)", in.points,
                                  Shape::dims, std::is_same_v<typename Shape::scalar, double> ? "float64" : "float32",
                                  run.iteration());
                },
                *in.run);
            break;
        }
        case InputKind::distances:
            in.distances = tsnex::read_distances(c.input);
            in.points = static_cast<std::size_t>(in.distances.rows());
            std::snprintf(buf, sizeof buf, "%zu points (%zu x %zu distance matrix)", in.points, in.points, in.points);
            break;
        case InputKind::knn_graph:
            in.graph = tsnex::read_knn_graph(c.input);
            in.points = in.graph.n;
            std::snprintf(buf, sizeof buf, "%zu points (kNN graph, k = %zu)", in.points, in.graph.k);
            break;
        case InputKind::affinities:
            in.affinities = tsnex::read_affinities(c.input, c.points);
            in.points = in.affinities.n;
            std::snprintf(buf, sizeof buf, "%zu points (%zu affinities)", in.points, in.affinities.nnz());
            break;
    }
    in.description = buf;
    read_images(c, in);
    return in;
}

/// A memory-mapped --input shortened by another process during the run reads as zeros from its
/// new end on (tsnex::MappedFile): whatever was computed is void, so the run fails as a bad input.
inline void check_input_intact(const Input& in, Stage& stage) {
    if (in.mapped && in.mapped->file->truncated()) {
        stage = Stage::reading;
        throw tsnex::io_error(in.mapped->file->path() + ": was truncated while in use (the file shrank during the run)");
    }
}

}  // namespace tsne_cli
