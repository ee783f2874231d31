#pragma once
// The default repulsion policy: picks Exact, Barnes-Hut or FFT interpolation by the number of
// points and the output dimension when the run starts, or uses the method the caller names (this
// is what the CLI's --method sets). The choice is made once per run, so results stay
// deterministic.
//
// Automatic rule (measured on this project's benchmarks, see benchmarks/RESULTS.md):
//   N < exact_below (default 1,000) or Dims > 3  → Exact (as fast as the others below ~1,000
//                                                   points here, and exact)
//   1-D                                           → FFT (same time per call as Barnes-Hut at 70k,
//                                                   about 5x smaller force error)
//   2-D and 3-D                                   → Barnes-Hut (θ = 0.5). In 2-D, FFT with Eigen's
//                                                   FFT took ~10x Barnes-Hut's time per call on a
//                                                   finished 70k map and 2.6x on a 560k map of the
//                                                   same extent, with 4x its force error, and costs
//                                                   more per added point: no crossover was found
//                                                   (benchmarks/RESULTS.md, "FFT notes").
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <variant>

#include "../detail/binary_io.hpp"
#include "../detail/embedding.hpp"
#include "../error.hpp"
#include "../policies.hpp"
#include "barnes_hut.hpp"
#include "fft_interp.hpp"
#include "repulsive_exact.hpp"

namespace tsne {

/// Repulsion methods, for AutoRepulsion::method.
enum class Method { automatic, exact, barnes_hut, fft };

inline const char* method_name(Method m) noexcept {
    switch (m) {
        case Method::automatic: return "auto";
        case Method::exact: return "exact";
        case Method::barnes_hut: return "barnes-hut";
        case Method::fft: return "fft";
    }
    return "?";
}

/// Repulsion policy that delegates to Exact, BarnesHut or FFT. See policies.hpp for the contract.
struct AutoRepulsion {
    Method method = Method::automatic;  ///< automatic: by N and Dims (rule above)
    std::size_t exact_below = 1000;     ///< automatic uses Exact below this many points
    Exact exact{};                      ///< configuration used when Exact runs
    BarnesHut barnes_hut{};             ///< configuration used when Barnes-Hut runs (θ = 0.5)
    FFT fft{};                          ///< configuration used when FFT interpolation runs

    /// The method a run of n points in `dims` dimensions uses (Barnes-Hut needs dims <= 3, FFT
    /// dims <= 2).
    Method choose(std::size_t n, int dims) const noexcept {
        if (method != Method::automatic) return method;
        if (n < exact_below || dims > 3) return Method::exact;
        return dims == 1 ? Method::fft : Method::barnes_hut;
    }

    template <class T, int Dims>
    struct state {
        state(const AutoRepulsion& cfg, std::size_t n)
            : chosen(cfg.choose(n, Dims)), exact_(cfg.exact), bh_(cfg.barnes_hut), fft_(cfg.fft), n_(n) {
            emplace(chosen);
        }
        template <class Exec>
        double operator()(const Embedding<T, Dims>& Y, Embedding<T, Dims>& R, Exec& ex) {
            return std::visit([&](auto& s) { return s(Y, R, ex); }, impl);
        }
        /// Degrees of freedom α of the t kernel, forwarded to the method (all three support it).
        void set_dof(double alpha) {
            kernel_ = TKernel(alpha);
            std::visit([&](auto& s) { s.set_dof(alpha); }, impl);
        }
        /// The persistent part (the method, then the method's own state), for Run::save / load.
        void save(std::ostream& os) const {
            detail::write_tag(os, "AUTO");
            detail::write_pod(os, static_cast<std::uint32_t>(chosen));
            std::visit([&](const auto& s) {
                if constexpr (traits::has_state_io<std::decay_t<decltype(s)>>::value) s.save(os);
            }, impl);
        }
        void load(std::istream& is) {
            detail::read_tag(is, "AUTO");
            const auto m = detail::read_pod<std::uint32_t>(is, "repulsion method");
            if (m < 1 || m > 3) detail::fail("run state: unknown repulsion method ", m);
            if (static_cast<Method>(m) != chosen) {
                chosen = static_cast<Method>(m);
                emplace(chosen);
                std::visit([&](auto& s) { s.set_dof(kernel_.alpha()); }, impl);
            }
            std::visit([&](auto& s) {
                if constexpr (traits::has_state_io<std::decay_t<decltype(s)>>::value) s.load(is);
            }, impl);
        }
        Method chosen;  ///< never automatic
        // Where a method does not exist (Barnes-Hut above 3-D, FFT above 2-D) its slot is an
        // Exact state that is never used.
        using bh_state = std::conditional_t<(Dims <= 3), BarnesHut::state<T, Dims>, Exact::state<T, Dims>>;
        using fft_state = std::conditional_t<(Dims <= 2), FFT::state<T, Dims>, Exact::state<T, Dims>>;
        std::variant<Exact::state<T, Dims>, bh_state, fft_state> impl{std::in_place_index<0>, Exact{}, 0};

    private:
        void emplace(Method m) {
            const std::size_t n = n_;
            switch (m) {
                case Method::exact: impl.template emplace<0>(exact_, n); break;
                case Method::barnes_hut:
                    if constexpr (Dims <= 3) impl.template emplace<1>(bh_, n);
                    else detail::fail("method barnes_hut supports 1-, 2- and 3-D output, not ", Dims, "-D");
                    break;
                case Method::fft:
                    if constexpr (Dims <= 2) impl.template emplace<2>(fft_, n);
                    else detail::fail("method fft supports 1- and 2-D output, not ", Dims, "-D; use barnes_hut");
                    break;
                case Method::automatic: break;
            }
        }
        // The method configurations (AutoRepulsion itself is incomplete here), kept for load().
        Exact exact_;
        BarnesHut bh_;
        FFT fft_;
        std::size_t n_;
        TKernel kernel_;  ///< re-applied when load() switches the method
    };
};

}  // namespace tsne
