#pragma once
// FFT-accelerated interpolation repulsion (Linderman, Rachh, Hoskins, Steinerberger, Kluger 2019,
// "FIt-SNE"; also openTSNE): the repulsive sums are kernel sums, evaluated on a regular grid.
//
//   1. The bounding box of Y is covered by nb^Dims square boxes of width h; each box holds p
//      equispaced interpolation nodes per axis at box-relative positions (k + 0.5) / p, so all
//      nodes together form one equispaced grid of n = p·nb nodes per axis (spacing h / p).
//      Which grid, and when it is kept: gradient/fft/grid.hpp.
//   2. Every point spreads its charges (1, y, |y|² in 2-D; 1, y, y² in 1-D, y measured from the
//      grid centre) to the p^Dims nodes of its box with Lagrange weights.
//   3. The node charges are convolved with K(r) = (1 + r²)⁻² by FFT (gradient/fft/convolution.hpp;
//      backends: gradient/fft/backend.hpp).
//   4. The node potentials φ are interpolated back to the points with the same weights, and
//        R_i = y_i φ₁ − φ_y,   Z = Σ_i [(1 + |y_i|²) φ₁ − 2 y_i·φ_y + φ_|y|²] − N.
//
// Cost per call: O(N p^Dims) to spread and interpolate plus the FFTs, O(L^Dims log L); the grid
// grows with the spread of the embedding (h ≤ max_box_width), not with N.
//
// Accuracy: the error of R is dominated by the near field (pairs within a box or two), so sparse
// maps (few points per box) show the largest relative error; it falls geometrically with more
// nodes per box and like width³ with narrower boxes. Float and double agree closely, so
// interpolation, not FFT precision, sets the error. tests/gradient/fft_interp_test.cpp bounds the
// error against Exact (R < 0.05 in 2-D, < 0.02 in 1-D, Z < 0.02); measured errors and timings
// against Barnes-Hut are in benchmarks/RESULTS.md. Z subtracts each point's interpolated
// self-interaction (not 1), which removes the error that otherwise dominates Z for sparse maps.
//
// Threads: points are counting-sorted (stably) by box row; spreading runs over fixed blocks of box
// rows, each block writing only its own node rows; every 1-D FFT is independent; interpolation is
// per point; Z is reduced over fixed blocks in block order. Results are bit-identical for any
// thread count.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "../detail/binary_io.hpp"
#include "../detail/embedding.hpp"
#include "../error.hpp"
#include "../parallel/parallel_for.hpp"
#include "../simd/compat.hpp"
#include "fft/convolution.hpp"
#include "fft/grid.hpp"
#include "fft/lengths.hpp"
#include "kernel.hpp"

namespace tsne {

/// Repulsion policy: FFT-accelerated interpolation (FIt-SNE), O(N) per iteration for 1-D and 2-D
/// output. See the top of gradient/fft_interp.hpp for the method and its accuracy,
/// gradient/fft/grid.hpp for the grid and its caching, and policies.hpp for the contract. For 3-D use BarnesHut (a 3-D grid would be far too large).
struct FFT {
    /// Interpolation nodes per box per axis (p). More nodes: smaller interpolation error (roughly
    /// geometric in p) but p^Dims more spreading work and a p-times larger grid per axis (FFT cost
    /// ~ p^Dims). 3 is FIt-SNE's and openTSNE's default. Range [2, 12] (fft_detail::min_nodes_per_box,
    /// max_nodes_per_box).
    int nodes_per_box = 3;
    /// Minimum boxes per axis, however compact the embedding. Fewer: cheaper early iterations but
    /// coarser interpolation of a compact embedding. Range [1, max_boxes].
    int min_boxes = 50;
    /// Largest box width in embedding units. The kernel varies on a scale of 1, so wider boxes lose
    /// accuracy quickly; narrower ones cost (1/width)^Dims more FFT work. Must be >= 0; 0 means
    /// automatic: 1 in 2-D (FIt-SNE's and openTSNE's value), 0.5 in 1-D, where the grid costs
    /// little, so the narrower boxes buy accuracy at about the same time per call
    /// (benchmarks/RESULTS.md).
    double max_box_width = 0.0;
    /// Cap on boxes per axis in 2-D (in 1-D the cap is max_boxes² boxes: about the same memory).
    /// Beyond it (embeddings spread over more than about max_boxes / 1.1 units) boxes get wider
    /// than max_box_width, trading accuracy (error grows roughly like width³) for bounded memory
    /// and time: at the default 400 the 2-D grid holds at most 1200² nodes (FFT length 2400,
    /// about 140 MB of buffers in float, twice that in double, plus as much again briefly while
    /// the kernel's transform is rebuilt). Range [min_boxes, 4096] (fft_detail::max_boxes_limit).
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
        constexpr int p_lo = fft_detail::min_nodes_per_box, p_hi = fft_detail::max_nodes_per_box;
        constexpr int boxes_hi = fft_detail::max_boxes_limit;
        if (nodes_per_box < p_lo || nodes_per_box > p_hi)
            detail::fail("FFT nodes_per_box must be in [", p_lo, ", ", p_hi, "], got ", nodes_per_box);
        if (max_boxes < 1 || max_boxes > boxes_hi) detail::fail("FFT max_boxes must be in [1, ", boxes_hi, "], got ", max_boxes);
        if (min_boxes < 1 || min_boxes > max_boxes)
            detail::fail("FFT min_boxes must be in [1, max_boxes = ", max_boxes, "], got ", min_boxes);
        if (!(max_box_width >= 0) || !std::isfinite(max_box_width))
            detail::fail("FFT max_box_width must be finite and >= 0 (0 = automatic), got ", max_box_width);
    }

    /// The grid a state works on (exposed for tests and diagnostics; fields: gradient/fft/grid.hpp).
    using Grid = fft_detail::Grid;

    /// Per-run buffers: the grid, the kernel's cached transform, FFT workers. Movable, not
    /// copyable; one call at a time.
    template <class T, int Dims>
    struct state {
        static_assert(Dims == 1 || Dims == 2,
                      "FFT repulsion supports 1-D and 2-D output; use tsne::BarnesHut for 3-D");
        using F = T;  // FFT precision
        static constexpr int C = fft_detail::Convolution<F, Dims>::C;  // charges per node: 1, y (Dims), |y|²

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
            conv_.run(ex);
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
            if (!fft_detail::grid_fits<Dims>(cfg_, g))
                detail::fail("run state: FFT grid (h ", g.h, ", boxes ", g.nb, ", nodes ", g.n, ", length ", g.L,
                             ") does not fit this FFT configuration (nodes_per_box ", cfg_.nodes_per_box, ", max_boxes ",
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
        static constexpr std::size_t point_block = 1024;  // points per parallel block
        static constexpr std::size_t rows_per_block = 4;  // box rows per parallel block of spreading

        // ---- grid choice -------------------------------------------------------------------
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
            if (!fft_detail::keep_grid<Dims>(cfg_, grid_, range)) regrid(fft_detail::choose_grid<Dims>(cfg_, range), ex);
            else if (transform_stale_) regrid(grid_, ex);  // loaded grid or new α: build its transform
            for (int d = 0; d < Dims; ++d)
                origin_[static_cast<std::size_t>(d)] =
                    centre_[static_cast<std::size_t>(d)] - 0.5 * static_cast<double>(grid_.nb) * grid_.h;
        }

        /// Recomputes the kernel's transform (and its self-interaction table) for a new grid.
        template <class Exec>
        void regrid(const Grid g, Exec& ex) {  // by value: load() and set_dof() pass grid_ itself
            // No grid until every buffer below has its new size: if an allocation throws, the
            // next call must regrid rather than index the old buffers with the new grid.
            grid_ = Grid{};
            transform_stale_ = false;
            ++regrids_;
            const std::size_t p = static_cast<std::size_t>(cfg_.nodes_per_box);
            const double delta = g.h / static_cast<double>(p);
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
            conv_.build(g, delta, kernel, ex);
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
            auto& charges = conv_.charges();
            ex.parallel_for(grid_.nb, rows_per_block, [&](std::size_t b, std::size_t e) {
                std::fill(charges.begin() + static_cast<std::ptrdiff_t>(b * p * row_nodes),
                          charges.begin() + static_cast<std::ptrdiff_t>(e * p * row_nodes), F(0));
                for (std::size_t k = row_start_[b]; k < row_start_[e]; ++k) {
                    const std::size_t i = order_[k];
                    F q[C];
                    charges_of(Y, i, q);
                    const F* wl = &w_[(i * Dims + Dims - 1) * p];  // weights along the row axis
                    const std::size_t r0 = box_[i * Dims + Dims - 1] * p;
                    if constexpr (Dims == 1) {
                        for (std::size_t kr = 0; kr < p; ++kr) {
                            F* node = &charges[(r0 + kr) * C];
                            for (int c = 0; c < C; ++c) node[c] += wl[kr] * q[c];
                        }
                    } else {
                        const F* wx = &w_[i * Dims * p];
                        const std::size_t c0 = box_[i * Dims] * p;
                        for (std::size_t kr = 0; kr < p; ++kr) {
                            F* row = &charges[((r0 + kr) * n + c0) * C];
                            for (std::size_t kc = 0; kc < p; ++kc) {
                                const F wgt = wl[kr] * wx[kc];
                                for (int c = 0; c < C; ++c) row[kc * C + static_cast<std::size_t>(c)] += wgt * q[c];
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
            const auto& pot = conv_.potentials();
            const double zsum = block_sum(ex, N, point_block, [&](std::size_t b, std::size_t e) {
                double zacc = 0;
                for (std::size_t i = b; i < e; ++i) {
                    double phi[C] = {};
                    const F* wl = &w_[(i * Dims + Dims - 1) * p];
                    const std::size_t r0 = box_[i * Dims + Dims - 1] * p;
                    if constexpr (Dims == 1) {
                        for (std::size_t kr = 0; kr < p; ++kr) {
                            const F* node = &pot[(r0 + kr) * C];
                            for (int c = 0; c < C; ++c) phi[c] += static_cast<double>(wl[kr] * node[c]);
                        }
                    } else {
                        const F* wx = &w_[i * Dims * p];
                        const std::size_t c0 = box_[i * Dims] * p;
                        for (std::size_t kr = 0; kr < p; ++kr) {
                            F acc[C] = {};
                            const F* row = &pot[((r0 + kr) * n + c0) * C];
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
            double u[Dims][fft_detail::max_node_offsets] = {};
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
        std::array<double, fft_detail::max_nodes_per_box> inv_den_{};
        std::array<double, Dims> centre_{}, origin_{};
        double diam2_ = 0;
        Grid grid_;
        std::size_t regrids_ = 0;
        bool transform_stale_ = false;  // grid_ is set (load, set_dof) but its kernel transform is not built
        double dof_ = 1.0;
        fft_detail::Convolution<F, Dims> conv_;
        simd::aligned_vector<F> w_;  // Lagrange weights: p per point and axis
        std::vector<double> kself_;
        std::vector<std::uint32_t> box_, order_;
        std::vector<std::size_t> row_start_, cursor_;
    };
};

}  // namespace tsne
