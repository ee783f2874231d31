// libFuzzer target: the tsne CLI's input readers (examples/common/io.hpp) on arbitrary files.
// Input: one byte choosing the reader (its index in `readers`; larger values wrap), then the
// file's content, written to a temporary file with the reader's extension, or for the "-pipe"
// readers into a pipe read as /dev/fd/N (the non-seekable path: no size known, sniffed from the
// stream's own buffer, as for a pipe, FIFO or /dev/stdin given to the CLI). Each reader must
// return a well-formed result or throw tsnex::io_error; anything else (another exception, a
// crash, a sanitizer report, a hang, an out-of-memory) is a finding.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <fcntl.h>
#include <unistd.h>

// A small line limit, so that inputs of the fuzzer's size reach the "line is longer than" check.
#define TSNEX_MAX_LINE_BYTES std::size_t(1024)
#include "io.hpp"

namespace {

[[noreturn]] void finding(const char* reader, const char* what) {
    std::fprintf(stderr, "fuzz_readers: reader %s: %s\n", reader, what);
    std::abort();
}

template <class M>
void check_matrix(const char* name, const M& X) {
    if (X.rows() < 1 || X.cols() < 1) finding(name, "empty matrix returned without an error");
    if (!X.allFinite()) finding(name, "non-finite value returned without an error");
}

void check_graph(const char* name, const tsne::KnnGraph<float>& g) {
    if (g.index.size() != g.n * g.k || g.distance.size() != g.n * g.k) finding(name, "graph arrays of the wrong size");
    for (std::size_t e = 0; e < g.n * g.k; ++e)
        if (g.index[e] >= g.n || g.index[e] == e / g.k || !(g.distance[e] >= 0) || !std::isfinite(g.distance[e]))
            finding(name, "invalid graph entry returned without an error");
}

/// The number of points given to read_affinities (the CLI's --points): without it, one line
/// "0,2000000000,1" makes an N of 2e9 and a 16 GB row-offset array (see README, "Reliability").
constexpr std::size_t affinity_points = 4096;

void check_csr(const char* name, const tsne::Csr<float>& P) {
    if (P.row_ptr.size() != P.n + 1 || P.row_ptr[0] != 0 || P.row_ptr[P.n] != P.col.size() ||
        P.col.size() != P.val.size())
        finding(name, "inconsistent CSR");
    for (std::size_t i = 0; i < P.n; ++i)
        for (std::size_t e = P.row_ptr[i]; e < P.row_ptr[i + 1]; ++e)
            if (P.col[e] >= P.n || P.col[e] == i || !(P.val[e] >= 0) || !std::isfinite(P.val[e]))
                finding(name, "invalid CSR entry returned without an error");
}

struct Reader {
    const char* name;
    const char* extension;  ///< of the temporary file: some readers choose the format by it; "" = a pipe
    void (*read)(const char* name, const std::string& path);
};

// One line per reader; add new readers (IDX, raw, ...) at the end so existing seeds keep theirs.
const Reader readers[] = {
    {"csv<float>", ".csv", [](const char* n, const std::string& p) { check_matrix(n, tsnex::read_csv<float>(p)); }},
    {"csv<double>", ".csv", [](const char* n, const std::string& p) { check_matrix(n, tsnex::read_csv<double>(p)); }},
    {"npy", ".npy", [](const char* n, const std::string& p) {
         std::visit([n](const auto& X) { check_matrix(n, X); }, tsnex::read_npy_any(p));
     }},
    {"labels", ".txt", [](const char* n, const std::string& p) {
         if (tsnex::read_labels(p).empty()) finding(n, "no labels returned without an error");
     }},
    {"distances-csv", ".csv", [](const char* n, const std::string& p) { check_matrix(n, tsnex::read_distances(p)); }},
    {"distances-npy", ".npy", [](const char* n, const std::string& p) { check_matrix(n, tsnex::read_distances(p)); }},
    {"knn-graph-csv", ".csv", [](const char* n, const std::string& p) { check_graph(n, tsnex::read_knn_graph(p)); }},
    {"knn-graph-npy", ".npy", [](const char* n, const std::string& p) { check_graph(n, tsnex::read_knn_graph(p)); }},
    {"affinities-csv", ".csv",
     [](const char* n, const std::string& p) { check_csr(n, tsnex::read_affinities(p, affinity_points)); }},
    {"affinities-npy", ".npy",
     [](const char* n, const std::string& p) { check_csr(n, tsnex::read_affinities(p, affinity_points)); }},
    {"idx", ".idx", [](const char* n, const std::string& p) { check_matrix(n, tsnex::read_idx(p)); }},
    {"idx-labels", ".idx", [](const char* n, const std::string& p) {
         if (tsnex::read_idx_labels(p).empty()) finding(n, "no labels returned without an error");
     }},
    {"raw-f32", ".bin", [](const char* n, const std::string& p) { check_matrix(n, tsnex::read_raw_f32(p, 4, 3)); }},
    {"npy-mapped", ".npy", [](const char* n, const std::string& p) {
         if (const auto m = tsnex::map_npy(p)) std::visit([n](const auto& X) { check_matrix(n, X); }, m->X);
     }},
    // The CLI's entry points on a file named without a telling extension: the format sniffed
    // from the content (.npy magic, IDX/gzip magic, else text with its delimiter detected).
    {"matrix-sniffed", ".dat", [](const char* n, const std::string& p) {
         std::visit([n](const auto& X) { check_matrix(n, X); }, tsnex::read_matrix(p));
     }},
    {"labels-sniffed", ".dat", [](const char* n, const std::string& p) {
         if (tsnex::read_labels(p).empty()) finding(n, "no labels returned without an error");
     }},
    // The same through a pipe.
    {"matrix-pipe", "", [](const char* n, const std::string& p) {
         std::visit([n](const auto& X) { check_matrix(n, X); }, tsnex::read_matrix(p));
     }},
    {"labels-pipe", "", [](const char* n, const std::string& p) {
         if (tsnex::read_labels(p).empty()) finding(n, "no labels returned without an error");
     }},
    {"distances-pipe", "", [](const char* n, const std::string& p) { check_matrix(n, tsnex::read_distances(p)); }},
    {"knn-graph-pipe", "", [](const char* n, const std::string& p) { check_graph(n, tsnex::read_knn_graph(p)); }},
    {"affinities-pipe", "",
     [](const char* n, const std::string& p) { check_csr(n, tsnex::read_affinities(p, affinity_points)); }},
    {"raw-f32-pipe", "", [](const char* n, const std::string& p) { check_matrix(n, tsnex::read_raw_f32(p, 4, 3)); }},
    {"csv<double>-pipe", "", [](const char* n, const std::string& p) { check_matrix(n, tsnex::read_csv<double>(p)); }},
};
constexpr std::size_t n_readers = sizeof(readers) / sizeof(readers[0]);

std::string temp_dir;

void remove_temp_dir() {
    for (const Reader& r : readers)
        if (*r.extension) std::remove((temp_dir + "/input" + r.extension).c_str());
    rmdir(temp_dir.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    char tmpl[] = "/tmp/tsne-fuzz-readers-XXXXXX";
    if (!mkdtemp(tmpl)) {
        std::perror("fuzz_readers: mkdtemp");
        std::abort();
    }
    temp_dir = tmpl;
    std::atexit(remove_temp_dir);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const Reader& r = readers[data[0] % n_readers];
    if (!*r.extension) {  // through a pipe: written whole first (it fits the pipe's buffer), then read
        int fds[2];
        if (size - 1 > 60000) return 0;
        if (pipe(fds) != 0) {
            std::perror("fuzz_readers: pipe");
            std::abort();
        }
        if (size > 1 && write(fds[1], data + 1, size - 1) != static_cast<ssize_t>(size - 1)) {
            std::perror("fuzz_readers: writing the pipe");
            std::abort();
        }
        close(fds[1]);
        try {
            r.read(r.name, "/dev/fd/" + std::to_string(fds[0]));
        } catch (const tsnex::io_error&) {
        } catch (const std::exception& e) {
            close(fds[0]);
            finding(r.name, (std::string("an exception other than tsnex::io_error: ") + e.what()).c_str());
        }
        close(fds[0]);
        return 0;
    }
    const std::string path = temp_dir + "/input" + r.extension;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || (size > 1 && std::fwrite(data + 1, 1, size - 1, f) != size - 1) || std::fclose(f) != 0) {
        std::perror("fuzz_readers: writing the temporary file");
        std::abort();
    }
    try {
        r.read(r.name, path);
    } catch (const tsnex::io_error&) {
        // the documented outcome for a bad file
    } catch (const std::exception& e) {
        finding(r.name, (std::string("an exception other than tsnex::io_error: ") + e.what()).c_str());
    }
    return 0;
}
