// The tsne command line: its settings (Config), the one table of options that drives parsing,
// `tsne --help` and the "does not apply" errors, and the checks between options.
//
// Each option is one row of `options` below: its name, the name of its value (none = a flag), the
// inputs and modes it applies to, the setter that parses its value into Config, and its help text.
// Adding an option is adding a row (and a Config field); nothing else lists option names. The
// checks that relate several options (an input and its options, outputs that need each other)
// follow the table, in the order their errors are reported.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cctype>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <tsne/tsne.hpp>

#include "io.hpp"

namespace tsne_cli {

/// Bad command line: exit status 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// Exit statuses (documented in --help).
enum Exit : int {
    exit_ok = 0,
    exit_input = 1,    ///< an input file is missing, unreadable or malformed, or cannot be embedded as asked
    exit_usage = 2,    ///< bad command line
    exit_output = 3,   ///< an output file cannot be written
    exit_run = 4,      ///< the data and options were accepted but the run failed (divergence)
    exit_memory = 5,   ///< out of memory
};

/// Which stage is running: an exception is reported with that stage's exit status.
enum class Stage { setup, reading, computing, writing };

/// What the command line asks for.
enum class Action { run, help, version };

enum class InitKind { pca, random };
enum class InputKind { data, distances, knn_graph, affinities, state };
enum class KnnKind { automatic, exact, vptree, approx };
enum class ColorKind { automatic, labels, distortion, preservation, embedding3d, none };
enum class MetricKind { euclidean, cosine };
enum class AffinityKind { perplexity, multiscale, uniform };

struct Config {
    std::string input, output, labels, plot, save_knn, animate, report, save_state, html;
    std::uint64_t shape_rows = 0, shape_cols = 0;  ///< --shape (raw float32 input)
    InputKind input_kind = InputKind::data;
    std::string input_option;  ///< "--input", "--distances", "--knn-graph", "--affinities" or "--load-state"
    std::vector<std::string> inputs;  ///< the input options given, each once, in order
    int dims = 2;
    std::optional<tsne::MapKind> map;  ///< --map other than tsne (empty: t-SNE)
    int graph_neighbors = 3;           ///< --graph-neighbors
    std::size_t landmarks = 0;         ///< --landmarks (0: exact MDS)
    KnnKind knn = KnnKind::automatic;
    MetricKind metric = MetricKind::euclidean;
    AffinityKind affinity = AffinityKind::perplexity;
    double perplexity = 30;
    std::vector<double> perplexities;
    std::size_t uniform_k = 15;
    std::size_t points = 0;  ///< --points (0 = largest index + 1)
    bool symmetrize = true, normalize = true;
    int iterations = 750;
    int exaggeration_iterations = 250;
    double exaggeration = 12;
    double late_exaggeration = 1;       ///< --late-exaggeration
    int late_exaggeration_start = -1;   ///< --late-exaggeration-start (-1 = none)
    double dof = 1;                     ///< --dof
    double learning_rate = tsne::auto_learning_rate;
    std::uint64_t seed = 42;
    unsigned threads = 0;
    InitKind init = InitKind::pca;
    tsne::Method method = tsne::Method::automatic;
    double theta = 0.5;
    int fft_nodes = 3;          ///< --fft-nodes
    double fft_box_width = 0;   ///< --fft-box-width (0 = automatic)
    // Every other knob of the library's options and policies, defaults as in the library.
    tsne::Options defaults;
    double momentum = defaults.momentum, final_momentum = defaults.final_momentum;
    int kl_every = defaults.kl_every;
    tsne::MomentumGains gains;
    double init_std = tsne::PCA{}.std;
    tsne::AutoNeighbors auto_knn;
    tsne::IVF ivf;
    tsne::Perplexity sigma;  ///< tolerance and max_steps of the σ search
    tsne::AutoRepulsion repulsion;
    tsne::PCA pca;
    // Pictures and diagnostics.
    ColorKind color = ColorKind::automatic;
    std::size_t color_k = 10;
    int plot_size = 900, animate_size = 480, frame_delay = 8;
    int snapshots = 0;
    // Image maps (--images): each point's own picture instead of a dot.
    std::string image_data;  ///< --image-data
    int image_height = 0, image_width = 0, image_channels = 0;  ///< --image-shape (0 = not given)
    bool images = false, image_grid = false, image_invert = false;
    int image_size = 0;  ///< --image-size (0 = automatic)
    // Transform (--reference-data, --reference-embedding): new points into a fixed embedding.
    std::string reference_data, reference_embedding;
    int transform_neighbors = tsne::TransformOptions{}.neighbors;
    tsne::TransformInit transform_init = tsne::TransformOptions{}.init;
    double early_stop = 0;        ///< --early-stop (0 = off)
    bool animate_fixed = false;  ///< --animate-view fixed
    bool verbose = false, quiet = false;
    std::vector<std::string> given;  ///< options as given on the command line, in order

    bool was_given(const char* opt) const { return std::find(given.begin(), given.end(), opt) != given.end(); }
    bool transform() const { return !reference_data.empty() || !reference_embedding.empty(); }
};

// ---- values -----------------------------------------------------------------------------------

template <class... Parts>
[[noreturn]] void usage_fail(const Parts&... parts) {
    std::string s;
    ((s += parts), ...);
    throw UsageError(s);
}

inline std::string in_quotes(const std::string& v) { return "'" + v + "'"; }

/// A number parsed whole from `v` (an optional leading '+'), or nullopt.
template <class N>
std::optional<N> parse_number(const std::string& v) {
    N x{};
    const char* b = v.data();
    const char* e = v.data() + v.size();
    if (!v.empty() && v[0] == '+') ++b;
    const auto r = std::from_chars(b, e, x);
    if (v.empty() || r.ec != std::errc() || r.ptr != e) return std::nullopt;
    return x;
}

inline long long parse_integer(const std::string& opt, const std::string& v, long long lo, long long hi) {
    const std::optional<long long> x = parse_number<long long>(v);
    if (!x || *x < lo || *x > hi)
        usage_fail(opt, " must be an integer from ", std::to_string(lo), " to ", std::to_string(hi), ", got ",
                   in_quotes(v));
    return *x;
}

/// A finite number, > 0 (or >= 0 with allow_zero).
inline double parse_real(const std::string& opt, const std::string& v, bool allow_zero) {
    const std::optional<double> x = parse_number<double>(v);
    if (!x || !std::isfinite(*x) || !(allow_zero ? *x >= 0 : *x > 0))
        usage_fail(opt, allow_zero ? " must be a finite number >= 0, got " : " must be a finite number > 0, got ",
                   in_quotes(v));
    return *x;
}

/// "30,300" → {30, 300}: at least one number, each finite and > 0.
inline std::vector<double> parse_positive_list(const std::string& opt, const std::string& v) {
    std::vector<double> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = v.find(',', start);
        const std::string item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        try {
            out.push_back(parse_real(opt, item, false));
        } catch (const UsageError&) {
            usage_fail(opt, " must be a comma-separated list of numbers > 0 (e.g. 30,300), got ", in_quotes(v));
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

/// One option's value as given, with the parsers the setters use; errors name the option.
struct Arg {
    const std::string& name;   ///< e.g. "--plot-size"
    const std::string& value;  ///< empty for a flag

    std::string file() const {
        if (value.empty()) usage_fail(name, " needs a non-empty file name");
        return value;
    }
    template <class I>
    void integer(I& out, long long lo, long long hi) const {
        out = static_cast<I>(parse_integer(name, value, lo, hi));
    }
    std::uint64_t u64() const {
        const std::optional<std::uint64_t> x = parse_number<std::uint64_t>(value);
        if (!x) usage_fail(name, " must be an integer from 0 to 18446744073709551615, got ", in_quotes(value));
        return *x;
    }
    /// Any finite number: for options whose range the library checks under the same name
    /// (tsne::Options::validate, run before any work: "dof must be a finite number > 0, got 0").
    double number() const {
        const std::optional<double> x = parse_number<double>(value);
        if (!x || !std::isfinite(*x)) usage_fail(name, " must be a finite number, got ", in_quotes(value));
        return *x;
    }
    double positive() const { return parse_real(name, value, false); }
    double non_negative() const { return parse_real(name, value, true); }
    /// A momentum: 0 <= M < 1.
    double momentum() const {
        const double m = non_negative();
        if (!(m < 1)) usage_fail(name, " must be in [0, 1), got ", in_quotes(value));
        return m;
    }
    std::vector<double> positive_list() const { return parse_positive_list(name, value); }
    /// One of the named choices ("--knn must be auto, exact, vptree or approx, got 'x'").
    template <class E>
    void choice(E& out, std::initializer_list<std::pair<const char*, E>> choices) const {
        std::string names;
        std::size_t i = 0;
        for (const auto& [word, e] : choices) {
            if (value == word) {
                out = e;
                return;
            }
            names += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + std::string(word);
            ++i;
        }
        usage_fail(name, " must be ", names, ", got ", in_quotes(value));
    }
};

// ---- the values that need more than one parser ------------------------------------------------

inline void set_input(Config& c, const Arg& a, InputKind kind) {
    c.input = a.file();
    if (std::find(c.inputs.begin(), c.inputs.end(), a.name) == c.inputs.end()) c.inputs.push_back(a.name);
    c.input_option = a.name;
    c.input_kind = kind;
}

inline void set_shape(Config& c, const Arg& a) {
    const auto comma = a.value.find(',');
    if (comma == std::string::npos) usage_fail("--shape must be N,D (rows,columns), got ", in_quotes(a.value));
    c.shape_rows = static_cast<std::uint64_t>(parse_integer(a.name, a.value.substr(0, comma), 2, 2147483646LL));
    c.shape_cols = static_cast<std::uint64_t>(parse_integer(a.name, a.value.substr(comma + 1), 1, 1LL << 40));
}

/// --image-shape H,W[,C]: H and W from 1 to 65535, C = 1 (grey, the default) or 3 (RGB).
inline void set_image_shape(Config& c, const Arg& a) {
    std::vector<long long> v;
    std::size_t start = 0;
    while (v.size() < 4) {
        const std::size_t comma = a.value.find(',', start);
        const std::optional<long long> x = parse_number<long long>(a.value.substr(start, comma == std::string::npos ? comma : comma - start));
        v.push_back(x ? *x : -1);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    const bool ok = (v.size() == 2 || v.size() == 3) && v[0] >= 1 && v[0] <= 65535 && v[1] >= 1 && v[1] <= 65535 &&
                    (v.size() == 2 || v[2] == 1 || v[2] == 3);
    if (!ok)
        usage_fail("--image-shape must be H,W or H,W,C (height and width from 1 to 65535, C = 1 for grey or 3 for RGB), got ",
                   in_quotes(a.value));
    c.image_height = static_cast<int>(v[0]);
    c.image_width = static_cast<int>(v[1]);
    c.image_channels = v.size() == 3 ? static_cast<int>(v[2]) : 1;
}

inline void set_learning_rate(Config& c, const Arg& a) {
    if (a.value == "auto") {
        c.learning_rate = tsne::auto_learning_rate;
        return;
    }
    try {
        c.learning_rate = a.positive();
    } catch (const UsageError&) {
        usage_fail("--learning-rate must be auto or a finite number > 0, got ", in_quotes(a.value));
    }
}

inline void set_gains(Config& c, const Arg& a) {
    const std::vector<double> g = a.positive_list();
    if (g.size() != 3 || !(g[1] < 1) || !(g[2] < 1))
        usage_fail("--gains must be UP,DOWN,MIN with UP > 0 and 0 < DOWN, MIN < 1 (e.g. 0.2,0.8,0.01), got ",
                   in_quotes(a.value));
    c.gains.gain_up = g[0];
    c.gains.gain_down = g[1];
    c.gains.min_gain = g[2];
}

inline void set_method(Config& c, const Arg& a) {
    if (a.value == "barnes-hut") c.method = tsne::Method::barnes_hut;  // accepted, not advertised
    else a.choice(c.method, {{"auto", tsne::Method::automatic}, {"exact", tsne::Method::exact},
                             {"bh", tsne::Method::barnes_hut}, {"fft", tsne::Method::fft}});
}

inline void set_map(Config& c, const Arg& a) {
    std::optional<tsne::MapKind> none;  // t-SNE
    a.choice(c.map, {{"tsne", none}, {"pca", tsne::MapKind::pca}, {"mds", tsne::MapKind::mds},
                     {"classical-mds", tsne::MapKind::classical_mds}, {"sammon", tsne::MapKind::sammon},
                     {"graph", tsne::MapKind::graph}});
}

// ---- the table --------------------------------------------------------------------------------

/// Where an option applies: to which input (a saved run, --load-state, has its P, initial
/// embedding, repulsion method and kl_every already) and whether to a transform (--reference-data:
/// new points into a finished embedding).
enum Applies : unsigned {
    in_data = 1, in_distances = 2, in_knn_graph = 4, in_affinities = 8, in_state = 16, in_transform = 32,
    in_neighbors = in_data | in_distances | in_knn_graph,  ///< the inputs whose affinities the run computes
    in_prepared = in_neighbors | in_affinities,             ///< the inputs that start a new run
    any_input = in_prepared | in_state,
    anywhere = any_input | in_transform,
};

/// The input options, by what they bring (for "only to --input, --distances").
constexpr std::pair<unsigned, const char*> input_options[] = {
    {in_data, "--input"}, {in_distances, "--distances"}, {in_knn_graph, "--knn-graph"},
    {in_affinities, "--affinities"}, {in_state, "--load-state"}};

inline unsigned applies_bit(InputKind kind) {
    switch (kind) {
        case InputKind::data: return in_data;
        case InputKind::distances: return in_distances;
        case InputKind::knn_graph: return in_knn_graph;
        case InputKind::affinities: return in_affinities;
        default: return in_state;
    }
}

/// One row of the option table. A row without a name is a heading (or prose) of --help.
struct Option {
    const char* name;    ///< "--plot-size"
    const char* value;   ///< the value's name in --help ("PX"); "" = a flag, which takes no value
    unsigned applies;    ///< Applies bits
    void (*set)(Config&, const Arg&);  ///< parses the value into Config
    const char* help;    ///< --help text, wrapped at 100 columns, continuation lines without the indent
    Action action = Action::run;  ///< --help and --version stop parsing and do this instead
};

// clang-format off
inline const Option options[] = {
    {nullptr, nullptr, 0, nullptr,
     "Input (exactly one of):"},
    {"--input", "FILE", anywhere,
     [](Config& c, const Arg& a) { set_input(c, a, InputKind::data); },
     "data set, format by content and extension:\n"
     "  .npy   2-D, C order: float32 '<f4' or float64 '<f8' (the type is\n"
     "         kept; memory-mapped, not copied), uint8 '|u1' (read as\n"
     "         float32)\n"
     "  IDX    the MNIST / Fashion-MNIST format, plain or gzip-compressed\n"
     "         (e.g. train-images-idx3-ubyte.gz): N x d1 x d2 ... becomes N\n"
     "         points of d1*d2*... features (float32)\n"
     "  raw    headerless little-endian float32, with --shape N,D\n"
     "  CSV    anything else: numbers separated by commas, tabs,\n"
     "         semicolons or spaces (one kind per file), one point per\n"
     "         line; a first line with no number in it is a header and\n"
     "         skipped (read as float32)\n"
     "Any input FILE may be a pipe, FIFO or /dev/stdin (read once)."},
    {"--shape", "N,D", in_data | in_transform,
     [](Config& c, const Arg& a) { set_shape(c, a); },
     "--input is raw float32 of N rows and D columns (the file size must be\n"
     "exactly N*D*4 bytes)"},
    {"--distances", "FILE", any_input,
     [](Config& c, const Arg& a) { set_input(c, a, InputKind::distances); },
     "full N x N distance matrix (CSV or .npy as above; finite, >= 0; the\n"
     "diagonal is ignored; need not be symmetric). Read as float32."},
    {"--knn-graph", "FILE", any_input,
     [](Config& c, const Arg& a) { set_input(c, a, InputKind::knn_graph); },
     "kNN graph: N rows of 2k columns (CSV or .npy): the first k are\n"
     "0-based neighbour indices, the next k their distances (>= 0). k must\n"
     "be at least what the affinities need (3 x perplexity)."},
    {"--affinities", "FILE", any_input,
     [](Config& c, const Arg& a) { set_input(c, a, InputKind::affinities); },
     "affinities P as rows i,j,value (CSV or .npy, 3 columns): 0-based\n"
     "COO triplets, values >= 0, no diagonal, each (i, j) once. The\n"
     "number of points is the largest index + 1, or --points."},
    {"--load-state", "FILE", any_input,
     [](Config& c, const Arg& a) { set_input(c, a, InputKind::state); },
     "continue a run saved with --save-state for --iterations more\n"
     "iterations (see \"Continuing a run\" below)"},
    {"--reference-data", "FILE", anywhere,
     [](Config& c, const Arg& a) { c.reference_data = a.file(); },
     "with --reference-embedding: place the rows of --input into that\n"
     "finished embedding of FILE's rows (see \"Transform\" below)"},
    {"--reference-embedding", "FILE", anywhere,
     [](Config& c, const Arg& a) { c.reference_embedding = a.file(); },
     "the embedding of --reference-data (N x 1, 2 or 3; CSV or .npy)"},
    {"--points", "N", in_affinities,
     [](Config& c, const Arg& a) { a.integer(c.points, 2, 2147483646LL); },
     "number of points of --affinities (for trailing isolated points)"},
    {"--no-symmetrize", "", in_affinities,
     [](Config& c, const Arg&) { c.symmetrize = false; },
     "take --affinities as given (default: P = (P + P^T) / 2)"},
    {"--no-normalize", "", in_affinities,
     [](Config& c, const Arg&) { c.normalize = false; },
     "do not rescale --affinities to sum 1 (default: normalise)"},
    {"--labels", "FILE", any_input,
     [](Config& c, const Arg& a) { c.labels = a.file(); },
     "integer labels, one per point: text (one per line, optional header\n"
     "line), .npy (1-D or N x 1, any integer dtype) or IDX (.gz too, e.g.\n"
     "train-labels-idx1-ubyte.gz). Colour the plot and the animation and\n"
     "give the report's 10-NN accuracy."},
    {nullptr, nullptr, 0, nullptr,
     "Outputs:"},
    {"--output", "FILE", anywhere,
     [](Config& c, const Arg& a) { c.output = a.file(); },
     "embedding, one point per row: .npy (float32, or float64 for float64\n"
     "input) when FILE ends in .npy, else CSV (\"-\" = standard output)"},
    {"--plot", "FILE", anywhere,
     [](Config& c, const Arg& a) { c.plot = a.file(); },
     "PNG scatter plot of the first two coordinates (needs --dims 2 or 3),\n"
     "coloured as --color says"},
    {"--plot-size", "PX", anywhere,
     [](Config& c, const Arg& a) { a.integer(c.plot_size, 200, 8000); },
     "width and height of --plot in pixels, 200 to 8000 (default 900)"},
    {"--html", "FILE", any_input,
     [](Config& c, const Arg& a) { c.html = a.file(); },
     "interactive page of the embedding: one self-contained HTML file (no\n"
     "network, no external file) to open in any current browser. Pan\n"
     "(drag) and zoom (wheel, +/-); points coloured by label with a legend\n"
     "that hides and shows classes, or by --color's diagnostics, or RGB\n"
     "(--dims 3; the page shows x, y); hover or click a point for its\n"
     "index, label and, with images (IDX input, --image-shape,\n"
     "--image-data), its image; with --snapshots a slider and a play\n"
     "button replay the optimisation. Needs --dims 2 or 3. Points are\n"
     "drawn into a canvas in software (no WebGL), so a million points\n"
     "stay usable; above 64 MiB of image pixels (about 85,000 28x28\n"
     "images) only every s-th point keeps its image."},
    {"--color", "MODE", any_input,
     [](Config& c, const Arg& a) { a.choice(c.color, {{"labels", ColorKind::labels},
                                                      {"distortion", ColorKind::distortion},
                                                      {"preservation", ColorKind::preservation},
                                                      {"embedding3d", ColorKind::embedding3d},
                                                      {"none", ColorKind::none}}); },
     "colouring of --plot and --html: labels (needs --labels; a legend), distortion\n"
     "or preservation (per-point neighbourhood scores, --input only; a\n"
     "colour bar), embedding3d (--dims 3: the three coordinates as red,\n"
     "green, blue, each from its 1st to 99th percentile), none. Default:\n"
     "labels when --labels is given, else the third coordinate (colour\n"
     "bar) with --dims 3, else none"},
    {"--color-k", "K", any_input,
     [](Config& c, const Arg& a) { a.integer(c.color_k, 1, 1000); },
     "neighbours for --color distortion|preservation (default 10)\n"
     "  distortion(i)   = mean data distance from point i to its K nearest\n"
     "                    embedding neighbours / mean data distance to its\n"
     "                    K nearest data neighbours (1 = ideal; higher =\n"
     "                    worse)\n"
     "  preservation(i) = fraction of i's K nearest data neighbours that\n"
     "                    are among its K nearest embedding neighbours"},
    {"--snapshots", "K", any_input,
     [](Config& c, const Arg& a) { a.integer(c.snapshots, 1, 100000000); },
     "record the embedding every K iterations (for --animate, and for the\n"
     "slider of --html; default 10 when --animate is given)"},
    {"--animate", "FILE", any_input,
     [](Config& c, const Arg& a) { c.animate = a.file(); },
     "animation of the optimisation, one frame per snapshot: an animated\n"
     "GIF when FILE ends in .gif, else numbered PNG frames: FILE must\n"
     "contain one %d (e.g. frames/f_%04d.png)"},
    {"--animate-view", "grow|fixed", any_input,
     [](Config& c, const Arg& a) { a.choice(c.animate_fixed, {{"grow", false}, {"fixed", true}}); },
     "axes of the frames: grow = each frame shows the bounds of all frames\n"
     "so far (the axes only widen, never jump back; early structure is\n"
     "visible), fixed = every frame on the final axes (early frames are a\n"
     "small dot; the true scale) (default grow)"},
    {"--animate-size", "PX", any_input,
     [](Config& c, const Arg& a) { a.integer(c.animate_size, 100, 4000); },
     "frame width and height, 100 to 4000 (default 480)"},
    {"--frame-delay", "CS", any_input,
     [](Config& c, const Arg& a) { a.integer(c.frame_delay, 1, 1000); },
     "GIF frame delay in 1/100 s, 1 to 1000 (default 8; the last frame\n"
     "stays 3 s)"},
    {"--report", "FILE", any_input,
     [](Config& c, const Arg& a) { c.report = a.file(); },
     "JSON: KL divergence (exact for N <= 30,000, else from the last\n"
     "iteration), kNN recall@10 (mean preservation), trustworthiness at\n"
     "k = 10 (--input only; above 5,000 points averaged over an evenly\n"
     "spaced subset, whose size the report gives), 10-NN label accuracy\n"
     "(with --labels) and the time of each stage"},
    {"--save-knn", "FILE", in_data,
     [](Config& c, const Arg& a) { c.save_knn = a.file(); },
     "the kNN graph the run used, in the --knn-graph format (--input only)"},
    {"--save-state", "FILE", any_input,
     [](Config& c, const Arg& a) { c.save_state = a.file(); },
     "the state of the run when it ends (also when --early-stop stops it):\n"
     "P, the embedding, the optimizer's buffers and gains, the repulsion\n"
     "method and the iteration count, for --load-state (binary, this\n"
     "machine's byte order; format in docs/parameters.md). Default: none"},
    {nullptr, nullptr, 0, nullptr,
     "Image maps (--plot with --images; the images come from one of these sources):"},
    {"--images", "", any_input,
     [](Config& c, const Arg&) { c.images = true; },
     "draw each point's own image at its place on --plot instead of a dot.\n"
     "The images: --image-data, else --image-shape, else an IDX --input\n"
     "of N x H x W (or N x H x W x 1|3) images (e.g.\n"
     "t10k-images-idx3-ubyte.gz). Overlaps: images are drawn from the\n"
     "sparsest to the densest place (by how many others each overlaps;\n"
     "ties by point order), so the images amid each crowd, its most\n"
     "typical, are on top and whole, and isolated points (outliers) are\n"
     "never covered. With --labels each image gets a border in its\n"
     "label's colour and the plot a legend. 3-D: x and y are drawn."},
    {"--image-data", "FILE", any_input,
     [](Config& c, const Arg& a) { c.image_data = a.file(); },
     "the images, one per point, in point order: .npy (C order) of N x H x W\n"
     "(grey) or N x H x W x 1|3 (RGB), uint8 0 to 255 or float32/float64\n"
     "in [0, 1]; or IDX (.gz too) of N x H x W [x 1|3]. For when the data\n"
     "are features of the images (e.g. a CNN's), and for --distances,\n"
     "--knn-graph, --affinities and --load-state, which have no rows."},
    {"--image-shape", "H,W[,C]", in_data,
     [](Config& c, const Arg& a) { set_image_shape(c, a); },
     "the rows of --input are the images: H x W pixels of C channels (1\n"
     "grey, the default, or 3 RGB, channel last); H*W*C must equal the\n"
     "number of features. Numbers become 0..255 alike for all images: data\n"
     "in [0, 1] x 255; data >= 0 scaled so its largest value is 255 (0\n"
     "stays black: digits' 0..16 and pixels' 0..255 both show at full\n"
     "contrast); data with negative values min-max to 0..255"},
    {"--image-size", "PX", any_input,
     [](Config& c, const Arg& a) { a.integer(c.image_size, 4, 1024); },
     "longest side of each drawn image in pixels, 4 to 1024 (default: the\n"
     "side of an equal square share of the plot area, sqrt(area / N),\n"
     "within 8 to 128: about 20 px for 1,800 points at 900 px, 79 px for\n"
     "10,000 at 8,000; with --image-grid the cell less a 1/16 gap, and at\n"
     "most the cell)"},
    {"--image-grid", "", any_input,
     [](Config& c, const Arg&) { c.image_grid = true; },
     "draw the images on a regular grid, one per cell, placed so that\n"
     "neighbours in the embedding stay neighbours on the grid (recursive\n"
     "median splits, then swaps that shorten neighbour distances); a\n"
     "grid of N cells or a little more (the rest left empty)"},
    {"--image-invert", "", any_input,
     [](Config& c, const Arg&) { c.image_invert = true; },
     "draw grey images inverted (255 - v): white-on-black images such as\n"
     "MNIST become dark on the white canvas"},
    {nullptr, nullptr, 0, nullptr,
     "Neighbours and affinities:"},
    {"--knn", "auto|exact|vptree|approx", in_data,
     [](Config& c, const Arg& a) { a.choice(c.knn, {{"auto", KnnKind::automatic},
                                                    {"exact", KnnKind::exact},
                                                    {"vptree", KnnKind::vptree},
                                                    {"approx", KnnKind::approx}}); },
     "neighbour search (--input only): exact brute force (GEMM), exact\n"
     "VP-tree (fast for few features), approximate (IVF: k-means inverted\n"
     "file, much faster for large N), or auto = VP-tree for <=\n"
     "--knn-vp-max-dims features, else brute force up to\n"
     "--knn-exact-max-points points, approximate above (default auto)"},
    {"--knn-vp-max-dims", "D", in_data,
     [](Config& c, const Arg& a) { a.integer(c.auto_knn.vp_max_dims, 0, 1LL << 40); },
     "auto: VP-tree at or below D features (default 8)"},
    {"--knn-exact-max-points", "N", in_data,
     [](Config& c, const Arg& a) { a.integer(c.auto_knn.exact_max_points, 0, 2147483646LL); },
     "auto: exact brute force up to N points (default 10000)"},
    {"--ivf-clusters", "C", in_data,
     [](Config& c, const Arg& a) { a.integer(c.ivf.clusters, 0, 2147483646LL); },
     "IVF k-means clusters, 0 = about 2 sqrt(N) (default 0)"},
    {"--ivf-probes", "P", in_data,
     [](Config& c, const Arg& a) { a.integer(c.ivf.probes, 1, 2147483646LL); },
     "IVF clusters searched per point; more = better recall, slower\n"
     "(default 12)"},
    {"--ivf-kmeans-iterations", "I", in_data,
     [](Config& c, const Arg& a) { a.integer(c.ivf.kmeans_iterations, 0, 10000); },
     "IVF Lloyd iterations (default 6)"},
    {"--ivf-refine", "R", in_data,
     [](Config& c, const Arg& a) { a.integer(c.ivf.refine, 0, 100); },
     "IVF neighbours-of-neighbours passes (default 0)"},
    {"--ivf-refine-width", "W", in_data,
     [](Config& c, const Arg& a) { a.integer(c.ivf.refine_width, 1, 100000); },
     "IVF neighbours tried per neighbour in a refine pass (default 12)"},
    {"--metric", "euclidean|cosine", in_data | in_transform,
     [](Config& c, const Arg& a) { a.choice(c.metric, {{"euclidean", MetricKind::euclidean},
                                                       {"cosine", MetricKind::cosine}}); },
     "distance between rows of --input (default euclidean)"},
    {"--affinity", "perplexity|multiscale|uniform", in_neighbors,
     [](Config& c, const Arg& a) { a.choice(c.affinity, {{"perplexity", AffinityKind::perplexity},
                                                         {"multiscale", AffinityKind::multiscale},
                                                         {"uniform", AffinityKind::uniform}}); },
     "how neighbours become affinities: Gaussian kernel calibrated to\n"
     "--perplexity, average of Gaussians for each of --perplexities, or\n"
     "weight 1/k for each of the --uniform-k nearest (default perplexity)"},
    {"--perplexity", "P", in_neighbors | in_transform,
     [](Config& c, const Arg& a) { c.perplexity = a.positive(); },
     "effective number of neighbours, > 0 and < number of points\n"
     "(default 30)"},
    {"--perplexities", "P1,P2,...", in_neighbors,
     [](Config& c, const Arg& a) { c.perplexities = a.positive_list(); },
     "perplexities of --affinity multiscale (required with it), e.g. 30,300"},
    {"--uniform-k", "K", in_neighbors,
     [](Config& c, const Arg& a) { a.integer(c.uniform_k, 1, 2147483645LL); },
     "neighbours of --affinity uniform, 1 to N-1 (default 15)"},
    {"--sigma-tolerance", "T", in_neighbors,
     [](Config& c, const Arg& a) { c.sigma.tolerance = a.positive(); },
     "accepted |entropy - log(perplexity)| of the bandwidth search, in\n"
     "nats (default 1e-05)"},
    {"--sigma-max-steps", "S", in_neighbors,
     [](Config& c, const Arg& a) { a.integer(c.sigma.max_steps, 1, 100000); },
     "bisection steps per point of the bandwidth search (default 200)"},
    {nullptr, nullptr, 0, nullptr,
     "Map:"},
    {"--map", "tsne|pca|mds|classical-mds|sammon|graph", in_data | in_distances,
     [](Config& c, const Arg& a) { set_map(c, a); },
     "the map: t-SNE; PCA (the projection); metric MDS (stress, SMACOF from\n"
     "classical MDS); classical (Torgerson) MDS; Sammon's mapping; or the\n"
     "force-directed layout of the kNN graph (charges + springs). The\n"
     "others take --dims, --seed, --threads and the outputs; mds, sammon\n"
     "and graph also --iterations (at most; default 1000, 300, 500, fewer\n"
     "when converged) and --init (pca: from classical MDS, the default;\n"
     "random); graph also --theta and --graph-neighbors (default tsne)"},
    {"--graph-neighbors", "K", in_data | in_distances,
     [](Config& c, const Arg& a) { a.integer(c.graph_neighbors, 1, 100000); },
     "--map graph: each point joined to its K nearest neighbours (default 3)"},
    {"--landmarks", "L", in_data,
     [](Config& c, const Arg& a) { a.integer(c.landmarks, 2, 2147483646LL); },
     "--map mds: landmark MDS, SMACOF on L sampled points and the others\n"
     "placed against them, O(L^2 + N L) instead of O(N^2) (default: exact)"},
    {nullptr, nullptr, 0, nullptr,
     "t-SNE:"},
    {"--dims", "D", anywhere,
     [](Config& c, const Arg& a) { a.choice(c.dims, {{"1", 1}, {"2", 2}, {"3", 3}}); },
     "output dimensions: 1, 2 or 3 (default 2; with --load-state, the\n"
     "file's)"},
    {"--iterations", "N", anywhere,
     [](Config& c, const Arg& a) { a.integer(c.iterations, 0, 100000000); },
     "total iterations, early exaggeration included (default 750); with\n"
     "--load-state, the iterations added to the saved run"},
    {"--exaggeration-iterations", "N", any_input,
     [](Config& c, const Arg& a) { a.integer(c.exaggeration_iterations, 0, 100000000); },
     "iterations of early exaggeration, at most --iterations (default 250;\n"
     "0 with --load-state)"},
    {"--exaggeration", "X", anywhere,
     [](Config& c, const Arg& a) { c.exaggeration = a.positive(); },
     "early exaggeration factor, > 0 (default 12)"},
    {"--late-exaggeration", "X", any_input,
     [](Config& c, const Arg& a) { c.late_exaggeration = a.positive(); },
     "exaggeration of a late phase, > 0; needs --late-exaggeration-start\n"
     "(default 1 = none)"},
    {"--late-exaggeration-start", "N", any_input,
     [](Config& c, const Arg& a) { a.integer(c.late_exaggeration_start, 0, 100000000); },
     "iterations before the late phase, between --exaggeration-iterations\n"
     "and --iterations (default: no late phase)"},
    {"--dof", "A", anywhere,
     [](Config& c, const Arg& a) { c.dof = a.number(); },
     "degrees of freedom of the t kernel (1 + d^2/A)^-A, > 0: 1 = standard\n"
     "t-SNE, 0.5 = heavier tails, finer clusters (default 1)"},
    {"--learning-rate", "auto|X", anywhere,
     [](Config& c, const Arg& a) { set_learning_rate(c, a); },
     "step size; auto = N / exaggeration of the phase (default auto)"},
    {"--momentum", "M", anywhere,
     [](Config& c, const Arg& a) { c.momentum = a.number(); },
     "momentum during early exaggeration, 0 <= M < 1 (default 0.5)"},
    {"--final-momentum", "M", any_input,
     [](Config& c, const Arg& a) { c.final_momentum = a.momentum(); },
     "momentum afterwards, 0 <= M < 1 (default 0.8)"},
    {"--max-step-norm", "S", anywhere,
     [](Config& c, const Arg& a) { c.gains.max_step_norm = a.non_negative(); },
     "largest update of one point per iteration; 0 = no limit (default 5)"},
    {"--gains", "UP,DOWN,MIN", any_input,
     [](Config& c, const Arg& a) { set_gains(c, a); },
     "per-coordinate gains: + UP when the gradient changes sign, x DOWN\n"
     "when it keeps it, never below MIN (default 0.2,0.8,0.01)"},
    {"--early-stop", "TOL", any_input,
     [](Config& c, const Arg& a) { c.early_stop = a.positive(); },
     "stop when the KL divergence, checked every 50 iterations after early\n"
     "exaggeration, improves by less than TOL (relative), e.g. 1e-4\n"
     "(default: run all --iterations)"},
    {"--kl-every", "N", in_prepared | in_transform,
     [](Config& c, const Arg& a) { a.integer(c.kl_every, 0, 100000000); },
     "compute the KL divergence every N iterations for --verbose and the\n"
     "progress bar; 0 = only at the end of each phase (default 50)"},
    {"--seed", "S", in_prepared,
     [](Config& c, const Arg& a) { c.seed = a.u64(); },
     "seed for every random choice, 0 to 2^64-1 (default 42)"},
    {"--threads", "T", anywhere,
     [](Config& c, const Arg& a) { a.integer(c.threads, 0, 4096); },
     "worker threads, 0 = all hardware threads (default 0); results do\n"
     "not depend on it; at most max(8, 2 x hardware threads) are used"},
    {"--init", "pca|random", in_prepared,
     [](Config& c, const Arg& a) { a.choice(c.init, {{"pca", InitKind::pca}, {"random", InitKind::random}}); },
     "initial embedding: first principal components or random\n"
     "(default pca with --input, random with the precomputed inputs)"},
    {"--init-std", "S", in_prepared,
     [](Config& c, const Arg& a) { c.init_std = a.positive(); },
     "standard deviation of the first initial coordinate (default 0.0001)"},
    {"--pca-exact-max-dims", "D", in_data,
     [](Config& c, const Arg& a) { a.integer(c.pca.exact_max_dims, 1, 1LL << 40); },
     "PCA: exact eigen-decomposition up to D features, randomized subspace\n"
     "iteration above (default 1024)"},
    {"--pca-power-iterations", "I", in_data,
     [](Config& c, const Arg& a) { a.integer(c.pca.power_iterations, 0, 1000); },
     "PCA: subspace iterations of the randomized path (default 8)"},
    {"--method", "auto|exact|bh|fft", in_prepared,
     [](Config& c, const Arg& a) { set_method(c, a); },
     "repulsion: exact O(N^2) sums; Barnes-Hut (bh) on a quadtree\n"
     "(octree in 3-D, binary tree in 1-D), O(N log N); or FFT\n"
     "interpolation (fft, FIt-SNE's method, 1-D and 2-D only), O(N) plus\n"
     "a grid that grows with the map's extent. auto = exact below\n"
     "--exact-below points, else fft in 1-D and bh in 2-D and 3-D\n"
     "(default auto)"},
    {"--exact-below", "N", in_prepared,
     [](Config& c, const Arg& a) { a.integer(c.repulsion.exact_below, 0, 2147483646LL); },
     "auto: exact repulsion below N points (default 1000)"},
    {"--theta", "T", anywhere,
     [](Config& c, const Arg& a) { c.theta = a.non_negative(); },
     "Barnes-Hut accuracy, >= 0: a cell is summarised when its width is\n"
     "below T times its distance (full width, as scikit-learn and\n"
     "openTSNE; Rtsne/bhtsne's theta 0.5 is 1.0 here); 0 = exact\n"
     "(default 0.5)"},
    {"--bh-leaf-size", "L", any_input,
     [](Config& c, const Arg& a) { a.integer(c.repulsion.barnes_hut.leaf_size, 1, 1 << 20); },
     "Barnes-Hut: most points per tree leaf (default 16)"},
    {"--bh-group-size", "G", any_input,
     [](Config& c, const Arg& a) { a.integer(c.repulsion.barnes_hut.group_size, 1, 1 << 24); },
     "Barnes-Hut: points sharing one traversal, >= leaf size (default 256)"},
    {"--fft-nodes", "P", any_input,
     [](Config& c, const Arg& a) { a.integer(c.fft_nodes, 2, 12); },
     "FFT interpolation nodes per box and axis, 2 to 12 (default 3)"},
    {"--fft-box-width", "W", any_input,
     [](Config& c, const Arg& a) { c.fft_box_width = a.non_negative(); },
     "FFT largest box width in embedding units, >= 0; 0 = automatic:\n"
     "1 in 2-D, 0.5 in 1-D (default 0)"},
    {nullptr, nullptr, 0, nullptr,
     "Messages:"},
    {"--verbose", "", anywhere,
     [](Config& c, const Arg&) { c.verbose = true; },
     "print progress with the KL divergence every 50 iterations and the\n"
     "time of each phase (on stderr)"},
    {"--quiet", "", anywhere,
     [](Config& c, const Arg&) { c.quiet = true; },
     "print nothing but errors. Default: a progress bar with the\n"
     "estimated time left and the current KL when stderr is a terminal,\n"
     "and a one-line summary"},
    {"--help", "", anywhere, nullptr, "print this help and exit", Action::help},
    {"--version", "", anywhere, nullptr, "print the library version and the SIMD instruction set and exit",
     Action::version},
    {nullptr, nullptr, 0, nullptr,
     "Continuing a run (--load-state FILE):\n"
     "  The run continues exactly where --save-state left it: the same bits as one longer run with\n"
     "  the same options. P, the embedding, the precision (float32 or float64), the output dimension,\n"
     "  the repulsion method, --dof and --kl-every come from FILE: the neighbour, affinity and\n"
     "  initialisation options, --seed, --method and --exact-below do not apply, --dims may be given\n"
     "  only if it matches FILE, and --dof replaces the saved value. The counts of the schedule are of\n"
     "  the new iterations: --iterations N more (default 750), of which the first\n"
     "  --exaggeration-iterations (default 0 here: none) with --exaggeration and --momentum; a late\n"
     "  phase starts after --late-exaggeration-start of them. Give the first run's --learning-rate,\n"
     "  --final-momentum, --gains, --max-step-norm, --theta, --bh-* and --fft-* options again to\n"
     "  continue it unchanged. E.g. \"--iterations 300 --save-state s.bin\" then \"--load-state s.bin\n"
     "  --iterations 450\" equals one run of --iterations 750.\n"
     "\n"
     "Transform (--input NEW --reference-data X --reference-embedding Y):\n"
     "  Places the rows of NEW into the embedding Y of X without moving Y (openTSNE's transform): each\n"
     "  new point gets affinities to its --transform-neighbors nearest rows of X (exact search, default\n"
     "  15) at --perplexity (default 5 here), starts at their affinity-weighted mean position\n"
     "  (--transform-init weighted, default) or at the median of its 25 nearest (median), and moves for\n"
     "  --iterations (default 250 here) with --learning-rate (0.1), --exaggeration (1.5, on the\n"
     "  attraction), --momentum (0.8) and --max-step-norm (0.25), repulsion from Y by Barnes-Hut at\n"
     "  --theta (0 = exact). New points do not affect each other. --output gets the new points'\n"
     "  coordinates; --plot shows Y (label 0) and the new points (label 1). Y sets the dimension; also\n"
     "  accepted: --metric (use the reference run's), --dof, --threads, --kl-every, --shape, --plot-size."},
    {"--transform-neighbors", "K", in_transform,
     [](Config& c, const Arg& a) { a.integer(c.transform_neighbors, 1, 100000); },
     "reference neighbours per new point (default 15, >= --perplexity)"},
    {"--transform-init", "weighted|median", in_transform,
     [](Config& c, const Arg& a) { a.choice(c.transform_init, {{"weighted", tsne::TransformInit::weighted},
                                                               {"median", tsne::TransformInit::median}}); },
     "start position (default weighted)"},
};
// clang-format on

inline const Option* find_option(const std::string& name) {
    for (const Option& o : options)
        if (o.name && name == o.name) return &o;
    return nullptr;
}

/// `tsne --help`: the introduction, every row of the table, the closing notes.
inline std::string help_text() {
    static const char* const intro =
        "usage: tsne --input FILE [--output OUT.csv|OUT.npy] [--plot OUT.png] [options]\n"
        "       tsne --distances FILE | --knn-graph FILE | --affinities FILE [outputs] [options]\n"
        "       tsne --load-state STATE [--iterations N] [outputs] [options]\n"
        "       tsne --input NEW --reference-data X --reference-embedding Y [--output OUT] [--plot OUT.png]\n"
        "\n"
        "Embeds the rows of FILE (one point per row) in 1, 2 or 3 dimensions with t-SNE. Outputs (at\n"
        "least one): the embedding (--output), a scatter plot (--plot), an interactive page (--html), an\n"
        "animation of the optimisation (--animate), a JSON report of quality scores (--report) and the\n"
        "state of the run (--save-state).\n"
        "Instead of data, the input can be precomputed distances, a kNN graph or affinities, or a saved\n"
        "run to continue (--load-state).";
    static const char* const closing =
        "\n"
        "Options take their value as the next argument or after '=' (--dims=3).\n"
        "\n"
        "Output files: two outputs naming the same file (also through ./, .., symbolic or hard links, or\n"
        "PNG frame names), or an output naming an input, are refused before any work (exit 2). Every file\n"
        "is written under a hidden temporary name in its directory, and all are moved into place together\n"
        "at the end, all or none: a failure (exit 3) leaves every destination as it was. SIGINT, SIGTERM\n"
        "and SIGHUP delete the temporaries. A replaced file keeps its mode and owner; a file with other hard\n"
        "links, or reached through a symbolic link, is rewritten in place so that the links see the new\n"
        "content. Devices (/dev/null) are written in place.\n"
        "\n"
        "Exit status:\n"
        "  0  success\n"
        "  1  an input file (--input, --labels, --load-state, ...) is missing, unreadable or malformed,\n"
        "     the labels do not match the points, or the data cannot be embedded with the options given\n"
        "     (e.g. fewer than 2 points, --perplexity too large for the number of points, an --init-std\n"
        "     that cannot separate the points)\n"
        "  2  bad command line\n"
        "  3  an output file cannot be written\n"
        "  4  the run failed on data it accepted (it diverged: the message names the likely cause)\n"
        "  5  out of memory\n"
        "";
    constexpr std::size_t column = 28;  // where the help of an option starts
    const std::string indent(column, ' ');
    std::string s = std::string(intro) + "\n";
    for (const Option& o : options) {
        if (!o.name) {
            s += std::string("\n") + o.help + "\n";
            continue;
        }
        std::string label = std::string("  ") + o.name + (*o.value ? " " : "") + o.value;
        if (label.size() < column) label.resize(column, ' ');  // at least one space before the help
        else label += "\n" + indent;
        s += label;
        for (const char* p = o.help; *p; ++p) s += *p == '\n' ? "\n" + indent : std::string(1, *p);
        s += "\n";
    }
    return s + closing;
}

// ---- --animate names --------------------------------------------------------------------------

/// "x.gif" or "x.GIF": an animated GIF, else numbered PNG frames.
inline bool is_gif_name(const std::string& path) {
    if (path.size() < 4) return false;
    std::string ext = path.substr(path.size() - 4);
    for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return ext == ".gif";
}

/// --animate for PNG frames: exactly one printf conversion %d (with optional 0 flag and width).
inline void frame_pattern_check(const std::string& pattern) {
    int conversions = 0;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] != '%') continue;
        if (i + 1 < pattern.size() && pattern[i + 1] == '%') {
            ++i;
            continue;
        }
        std::size_t j = i + 1;
        while (j < pattern.size() && (std::isdigit(static_cast<unsigned char>(pattern[j])) != 0)) ++j;
        if (j >= pattern.size() || pattern[j] != 'd' || j - i > 4)
            usage_fail("--animate: ", in_quotes(pattern), " must end in .gif or contain one %d (or %04d) for the frame number");
        ++conversions;
        i = j;
    }
    if (conversions != 1)
        usage_fail("--animate: ", in_quotes(pattern), " must end in .gif or contain exactly one %d (or %04d) for the frame number");
}

/// Frame i of --animate as PNG: the pattern with its %d replaced by i, in full (a width such as
/// %999d is not cut short: cut names would all be the same file).
inline std::string frame_name(const std::string& pattern, int i) {
    const int n = std::snprintf(nullptr, 0, pattern.c_str(), i);  // checked: exactly one %d conversion
    if (n < 0) throw UsageError("--animate: cannot format the frame name " + pattern);
    std::vector<char> buf(static_cast<std::size_t>(n) + 1);
    std::snprintf(buf.data(), buf.size(), pattern.c_str(), i);
    return std::string(buf.data(), static_cast<std::size_t>(n));
}

/// The most frames a run makes: one every --snapshots iterations, plus the start (a continued
/// run's first snapshot falls on a multiple of --snapshots, so never more than this either).
inline int max_frames(const Config& c) { return c.snapshots > 0 ? c.iterations / c.snapshots + 2 : 0; }
constexpr int max_animation_frames = 100000;

// ---- checks between options -------------------------------------------------------------------

/// A transform (--reference-data) takes the options the table marks in_transform; its schedule
/// defaults are the library's TransformOptions, not the embedding's (perplexity 5, 250 iterations,
/// learning rate 0.1, ...).
inline void check_transform(Config& c) {
    const bool data = !c.reference_data.empty(), emb = !c.reference_embedding.empty();
    for (const Option& o : options)
        if (o.name && o.applies == in_transform && c.was_given(o.name) && !data && !emb)
            usage_fail(o.name, " needs --reference-data and --reference-embedding");
    if (!data && !emb) return;
    if (!data || !emb) usage_fail(data ? "--reference-data needs --reference-embedding" : "--reference-embedding needs --reference-data");
    if (c.input_kind != InputKind::data || c.input.empty())
        usage_fail("a transform places the rows of --input into the reference embedding: give --input FILE",
                   c.input_option.empty() || c.input_option == "--input" ? "" : std::string(", not ") + c.input_option);
    for (const std::string& opt : c.given)
        if (!(find_option(opt)->applies & in_transform)) usage_fail(opt, " does not apply to a transform (--reference-data)");
    const tsne::TransformOptions d;
    if (!c.was_given("--perplexity")) c.perplexity = d.perplexity;
    if (!c.was_given("--iterations")) c.iterations = d.iterations;
    if (!c.was_given("--exaggeration")) c.exaggeration = d.exaggeration;
    if (!c.was_given("--momentum")) c.momentum = d.momentum;
    if (!c.was_given("--max-step-norm")) c.gains.max_step_norm = d.max_step_norm;
    if (!c.was_given("--learning-rate")) c.learning_rate = d.learning_rate;
    else if (c.learning_rate == tsne::auto_learning_rate) usage_fail("--learning-rate auto does not apply to a transform");
    c.exaggeration_iterations = 0;  // one phase
    if (c.perplexity > c.transform_neighbors) {
        char msg[160];
        std::snprintf(msg, sizeof msg, "--perplexity %g is larger than --transform-neighbors (%d): give "
                      "--transform-neighbors of at least the perplexity", c.perplexity, c.transform_neighbors);
        usage_fail(msg);
    }
}

/// Every option given applies to the input given (the table's `applies`), and the affinity
/// options to the --affinity chosen.
inline void check_applicable(const Config& c) {
    const unsigned here = c.transform() ? unsigned(in_transform) : applies_bit(c.input_kind);
    for (const std::string& opt : c.given) {
        const Option& o = *find_option(opt);
        if (o.applies & here) continue;
        std::string where;
        for (const auto& [bit, name] : input_options)
            if (o.applies & bit) where += std::string(where.empty() ? "" : ", ") + name;
        usage_fail(opt, " does not apply to ", c.input_option, " (only to ", where, ")");
    }
    if (c.input_kind != InputKind::data && c.init == InitKind::pca && c.was_given("--init"))
        usage_fail("--init pca does not apply to ", c.input_option,
                   ": PCA needs the data (--input); precomputed inputs start from a random embedding");
    if (c.input_kind == InputKind::affinities || c.input_kind == InputKind::state) return;
    const char* affinity = c.affinity == AffinityKind::perplexity   ? "perplexity"
                           : c.affinity == AffinityKind::multiscale ? "multiscale"
                                                                    : "uniform";
    if (c.was_given("--perplexity") && c.affinity != AffinityKind::perplexity)
        usage_fail("--perplexity does not apply to --affinity ", affinity,
                   c.affinity == AffinityKind::multiscale ? " (use --perplexities)" : " (use --uniform-k)");
    if (c.was_given("--perplexities") && c.affinity != AffinityKind::multiscale)
        usage_fail("--perplexities does not apply to --affinity ", affinity, " (only to --affinity multiscale)");
    if (c.was_given("--uniform-k") && c.affinity != AffinityKind::uniform)
        usage_fail("--uniform-k does not apply to --affinity ", affinity, " (only to --affinity uniform)");
    if (c.affinity == AffinityKind::multiscale && c.perplexities.empty())
        usage_fail("--affinity multiscale needs --perplexities P1,P2,... (e.g. 30,300)");
}

/// --map other than tsne: only the options that act on that map (the others are t-SNE's); the
/// iterations default to the map's own.
inline void check_map(Config& c) {
    if (!c.map) {
        if (c.was_given("--graph-neighbors")) usage_fail("--graph-neighbors applies only to --map graph");
        if (c.was_given("--landmarks")) usage_fail("--landmarks applies only to --map mds");
        return;
    }
    const std::string name = tsne::map_name(*c.map);
    const bool iterative = *c.map == tsne::MapKind::mds || *c.map == tsne::MapKind::sammon || *c.map == tsne::MapKind::graph;
    static const char* const shared[] = {"--input", "--shape", "--distances", "--labels", "--output", "--plot",
                                         "--plot-size", "--color", "--color-k", "--snapshots", "--animate",
                                         "--animate-view", "--animate-size", "--frame-delay", "--report", "--dims",
                                         "--seed", "--threads", "--verbose", "--quiet", "--map"};
    for (const std::string& opt : c.given) {
        if (std::find_if(std::begin(shared), std::end(shared), [&](const char* s) { return opt == s; }) != std::end(shared))
            continue;
        if ((opt == "--iterations" || opt == "--init") && iterative) continue;
        if ((opt == "--theta" || opt == "--graph-neighbors") && *c.map == tsne::MapKind::graph) continue;
        if (opt == "--landmarks" && *c.map == tsne::MapKind::mds) continue;
        usage_fail(opt, " does not apply to --map ", name,
                   opt == "--graph-neighbors" ? " (only to --map graph)"
                   : opt == "--landmarks"     ? " (only to --map mds)"
                   : opt == "--theta"         ? " (only to --map tsne and graph)"
                   : opt == "--iterations" || opt == "--init" ? " (only to --map tsne, mds, sammon and graph)"
                                                              : " (only to --map tsne)");
    }
    if (*c.map == tsne::MapKind::pca && c.input_kind != InputKind::data)
        usage_fail("--map pca needs the data (--input), not ", c.input_option, "; use --map classical-mds for distances");
    if (!c.was_given("--iterations")) c.iterations = tsne::maps::default_iterations(*c.map);
    c.exaggeration_iterations = 0;
}

/// The command line into `c`: every option through its row of the table, then the checks between
/// options. Returns what to do (--help and --version stop at once).
inline Action parse_args(int argc, char** argv, Config& c) {
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg.size() < 3 || arg.compare(0, 2, "--") != 0)
            usage_fail("unexpected argument ", in_quotes(arg), " (options start with --; see tsne --help)");
        std::optional<std::string> inline_value;
        if (const auto eq = arg.find('='); eq != std::string::npos) {
            inline_value = arg.substr(eq + 1);
            arg.resize(eq);
        }
        const Option* o = find_option(arg);
        if (!o) usage_fail("unknown option ", in_quotes(arg), " (see tsne --help)");
        std::string v;
        if (!*o->value) {
            if (inline_value) usage_fail(arg, " takes no value");
        } else if (inline_value) {
            v = *inline_value;
        } else {
            if (i + 1 >= argc) usage_fail(arg, " needs a value");
            v = argv[++i];
        }
        if (o->action != Action::run) return o->action;
        c.given.push_back(arg);
        o->set(c, Arg{arg, v});
    }
    check_transform(c);
    if (c.inputs.empty())
        usage_fail("missing input: give one of --input, --distances, --knn-graph, --affinities or --load-state "
                   "(see tsne --help)");
    if (c.inputs.size() > 1)
        usage_fail(c.inputs[0], " and ", c.inputs[1], " exclude each other: give exactly one input");
    if (c.output.empty() && c.plot.empty() && c.animate.empty() && c.report.empty() && c.save_state.empty() &&
        c.html.empty())
        usage_fail("nothing to write: give --output, --plot, --html, --animate, --report or --save-state (see tsne --help)");
    // The images of an image map: --image-shape reads the rows of --input; the other inputs have none.
    if (c.input_kind != InputKind::data && c.was_given("--image-shape"))
        usage_fail("--image-shape takes the images from the rows of --input; ", c.input_option,
                   " has no rows: give the images with --image-data FILE");
    if (c.was_given("--image-shape") && !c.image_data.empty())
        usage_fail("--image-shape and --image-data exclude each other: give one source of images");
    if (c.images && c.input_kind != InputKind::data && c.image_data.empty())
        usage_fail("--images needs --image-data FILE with ", c.input_option, " (it has no rows to draw)");
    check_applicable(c);
    check_map(c);
    // A saved run continues without early exaggeration unless asked for (see --help).
    if (c.input_kind == InputKind::state && !c.was_given("--exaggeration-iterations")) c.exaggeration_iterations = 0;
    if (c.verbose && c.quiet) usage_fail("--verbose and --quiet exclude each other");
    if (!c.labels.empty() && c.plot.empty() && c.animate.empty() && c.report.empty() && c.html.empty())
        usage_fail("--labels is only used with --plot, --html, --animate or --report");
    if (c.shape_rows != 0 && tsnex::is_npy_path(c.input))
        usage_fail("--shape is for headerless float32 files, but ", c.input, " is named .npy (whose header has the shape)");
    if (!c.plot.empty() || !c.animate.empty()) {
#if !TSNE_HAVE_STB
        usage_fail(c.plot.empty() ? "--animate" : "--plot",
                   " is unavailable: this tsne was built without stb (Debian: libstb-dev)");
#endif
        if (c.dims < 2) usage_fail(c.plot.empty() ? "--animate" : "--plot", " needs --dims 2 or 3");
    }
    if (!c.html.empty()) {
#if !TSNE_HAVE_STB
        usage_fail("--html is unavailable: this tsne was built without stb (Debian: libstb-dev)");
#endif
        if (c.dims < 2) usage_fail("--html needs --dims 2 or 3");
    }
    if ((c.was_given("--color") || c.was_given("--color-k")) && c.plot.empty() && c.html.empty())
        usage_fail("--color and --color-k need --plot or --html");
    if (c.was_given("--plot-size") && c.plot.empty()) usage_fail("--plot-size needs --plot");
    if (c.images && c.plot.empty()) usage_fail("--images draws on --plot: give --plot FILE.png");
    // With --html, --color chooses the page's first colouring (and has its diagnostics computed).
    if (c.images && c.html.empty() && c.color != ColorKind::automatic && c.color != ColorKind::labels)
        usage_fail("--color does not apply to --images: the images replace the coloured dots (--labels colours "
                   "their borders)");
    for (const char* opt : {"--image-size", "--image-grid", "--image-invert"})
        if (c.was_given(opt) && !c.images) usage_fail(opt, " needs --images");
    if (c.color == ColorKind::labels && c.labels.empty()) usage_fail("--color labels needs --labels FILE");
    if ((c.color == ColorKind::distortion || c.color == ColorKind::preservation) && c.input_kind != InputKind::data)
        usage_fail("--color distortion and preservation need the data (--input), not ", c.input_option);
    if (c.color == ColorKind::embedding3d && c.dims != 3)
        usage_fail("--color embedding3d needs --dims 3 (the three coordinates become red, green and blue)");
    if (c.was_given("--snapshots") && c.animate.empty() && c.html.empty())
        usage_fail("--snapshots needs --animate FILE or --html FILE");
    if ((c.was_given("--animate-size") || c.was_given("--frame-delay") || c.was_given("--animate-view")) && c.animate.empty())
        usage_fail("--animate-size, --animate-view and --frame-delay need --animate FILE");
    if (!c.animate.empty()) {
        if (c.snapshots == 0) c.snapshots = 10;
        if (!is_gif_name(c.animate)) frame_pattern_check(c.animate);
        // Every snapshot is kept (N x dims numbers) until the frames are drawn, and each frame's name
        // is checked up front: a bound keeps both finite.
        if (max_frames(c) > max_animation_frames)
            usage_fail("--animate: --iterations ", std::to_string(c.iterations), " with --snapshots ",
                       std::to_string(c.snapshots), " makes up to ", std::to_string(max_frames(c)),
                       " frames, more than ", std::to_string(max_animation_frames), ": give a larger --snapshots");
    }
    if (!c.html.empty() && c.animate.empty() && max_frames(c) > max_animation_frames)
        usage_fail("--html: --iterations ", std::to_string(c.iterations), " with --snapshots ", std::to_string(c.snapshots),
                   " makes up to ", std::to_string(max_frames(c)), " snapshots, more than ",
                   std::to_string(max_animation_frames), ": give a larger --snapshots");
    if (c.repulsion.barnes_hut.group_size < c.repulsion.barnes_hut.leaf_size)
        usage_fail("--bh-group-size (", std::to_string(c.repulsion.barnes_hut.group_size),
                   ") must be at least --bh-leaf-size (", std::to_string(c.repulsion.barnes_hut.leaf_size), ")");
    if (c.exaggeration_iterations > c.iterations)
        usage_fail("--exaggeration-iterations (", std::to_string(c.exaggeration_iterations),
                   ") must not exceed --iterations (", std::to_string(c.iterations), ")");
    if (c.late_exaggeration_start >= 0 &&
        (c.late_exaggeration_start < c.exaggeration_iterations || c.late_exaggeration_start > c.iterations))
        usage_fail("--late-exaggeration-start (", std::to_string(c.late_exaggeration_start),
                   ") must be between --exaggeration-iterations (", std::to_string(c.exaggeration_iterations),
                   ") and --iterations (", std::to_string(c.iterations), ")");
    if (c.late_exaggeration != 1 && c.late_exaggeration_start < 0)
        usage_fail("--late-exaggeration needs --late-exaggeration-start");
    return Action::run;
}

// ---- the library's settings ----------------------------------------------------------------

/// The settings a run (tsne::Options) and a transform (tsne::TransformOptions) share, under the
/// same names.
template <class LibraryOptions>
void set_shared(LibraryOptions& o, const Config& c) {
    o.iterations = c.iterations;
    o.learning_rate = c.learning_rate;
    o.momentum = c.momentum;
    o.dof = c.dof;
    o.threads = c.threads;
    o.kl_every = c.kl_every;
}

inline tsne::Options make_options(const Config& c) {
    tsne::Options o;
    set_shared(o, c);
    o.early_exaggeration_iterations = c.exaggeration_iterations;
    o.early_exaggeration = c.exaggeration;
    o.late_exaggeration = c.late_exaggeration;
    o.late_exaggeration_start = c.late_exaggeration_start;
    o.final_momentum = c.final_momentum;
    o.seed = c.seed;
    return o;
}

inline tsne::AutoRepulsion make_repulsion(const Config& c) {
    tsne::AutoRepulsion repulsion = c.repulsion;
    repulsion.method = c.method;
    repulsion.barnes_hut.theta = c.theta;
    repulsion.fft.nodes_per_box = c.fft_nodes;
    repulsion.fft.max_box_width = c.fft_box_width;
    return repulsion;
}

}  // namespace tsne_cli
