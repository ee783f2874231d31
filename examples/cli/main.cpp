// tsne: command-line t-SNE. Reads a data set (CSV, .npy, IDX (.gz), raw float32), writes the
// embedding as CSV or .npy and, optionally, a PNG scatter plot coloured by labels or by the
// library's diagnostics, an animation of the optimisation (GIF or PNG frames) and a JSON report.
// Precomputed distances, kNN graphs or affinities can replace the data. `tsne --help` lists
// every option.
//
// Errors print exactly one line, "tsne: error: <message>", on stderr and exit with a status that
// says which stage failed (see exit_text below). Outputs are written to temporary files and
// moved into place together (tsnex::commit_all: all or none) only when everything succeeded, so a
// failed or interrupted run never leaves a partial, stale or temporary file; outputs that would
// overwrite each other or an input are refused before any work (check_distinct_files).
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <istream>
#include <limits>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

#include <tsne/tsne.hpp>

#include "io.hpp"
#if TSNE_HAVE_STB
#include "plot.hpp"
#include "gif.hpp"
#endif
#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#define TSNE_CLI_HAVE_ISATTY 1
#endif

namespace {

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

enum class InitKind { pca, random };
enum class InputKind { data, distances, knn_graph, affinities, state };
enum class KnnKind { automatic, exact, vptree, approx };
enum class ColorKind { automatic, labels, distortion, preservation, embedding3d, none };
enum class MetricKind { euclidean, cosine };
enum class AffinityKind { perplexity, multiscale, uniform };

struct Config {
    std::string input, output, labels, plot, save_knn, animate, report, save_state;
    std::uint64_t shape_rows = 0, shape_cols = 0;  ///< --shape (raw float32 input)
    InputKind input_kind = InputKind::data;
    std::string input_option;  ///< "--input", "--distances", "--knn-graph", "--affinities" or "--load-state"
    int dims = 2;
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
    // Transform (--reference-data, --reference-embedding): new points into a fixed embedding.
    std::string reference_data, reference_embedding;
    int transform_neighbors = tsne::TransformOptions{}.neighbors;
    tsne::TransformInit transform_init = tsne::TransformOptions{}.init;
    double early_stop = 0;        ///< --early-stop (0 = off)
    bool animate_fixed = false;  ///< --animate-view fixed
    bool verbose = false, quiet = false;
    std::vector<std::string> given;  ///< options as given on the command line, in order
};

const char* const usage_text = R"(usage: tsne --input FILE [--output OUT.csv|OUT.npy] [--plot OUT.png] [options]
       tsne --distances FILE | --knn-graph FILE | --affinities FILE [outputs] [options]
       tsne --load-state STATE [--iterations N] [outputs] [options]
       tsne --input NEW --reference-data X --reference-embedding Y [--output OUT] [--plot OUT.png]

Embeds the rows of FILE (one point per row) in 1, 2 or 3 dimensions with t-SNE. Outputs (at
least one): the embedding (--output), a scatter plot (--plot), an animation of the optimisation
(--animate), a JSON report of quality scores (--report) and the state of the run (--save-state).
Instead of data, the input can be precomputed distances, a kNN graph or affinities, or a saved
run to continue (--load-state).

Input (exactly one of):
  --input FILE              data set, format by content and extension:
                              .npy   2-D, C order: float32 '<f4' or float64 '<f8' (the type is
                                     kept; memory-mapped, not copied), uint8 '|u1' (read as
                                     float32)
                              IDX    the MNIST / Fashion-MNIST format, plain or gzip-compressed
                                     (e.g. train-images-idx3-ubyte.gz): N x d1 x d2 ... becomes N
                                     points of d1*d2*... features (float32)
                              raw    headerless little-endian float32, with --shape N,D
                              CSV    anything else: numbers separated by commas, tabs,
                                     semicolons or spaces (one kind per file), one point per
                                     line; a first line with no number in it is a header and
                                     skipped (read as float32)
                            Any input FILE may be a pipe, FIFO or /dev/stdin (read once).
  --shape N,D               --input is raw float32 of N rows and D columns (the file size must be
                            exactly N*D*4 bytes)
  --distances FILE          full N x N distance matrix (CSV or .npy as above; finite, >= 0; the
                            diagonal is ignored; need not be symmetric). Read as float32.
  --knn-graph FILE          kNN graph: N rows of 2k columns (CSV or .npy): the first k are
                            0-based neighbour indices, the next k their distances (>= 0). k must
                            be at least what the affinities need (3 x perplexity).
  --affinities FILE         affinities P as rows i,j,value (CSV or .npy, 3 columns): 0-based
                            COO triplets, values >= 0, no diagonal, each (i, j) once. The
                            number of points is the largest index + 1, or --points.
  --load-state FILE         continue a run saved with --save-state for --iterations more
                            iterations (see "Continuing a run" below)
  --reference-data FILE     with --reference-embedding: place the rows of --input into that
                            finished embedding of FILE's rows (see "Transform" below)
  --reference-embedding FILE  the embedding of --reference-data (N x 1, 2 or 3; CSV or .npy)
  --points N                number of points of --affinities (for trailing isolated points)
  --no-symmetrize           take --affinities as given (default: P = (P + P^T) / 2)
  --no-normalize            do not rescale --affinities to sum 1 (default: normalise)
  --labels FILE             integer labels, one per point: text (one per line, optional header
                            line), .npy (1-D or N x 1, any integer dtype) or IDX (.gz too, e.g.
                            train-labels-idx1-ubyte.gz). Colour the plot and the animation and
                            give the report's 10-NN accuracy.

Outputs:
  --output FILE             embedding, one point per row: .npy (float32, or float64 for float64
                            input) when FILE ends in .npy, else CSV ("-" = standard output)
  --plot FILE               PNG scatter plot of the first two coordinates (needs --dims 2 or 3),
                            coloured as --color says
  --plot-size PX            width and height of --plot in pixels, 200 to 8000 (default 900)
  --color MODE              colouring of --plot: labels (needs --labels; a legend), distortion
                            or preservation (per-point neighbourhood scores, --input only; a
                            colour bar), embedding3d (--dims 3: the three coordinates as red,
                            green, blue, each from its 1st to 99th percentile), none. Default:
                            labels when --labels is given, else the third coordinate (colour
                            bar) with --dims 3, else none
  --color-k K               neighbours for --color distortion|preservation (default 10)
                              distortion(i)   = mean data distance from point i to its K nearest
                                                embedding neighbours / mean data distance to its
                                                K nearest data neighbours (1 = ideal; higher =
                                                worse)
                              preservation(i) = fraction of i's K nearest data neighbours that
                                                are among its K nearest embedding neighbours
  --snapshots K             record the embedding every K iterations (for --animate; default 10
                            when --animate is given)
  --animate FILE            animation of the optimisation, one frame per snapshot: an animated
                            GIF when FILE ends in .gif, else numbered PNG frames: FILE must
                            contain one %d (e.g. frames/f_%04d.png)
  --animate-view grow|fixed axes of the frames: grow = each frame shows the bounds of all frames
                            so far (the axes only widen, never jump back; early structure is
                            visible), fixed = every frame on the final axes (early frames are a
                            small dot; the true scale) (default grow)
  --animate-size PX         frame width and height, 100 to 4000 (default 480)
  --frame-delay CS          GIF frame delay in 1/100 s, 1 to 1000 (default 8; the last frame
                            stays 3 s)
  --report FILE             JSON: KL divergence (exact for N <= 30,000, else from the last
                            iteration), kNN recall@10 (mean preservation), trustworthiness at
                            k = 10 (--input only; above 5,000 points averaged over an evenly
                            spaced subset, whose size the report gives), 10-NN label accuracy
                            (with --labels) and the time of each stage
  --save-knn FILE           the kNN graph the run used, in the --knn-graph format (--input only)
  --save-state FILE         the state of the run when it ends (also when --early-stop stops it):
                            P, the embedding, the optimizer's buffers and gains, the repulsion
                            method and the iteration count, for --load-state (binary, this
                            machine's byte order; format in docs/parameters.md). Default: none

Neighbours and affinities:
  --knn auto|exact|vptree|approx
                            neighbour search (--input only): exact brute force (GEMM), exact
                            VP-tree (fast for few features), approximate (IVF: k-means inverted
                            file, much faster for large N), or auto = VP-tree for <=
                            --knn-vp-max-dims features, else brute force up to
                            --knn-exact-max-points points, approximate above (default auto)
  --knn-vp-max-dims D       auto: VP-tree at or below D features (default 8)
  --knn-exact-max-points N  auto: exact brute force up to N points (default 10000)
  --ivf-clusters C          IVF k-means clusters, 0 = about 2 sqrt(N) (default 0)
  --ivf-probes P            IVF clusters searched per point; more = better recall, slower
                            (default 12)
  --ivf-kmeans-iterations I IVF Lloyd iterations (default 6)
  --ivf-refine R            IVF neighbours-of-neighbours passes (default 0)
  --ivf-refine-width W      IVF neighbours tried per neighbour in a refine pass (default 12)
  --metric euclidean|cosine distance between rows of --input (default euclidean)
  --affinity perplexity|multiscale|uniform
                            how neighbours become affinities: Gaussian kernel calibrated to
                            --perplexity, average of Gaussians for each of --perplexities, or
                            weight 1/k for each of the --uniform-k nearest (default perplexity)
  --perplexity P            effective number of neighbours, > 0 and < number of points
                            (default 30)
  --perplexities P1,P2,...  perplexities of --affinity multiscale (required with it), e.g. 30,300
  --uniform-k K             neighbours of --affinity uniform, 1 to N-1 (default 15)
  --sigma-tolerance T       accepted |entropy - log(perplexity)| of the bandwidth search, in
                            nats (default 1e-05)
  --sigma-max-steps S       bisection steps per point of the bandwidth search (default 200)

t-SNE:
  --dims D                  output dimensions: 1, 2 or 3 (default 2; with --load-state, the
                            file's)
  --iterations N            total iterations, early exaggeration included (default 750); with
                            --load-state, the iterations added to the saved run
  --exaggeration-iterations N
                            iterations of early exaggeration, at most --iterations (default 250;
                            0 with --load-state)
  --exaggeration X          early exaggeration factor, > 0 (default 12)
  --late-exaggeration X     exaggeration of a late phase, > 0; needs --late-exaggeration-start
                            (default 1 = none)
  --late-exaggeration-start N
                            iterations before the late phase, between --exaggeration-iterations
                            and --iterations (default: no late phase)
  --dof A                   degrees of freedom of the t kernel (1 + d^2/A)^-A, > 0: 1 = standard
                            t-SNE, 0.5 = heavier tails, finer clusters (default 1)
  --learning-rate auto|X    step size; auto = N / exaggeration of the phase (default auto)
  --momentum M              momentum during early exaggeration, 0 <= M < 1 (default 0.5)
  --final-momentum M        momentum afterwards, 0 <= M < 1 (default 0.8)
  --max-step-norm S         largest update of one point per iteration; 0 = no limit (default 5)
  --gains UP,DOWN,MIN       per-coordinate gains: + UP when the gradient changes sign, x DOWN
                            when it keeps it, never below MIN (default 0.2,0.8,0.01)
  --early-stop TOL          stop when the KL divergence, checked every 50 iterations after early
                            exaggeration, improves by less than TOL (relative), e.g. 1e-4
                            (default: run all --iterations)
  --kl-every N              compute the KL divergence every N iterations for --verbose and the
                            progress bar; 0 = only at the end of each phase (default 50)
  --seed S                  seed for every random choice, 0 to 2^64-1 (default 42)
  --threads T               worker threads, 0 = all hardware threads (default 0); results do
                            not depend on it; at most max(8, 2 x hardware threads) are used
  --init pca|random         initial embedding: first principal components or random
                            (default pca with --input, random with the precomputed inputs)
  --init-std S              standard deviation of the first initial coordinate (default 0.0001)
  --pca-exact-max-dims D    PCA: exact eigen-decomposition up to D features, randomized subspace
                            iteration above (default 1024)
  --pca-power-iterations I  PCA: subspace iterations of the randomized path (default 8)
  --method auto|exact|bh|fft
                            repulsion: exact O(N^2) sums; Barnes-Hut (bh) on a quadtree
                            (octree in 3-D, binary tree in 1-D), O(N log N); or FFT
                            interpolation (fft, FIt-SNE's method, 1-D and 2-D only), O(N) plus
                            a grid that grows with the map's extent. auto = exact below
                            --exact-below points, else fft in 1-D and bh in 2-D and 3-D
                            (default auto)
  --exact-below N           auto: exact repulsion below N points (default 1000)
  --theta T                 Barnes-Hut accuracy, >= 0: a cell is summarised when its width is
                            below T times its distance (full width, as scikit-learn and
                            openTSNE; Rtsne/bhtsne's theta 0.5 is 1.0 here); 0 = exact
                            (default 0.5)
  --bh-leaf-size L          Barnes-Hut: most points per tree leaf (default 16)
  --bh-group-size G         Barnes-Hut: points sharing one traversal, >= leaf size (default 256)
  --fft-nodes P             FFT interpolation nodes per box and axis, 2 to 12 (default 3)
  --fft-box-width W         FFT largest box width in embedding units, >= 0; 0 = automatic:
                            1 in 2-D, 0.5 in 1-D (default 0)

Messages:
  --verbose                 print progress with the KL divergence every 50 iterations and the
                            time of each phase (on stderr)
  --quiet                   print nothing but errors. Default: a progress bar with the
                            estimated time left and the current KL when stderr is a terminal,
                            and a one-line summary
  --help                    print this help and exit
  --version                 print the library version and the SIMD instruction set and exit

Continuing a run (--load-state FILE):
  The run continues exactly where --save-state left it: the same bits as one longer run with
  the same options. P, the embedding, the precision (float32 or float64), the output dimension,
  the repulsion method, --dof and --kl-every come from FILE: the neighbour, affinity and
  initialisation options, --seed, --method and --exact-below do not apply, --dims may be given
  only if it matches FILE, and --dof replaces the saved value. The counts of the schedule are of
  the new iterations: --iterations N more (default 750), of which the first
  --exaggeration-iterations (default 0 here: none) with --exaggeration and --momentum; a late
  phase starts after --late-exaggeration-start of them. Give the first run's --learning-rate,
  --final-momentum, --gains, --max-step-norm, --theta, --bh-* and --fft-* options again to
  continue it unchanged. E.g. "--iterations 300 --save-state s.bin" then "--load-state s.bin
  --iterations 450" equals one run of --iterations 750.

Transform (--input NEW --reference-data X --reference-embedding Y):
  Places the rows of NEW into the embedding Y of X without moving Y (openTSNE's transform): each
  new point gets affinities to its --transform-neighbors nearest rows of X (exact search, default
  15) at --perplexity (default 5 here), starts at their affinity-weighted mean position
  (--transform-init weighted, default) or at the median of its 25 nearest (median), and moves for
  --iterations (default 250 here) with --learning-rate (0.1), --exaggeration (1.5, on the
  attraction), --momentum (0.8) and --max-step-norm (0.25), repulsion from Y by Barnes-Hut at
  --theta (0 = exact). New points do not affect each other. --output gets the new points'
  coordinates; --plot shows Y (label 0) and the new points (label 1). Y sets the dimension; also
  accepted: --metric (use the reference run's), --dof, --threads, --kl-every, --shape, --plot-size.
  --transform-neighbors K   reference neighbours per new point (default 15, >= --perplexity)
  --transform-init weighted|median  start position (default weighted)

Options take their value as the next argument or after '=' (--dims=3).

Output files: two outputs naming the same file (also through ./, .., symbolic or hard links, or
PNG frame names), or an output naming an input, are refused before any work (exit 2). Every file
is written under a hidden temporary name in its directory, and all are moved into place together
at the end, all or none: a failure (exit 3) leaves every destination as it was. SIGINT, SIGTERM
and SIGHUP delete the temporaries. A replaced file keeps its mode and owner; a file with other hard
links, or reached through a symbolic link, is rewritten in place so that the links see the new
content. Devices (/dev/null) are written in place.

Exit status:
  0  success
  1  an input file (--input, --labels, --load-state, ...) is missing, unreadable or malformed,
     the labels do not match the points, or the data cannot be embedded with the options given
     (e.g. fewer than 2 points, --perplexity too large for the number of points, an --init-std
     that cannot separate the points)
  2  bad command line
  3  an output file cannot be written
  4  the run failed on data it accepted (it diverged: the message names the likely cause)
  5  out of memory
)";

// ---- value parsing ----------------------------------------------------------------------------

template <class... Parts>
[[noreturn]] void usage_fail(const Parts&... parts) {
    std::string s;
    ((s += parts), ...);
    throw UsageError(s);
}

std::string in_quotes(const std::string& v) { return "'" + v + "'"; }

long long parse_integer(const std::string& opt, const std::string& v, long long lo, long long hi) {
    long long x = 0;
    const char* b = v.data();
    const char* e = v.data() + v.size();
    if (!v.empty() && v[0] == '+') ++b;
    const auto r = std::from_chars(b, e, x);
    if (v.empty() || r.ec != std::errc() || r.ptr != e || x < lo || x > hi)
        usage_fail(opt, " must be an integer from ", std::to_string(lo), " to ", std::to_string(hi), ", got ",
                   in_quotes(v));
    return x;
}

std::uint64_t parse_u64(const std::string& opt, const std::string& v) {
    std::uint64_t x = 0;
    const char* b = v.data();
    const char* e = v.data() + v.size();
    if (!v.empty() && v[0] == '+') ++b;
    const auto r = std::from_chars(b, e, x);
    if (v.empty() || r.ec != std::errc() || r.ptr != e)
        usage_fail(opt, " must be an integer from 0 to 18446744073709551615, got ", in_quotes(v));
    return x;
}

/// A finite number, > 0 (or >= 0 with allow_zero).
double parse_real(const std::string& opt, const std::string& v, bool allow_zero) {
    double x = 0;
    const char* b = v.data();
    const char* e = v.data() + v.size();
    if (!v.empty() && v[0] == '+') ++b;
    const auto r = std::from_chars(b, e, x);
    if (v.empty() || r.ec != std::errc() || r.ptr != e || !std::isfinite(x) || !(allow_zero ? x >= 0 : x > 0))
        usage_fail(opt, allow_zero ? " must be a finite number >= 0, got " : " must be a finite number > 0, got ",
                   in_quotes(v));
    return x;
}
double parse_positive(const std::string& opt, const std::string& v) { return parse_real(opt, v, false); }
double parse_non_negative(const std::string& opt, const std::string& v) { return parse_real(opt, v, true); }

/// "30,300" → {30, 300}: at least one number, each finite and > 0.
std::vector<double> parse_positive_list(const std::string& opt, const std::string& v) {
    std::vector<double> out;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = v.find(',', start);
        const std::string item = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        try {
            out.push_back(parse_positive(opt, item));
        } catch (const UsageError&) {
            usage_fail(opt, " must be a comma-separated list of numbers > 0 (e.g. 30,300), got ", in_quotes(v));
        }
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

bool looks_like_npy_name(const std::string& path) { return tsnex::is_npy_path(path); }

bool is_gif_name(const std::string& path) {
    return path.size() >= 4 && tsnex::detail::lower_extension(path) == ".gif";
}

/// --animate for PNG frames: exactly one printf conversion %d (with optional 0 flag and width).
void frame_pattern_check(const std::string& pattern) {
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
std::string frame_name(const std::string& pattern, int i) {
    const int n = std::snprintf(nullptr, 0, pattern.c_str(), i);  // checked: exactly one %d conversion
    if (n < 0) throw UsageError("--animate: cannot format the frame name " + pattern);
    std::vector<char> buf(static_cast<std::size_t>(n) + 1);
    std::snprintf(buf.data(), buf.size(), pattern.c_str(), i);
    return std::string(buf.data(), static_cast<std::size_t>(n));
}

/// The most frames a run makes: one every --snapshots iterations, plus the start (a continued
/// run's first snapshot falls on a multiple of --snapshots, so never more than this either).
int max_frames(const Config& c) { return c.snapshots > 0 ? c.iterations / c.snapshots + 2 : 0; }
constexpr int max_animation_frames = 100000;

/// Where a path leads, to tell whether two options name the same file: the canonical path of its
/// directory (symbolic links, "." and ".." resolved) and its name; and, when it exists, its device
/// and inode (hard links, a symbolic link as the name). A character device (/dev/null, a
/// terminal) is never a collision: writing several outputs there overwrites no file.
struct FileIdentity {
    std::string name;
    bool exists = false, device = false;
    std::uint64_t dev = 0, ino = 0;
};

FileIdentity file_identity(const std::string& path, std::map<std::string, std::string>& dirs) {
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

bool same_file(const FileIdentity& a, const FileIdentity& b) {
    if (a.device || b.device) return false;
    return a.name == b.name || (a.exists && b.exists && a.dev == b.dev && a.ino == b.ino);
}

/// Refuses (exit 2, before any work) a command whose outputs would overwrite each other or an
/// input: every output file (--output, --plot, --save-knn, --animate: the GIF or every PNG frame
/// the schedule can make, --report, --save-state) against every other and against every input
/// (--input or the other input options, --labels, --reference-data, --reference-embedding).
void check_distinct_files(const Config& c) {
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
    add(outs, "--save-knn", c.save_knn);
    if (is_gif_name(c.animate)) add(outs, "--animate", c.animate);
    add(outs, "--report", c.report);
    add(outs, "--save-state", c.save_state);
    add(ins, c.input_option.empty() ? "--input" : c.input_option, c.input);
    add(ins, "--labels", c.labels);
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

// ---- command line -----------------------------------------------------------------------------

enum class Action { run, help, version };

/// Options that apply to some inputs only: each with the inputs it applies to. A saved run
/// (--load-state) has its P, initial embedding, repulsion method and kl_every already.
struct Applicability {
    const char* option;
    bool data, distances, knn_graph, affinities, state;
};
constexpr Applicability applicability[] = {
    // option           data   dist   knn    aff    state
    {"--knn",           true,  false, false, false, false},
    {"--metric",        true,  false, false, false, false},
    {"--save-knn",      true,  false, false, false, false},
    {"--shape",         true,  false, false, false, false},
    {"--knn-vp-max-dims", true, false, false, false, false},
    {"--knn-exact-max-points", true, false, false, false, false},
    {"--ivf-clusters",  true,  false, false, false, false},
    {"--ivf-probes",    true,  false, false, false, false},
    {"--ivf-kmeans-iterations", true, false, false, false, false},
    {"--ivf-refine",    true,  false, false, false, false},
    {"--ivf-refine-width", true, false, false, false, false},
    {"--pca-exact-max-dims", true, false, false, false, false},
    {"--pca-power-iterations", true, false, false, false, false},
    {"--sigma-tolerance", true, true, true, false, false},
    {"--sigma-max-steps", true, true, true, false, false},
    {"--affinity",      true,  true,  true,  false, false},
    {"--perplexity",    true,  true,  true,  false, false},
    {"--perplexities",  true,  true,  true,  false, false},
    {"--uniform-k",     true,  true,  true,  false, false},
    {"--points",        false, false, false, true,  false},
    {"--no-symmetrize", false, false, false, true,  false},
    {"--no-normalize",  false, false, false, true,  false},
    {"--init",          true,  true,  true,  true,  false},
    {"--init-std",      true,  true,  true,  true,  false},
    {"--seed",          true,  true,  true,  true,  false},
    {"--method",        true,  true,  true,  true,  false},
    {"--exact-below",   true,  true,  true,  true,  false},
    {"--kl-every",      true,  true,  true,  true,  false},
};

void check_applicable(const Config& c) {
    for (const std::string& opt : c.given) {
        for (const Applicability& a : applicability) {
            if (opt != a.option) continue;
            const bool ok = c.input_kind == InputKind::data         ? a.data
                            : c.input_kind == InputKind::distances  ? a.distances
                            : c.input_kind == InputKind::knn_graph  ? a.knn_graph
                            : c.input_kind == InputKind::affinities ? a.affinities
                                                                    : a.state;
            if (ok) continue;
            std::string where;
            const std::pair<bool, const char*> inputs[] = {
                {a.data, "--input"}, {a.distances, "--distances"}, {a.knn_graph, "--knn-graph"},
                {a.affinities, "--affinities"}, {a.state, "--load-state"}};
            for (const auto& [applies, name] : inputs)
                if (applies) where += std::string(where.empty() ? "" : ", ") + name;
            usage_fail(opt, " does not apply to ", c.input_option, " (only to ", where, ")");
        }
    }
    const auto given = [&](const char* opt) {
        for (const std::string& g : c.given)
            if (g == opt) return true;
        return false;
    };
    if (c.input_kind != InputKind::data && c.init == InitKind::pca && given("--init"))
        usage_fail("--init pca does not apply to ", c.input_option,
                   ": PCA needs the data (--input); precomputed inputs start from a random embedding");
    if (c.input_kind == InputKind::affinities || c.input_kind == InputKind::state) return;
    const char* affinity = c.affinity == AffinityKind::perplexity   ? "perplexity"
                           : c.affinity == AffinityKind::multiscale ? "multiscale"
                                                                    : "uniform";
    if (given("--perplexity") && c.affinity != AffinityKind::perplexity)
        usage_fail("--perplexity does not apply to --affinity ", affinity,
                   c.affinity == AffinityKind::multiscale ? " (use --perplexities)" : " (use --uniform-k)");
    if (given("--perplexities") && c.affinity != AffinityKind::multiscale)
        usage_fail("--perplexities does not apply to --affinity ", affinity, " (only to --affinity multiscale)");
    if (given("--uniform-k") && c.affinity != AffinityKind::uniform)
        usage_fail("--uniform-k does not apply to --affinity ", affinity, " (only to --affinity uniform)");
    if (c.affinity == AffinityKind::multiscale && c.perplexities.empty())
        usage_fail("--affinity multiscale needs --perplexities P1,P2,... (e.g. 30,300)");
}

bool given(const Config& c, const char* opt) { return std::find(c.given.begin(), c.given.end(), opt) != c.given.end(); }

/// Options a transform (--reference-data) takes; its schedule defaults are the library's
/// TransformOptions, not the embedding's (perplexity 5, 250 iterations, learning rate 0.1, ...).
void check_transform(Config& c) {
    const bool data = !c.reference_data.empty(), emb = !c.reference_embedding.empty();
    for (const char* opt : {"--transform-neighbors", "--transform-init"})
        if (given(c, opt) && !data && !emb) usage_fail(opt, " needs --reference-data and --reference-embedding");
    if (!data && !emb) return;
    if (!data || !emb) usage_fail(data ? "--reference-data needs --reference-embedding" : "--reference-embedding needs --reference-data");
    if (c.input_kind != InputKind::data || c.input.empty())
        usage_fail("a transform places the rows of --input into the reference embedding: give --input FILE",
                   c.input_option.empty() || c.input_option == "--input" ? "" : std::string(", not ") + c.input_option);
    static const char* const allowed[] = {
        "--input", "--shape", "--reference-data", "--reference-embedding", "--transform-neighbors", "--transform-init",
        "--output", "--plot", "--plot-size", "--dims", "--metric", "--perplexity", "--iterations", "--learning-rate",
        "--exaggeration", "--momentum", "--max-step-norm", "--theta", "--dof", "--threads", "--kl-every",
        "--verbose", "--quiet"};
    for (const std::string& opt : c.given)
        if (std::find_if(std::begin(allowed), std::end(allowed), [&](const char* a) { return opt == a; }) == std::end(allowed))
            usage_fail(opt, " does not apply to a transform (--reference-data)");
    const tsne::TransformOptions d;
    if (!given(c, "--perplexity")) c.perplexity = d.perplexity;
    if (!given(c, "--iterations")) c.iterations = d.iterations;
    if (!given(c, "--exaggeration")) c.exaggeration = d.exaggeration;
    if (!given(c, "--momentum")) c.momentum = d.momentum;
    if (!given(c, "--max-step-norm")) c.gains.max_step_norm = d.max_step_norm;
    if (!given(c, "--learning-rate")) c.learning_rate = d.learning_rate;
    else if (c.learning_rate == tsne::auto_learning_rate) usage_fail("--learning-rate auto does not apply to a transform");
    c.exaggeration_iterations = 0;  // one phase
    if (c.perplexity > c.transform_neighbors) {
        char msg[160];
        std::snprintf(msg, sizeof msg, "--perplexity %g is larger than --transform-neighbors (%d): give "
                      "--transform-neighbors of at least the perplexity", c.perplexity, c.transform_neighbors);
        usage_fail(msg);
    }
}

Action parse_args(int argc, char** argv, Config& c) {
    std::vector<std::string> inputs;  // input options, as given
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg.size() < 3 || arg.compare(0, 2, "--") != 0)
            usage_fail("unexpected argument ", in_quotes(arg), " (options start with --; see tsne --help)");
        std::optional<std::string> inline_value;
        if (const auto eq = arg.find('='); eq != std::string::npos) {
            inline_value = arg.substr(eq + 1);
            arg.resize(eq);
        }
        // Flags.
        if (arg == "--help" || arg == "--version" || arg == "--verbose" || arg == "--quiet" ||
            arg == "--no-symmetrize" || arg == "--no-normalize") {
            if (inline_value) usage_fail(arg, " takes no value");
            if (arg == "--help") return Action::help;
            if (arg == "--version") return Action::version;
            c.given.push_back(arg);
            if (arg == "--no-symmetrize") c.symmetrize = false;
            else if (arg == "--no-normalize") c.normalize = false;
            else (arg == "--verbose" ? c.verbose : c.quiet) = true;
            continue;
        }
        static const char* const valued[] = {
            "--input",      "--distances",    "--knn-graph",  "--affinities",   "--points",
            "--output",     "--labels",       "--plot",       "--save-knn",     "--dims",
            "--knn",        "--metric",       "--affinity",   "--perplexity",   "--perplexities",
            "--uniform-k",  "--iterations",   "--exaggeration-iterations",      "--exaggeration",
            "--learning-rate", "--seed",      "--threads",    "--init",         "--method",
            "--theta",      "--shape",        "--animate",    "--report",       "--snapshots",
            "--color",      "--color-k",      "--plot-size",  "--animate-size", "--frame-delay",
            "--momentum",   "--final-momentum", "--max-step-norm", "--gains",   "--kl-every",
            "--init-std",   "--pca-exact-max-dims", "--pca-power-iterations",   "--exact-below",
            "--bh-leaf-size", "--bh-group-size", "--knn-vp-max-dims", "--knn-exact-max-points",
            "--ivf-clusters", "--ivf-probes", "--ivf-kmeans-iterations", "--ivf-refine",
            "--ivf-refine-width", "--sigma-tolerance", "--sigma-max-steps", "--animate-view", "--early-stop",
            "--fft-nodes",    "--fft-box-width", "--late-exaggeration", "--late-exaggeration-start", "--dof",
            "--load-state", "--save-state", "--reference-data", "--reference-embedding",
            "--transform-neighbors", "--transform-init"};
        bool known = false;
        for (const char* name : valued) known = known || arg == name;
        if (!known) usage_fail("unknown option ", in_quotes(arg), " (see tsne --help)");
        std::string v;
        if (inline_value) {
            v = *inline_value;
        } else {
            if (i + 1 >= argc) usage_fail(arg, " needs a value");
            v = argv[++i];
        }
        c.given.push_back(arg);
        if (arg == "--input" || arg == "--distances" || arg == "--knn-graph" || arg == "--affinities" ||
            arg == "--load-state") {
            if (v.empty()) usage_fail(arg, " needs a non-empty file name");
            if (std::find(inputs.begin(), inputs.end(), arg) == inputs.end()) inputs.push_back(arg);
            c.input = v;
            c.input_option = arg;
            c.input_kind = arg == "--input"        ? InputKind::data
                           : arg == "--distances"  ? InputKind::distances
                           : arg == "--knn-graph"  ? InputKind::knn_graph
                           : arg == "--affinities" ? InputKind::affinities
                                                   : InputKind::state;
        } else if (arg == "--output" || arg == "--labels" || arg == "--plot" || arg == "--save-knn" ||
                   arg == "--animate" || arg == "--report" || arg == "--save-state") {
            if (v.empty()) usage_fail(arg, " needs a non-empty file name");
            (arg == "--output"   ? c.output
             : arg == "--labels" ? c.labels
             : arg == "--plot"   ? c.plot
             : arg == "--animate" ? c.animate
             : arg == "--report" ? c.report
             : arg == "--save-state" ? c.save_state
                                 : c.save_knn) = v;
        } else if (arg == "--shape") {
            const auto comma = v.find(',');
            if (comma == std::string::npos) usage_fail("--shape must be N,D (rows,columns), got ", in_quotes(v));
            c.shape_rows = static_cast<std::uint64_t>(parse_integer(arg, v.substr(0, comma), 2, 2147483646LL));
            c.shape_cols = static_cast<std::uint64_t>(parse_integer(arg, v.substr(comma + 1), 1, 1LL << 40));
        } else if (arg == "--early-stop") {
            c.early_stop = parse_positive(arg, v);
        } else if (arg == "--animate-view") {
            if (v == "grow") c.animate_fixed = false;
            else if (v == "fixed") c.animate_fixed = true;
            else usage_fail("--animate-view must be grow or fixed, got ", in_quotes(v));
        } else if (arg == "--snapshots") {
            c.snapshots = static_cast<int>(parse_integer(arg, v, 1, 100000000));
        } else if (arg == "--color") {
            if (v == "labels") c.color = ColorKind::labels;
            else if (v == "distortion") c.color = ColorKind::distortion;
            else if (v == "preservation") c.color = ColorKind::preservation;
            else if (v == "embedding3d") c.color = ColorKind::embedding3d;
            else if (v == "none") c.color = ColorKind::none;
            else usage_fail("--color must be labels, distortion, preservation, embedding3d or none, got ", in_quotes(v));
        } else if (arg == "--color-k") {
            c.color_k = static_cast<std::size_t>(parse_integer(arg, v, 1, 1000));
        } else if (arg == "--plot-size") {
            c.plot_size = static_cast<int>(parse_integer(arg, v, 200, 8000));
        } else if (arg == "--animate-size") {
            c.animate_size = static_cast<int>(parse_integer(arg, v, 100, 4000));
        } else if (arg == "--frame-delay") {
            c.frame_delay = static_cast<int>(parse_integer(arg, v, 1, 1000));
        } else if (arg == "--momentum" || arg == "--final-momentum") {
            const double m = parse_non_negative(arg, v);
            if (!(m < 1)) usage_fail(arg, " must be in [0, 1), got ", in_quotes(v));
            (arg == "--momentum" ? c.momentum : c.final_momentum) = m;
        } else if (arg == "--max-step-norm") {
            c.gains.max_step_norm = parse_non_negative(arg, v);
        } else if (arg == "--gains") {
            const std::vector<double> g = parse_positive_list(arg, v);
            if (g.size() != 3 || !(g[1] < 1) || !(g[2] < 1))
                usage_fail("--gains must be UP,DOWN,MIN with UP > 0 and 0 < DOWN, MIN < 1 (e.g. 0.2,0.8,0.01), got ",
                           in_quotes(v));
            c.gains.gain_up = g[0];
            c.gains.gain_down = g[1];
            c.gains.min_gain = g[2];
        } else if (arg == "--kl-every") {
            c.kl_every = static_cast<int>(parse_integer(arg, v, 0, 100000000));
        } else if (arg == "--init-std") {
            c.init_std = parse_positive(arg, v);
        } else if (arg == "--pca-exact-max-dims") {
            c.pca.exact_max_dims = static_cast<Eigen::Index>(parse_integer(arg, v, 1, 1LL << 40));
        } else if (arg == "--pca-power-iterations") {
            c.pca.power_iterations = static_cast<int>(parse_integer(arg, v, 0, 1000));
        } else if (arg == "--exact-below") {
            c.repulsion.exact_below = static_cast<std::size_t>(parse_integer(arg, v, 0, 2147483646LL));
        } else if (arg == "--bh-leaf-size") {
            c.repulsion.barnes_hut.leaf_size = static_cast<int>(parse_integer(arg, v, 1, 1 << 20));
        } else if (arg == "--bh-group-size") {
            c.repulsion.barnes_hut.group_size = static_cast<int>(parse_integer(arg, v, 1, 1 << 24));
        } else if (arg == "--knn-vp-max-dims") {
            c.auto_knn.vp_max_dims = static_cast<std::size_t>(parse_integer(arg, v, 0, 1LL << 40));
        } else if (arg == "--knn-exact-max-points") {
            c.auto_knn.exact_max_points = static_cast<std::size_t>(parse_integer(arg, v, 0, 2147483646LL));
        } else if (arg == "--ivf-clusters") {
            c.ivf.clusters = static_cast<std::size_t>(parse_integer(arg, v, 0, 2147483646LL));
        } else if (arg == "--ivf-probes") {
            c.ivf.probes = static_cast<std::size_t>(parse_integer(arg, v, 1, 2147483646LL));
        } else if (arg == "--ivf-kmeans-iterations") {
            c.ivf.kmeans_iterations = static_cast<int>(parse_integer(arg, v, 0, 10000));
        } else if (arg == "--ivf-refine") {
            c.ivf.refine = static_cast<int>(parse_integer(arg, v, 0, 100));
        } else if (arg == "--ivf-refine-width") {
            c.ivf.refine_width = static_cast<std::size_t>(parse_integer(arg, v, 1, 100000));
        } else if (arg == "--sigma-tolerance") {
            c.sigma.tolerance = parse_positive(arg, v);
        } else if (arg == "--sigma-max-steps") {
            c.sigma.max_steps = static_cast<int>(parse_integer(arg, v, 1, 100000));
        } else if (arg == "--dims") {
            if (v != "1" && v != "2" && v != "3") usage_fail("--dims must be 1, 2 or 3, got ", in_quotes(v));
            c.dims = v[0] - '0';
        } else if (arg == "--knn") {
            if (v == "auto") c.knn = KnnKind::automatic;
            else if (v == "exact") c.knn = KnnKind::exact;
            else if (v == "vptree") c.knn = KnnKind::vptree;
            else if (v == "approx") c.knn = KnnKind::approx;
            else usage_fail("--knn must be auto, exact, vptree or approx, got ", in_quotes(v));
        } else if (arg == "--metric") {
            if (v == "euclidean") c.metric = MetricKind::euclidean;
            else if (v == "cosine") c.metric = MetricKind::cosine;
            else usage_fail("--metric must be euclidean or cosine, got ", in_quotes(v));
        } else if (arg == "--affinity") {
            if (v == "perplexity") c.affinity = AffinityKind::perplexity;
            else if (v == "multiscale") c.affinity = AffinityKind::multiscale;
            else if (v == "uniform") c.affinity = AffinityKind::uniform;
            else usage_fail("--affinity must be perplexity, multiscale or uniform, got ", in_quotes(v));
        } else if (arg == "--perplexity") {
            c.perplexity = parse_positive(arg, v);
        } else if (arg == "--perplexities") {
            c.perplexities = parse_positive_list(arg, v);
        } else if (arg == "--uniform-k") {
            c.uniform_k = static_cast<std::size_t>(parse_integer(arg, v, 1, 2147483645LL));
        } else if (arg == "--points") {
            c.points = static_cast<std::size_t>(parse_integer(arg, v, 2, 2147483646LL));
        } else if (arg == "--iterations") {
            c.iterations = static_cast<int>(parse_integer(arg, v, 0, 100000000));
        } else if (arg == "--exaggeration-iterations") {
            c.exaggeration_iterations = static_cast<int>(parse_integer(arg, v, 0, 100000000));
        } else if (arg == "--exaggeration") {
            c.exaggeration = parse_positive(arg, v);
        } else if (arg == "--late-exaggeration") {
            c.late_exaggeration = parse_positive(arg, v);
        } else if (arg == "--late-exaggeration-start") {
            c.late_exaggeration_start = static_cast<int>(parse_integer(arg, v, 0, 100000000));
        } else if (arg == "--dof") {
            c.dof = parse_positive(arg, v);
        } else if (arg == "--learning-rate") {
            if (v == "auto") {
                c.learning_rate = tsne::auto_learning_rate;
            } else {
                try {
                    c.learning_rate = parse_positive(arg, v);
                } catch (const UsageError&) {
                    usage_fail("--learning-rate must be auto or a finite number > 0, got ", in_quotes(v));
                }
            }
        } else if (arg == "--seed") {
            c.seed = parse_u64(arg, v);
        } else if (arg == "--threads") {
            c.threads = static_cast<unsigned>(parse_integer(arg, v, 0, 4096));
        } else if (arg == "--init") {
            if (v == "pca") c.init = InitKind::pca;
            else if (v == "random") c.init = InitKind::random;
            else usage_fail("--init must be pca or random, got ", in_quotes(v));
        } else if (arg == "--method") {
            if (v == "auto") c.method = tsne::Method::automatic;
            else if (v == "exact") c.method = tsne::Method::exact;
            else if (v == "bh" || v == "barnes-hut") c.method = tsne::Method::barnes_hut;
            else if (v == "fft") c.method = tsne::Method::fft;
            else usage_fail("--method must be auto, exact, bh or fft, got ", in_quotes(v));
        } else if (arg == "--theta") {
            c.theta = parse_non_negative(arg, v);
        } else if (arg == "--fft-nodes") {
            c.fft_nodes = static_cast<int>(parse_integer(arg, v, 2, 12));
        } else if (arg == "--fft-box-width") {
            c.fft_box_width = parse_non_negative(arg, v);
        } else if (arg == "--reference-data" || arg == "--reference-embedding") {
            if (v.empty()) usage_fail(arg, " needs a non-empty file name");
            (arg == "--reference-data" ? c.reference_data : c.reference_embedding) = v;
        } else if (arg == "--transform-neighbors") {
            c.transform_neighbors = static_cast<int>(parse_integer(arg, v, 1, 100000));
        } else if (arg == "--transform-init") {
            if (v == "weighted") c.transform_init = tsne::TransformInit::weighted;
            else if (v == "median") c.transform_init = tsne::TransformInit::median;
            else usage_fail("--transform-init must be weighted or median, got ", in_quotes(v));
        }
    }
    check_transform(c);
    if (inputs.empty())
        usage_fail("missing input: give one of --input, --distances, --knn-graph, --affinities or --load-state "
                   "(see tsne --help)");
    if (inputs.size() > 1)
        usage_fail(inputs[0], " and ", inputs[1], " exclude each other: give exactly one input");
    if (c.output.empty() && c.plot.empty() && c.animate.empty() && c.report.empty() && c.save_state.empty())
        usage_fail("nothing to write: give --output, --plot, --animate, --report or --save-state (see tsne --help)");
    check_applicable(c);
    const auto given = [&](const char* opt) { return std::find(c.given.begin(), c.given.end(), opt) != c.given.end(); };
    // A saved run continues without early exaggeration unless asked for (see --help).
    if (c.input_kind == InputKind::state && !given("--exaggeration-iterations")) c.exaggeration_iterations = 0;
    if (c.verbose && c.quiet) usage_fail("--verbose and --quiet exclude each other");
    if (!c.labels.empty() && c.plot.empty() && c.animate.empty() && c.report.empty())
        usage_fail("--labels is only used with --plot, --animate or --report");
    if (c.shape_rows != 0 && looks_like_npy_name(c.input))
        usage_fail("--shape is for headerless float32 files, but ", c.input, " is named .npy (whose header has the shape)");
    if (!c.plot.empty() || !c.animate.empty()) {
#if !TSNE_HAVE_STB
        usage_fail(c.plot.empty() ? "--animate" : "--plot",
                   " is unavailable: this tsne was built without stb (Debian: libstb-dev)");
#endif
        if (c.dims < 2) usage_fail(c.plot.empty() ? "--animate" : "--plot", " needs --dims 2 or 3");
    }
    if ((given("--color") || given("--color-k")) && c.plot.empty()) usage_fail("--color and --color-k need --plot");
    if (given("--plot-size") && c.plot.empty()) usage_fail("--plot-size needs --plot");
    if (c.color == ColorKind::labels && c.labels.empty()) usage_fail("--color labels needs --labels FILE");
    if ((c.color == ColorKind::distortion || c.color == ColorKind::preservation) && c.input_kind != InputKind::data)
        usage_fail("--color distortion and preservation need the data (--input), not ", c.input_option);
    if (c.color == ColorKind::embedding3d && c.dims != 3)
        usage_fail("--color embedding3d needs --dims 3 (the three coordinates become red, green and blue)");
    if ((given("--snapshots") || given("--animate-size") || given("--frame-delay") || given("--animate-view")) &&
        c.animate.empty())
        usage_fail("--snapshots, --animate-size, --animate-view and --frame-delay need --animate FILE");
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
    check_distinct_files(c);
    return Action::run;
}

tsne::Options make_options(const Config& c) {
    tsne::Options o;
    o.iterations = c.iterations;
    o.early_exaggeration_iterations = c.exaggeration_iterations;
    o.early_exaggeration = c.exaggeration;
    o.late_exaggeration = c.late_exaggeration;
    o.late_exaggeration_start = c.late_exaggeration_start;
    o.dof = c.dof;
    o.learning_rate = c.learning_rate;
    o.momentum = c.momentum;
    o.final_momentum = c.final_momentum;
    o.kl_every = c.kl_every;
    o.seed = c.seed;
    o.threads = c.threads;
    return o;
}

// ---- policies ---------------------------------------------------------------------------------
// Each policy setter of the builder changes its type, so one instantiation per combination of
// --knn x --metric x --affinity x --init x --dims x float/double would be 216 builders. Instead,
// the choices that only configure a stage are single policy types switching at run time over the
// library's own policies (std::visit with generic lambdas); only the metric (which the neighbour
// searches take as a type), Dims and the scalar type are template parameters: 12 builders.

/// The graph the neighbour search returned, kept for --save-knn.
using SavedKnn = std::variant<std::monostate, tsne::KnnGraph<float>, tsne::KnnGraph<double>>;

/// --knn: AutoNeighbors, BruteForce, VPTree or IVF, chosen at run time; optionally keeps the graph.
struct CliNeighbors {
    std::variant<tsne::AutoNeighbors, tsne::BruteForce, tsne::VPTree, tsne::IVF> search;
    std::shared_ptr<SavedKnn> saved;

    template <class T, class Metric, class Exec>
    tsne::KnnGraph<T> operator()(const tsne::MatrixRef<T>& X, std::size_t k, const Metric& metric, Exec& ex) const {
        tsne::KnnGraph<T> g = std::visit(
            [&](const auto& s) -> tsne::KnnGraph<T> {
                if constexpr (std::is_same_v<std::decay_t<decltype(s)>, tsne::VPTree> &&
                              !tsne::traits::is_euclidean_embeddable<Metric>::value)
                    throw UsageError("--knn vptree needs a metric with a Euclidean form");
                else
                    return s(X, k, metric, ex);
            },
            search);
        if (saved) *saved = g;
        return g;
    }
};

/// --affinity: Perplexity, MultiscalePerplexity or Uniform, chosen at run time.
struct CliAffinity {
    std::variant<tsne::Perplexity, tsne::MultiscalePerplexity, tsne::Uniform> policy;

    std::size_t neighbors(std::size_t n) const {
        return std::visit([n](const auto& a) { return a.neighbors(n); }, policy);
    }
    template <class T, class Exec>
    tsne::Affinities<T> operator()(const tsne::KnnGraph<T>& g, Exec& ex) const {
        return std::visit([&](const auto& a) { return a(g, ex); }, policy);
    }
};

/// --init: PCA or RandomInit, chosen at run time (both also work without data).
struct CliInit {
    std::variant<tsne::PCA, tsne::RandomInit> policy;

    template <class T, int Dims, class Exec>
    void operator()(const tsne::MatrixRef<T>& X, tsne::Embedding<T, Dims>& Y, std::uint64_t seed, Exec& ex) const {
        std::visit([&](const auto& init) { init(X, Y, seed, ex); }, policy);
    }
    template <class T, int Dims, class Exec>
    void operator()(tsne::Embedding<T, Dims>& Y, std::uint64_t seed, Exec& ex) const {
        std::visit([&](const auto& init) { init(Y, seed, ex); }, policy);
    }
};

struct Policies {
    CliNeighbors neighbors;
    CliAffinity affinity;
    CliInit init;
    std::variant<tsne::Euclidean, tsne::Cosine> metric;
};

Policies make_policies(const Config& c) {
    Policies p;
    switch (c.knn) {
        case KnnKind::automatic: {
            tsne::AutoNeighbors a = c.auto_knn;
            a.approximate = c.ivf;
            p.neighbors.search = a;
            break;
        }
        case KnnKind::exact: p.neighbors.search = tsne::BruteForce{}; break;
        case KnnKind::vptree: p.neighbors.search = tsne::VPTree{}; break;
        case KnnKind::approx: p.neighbors.search = c.ivf; break;
    }
    // The graph is kept for --save-knn, and reused by the diagnostics (Euclidean only).
    if (!c.save_knn.empty() || (c.metric == MetricKind::euclidean && c.input_kind == InputKind::data))
        p.neighbors.saved = std::make_shared<SavedKnn>();
    switch (c.affinity) {
        case AffinityKind::perplexity: {
            tsne::Perplexity a = c.sigma;
            a.perplexity = c.perplexity;
            p.affinity.policy = a;
            break;
        }
        case AffinityKind::multiscale: {
            tsne::MultiscalePerplexity m;
            m.perplexities = c.perplexities;
            m.tolerance = c.sigma.tolerance;
            m.max_steps = c.sigma.max_steps;
            p.affinity.policy = m;
            break;
        }
        case AffinityKind::uniform: p.affinity.policy = tsne::Uniform{c.uniform_k}; break;
    }
    tsne::PCA pca = c.pca;
    pca.std = c.init_std;
    p.init.policy = pca;
    if (c.init == InitKind::random) p.init.policy = tsne::RandomInit{c.init_std};
    if (c.metric == MetricKind::cosine) p.metric = tsne::Cosine{};
    return p;
}

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

tsne::AutoRepulsion make_repulsion(const Config& c) {
    tsne::AutoRepulsion repulsion = c.repulsion;
    repulsion.method = c.method;
    repulsion.barnes_hut.theta = c.theta;
    repulsion.fft.nodes_per_box = c.fft_nodes;
    repulsion.fft.max_box_width = c.fft_box_width;
    return repulsion;
}


template <class T, int Dims>
LoadedRun load_run(std::istream& is, const Config& c) {
    LoadedRun loaded(std::in_place_type<CliRun<T, Dims>>,
                     CliRun<T, Dims>::load(is, make_repulsion(c), c.gains, c.threads));
    if (given(c, "--dof")) std::get<CliRun<T, Dims>>(loaded).set_dof(c.dof);
    return loaded;
}

/// --load-state: the value size and dimension from the header (Run::save's format, see
/// docs/parameters.md), then the run of that type. A dimension other than --dims is a usage error.
LoadedRun load_state(const Config& c) {
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
    if (given(c, "--dims") && static_cast<std::uint32_t>(c.dims) != dims)
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

Input read_input(const Config& c) {
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
void check_input_intact(const Input& in, Stage& stage) {
    if (in.mapped && in.mapped->file->truncated()) {
        stage = Stage::reading;
        throw tsnex::io_error(in.mapped->file->path() + ": was truncated while in use (the file shrank during the run)");
    }
}

// ---- the run ----------------------------------------------------------------------------------

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// The builder with the command line's policies and options.
template <class Builder>
auto configure(const Builder& builder, const Config& c, const Policies& p) {
    auto b = builder.neighbors(p.neighbors)
                 .affinity(p.affinity)
                 .init(p.init)
                 .repulsion(make_repulsion(c))
                 .optimizer(c.gains);
    b.options(make_options(c));
    return b;
}

/// --input: the metric is the one policy dispatched as a type (the searches need it). X is viewed
/// (tsne::embed of a row-major Map), never copied.
template <int Dims, class T>
auto prepare_data(const tsnex::ConstMap<T>& X, const Config& c, const Policies& p) {
    const auto builder = configure(tsne::embed<Dims>(X), c, p);
    return std::visit([&](const auto& metric) { return builder.metric(metric).prepare(); }, p.metric);
}

/// --distances, --knn-graph, --affinities (float32).
template <int Dims>
auto prepare_precomputed(Input& in, const Config& c, const Policies& p) {
    switch (c.input_kind) {
        case InputKind::distances:
            return configure(tsne::embed_distances<Dims>(in.distances), c, p).prepare();
        case InputKind::knn_graph:
            return configure(tsne::embed_knn<Dims>(std::move(in.graph)), c, p).prepare();
        default:
            return configure(tsne::embed_affinities<Dims>(std::move(in.affinities),
                                                          tsne::PrecomputedAffinities{c.symmetrize, c.normalize}),
                             c, p)
                .prepare();
    }
}

/// A progress bar on stderr (only used when stderr is a terminal): iterations done, the current
/// phase, the last KL divergence and the estimated time left, redrawn at most ten times a second.
struct ProgressBar {
    int first = 0, total = 0;  ///< iteration count at the start (a loaded run's) and at the end
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now(), last_draw{};
    double kl = std::numeric_limits<double>::quiet_NaN();

    template <class T, int Dims>
    void on_iteration(const tsne::Status<T, Dims>& s) {
        if (s.has_kl()) kl = s.kl;
        const auto now = std::chrono::steady_clock::now();
        if (s.iteration != total && now - last_draw < std::chrono::milliseconds(100)) return;
        last_draw = now;
        const double elapsed = std::chrono::duration<double>(now - start).count();
        const double frac = total > first ? static_cast<double>(s.iteration - first) / (total - first) : 1.0;
        const int width = 30, filled = static_cast<int>(frac * width);
        std::string bar(static_cast<std::size_t>(filled), '#');
        bar.resize(width, '-');
        char eta[32] = "";
        if (s.iteration > first && s.iteration < total)
            std::snprintf(eta, sizeof eta, "ETA %.0f s", elapsed / frac * (1 - frac));
        else if (s.iteration >= total)
            std::snprintf(eta, sizeof eta, "%.1f s", elapsed);
        char klbuf[32] = "KL   -   ";
        if (!std::isnan(kl)) std::snprintf(klbuf, sizeof klbuf, "KL %.4f", kl);
        std::fprintf(stderr, "\rtsne [%s] %5d/%d %s %s %-14s", bar.c_str(), s.iteration, total,
                     s.exaggeration != 1.0 ? "(early)" : "       ", klbuf, eta);
        std::fflush(stderr);
    }
    void finish() const { std::fputc('\n', stderr); }
};

bool stderr_is_terminal() {
#if TSNE_CLI_HAVE_ISATTY
    return isatty(STDERR_FILENO) == 1;
#else
    return false;
#endif
}

/// The progress bar (and the line before it) only on a terminal, and not with --quiet/--verbose.
bool show_progress_bar(const Config& c) { return !c.quiet && !c.verbose && stderr_is_terminal(); }

/// On a terminal, says what runs before the first iteration (the neighbour search can take a
/// while); the progress bar overwrites the line.
void announce_preparation(const Config& c) {
    if (!show_progress_bar(c)) return;
    std::fprintf(stderr, "\rtsne: finding neighbours, affinities and the initial embedding ...");
    std::fflush(stderr);
}

/// What a run produced: the embedding (float or double, N x dims), its snapshots, the scores.
struct Result {
    tsnex::Matrix Y;
    std::vector<std::pair<int, tsnex::Matrix>> frames;  ///< (iteration, embedding)
    double kl = 0;
    bool kl_exact = false;
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

/// The kNN graph of X for the diagnostics: the run's own (Euclidean, nearest first) when it has
/// at least k neighbours, else a new search with the run's --knn choice.
template <class T, class Exec>
tsne::KnnGraph<T> data_graph(const tsnex::ConstMap<T>& X, std::size_t k, const Policies& p, Exec& ex) {
    if (p.neighbors.saved)
        if (const auto* g = std::get_if<tsne::KnnGraph<T>>(p.neighbors.saved.get()); g && g->k >= k) return *g;
    CliNeighbors search{p.neighbors.search, nullptr};
    return search(tsne::MatrixRef<T>(X), k, tsne::Euclidean{}, ex);
}

/// Per-point scores and summary scores, as --color, --report and --labels ask.
template <class T, class Exec>
void diagnose(const Config& c, const tsnex::ConstMap<T>* X, const tsne::RowMatrix<T>& Y, const Policies& p,
              const std::vector<int>& labels, Exec& ex, Result& r) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::size_t n = static_cast<std::size_t>(Y.rows());
    const bool want_scores = c.color == ColorKind::distortion || c.color == ColorKind::preservation;
    const bool want_report = !c.report.empty();
    if (c.color == ColorKind::embedding3d) r.colors = tsne::embedding_colors(Y);
    if (want_report && !labels.empty()) {
        const std::size_t k = std::min<std::size_t>(10, n - 1);
        const auto gy = tsne::AutoNeighbors{}(tsne::MatrixRef<T>(Y), k, tsne::Euclidean{}, ex);
        r.accuracy10 = tsne::knn_label_accuracy(gy, labels, k);
    }
    if (X && (want_scores || want_report)) {
        const std::size_t k = std::min<std::size_t>(want_scores ? std::max<std::size_t>(c.color_k, 10) : 10, n - 1);
        const tsne::KnnGraph<T> gx = data_graph(*X, k, p, ex);
        const auto gy = tsne::AutoNeighbors{}(tsne::MatrixRef<T>(Y), k, tsne::Euclidean{}, ex);
        const std::size_t kc = std::min(c.color_k, n - 1);
        if (c.color == ColorKind::preservation) r.preservation = tsne::knn_preservation(gx, gy, kc);
        if (c.color == ColorKind::distortion) r.distortion = tsne::neighborhood_distortion(*X, gx, gy, kc, ex);
        if (want_report) {
            const std::size_t k10 = std::min<std::size_t>(10, n - 1);
            const auto pres = tsne::knn_preservation(gx, gy, k10);
            double sum = 0;
            for (double v : pres) sum += v;
            r.recall10 = sum / static_cast<double>(n);
            if (2 * k10 < n) {
                // Exact up to 5,000 points; above, a subset sized to about 2e9 distance terms.
                const double cost = static_cast<double>(n) * static_cast<double>(X->cols() + 10);
                const std::size_t sample =
                    n <= 5000 ? 0 : static_cast<std::size_t>(std::clamp(2e9 / cost, 200.0, static_cast<double>(n)));
                r.trust_points = sample == 0 ? n : sample;
                r.trustworthiness10 = tsne::trustworthiness(*X, Y, k10, ex, sample);
            }
        }
    }
    r.diagnostics_seconds = seconds_since(t0);
}

template <int Dims, class RunT>
void optimize(RunT& run, const Config& c, Result& r) {
    using T = typename std::decay_t<decltype(run.embedding())>::Scalar;
    const tsne::Options options = make_options(c);
    r.start_iteration = run.iteration();
    if (c.verbose) {
        const auto& d = run.affinities().diagnostics;
        if (c.input_kind == InputKind::state)
            std::fprintf(stderr, "tsne: continuing after iteration %d (dof %g)", run.iteration(), run.dof());
        else
            std::fprintf(stderr, "tsne: neighbors %.3f s, affinities %.3f s, initialization %.3f s",
                         run.timings.neighbors, run.timings.affinities, run.timings.initialization);
        if (c.input_kind == InputKind::affinities || c.input_kind == InputKind::state) std::fprintf(stderr, "\n");
        else if (c.affinity == AffinityKind::uniform) std::fprintf(stderr, " (k = %zu)\n", d.neighbors);
        else std::fprintf(stderr, " (k = %zu, %zu points missed the perplexity)\n", d.neighbors, d.not_converged);
        std::fprintf(stderr, "tsne: repulsion %s\n", tsne::method_name(run.repulsion().chosen));
    }
    tsne::Snapshots<T> snaps(c.snapshots);
    const bool bar = show_progress_bar(c);
    ProgressBar progress;
    progress.first = run.iteration();
    progress.total = run.iteration() + c.iterations;
    tsne::EarlyStop stop;  // every = 0: never stops, asks for no KL
    stop.every = c.early_stop > 0 ? 50 : 0;
    stop.min_relative_improvement = c.early_stop;
    if (c.verbose) tsne::run_schedule(run, options, tsne::progress(50, std::cerr), snaps, stop);
    else if (bar) tsne::run_schedule(run, options, progress, snaps, stop);
    else tsne::run_schedule(run, options, snaps, stop);
    if (c.verbose && run.stopped())
        std::fprintf(stderr, "tsne: --early-stop: the KL improved by less than %g (relative) in 50 iterations\n",
                     c.early_stop);
    if (bar) progress.finish();
    if (c.verbose)
        std::fprintf(stderr, "tsne: optimization %.3f s (%d iterations), final KL %.4f\n", run.timings.optimization,
                     run.iteration() - r.start_iteration, run.last_kl());
    for (auto& f : snaps.frames) r.frames.emplace_back(f.iteration, tsnex::Matrix(std::move(f.Y)));
    r.Y = run.embedding();
    r.kl = run.last_kl();
    if (!c.report.empty() && run.size() <= 30000) {
        r.kl = run.kl();
        r.kl_exact = true;
    }
    r.timings = run.timings;
    r.repulsion = tsne::method_name(run.repulsion().chosen);
    r.threads = run.threads();
    r.iterations = run.iteration();
    r.missed_perplexity = run.affinities().diagnostics.not_converged;
}

/// With --save-state, keeps the finished run until the outputs are written (the state is written
/// with them, so a failure there is an output error and leaves no file).
template <class RunT>
void keep_for_saving(RunT&& run, const Config& c, Result& r) {
    if (c.save_state.empty()) return;
    auto kept = std::make_shared<std::decay_t<RunT>>(std::move(run));
    r.save_state = [kept](std::ostream& os) { kept->save(os); };
}

template <int Dims>
Result embed(Input& in, const Config& c, const Policies& p, const std::vector<int>& labels) {
    Result r;
    tsne::Executor ex(c.threads);
    if (c.input_kind == InputKind::data) {
        std::visit(
            [&](const auto& X) {
                using T = typename std::decay_t<decltype(X)>::Scalar;
                announce_preparation(c);
                auto run = prepare_data<Dims>(X, c, p);
                optimize<Dims>(run, c, r);
                diagnose<T>(c, &X, std::get<tsne::RowMatrix<T>>(r.Y), p, labels, ex, r);
                keep_for_saving(std::move(run), c, r);
            },
            in.view());
    } else if (c.input_kind == InputKind::state) {
        std::visit(
            [&](auto& run) {  // the run lives in `in` until the end
                using Shape = run_shape<std::decay_t<decltype(run)>>;
                if constexpr (Shape::dims == Dims) {
                    using T = typename Shape::scalar;
                    optimize<Dims>(run, c, r);
                    diagnose<T>(c, nullptr, std::get<tsne::RowMatrix<T>>(r.Y), p, labels, ex, r);
                    if (!c.save_state.empty()) r.save_state = [&run](std::ostream& os) { run.save(os); };
                }
            },
            *in.run);
    } else {
        announce_preparation(c);
        auto run = prepare_precomputed<Dims>(in, c, p);
        optimize<Dims>(run, c, r);
        diagnose<float>(c, nullptr, std::get<tsne::RowMatrix<float>>(r.Y), p, labels, ex, r);
        keep_for_saving(std::move(run), c, r);
    }
    return r;
}

/// Output files, created (as temporaries) before the work so an unwritable destination fails fast.
struct Outputs {
    std::unique_ptr<tsnex::PendingFile> csv, png, knn, gif, report, state;
    std::vector<std::unique_ptr<tsnex::PendingFile>> frames;  ///< PNG frames (frame 0 up front, the others as rendered)
};

#if TSNE_HAVE_STB
/// How --plot colours the points (see --help).
tsnex::Coloring plot_coloring(const Config& c, const Result& r, const tsne::RowMatrix<double>& Y,
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

std::string base_name(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

void write_pictures(const Config& c, const Result& r, const std::vector<int>& labels, Outputs& out) {
    const auto as_double = [](const tsnex::Matrix& m) {
        return std::visit([](const auto& y) { return tsne::RowMatrix<double>(y.template cast<double>()); }, m);
    };
    const std::string name = base_name(c.input);
    if (out.png) {
        const tsne::RowMatrix<double> Y = as_double(r.Y);
        tsnex::ScatterStyle style;
        style.size = c.plot_size;
        const std::string title = "t-SNE of " + name + (c.dims == 3 ? " (x, y of 3-D)" : "");
        tsnex::write_png(*out.png, tsnex::render_scatter(Y, plot_coloring(c, r, Y, labels), title, style));
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
#endif

/// JSON string literal (escapes quotes, backslashes and control characters).
std::string json_string(const std::string& s) {
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

std::string json_number(std::optional<double> v) {
    if (!v || !std::isfinite(*v)) return "null";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", *v);
    return buf;
}

void write_report(std::FILE* f, const Config& c, const Input& in, const Result& r, double read_seconds,
                  double total_seconds) {
    std::fprintf(f, "{\n");
    std::fprintf(f, "  \"input\": %s,\n  \"input_kind\": %s,\n", json_string(c.input).c_str(),
                 json_string(c.input_option.substr(2)).c_str());
    std::fprintf(f, "  \"points\": %zu,\n  \"dims\": %d,\n  \"iterations\": %d,\n", in.points, c.dims, r.iterations);
    std::fprintf(f, "  \"repulsion\": %s,\n  \"threads\": %u,\n", json_string(r.repulsion).c_str(), r.threads);
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
void write_state(tsnex::PendingFile& out, const std::function<void(std::ostream&)>& save) {
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
void write_embedding(const Outputs& out, const tsnex::Matrix& Y) {
    if (out.csv) std::visit([&](const auto& y) { tsnex::write_matrix(*out.csv, y); }, Y);
}

/// --output -: the embedding as CSV on standard output, after the files are in place (a stream
/// cannot be taken back, so it comes last).
void write_stdout(const Config& c, const tsnex::Matrix& Y) {
    if (c.output == "-") std::visit([](const auto& y) { tsnex::write_csv("-", y); }, Y);
}

/// Moves every output file into place, all or none (tsnex::commit_all).
void commit_outputs(Outputs& out) {
    std::vector<tsnex::PendingFile*> all;
    for (auto* f : {&out.knn, &out.png, &out.gif, &out.report, &out.state, &out.csv})
        if (*f) all.push_back(f->get());
    for (auto& f : out.frames) all.push_back(f.get());
    tsnex::commit_all(all);
}

/// "out.csv, p.png": the output files given, for the summary line.
std::string wrote_list(std::initializer_list<const std::string*> files) {
    std::string wrote;
    for (const std::string* f : files)
        if (!f->empty()) wrote += (wrote.empty() ? "" : ", ") + (*f == "-" ? std::string("stdout") : *f);
    return wrote;
}

// ---- transform (--reference-data, --reference-embedding) ---------------------------------------

/// The rows of --input placed into the reference embedding (tsne::transform): Y_new and its KL.
template <int Dims, class T>
Result transform_rows(const tsne::MatrixRef<T>& X, const tsne::RowMatrix<T>& X_ref, const tsne::RowMatrix<T>& Y_ref,
                      const Config& c) {
    tsne::TransformOptions o;
    o.perplexity = c.perplexity;
    o.neighbors = c.transform_neighbors;
    o.init = c.transform_init;
    o.iterations = c.iterations;
    o.exaggeration = c.exaggeration;
    o.learning_rate = c.learning_rate;
    o.momentum = c.momentum;
    o.max_step_norm = c.gains.max_step_norm;
    o.theta = c.theta;
    o.dof = c.dof;
    o.threads = c.threads;
    o.kl_every = c.kl_every;
    auto prepare = [&](const auto& metric) {
        return tsne::prepare_transform<Dims, T>(X, X_ref, Y_ref, o, metric);
    };
    const auto t0 = std::chrono::steady_clock::now();
    auto run = c.metric == MetricKind::cosine ? prepare(tsne::Cosine{}) : prepare(tsne::Euclidean{});
    Result r;
    r.timings.neighbors = seconds_since(t0);  // neighbours, affinities and start positions
    if (c.verbose) {
        std::fprintf(stderr, "tsne: transform: %zu new points, %zu reference neighbours each, prepared in %.3f s\n",
                     run.size(), run.k(), r.timings.neighbors);
        run.optimize(c.iterations, tsne::progress(50, std::cerr));
    } else {
        run.optimize(c.iterations);
    }
    r.timings.optimization = run.seconds;
    r.Y = run.embedding();
    r.kl = std::isnan(run.last_kl()) ? run.kl() : run.last_kl();  // --iterations 0: the start's KL
    r.iterations = run.iteration();
    r.threads = c.threads;
    r.repulsion = c.theta > 0 ? "barnes-hut" : "exact";
    return r;
}

template <class T>
tsne::RowMatrix<T> as_scalar(const tsnex::Matrix& m) {
    return std::visit([](const auto& x) { return tsne::RowMatrix<T>(x.template cast<T>()); }, m);
}

/// --input with --reference-data and --reference-embedding: writes the new points' embedding
/// (--output) and a picture of both (--plot: reference 0, new points 1).
int run_transform(Config c, Stage& stage) {
    const auto t0 = std::chrono::steady_clock::now();
    stage = Stage::writing;
    Outputs out;
    if (!c.output.empty() && c.output != "-") out.csv = std::make_unique<tsnex::PendingFile>(c.output);
    if (!c.plot.empty()) out.png = std::make_unique<tsnex::PendingFile>(c.plot);

    stage = Stage::reading;
    Input in = read_input(c);
    const tsnex::Matrix X_ref = tsnex::read_matrix(c.reference_data), Y_ref = tsnex::read_matrix(c.reference_embedding);
    const auto rows = [](const tsnex::Matrix& m) { return std::visit([](const auto& x) { return x.rows(); }, m); };
    const auto cols = [](const tsnex::Matrix& m) { return std::visit([](const auto& x) { return x.cols(); }, m); };
    if (cols(Y_ref) < 1 || cols(Y_ref) > 3)
        throw tsnex::io_error(c.reference_embedding + ": has " + std::to_string(cols(Y_ref)) +
                              " columns; a reference embedding has 1, 2 or 3");
    if (rows(Y_ref) != rows(X_ref))
        throw tsnex::io_error(c.reference_embedding + ": has " + std::to_string(rows(Y_ref)) + " rows but " +
                              c.reference_data + " has " + std::to_string(rows(X_ref)));
    // A width mismatch is bad input (exit 1), found while reading, not a failed run (exit 4).
    const auto in_cols = std::visit([](const auto& x) { return x.cols(); }, in.view());
    if (in_cols != cols(X_ref))
        throw tsnex::io_error(c.input + ": new points have " + std::to_string(in_cols) +
                              " columns but the reference data has " + std::to_string(cols(X_ref)) + " (" +
                              c.reference_data + ")");
    const int dims = static_cast<int>(cols(Y_ref));
    if (given(c, "--dims") && c.dims != dims)
        usage_fail("--dims ", std::to_string(c.dims), " does not match ", c.reference_embedding, " (", std::to_string(dims),
                   " columns); omit --dims with a transform: the reference embedding sets it");
    c.dims = dims;
    if (!c.plot.empty() && dims < 2) usage_fail("--plot needs a 2-D or 3-D reference embedding, ", c.reference_embedding, " is 1-D");
    const double read_seconds = seconds_since(t0);
    if (c.verbose)
        std::fprintf(stderr, "tsne: read %s from %s and a %lld x %d reference in %.3f s\n", in.description.c_str(),
                     c.input.c_str(), static_cast<long long>(rows(X_ref)), dims, read_seconds);

    stage = Stage::computing;
    Result r = std::visit(
        [&](const auto& X) {
            using T = typename std::decay_t<decltype(X)>::Scalar;
            const tsne::RowMatrix<T> Xr = as_scalar<T>(X_ref), Yr = as_scalar<T>(Y_ref);
            const tsne::MatrixRef<T> Xv(X);
            switch (dims) {
                case 1: return transform_rows<1, T>(Xv, Xr, Yr, c);
                case 2: return transform_rows<2, T>(Xv, Xr, Yr, c);
                default: return transform_rows<3, T>(Xv, Xr, Yr, c);
            }
        },
        in.view());

    check_input_intact(in, stage);
    stage = Stage::writing;
#if TSNE_HAVE_STB
    if (out.png) {
        const tsne::RowMatrix<double> Yn = as_scalar<double>(r.Y), Yr = as_scalar<double>(Y_ref);
        tsne::RowMatrix<double> Y(Yr.rows() + Yn.rows(), dims);
        Y << Yr, Yn;
        std::vector<int> labels(static_cast<std::size_t>(Y.rows()), 0);
        std::fill(labels.begin() + Yr.rows(), labels.end(), 1);
        tsnex::ScatterStyle style;
        style.size = c.plot_size;
        tsnex::write_png(*out.png, tsnex::render_scatter(Y, tsnex::Coloring::by_labels(labels),
                                                         "reference (0) and new points (1)", style));
    }
#endif
    write_embedding(out, r.Y);
    commit_outputs(out);
    write_stdout(c, r.Y);
    if (!c.quiet) {
        const std::string wrote = wrote_list({&c.output, &c.plot});
        std::fprintf(stderr, "tsne: placed %s into the %d-D reference embedding in %.2f s, KL %.4f; wrote %s\n",
                     in.description.c_str(), dims, seconds_since(t0), r.kl, wrote.c_str());
    }
    return exit_ok;
}

int run(Config c, Stage& stage) {
    if (!c.reference_data.empty()) return run_transform(std::move(c), stage);
    const auto t0 = std::chrono::steady_clock::now();
    stage = Stage::writing;  // creating the outputs: an unwritable destination fails before the work
    Outputs out;
    if (!c.output.empty() && c.output != "-") out.csv = std::make_unique<tsnex::PendingFile>(c.output);
    if (!c.plot.empty()) out.png = std::make_unique<tsnex::PendingFile>(c.plot);
    if (!c.save_knn.empty()) out.knn = std::make_unique<tsnex::PendingFile>(c.save_knn);
    if (!c.animate.empty() && is_gif_name(c.animate)) out.gif = std::make_unique<tsnex::PendingFile>(c.animate);
    if (!c.report.empty()) out.report = std::make_unique<tsnex::PendingFile>(c.report);
    if (!c.save_state.empty()) out.state = std::make_unique<tsnex::PendingFile>(c.save_state);
    // PNG frames: the first one now, so that an unwritable frame directory fails before the work.
    if (!c.animate.empty() && !is_gif_name(c.animate))
        out.frames.push_back(std::make_unique<tsnex::PendingFile>(frame_name(c.animate, 0)));

    stage = Stage::reading;
    Input in = read_input(c);
    const double read_seconds = seconds_since(t0);
    if (c.verbose)
        std::fprintf(stderr, "tsne: read %s from %s in %.3f s\n", in.description.c_str(), c.input.c_str(), read_seconds);
    if (in.run) {  // --load-state: the dimension is the file's (a different --dims was refused)
        c.dims = std::visit([](const auto& run) { return run_shape<std::decay_t<decltype(run)>>::dims; }, *in.run);
        if (c.dims < 2 && (!c.plot.empty() || !c.animate.empty()))
            usage_fail(c.plot.empty() ? "--animate" : "--plot", " needs a 2-D or 3-D run, but ", c.input,
                       " holds a 1-D run");
    }
    std::vector<int> labels;
    if (!c.labels.empty()) {
        labels = tsnex::read_labels(c.labels);
        if (labels.size() != in.points)
            throw tsnex::io_error(c.labels + ": has " + std::to_string(labels.size()) + " labels but " + c.input +
                                  " has " + std::to_string(in.points) + " points");
    }

    stage = Stage::computing;
    const Policies p = make_policies(c);
    Result r;
    switch (c.dims) {
        case 1: r = embed<1>(in, c, p, labels); break;
        case 2: r = embed<2>(in, c, p, labels); break;
        case 3: r = embed<3>(in, c, p, labels); break;
        default: throw UsageError("--dims must be 1, 2 or 3");
    }

    check_input_intact(in, stage);
    stage = Stage::writing;
    if (out.knn) {
        std::visit(
            [&](const auto& g) {
                if constexpr (!std::is_same_v<std::decay_t<decltype(g)>, std::monostate>)
                    tsnex::write_knn_graph(*out.knn, g);
                else
                    throw std::runtime_error("--save-knn: the run computed no kNN graph");
            },
            *p.neighbors.saved);
    }
#if TSNE_HAVE_STB
    write_pictures(c, r, labels, out);
#endif
    write_embedding(out, r.Y);
    if (out.report) write_report(out.report->stream(), c, in, r, read_seconds, seconds_since(t0));
    if (out.state) write_state(*out.state, r.save_state);
    commit_outputs(out);
    write_stdout(c, r.Y);
    if (!c.quiet) {
        const std::string wrote = wrote_list({&c.output, &c.plot, &c.animate, &c.report, &c.save_knn, &c.save_state});
        std::fprintf(stderr, "tsne: embedded %s into %d-D in %.2f s, KL %.4f; wrote %s\n", in.description.c_str(),
                     c.dims, seconds_since(t0), r.kl, wrote.c_str());
    }
    return exit_ok;
}

/// One line: newlines in a message become spaces.
void print_error(std::string msg) {
    for (char& ch : msg)
        if (ch == '\n' || ch == '\r') ch = ' ';
    std::fflush(stdout);
    std::fprintf(stderr, "tsne: error: %s\n", msg.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    Config c;
    try {
        switch (parse_args(argc, argv, c)) {
            case Action::help: std::fputs(usage_text, stdout); return exit_ok;
            case Action::version:
                std::printf("tsne %s (SIMD: %s)\n", tsne::version_string, tsne::simd::arch_name());
                return exit_ok;
            case Action::run: break;
        }
        make_options(c).validate();
    } catch (const std::exception& e) {
        print_error(e.what());
        return exit_usage;
    }
    Stage stage = Stage::setup;
    try {
        return run(c, stage);
    } catch (const UsageError& e) {
        print_error(e.what());
        return exit_usage;
    } catch (const std::bad_alloc&) {
        print_error("out of memory");
        return exit_memory;
    } catch (const std::exception& e) {
        if (!tsnex::truncated_mapping().empty()) {  // whatever failed, it read a file cut short under it
            print_error(tsnex::truncated_mapping() + ": was truncated while in use (the file shrank during the run)");
            return exit_input;
        }
        print_error(e.what());
        // The library's invalid_argument while computing names data that cannot be embedded with
        // the options given (N < 2, perplexity above N - 1, an init that cannot separate the
        // points, distances beyond the type's range): bad input, like a malformed file.
        const bool bad_input = dynamic_cast<const std::invalid_argument*>(&e) != nullptr;
        switch (stage) {
            case Stage::reading: return exit_input;
            case Stage::writing: return exit_output;
            default: return bad_input ? exit_input : exit_run;
        }
    }
}
