#pragma once
// The all-pairs kernels of metric MDS and Sammon's mapping: one pass over the rows of the target
// distances d* (maps/pair_distances.hpp) and the embedding Y (SoA), SIMD lanes across j.
//
//   metric MDS (stress):  S(Y) = Σ_{i≠j} (d*_ij − d_ij)²              d_ij = |y_i − y_j|
//   Sammon:               E(Y) = Σ_{i≠j} (d*_ij − d_ij)² / d*_ij
//
// Pairs with d*_ij = 0 (duplicate points in the data) carry no weight in E: their 1/d* is
// infinite, and the only finite reading of "infinitely important to keep at distance 0" that keeps
// the cost finite is to leave the pair out (Sammon's paper assumes distinct points; Cawley's
// sammon.m divides by zero). Duplicates still sit where their other distances put them, which is
// the same place. Pairs that coincide in the map (d_ij = 0) have no direction: they add their cost
// but no force (SMACOF's convention B_ij = 0).
//
// Each row's sums are independent and written per row; the row totals are added in index order,
// so every result is bit-identical for any thread count. Every kernel has a scalar twin
// (tests/maps/stress_test.cpp compares them).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

#include "../detail/embedding.hpp"
#include "../parallel/parallel_for.hpp"
#include "../simd/compat.hpp"
#include "pair_distances.hpp"

namespace tsne::maps {
namespace kernels {

/// Rows per block of the all-pairs passes: fixed, so the block structure does not depend on the
/// thread count (each row is independent anyway).
inline constexpr std::size_t row_block = 32;

// ---- metric MDS: Guttman transform numerator and stress -----------------------------------------

/// One pair (i, j) of a SMACOF row, scalar (the scalar kernel, and the SIMD kernel's tail): adds
/// e² to s and (d*/d) δ to acc.
template <class T, int Dims>
void smacof_pair_scalar(const std::array<const T*, Dims>& y, const T* dstar, std::size_t i, std::size_t j, T* acc, T& s) {
    T diff[Dims], d2 = 0;
    for (int d = 0; d < Dims; ++d) {
        diff[d] = y[d][i] - y[d][j];
        d2 += diff[d] * diff[d];
    }
    const T dist = std::sqrt(d2), e = dstar[j] - dist;
    s += e * e;
    if (d2 > 0) {
        const T r = dstar[j] / dist;
        for (int d = 0; d < Dims; ++d) acc[d] += r * diff[d];
    }
}

/// Row i, scalar twin: out = Σ_{j≠i, d_ij>0} (d*_ij / d_ij)(y_i − y_j); returns Σ_j (d*_ij − d_ij)².
template <class T, int Dims>
T smacof_row_scalar(const std::array<const T*, Dims>& y, const T* dstar, std::size_t n, std::size_t i, T* out) {
    T acc[Dims] = {}, s = 0;
    for (std::size_t j = 0; j < n; ++j) smacof_pair_scalar<T, Dims>(y, dstar, i, j, acc, s);
    for (int d = 0; d < Dims; ++d) out[d] = acc[d];
    return s;
}

/// Lanes j..j+W of row i: diff = y_i − y_j per dimension; returns |diff|² (the SIMD kernels' step).
template <class B, class T, int Dims>
B batch_diff(const B* yi, const std::array<const T*, Dims>& y, std::size_t j, B* diff) {
    B d2(T(0));
    for (int d = 0; d < Dims; ++d) {
        diff[d] = yi[d] - B::load_unaligned(y[d] + j);
        d2 = xsimd::fma(diff[d], diff[d], d2);
    }
    return d2;
}

/// Row i, SIMD across j (the tail in scalar). The self pair has d = d* = 0: no cost, no force.
template <class A, class T, int Dims>
T smacof_row_simd(const std::array<const T*, Dims>& y, const T* dstar, std::size_t n, std::size_t i, T* out) {
    using B = xsimd::batch<T, A>;
    constexpr std::size_t W = B::size;
    B yi[Dims], acc[Dims], s(T(0));
    const B zero(T(0));
    for (int d = 0; d < Dims; ++d) {
        yi[d] = B(y[d][i]);
        acc[d] = zero;
    }
    std::size_t j = 0;
    for (; j + W <= n; j += W) {
        B diff[Dims];
        const B d2 = batch_diff<B, T, Dims>(yi, y, j, diff);
        const B ds = B::load_unaligned(dstar + j);
        const B dist = xsimd::sqrt(d2), e = ds - dist;
        s = xsimd::fma(e, e, s);
        const B r = xsimd::select(d2 > zero, ds / dist, zero);
        for (int d = 0; d < Dims; ++d) acc[d] = xsimd::fma(r, diff[d], acc[d]);
    }
    T a[Dims], st = simd::reduce_add(s);
    for (int d = 0; d < Dims; ++d) a[d] = simd::reduce_add(acc[d]);
    for (; j < n; ++j) smacof_pair_scalar<T, Dims>(y, dstar, i, j, a, st);
    for (int d = 0; d < Dims; ++d) out[d] = a[d];
    return st;
}

// ---- Sammon: cost, gradient and diagonal of the Hessian ------------------------------------------

/// One pair (i, j) of a Sammon row, scalar (the scalar kernel, and the SIMD kernel's tail): adds
/// w e² to c and the pair's terms (before the factor −4) to g and h.
template <class T, int Dims>
void sammon_pair_scalar(const std::array<const T*, Dims>& y, const T* dstar, std::size_t i, std::size_t j, T* g, T* h,
                        T& c) {
    if (!(dstar[j] > 0)) return;
    T diff[Dims], d2 = 0;
    for (int d = 0; d < Dims; ++d) {
        diff[d] = y[d][i] - y[d][j];
        d2 += diff[d] * diff[d];
    }
    const T w = T(1) / dstar[j], dist = std::sqrt(d2), e = dstar[j] - dist;
    c += w * e * e;
    if (!(d2 > 0)) return;
    const T inv = T(1) / dist, we = w * e * inv, wi = w * inv, k = (T(1) + e * inv) * inv;
    for (int d = 0; d < Dims; ++d) {
        g[d] += we * diff[d];
        h[d] += wi * (e - diff[d] * diff[d] * k);
    }
}

/// Row i, scalar twin. With w = 1/d*, e = d* − d, δ = y_i − y_j (pairs with d* = 0 skipped; pairs
/// with d = 0 add cost only): returns Σ_j w e², and writes
///   grad_k = −4 Σ_j w (e/d) δ_k                         (∂E/∂y_ik; both (i,j) and (j,i) count)
///   hess_k = −4 Σ_j (w/d) [e − (δ_k²/d)(1 + e/d)]        (∂²E/∂y_ik², Sammon 1969)
template <class T, int Dims>
T sammon_row_scalar(const std::array<const T*, Dims>& y, const T* dstar, std::size_t n, std::size_t i, T* grad,
                    T* hess) {
    T g[Dims] = {}, h[Dims] = {}, c = 0;
    for (std::size_t j = 0; j < n; ++j) sammon_pair_scalar<T, Dims>(y, dstar, i, j, g, h, c);
    for (int d = 0; d < Dims; ++d) grad[d] = T(-4) * g[d], hess[d] = T(-4) * h[d];
    return c;
}

template <class A, class T, int Dims>
T sammon_row_simd(const std::array<const T*, Dims>& y, const T* dstar, std::size_t n, std::size_t i, T* grad, T* hess) {
    using B = xsimd::batch<T, A>;
    constexpr std::size_t W = B::size;
    B yi[Dims], g[Dims], h[Dims], c(T(0));
    const B zero(T(0)), one(T(1));
    for (int d = 0; d < Dims; ++d) {
        yi[d] = B(y[d][i]);
        g[d] = h[d] = zero;
    }
    std::size_t j = 0;
    for (; j + W <= n; j += W) {
        B diff[Dims];
        const B d2 = batch_diff<B, T, Dims>(yi, y, j, diff);
        const B ds = B::load_unaligned(dstar + j);
        const auto weighted = ds > zero;
        const B w = xsimd::select(weighted, one / ds, zero);
        const B dist = xsimd::sqrt(d2), e = ds - dist;
        c = xsimd::fma(w * e, e, c);
        const B inv = xsimd::select(d2 > zero, one / dist, zero);  // 0 also zeroes the forces below
        const B we = w * e * inv, wi = w * inv, k = (one + e * inv) * inv;
        for (int d = 0; d < Dims; ++d) {
            g[d] = xsimd::fma(we, diff[d], g[d]);
            h[d] = xsimd::fma(wi, e - diff[d] * diff[d] * k, h[d]);
        }
    }
    T gs[Dims], hs[Dims], cs = simd::reduce_add(c);
    for (int d = 0; d < Dims; ++d) gs[d] = simd::reduce_add(g[d]), hs[d] = simd::reduce_add(h[d]);
    for (; j < n; ++j) sammon_pair_scalar<T, Dims>(y, dstar, i, j, gs, hs, cs);
    for (int d = 0; d < Dims; ++d) grad[d] = T(-4) * gs[d], hess[d] = T(-4) * hs[d];
    return cs;
}

}  // namespace kernels

/// One Guttman transform: Y_next = (1/N) B(Y) Y, i.e. y'_i = (1/N) Σ_{j≠i} (d*_ij/d_ij)(y_i − y_j)
/// (SMACOF with unit weights; the stress of Y_next is never above that of Y). Returns S(Y), the
/// stress of the input. `simd` false: the scalar twin.
template <class T, int Dims, class Exec>
double guttman_transform(const PairDistances<T>& D, const Embedding<T, Dims>& Y, Embedding<T, Dims>& Y_next, Exec& ex,
                         bool simd = true) {
    const std::size_t n = Y.size();
    TSNE_ASSERT(D.size() == n && Y_next.size() == n);
    const auto y = Y.coords();
    const T inv_n = T(1) / static_cast<T>(n);
    std::vector<double> row(n);
    ex.parallel_for(n, kernels::row_block, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            T out[Dims];
            const T s = simd ? kernels::smacof_row_simd<simd::default_arch, T, Dims>(y, D.row(i), n, i, out)
                             : kernels::smacof_row_scalar<T, Dims>(y, D.row(i), n, i, out);
            row[i] = static_cast<double>(s);
            for (int d = 0; d < Dims; ++d) Y_next.coord(d)[i] = out[d] * inv_n;
        }
    });
    double s = 0;
    for (double v : row) s += v;
    return s;
}

/// Sammon's E(Y), its gradient and the diagonal of its Hessian (per coordinate), in one pass.
template <class T, int Dims, class Exec>
double sammon_pass(const PairDistances<T>& D, const Embedding<T, Dims>& Y, Embedding<T, Dims>& grad,
                   Embedding<T, Dims>& hess, Exec& ex, bool simd = true) {
    const std::size_t n = Y.size();
    TSNE_ASSERT(D.size() == n && grad.size() == n && hess.size() == n);
    const auto y = Y.coords();
    std::vector<double> row(n);
    ex.parallel_for(n, kernels::row_block, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) {
            T g[Dims], h[Dims];
            const T c = simd ? kernels::sammon_row_simd<simd::default_arch, T, Dims>(y, D.row(i), n, i, g, h)
                             : kernels::sammon_row_scalar<T, Dims>(y, D.row(i), n, i, g, h);
            row[i] = static_cast<double>(c);
            for (int d = 0; d < Dims; ++d) grad.coord(d)[i] = g[d], hess.coord(d)[i] = h[d];
        }
    });
    double c = 0;
    for (double v : row) c += v;
    return c;
}

/// Raw stress S(Y) = Σ_{i≠j} (d*_ij − d_ij)² (both orders counted).
template <class T, int Dims, class Exec>
double raw_stress(const PairDistances<T>& D, const Embedding<T, Dims>& Y, Exec& ex) {
    Embedding<T, Dims> scratch(Y.size());
    return guttman_transform(D, Y, scratch, ex);
}

/// Sammon's cost E(Y) = Σ_{i≠j} (d*_ij − d_ij)² / d*_ij (pairs with d* = 0 left out).
template <class T, int Dims, class Exec>
double sammon_cost(const PairDistances<T>& D, const Embedding<T, Dims>& Y, Exec& ex) {
    Embedding<T, Dims> g(Y.size()), h(Y.size());
    return sammon_pass(D, Y, g, h, ex);
}

/// Σ_{i≠j} d*_ij² and Σ_{i≠j} d*_ij: the normalisers of stress-1 and of Sammon's E.
template <class T>
std::pair<double, double> distance_sums(const PairDistances<T>& D) {
    double s2 = 0, s1 = 0;
    for (std::size_t i = 0; i < D.size(); ++i) {
        const T* r = D.row(i);
        for (std::size_t j = 0; j < D.size(); ++j) s2 += static_cast<double>(r[j]) * r[j], s1 += r[j];
    }
    return {s2, s1};
}

}  // namespace tsne::maps
