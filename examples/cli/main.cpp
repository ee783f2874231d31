// tsne: command-line t-SNE. Reads a data set (CSV or .npy), writes the embedding as CSV and,
// optionally, a PNG scatter plot coloured by labels. Run `tsne --help` for the options.
//
// Errors print exactly one line, "tsne: error: <message>", on stderr and exit with 2 (bad usage)
// or 1 (unreadable data, failed run). Outputs are written to temporary files and renamed into
// place only when everything succeeded, so a failed run never leaves a partial or stale file.
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

struct Config {
    std::string input, output, labels, plot;
    int dims = 2;
    double perplexity = 30;
    int iterations = 750;
    int exaggeration_iterations = 250;
    double exaggeration = 12;
    double learning_rate = tsne::auto_learning_rate;
    std::uint64_t seed = 42;
    unsigned threads = 0;
    InitKind init = InitKind::pca;
    bool verbose = false, quiet = false;
};

const char* const usage_text = R"(usage: tsne --input FILE --output OUT.csv [options]

Embeds the rows of FILE (one point per row) in 1, 2 or 3 dimensions with t-SNE and writes the
embedding to OUT.csv, one point per line, coordinates separated by commas.

Input and output:
  --input FILE              data set: .npy (2-D, float32 '<f4' or float64 '<f8', C order; the
                            type is kept) or, for any other extension, numeric CSV: one point
                            per line, comma-separated, no header (read as float32). Required.
  --output FILE             embedding as CSV ("-" = standard output). Required.
  --labels FILE             integer labels, one per line (same count as points), colouring the
                            plot. Needs --plot.
  --plot FILE               PNG scatter plot of the first two coordinates (needs --dims 2 or 3).

t-SNE:
  --dims D                  output dimensions: 1, 2 or 3 (default 2)
  --perplexity P            effective number of neighbours, > 0 and < number of points
                            (default 30)
  --iterations N            total iterations, early exaggeration included (default 750)
  --exaggeration-iterations N
                            iterations of early exaggeration, at most --iterations (default 250)
  --exaggeration X          early exaggeration factor, > 0 (default 12)
  --learning-rate auto|X    step size; auto = N / exaggeration of the phase (default auto)
  --seed S                  seed for every random choice, 0 to 2^64-1 (default 42)
  --threads T               worker threads, 0 = all hardware threads (default 0); results do
                            not depend on it
  --init pca|random         initial embedding: first principal components or random
                            (default pca)
  --method exact            repulsion method; exact O(N^2) is the only one so far, practical up
                            to a few ten thousand points (default exact)

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

double parse_positive(const std::string& opt, const std::string& v) {
    double x = 0;
    const char* b = v.data();
    const char* e = v.data() + v.size();
    if (!v.empty() && v[0] == '+') ++b;
    const auto r = std::from_chars(b, e, x);
    if (v.empty() || r.ec != std::errc() || r.ptr != e || !std::isfinite(x) || !(x > 0))
        usage_fail(opt, " must be a finite number > 0, got ", in_quotes(v));
    return x;
}

// ---- command line -----------------------------------------------------------------------------

enum class Action { run, help, version };

Action parse_args(int argc, char** argv, Config& c) {
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
        if (arg == "--help" || arg == "--version" || arg == "--verbose" || arg == "--quiet") {
            if (inline_value) usage_fail(arg, " takes no value");
            if (arg == "--help") return Action::help;
            if (arg == "--version") return Action::version;
            (arg == "--verbose" ? c.verbose : c.quiet) = true;
            continue;
        }
        static const char* const valued[] = {"--input",      "--output",     "--labels",
                                             "--plot",       "--dims",       "--perplexity",
                                             "--iterations", "--exaggeration-iterations",
                                             "--exaggeration", "--learning-rate", "--seed",
                                             "--threads",    "--init",       "--method"};
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
        if (arg == "--input" || arg == "--output" || arg == "--labels" || arg == "--plot") {
            if (v.empty()) usage_fail(arg, " needs a non-empty file name");
            (arg == "--input" ? c.input : arg == "--output" ? c.output : arg == "--labels" ? c.labels : c.plot) = v;
        } else if (arg == "--dims") {
            if (v != "1" && v != "2" && v != "3") usage_fail("--dims must be 1, 2 or 3, got ", in_quotes(v));
            c.dims = v[0] - '0';
        } else if (arg == "--perplexity") {
            c.perplexity = parse_positive(arg, v);
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
            if (v != "exact") usage_fail("--method must be exact (the only method so far), got ", in_quotes(v));
        }
    }
    if (c.input.empty()) usage_fail("missing --input FILE (see tsne --help)");
    if (c.output.empty()) usage_fail("missing --output FILE (see tsne --help)");
    if (c.verbose && c.quiet) usage_fail("--verbose and --quiet exclude each other");
    if (!c.labels.empty() && c.plot.empty()) usage_fail("--labels is only used with --plot");
    if (!c.plot.empty()) {
#if !TSNE_HAVE_STB
        usage_fail("--plot is unavailable: this tsne was built without stb (Debian: libstb-dev)");
#endif
        if (c.dims < 2) usage_fail("--plot needs --dims 2 or 3");
        if (c.plot == c.output) usage_fail("--plot and --output must be different files");
    }
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

// ---- the run ----------------------------------------------------------------------------------

/// Output files, created (as temporaries) before the work so an unwritable destination fails fast.
struct Outputs {
    std::unique_ptr<tsnex::PendingFile> csv, png;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

template <class Builder>
auto optimize(const Builder& builder, const Config& c, const tsne::Options& options) {
    auto run = builder.prepare();
    if (c.verbose)
        std::fprintf(stderr, "tsne: neighbors %.3f s, affinities %.3f s, initialization %.3f s\n",
                     run.timings.neighbors, run.timings.affinities, run.timings.initialization);
    const auto t0 = std::chrono::steady_clock::now();
    if (c.verbose) tsne::run_schedule(run, options, tsne::progress(50, std::cerr));
    else tsne::run_schedule(run, options);
    if (c.verbose)
        std::fprintf(stderr, "tsne: optimization %.3f s (%d iterations), final KL %.4f\n", seconds_since(t0),
                     run.iteration(), run.last_kl());
    return std::make_pair(run.embedding(), run.last_kl());
}

template <int Dims, class T>
double embed_and_write(const tsne::RowMatrix<T>& X, const Config& c, const std::vector<int>& labels, Outputs& out) {
    const tsne::Options options = make_options(c);
    auto builder = tsne::embed<Dims>(X).options(options).perplexity(c.perplexity);
    auto [Y, kl] = c.init == InitKind::random ? optimize(builder.init(tsne::RandomInit{}), c, options)
                                              : optimize(builder.init(tsne::PCA{}), c, options);
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
    return kl;
}

template <class T>
double dispatch_dims(const tsne::RowMatrix<T>& X, const Config& c, const std::vector<int>& labels, Outputs& out) {
    switch (c.dims) {
        case 1: return embed_and_write<1>(X, c, labels, out);
        case 2: return embed_and_write<2>(X, c, labels, out);
        case 3: return embed_and_write<3>(X, c, labels, out);
        default: throw UsageError("--dims must be 1, 2 or 3");
    }
}

int run(const Config& c) {
    const auto t0 = std::chrono::steady_clock::now();
    Outputs out;
    if (c.output != "-") out.csv = std::make_unique<tsnex::PendingFile>(c.output);
    if (!c.plot.empty()) out.png = std::make_unique<tsnex::PendingFile>(c.plot);

    const tsnex::Matrix X = tsnex::read_matrix(c.input);
    const auto rows = std::visit([](const auto& m) { return static_cast<std::size_t>(m.rows()); }, X);
    const auto cols = std::visit([](const auto& m) { return static_cast<std::size_t>(m.cols()); }, X);
    const bool is_double = std::holds_alternative<tsne::RowMatrix<double>>(X);
    if (c.verbose)
        std::fprintf(stderr, "tsne: read %zu points x %zu features (%s) from %s in %.3f s\n", rows, cols,
                     is_double ? "float64" : "float32", c.input.c_str(), seconds_since(t0));
    std::vector<int> labels;
    if (!c.labels.empty()) {
        labels = tsnex::read_labels(c.labels);
        if (labels.size() != rows)
            throw tsnex::io_error(c.labels + ": has " + std::to_string(labels.size()) + " labels but " + c.input +
                                  " has " + std::to_string(rows) + " points");
    }
    const double kl = std::visit([&](const auto& m) { return dispatch_dims(m, c, labels, out); }, X);
    if (out.png) out.png->commit();
    if (out.csv) out.csv->commit();
    if (!c.quiet) {
        std::fprintf(stderr, "tsne: embedded %zu points x %zu features into %d-D in %.2f s, KL %.4f; wrote %s%s%s\n",
                     rows, cols, c.dims, seconds_since(t0), kl, c.output == "-" ? "stdout" : c.output.c_str(),
                     c.plot.empty() ? "" : " and ", c.plot.c_str());
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
