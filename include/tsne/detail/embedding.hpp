#pragma once
// The embedding as the optimiser sees it: Dims coordinate arrays (structure of arrays), so SIMD
// lanes run across points.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "../simd/compat.hpp"
#include "types.hpp"

namespace tsne {

template <class T, int Dims>
class Embedding {
    static_assert(Dims >= 1, "Dims (the output dimension) must be at least 1");

public:
    Embedding() = default;
    explicit Embedding(std::size_t n) : n_(n), data_(detail::checked_mul(n, Dims, "embedding"), T(0)) {}

    std::size_t size() const noexcept { return n_; }
    static constexpr int dims() noexcept { return Dims; }
    T* coord(int d) noexcept { return data_.data() + static_cast<std::size_t>(d) * n_; }
    const T* coord(int d) const noexcept { return data_.data() + static_cast<std::size_t>(d) * n_; }
    T& operator()(std::size_t i, int d) noexcept { return coord(d)[i]; }
    T operator()(std::size_t i, int d) const noexcept { return coord(d)[i]; }
    std::array<const T*, Dims> coords() const noexcept {
        std::array<const T*, Dims> c{};
        for (int d = 0; d < Dims; ++d) c[d] = coord(d);
        return c;
    }
    std::array<T*, Dims> coords() noexcept {
        std::array<T*, Dims> c{};
        for (int d = 0; d < Dims; ++d) c[d] = coord(d);
        return c;
    }
    void fill(T v) { std::fill(data_.begin(), data_.end(), v); }

    /// Copies into a row-major N x Dims matrix.
    RowMatrix<T> to_matrix() const {
        RowMatrix<T> m(static_cast<Eigen::Index>(n_), Dims);
        for (std::size_t i = 0; i < n_; ++i)
            for (int d = 0; d < Dims; ++d) m(static_cast<Eigen::Index>(i), d) = coord(d)[i];
        return m;
    }
    /// Copies from a row-major N x Dims matrix (sizes must match).
    void assign(const MatrixRef<T>& m) {
        TSNE_ASSERT(static_cast<std::size_t>(m.rows()) == n_ && m.cols() == Dims);
        for (std::size_t i = 0; i < n_; ++i)
            for (int d = 0; d < Dims; ++d) coord(d)[i] = m(static_cast<Eigen::Index>(i), d);
    }
    /// This embedding with its points renumbered: point i of the result is point order[i] here
    /// (order: a permutation of 0..N-1).
    Embedding permuted(const std::uint32_t* order) const {
        Embedding out(n_);
        for (int d = 0; d < Dims; ++d) {
            const T* src = coord(d);
            T* dst = out.coord(d);
            for (std::size_t i = 0; i < n_; ++i) dst[i] = src[order[i]];
        }
        return out;
    }
    bool operator==(const Embedding& o) const { return n_ == o.n_ && data_ == o.data_; }

private:
    std::size_t n_ = 0;
    simd::aligned_vector<T> data_;
};

}  // namespace tsne
