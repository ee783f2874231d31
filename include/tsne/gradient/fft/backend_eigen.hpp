#pragma once
// FFT backend through Eigen's FFT module (unsupported/Eigen/FFT, kissfft; ships with Eigen): the
// default (gradient/fft/backend.hpp). Each sequence of a batch is interleaved into a std::complex
// buffer, transformed with the complex-to-complex fwd / inv (Unscaled) and de-interleaved.
#include <complex>
#include <cstddef>
#include <vector>

#include <unsupported/Eigen/FFT>

#include "lengths.hpp"

namespace tsne {
namespace fft_detail {

/// Eigen's FFT module (unsupported/Eigen/FFT, kissfft) for one length L, applied to H
/// interleaved split-complex sequences (element j of sequence t at [j·H + t]): each sequence is
/// interleaved into a std::complex buffer, transformed with the complex-to-complex fwd / inv
/// (Unscaled) and de-interleaved. An Eigen::FFT object caches its plans in a std::map filled on
/// first use and kissfft's generic butterfly writes a per-plan scratch buffer, so an object must
/// never be used by two threads at once: every Worker owns one (Scratch). Any two objects give
/// bit-identical results for the same input (the plans' twiddles and factorisation depend only on
/// L), so results do not depend on which worker transforms which tile. The real-input /
/// HalfSpectrum path is never used (its kissfft code shares mutable temporaries). Kissfft cannot
/// transform length 1; grid lengths are always >= 3 (lengths.hpp).
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
    // Out of line on purpose: kissfft is inline code, and the compiler may contract a*b+c into FMAs
    // differently in different inlined copies (the serial and the thread-pool instantiation of a
    // convolution pass would then differ in the last bits). One compiled copy per F keeps the
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

}  // namespace fft_detail
}  // namespace tsne
