#include <doctest/doctest.h>

#include <numeric>
#include <vector>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_compat {

TEST_CASE_TEMPLATE("simd compat: reduce_add and gather agree with scalar loops", T, float, double) {
    using B = tsne::simd::batch<T>;
    constexpr std::size_t W = B::size;
    std::vector<T> v(W);
    std::iota(v.begin(), v.end(), T(1));
    CHECK(tsne::simd::reduce_add(B::load_unaligned(v.data())) == doctest::Approx(W * (W + 1) / 2.0));

    std::vector<T> base(100);
    std::iota(base.begin(), base.end(), T(0));
    std::vector<std::uint32_t> idx(W);
    for (std::size_t l = 0; l < W; ++l) idx[l] = static_cast<std::uint32_t>((l * 37) % 100);
    const B g = tsne::simd::gather<T, tsne::simd::default_arch>(base.data(), idx.data());
    alignas(64) T out[W];
    g.store_unaligned(out);
    for (std::size_t l = 0; l < W; ++l) CHECK(out[l] == base[idx[l]]);
    CHECK(std::string(tsne::simd::arch_name()).size() > 0);
}

}  // namespace t_compat
