#pragma once
// FFT backend through FFTW 3 (gradient/fft/backend.hpp selects it when TSNE_USE_FFTW is defined;
// CMake option TSNE_FFTW, which links fftw3f and fftw3): batched split-complex plans through FFTW's
// guru interface, planned with FFTW_ESTIMATE once per grid and shared by every worker.
#include <cstddef>
#include <mutex>

#include <fftw3.h>

#include "../../error.hpp"
#include "lengths.hpp"

namespace tsne {
namespace fft_detail {

/// FFTW's interface of one precision (F; plan type P; the guru split planner, the split execute
/// and destroy of that precision) under one name.
template <class F, class P, P (*Make)(int, const fftw_iodim*, int, const fftw_iodim*, F*, F*, F*, F*, unsigned),
          void (*Run)(P, F*, F*, F*, F*), void (*Destroy)(P)>
struct fftw_calls {
    using plan = P;
    /// A plan for H interleaved sequences of length n (element j of sequence t at [j·H + t]).
    static plan make(int n, int H, F* r, F* i, F* orr, F* oi) {
        fftw_iodim dim{n, H, H}, many{H, 1, 1};
        return Make(1, &dim, 1, &many, r, i, orr, oi, FFTW_ESTIMATE);
    }
    static void run(plan p, F* r, F* i, F* orr, F* oi) { Run(p, r, i, orr, oi); }
    static void destroy(plan p) { Destroy(p); }
};
template <class F>
struct fftw_api;
template <>
struct fftw_api<float>
    : fftw_calls<float, fftwf_plan, fftwf_plan_guru_split_dft, fftwf_execute_split_dft, fftwf_destroy_plan> {};
template <>
struct fftw_api<double>
    : fftw_calls<double, fftw_plan, fftw_plan_guru_split_dft, fftw_execute_split_dft, fftw_destroy_plan> {};
/// FFTW's planner is global and not thread-safe; executing a plan is.
inline std::mutex& fftw_planner_mutex() {
    static std::mutex m;
    return m;
}

/// FFTW plans for one length, for 1 and for lanes<F> interleaved sequences (split format), made
/// once per grid and shared by every worker. FFTW's new-array execute requires the alignment and
/// the separation between real and imaginary parts of the planning arrays: plans are made on
/// 64-byte aligned buffers with the imaginary parts L·H values after the real ones (H = 1 or
/// lanes<F>), the layout of a Worker of that size; the inverse (computed as swap ∘ DFT ∘ swap)
/// has its own plans with the opposite separation. Calling with any other layout is undefined.
template <class F>
class Transform {
    using api = fftw_api<F>;

public:
    explicit Transform(std::size_t L) : L_(L) {
        std::lock_guard<std::mutex> g(fftw_planner_mutex());
        for (int k = 0; k < 2; ++k) {
            const std::size_t H = k == 0 ? 1 : lanes<F>, S = L * H;
            avector<F> x(2 * S), y(2 * S);
            plans_[k][0] = api::make(static_cast<int>(L), static_cast<int>(H), x.data(), x.data() + S, y.data(),
                                     y.data() + S);
            plans_[k][1] = api::make(static_cast<int>(L), static_cast<int>(H), x.data() + S, x.data(), y.data() + S,
                                     y.data());
        }
        for (auto& pk : plans_)
            for (auto& pl : pk)
                if (!pl) {
                    release();
                    detail::throw_with<runtime_error>("FFTW could not plan an FFT of length ", L);
                }
    }
    Transform(const Transform&) = delete;
    Transform& operator=(const Transform&) = delete;
    ~Transform() {
        std::lock_guard<std::mutex> g(fftw_planner_mutex());
        release();
    }
    std::size_t size() const noexcept { return L_; }
    struct Scratch {  // FFTW plans are shared: executing a plan is thread-safe
        explicit Scratch(std::size_t) {}
    };
    /// Same contract as the Eigen backend; H must be 1 or lanes<F>, and xi − xr = yi − yr = L·H.
    void fwd(Scratch&, F* xr, F* xi, F* yr, F* yi, std::size_t H) const {
        api::run(plans_[H == 1 ? 0 : 1][0], xr, xi, yr, yi);
    }
    /// Unnormalised inverse: IDFT(x) = swap(DFT(swap(x))) in split format.
    void inv(Scratch&, F* xr, F* xi, F* yr, F* yi, std::size_t H) const {
        api::run(plans_[H == 1 ? 0 : 1][1], xi, xr, yi, yr);
    }

private:
    void release() noexcept {
        for (auto& pk : plans_)
            for (auto& pl : pk)
                if (pl) {
                    api::destroy(pl);
                    pl = nullptr;
                }
    }
    std::size_t L_;
    typename api::plan plans_[2][2] = {};
};

}  // namespace fft_detail
}  // namespace tsne
