#pragma once
// The only place that knows about differences between xsimd 8.1 (Debian bookworm) and xsimd 13/14.
//  - horizontal sum: `hadd` (8.x) vs `reduce_add` (>= 9)
//  - aligned_allocator's default alignment parameter differs, so we always name it explicitly here.
// Kernels are written once, templated on an xsimd arch tag A (default: xsimd::default_arch, chosen
// by the user's -march); each has a scalar twin used as the test oracle.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <xsimd/xsimd.hpp>

namespace tsne::simd {

using default_arch = xsimd::default_arch;

template <class T, class A = default_arch>
using batch = xsimd::batch<T, A>;

/// Horizontal sum of all lanes.
template <class T, class A>
inline T reduce_add(const xsimd::batch<T, A>& b) noexcept {
#if XSIMD_VERSION_MAJOR >= 9
    return xsimd::reduce_add(b);
#else
    return xsimd::hadd(b);
#endif
}

/// Lanes {base[idx[0]], ..., base[idx[W-1]]}. Written as scalar loads into an aligned buffer:
/// portable across xsimd versions and index widths, and the compiler may still emit a gather.
template <class T, class A>
inline xsimd::batch<T, A> gather(const T* base, const std::uint32_t* idx) noexcept {
    constexpr std::size_t W = xsimd::batch<T, A>::size;
    alignas(A::alignment()) T tmp[W];
    for (std::size_t l = 0; l < W; ++l) tmp[l] = base[idx[l]];
    return xsimd::batch<T, A>::load_aligned(tmp);
}

/// Name of the instruction set the kernels were compiled for ("avx512bw", "avx2", "sse2", ...).
inline const char* arch_name() noexcept { return default_arch::name(); }

constexpr std::size_t alignment = default_arch::alignment() < 64 ? 64 : default_arch::alignment();

template <class T>
using aligned_vector = std::vector<T, xsimd::aligned_allocator<T, alignment>>;

}  // namespace tsne::simd
