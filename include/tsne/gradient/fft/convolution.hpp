#pragma once
// The convolution step of FFT interpolation (gradient/fft_interp.hpp): node charges on the grid,
// convolved with a radial kernel K(r²) by zero-padded FFT, give the node potentials.
//
// Zero-padded to L >= 2n − 1 per axis (fft_length: only the prime factors 2, 3, 5), with the
// circulant embedding of K at the node offsets; the kernel's transform is computed once per grid
// (build) and reused by every call (run) until the grid or the kernel changes. 2-D transforms run
// as batches of lanes<F> rows, then of lanes<F> columns (one cache line of each row); every batch
// is independent, so results are bit-identical for any thread count. Transforms run in the
// embedding's precision F.
#include <algorithm>
#include <cstddef>
#include <memory>

#include "backend.hpp"
#include "grid.hpp"
#include "lengths.hpp"
#include "workers.hpp"

namespace tsne {
namespace fft_detail {

/// Node grids of C = Dims + 2 charges per node (1, y per axis, |y|²: node-major, C values per
/// node, rows along the last axis) and the transforms that turn charges into potentials.
/// Movable, not copyable; one call at a time.
template <class F, int Dims>
class Convolution {
public:
    static constexpr int C = Dims + 2;

    /// Sets up grid g: FFT plans, workers, node buffers, and the transform of `kernel` (a
    /// squared distance → the force kernel) at the node offsets, `delta` = h / nodes_per_box
    /// apart. If it throws, the object must be built again before use.
    template <class Kernel, class Exec>
    void build(const Grid& g, double delta, const Kernel& kernel, Exec& ex) {
        const std::size_t L = g.L, n = g.n, H = lanes<F>;
        fft_ = std::make_unique<Transform<F>>(L);
        pool_->reset(Dims == 1 ? L : L * H, L);  // 1-D transforms one sequence at a time
        const auto& fft = *fft_;
        // Circulant embedding: offset m (|m| < n) sits at index m mod L; other entries are
        // never reached by the linear convolution and stay 0. The inverse FFTs are
        // unnormalised, so the transform carries the 1/L^Dims.
        auto offset = [&](std::size_t idx) -> double {  // |offset| at index idx, or -1
            const std::size_t m = std::min(idx, L - idx);
            return m < n ? static_cast<double>(m) * delta : -1.0;
        };
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
            avector<F> sr(L * Lp, F(0)), si(L * Lp, F(0));
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
        L_ = L;
        n_ = n;
    }

    /// The charges of the last build's grid, zeroed by the caller before spreading.
    avector<F>& charges() noexcept { return charges_; }
    /// The potentials after run(), same layout as the charges.
    const avector<F>& potentials() const noexcept { return pot_; }

    /// Potentials of the current charges.
    template <class Exec>
    void run(Exec& ex) {
        if constexpr (Dims == 1) convolve_1d();
        else convolve_2d(ex);
    }

private:
    void convolve_1d() {
        const std::size_t L = L_, n = n_;
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
        const std::size_t L = L_, n = n_, H = lanes<F>;
        const std::size_t Lp = (L + H - 1) / H * H, row_tiles = (n + H - 1) / H;
        const auto& fft = *fft_;
        // Channels packed as two complex grids: A = 1 + i·y₁, B = y₂ + i·|y|². The kernel's
        // transform is real, so conv(A) = conv(1) + i·conv(y₁).
        static constexpr std::size_t pack[2][2] = {{0, 1}, {2, 3}};
        F* SR = spec_r_.data();
        F* SI = spec_i_.data();
        // Both row passes run over batches of H rows among the n holding charges (padding rows
        // transform to 0), for each packed grid g: body(worker, first row r0, rows nt, g).
        auto row_batches = [&](const auto& body) {
            ex.parallel_for(row_tiles, 1, [&](std::size_t b, std::size_t e) {
                auto w = pool_->acquire();
                for (std::size_t tile = b; tile < e; ++tile) {
                    const std::size_t r0 = tile * H, nt = std::min(H, n - r0);
                    for (std::size_t g = 0; g < 2; ++g) body(*w, r0, nt, g);
                }
            });
        };
        // Rows forward.
        row_batches([&](Worker<F>& w, std::size_t r0, std::size_t nt, std::size_t g) {
            F *xr = w.xr, *xi = w.xi, *yr = w.yr, *yi = w.yi;
            std::fill(xr, xr + L * H, F(0));
            std::fill(xi, xi + L * H, F(0));
            for (std::size_t t = 0; t < nt; ++t) {
                const F* q = &charges_[(r0 + t) * n * C];
                for (std::size_t x = 0; x < n; ++x) {
                    xr[x * H + t] = q[x * C + pack[g][0]];
                    xi[x * H + t] = q[x * C + pack[g][1]];
                }
            }
            fft.fwd(w.fft, xr, xi, yr, yi, H);
            F* sr = SR + g * n * Lp;
            F* si = SI + g * n * Lp;
            for (std::size_t t = 0; t < nt; ++t)
                for (std::size_t c = 0; c < L; ++c) {
                    sr[(r0 + t) * Lp + c] = yr[c * H + t];
                    si[(r0 + t) * Lp + c] = yi[c * H + t];
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
        row_batches([&](Worker<F>& w, std::size_t r0, std::size_t nt, std::size_t g) {
            F *xr = w.xr, *xi = w.xi, *yr = w.yr, *yi = w.yi;
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
            fft.inv(w.fft, xr, xi, yr, yi, H);
            for (std::size_t t = 0; t < nt; ++t) {
                F* pr = &pot_[(r0 + t) * n * C];
                for (std::size_t x = 0; x < n; ++x) {
                    pr[x * C + pack[g][0]] = yr[x * H + t];
                    pr[x * C + pack[g][1]] = yi[x * H + t];
                }
            }
        });
    }

    std::unique_ptr<WorkerPool<F>> pool_ = std::make_unique<WorkerPool<F>>();  // holds a mutex: on the heap so the state moves
    std::unique_ptr<Transform<F>> fft_;
    avector<F> khat_, charges_, pot_;
    avector<F> spec_r_, spec_i_;  // row transforms of the two packed grids
    std::size_t L_ = 0, n_ = 0;
};

}  // namespace fft_detail
}  // namespace tsne
