#pragma once
// Gradient descent with momentum and per-coordinate adaptive gains (Jacobs' delta-bar-delta, as in
// every t-SNE since van der Maaten 2008): a gain grows by `gain_up` while the gradient keeps
// pointing against the previous update and shrinks by ×`gain_down` when it flips, floored at
// `min_gain`. The update of each point is clipped to `max_step_norm` (FIt-SNE/openTSNE default 5),
// which keeps outliers from exploding early on.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "../detail/binary_io.hpp"
#include "../detail/embedding.hpp"
#include "../parallel/parallel_for.hpp"

namespace tsne {

struct MomentumGains {
    double gain_up = 0.2;
    double gain_down = 0.8;
    double min_gain = 0.01;
    double max_step_norm = 5.0;  ///< per-point update norm limit; <= 0 disables

    template <class T, int Dims>
    struct state {
        template <class Cfg>
        state(const Cfg& c, std::size_t n)
            : gain_up(c.gain_up), gain_down(c.gain_down), min_gain(c.min_gain), max_step_norm(c.max_step_norm),
              update(n), gains(n) {
            gains.fill(T(1));
        }

        /// Y += update, update = momentum·update − lr·gains·grad (then clipped per point).
        template <class Exec>
        void step(Embedding<T, Dims>& Y, const Embedding<T, Dims>& grad, double lr, double momentum, Exec& ex) {
            const T up = static_cast<T>(gain_up), down = static_cast<T>(gain_down), floor = static_cast<T>(min_gain),
                    eta = static_cast<T>(lr), mom = static_cast<T>(momentum), clip = static_cast<T>(max_step_norm);
            ex.parallel_for(Y.size(), 1024, [&](std::size_t b, std::size_t e) {
                for (std::size_t i = b; i < e; ++i) {
                    T u[Dims], norm2 = 0;
                    for (int d = 0; d < Dims; ++d) {
                        const T g = grad.coord(d)[i];
                        T& gain = gains.coord(d)[i];
                        const T prev = update.coord(d)[i];
                        gain = ((g > 0) != (prev > 0)) ? gain + up : gain * down;
                        if (gain < floor) gain = floor;
                        u[d] = mom * prev - eta * gain * g;
                        norm2 += u[d] * u[d];
                    }
                    if (clip > 0 && !(norm2 <= clip * clip)) {  // NaN too: ∞·0 from a learning rate beyond T
                        if (std::isfinite(norm2)) {
                            const T s = clip / std::sqrt(norm2);
                            for (int d = 0; d < Dims; ++d) u[d] *= s;
                        } else {
                            clip_overflowed(u, grad, i, lr, momentum);
                        }
                    }
                    for (int d = 0; d < Dims; ++d) {
                        update.coord(d)[i] = u[d];
                        Y.coord(d)[i] += u[d];
                    }
                }
            });
        }

        /// The update of point i, or its square norm, overflowed T (a huge learning rate, e.g.
        /// 1e30): the clip would scale it by clip/∞ = 0 (or ∞·0 = NaN), a silent no-op. The
        /// direction is taken again from u/lr = momentum·prev/lr − gains·grad in double, divided by
        /// its largest component first, and the step is exactly max_step_norm long. A gradient that
        /// is itself not finite leaves u as it is (non-finite), for Run's divergence check.
        void clip_overflowed(T* u, const Embedding<T, Dims>& grad, std::size_t i, double lr, double momentum) const {
            double v[Dims], vmax = 0;
            for (int d = 0; d < Dims; ++d) {
                v[d] = momentum * static_cast<double>(update.coord(d)[i]) / lr -
                       static_cast<double>(gains.coord(d)[i]) * static_cast<double>(grad.coord(d)[i]);
                if (!std::isfinite(v[d])) return;
                vmax = std::max(vmax, std::abs(v[d]));
            }
            double n2 = 0;
            for (int d = 0; d < Dims; ++d) n2 += vmax > 0 ? (v[d] / vmax) * (v[d] / vmax) : 0.0;
            for (int d = 0; d < Dims; ++d)
                u[d] = n2 > 0 ? static_cast<T>(max_step_norm * (v[d] / vmax) / std::sqrt(n2)) : T(0);
        }

        /// The persistent part (update buffers and gains), for Run::save / Run::load.
        void save(std::ostream& os) const {
            detail::write_tag(os, "MGNS");
            for (int d = 0; d < Dims; ++d) detail::write_array(os, update.coord(d), update.size());
            for (int d = 0; d < Dims; ++d) detail::write_array(os, gains.coord(d), gains.size());
        }
        void load(std::istream& is) {
            detail::read_tag(is, "MGNS");
            for (int d = 0; d < Dims; ++d) detail::read_array(is, update.coord(d), update.size(), "optimizer updates");
            for (int d = 0; d < Dims; ++d) detail::read_array(is, gains.coord(d), gains.size(), "optimizer gains");
            for (int d = 0; d < Dims; ++d)
                for (std::size_t i = 0; i < gains.size(); ++i)
                    if (!std::isfinite(update.coord(d)[i]) || !(gains.coord(d)[i] > 0) || !std::isfinite(gains.coord(d)[i]))
                        detail::fail("run state: optimizer update or gain of point ", i, " is not finite/positive");
        }

        /// Renumbers the points (Run's cache-friendly reordering): point i afterwards is point
        /// order[i] before. Optional for an optimizer: without it Run keeps the input order.
        /// Leaves the state unchanged when it throws (both copies are made before either is kept).
        void permute(const std::uint32_t* order) {
            Embedding<T, Dims> u = update.permuted(order), g = gains.permuted(order);
            update = std::move(u);
            gains = std::move(g);
        }

        double gain_up, gain_down, min_gain, max_step_norm;
        Embedding<T, Dims> update;
        Embedding<T, Dims> gains;
    };
};

}  // namespace tsne
