// libFuzzer target: a whole small t-SNE fit on fuzzer-chosen data and options: N 2..64, 1..6
// features, output 1..3-D, method auto/exact/Barnes-Hut/FFT, perplexity 0.25..64 (too large for N
// included), 0..30 iterations, learning rate auto or 1e-2..1e7, 1..3 threads, float or double, PCA
// or random init, per-column magnitudes 1e-35..1e35, duplicated rows. FFT runs with 4, 8 or 16
// minimum boxes per axis, or the default 50 for one input in four: a default 2-D grid costs about
// 0.3 s per fit here (ASan) whatever N, which would leave the fuzzer a few executions per second. The fit must end in a finite
// embedding or a tsne::invalid_argument / tsne::runtime_error; NaN output, another exception, a
// crash, a sanitizer report or a hang is a finding.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "reliability/fit_any.hpp"

namespace {

class Bytes {
public:
    Bytes(const std::uint8_t* p, std::size_t n) : p_(p), n_(n) {}
    std::uint8_t u8() { return i_ < n_ ? p_[i_++] : 0; }
    std::int16_t i16() {
        const auto lo = u8(), hi = u8();
        return static_cast<std::int16_t>(static_cast<std::uint16_t>(lo | (hi << 8)));
    }
    std::size_t left() const { return n_ - i_; }

private:
    const std::uint8_t* p_;
    std::size_t n_, i_ = 0;
};

template <class T>
void run(Bytes& in, const testing::FitCase& c, std::size_t n, std::size_t d) {
    tsne::RowMatrix<T> X(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d));
    double scale[8];
    for (std::size_t j = 0; j < d; ++j) scale[j] = std::pow(10.0, static_cast<int>(in.u8() % 71) - 35) / 1000.0;
    const std::uint8_t duplicates = in.u8();
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < d; ++j) {
            const double v = in.left() >= 2 ? in.i16() * scale[j] : static_cast<double>((i * 7 + j * 3) % 11) * scale[j];
            X(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = static_cast<T>(v);
        }
    if (duplicates & 1)  // every third row a copy of row 0 or 1
        for (std::size_t i = 2; i < n; i += 3) X.row(static_cast<Eigen::Index>(i)) = X.row(static_cast<Eigen::Index>(i % 2));
    const testing::FitResult r = testing::fit_any(X, c);
    if (r.outcome == testing::Outcome::non_finite) {
        std::fprintf(stderr, "fuzz_fit: non-finite embedding without an error\n");
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Bytes in(data, size);
    testing::FitCase c;
    c.dims = 1 + in.u8() % 3;
    static const tsne::Method methods[] = {tsne::Method::automatic, tsne::Method::exact, tsne::Method::barnes_hut,
                                           tsne::Method::fft};
    c.method = methods[in.u8() % 4];
    const std::size_t n = 2 + in.u8() % 63, d = 1 + in.u8() % 6;
    c.perplexity = 0.25 * (1 + in.u8());
    c.iterations = in.u8() % 31;
    c.exaggeration_iterations = in.u8() % (c.iterations + 1);
    const std::uint8_t lr = in.u8();
    c.learning_rate = lr < 128 ? tsne::auto_learning_rate : std::pow(10.0, static_cast<int>(lr % 10) - 2);
    c.threads = 1 + in.u8() % 3;
    const std::uint8_t flags = in.u8();
    c.random_init = flags & 1;
    c.seed = in.u8();
    static const int min_boxes[] = {4, 8, 16, 50};
    c.fft_min_boxes = min_boxes[(flags >> 2) & 3];
    // A small cap keeps one fit fast under the sanitizers: at the default cap (400 per axis) a tiny
    // N spread over 1e6 units runs 30 iterations on a 2400² FFT grid, ~8 s under ASan, which
    // -timeout would report as a hang. The grid code is the same at any cap.
    c.fft_max_boxes = 64;
    try {
        if (flags & 2) run<double>(in, c, n, d);
        else run<float>(in, c, n, d);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fuzz_fit: an exception that is not a tsne:: error: %s\n", e.what());
        std::abort();
    }
    return 0;
}
