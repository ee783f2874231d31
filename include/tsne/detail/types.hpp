#pragma once
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include <Eigen/Core>

#include "../error.hpp"

namespace tsne {

/// Row-major dense matrix: one point per row. The library's input and output layout.
template <class T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Read-only view of row-major data, contiguous rows (any outer stride). A Map over a raw pointer
/// or a row-major Eigen matrix binds without copying.
template <class T>
using MatrixRef = Eigen::Ref<const RowMatrix<T>, 0, Eigen::OuterStride<>>;

template <class T>
inline constexpr bool is_real_v = std::is_same_v<T, float> || std::is_same_v<T, double>;

namespace detail {

/// a * b, or a tsne::invalid_argument naming `what` if it does not fit in std::size_t.
inline std::size_t checked_mul(std::size_t a, std::size_t b, const char* what) {
    if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a)
        fail(what, ": size ", a, " x ", b, " overflows std::size_t");
    return a * b;
}

}  // namespace detail
}  // namespace tsne
