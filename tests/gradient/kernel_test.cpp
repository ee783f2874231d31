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

TEST_CASE("t kernel: TKernel validates dof once, and dispatch picks the unit and SIMD variants") {
    CHECK(tsne::TKernel{}.unit());
    CHECK(tsne::TKernel(1.0).unit());
    const tsne::TKernel half(0.5);
    CHECK_FALSE(half.unit());
    CHECK(half.alpha() == 0.5);
    CHECK(half.a<float>() == 0.5f);
    CHECK(half.inv<double>() == 2.0);
    for (double bad : {0.0, -1.0, std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()})
        CHECK_THROWS_WITH_AS(tsne::TKernel{bad}, doctest::Contains("dof"), tsne::invalid_argument);
    auto which = [](const tsne::TKernel& k, bool simd) {
        return tsne::gradient::dispatch(k, simd, [](auto unit, auto vec) {
            return 2 * int(decltype(unit)::value) + int(decltype(vec)::value);
        });
    };
    CHECK(which(tsne::TKernel(1.0), true) == 3);
    CHECK(which(tsne::TKernel(1.0), false) == 2);
    CHECK(which(half, true) == 1);
    CHECK(which(half, false) == 0);
    // The pair terms: attraction p / (1 + d²/α), KL p (log p + α log1p(d²/α)).
    CHECK(tsne::TKernel::attraction(0.5, 3.0, 0.5) == doctest::Approx(0.5 / 2.5));
    CHECK(half.kl_term(0.25, 2.0) == doctest::Approx(0.25 * (std::log(0.25) + 0.5 * std::log1p(4.0))));
}
