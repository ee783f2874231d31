#include <doctest/doctest.h>

#include "helpers.hpp"

// Everything in a namespace of its own, so the runners can be unity-built.
namespace t_momentum_gains {

TEST_CASE("momentum + gains: delta-bar-delta rule, floor, and step clipping") {
    tsne::Executor ex(1);
    tsne::MomentumGains cfg;
    tsne::MomentumGains::state<double, 2> st(cfg, 3);
    tsne::Embedding<double, 2> Y(3), G(3);
    // openTSNE's rule: gain + 0.2 when (grad > 0) != (update > 0), i.e. the gradient keeps pushing
    // the way the last update went; × 0.8 otherwise.
    G(0, 0) = 1.0;    // grad > 0, previous update 0 (not > 0) → + 0.2
    G(0, 1) = -1.0;   // grad not > 0, update not > 0 → × 0.8
    G(1, 0) = 1e6;    // huge: the step gets clipped to norm 5
    st.step(Y, G, 1.0, 0.5, ex);
    CHECK(st.gains(0, 0) == doctest::Approx(1.2));
    CHECK(st.gains(0, 1) == doctest::Approx(0.8));
    CHECK(Y(0, 0) == doctest::Approx(-1.2));
    CHECK(Y(0, 1) == doctest::Approx(0.8));
    CHECK(std::hypot(Y(1, 0), Y(1, 1)) == doctest::Approx(5.0));
    CHECK(Y(2, 0) == 0.0);
    // Momentum carries the previous update; gains never fall below 0.01.
    for (int t = 0; t < 40; ++t) st.step(Y, G, 1.0, 0.5, ex);
    CHECK(st.gains(0, 0) > 1.2);  // steady gradient: the gain keeps growing
    for (int t = 0; t < 40; ++t) {
        G(2, 0) = (t % 2) ? 1.0 : -1.0;  // oscillating sign → gains shrink to the floor
        st.step(Y, G, 1.0, 0.0, ex);
    }
    CHECK(st.gains(2, 1) == doctest::Approx(0.01));  // zero gradient shrinks to the floor
    CHECK(st.gains(2, 0) >= 0.01);
}


TEST_CASE_TEMPLATE("momentum + gains: a huge learning rate (1e30, 1e300) is clipped to max_step_norm, never to a zero step",
                   T, float, double) {
    tsne::Executor ex(1);
    tsne::MomentumGains cfg;
    for (double lr : {1e30, 1e38, 1e300}) {
        INFO("learning rate ", lr);
        tsne::MomentumGains::state<T, 3> st(cfg, 4);
        tsne::Embedding<T, 3> Y(4), G(4);
        const double g[4][3] = {{1, 2, -2}, {1e-3, 0, 0}, {0, 0, 0}, {-5, 1e-20, 3}};
        for (int i = 0; i < 4; ++i)
            for (int d = 0; d < 3; ++d) G(static_cast<std::size_t>(i), d) = static_cast<T>(g[i][d]);
        for (int t = 0; t < 3; ++t) {
            const tsne::Embedding<T, 3> Y0 = Y;
            st.step(Y, G, lr, 0.5, ex);
            for (std::size_t i = 0; i < 4; ++i) {
                double u[3], n2 = 0, gn = 0, dot = 0;
                for (int d = 0; d < 3; ++d) {  // expected direction: −gain·grad (momentum·prev is negligible)
                    const double want = -static_cast<double>(st.gains(i, d)) * g[i][d];
                    u[d] = static_cast<double>(Y(i, d)) - static_cast<double>(Y0(i, d));
                    n2 += u[d] * u[d];
                    gn += want * want;
                    dot += u[d] * want;
                }
                if (i == 2) {
                    CHECK(n2 == 0.0);  // no gradient, no update
                    continue;
                }
                CHECK(std::sqrt(n2) == doctest::Approx(5.0).epsilon(1e-4));  // the cap, not 0 and not NaN
                CHECK(dot / std::sqrt(n2 * gn) == doctest::Approx(1.0).epsilon(1e-4));  // along −gain·grad
            }
        }
    }
}

}  // namespace t_momentum_gains
