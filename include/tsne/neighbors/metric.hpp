#pragma once
// Distance metrics for the neighbour search. A metric either
//  (a) reduces to Euclidean distance after a row transform — `transform(X, out) -> bool` (false =
//      use X as is) and `from_euclidean(d)` giving the metric's distance from the Euclidean one
//      between transformed rows — so the GEMM-based searches apply; or
//  (b) gives `T distance(const T* a, const T* b, std::size_t dims) const`, and searches fall back
//      to a generic pairwise loop (slow; for metrics that have no Euclidean form).
// The affinities use the Gaussian kernel on the metric's distances (squared), as every peer does.
#include <cmath>
#include <cstddef>
#include <type_traits>
#include <utility>

#include "../detail/types.hpp"
#include "../error.hpp"

namespace tsne {

struct Euclidean {
    static constexpr const char* name = "euclidean";
    template <class T>
    bool transform(const MatrixRef<T>& /*X*/, RowMatrix<T>& /*out*/) const { return false; }
    template <class T>
    T from_euclidean(T d) const noexcept { return d; }
};

/// Cosine distance 1 − cos(a, b). Rows are normalised to unit length, where |a − b|² = 2 − 2 cos.
/// A row of zeros has no direction: tsne::invalid_argument.
struct Cosine {
    static constexpr const char* name = "cosine";
    template <class T>
    bool transform(const MatrixRef<T>& X, RowMatrix<T>& out) const {
        out.resize(X.rows(), X.cols());
        for (Eigen::Index i = 0; i < X.rows(); ++i) {
            // Scale by the largest magnitude first so the norm neither overflows nor underflows.
            const T m = X.row(i).cwiseAbs().maxCoeff();
            if (!(m > T(0))) detail::fail("X: row ", i, " is all zeros; the cosine distance is undefined for it");
            out.row(i) = X.row(i) / m;
            out.row(i) /= out.row(i).norm();
        }
        return true;
    }
    template <class T>
    T from_euclidean(T d) const noexcept { return d * d / T(2); }
};

namespace traits {
template <class, class = void>
struct is_euclidean_embeddable : std::false_type {};
template <class M>
struct is_euclidean_embeddable<M, std::void_t<decltype(std::declval<const M&>().transform(
                                      std::declval<const MatrixRef<float>&>(), std::declval<RowMatrix<float>&>())),
                                  decltype(std::declval<const M&>().from_euclidean(1.0f))>> : std::true_type {};
template <class, class = void>
struct has_distance : std::false_type {};
template <class M>
struct has_distance<M, std::void_t<decltype(std::declval<const M&>().distance(
                           std::declval<const float*>(), std::declval<const float*>(), std::size_t{}))>>
    : std::true_type {};
template <class M>
inline constexpr bool is_metric_v = is_euclidean_embeddable<M>::value || has_distance<M>::value;
}  // namespace traits

}  // namespace tsne
