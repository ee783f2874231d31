#pragma once
// THE contract page: what each policy type must provide, and detection traits with sentence-long
// static_assert messages. Policies hold configuration only; per-run buffers live in a nested
// `state` (or are local to the call), so one configured policy serves float and double, any Dims.
//
// NeighborsPolicy  N:  template <class T, class Metric, class Exec>
//                        KnnGraph<T> operator()(const MatrixRef<T>& X, std::size_t k, const Metric&,
//                                               Exec&) const;
//                      k nearest neighbours of each row (never itself), nearest first, distances
//                      not squared. Built in: AutoNeighbors (default: VPTree for <= 8 features,
//                      else BruteForce up to 10,000 points, IVF above), BruteForce (exact; the
//                      oracle), VPTree (exact), IVF (approximate).
// Metric           M:  transform(X, out) + from_euclidean(d), or distance(a, b, dims); see
//                      neighbors/metric.hpp. Built in: Euclidean (default), Cosine.
// AffinityPolicy   A:  std::size_t neighbors(std::size_t n) const;     // k it needs for n points
//                      template <class T, class Exec>
//                        Affinities<T> operator()(const KnnGraph<T>&, Exec&) const;
//                      symmetric joint P (sum 1, zero diagonal) in CSR. Built in: Perplexity,
//                      MultiscalePerplexity, Uniform. Optional: an overload taking
//                      KnnGraph<T>&& may consume the graph (prepare() moves it in; Perplexity
//                      writes p_j|i over the distances and frees both arrays early).
// InitPolicy       I:  template <class T, int Dims, class Exec>
//                        void operator()(const MatrixRef<T>& X, Embedding<T, Dims>& Y,
//                                        std::uint64_t seed, Exec&) const;
//                      and, for precomputed inputs (no X), optionally
//                        void operator()(Embedding<T, Dims>& Y, std::uint64_t seed, Exec&) const;
//                      Built in: PCA (default; random without data), RandomInit, UserInit
//                      (tsne::user_init(Y0)).
// RepulsionPolicy  R:  template <class T, int Dims> struct state {
//                        state(const R&, std::size_t n);
//                        template <class Exec>
//                        double operator()(const Embedding<T, Dims>& Y, Embedding<T, Dims>& F, Exec&);
//                        void set_dof(double alpha);                   // optional
//                        void save(std::ostream&) const;               // optional, with load
//                        void load(std::istream&);                     // optional, with save
//                      };  // writes F_i = Σ_j q̃_ij² (y_i − y_j) (unnormalised), returns Z = Σ_{i≠j} q̃_ij
//                      Built in: AutoRepulsion (default: Exact below 1,000 points, else
//                      Barnes-Hut), Exact, BarnesHut(theta), FFT (1-D and 2-D;
//                      gradient/fft_interp.hpp); all four have all three optional hooks.
//                      set_dof: the t kernel's degrees of freedom α (gradient/kernel.hpp; the Run
//                      validates α once, as a TKernel, before calling it); without it the Run
//                      refuses dof != 1 (has_set_dof). save/load: the persistent part (a chosen
//                      method, a grid) that Run::save / Run::load write and read after the
//                      optimizer's (has_state_io); without them nothing is written.
// OptimizerPolicy  O:  template <class T, int Dims> struct state {
//                        state(const O&, std::size_t n);
//                        template <class Exec> void step(Embedding<T, Dims>& Y,
//                             const Embedding<T, Dims>& grad, double lr, double momentum, Exec&);
//                        void permute(const std::uint32_t* order);     // optional
//                        void save(std::ostream&) const;               // for Run::save
//                        void load(std::istream&);                     // for Run::load
//                      };  Built in: MomentumGains (has all three). permute (new point i = old point order[i])
//                      lets the Run renumber its points (Options::reorder); without it the Run
//                      never renumbers. A repulsion state must not keep per-point data from one
//                      call to the next, since the points may be renumbered in between.
// Executor         E:  unsigned threads() const;
//                      template <class F> void parallel_for(std::size_t n, std::size_t block, F&& fn);
//                      fn(begin, end) once per fixed block. Built in: Executor (std::thread pool).
// Callback         C:  any of, each optional:
//                        void on_begin(const Status<T, Dims>&);
//                        bool on_iteration(const Status<T, Dims>&);   // true = stop (void allowed)
//                        void on_end(const Status<T, Dims>&);
//                        bool wants_kl(int iteration) const;           // ask for KL this iteration
//                      or a plain callable taking const Status<T, Dims>& (returning bool or void).
//                      Built in: Progress, Snapshots, EarlyStop.
#include <cstddef>
#include <cstdint>
#include <istream>
#include <ostream>
#include <type_traits>
#include <utility>

#include "affinity/csr.hpp"
#include "detail/embedding.hpp"
#include "neighbors/knn_graph.hpp"
#include "parallel/executor.hpp"
#include "status.hpp"

namespace tsne::traits {

template <class, class, class = void>
struct is_neighbors_for : std::false_type {};
template <class N, class M>
struct is_neighbors_for<N, M, std::void_t<decltype(std::declval<const N&>()(std::declval<const MatrixRef<float>&>(),
                                                                             std::size_t{}, std::declval<const M&>(),
                                                                             std::declval<Executor&>()))>>
    : std::true_type {};

template <class, class T, int Dims, class = void>
struct has_init_without_data : std::false_type {};
template <class I, class T, int Dims>
struct has_init_without_data<I, T, Dims, std::void_t<decltype(std::declval<const I&>()(
                                             std::declval<Embedding<T, Dims>&>(), std::uint64_t{},
                                             std::declval<Executor&>()))>> : std::true_type {};

template <class, class = void>
struct is_affinity : std::false_type {};
template <class A>
struct is_affinity<A, std::void_t<decltype(std::declval<const A&>().neighbors(std::size_t{})),
                                  decltype(std::declval<const A&>()(std::declval<const KnnGraph<float>&>(),
                                                                    std::declval<Executor&>()))>> : std::true_type {};

template <class, class = void>
struct is_init : std::false_type {};
template <class I>
struct is_init<I, std::void_t<decltype(std::declval<const I&>()(std::declval<const MatrixRef<float>&>(),
                                                                std::declval<Embedding<float, 2>&>(),
                                                                std::uint64_t{}, std::declval<Executor&>()))>>
    : std::true_type {};
// UserInit<T> is typed; accept it for its own T.
template <class, class, class = void>
struct is_init_for : std::false_type {};
template <class I, class T>
struct is_init_for<I, T, std::void_t<decltype(std::declval<const I&>()(std::declval<const MatrixRef<T>&>(),
                                                                       std::declval<Embedding<T, 2>&>(),
                                                                       std::uint64_t{}, std::declval<Executor&>()))>>
    : std::true_type {};

template <class, class = void>
struct is_repulsion : std::false_type {};
template <class R>
struct is_repulsion<R, std::void_t<decltype(std::declval<typename R::template state<float, 2>&>()(
                           std::declval<const Embedding<float, 2>&>(), std::declval<Embedding<float, 2>&>(),
                           std::declval<Executor&>()))>> : std::true_type {};

template <class, class = void>
struct is_optimizer : std::false_type {};
template <class O>
struct is_optimizer<O, std::void_t<decltype(std::declval<typename O::template state<float, 2>&>().step(
                           std::declval<Embedding<float, 2>&>(), std::declval<const Embedding<float, 2>&>(), 1.0,
                           0.5, std::declval<Executor&>()))>> : std::true_type {};

// Optional hooks of repulsion and optimizer states (see above), detected one by one.
/// A state that writes and reads its persistent part (save(std::ostream&) const + load(std::istream&)).
template <class S, class = void>
struct has_state_io : std::false_type {};
template <class S>
struct has_state_io<S, std::void_t<decltype(std::declval<const S&>().save(std::declval<std::ostream&>())),
                                   decltype(std::declval<S&>().load(std::declval<std::istream&>()))>>
    : std::true_type {};
/// A repulsion state that takes the t kernel's degrees of freedom (set_dof(double)).
template <class S, class = void>
struct has_set_dof : std::false_type {};
template <class S>
struct has_set_dof<S, std::void_t<decltype(std::declval<S&>().set_dof(1.0))>> : std::true_type {};
/// An optimizer state that can renumber its points (permute(const std::uint32_t* order)).
template <class S, class = void>
struct has_permute : std::false_type {};
template <class S>
struct has_permute<S, std::void_t<decltype(std::declval<S&>().permute(std::declval<const std::uint32_t*>()))>>
    : std::true_type {};

template <class, class = void>
struct has_perplexity : std::false_type {};
template <class A>
struct has_perplexity<A, std::void_t<decltype(std::declval<A&>().perplexity = 1.0)>> : std::true_type {};

// Callback hooks, detected one by one.
template <class C, class S, class = void>
struct has_on_begin : std::false_type {};
template <class C, class S>
struct has_on_begin<C, S, std::void_t<decltype(std::declval<C&>().on_begin(std::declval<const S&>()))>>
    : std::true_type {};
template <class C, class S, class = void>
struct has_on_iteration : std::false_type {};
template <class C, class S>
struct has_on_iteration<C, S, std::void_t<decltype(std::declval<C&>().on_iteration(std::declval<const S&>()))>>
    : std::true_type {};
template <class C, class S, class = void>
struct has_on_end : std::false_type {};
template <class C, class S>
struct has_on_end<C, S, std::void_t<decltype(std::declval<C&>().on_end(std::declval<const S&>()))>>
    : std::true_type {};
template <class C, class = void>
struct has_wants_kl : std::false_type {};
template <class C>
struct has_wants_kl<C, std::void_t<decltype(bool(std::declval<const C&>().wants_kl(0)))>> : std::true_type {};

template <class C, class S>
inline constexpr bool is_callback_v = has_on_begin<C, S>::value || has_on_iteration<C, S>::value ||
                                      has_on_end<C, S>::value || std::is_invocable_v<C&, const S&>;

}  // namespace tsne::traits

namespace tsne::detail {

template <class S, class C>
void call_begin(C& c, const S& s) {
    if constexpr (traits::has_on_begin<C, S>::value) c.on_begin(s);
}
template <class S, class C>
bool call_iteration(C& c, const S& s) {
    if constexpr (traits::has_on_iteration<C, S>::value) {
        if constexpr (std::is_void_v<decltype(c.on_iteration(s))>) {
            c.on_iteration(s);
            return false;
        } else {
            return static_cast<bool>(c.on_iteration(s));
        }
    } else if constexpr (std::is_invocable_v<C&, const S&>) {
        if constexpr (std::is_void_v<std::invoke_result_t<C&, const S&>>) {
            c(s);
            return false;
        } else {
            return static_cast<bool>(c(s));
        }
    } else {
        return false;
    }
}
template <class S, class C>
void call_end(C& c, const S& s) {
    if constexpr (traits::has_on_end<C, S>::value) c.on_end(s);
}
template <class C>
bool call_wants_kl(const C& c, int iteration) {
    if constexpr (traits::has_wants_kl<C>::value) return c.wants_kl(iteration);
    else return false;
}

}  // namespace tsne::detail
