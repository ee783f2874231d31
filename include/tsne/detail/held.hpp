#pragma once
// A matrix argument as the fluent builders keep it: a view of the caller's row-major rows when
// they are contiguous (the caller keeps them alive), otherwise a row-major copy; an rvalue Matrix
// is moved in and any other rvalue expression (block, Map, transpose, cast of a temporary) copied,
// so `auto b = tsne::embed<2>(make_data());` or `embed<2>(make_data().topRows(100))` never dangles.
#include <memory>
#include <type_traits>
#include <utility>

#include "types.hpp"

namespace tsne::detail {

template <class T>
struct Held {
    const T* data = nullptr;
    Eigen::Index rows = 0, cols = 0, stride = 0;
    std::shared_ptr<const RowMatrix<T>> owned;  ///< set when copied or moved in

    MatrixRef<T> view() const {
        return Eigen::Map<const RowMatrix<T>, 0, Eigen::OuterStride<>>(data, rows, cols, Eigen::OuterStride<>(stride));
    }
    static Held from(std::shared_ptr<const RowMatrix<T>> m) {
        Held h{m->data(), m->rows(), m->cols(), m->cols(), nullptr};
        h.owned = std::move(m);
        return h;
    }
};

/// Views or copies X; see the top of this file.
template <class Derived>
Held<typename Derived::Scalar> hold(const Eigen::DenseBase<Derived>& X) {
    using T = typename Derived::Scalar;
    const Derived& x = X.derived();
    constexpr bool viewable =
        bool(Derived::IsRowMajor) && (int(Eigen::internal::traits<Derived>::Flags) & Eigen::DirectAccessBit) != 0;
    if constexpr (viewable) {
        if (x.innerStride() == 1 || x.rows() == 0 || x.cols() <= 1)
            return Held<T>{x.data(), x.rows(), x.cols(), x.cols() > 0 ? x.outerStride() : 0, nullptr};
    }
    return Held<T>::from(std::make_shared<const RowMatrix<T>>(x));
}

/// Moves a temporary Matrix in.
template <class T, int Options_>
Held<T> hold(Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Options_>&& X) {
    return Held<T>::from(std::make_shared<const RowMatrix<T>>(std::move(X)));
}

/// True for Eigen dense types (matrices, arrays, blocks, maps, refs, expressions).
template <class X>
inline constexpr bool is_eigen_dense_v = std::is_base_of_v<Eigen::DenseBase<X>, X>;

/// True for Eigen::Map: it owns nothing, so a temporary Map views the caller's buffer exactly as a
/// named one does (the zero-copy way in, like the raw-pointer overload).
template <class X>
struct is_eigen_map : std::false_type {};
template <class P, int O, class S>
struct is_eigen_map<Eigen::Map<P, O, S>> : std::true_type {};

/// Any other temporary (rvalue) expression is copied: a block or transpose of a temporary
/// (`embed<2>(make_data().topRows(100))`), a Ref that may hold its own copy, a fixed-size matrix,
/// would otherwise be viewed after the full expression that owns its storage has ended. Lvalues
/// (named matrices, Maps, Refs) and temporary Maps take the overload above and are viewed when
/// their layout allows.
template <class X, std::enable_if_t<!std::is_lvalue_reference_v<X> && is_eigen_dense_v<std::remove_cv_t<X>> &&
                                        !is_eigen_map<std::remove_cv_t<X>>::value,
                                    int> = 0>
Held<typename std::remove_cv_t<X>::Scalar> hold(X&& x) {
    using T = typename std::remove_cv_t<X>::Scalar;
    return Held<T>::from(std::make_shared<const RowMatrix<T>>(x));
}

}  // namespace tsne::detail
