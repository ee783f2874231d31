// tsne/gradient/kernel.hpp: the heavy-tailed t kernel, SIMD batches against the scalar formula.
#include "tsne/gradient/kernel.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "tsne/simd/compat.hpp"

TEST_CASE_TEMPLATE("t kernel: SIMD equals the scalar formula, also at infinite distances and huge dof", T, float, double) {
    using B = xsimd::batch<T, tsne::simd::default_arch>;
    constexpr std::size_t W = B::size;
    const T inf = std::numeric_limits<T>::infinity(), big = std::numeric_limits<T>::max();
    const std::vector<T> d2s = {T(0), T(1e-30), T(0.5), T(3), T(1e6), T(1e30), big, inf};
    for (const T alpha : {T(0.5), T(2), T(1e30), big}) {
        CAPTURE(alpha);
        for (const T d2 : d2s) {
            CAPTURE(d2);
            alignas(64) T in[W], w[W], f[W];
            for (std::size_t l = 0; l < W; ++l) in[l] = d2;
            B bw, bf;
            tsne::gradient::t_kernel<false>(B::load_aligned(in), B(T(1)), alpha, T(1) / alpha, bw, bf);
            bw.store_aligned(w);
            bf.store_aligned(f);
            T sw, sf;
            tsne::gradient::t_kernel<false>(d2, T(1), alpha, T(1) / alpha, sw, sf);
            REQUIRE(std::isfinite(sw));
            REQUIRE(std::isfinite(sf));
            CHECK(sw >= 0);
            CHECK(sw <= 1);
            for (std::size_t l = 0; l < W; ++l) {
                REQUIRE(std::isfinite(w[l]));
                REQUIRE(std::isfinite(f[l]));
                CHECK(w[l] == doctest::Approx(sw).epsilon(sizeof(T) == 4 ? 1e-5 : 1e-12));
                CHECK(f[l] == doctest::Approx(sf).epsilon(sizeof(T) == 4 ? 1e-5 : 1e-12));
            }
        }
    }
}
