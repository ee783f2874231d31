// tsne: command-line t-SNE. Reads a data set (CSV or .npy), writes the embedding as CSV and,
// optionally, a PNG scatter plot coloured by labels. Precomputed distances, kNN graphs or
// affinities can replace the data. Run `tsne --help` for the options.
//
// Errors print exactly one line, "tsne: error: <message>", on stderr and exit with 2 (bad usage)
// or 1 (unreadable data, failed run). Outputs are written to temporary files and renamed into
// place only when everything succeeded, so a failed run never leaves a partial or stale file.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <limits>
#include <memory>
#include <new>
#include <optional>
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
#endif

namespace {

/// Bad command line: exit status 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class InitKind { pca, random };
enum class InputKind { data, distances, knn_graph, affinities };
enum class KnnKind { automatic, exact, approx };
enum class MetricKind { euclidean, cosine };
enum class AffinityKind { perplexity, multiscale, uniform };

struct Config {
    std::string input, output, labels, plot, save_knn;
    InputKind input_kind = InputKind::data;
    std::string input_option;  ///< "--input", "--distances", "--knn-graph" or "--affinities"
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
    double learning_rate = tsne::auto_learning_rate;
    std::uint64_t seed = 42;
    unsigned threads = 0;
    InitKind init = InitKind::pca;
    tsne::Method method = tsne::Method::automatic;
    double theta = 0.5;
    int fft_nodes = 3;          ///< --fft-nodes
    double fft_box_width = 0;   ///< --fft-box-width (0 = automatic)
    bool verbose = false, quiet = false;
    std::vector<std::string> given;  ///< options as given on the command line, in order
};

const char* const usage_text = R"(usage: tsne --input FILE --output OUT.csv [options]
       tsne --distances FILE | --knn-graph FILE | --affinities FILE --output OUT.csv [options]

Embeds the rows of FILE (one point per row) in 1, 2 or 3 dimensions with t-SNE and writes the
embedding to OUT.csv, one point per line, coordinates separated by commas. Instead of data, the
input can be precomputed distances, a kNN graph or affinities.

Input (exactly one of):
  --input FILE              data set: .npy (2-D, float32 '<f4' or float64 '<f8', C order; the
                            type is kept) or, for any other extension, numeric CSV: one point
                            per line, comma-separated, no header (read as float32).
  --distances FILE          full N x N distance matrix (CSV or .npy as above; finite, >= 0; the
                            diagonal is ignored; need not be symmetric). Read as float32.
  --knn-graph FILE          kNN graph: N rows of 2k columns (CSV or .npy): the first k are
                            0-based neighbour indices, the next k their distances (>= 0). k must
                            be at least what the affinities need (3 x perplexity).
  --affinities FILE         affinities P as rows i,j,value (CSV or .npy, 3 columns): 0-based
                            COO triplets, values >= 0, no diagonal, each (i, j) once. The
                            number of points is the largest index + 1, or --points.
  --points N                number of points of --affinities (for trailing isolated points)
  --no-symmetrize           take --affinities as given (default: P = (P + P^T) / 2)
  --no-normalize            do not rescale --affinities to sum 1 (default: normalise)

Output:
  --output FILE             embedding as CSV ("-" = standard output). Required.
  --labels FILE             integer labels, one per line (same count as points), colouring the
                            plot. Needs --plot.
  --plot FILE               PNG scatter plot of the first two coordinates (needs --dims 2 or 3).

Neighbours and affinities:
  --knn auto|exact|approx   neighbour search (--input only): exact, approximate (IVF: k-means
                            inverted file, much faster for large N), or auto = exact (VP-tree
                            for <= 8 features, else brute force up to 10,000 points),
                            approximate above (default auto)
  --metric euclidean|cosine distance between rows of --input (default euclidean)
  --affinity perplexity|multiscale|uniform
                            how neighbours become affinities: Gaussian kernel calibrated to
                            --perplexity, average of Gaussians for each of --perplexities, or
                            weight 1/k for each of the --uniform-k nearest (default perplexity)
  --perplexity P            effective number of neighbours, > 0 and < number of points
                            (default 30)
  --perplexities P1,P2,...  perplexities of --affinity multiscale (required with it), e.g. 30,300
  --uniform-k K             neighbours of --affinity uniform, 1 to N-1 (default 15)

t-SNE:
  --dims D                  output dimensions: 1, 2 or 3 (default 2)
  --iterations N            total iterations, early exaggeration included (default 750)
  --exaggeration-iterations N
                            iterations of early exaggeration, at most --iterations (default 250)
  --exaggeration X          early exaggeration factor, > 0 (default 12)
  --learning-rate auto|X    step size; auto = N / exaggeration of the phase (default auto)
  --seed S                  seed for every random choice, 0 to 2^64-1 (default 42)
  --threads T               worker threads, 0 = all hardware threads (default 0); results do
                            not depend on it
  --init pca|random         initial embedding: first principal components or random
                            (default pca with --input, random with the precomputed inputs)
  --method auto|exact|bh|fft
                            repulsion: exact O(N^2) sums; Barnes-Hut (bh) on a quadtree
                            (octree in 3-D, binary tree in 1-D), O(N log N); or FFT
                            interpolation (fft, FIt-SNE's method, 1-D and 2-D only), O(N) plus
                            a grid that grows with the map's extent. auto = exact below 1,000
                            points, else fft in 1-D and bh in 2-D and 3-D (default auto)
  --theta T                 Barnes-Hut accuracy, >= 0: a cell is summarised when its width is
                            below T times its distance (full width, as scikit-learn and
                            openTSNE; Rtsne/bhtsne's theta 0.5 is 1.0 here); 0 = exact
                            (default 0.5)
  --fft-nodes P             FFT interpolation nodes per box and axis, 2 to 12 (default 3)
  --fft-box-width W         FFT largest box width in embedding units, >= 0; 0 = automatic:
                            1 in 2-D, 0.5 in 1-D (default 0)

Messages:
  --verbose                 print progress with the KL divergence every 50 iterations and the
                            time of each phase (on stderr)
  --quiet                   print nothing but errors (default: a one-line summary on stderr)
  --help                    print this help and exit
  --version                 print the library version and the SIMD instruction set and exit

Options take their value as the next argument or after '=' (--dims=3).
Exit status: 0 success, 1 unreadable data or failed run, 2 bad command line.
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

// ---- command line -----------------------------------------------------------------------------

enum class Action { run, help, version };

/// Options that apply to some inputs only: each with the inputs it applies to.
struct Applicability {
    const char* option;
    bool data, distances, knn_graph, affinities;
};
constexpr Applicability applicability[] = {
    // option           data   dist   knn    aff
    {"--knn",           true,  false, false, false},
    {"--metric",        true,  false, false, false},
    {"--save-knn",      true,  false, false, false},
    {"--affinity",      true,  true,  true,  false},
    {"--perplexity",    true,  true,  true,  false},
    {"--perplexities",  true,  true,  true,  false},
    {"--uniform-k",     true,  true,  true,  false},
    {"--points",        false, false, false, true},
    {"--no-symmetrize", false, false, false, true},
    {"--no-normalize",  false, false, false, true},
};

void check_applicable(const Config& c) {
    for (const std::string& opt : c.given) {
        for (const Applicability& a : applicability) {
            if (opt != a.option) continue;
            const bool ok = c.input_kind == InputKind::data         ? a.data
                            : c.input_kind == InputKind::distances  ? a.distances
                            : c.input_kind == InputKind::knn_graph  ? a.knn_graph
                                                                    : a.affinities;
            if (ok) continue;
            std::string where;
            const std::pair<bool, const char*> inputs[] = {
                {a.data, "--input"}, {a.distances, "--distances"}, {a.knn_graph, "--knn-graph"},
                {a.affinities, "--affinities"}};
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
    if (c.input_kind == InputKind::affinities) return;
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
            "--theta",      "--fft-nodes",    "--fft-box-width"};
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
        if (arg == "--input" || arg == "--distances" || arg == "--knn-graph" || arg == "--affinities") {
            if (v.empty()) usage_fail(arg, " needs a non-empty file name");
            if (std::find(inputs.begin(), inputs.end(), arg) == inputs.end()) inputs.push_back(arg);
            c.input = v;
            c.input_option = arg;
            c.input_kind = arg == "--input"       ? InputKind::data
                           : arg == "--distances" ? InputKind::distances
                           : arg == "--knn-graph" ? InputKind::knn_graph
                                                  : InputKind::affinities;
        } else if (arg == "--output" || arg == "--labels" || arg == "--plot" || arg == "--save-knn") {
            if (v.empty()) usage_fail(arg, " needs a non-empty file name");
            (arg == "--output" ? c.output : arg == "--labels" ? c.labels : arg == "--plot" ? c.plot : c.save_knn) = v;
        } else if (arg == "--dims") {
            if (v != "1" && v != "2" && v != "3") usage_fail("--dims must be 1, 2 or 3, got ", in_quotes(v));
            c.dims = v[0] - '0';
        } else if (arg == "--knn") {
            if (v == "auto") c.knn = KnnKind::automatic;
            else if (v == "exact") c.knn = KnnKind::exact;
            else if (v == "approx") c.knn = KnnKind::approx;
            else usage_fail("--knn must be auto, exact or approx, got ", in_quotes(v));
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
        }
    }
    if (inputs.empty())
        usage_fail("missing input: give one of --input, --distances, --knn-graph or --affinities (see tsne --help)");
    if (inputs.size() > 1)
        usage_fail(inputs[0], " and ", inputs[1], " exclude each other: give exactly one input");
    if (c.output.empty()) usage_fail("missing --output FILE (see tsne --help)");
    check_applicable(c);
    if (c.verbose && c.quiet) usage_fail("--verbose and --quiet exclude each other");
    if (!c.labels.empty() && c.plot.empty()) usage_fail("--labels is only used with --plot");
    if (!c.plot.empty()) {
#if !TSNE_HAVE_STB
        usage_fail("--plot is unavailable: this tsne was built without stb (Debian: libstb-dev)");
#endif
        if (c.dims < 2) usage_fail("--plot needs --dims 2 or 3");
        if (c.plot == c.output) usage_fail("--plot and --output must be different files");
    }
    if (!c.save_knn.empty() && (c.save_knn == c.output || c.save_knn == c.plot))
        usage_fail("--save-knn must name a file different from --output and --plot");
    if (c.exaggeration_iterations > c.iterations)
        usage_fail("--exaggeration-iterations (", std::to_string(c.exaggeration_iterations),
                   ") must not exceed --iterations (", std::to_string(c.iterations), ")");
    return Action::run;
}

tsne::Options make_options(const Config& c) {
    tsne::Options o;
    o.iterations = c.iterations;
    o.early_exaggeration_iterations = c.exaggeration_iterations;
    o.early_exaggeration = c.exaggeration;
    o.learning_rate = c.learning_rate;
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

/// --knn: AutoNeighbors, BruteForce or IVF, chosen at run time; optionally keeps the graph.
struct CliNeighbors {
    std::variant<tsne::AutoNeighbors, tsne::BruteForce, tsne::IVF> search;
    std::shared_ptr<SavedKnn> saved;

    template <class T, class Metric, class Exec>
    tsne::KnnGraph<T> operator()(const tsne::MatrixRef<T>& X, std::size_t k, const Metric& metric, Exec& ex) const {
        tsne::KnnGraph<T> g = std::visit([&](const auto& s) { return s(X, k, metric, ex); }, search);
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
        case KnnKind::automatic: p.neighbors.search = tsne::AutoNeighbors{}; break;
        case KnnKind::exact: p.neighbors.search = tsne::BruteForce{}; break;
        case KnnKind::approx: p.neighbors.search = tsne::IVF{}; break;
    }
    if (!c.save_knn.empty()) p.neighbors.saved = std::make_shared<SavedKnn>();
    switch (c.affinity) {
        case AffinityKind::perplexity: p.affinity.policy = tsne::Perplexity{c.perplexity}; break;
        case AffinityKind::multiscale: {
            tsne::MultiscalePerplexity m;
            m.perplexities = c.perplexities;
            p.affinity.policy = m;
            break;
        }
        case AffinityKind::uniform: p.affinity.policy = tsne::Uniform{c.uniform_k}; break;
    }
    if (c.init == InitKind::random) p.init.policy = tsne::RandomInit{};
    if (c.metric == MetricKind::cosine) p.metric = tsne::Cosine{};
    return p;
}

// ---- input ------------------------------------------------------------------------------------

struct Input {
    std::optional<tsnex::Matrix> data;   ///< --input (float32 or float64, as stored)
    tsne::RowMatrix<float> distances;    ///< --distances
    tsne::KnnGraph<float> graph;         ///< --knn-graph
    tsne::Csr<float> affinities;         ///< --affinities
    std::size_t points = 0;
    std::string description;             ///< "150 points x 64 features", for messages
};

Input read_input(const Config& c) {
    Input in;
    char buf[160];
    switch (c.input_kind) {
        case InputKind::data: {
            in.data = tsnex::read_matrix(c.input);
            const auto rows = std::visit([](const auto& m) { return static_cast<std::size_t>(m.rows()); }, *in.data);
            const auto cols = std::visit([](const auto& m) { return static_cast<std::size_t>(m.cols()); }, *in.data);
            const bool is_double = std::holds_alternative<tsne::RowMatrix<double>>(*in.data);
            in.points = rows;
            std::snprintf(buf, sizeof buf, "%zu points x %zu features (%s)", rows, cols,
                          is_double ? "float64" : "float32");
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

// ---- the run ----------------------------------------------------------------------------------

/// Output files, created (as temporaries) before the work so an unwritable destination fails fast.
struct Outputs {
    std::unique_ptr<tsnex::PendingFile> csv, png, knn;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

/// The builder with the command line's policies and options.
template <class Builder>
auto configure(const Builder& builder, const Config& c, const Policies& p) {
    tsne::AutoRepulsion repulsion;
    repulsion.method = c.method;
    repulsion.barnes_hut.theta = c.theta;
    repulsion.fft.nodes_per_box = c.fft_nodes;
    repulsion.fft.max_box_width = c.fft_box_width;
    auto b = builder.neighbors(p.neighbors).affinity(p.affinity).init(p.init).repulsion(repulsion);
    b.options(make_options(c));
    return b;
}

/// --input: the metric is the one policy dispatched as a type (the searches need it).
template <int Dims, class T>
tsne::Run<T, Dims> prepare_data(const tsne::RowMatrix<T>& X, const Config& c, const Policies& p) {
    const auto builder = configure(tsne::embed<Dims>(X), c, p);
    return std::visit([&](const auto& metric) { return builder.metric(metric).prepare(); }, p.metric);
}

/// --distances, --knn-graph, --affinities (float32).
template <int Dims>
tsne::Run<float, Dims> prepare_precomputed(Input& in, const Config& c, const Policies& p) {
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

/// Optimises a prepared run and writes the outputs; returns the final KL.
template <int Dims, class T>
double optimize_and_write(tsne::Run<T, Dims>& run, const Config& c, const std::vector<int>& labels, Outputs& out) {
    const tsne::Options options = make_options(c);
    if (c.verbose) {
        const auto& d = run.affinities().diagnostics;
        std::fprintf(stderr, "tsne: neighbors %.3f s, affinities %.3f s, initialization %.3f s", run.timings.neighbors,
                     run.timings.affinities, run.timings.initialization);
        if (c.input_kind == InputKind::affinities) std::fprintf(stderr, "\n");
        else if (c.affinity == AffinityKind::uniform) std::fprintf(stderr, " (k = %zu)\n", d.neighbors);
        else std::fprintf(stderr, " (k = %zu, %zu points missed the perplexity)\n", d.neighbors, d.not_converged);
        std::fprintf(stderr, "tsne: repulsion %s\n", tsne::method_name(run.repulsion().chosen));
    }
    if (c.verbose) tsne::run_schedule(run, options, tsne::progress(50, std::cerr));
    else tsne::run_schedule(run, options);
    if (c.verbose)
        std::fprintf(stderr, "tsne: optimization %.3f s (%d iterations), final KL %.4f\n", run.timings.optimization,
                     run.iteration(), run.last_kl());
    const tsne::RowMatrix<T> Y = run.embedding();
    (void)labels;
#if TSNE_HAVE_STB
    if (out.png) {
        if constexpr (Dims >= 2) {
            const std::string title = "t-SNE of " + c.input.substr(c.input.find_last_of('/') + 1);
            tsnex::write_png(*out.png, tsnex::render_scatter(Y, labels, title));
        }
    }
#endif
    if (out.csv) tsnex::write_csv_rows(out.csv->stream(), Y);
    else tsnex::write_csv("-", Y);
    return run.last_kl();
}

template <int Dims>
double embed_and_write(Input& in, const Config& c, const Policies& p, const std::vector<int>& labels, Outputs& out) {
    if (c.input_kind == InputKind::data) {
        return std::visit(
            [&](const auto& X) {
                auto run = prepare_data<Dims>(X, c, p);
                return optimize_and_write(run, c, labels, out);
            },
            *in.data);
    }
    auto run = prepare_precomputed<Dims>(in, c, p);
    return optimize_and_write(run, c, labels, out);
}

int run(const Config& c) {
    const auto t0 = std::chrono::steady_clock::now();
    Outputs out;
    if (c.output != "-") out.csv = std::make_unique<tsnex::PendingFile>(c.output);
    if (!c.plot.empty()) out.png = std::make_unique<tsnex::PendingFile>(c.plot);
    if (!c.save_knn.empty()) out.knn = std::make_unique<tsnex::PendingFile>(c.save_knn);

    Input in = read_input(c);
    if (c.verbose)
        std::fprintf(stderr, "tsne: read %s from %s in %.3f s\n", in.description.c_str(), c.input.c_str(),
                     seconds_since(t0));
    std::vector<int> labels;
    if (!c.labels.empty()) {
        labels = tsnex::read_labels(c.labels);
        if (labels.size() != in.points)
            throw tsnex::io_error(c.labels + ": has " + std::to_string(labels.size()) + " labels but " + c.input +
                                  " has " + std::to_string(in.points) + " points");
    }
    const Policies p = make_policies(c);
    double kl = 0;
    switch (c.dims) {
        case 1: kl = embed_and_write<1>(in, c, p, labels, out); break;
        case 2: kl = embed_and_write<2>(in, c, p, labels, out); break;
        case 3: kl = embed_and_write<3>(in, c, p, labels, out); break;
        default: throw UsageError("--dims must be 1, 2 or 3");
    }
    if (out.knn) {
        std::visit(
            [&](const auto& g) {
                if constexpr (!std::is_same_v<std::decay_t<decltype(g)>, std::monostate>)
                    tsnex::write_knn_graph(*out.knn, g);
                else
                    throw std::runtime_error("--save-knn: the run computed no kNN graph");
            },
            *p.neighbors.saved);
        out.knn->commit();
    }
    if (out.png) out.png->commit();
    if (out.csv) out.csv->commit();
    if (!c.quiet) {
        std::fprintf(stderr, "tsne: embedded %s into %d-D in %.2f s, KL %.4f; wrote %s%s%s%s%s\n",
                     in.description.c_str(), c.dims, seconds_since(t0), kl,
                     c.output == "-" ? "stdout" : c.output.c_str(), c.plot.empty() ? "" : " and ", c.plot.c_str(),
                     c.save_knn.empty() ? "" : " and ", c.save_knn.c_str());
    }
    return 0;
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
            case Action::help: std::fputs(usage_text, stdout); return 0;
            case Action::version:
                std::printf("tsne %s (SIMD: %s)\n", tsne::version_string, tsne::simd::arch_name());
                return 0;
            case Action::run: break;
        }
        make_options(c).validate();
    } catch (const std::exception& e) {
        print_error(e.what());
        return 2;
    }
    try {
        return run(c);
    } catch (const UsageError& e) {
        print_error(e.what());
        return 2;
    } catch (const std::bad_alloc&) {
        print_error("out of memory");
        return 1;
    } catch (const std::exception& e) {
        print_error(e.what());
        return 1;
    }
}
