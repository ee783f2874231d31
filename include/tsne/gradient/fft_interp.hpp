#pragma once
// FFT-accelerated interpolation repulsion (Linderman, Rachh, Hoskins, Steinerberger, Kluger 2019,
// "FIt-SNE"; also openTSNE): the repulsive sums are kernel sums, evaluated on a regular grid.
//
//   1. The bounding box of Y is covered by nb^Dims square boxes of width h; each box holds p
//      equispaced interpolation nodes per axis at box-relative positions (k + 0.5) / p, so all
//      nodes together form one equispaced grid of n = p·nb nodes per axis (spacing h / p).
//   2. Every point spreads its charges (1, y, |y|² in 2-D; 1, y, y² in 1-D, y measured from the
//      grid centre) to the p^Dims nodes of its box with Lagrange weights.
//   3. The node charges are convolved with K(r) = (1 + r²)⁻² by FFT: zero-padded to L ≥ 2n − 1
//      per axis (L has only the prime factors 2, 3, 5), circulant embedding of K at node offsets.
//   4. The node potentials φ are interpolated back to the points with the same weights, and
//        R_i = y_i φ₁ − φ_y,   Z = Σ_i [(1 + |y_i|²) φ₁ − 2 y_i·φ_y + φ_|y|²] − N.
//
// Cost per call: O(N p^Dims) to spread and interpolate plus the FFTs, O(L^Dims log L); the grid
// grows with the spread of the embedding (h ≤ max_box_width), not with N.
//
// Accuracy (tests/gradient/fft_interp_test.cpp against Exact in double; p = 3, default grid;
// float and double agree to 3 digits, so interpolation, not FFT precision, sets the error):
//                                         ‖R − R_exact‖/‖R_exact‖     |Z/Z_exact − 1|
//   2-D Gaussian σ 5, N 500 / 3000          9.1e-3 / 4.4e-3            5e-5 / 3e-5
//   2-D 4 tight blobs, N 500 / 3000         1.8e-2 / 7.7e-3            6.8e-3 / 1.8e-3
//   2-D Gaussian σ 30 (extent ~200)         3.4e-2 / 4.9e-2            1.1e-3 / 3e-4
//   1-D (width 0.5), same shapes            up to 5.6e-3               up to 7e-4
// The error of R is dominated by the near field (pairs within a box or two), so sparse maps (few
// points per box) show the largest relative error; it falls roughly 3–4x per extra node (p = 4:
// about 1.6e-2 where p = 3 gives 5.6e-2) and ~8x when max_box_width halves. The tests assert
// R < 0.05 (2-D), < 0.02 (1-D) and Z < 0.02. Z subtracts each point's interpolated self-interaction
// (not 1), which removes the error that otherwise dominates Z for sparse maps.
//
// Against Barnes-Hut (bench_fft_accuracy on a finished Fashion-MNIST 70k map, extent ~200, float,
// 1 thread; benchmarks/RESULTS.md): 2-D, p = 3, width 1: ‖ΔR‖/‖R‖ 2.8e-2 in 129 ms per call (grid
// L 1350, kissfft about half of it); p = 4: 8.2e-3 in 214 ms; Barnes-Hut θ = 0.5: 6.6e-3 in about
// a tenth of FFT's time (9.5 vs 168 ms in one run). On denser maps of the same extent (the 70k map
// repeated with jitter) FFT needs 6.6x, 3.7x and 2.6x Barnes-Hut's time at 140k, 280k and 560k
// points, and its cost per added point is higher than Barnes-Hut's (0.20 vs 0.15 ms per 1,000):
// in 2-D this implementation with Eigen's FFT does not catch up with Barnes-Hut at any N measured
// here, so AutoRepulsion keeps Barnes-Hut for 2-D (FFT remains selectable). 1-D, width 0.5:
// 6.2e-3 in 2.6 ms per call against Barnes-Hut's 3.3e-2 in 3.1 ms, so AutoRepulsion picks FFT for
// 1-D. End to end on Fashion-MNIST 70k (2 threads, 750 iterations, a busy machine): 2-D FFT 59 s,
// late/early per iteration 150/40 ms, run KL 2.571 (Barnes-Hut: 14 s, KL 2.545 on a quiet one);
// 1-D FFT 15.2 s (BH 16.5 s), same KL.
//
// Caching: potentials depend only on node *differences*, so the grid may move with the embedding
// for free; the kernel's transform depends only on (h, nb, L). h is quantised on a geometric
// ladder (max_box_width · 2^(k/4)) and the grid gets 10% headroom, so it is rebuilt only when the
// embedding no longer fits, when h drifts more than one ladder step from its target, or when the
// grid has become much larger than needed. Calls between rebuilds reuse the transform and the
// FFT plans. A state that has seen other embeddings may therefore use a different (equally
// accurate) grid than a fresh state: results agree to the approximation error, and bit for bit
// whenever both pick the same grid.
//
// Threads: points are counting-sorted (stably) by box row; spreading runs over fixed blocks of box
// rows, each block writing only its own node rows; every 1-D FFT is independent; interpolation is
// per point; Z is reduced over fixed blocks in block order. Results are bit-identical for any
// thread count.
//
// FFT backend: Eigen's FFT module (unsupported/Eigen/FFT, kissfft; ships with Eigen) by default,
// or FFTW 3 when TSNE_USE_FFTW is defined (CMake option TSNE_FFTW; links fftw3f and fftw3; batched
// split-complex plans through FFTW's guru interface, FFTW_ESTIMATE). The rest of this file works on
// batches of lanes<F> split-complex sequences; the Eigen backend interleaves each sequence into a
// std::complex buffer, calls the complex-to-complex fwd / inv (Unscaled) and de-interleaves.
// Determinism with Eigen: every worker owns its own Eigen::FFT object (its plan cache is a
// std::map filled on first use, so objects are never shared between threads); any two objects give
// the same bits for the same input (plan alignment does not matter: checked by re-homing the
// twiddles at every 16-byte offset). What did break bit-identity (double, 2-D, 1 vs 2/3/8 threads)
// was inlining: two inlined copies of kissfft in one program (/tmp probe, -O3 -march=native) give
// different last bits, most likely from different FMA contraction; keeping the per-sequence
// transform out of line (EIGEN_DONT_INLINE, one compiled copy per F) restored bit-identity. The
// real-input / HalfSpectrum path is never used (its temporaries are shared inside the object).
// Kissfft cannot transform length 1; grid lengths are always >= 3.
// FFTW's new-array execute needs the planning arrays' real-imaginary separation: every transform
// runs on a Worker's buffers, whose layout the plans are made for (Transform below).
// Cost of the pieces (perf, 70k late map, 1 thread): kissfft ~50 %, moving data between the grid
// and the transform buffers ~15 %, spreading and interpolation most of the rest. Transforms run in
// the embedding's precision T.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <type_traits>
#include <vector>

#ifdef TSNE_USE_FFTW
#include <fftw3.h>
#else
#include <complex>
#include <unsupported/Eigen/FFT>
#endif

#include "../detail/binary_io.hpp"
#include "../detail/embedding.hpp"
#include "../error.hpp"
#include "../parallel/parallel_for.hpp"
#include "../simd/compat.hpp"
#include "kernel.hpp"

namespace tsne {
namespace fft_detail {

/// Smallest m >= n whose only prime factors are 2, 3 and 5 (FFTs of such lengths are fastest).
inline std::size_t smooth_ceil(std::size_t n) {
    if (n <= 1) return 1;
    for (std::size_t m = n;; ++m) {
        std::size_t r = m;
        for (std::size_t f : {2u, 3u, 5u})
            while (r % f == 0) r /= f;
        if (r == 1) return m;
    }
}

/// FFT length for a convolution needing at least n entries per axis. FFTW: smooth_ceil(n). Eigen's
/// kissfft is much slower on some smooth lengths than on their neighbours (long radix-2 and
/// radix-3 chains: float on this machine, 1296 takes 15.6 us and 1350 10.3 us; 1536 21.8 us and
/// 1600 9.5 us). From 100 to 3000 the length is the next of those where no longer length has a
/// smaller 2-D cost L·t(L) (a scan of every 2^a 3^b 5^c length, see benchmarks/RESULTS.md);
/// above, the next smooth length with a factor 5.
inline std::size_t fft_length(std::size_t n) {
#ifndef TSNE_USE_FFTW
    static constexpr std::size_t fast[] = {
        100,  120,  125,  135,  150,  160,  180,  200,  225,  240,  250,  270,  300,  320,
        360,  375,  400,  405,  450,  480,  500,  540,  600,  625,  640,  675,  720,  750,
        800,  810,  900,  960,  1000, 1024, 1080, 1125, 1200, 1280, 1350, 1440, 1500, 1600,
        1620, 1800, 1875, 1920, 2000, 2025, 2160, 2250, 2400, 2500, 2560, 2700, 2880, 3000};
    if (n > 96) {
        for (std::size_t m : fast)
            if (m >= n) return m;
        for (std::size_t m = smooth_ceil(n);; m = smooth_ceil(m + 1))
            if (m % 5 == 0) return m;
    }
#endif
    return smooth_ceil(n);
}

template <class F>
using avector = simd::aligned_vector<F>;

/// Lanes per batch of transforms: one 64-byte cache line of F, so a batch reads whole lines of a
/// grid row (FFTW transforms the batch at once; the Eigen backend one sequence at a time).
template <class F>
inline constexpr std::size_t lanes = 64 / sizeof(F);

#ifdef TSNE_USE_FFTW
template <class F>
struct fftw_api;
template <>
struct fftw_api<float> {
    using plan = fftwf_plan;
    static plan make(int n, int H, float* r, float* i, float* orr, float* oi) {
        fftw_iodim dim{n, H, H}, many{H, 1, 1};
        return fftwf_plan_guru_split_dft(1, &dim, 1, &many, r, i, orr, oi, FFTW_ESTIMATE);
    }
    static void run(plan p, float* r, float* i, float* orr, float* oi) { fftwf_execute_split_dft(p, r, i, orr, oi); }
    static void destroy(plan p) { fftwf_destroy_plan(p); }
};
template <>
struct fftw_api<double> {
    using plan = fftw_plan;
    static plan make(int n, int H, double* r, double* i, double* orr, double* oi) {
        fftw_iodim dim{n, H, H}, many{H, 1, 1};
        return fftw_plan_guru_split_dft(1, &dim, 1, &many, r, i, orr, oi, FFTW_ESTIMATE);
    }
    static void run(plan p, double* r, double* i, double* orr, double* oi) { fftw_execute_split_dft(p, r, i, orr, oi); }
    static void destroy(plan p) { fftw_destroy_plan(p); }
};
/// FFTW's planner is global and not thread-safe; executing a plan is.
inline std::mutex& fftw_planner_mutex() {
    static std::mutex m;
    return m;
}

/// FFTW plans for one length, for 1 and for lanes<F> interleaved sequences (split format), made
/// once per grid and shared by every worker. FFTW's new-array execute requires the alignment and
/// the separation between real and imaginary parts of the planning arrays: plans are made on
/// 64-byte aligned buffers with the imaginary parts L·H values after the real ones (H = 1 or
/// lanes<F>), the layout of a Worker of that size; the inverse (computed as swap ∘ DFT ∘ swap)
/// has its own plans with the opposite separation. Calling with any other layout is undefined
/// (it crashed inside libfftw3 before the layout was fixed).
template <class F>
class Transform {
    using api = fftw_api<F>;

public:
    explicit Transform(std::size_t L) : L_(L) {
        std::lock_guard<std::mutex> g(fftw_planner_mutex());
        for (int k = 0; k < 2; ++k) {
            const std::size_t H = k == 0 ? 1 : lanes<F>, S = L * H;
            avector<F> x(2 * S), y(2 * S);
            plans_[k][0] = api::make(static_cast<int>(L), static_cast<int>(H), x.data(), x.data() + S, y.data(),
                                     y.data() + S);
            plans_[k][1] = api::make(static_cast<int>(L), static_cast<int>(H), x.data() + S, x.data(), y.data() + S,
                                     y.data());
        }
        for (auto& pk : plans_)
            for (auto& pl : pk)
                if (!pl) {
                    release();
                    detail::throw_with<runtime_error>("FFTW could not plan an FFT of length ", L);
                }
    }
    Transform(const Transform&) = delete;
    Transform& operator=(const Transform&) = delete;
    ~Transform() {
        std::lock_guard<std::mutex> g(fftw_planner_mutex());
        release();
    }
    std::size_t size() const noexcept { return L_; }
    struct Scratch {  // FFTW plans are shared: executing a plan is thread-safe
        explicit Scratch(std::size_t) {}
    };
    /// Same contract as the Eigen backend; H must be 1 or lanes<F>, and xi − xr = yi − yr = L·H.
    void fwd(Scratch&, F* xr, F* xi, F* yr, F* yi, std::size_t H) const {
        api::run(plans_[H == 1 ? 0 : 1][0], xr, xi, yr, yi);
    }
    /// Unnormalised inverse: IDFT(x) = swap(DFT(swap(x))) in split format.
    void inv(Scratch&, F* xr, F* xi, F* yr, F* yi, std::size_t H) const {
        api::run(plans_[H == 1 ? 0 : 1][1], xi, xr, yi, yr);
    }

private:
    void release() noexcept {
        for (auto& pk : plans_)
            for (auto& pl : pk)
                if (pl) {
                    api::destroy(pl);
                    pl = nullptr;
                }
    }
    std::size_t L_;
    typename api::plan plans_[2][2] = {};
};
#else
/// Eigen's FFT module (unsupported/Eigen/FFT, kissfft) for one length L, applied to H
/// interleaved split-complex sequences (element j of sequence t at [j·H + t]): each sequence is
/// interleaved into a std::complex buffer, transformed with the complex-to-complex fwd / inv
/// (Unscaled) and de-interleaved. An Eigen::FFT object caches its plans in a std::map filled on
/// first use and kissfft's generic butterfly writes a per-plan scratch buffer, so an object must
/// never be used by two threads at once: every Worker owns one (Scratch). Any two objects give
/// bit-identical results for the same input (the plans' twiddles and factorisation depend only on
/// L), so results do not depend on which worker transforms which tile. The real-input /
/// HalfSpectrum path is never used (its kissfft code shares mutable temporaries).
template <class F>
class Transform {
public:
    explicit Transform(std::size_t L) : L_(L) {}
    std::size_t size() const noexcept { return L_; }

    /// Per-worker state: an FFT object with its plan cache, and one interleaved sequence in and out.
    /// Both plans for L are built here, so that transforms never allocate: kissfft's plan cache is
    /// not exception-safe (a bad_alloc inside its factorisation leaves a plan with twiddles but an
    /// incomplete list of stages, which the next transform of that length follows off the end of
    /// its buffers). Built in the constructor, a failed plan dies with the unfinished Scratch.
    struct Scratch {
        explicit Scratch(std::size_t L) : in(L), out(L) {
            fft.SetFlag(Eigen::FFT<F>::Unscaled);
            const auto n = static_cast<Eigen::Index>(L);
            fft.fwd(out.data(), in.data(), n);
            fft.inv(out.data(), in.data(), n);
        }
        Eigen::FFT<F> fft;
        std::vector<std::complex<F>> in, out;
    };

    /// y = DFT(x) for H sequences (x may be used as scratch; here it is left unchanged).
    void fwd(Scratch& s, F* xr, F* xi, F* yr, F* yi, std::size_t H) const { run(s, xr, xi, yr, yi, H, false); }
    /// y = unnormalised inverse DFT(x) (no 1/L) for H sequences.
    void inv(Scratch& s, F* xr, F* xi, F* yr, F* yi, std::size_t H) const { run(s, xr, xi, yr, yi, H, true); }

private:
    // Out of line on purpose: kissfft is inline code, and GCC contracts a*b+c into FMAs differently
    // in different inlined copies (measured: the serial and the thread-pool instantiation of a
    // convolution pass differed in the last bits for double). One compiled copy per F keeps the
    // results bit-identical for any thread count.
    EIGEN_DONT_INLINE void run(Scratch& s, const F* xr, const F* xi, F* yr, F* yi, std::size_t H, bool inverse) const {
        const std::size_t L = L_;
        const auto n = static_cast<Eigen::Index>(L);
        std::complex<F>* in = s.in.data();
        std::complex<F>* out = s.out.data();
        for (std::size_t t = 0; t < H; ++t) {
            for (std::size_t j = 0; j < L; ++j) in[j] = std::complex<F>(xr[j * H + t], xi[j * H + t]);
            if (inverse) s.fft.inv(out, in, n);
            else s.fft.fwd(out, in, n);
            for (std::size_t j = 0; j < L; ++j) {
                yr[j * H + t] = out[j].real();
                yi[j * H + t] = out[j].imag();
            }
        }
    }
    std::size_t L_;
};
#endif

/// Scratch for one concurrently running block: four arrays of `size` values (64-byte aligned) and
/// the FFT backend's per-thread state for length L.
template <class F>
class Worker {
public:
    Worker(std::size_t size, std::size_t L)
        : x_(2 * size), y_(2 * size), xr(x_.data()), xi(x_.data() + size), yr(y_.data()), yi(y_.data() + size),
          fft(L) {}
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

private:
    avector<F> x_, y_;

public:
    /// Split-complex input and output: the imaginary parts follow the real ones at a distance of
    /// `size` values, the layout FFTW's plans are made for (FFTW requires the same real-imaginary
    /// separation at execution as at planning).
    F *xr, *xi, *yr, *yi;
    typename Transform<F>::Scratch fft;
};

/// Workers handed out per block and returned afterwards: at most one per concurrently running
/// block is ever created, and they persist until the grid size changes.
template <class F>
class WorkerPool {
public:
    /// Drops the workers; new ones get `size` values per buffer.
    void reset(std::size_t size, std::size_t L) {
        std::lock_guard<std::mutex> g(mutex_);
        free_.clear();
        created_ = 0;
        size_ = size;
        L_ = L;
    }

    class Lease {
    public:
        Lease(WorkerPool& pool, std::unique_ptr<Worker<F>> w) : pool_(&pool), w_(std::move(w)) {}
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ~Lease() { pool_->give_back(std::move(w_)); }
        Worker<F>& operator*() noexcept { return *w_; }
        Worker<F>* operator->() noexcept { return w_.get(); }

    private:
        WorkerPool* pool_;
        std::unique_ptr<Worker<F>> w_;
    };

    Lease acquire() {
        {
            std::lock_guard<std::mutex> g(mutex_);
            if (!free_.empty()) {
                auto w = std::move(free_.back());
                free_.pop_back();
                return Lease(*this, std::move(w));
            }
            // Room for this worker's return now, so give_back never allocates (an allocation
            // failure surfaces here, to the caller, instead of being swallowed on the way back).
            free_.reserve(created_ + 1);
            ++created_;
        }
        return Lease(*this, std::make_unique<Worker<F>>(size_, L_));
    }

private:
    void give_back(std::unique_ptr<Worker<F>> w) noexcept {
        std::lock_guard<std::mutex> g(mutex_);
        if (free_.size() < free_.capacity()) free_.push_back(std::move(w));  // never reallocates (acquire)
    }
    std::mutex mutex_;
    std::vector<std::unique_ptr<Worker<F>>> free_;
    std::size_t size_ = 0, L_ = 0, created_ = 0;
};
/// A copy of FFT's fields (the policy type is incomplete inside its own nested state).
struct Config {
    int nodes_per_box, min_boxes;
    double max_box_width;
    int max_boxes;
};

}  // namespace fft_detail

/// Repulsion policy: FFT-accelerated interpolation (FIt-SNE), O(N) per iteration for 1-D and 2-D
/// output. See the top of gradient/fft_interp.hpp for the method, its accuracy and caching, and
/// policies.hpp for the contract. For 3-D use BarnesHut (a 3-D grid would be far too large).
struct FFT {
    /// Interpolation nodes per box per axis (p). More nodes: smaller interpolation error (roughly
    /// geometric in p) but p^Dims more spreading work and a p-times larger grid per axis (FFT cost
    /// ~ p^Dims). 3 is FIt-SNE's and openTSNE's default. Range [2, 12].
    int nodes_per_box = 3;
    /// Minimum boxes per axis, however compact the embedding. Fewer: cheaper early iterations but
    /// coarser interpolation of a compact embedding. Range [1, max_boxes].
    int min_boxes = 50;
    /// Largest box width in embedding units. The kernel varies on a scale of 1, so wider boxes lose
    /// accuracy quickly; narrower ones cost (1/width)^Dims more FFT work. Must be >= 0; 0 means
    /// automatic: 1 in 2-D (FIt-SNE's and openTSNE's value), 0.5 in 1-D, where the grid costs
    /// little (Fashion-MNIST 70k, finished 1-D map: error of R 6.2e-2 at width 1, 6.2e-3 at 0.5,
    /// same time per call; benchmarks/RESULTS.md).
    double max_box_width = 0.0;
    /// Cap on boxes per axis in 2-D (in 1-D the cap is max_boxes² boxes: about the same memory).
    /// Beyond it (embeddings spread over more than about max_boxes / 1.1 units) boxes get wider
    /// than max_box_width, trading accuracy (error grows roughly like width³) for bounded memory
    /// and time: at the default 400 the 2-D grid holds at most 1200² nodes (FFT length 2400,
    /// about 140 MB of buffers in float, twice that in double, plus as much again briefly while
    /// the kernel's transform is rebuilt). A 70,000-point run ends near 215 boxes.
    /// Range [min_boxes, 4096].
    int max_boxes = 400;

    FFT() = default;
    /// FFT(3, 50) = FIt-SNE's defaults: 3 nodes per box, at least 50 boxes per axis.
    explicit FFT(int nodes_per_box_, int min_boxes_ = 50, double max_box_width_ = 0.0, int max_boxes_ = 400)
        : nodes_per_box(nodes_per_box_), min_boxes(min_boxes_), max_box_width(max_box_width_),
          max_boxes(max_boxes_) {
        validate();
    }

    /// Throws tsne::invalid_argument naming the first bad field.
    void validate() const {
        if (nodes_per_box < 2 || nodes_per_box > 12) detail::fail("FFT nodes_per_box must be in [2, 12], got ", nodes_per_box);
        if (max_boxes < 1 || max_boxes > 4096) detail::fail("FFT max_boxes must be in [1, 4096], got ", max_boxes);
        if (min_boxes < 1 || min_boxes > max_boxes)
            detail::fail("FFT min_boxes must be in [1, max_boxes = ", max_boxes, "], got ", min_boxes);
        if (!(max_box_width >= 0) || !std::isfinite(max_box_width))
            detail::fail("FFT max_box_width must be finite and >= 0 (0 = automatic), got ", max_box_width);
    }

    /// The grid a state works on (exposed for tests and diagnostics).
    struct Grid {
        double h = 0;        ///< box width
        std::size_t nb = 0;  ///< boxes per axis
        std::size_t n = 0;   ///< nodes per axis (nodes_per_box · nb)
        std::size_t L = 0;   ///< FFT length per axis (>= 2n − 1, factors 2, 3, 5 only)
    };

    /// Per-run buffers: the grid, the kernel's cached transform, FFT workers. Movable, not
    /// copyable; one call at a time.
    template <class T, int Dims>
    struct state {
        static_assert(Dims == 1 || Dims == 2,
                      "FFT repulsion supports 1-D and 2-D output; use tsne::BarnesHut for 3-D");
        using F = T;  // FFT precision
        static constexpr int C = Dims + 2;  // charges per node: 1, y (Dims), |y|²

        state(const FFT& cfg, std::size_t n_points)
            : cfg_{cfg.nodes_per_box, cfg.min_boxes, cfg.max_box_width, cfg.max_boxes}, n_(n_points) {
            cfg.validate();
            if (cfg_.max_box_width == 0) cfg_.max_box_width = Dims == 1 ? 0.5 : 1.0;
            const int p = cfg_.nodes_per_box;
            for (int k = 0; k < p; ++k) {
                double den = 1;
                for (int m = 0; m < p; ++m)
                    if (m != k) den *= static_cast<double>(k - m) / p;
                inv_den_[static_cast<std::size_t>(k)] = 1.0 / den;
            }
        }

        /// Writes R (unnormalised repulsive forces) and returns Z.
        template <class Exec>
        double operator()(const Embedding<T, Dims>& Y, Embedding<T, Dims>& R, Exec& ex) {
            const std::size_t N = Y.size();
            if (N == 0) return 0.0;
            fit_grid(Y, ex);
            locate(Y, ex);
            spread(Y, ex);
            if constexpr (Dims == 1) convolve_1d();
            else convolve_2d(ex);
            return interpolate(Y, R, ex);
        }

        /// The persistent part (the grid), for Run::save / Run::load: a state restored from it
        /// makes the same grid decisions as the state it was saved from, so a resumed run is
        /// bit-identical to an uninterrupted one.
        void save(std::ostream& os) const {
            detail::write_tag(os, "FFTG");
            detail::write_pod(os, grid_.h);
            for (std::uint64_t v : {std::uint64_t(grid_.nb), std::uint64_t(grid_.n), std::uint64_t(grid_.L)})
                detail::write_pod(os, v);
        }
        void load(std::istream& is) {
            detail::read_tag(is, "FFTG");
            Grid g;
            g.h = detail::read_pod<double>(is, "FFT box width");
            g.nb = static_cast<std::size_t>(detail::read_pod<std::uint64_t>(is, "FFT boxes"));
            g.n = static_cast<std::size_t>(detail::read_pod<std::uint64_t>(is, "FFT nodes"));
            g.L = static_cast<std::size_t>(detail::read_pod<std::uint64_t>(is, "FFT length"));
            if (g.L == 0) {  // saved before the first call: nothing to restore
                grid_ = Grid{};
                return;
            }
            const auto p = static_cast<std::size_t>(cfg_.nodes_per_box);
            if (!(g.h > 0) || !std::isfinite(g.h) || g.nb < 1 || g.nb > box_cap() || g.n != p * g.nb ||
                g.L < 2 * g.n - 1 || g.L > 4 * g.n + 64)
                detail::fail("run state: FFT grid (h ", g.h, ", boxes ", g.nb, ", nodes ", g.n, ", length ", g.L,
                             ") does not fit this FFT configuration (nodes_per_box ", p, ", max_boxes ",
                             cfg_.max_boxes, ")");
            grid_ = g;
            transform_stale_ = true;
        }

        /// Degrees of freedom α of the t kernel (kernel.hpp); 1 = standard t-SNE. A change
        /// rebuilds the kernel's transform on the next call (same grid).
        void set_dof(double alpha) {
            detail::check_positive("dof", alpha);
            if (alpha == dof_) return;
            dof_ = alpha;
            if (grid_.L) transform_stale_ = true;
        }

        const Grid& grid() const noexcept { return grid_; }
        /// How many times the kernel's transform has been (re)computed.
        std::size_t regrids() const noexcept { return regrids_; }

    private:
        static constexpr double ladder = 1.189207115002721;  // 2^(1/4)
        static constexpr double headroom = 1.1;
        static constexpr std::size_t point_block = 1024;

        // ---- grid choice -------------------------------------------------------------------
        std::size_t box_cap() const {
            const auto m = static_cast<std::size_t>(cfg_.max_boxes);
            return Dims == 1 ? m * m : m;
        }
        /// Ladder value max_box_width · ρ^k closest below `x` (k may be negative or positive).
        double ladder_floor(double x) const {
            const double k = std::floor(std::log(x / cfg_.max_box_width) / std::log(ladder) + 1e-9);
            return cfg_.max_box_width * std::pow(ladder, k);
        }
        /// The box width a fresh grid would use for an embedding of this extent.
        double target_h(double range) const {
            double h = std::min(cfg_.max_box_width, ladder_floor(range / cfg_.min_boxes));
            while (std::ceil(range * headroom / h) > static_cast<double>(box_cap())) h *= ladder;
            return h;
        }
        Grid choose(double range) const {
            Grid g;
            g.h = target_h(range);
            const auto p = static_cast<std::size_t>(cfg_.nodes_per_box);
            std::size_t nb = std::max<std::size_t>(static_cast<std::size_t>(cfg_.min_boxes),
                                                   static_cast<std::size_t>(std::ceil(range * headroom / g.h)));
            nb = std::min(nb, box_cap());
            g.L = fft_detail::fft_length(2 * p * nb - 1);
            // The smooth length usually has room for a few more boxes: take them (free headroom).
            g.nb = std::min(std::max(nb, (g.L + 1) / (2 * p)), box_cap());
            g.n = p * g.nb;
            return g;
        }
        bool keep(double range) const {
            if (grid_.L == 0) return false;
            if (range > static_cast<double>(grid_.nb) * grid_.h) return false;  // no longer fits
            const Grid t = choose(range);
            if (grid_.h > t.h * ladder * (1 + 1e-9)) return false;  // too coarse for the accuracy target
            return grid_.L <= t.L + t.L / 2;                          // not much larger than needed
        }

        template <class Exec>
        void fit_grid(const Embedding<T, Dims>& Y, Exec& ex) {
            const std::size_t N = Y.size();
            const std::size_t nblk = (N + point_block - 1) / point_block;
            std::vector<double> lo(nblk * Dims), hi(nblk * Dims);
            ex.parallel_for(N, point_block, [&](std::size_t b, std::size_t e) {
                const std::size_t k = b / point_block;
                for (int d = 0; d < Dims; ++d) {
                    const T* y = Y.coord(d);
                    T mn = y[b], mx = y[b];
                    for (std::size_t i = b + 1; i < e; ++i) {
                        mn = std::min(mn, y[i]);
                        mx = std::max(mx, y[i]);
                    }
                    lo[k * Dims + static_cast<std::size_t>(d)] = static_cast<double>(mn);
                    hi[k * Dims + static_cast<std::size_t>(d)] = static_cast<double>(mx);
                }
            });
            double range = 0, scale = 0;
            diam2_ = 0;
            for (int d = 0; d < Dims; ++d) {
                double mn = lo[static_cast<std::size_t>(d)], mx = hi[static_cast<std::size_t>(d)];
                for (std::size_t k = 1; k < nblk; ++k) {
                    mn = std::min(mn, lo[k * Dims + static_cast<std::size_t>(d)]);
                    mx = std::max(mx, hi[k * Dims + static_cast<std::size_t>(d)]);
                }
                if (!std::isfinite(mn) || !std::isfinite(mx))
                    detail::throw_with<runtime_error>("FFT repulsion: non-finite embedding coordinate in dimension ", d);
                centre_[static_cast<std::size_t>(d)] = 0.5 * (mn + mx);
                range = std::max(range, mx - mn);
                diam2_ += (mx - mn) * (mx - mn);
                scale = std::max({scale, std::abs(mn), std::abs(mx)});
            }
            // All points (nearly) equal: any tiny grid is exact; keep h representable relative to
            // the coordinates so box positions stay meaningful.
            range = std::max({range, 1e-6 * scale, 1e-30});
            if (!keep(range)) regrid(choose(range), ex);
            else if (transform_stale_) regrid(grid_, ex);  // loaded grid or new α: build its transform
            for (int d = 0; d < Dims; ++d)
                origin_[static_cast<std::size_t>(d)] =
                    centre_[static_cast<std::size_t>(d)] - 0.5 * static_cast<double>(grid_.nb) * grid_.h;
        }

        /// Recomputes the kernel's transform for a new grid.
        template <class Exec>
        void regrid(const Grid g, Exec& ex) {  // by value: load() and set_dof() pass grid_ itself
            // No grid until every buffer below has its new size: if an allocation throws, the
            // next call must regrid rather than index the old buffers with the new grid.
            grid_ = Grid{};
            transform_stale_ = false;
            ++regrids_;
            const std::size_t L = g.L, n = g.n, H = fft_detail::lanes<F>;
            const std::size_t p = static_cast<std::size_t>(cfg_.nodes_per_box);
            fft_ = std::make_unique<fft_detail::Transform<F>>(L);
            pool_->reset(Dims == 1 ? L : L * H, L);  // 1-D transforms one sequence at a time
            const auto& fft = *fft_;
            const double delta = g.h / static_cast<double>(p);
            // Circulant embedding: offset m (|m| < n) sits at index m mod L; other entries are
            // never reached by the linear convolution and stay 0. The inverse FFTs are
            // unnormalised, so the transform carries the 1/L^Dims.
            auto offset = [&](std::size_t idx) -> double {  // |offset| at index idx, or -1
                const std::size_t m = std::min(idx, L - idx);
                return m < n ? static_cast<double>(m) * delta : -1.0;
            };
            // The force kernel (1 + r²/α)^−(α+1) (kernel.hpp); α = 1: (1 + r²)⁻².
            const double alpha = dof_, inv_alpha = 1.0 / dof_;
            auto kernel = [alpha, inv_alpha](double r2) {
                if (alpha == 1.0) return 1.0 / ((1 + r2) * (1 + r2));
                return std::pow(1 + r2 * inv_alpha, -(alpha + 1));
            };
            // K between nodes of one box, for the self-interaction term of Z.
            const std::size_t span = 2 * p - 1;
            kself_.assign(Dims == 1 ? span : span * span, 0.0);
            for (std::size_t a = 0; a < span; ++a) {
                const double da = (static_cast<double>(a) - static_cast<double>(p - 1)) * delta;
                if constexpr (Dims == 1) {
                    kself_[a] = kernel(da * da);
                } else {
                    for (std::size_t b = 0; b < span; ++b) {
                        const double db = (static_cast<double>(b) - static_cast<double>(p - 1)) * delta;
                        kself_[a * span + b] = kernel(da * da + db * db);
                    }
                }
            }
            if constexpr (Dims == 1) {
                auto w = pool_->acquire();
                F *xr = w->xr, *xi = w->xi, *yr = w->yr, *yi = w->yi;
                for (std::size_t i = 0; i < L; ++i) {
                    const double r = offset(i);
                    xr[i] = r < 0 ? F(0) : static_cast<F>(kernel(r * r));
                    xi[i] = F(0);
                }
                fft.fwd(w->fft, xr, xi, yr, yi, 1);
                khat_.resize(L);
                for (std::size_t i = 0; i < L; ++i) khat_[i] = yr[i] / static_cast<F>(L);
            } else {
                // 2-D transform of the real, even kernel: row batches, then column batches. The
                // result is real; it is stored per column batch in the lane layout the column
                // pass uses, so the multiply is one contiguous loop.
                const std::size_t Lp = (L + H - 1) / H * H, tiles = Lp / H;
                fft_detail::avector<F> sr(L * Lp, F(0)), si(L * Lp, F(0));
                ex.parallel_for(tiles, 1, [&](std::size_t b, std::size_t e) {
                    auto w = pool_->acquire();
                    F *xr = w->xr, *xi = w->xi, *yr = w->yr, *yi = w->yi;
                    for (std::size_t tile = b; tile < e; ++tile) {
                        const std::size_t r0 = tile * H, nt = std::min(H, L - r0);
                        for (std::size_t c = 0; c < L; ++c) {
                            const double rx = offset(c);
                            for (std::size_t t = 0; t < H; ++t) {
                                const double ry = t < nt ? offset(r0 + t) : -1.0;
                                xr[c * H + t] = rx < 0 || ry < 0 ? F(0) : static_cast<F>(kernel(rx * rx + ry * ry));
                                xi[c * H + t] = F(0);
                            }
                        }
                        fft.fwd(w->fft, xr, xi, yr, yi, H);
                        for (std::size_t t = 0; t < nt; ++t)
                            for (std::size_t c = 0; c < L; ++c) {
                                sr[(r0 + t) * Lp + c] = yr[c * H + t];
                                si[(r0 + t) * Lp + c] = yi[c * H + t];
                            }
                    }
                });
                khat_.assign(tiles * L * H, F(0));
                const F scale = F(1) / (static_cast<F>(L) * static_cast<F>(L));
                ex.parallel_for(tiles, 1, [&](std::size_t b, std::size_t e) {
                    auto w = pool_->acquire();
                    F *xr = w->xr, *xi = w->xi, *yr = w->yr, *yi = w->yi;
                    for (std::size_t tile = b; tile < e; ++tile) {
                        for (std::size_t r = 0; r < L; ++r) {
                            std::copy_n(&sr[r * Lp + tile * H], H, xr + r * H);
                            std::copy_n(&si[r * Lp + tile * H], H, xi + r * H);
                        }
                        fft.fwd(w->fft, xr, xi, yr, yi, H);
                        F* k = &khat_[tile * L * H];
                        for (std::size_t u = 0; u < L * H; ++u) k[u] = yr[u] * scale;
                    }
                });
                spec_r_.assign(2 * n * Lp, F(0));
                spec_i_.assign(2 * n * Lp, F(0));
            }
            const std::size_t nodes = Dims == 1 ? n : n * n;
            charges_.assign(nodes * C, F(0));
            pot_.assign(nodes * C, F(0));
            row_start_.assign(g.nb + 1, 0);
            grid_ = g;
        }
        // ---- points → boxes, weights ------------------------------------------------------
        template <class Exec>
        void locate(const Embedding<T, Dims>& Y, Exec& ex) {
            const std::size_t N = Y.size();
            const std::size_t p = static_cast<std::size_t>(cfg_.nodes_per_box);
            box_.resize(N * Dims);
            w_.resize(N * Dims * p);
            const double inv_h = 1.0 / grid_.h;
            const double top = static_cast<double>(grid_.nb - 1);
            ex.parallel_for(N, point_block, [&](std::size_t b, std::size_t e) {
                for (int d = 0; d < Dims; ++d) {
                    const T* y = Y.coord(d);
                    const double o = origin_[static_cast<std::size_t>(d)];
                    for (std::size_t i = b; i < e; ++i) {
                        const double u = (static_cast<double>(y[i]) - o) * inv_h;
                        // Clamp: a point on (or rounded past) the outer boundary belongs to the
                        // last box; interpolating at t slightly outside [0, 1] is still exact to
                        // the polynomial's accuracy.
                        const double bf = std::min(top, std::max(0.0, std::floor(u)));
                        const double t = u - bf;
                        box_[i * Dims + static_cast<std::size_t>(d)] = static_cast<std::uint32_t>(bf);
                        F* w = &w_[(i * Dims + static_cast<std::size_t>(d)) * p];
                        for (std::size_t k = 0; k < p; ++k) {
                            double v = inv_den_[k];
                            for (std::size_t m = 0; m < p; ++m)
                                if (m != k) v *= t - (static_cast<double>(m) + 0.5) / static_cast<double>(p);
                            w[k] = static_cast<F>(v);
                        }
                    }
                }
            });
            // Stable counting sort by the last coordinate's box ("box row"): spreading then runs
            // over blocks of box rows, each owning its node rows.
            constexpr int last = Dims - 1;
            std::fill(row_start_.begin(), row_start_.end(), 0);
            for (std::size_t i = 0; i < N; ++i) ++row_start_[box_[i * Dims + last] + 1];
            for (std::size_t r = 0; r < grid_.nb; ++r) row_start_[r + 1] += row_start_[r];
            order_.resize(N);
            cursor_.assign(row_start_.begin(), row_start_.end() - 1);
            for (std::size_t i = 0; i < N; ++i) order_[cursor_[box_[i * Dims + last]]++] = static_cast<std::uint32_t>(i);
        }

        /// Charges 1, y − centre (per axis), |y − centre|² of point i.
        void charges_of(const Embedding<T, Dims>& Y, std::size_t i, F* q) const {
            double s = 0;
            q[0] = F(1);
            for (int d = 0; d < Dims; ++d) {
                const double v = static_cast<double>(Y.coord(d)[i]) - centre_[static_cast<std::size_t>(d)];
                q[1 + d] = static_cast<F>(v);
                s += v * v;
            }
            q[Dims + 1] = static_cast<F>(s);
        }

        template <class Exec>
        void spread(const Embedding<T, Dims>& Y, Exec& ex) {
            const std::size_t p = static_cast<std::size_t>(cfg_.nodes_per_box), n = grid_.n;
            const std::size_t row_nodes = (Dims == 1 ? 1 : n) * C;  // values per node row
            ex.parallel_for(grid_.nb, 4, [&](std::size_t b, std::size_t e) {
                std::fill(charges_.begin() + static_cast<std::ptrdiff_t>(b * p * row_nodes),
                          charges_.begin() + static_cast<std::ptrdiff_t>(e * p * row_nodes), F(0));
                for (std::size_t k = row_start_[b]; k < row_start_[e]; ++k) {
                    const std::size_t i = order_[k];
                    F q[C];
                    charges_of(Y, i, q);
                    const F* wl = &w_[(i * Dims + Dims - 1) * p];  // weights along the row axis
                    const std::size_t r0 = box_[i * Dims + Dims - 1] * p;
                    if constexpr (Dims == 1) {
                        for (std::size_t kr = 0; kr < p; ++kr) {
                            F* node = &charges_[(r0 + kr) * C];
                            for (int c = 0; c < C; ++c) node[c] += wl[kr] * q[c];
                        }
                    } else {
                        const F* wx = &w_[i * Dims * p];
                        const std::size_t c0 = box_[i * Dims] * p;
                        for (std::size_t kr = 0; kr < p; ++kr) {
                            F* row = &charges_[((r0 + kr) * n + c0) * C];
                            for (std::size_t kc = 0; kc < p; ++kc) {
                                const F wgt = wl[kr] * wx[kc];
                                for (int c = 0; c < C; ++c) row[kc * C + static_cast<std::size_t>(c)] += wgt * q[c];
                            }
                        }
                    }
                }
            });
        }

        // ---- convolution -------------------------------------------------------------------
        void convolve_1d() {
            const std::size_t L = grid_.L, n = grid_.n;
            auto w = pool_->acquire();
            F *xr = w->xr, *xi = w->xi, *yr = w->yr, *yi = w->yi;
            // (1 + i·y), then (y² + 0i): the kernel's transform is real, so real and imaginary
            // parts stay separate.
            for (int pass = 0; pass < 2; ++pass) {
                const std::size_t cr = pass == 0 ? 0 : 2, ci = 1;
                for (std::size_t x = 0; x < n; ++x) {
                    xr[x] = charges_[x * C + cr];
                    xi[x] = pass == 0 ? charges_[x * C + ci] : F(0);
                }
                std::fill(xr + n, xr + L, F(0));
                std::fill(xi + n, xi + L, F(0));
                fft_->fwd(w->fft, xr, xi, yr, yi, 1);
                for (std::size_t k = 0; k < L; ++k) {
                    yr[k] *= khat_[k];
                    yi[k] *= khat_[k];
                }
                fft_->inv(w->fft, yr, yi, xr, xi, 1);
                for (std::size_t x = 0; x < n; ++x) {
                    pot_[x * C + cr] = xr[x];
                    if (pass == 0) pot_[x * C + ci] = xi[x];
                }
            }
        }

        template <class Exec>
        void convolve_2d(Exec& ex) {
            const std::size_t L = grid_.L, n = grid_.n, H = fft_detail::lanes<F>;
            const std::size_t Lp = (L + H - 1) / H * H, row_tiles = (n + H - 1) / H;
            const auto& fft = *fft_;
            // Channels packed as two complex grids: A = 1 + i·y₁, B = y₂ + i·|y|². The kernel's
            // transform is real, so conv(A) = conv(1) + i·conv(y₁).
            static constexpr std::size_t pack[2][2] = {{0, 1}, {2, 3}};
            F* SR = spec_r_.data();
            F* SI = spec_i_.data();
            // Rows, a batch of H at a time: only the n rows holding charges (padding rows
            // transform to 0).
            ex.parallel_for(row_tiles, 1, [&](std::size_t b, std::size_t e) {
                auto w = pool_->acquire();
                F *xr = w->xr, *xi = w->xi, *yr = w->yr, *yi = w->yi;
                for (std::size_t tile = b; tile < e; ++tile) {
                    const std::size_t r0 = tile * H, nt = std::min(H, n - r0);
                    for (std::size_t g = 0; g < 2; ++g) {
                        std::fill(xr, xr + L * H, F(0));
                        std::fill(xi, xi + L * H, F(0));
                        for (std::size_t t = 0; t < nt; ++t) {
                            const F* q = &charges_[(r0 + t) * n * C];
                            for (std::size_t x = 0; x < n; ++x) {
                                xr[x * H + t] = q[x * C + pack[g][0]];
                                xi[x * H + t] = q[x * C + pack[g][1]];
                            }
                        }
                        fft.fwd(w->fft, xr, xi, yr, yi, H);
                        F* sr = SR + g * n * Lp;
                        F* si = SI + g * n * Lp;
                        for (std::size_t t = 0; t < nt; ++t)
                            for (std::size_t c = 0; c < L; ++c) {
                                sr[(r0 + t) * Lp + c] = yr[c * H + t];
                                si[(r0 + t) * Lp + c] = yi[c * H + t];
                            }
                    }
                }
            });
            // Columns, a batch of H at a time (one cache line of each row): forward, multiply by
            // the kernel's transform, inverse; only the first n rows of the result are needed.
            ex.parallel_for(Lp / H, 1, [&](std::size_t b, std::size_t e) {
                auto w = pool_->acquire();
                F *xr = w->xr, *xi = w->xi, *yr = w->yr, *yi = w->yi;
                for (std::size_t tile = b; tile < e; ++tile) {
                    const std::size_t c0 = tile * H;
                    const F* k = &khat_[tile * L * H];
                    for (std::size_t g = 0; g < 2; ++g) {
                        F* sr = SR + g * n * Lp;
                        F* si = SI + g * n * Lp;
                        for (std::size_t r = 0; r < n; ++r) {
                            std::copy_n(sr + r * Lp + c0, H, xr + r * H);
                            std::copy_n(si + r * Lp + c0, H, xi + r * H);
                        }
                        std::fill(xr + n * H, xr + L * H, F(0));
                        std::fill(xi + n * H, xi + L * H, F(0));
                        fft.fwd(w->fft, xr, xi, yr, yi, H);
                        for (std::size_t u = 0; u < L * H; ++u) {
                            yr[u] *= k[u];
                            yi[u] *= k[u];
                        }
                        fft.inv(w->fft, yr, yi, xr, xi, H);
                        for (std::size_t r = 0; r < n; ++r) {
                            std::copy_n(xr + r * H, H, sr + r * Lp + c0);
                            std::copy_n(xi + r * H, H, si + r * Lp + c0);
                        }
                    }
                }
            });
            // Rows back; keep the first n columns.
            ex.parallel_for(row_tiles, 1, [&](std::size_t b, std::size_t e) {
                auto w = pool_->acquire();
                F *xr = w->xr, *xi = w->xi, *yr = w->yr, *yi = w->yi;
                for (std::size_t tile = b; tile < e; ++tile) {
                    const std::size_t r0 = tile * H, nt = std::min(H, n - r0);
                    for (std::size_t g = 0; g < 2; ++g) {
                        const F* sr = SR + g * n * Lp;
                        const F* si = SI + g * n * Lp;
                        if (nt < H) {
                            std::fill(xr, xr + L * H, F(0));
                            std::fill(xi, xi + L * H, F(0));
                        }
                        for (std::size_t t = 0; t < nt; ++t)
                            for (std::size_t c = 0; c < L; ++c) {
                                xr[c * H + t] = sr[(r0 + t) * Lp + c];
                                xi[c * H + t] = si[(r0 + t) * Lp + c];
                            }
                        fft.inv(w->fft, xr, xi, yr, yi, H);
                        for (std::size_t t = 0; t < nt; ++t) {
                            F* pr = &pot_[(r0 + t) * n * C];
                            for (std::size_t x = 0; x < n; ++x) {
                                pr[x * C + pack[g][0]] = yr[x * H + t];
                                pr[x * C + pack[g][1]] = yi[x * H + t];
                            }
                        }
                    }
                }
            });
        }
        // ---- nodes → points ----------------------------------------------------------------
        template <class Exec>
        double interpolate(const Embedding<T, Dims>& Y, Embedding<T, Dims>& R, Exec& ex) {
            const std::size_t N = Y.size();
            const std::size_t p = static_cast<std::size_t>(cfg_.nodes_per_box), n = grid_.n;
            const double inv_alpha = 1.0 / dof_;
            const double zsum = block_sum(ex, N, point_block, [&](std::size_t b, std::size_t e) {
                double zacc = 0;
                for (std::size_t i = b; i < e; ++i) {
                    double phi[C] = {};
                    const F* wl = &w_[(i * Dims + Dims - 1) * p];
                    const std::size_t r0 = box_[i * Dims + Dims - 1] * p;
                    if constexpr (Dims == 1) {
                        for (std::size_t kr = 0; kr < p; ++kr) {
                            const F* node = &pot_[(r0 + kr) * C];
                            for (int c = 0; c < C; ++c) phi[c] += static_cast<double>(wl[kr] * node[c]);
                        }
                    } else {
                        const F* wx = &w_[i * Dims * p];
                        const std::size_t c0 = box_[i * Dims] * p;
                        for (std::size_t kr = 0; kr < p; ++kr) {
                            F acc[C] = {};
                            const F* row = &pot_[((r0 + kr) * n + c0) * C];
                            for (std::size_t kc = 0; kc < p; ++kc)
                                for (int c = 0; c < C; ++c) acc[c] += wx[kc] * row[kc * C + static_cast<std::size_t>(c)];
                            for (int c = 0; c < C; ++c) phi[c] += static_cast<double>(wl[kr] * acc[c]);
                        }
                    }
                    double yy = 0, ydot = 0;
                    for (int d = 0; d < Dims; ++d) {
                        const double v = static_cast<double>(Y.coord(d)[i]) - centre_[static_cast<std::size_t>(d)];
                        yy += v * v;
                        ydot += v * phi[1 + d];
                        R.coord(d)[i] = static_cast<T>(v * phi[0] - phi[1 + d]);
                    }
                    // The point's own charge came back through the interpolated kernel
                    // K̃_ii = Σ_ab w_a w_b K(x_a − x_b) (not exactly K(0) = 1); subtracting K̃_ii
                    // rather than 1 cancels that error, which dominates Z when the embedding is
                    // sparse (Z small next to N). R has no self term: y_i K̃_ii − y_i K̃_ii = 0.
                    // Σ_j (1 + |y_i − y_j|²/α) K_ij = w summed (exactly the α = 1 formula at α = 1).
                    zacc += (1 + yy * inv_alpha) * phi[0] - 2 * inv_alpha * ydot + inv_alpha * phi[Dims + 1] -
                            self_kernel(i);
                }
                return zacc;
            });
            // No pair is farther apart than the bounding box's diagonal, which bounds Z from below
            // (and keeps it positive when the approximation error dominates a tiny Z).
            const double dn = static_cast<double>(N);
            const double zmin = dof_ == 1.0 ? dn * (dn - 1) / (1 + diam2_)
                                             : dn * (dn - 1) * std::pow(1 + diam2_ / dof_, -dof_);
            return std::max({zsum, zmin, std::numeric_limits<double>::min()});
        }

        /// K̃_ii for point i: with u_d[δ] = Σ_{a−b=δ} w_d[a] w_d[b] per axis, K̃_ii = Σ u·v·K(δ).
        double self_kernel(std::size_t i) const {
            const std::size_t p = static_cast<std::size_t>(cfg_.nodes_per_box), span = 2 * p - 1;
            double u[Dims][23] = {};
            for (int d = 0; d < Dims; ++d) {
                const F* w = &w_[(i * Dims + static_cast<std::size_t>(d)) * p];
                for (std::size_t a = 0; a < p; ++a)
                    for (std::size_t b = 0; b < p; ++b)
                        u[d][a + p - 1 - b] += static_cast<double>(w[a]) * static_cast<double>(w[b]);
            }
            double s = 0;
            if constexpr (Dims == 1) {
                for (std::size_t a = 0; a < span; ++a) s += u[0][a] * kself_[a];
            } else {
                for (std::size_t a = 0; a < span; ++a) {
                    double row = 0;
                    for (std::size_t b = 0; b < span; ++b) row += u[0][b] * kself_[a * span + b];
                    s += u[1][a] * row;
                }
            }
            return s;
        }

        fft_detail::Config cfg_;
        std::size_t n_ = 0;
        std::array<double, 16> inv_den_{};
        std::array<double, Dims> centre_{}, origin_{};
        double diam2_ = 0;
        Grid grid_;
        std::size_t regrids_ = 0;
        bool transform_stale_ = false;  // grid_ is set (load, set_dof) but its kernel transform is not built
        double dof_ = 1.0;
        std::unique_ptr<fft_detail::WorkerPool<F>> pool_ = std::make_unique<fft_detail::WorkerPool<F>>();  // holds a mutex: on the heap so the state moves
        std::unique_ptr<fft_detail::Transform<F>> fft_;
        simd::aligned_vector<F> khat_, charges_, pot_, w_;
        simd::aligned_vector<F> spec_r_, spec_i_;  // row transforms of the two packed grids
        std::vector<double> kself_;
        std::vector<std::uint32_t> box_, order_;
        std::vector<std::size_t> row_start_, cursor_;
    };
};

}  // namespace tsne
