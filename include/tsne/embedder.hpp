#pragma once
// The fluent front end: sugar over prepare()/Run (run.hpp), never a second implementation.
//
//   auto run = tsne::embed<2>(X).perplexity(30).seed(7).threads(8).prepare();  // builds P once
//   run.optimize(250, tsne::exaggerated(12));
//   run.optimize(500, tsne::progress());
//   tsne::RowMatrix<float> Y = run.embedding();
//   // or simply: auto Y = tsne::embed<2>(X).fit();
//
// Value setters return *this; policy setters (neighbors, affinity, init, repulsion, optimizer)
// return a new builder type with that slot replaced. The builder views X without copying when X
// is row-major with contiguous rows (otherwise it keeps a row-major copy); X must outlive
// prepare()/fit() when viewed.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

#include "detail/held.hpp"
#include "run.hpp"

namespace tsne {

/// What the builder embeds: data rows (default), a distance matrix, a kNN graph, or affinities.
enum class Source { data, distances, knn, affinities };

template <int Dims, class T, class Neighbors = AutoNeighbors, class Affinity = Perplexity, class Init = PCA,
          class Repulsion = AutoRepulsion, class Optimizer = MomentumGains, class Metric = Euclidean>
class Embedder {
    static_assert(Dims >= 1, "Dims (the output dimension) must be at least 1");
    static_assert(is_real_v<T>, "the input's scalar type must be float or double");

public:
    using run_type = Run<T, Dims, Repulsion, Optimizer>;

    Embedder(const T* data, Eigen::Index rows, Eigen::Index cols, Eigen::Index stride,
             std::shared_ptr<const RowMatrix<T>> owned = {}, Source source = Source::data)
        : source_(source), data_(data), rows_(rows), cols_(cols), stride_(stride), owned_(std::move(owned)) {}
    explicit Embedder(std::shared_ptr<const KnnGraph<T>> graph)
        : source_(Source::knn), data_(nullptr), rows_(0), cols_(0), stride_(0), graph_(std::move(graph)) {}
    Embedder(std::shared_ptr<const Csr<T>> P, PrecomputedAffinities how)
        : source_(Source::affinities), data_(nullptr), rows_(0), cols_(0), stride_(0), P_(std::move(P)), how_(how) {}

    // ---- values -----------------------------------------------------------------------------
    /// Perplexity of the affinities (default 30); needs an affinity policy with a perplexity.
    Embedder& perplexity(double p) {
        static_assert(traits::has_perplexity<Affinity>::value, "this affinity policy has no perplexity");
        affinity_.perplexity = p;
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
    template <class N>
    Embedder<Dims, T, N, Affinity, Init, Repulsion, Optimizer, Metric> neighbors(N n) const {
        return rebind(std::move(n), affinity_, init_, repulsion_, optimizer_, metric_);
    }
    template <class A>
    Embedder<Dims, T, Neighbors, A, Init, Repulsion, Optimizer, Metric> affinity(A a) const {
        return rebind(neighbors_, std::move(a), init_, repulsion_, optimizer_, metric_);
    }
    template <class I>
    Embedder<Dims, T, Neighbors, Affinity, I, Repulsion, Optimizer, Metric> init(I i) const {
        return rebind(neighbors_, affinity_, std::move(i), repulsion_, optimizer_, metric_);
    }
    template <class R>
    Embedder<Dims, T, Neighbors, Affinity, Init, R, Optimizer, Metric> repulsion(R r) const {
        return rebind(neighbors_, affinity_, init_, std::move(r), optimizer_, metric_);
    }
    template <class O>
    Embedder<Dims, T, Neighbors, Affinity, Init, Repulsion, O, Metric> optimizer(O o) const {
        return rebind(neighbors_, affinity_, init_, repulsion_, std::move(o), metric_);
    }
    /// Distance metric of the neighbour search (tsne::Euclidean, tsne::Cosine, or your own).
    template <class M>
    Embedder<Dims, T, Neighbors, Affinity, Init, Repulsion, Optimizer, M> metric(M m) const {
        return rebind(neighbors_, affinity_, init_, repulsion_, optimizer_, std::move(m));
    }

    // ---- run --------------------------------------------------------------------------------
    /// Builds P and the initial embedding; optimise with run.optimize(...).
    run_type prepare() const {
        switch (source_) {
            case Source::distances:
                return tsne::prepare_from_distances<Dims, T>(view(), options_, affinity_, init_, repulsion_, optimizer_);
            case Source::knn:
                return tsne::prepare_from_knn<Dims, T>(*graph_, options_, affinity_, init_, repulsion_, optimizer_);
            case Source::affinities:
                return tsne::prepare_from_affinities<Dims, T>(*P_, options_, how_, init_, repulsion_, optimizer_);
            case Source::data:
            default:
                return tsne::prepare<Dims, T>(view(), options_, neighbors_, affinity_, init_, repulsion_, optimizer_,
                                              metric_);
        }
    }
    /// prepare() + the standard schedule (Options); returns the N x Dims embedding.
    template <class... Callbacks>
    RowMatrix<T> fit(Callbacks&&... callbacks) const {
        auto run = prepare();
        run_schedule(run, options_, callbacks...);
        return run.embedding();
    }

    std::shared_ptr<const RowMatrix<T>> owned_input() const { return owned_; }
    Source source() const noexcept { return source_; }

    MatrixRef<T> view() const {
        return Eigen::Map<const RowMatrix<T>, 0, Eigen::OuterStride<>>(data_, rows_, cols_, Eigen::OuterStride<>(stride_));
    }

private:
    template <int, class, class, class, class, class, class, class>
    friend class Embedder;

    template <class N, class A, class I, class R, class O, class M>
    Embedder<Dims, T, N, A, I, R, O, M> rebind(N n, A a, I i, R r, O o, M m) const {
        Embedder<Dims, T, N, A, I, R, O, M> e(data_, rows_, cols_, stride_, owned_, source_);
        e.graph_ = graph_;
        e.P_ = P_;
        e.how_ = how_;
        e.metric_ = std::move(m);
        e.options_ = options_;
        e.neighbors_ = std::move(n);
        e.affinity_ = std::move(a);
        e.init_ = std::move(i);
        e.repulsion_ = std::move(r);
        e.optimizer_ = std::move(o);
        return e;
    }

    Source source_;
    const T* data_;
    Eigen::Index rows_, cols_, stride_;
    std::shared_ptr<const RowMatrix<T>> owned_;
    std::shared_ptr<const KnnGraph<T>> graph_;
    std::shared_ptr<const Csr<T>> P_;
    PrecomputedAffinities how_{};
    Metric metric_{};
    Options options_{};
    Neighbors neighbors_{};
    Affinity affinity_{};
    Init init_{};
    Repulsion repulsion_{};
    Optimizer optimizer_{};
};

/// Starts a fluent embedding of X (points as rows, float or double) into Dims dimensions.
/// Row-major X with contiguous rows is viewed, anything else (column-major, expressions) copied.
template <int Dims, class Derived>
auto embed(const Eigen::DenseBase<Derived>& X) {
    using T = typename Derived::Scalar;
    static_assert(is_real_v<T>, "tsne::embed: X must hold float or double");
    const detail::Held<T> h = detail::hold(X);
    return Embedder<Dims, T>(h.data, h.rows, h.cols, h.stride, h.owned);
}

/// Temporaries are moved into the builder, so `auto b = embed<2>(make_data());` is safe; other
/// temporary expressions (`make_data().topRows(100)`, a Map or transpose of a temporary) are copied.
/// Only lvalues (named matrices, Maps, Refs) are viewed without copying.
template <int Dims, class X,
          std::enable_if_t<!std::is_lvalue_reference_v<X> && detail::is_eigen_dense_v<std::remove_cv_t<X>>, int> = 0>
auto embed(X&& x) {
    using T = typename std::remove_cv_t<X>::Scalar;
    static_assert(is_real_v<T>, "tsne::embed: X must hold float or double");
    const detail::Held<T> h = detail::hold(std::forward<X>(x));
    return Embedder<Dims, T>(h.data, h.rows, h.cols, h.stride, h.owned);
}

/// Raw row-major data: n points of d features, rows `stride` elements apart (default d). Not copied.
template <int Dims, class T>
Embedder<Dims, T> embed(const T* data, std::size_t n, std::size_t d, std::size_t stride = 0) {
    if (data == nullptr && n * d != 0) detail::fail("X: null data pointer for ", n, " x ", d, " points");
    return Embedder<Dims, T>(data, static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d),
                             static_cast<Eigen::Index>(stride ? stride : d));
}

/// Embeds from a full N×N distance matrix (finite, >= 0; diagonal ignored). Viewed like embed()
/// (lvalues viewed when row-major, temporaries moved or copied in).
template <int Dims, class X, std::enable_if_t<detail::is_eigen_dense_v<std::remove_cv_t<std::remove_reference_t<X>>>, int> = 0>
auto embed_distances(X&& D) {
    using T = typename std::remove_cv_t<std::remove_reference_t<X>>::Scalar;
    auto e = embed<Dims>(std::forward<X>(D));
    return Embedder<Dims, T>(e.view().data(), e.view().rows(), e.view().cols(), e.view().outerStride(),
                             e.owned_input(), Source::distances);
}

/// Embeds from a kNN graph (copied): any k at least what the affinities need (3·perplexity).
template <int Dims, class T>
Embedder<Dims, T> embed_knn(KnnGraph<T> graph) {
    return Embedder<Dims, T>(std::make_shared<const KnnGraph<T>>(std::move(graph)));
}

/// Embeds from a ready sparse affinity matrix P (copied), symmetrised/normalised as `how` says.
template <int Dims, class T>
Embedder<Dims, T> embed_affinities(Csr<T> P, PrecomputedAffinities how = {}) {
    return Embedder<Dims, T>(std::make_shared<const Csr<T>>(std::move(P)), how);
}

}  // namespace tsne
