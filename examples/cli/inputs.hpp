// The tsne command line's inputs: the data (--input), the precomputed inputs (--distances,
// --knn-graph, --affinities) and a saved run (--load-state), read into one Input.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <istream>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include <tsne/tsne.hpp>

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
LoadedRun load_run(std::istream& is, const Config& c) {
    LoadedRun loaded(std::in_place_type<CliRun<T, Dims>>,
                     CliRun<T, Dims>::load(is, make_repulsion(c), c.gains, c.threads));
    if (c.was_given("--dof")) std::get<CliRun<T, Dims>>(loaded).set_dof(c.dof);
    return loaded;
}

/// --load-state: the value size and dimension from the header (Run::save's format, see
/// docs/parameters.md), then the run of that type. A dimension other than --dims is a usage error.
inline LoadedRun load_state(const Config& c) {
    const std::string& path = c.input;
    tsnex::detail::Source src(path);  // opened once: a pipe works too (the header is peeked, not consumed)
    std::istream& is = src.stream();
    unsigned char head[24] = {};
    const std::string_view peeked = src.peek(sizeof head);
    std::memcpy(head, peeked.data(), peeked.size());
    const std::size_t got = peeked.size();
    std::uint32_t field[4] = {};  // version, byte-order mark, value size, dimensions
    std::memcpy(field, head + 8, sizeof field);
    if (got < 8 || std::memcmp(head, "TSNERUN", 8) != 0)
        throw tsnex::io_error(path + ": not a run-state file (one written by tsne --save-state)");
    if (got < sizeof head) throw tsnex::io_error(path + ": truncated run-state file (" + std::to_string(got) + " bytes)");
    if (field[0] != 1 && field[0] != 2)
        throw tsnex::io_error(path + ": run-state format version " + std::to_string(field[0]) +
                              "; this program reads versions 1 and 2");
    if (field[1] != 0x01020304u) throw tsnex::io_error(path + ": run state written on a machine with another byte order");
    const std::uint32_t size = field[2], dims = field[3];
    if ((size != 4 && size != 8) || dims < 1 || dims > 3)
        throw tsnex::io_error(path + ": corrupt run-state header (value size " + std::to_string(size) + ", dimensions " +
                              std::to_string(dims) + ")");
    if (c.was_given("--dims") && static_cast<std::uint32_t>(c.dims) != dims)
        usage_fail("--dims ", std::to_string(c.dims), " does not match ", path, ", which holds a ", std::to_string(dims),
                   "-D run (omit --dims with --load-state: the file sets it)");
    try {
        switch (size * 10 + dims) {
            case 41: return load_run<float, 1>(is, c);
            case 42: return load_run<float, 2>(is, c);
            case 43: return load_run<float, 3>(is, c);
            case 81: return load_run<double, 1>(is, c);
            case 82: return load_run<double, 2>(is, c);
            default: return load_run<double, 3>(is, c);
        }
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {  // a truncated or inconsistent file; the message says what is wrong
        throw tsnex::io_error(path + ": " + e.what());
    }
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
            if (!in.data && !in.mapped) in.data = tsnex::read_matrix(c.input);
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
