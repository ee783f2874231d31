// Writes the seed corpora of fuzz_state and fuzz_affinities (tests/fuzz/corpus/state/ and
// tests/fuzz/corpus/affinities/): run-state files saved from real small runs (every value size,
// dimension and method, a renumbered run, a version-1 file) and copies with crafted size fields
// (an overflowing byte count, a point count the file does not hold, a huge nnz, decreasing row
// offsets); affinity inputs in fuzz_affinities' byte layout. The seeds are committed; rerun after
// a format change:  make_seeds tests/fuzz/corpus
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <tsne/tsne.hpp>

namespace {

std::string dir;

void write(const std::string& name, const std::string& bytes) {
    std::ofstream f(dir + "/" + name, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::printf("%s: %zu bytes\n", name.c_str(), bytes.size());
}

template <class T>
tsne::RowMatrix<T> data(std::size_t n, std::size_t d, unsigned seed) {
    tsne::RowMatrix<T> X(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d));
    std::uint64_t s = seed * 2654435761u + 1;
    for (Eigen::Index i = 0; i < X.size(); ++i) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        X.data()[i] = static_cast<T>(static_cast<double>(s >> 40) / 16777216.0 + (i / static_cast<Eigen::Index>(d)) % 3);
    }
    return X;
}

template <int Dims, class T>
std::string saved(tsne::Method m, std::size_t n, int reorder, int iterations) {
    tsne::AutoRepulsion rep;
    rep.method = m;
    rep.fft.min_boxes = 4;
    rep.fft.max_boxes = 64;
    auto run = tsne::embed<Dims>(data<T>(n, 4, static_cast<unsigned>(n))).perplexity(4).threads(1).reorder(reorder).repulsion(rep).prepare();
    run.optimize(iterations, tsne::exaggerated(12));
    std::stringstream s;
    run.save(s);
    return s.str();
}

template <class V>
void put(std::string& bytes, std::size_t at, V v) {
    std::memcpy(&bytes[at], &v, sizeof v);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: make_seeds CORPUS_DIR (writes CORPUS_DIR/state/* and CORPUS_DIR/affinities/*)\n");
        return 2;
    }
    // ---- run-state files -------------------------------------------------------------------
    dir = std::string(argv[1]) + "/state";
    const std::string f2 = saved<2, float>(tsne::Method::exact, 24, 0, 5);
    write("f2_exact", f2);
    write("f1_fft", saved<1, float>(tsne::Method::fft, 24, 0, 5));
    write("d2_fft", saved<2, double>(tsne::Method::fft, 20, 0, 4));
    write("d3_barnes_hut", saved<3, double>(tsne::Method::barnes_hut, 20, 0, 4));
    write("f2_renumbered", saved<2, float>(tsne::Method::barnes_hut, 24, 2, 5));
    write("f3_fresh", saved<3, float>(tsne::Method::exact, 12, 0, 0));
    // Layout (docs/parameters.md): signature 8, version/bom/size/dims 4 x 4, N 8 at 24, iteration,
    // kl_every 4 + 4, dof 8, reorder 4, "ORDR" 4, order length 8, "PCSR" 4, nnz 8 at 68, offsets.
    const std::size_t n_at = 24, nnz_at = 8 + 16 + 8 + 4 + 4 + 8 + 4 + 4 + 8 + 4, rp_at = nnz_at + 8;
    {  // version 1: no reorder, "ORDR" or order length
        const std::size_t after_dof = 8 + 16 + 8 + 4 + 4 + 8;
        std::string v1 = f2.substr(0, after_dof) + f2.substr(after_dof + 16);
        put(v1, 8, std::uint32_t{1});
        write("f2_version1", v1);
    }
    {  // the 276-byte file of issue 18: the bytes P and Y need wrap around to 0 in 64 bits
        std::string o = f2.substr(0, rp_at) + std::string(200, '\0');
        const std::uint64_t n = 2147483645;
        put(o, n_at, n);
        put(o, nnz_at, (std::uint64_t{1} << 61) - (16 * n + 8) / 8);
        write("overflow_276", o);
    }
    {
        std::string lie = f2;
        put(lie, n_at, std::uint64_t{50000000});
        write("points_not_in_file", lie);
        std::string nnz = f2;
        put(nnz, nnz_at, ~std::uint64_t{0} / 8);
        write("nnz_huge", nnz);
        std::string dec = f2;
        std::uint64_t late = 0;
        std::memcpy(&late, &f2[rp_at + 8 * 20], 8);
        put(dec, rp_at + 8, late);  // row 1 starts where row 20 does: decreasing offsets
        write("row_offsets_decreasing", dec);
    }
    // ---- affinity inputs (fuzz_affinities' layout) ------------------------------------------
    dir = std::string(argv[1]) + "/affinities";
    // flags: 1 double, 2 symmetrise, 4 normalise, 8 raw arrays, 16|32 a short run too.
    auto ring = [](std::uint8_t flags, std::uint8_t n) {
        std::string b{static_cast<char>(flags), static_cast<char>(n - 2)};
        for (int i = 0; i < n; ++i) b += {static_cast<char>(2), static_cast<char>(0), static_cast<char>(1), static_cast<char>(i)};
        return b;  // row lengths 2, starting column 0 ... (built by fuzz_affinities)
    };
    write("built_float_sym_norm", ring(2 | 4, 8));
    write("built_double_run", ring(1 | 2 | 4 | 16 | 32, 12));
    write("built_float_plain", ring(0, 5));
    // Raw arrays: N = 4, each row the three others. An offset is (selector, value), a column
    // (selector, column), a value (kind 7, v): v/16.
    auto raw = [](std::uint8_t flags, std::vector<std::uint8_t> offsets) {
        std::string b{static_cast<char>(flags | 8), static_cast<char>(2), static_cast<char>(1), static_cast<char>(1)};
        for (auto o : offsets) b += {static_cast<char>(1), static_cast<char>(o)};
        const std::uint8_t cols[] = {1, 2, 3, 0, 2, 3, 0, 1, 3, 0, 1, 2};
        b += static_cast<char>(12);
        for (auto c : cols) b += {static_cast<char>(1), static_cast<char>(c)};
        b += static_cast<char>(1);
        for (int e = 0; e < 12; ++e) b += {static_cast<char>(7), static_cast<char>(15)};
        return b;
    };
    write("raw_valid", raw(2 | 4, {0, 3, 6, 9, 12}));
    write("raw_valid_double_run", raw(1 | 2 | 4 | 16 | 32, {0, 3, 6, 9, 12}));
    write("raw_offsets_decreasing", raw(2 | 4, {0, 10, 6, 9, 12}));
    write("raw_offsets_past_end", raw(1 | 4, {0, 3, 200, 9, 12}));
    write("raw_last_not_nnz", raw(2, {0, 3, 6, 9, 11}));
    return 0;
}
