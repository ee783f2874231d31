#pragma once
// Boundary checks shared by every entry point. Each throws tsne::invalid_argument naming the input.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "types.hpp"

namespace tsne::detail {

/// Largest number of points: indices are 32-bit (and fit a signed 32-bit gather index).
inline constexpr std::size_t max_points = static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()) - 1;

/// Every value of X is finite, else an error naming the first bad row and column.
template <class T>
void check_finite(const MatrixRef<T>& X, const char* name) {
    for (Eigen::Index i = 0; i < X.rows(); ++i)
        for (Eigen::Index j = 0; j < X.cols(); ++j)
            if (!std::isfinite(X(i, j))) fail(name, ": non-finite value ", X(i, j), " at row ", i, ", column ", j);
}

template <class T>
void check_data(const MatrixRef<T>& X, const char* name = "X") {
    const auto n = static_cast<std::size_t>(X.rows()), d = static_cast<std::size_t>(X.cols());
    if (n < 2) fail(name, ": need at least 2 points (rows), got ", n);
    if (d == 0) fail(name, ": need at least 1 feature (column), got 0");
    if (n > max_points) fail(name, ": ", n, " points is more than the supported ", max_points);
    checked_mul(n, d, name);
    check_finite<T>(X, name);
}

inline void check_positive(const char* name, double v) {
    if (!(v > 0) || !std::isfinite(v)) fail(name, " must be a finite number > 0, got ", v);
}

inline void check_non_negative(const char* name, double v) {
    if (!(v >= 0) || !std::isfinite(v)) fail(name, " must be a finite number >= 0, got ", v);
}

}  // namespace tsne::detail
