// tsne: command-line t-SNE. Reads a data set (CSV, .npy, IDX (.gz), raw float32), writes the
// embedding as CSV or .npy and, optionally, a PNG scatter plot coloured by labels or by the
// library's diagnostics, an animation of the optimisation (GIF or PNG frames) and a JSON report.
// Precomputed distances, kNN graphs or affinities can replace the data. `tsne --help` lists
// every option.
//
// Errors print exactly one line, "tsne: error: <message>", on stderr and exit with a status that
// says which stage failed (enum Exit in options.hpp). Outputs are written to temporary files and
// moved into place together (tsnex::commit_all: all or none) only when everything succeeded, so a
// failed or interrupted run never leaves a partial, stale or temporary file; outputs that would
// overwrite each other or an input are refused before any work (check_distinct_files in outputs.hpp).
//
// The program is split by job: options.hpp (the one option table: parsing, --help and the
// "does not apply" errors, and the checks between options), inputs.hpp (reading), outputs.hpp
// (writing), commands.hpp (fit, continue, transform). This file maps failures to exit statuses.
// The headers form one translation unit (this one): the library's templates are compiled once.
#include <cstdio>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>

#include <tsne/tsne.hpp>

#include "commands.hpp"
#include "io.hpp"
#include "options.hpp"
#include "outputs.hpp"

namespace {

using namespace tsne_cli;

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
            case Action::help: std::fputs(help_text().c_str(), stdout); return exit_ok;
            case Action::version:
                std::printf("tsne %s (SIMD: %s)\n", tsne::version_string, tsne::simd::arch_name());
                return exit_ok;
            case Action::run: break;
        }
        check_distinct_files(c);
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
