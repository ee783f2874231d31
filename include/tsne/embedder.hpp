#pragma once
// The fluent front end: sugar over prepare()/Run (run.hpp), never a second implementation.
//
//   auto run = tsne::embed<2>(X).perplexity(30).seed(7).threads(8).prepare();  // builds P once
//   run.optimize(250, tsne::exaggerated(12));
//   run.optimize(500, tsne::progress());
//   tsne::RowMatrix<float> Y = run.embedding();
//   // or simply: auto Y = tsne::embed<2>(X).fit();
//
// One builder per input kind (embed, embed_distances, embed_knn, embed_affinities), each offering
// only the settings that act on it: a setter that would silently do nothing (the metric of a kNN
// graph's search, the perplexity of a given P) fails to compile with a static_assert saying why.
//
//   setting                         embed(X)  embed_distances(D)  embed_knn(g)  embed_affinities(P)
//   neighbors(), metric()              yes          -                 -              -
//   affinity(), perplexity()           yes         yes               yes             -
//   init(), repulsion(), optimizer()   yes         yes               yes            yes
//   the Options values                 yes         yes               yes            yes
//
// Value setters return *this; policy setters return a new builder type with that slot replaced
// (the slots are one tuple, so a new slot is one line in Slots and one setter). The builder views
// X (or D) without copying when it is row-major with contiguous rows (otherwise it keeps a
// row-major copy; see detail/held.hpp); a viewed X must outlive prepare()/fit().
#include <cstddef>
#include <cstdint>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>

#include "detail/held.hpp"
#include "run.hpp"

namespace tsne {

/// What a builder embeds: data rows, a distance matrix, a kNN graph, or affinities.
enum class Source { data, distances, knn, affinities };

namespace detail {

/// The policy slots of a builder, in this order (index = the enum below).
template <class Neighbors = AutoNeighbors, class Affinity = Perplexity, class Init = PCA,
          class Repulsion = AutoRepulsion, class Optimizer = MomentumGains, class Metric = Euclidean>
using Slots = std::tuple<Neighbors, Affinity, Init, Repulsion, Optimizer, Metric>;
static_assert(std::is_same_v<Slots<>, DefaultPolicies>, "the default slots are the default pipeline's policies");
enum Slot : std::size_t { neighbors_slot, affinity_slot, init_slot, repulsion_slot, optimizer_slot, metric_slot };

/// `slots` with slot I replaced by v (of any type): the one place a builder's type changes.
template <std::size_t I, class V, class... P, std::size_t... Is>
auto with_slot(const std::tuple<P...>& slots, V&& v, std::index_sequence<Is...>) {
    using Out = std::tuple<std::conditional_t<Is == I, std::decay_t<V>, P>...>;
    auto pick = [&](auto index) -> decltype(auto) {
        if constexpr (decltype(index)::value == I) return std::forward<V>(v);
        else return std::get<decltype(index)::value>(slots);
    };
    return Out(pick(std::integral_constant<std::size_t, Is>{})...);
}

/// What each input kind keeps: a held matrix (data, distances), a kNN graph, or P and how to take it.
template <class T>
struct HeldAffinities {
    std::shared_ptr<const Csr<T>> P;
    PrecomputedAffinities how;
};
template <Source S, class T>
using builder_input_t = std::conditional_t<
    S == Source::knn, std::shared_ptr<const KnnGraph<T>>,
    std::conditional_t<S == Source::affinities, HeldAffinities<T>, Held<T>>>;

}  // namespace detail

template <int Dims, class T, Source S = Source::data, class Slots = detail::Slots<>>
class Embedder {
    static_assert(Dims >= 1, "Dims (the output dimension) must be at least 1");
    static_assert(is_real_v<T>, "the input's scalar type must be float or double");
    using Neighbors = std::tuple_element_t<detail::neighbors_slot, Slots>;
    using Affinity = std::tuple_element_t<detail::affinity_slot, Slots>;
    using Init = std::tuple_element_t<detail::init_slot, Slots>;
    using Repulsion = std::tuple_element_t<detail::repulsion_slot, Slots>;
    using Optimizer = std::tuple_element_t<detail::optimizer_slot, Slots>;
    static constexpr bool searches = S == Source::data;
    static constexpr bool computes_p = S != Source::affinities;

public:
    using run_type = Run<T, Dims, Repulsion, Optimizer>;
    using input_type = detail::builder_input_t<S, T>;

    explicit Embedder(input_type input, Slots slots = {}, Options options = {})
        : input_(std::move(input)), slots_(std::move(slots)), options_(options) {}

    // ---- values -----------------------------------------------------------------------------
    /// Perplexity of the affinities (default 30); needs an affinity policy with a perplexity.
    Embedder& perplexity(double p) {
        static_assert(computes_p, "perplexity() does not apply to embed_affinities(): P is given, so no "
                                  "affinities are computed (say how P is taken with PrecomputedAffinities)");
        static_assert(traits::has_perplexity<Affinity>::value, "this affinity policy has no perplexity");
        std::get<detail::affinity_slot>(slots_).perplexity = p;
        return *this;
    }
    Embedder& iterations(int n) { options_.iterations = n; return *this; }
    Embedder& early_exaggeration(double factor) { options_.early_exaggeration = factor; return *this; }
    Embedder& early_exaggeration_iterations(int n) { options_.early_exaggeration_iterations = n; return *this; }
    /// Degrees of freedom α of the t kernel (1 = standard; 0.5 reveals finer clusters).
    Embedder& dof(double alpha) { options_.dof = alpha; return *this; }
    /// Late exaggeration: P times `factor` for the iterations after the first `start`.
    Embedder& late_exaggeration(double factor, int start) {
        options_.late_exaggeration = factor;
        options_.late_exaggeration_start = start;
        return *this;
    }
    /// Fixed learning rate; tsne::auto_learning_rate (0) = N / exaggeration.
    Embedder& learning_rate(double eta) { options_.learning_rate = eta; return *this; }
    Embedder& momentum(double early, double final) {
        options_.momentum = early;
        options_.final_momentum = final;
        return *this;
    }
    Embedder& seed(std::uint64_t s) { options_.seed = s; return *this; }
    Embedder& threads(unsigned n) { options_.threads = n; return *this; }
    Embedder& kl_every(int n) { options_.kl_every = n; return *this; }
    /// Renumbering period (Options::reorder): -1 auto, 0 never.
    Embedder& reorder(int every) { options_.reorder = every; return *this; }
    Embedder& options(const Options& o) { options_ = o; return *this; }
    const Options& options() const noexcept { return options_; }

    // ---- policies ---------------------------------------------------------------------------
    /// The neighbour search (embed(X) only).
    template <class N>
    auto neighbors(N n) const {
        static_assert(searches, "neighbors() applies only to embed(X): from distances, a kNN graph or "
                                "affinities no neighbour search runs");
        return with<detail::neighbors_slot>(std::move(n));
    }
    /// The affinity policy (not for embed_affinities(), whose P is given).
    template <class A>
    auto affinity(A a) const {
        static_assert(computes_p, "affinity() does not apply to embed_affinities(): P is given, so no "
                                  "affinities are computed (say how P is taken with PrecomputedAffinities)");
        return with<detail::affinity_slot>(std::move(a));
    }
    template <class I>
    auto init(I i) const { return with<detail::init_slot>(std::move(i)); }
    template <class R>
    auto repulsion(R r) const { return with<detail::repulsion_slot>(std::move(r)); }
    template <class O>
    auto optimizer(O o) const { return with<detail::optimizer_slot>(std::move(o)); }
    /// Distance metric of the neighbour search (tsne::Euclidean, tsne::Cosine, or your own;
    /// embed(X) only).
    template <class M>
    auto metric(M m) const {
        static_assert(searches, "metric() applies only to embed(X): distances, a kNN graph or affinities "
                                "are already measured, so no metric is used");
        return with<detail::metric_slot>(std::move(m));
    }

    // ---- run --------------------------------------------------------------------------------
    /// Builds P and the initial embedding; optimise with run.optimize(...).
    run_type prepare() const {
        const auto& [neighbors, affinity, init, repulsion, optimizer, metric] = slots_;
        if constexpr (S == Source::distances) {
            (void)neighbors, (void)metric;
            return tsne::prepare_from_distances<Dims, T>(view(), options_, affinity, init, repulsion, optimizer);
        } else if constexpr (S == Source::knn) {
            (void)neighbors, (void)metric;
            return tsne::prepare_from_knn<Dims, T>(*input_, options_, affinity, init, repulsion, optimizer);
        } else if constexpr (S == Source::affinities) {
            (void)neighbors, (void)affinity, (void)metric;
            return tsne::prepare_from_affinities<Dims, T>(*input_.P, options_, input_.how, init, repulsion, optimizer);
        } else {
            return tsne::prepare<Dims, T>(view(), options_, neighbors, affinity, init, repulsion, optimizer, metric);
        }
    }
    /// prepare() + the standard schedule (Options); returns the N x Dims embedding.
    /// With the default policies and no callbacks this is one call of the default pipeline
    /// (run/prepare.hpp), which the separately compiled mode compiles once.
    template <class... Callbacks>
    RowMatrix<T> fit(Callbacks&&... callbacks) const {
        if constexpr (sizeof...(Callbacks) == 0 && std::is_same_v<Slots, detail::DefaultPolicies>) {
            if constexpr (S == Source::distances) {
                return detail::fit_defaults_from_distances<Dims, T>(view(), options_, slots_);
            } else if constexpr (S == Source::knn) {
                return detail::fit_defaults_from_knn<Dims, T>(*input_, options_, slots_);
            } else if constexpr (S == Source::affinities) {
                return detail::fit_defaults_from_affinities<Dims, T>(*input_.P, input_.how, options_, slots_);
            } else {
                return detail::fit_defaults<Dims, T>(view(), options_, slots_);
            }
        } else {
            auto run = prepare();
            run_schedule(run, options_, callbacks...);
            return run.embedding();
        }
    }

    static constexpr Source source() noexcept { return S; }

    /// The matrix embedded (embed(X), embed_distances(D)): a view of the caller's, or of the copy.
    MatrixRef<T> view() const {
        static_assert(S == Source::data || S == Source::distances, "view() is the matrix of embed(X) or embed_distances(D)");
        return input_.view();
    }
    /// The builder's own copy of the matrix (null when the caller's is viewed).
    std::shared_ptr<const RowMatrix<T>> owned_input() const {
        static_assert(S == Source::data || S == Source::distances,
                      "owned_input() is the matrix of embed(X) or embed_distances(D)");
        return input_.owned;
    }

private:
    template <std::size_t I, class V>
    auto with(V v) const {
        auto slots = detail::with_slot<I>(slots_, std::move(v), std::make_index_sequence<std::tuple_size_v<Slots>>{});
        return Embedder<Dims, T, S, decltype(slots)>(input_, std::move(slots), options_);
    }

    input_type input_;
    Slots slots_;
    Options options_;
};

/// Starts a fluent embedding of X (points as rows, float or double) into Dims dimensions.
/// Row-major X with contiguous rows is viewed, anything else (column-major, expressions) copied.
template <int Dims, class Derived>
auto embed(const Eigen::DenseBase<Derived>& X) {
    using T = typename Derived::Scalar;
    static_assert(is_real_v<T>, "tsne::embed: X must hold float or double");
    return Embedder<Dims, T>(detail::hold(X));
}

/// Temporaries are moved into the builder, so `auto b = embed<2>(make_data());` is safe; other
/// temporary expressions (`make_data().topRows(100)`, a Map or transpose of a temporary) are copied.
/// Only lvalues (named matrices, Maps, Refs) are viewed without copying.
template <int Dims, class X,
          std::enable_if_t<!std::is_lvalue_reference_v<X> && detail::is_eigen_dense_v<std::remove_cv_t<X>>, int> = 0>
auto embed(X&& x) {
    using T = typename std::remove_cv_t<X>::Scalar;
    static_assert(is_real_v<T>, "tsne::embed: X must hold float or double");
    return Embedder<Dims, T>(detail::hold(std::forward<X>(x)));
}

/// Raw row-major data: n points of d features, rows `stride` elements apart (default d). Not copied.
template <int Dims, class T>
Embedder<Dims, T> embed(const T* data, std::size_t n, std::size_t d, std::size_t stride = 0) {
    if (data == nullptr && n * d != 0) detail::fail("X: null data pointer for ", n, " x ", d, " points");
    return Embedder<Dims, T>(detail::Held<T>{data, static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d),
                                             static_cast<Eigen::Index>(stride ? stride : d), nullptr});
}

/// Embeds from a full N×N distance matrix (finite, >= 0; diagonal ignored). Viewed like embed()
/// (lvalues viewed when row-major, temporaries moved or copied in).
template <int Dims, class X, std::enable_if_t<detail::is_eigen_dense_v<std::remove_cv_t<std::remove_reference_t<X>>>, int> = 0>
auto embed_distances(X&& D) {
    using T = typename std::remove_cv_t<std::remove_reference_t<X>>::Scalar;
    static_assert(is_real_v<T>, "tsne::embed_distances: D must hold float or double");
    return Embedder<Dims, T, Source::distances>(detail::hold(std::forward<X>(D)));
}

/// Embeds from a kNN graph (copied): any k at least what the affinities need (3·perplexity).
template <int Dims, class T>
Embedder<Dims, T, Source::knn> embed_knn(KnnGraph<T> graph) {
    return Embedder<Dims, T, Source::knn>(std::make_shared<const KnnGraph<T>>(std::move(graph)));
}

/// Embeds from a ready sparse affinity matrix P (copied), symmetrised/normalised as `how` says.
template <int Dims, class T>
Embedder<Dims, T, Source::affinities> embed_affinities(Csr<T> P, PrecomputedAffinities how = {}) {
    return Embedder<Dims, T, Source::affinities>(
        detail::HeldAffinities<T>{std::make_shared<const Csr<T>>(std::move(P)), how});
}

}  // namespace tsne
