#pragma once
// Pieces shared by the neighbour searches: the data as searched (metric transform + power-of-two
// rescale), bounded max-heaps of candidates, GEMM distance blocks, and the final exact re-ranking.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "../detail/scale.hpp"
#include "../detail/types.hpp"
#include "knn_graph.hpp"
#include "metric.hpp"

namespace tsne::detail {

/// X as the Euclidean searches see it: transformed by the metric and scaled by a power of two so
/// squared distances neither overflow nor underflow (exact in floating point; neighbours unchanged).
template <class T>
struct SearchData {
    using View = Eigen::Map<const RowMatrix<T>, 0, Eigen::OuterStride<>>;
    RowMatrix<T> owned;
    View X;  ///< re-seated with placement new, as Eigen documents for Map
    Eigen::Matrix<T, Eigen::Dynamic, 1> sq;  ///< squared row norms
    T unscale = 1;                           ///< multiply a distance by this to undo the rescale

    template <class Metric>
    SearchData(const MatrixRef<T>& in, const Metric& metric)
        : X(in.data(), in.rows(), in.cols(), Eigen::OuterStride<>(in.outerStride())) {
        if (metric.transform(in, owned)) reseat();
        const T maxabs = X.size() ? X.cwiseAbs().maxCoeff() : T(0);
        int e = 0;
        if (maxabs > T(0)) std::frexp(maxabs, &e);
        if (e > 16 || e < -16) {
            if (owned.size() == 0) owned = X;
            // In two factors (unit_factors): for subnormal data 2^-e itself overflows T, and X·∞
            // searched garbage (or crashed).
            const auto [a, b] = unit_factors<T>(static_cast<double>(maxabs));
            owned *= a;
            owned *= b;
            reseat();
            unscale = std::ldexp(T(1), e);
        }
        sq = X.rowwise().squaredNorm();
    }
    void reseat() { new (&X) View(owned.data(), owned.rows(), owned.cols(), Eigen::OuterStride<>(owned.cols())); }
    SearchData(const SearchData&) = delete;
    SearchData& operator=(const SearchData&) = delete;

    /// Exact squared distance between rows i and j (no cancellation).
    T exact_sq(std::size_t i, std::size_t j) const {
        return (X.row(static_cast<Eigen::Index>(i)) - X.row(static_cast<Eigen::Index>(j))).squaredNorm();
    }
};

/// Bounded max-heap of (squared distance, index): keeps the k smallest, ties to the smaller index.
template <class T>
class KBest {
public:
    using Cand = std::pair<T, std::uint32_t>;
    explicit KBest(std::size_t k = 0) : k_(k) { h_.reserve(k + 1); }
    void reset(std::size_t k) {
        k_ = k;
        h_.clear();
        h_.reserve(k + 1);
    }
    T bound() const noexcept { return h_.size() < k_ ? std::numeric_limits<T>::infinity() : h_.front().first; }
    void push(T d2, std::uint32_t j) {
        const Cand c{d2, j};
        if (h_.size() < k_) {
            h_.push_back(c);
            std::push_heap(h_.begin(), h_.end());
        } else if (c < h_.front()) {
            std::pop_heap(h_.begin(), h_.end());
            h_.back() = c;
            std::push_heap(h_.begin(), h_.end());
        }
    }
    bool contains(std::uint32_t j) const {
        for (const auto& c : h_)
            if (c.second == j) return true;
        return false;
    }
    std::vector<Cand>& items() noexcept { return h_; }
    std::size_t size() const noexcept { return h_.size(); }

private:
    std::size_t k_;
    std::vector<Cand> h_;
};

/// Extra candidates a GEMM search keeps beyond k: GEMM distances carry cancellation error, so the
/// k best by exact distance are taken from k + margin GEMM candidates.
inline std::size_t rerank_margin(std::size_t k) { return 16 + k / 8; }

/// Recomputes the kept candidates' distances to searched row i exactly, sorts them and writes the
/// k best as row `row` of the graph (row i unless the searched rows are offset) with the metric's
/// distances.
template <class T, class Metric>
void finish_row(const SearchData<T>& data, const Metric& metric, std::size_t i, KBest<T>& best, KnnGraph<T>& g,
                std::size_t row) {
    auto& h = best.items();
    for (auto& c : h) c.first = data.exact_sq(i, c.second);
    std::sort(h.begin(), h.end());
    TSNE_ASSERT(h.size() >= g.k);
    for (std::size_t m = 0; m < g.k; ++m) {
        g.index[row * g.k + m] = h[m].second;
        g.distance[row * g.k + m] = metric.from_euclidean(std::sqrt(h[m].first) * data.unscale);
    }
}
template <class T, class Metric>
void finish_row(const SearchData<T>& data, const Metric& metric, std::size_t i, KBest<T>& best, KnnGraph<T>& g) {
    finish_row(data, metric, i, best, g, i);
}

/// Squared distances of queries (rows qi) to candidates (rows ci) by one GEMM, pushed into the
/// queries' heaps (self excluded). The candidates' squared norms ride in the GEMM as an extra
/// column (Q' = [Q | 1], C' = [−2C | |c|²], exact scalings), so G(a, b) = |c_b|² − 2 q_a·c_b and the
/// scan only compares G against the heap's bound − |q_a|², a block of candidates at a time (the
/// comparison loop vectorises; most blocks have no candidate to push). Q, C, G are scratch.
template <class T>
void gemm_block(const SearchData<T>& data, const std::uint32_t* qi, std::size_t nq, const std::uint32_t* ci,
                std::size_t nc, KBest<T>* heaps, RowMatrix<T>& Q, RowMatrix<T>& C, RowMatrix<T>& G) {
    const Eigen::Index D = data.X.cols();
    Q.resize(static_cast<Eigen::Index>(nq), D + 1);
    C.resize(static_cast<Eigen::Index>(nc), D + 1);
    for (std::size_t a = 0; a < nq; ++a) {
        Q.row(static_cast<Eigen::Index>(a)).head(D) = data.X.row(qi[a]);
        Q(static_cast<Eigen::Index>(a), D) = T(1);
    }
    for (std::size_t b = 0; b < nc; ++b) {
        C.row(static_cast<Eigen::Index>(b)).head(D) = T(-2) * data.X.row(ci[b]);
        C(static_cast<Eigen::Index>(b), D) = data.sq[ci[b]];
    }
    G.noalias() = Q * C.transpose();
    constexpr std::size_t lanes = 16;
    for (std::size_t a = 0; a < nq; ++a) {
        const T sqa = data.sq[qi[a]];
        KBest<T>& h = heaps[a];
        const T* g = G.data() + a * static_cast<std::size_t>(G.cols());
        T limit = h.bound() - sqa;  // push when |c|² − 2 q·c <= bound − |q|²
        for (std::size_t b0 = 0; b0 < nc; b0 += lanes) {
            const std::size_t b1 = std::min(nc, b0 + lanes);
            bool any = false;
            if (b1 - b0 == lanes) {
                for (std::size_t b = b0; b < b0 + lanes; ++b) any |= g[b] <= limit;
            } else {
                any = true;
            }
            if (!any) continue;
            for (std::size_t b = b0; b < b1; ++b) {
                if (!(g[b] <= limit) || ci[b] == qi[a]) continue;
                h.push(std::max(T(0), sqa + g[b]), ci[b]);
                limit = h.bound() - sqa;
            }
        }
    }
}

}  // namespace tsne::detail
