// libFuzzer target: a user's sparse affinity matrix P (CSR), as the CLI's --affinities and
// tsne::embed_affinities take it. The bytes give N (2..64), the value type, symmetrise/normalise
// flags and the arrays row_ptr, col and val, either raw (any offsets: decreasing, past the end,
// not ending at nnz; any columns; any values: NaN, inf, negative, huge) or well formed by
// construction (row lengths, so the deeper paths are reached too). PrecomputedAffinities must
// either throw tsne::invalid_argument or return a P with N+1 non-decreasing offsets, columns in
// range, off the diagonal and ascending, finite values >= 0, symmetric when asked, summing to 1
// when asked; for some inputs a short run follows, which must end finite or throw a tsne:: error.
// Another exception, a crash, a sanitizer report (reading through a malformed row_ptr) or a hang
// is a finding. Seeds: tests/fuzz/corpus/affinities/ (layout: make_seeds.cpp).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

#include <tsne/tsne.hpp>

namespace {

class Bytes {
public:
    Bytes(const std::uint8_t* p, std::size_t n) : p_(p), n_(n) {}
    std::uint8_t u8() { return i_ < n_ ? p_[i_++] : 0; }
    std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | (u8() << 8)); }
    std::uint32_t u32() { return static_cast<std::uint32_t>(u16() | (static_cast<std::uint32_t>(u16()) << 16)); }
    std::size_t left() const { return n_ - i_; }

private:
    const std::uint8_t* p_;
    std::size_t n_, i_ = 0;
};

[[noreturn]] void finding(const char* what) {
    std::fprintf(stderr, "fuzz_affinities: %s\n", what);
    std::abort();
}

template <class T>
T value(Bytes& in) {
    const std::uint8_t kind = in.u8();
    switch (kind % 16) {
        case 0: return std::numeric_limits<T>::quiet_NaN();
        case 1: return std::numeric_limits<T>::infinity();
        case 2: return -T(in.u8());
        case 3: return std::numeric_limits<T>::max();
        case 4: return std::numeric_limits<T>::denorm_min();
        case 5: return T(0);
        case 6: {  // any bit pattern
            T v;
            std::uint64_t bits = in.u32() | (static_cast<std::uint64_t>(in.u32()) << 32);
            std::memcpy(&v, &bits, sizeof v);
            return v;
        }
        default: return T(1 + in.u8()) / T(16);
    }
}

/// Checks the contract of an accepted P.
template <class T>
void check_output(const tsne::Csr<T>& P, std::size_t n, bool symmetrize, bool normalize) {
    if (P.n != n || P.row_ptr.size() != n + 1 || P.row_ptr[0] != 0 || P.row_ptr[n] != P.col.size() ||
        P.col.size() != P.val.size())
        finding("accepted P: malformed output shape");
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (P.row_ptr[i + 1] < P.row_ptr[i]) finding("accepted P: decreasing offsets");
        for (std::size_t e = P.row_ptr[i]; e < P.row_ptr[i + 1]; ++e) {
            if (P.col[e] >= n || P.col[e] == i) finding("accepted P: column out of range or on the diagonal");
            if (e > P.row_ptr[i] && P.col[e - 1] >= P.col[e]) finding("accepted P: columns not ascending");
            if (!std::isfinite(P.val[e]) || P.val[e] < T(0)) finding("accepted P: a value not finite and >= 0");
            if (symmetrize && P.at(P.col[e], i) != P.val[e]) finding("accepted P: not symmetric");
            sum += static_cast<double>(P.val[e]);
        }
    }
    if (normalize && std::abs(sum - 1) > 1e-3) finding("accepted P: does not sum to 1");
}

template <class T>
void run(Bytes& in, std::size_t n, std::uint8_t flags) {
    const bool symmetrize = flags & 2, normalize = flags & 4, raw = flags & 8, fit = (flags & 48) == 48;
    tsne::Csr<T> P;
    P.n = n;
    if (raw) {  // any offsets and any sizes
        const std::size_t offsets = n + 1 - (in.u8() % 4 == 0 ? in.u8() % 3 : 0) + (in.u8() % 8 == 0 ? 1 : 0);
        for (std::size_t i = 0; i < offsets; ++i) P.row_ptr.push_back(in.u8() % 8 == 0 ? in.u32() : in.u8());
        const std::size_t nnz = in.u8();
        for (std::size_t e = 0; e < nnz; ++e) P.col.push_back(in.u8() % 32 == 0 ? in.u32() : in.u8() % (n + 2));
        const std::size_t nval = in.u8() % 16 == 0 ? in.u8() : nnz;
        for (std::size_t e = 0; e < nval; ++e) P.val.push_back(value<T>(in));
    } else {  // well formed by construction: row lengths, then ascending columns
        P.row_ptr.push_back(0);
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t len = in.u8() % n;  // up to N-1 others
            std::vector<std::uint32_t> cols;
            std::uint32_t c = in.u8() % 3;
            for (std::size_t m = 0; m < len && c < n; ++m) {
                if (c == i && in.u8() % 16 != 0) ++c;  // sometimes on the diagonal
                if (c >= n) break;
                cols.push_back(c);
                c += 1 + in.u8() % 3;
            }
            for (std::uint32_t j : cols) {
                P.col.push_back(j);
                P.val.push_back(in.u8() % 8 == 0 ? value<T>(in) : T(1 + in.u8()) / T(64));
            }
            P.row_ptr.push_back(P.col.size());
        }
    }
    tsne::Executor ex(1);
    tsne::Affinities<T> A;
    try {
        A = tsne::PrecomputedAffinities{symmetrize, normalize}(P, ex);
    } catch (const tsne::invalid_argument&) {
        return;  // a malformed P: the expected outcome for most raw inputs
    }
    check_output(A.P, n, symmetrize, normalize);
    if (!fit) return;
    try {
        tsne::Options o;
        o.threads = 1;
        o.iterations = 6;
        o.early_exaggeration_iterations = 3;
        auto run = tsne::embed_affinities<2>(P, tsne::PrecomputedAffinities{symmetrize, normalize})
                       .options(o)
                       .repulsion(tsne::Exact{})
                       .prepare();
        tsne::run_schedule(run, o);
        if (!run.embedding().allFinite()) finding("a run from an accepted P ended non-finite without an error");
    } catch (const tsne::invalid_argument&) {
    } catch (const tsne::runtime_error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Bytes in(data, size);
    const std::uint8_t flags = in.u8();
    const std::size_t n = 2 + in.u8() % 63;
    try {
        if (flags & 1) run<double>(in, n, flags);
        else run<float>(in, n, flags);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_affinities: an exception that is not a tsne:: error: %s\n", e.what());
        std::abort();
    }
    return 0;
}
