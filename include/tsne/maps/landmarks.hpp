#pragma once
// Landmark metric MDS: the approximation that scales. Exact SMACOF needs the N x N distances
// (N² memory, N² work per iteration: 400 MB and ~25 ms per iteration at 10,000 points on 2
// cores, out of reach at 70,000). Here:
//   1. L landmarks, a seeded uniform sample of the points;
//   2. exact SMACOF (maps/stress.hpp) on the L x L distances, from their classical MDS;
//   3. every other point placed against the landmarks alone: starting at its nearest landmark,
//      `placement_iterations` Guttman steps of its own stress Σ_l (d*_il − |y_i − y_l|)² with the
//      landmarks fixed, y_i ← (1/L) Σ_l [y_l + d*_il (y_i − y_l)/|y_i − y_l|] (the majorisation
//      step for one point: its stress never increases).
// Work: O(L² ·iterations) + O(N·L·(D + placement_iterations)); memory O(L² + N·Dims). Each point's
// placement is independent: the same bits for any thread count. Its error against exact SMACOF
// (stress-1 of the whole map) is measured in benchmarks/RESULTS.md ("Landmark MDS").
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "../detail/rng.hpp"
#include "classical_mds.hpp"
#include "pair_distances.hpp"
#include "stress.hpp"

namespace tsne::maps {

struct LandmarkOptions {
    std::size_t landmarks = 1000;   ///< L (all points when N <= L: exact SMACOF)
    int iterations = 300;           ///< SMACOF iterations on the landmarks at most
    double tolerance = 1e-7;        ///< relative stress decrease that stops them
    int placement_iterations = 30;  ///< Guttman steps per placed point
    std::uint64_t seed = 42;        ///< the landmark sample
};

/// The landmark indices: a seeded uniform sample of L of the n points, sorted.
inline std::vector<std::uint32_t> sample_landmarks(std::size_t n, std::size_t L, std::uint64_t seed) {
    std::vector<std::uint32_t> all(n);
    std::iota(all.begin(), all.end(), 0u);
    L = std::min(L, n);
    tsne::detail::Rng rng(seed ^ 0x1a9d3a4cULL);
    for (std::size_t i = 0; i < L; ++i) {  // partial Fisher-Yates
        const std::size_t j = i + static_cast<std::size_t>(rng.uniform() * static_cast<double>(n - i));
        std::swap(all[i], all[std::min(j, n - 1)]);
    }
    all.resize(L);
    std::sort(all.begin(), all.end());
    return all;
}

/// Landmark metric MDS of the rows of X into Dims dimensions (n x Dims).
template <int Dims, class T, class Exec>
RowMatrix<T> landmark_mds(const MatrixRef<T>& X, const LandmarkOptions& o, Exec& ex) {
    tsne::detail::check_data<T>(X, "X");
    if (o.landmarks < 2) tsne::detail::fail("landmark MDS: landmarks must be >= 2, got ", o.landmarks);
    if (o.iterations < 0) tsne::detail::fail("landmark MDS: iterations must be >= 0, got ", o.iterations);
    if (o.placement_iterations < 0)
        tsne::detail::fail("landmark MDS: placement_iterations must be >= 0, got ", o.placement_iterations);
    const std::size_t n = static_cast<std::size_t>(X.rows());
    const std::vector<std::uint32_t> lm = sample_landmarks(n, o.landmarks, o.seed);
    const std::size_t L = lm.size();
    RowMatrix<T> XL(static_cast<Eigen::Index>(L), X.cols());
    for (std::size_t l = 0; l < L; ++l) XL.row(static_cast<Eigen::Index>(l)) = X.row(lm[l]);
    const PairDistances<T> DL = pair_distances<T>(MatrixRef<T>(XL), ex);
    // Landmarks: classical start, then SMACOF.
    const Eigen::MatrixXd start = classical_mds<Dims, T>(MatrixRef<T>(XL), o.seed);
    Embedding<T, Dims> YL(L), next(L);
    for (std::size_t l = 0; l < L; ++l)
        for (int d = 0; d < Dims; ++d) YL(l, d) = static_cast<T>(start(static_cast<Eigen::Index>(l), d));
    double prev = std::numeric_limits<double>::quiet_NaN();
    for (int it = 0; it < o.iterations; ++it) {
        const double s = guttman_transform(DL, YL, next, ex);
        std::swap(YL, next);
        if (o.tolerance > 0 && std::isfinite(prev) && prev - s <= o.tolerance * s) break;
        prev = s;
    }
    // Everyone else against the landmarks (distances in double, one row block at a time).
    RowMatrix<T> Y(X.rows(), Dims);
    std::vector<char> is_landmark(n, 0);
    for (std::size_t l = 0; l < L; ++l) {
        is_landmark[lm[l]] = 1;
        for (int d = 0; d < Dims; ++d) Y(lm[l], d) = YL(l, d);
    }
    const Eigen::RowVectorXd mean = XL.template cast<double>().colwise().mean();
    Eigen::MatrixXd A = XL.template cast<double>();
    A.rowwise() -= mean;
    const Eigen::VectorXd sqL = A.rowwise().squaredNorm();
    const Eigen::MatrixXd At = A.transpose();
    constexpr std::size_t blk = 256;
    ex.parallel_for(n, blk, [&](std::size_t b, std::size_t e) {
        Eigen::MatrixXd B = X.middleRows(static_cast<Eigen::Index>(b), static_cast<Eigen::Index>(e - b)).template cast<double>();
        B.rowwise() -= mean;
        const Eigen::MatrixXd G = B * At;
        std::vector<double> dstar(L);
        for (std::size_t i = b; i < e; ++i) {
            if (is_landmark[i]) continue;
            const Eigen::Index r = static_cast<Eigen::Index>(i - b);
            const double sq = B.row(r).squaredNorm();
            std::size_t nearest = 0;
            for (std::size_t l = 0; l < L; ++l) {
                dstar[l] = std::sqrt(std::max(sq + sqL(static_cast<Eigen::Index>(l)) - 2 * G(r, static_cast<Eigen::Index>(l)), 0.0));
                if (dstar[l] < dstar[nearest]) nearest = l;
            }
            double y[Dims];
            // Start beside the nearest landmark (a point exactly on it has no direction to move).
            for (int d = 0; d < Dims; ++d) y[d] = static_cast<double>(YL(nearest, d)) + 1e-3 * dstar[nearest] * (d == 0 ? 1 : 0.5);
            for (int it = 0; it < o.placement_iterations; ++it) {
                double acc[Dims] = {};
                for (std::size_t l = 0; l < L; ++l) {
                    double diff[Dims], d2 = 0;
                    for (int d = 0; d < Dims; ++d) {
                        diff[d] = y[d] - static_cast<double>(YL(l, d));
                        d2 += diff[d] * diff[d];
                    }
                    const double ratio = d2 > 0 ? dstar[l] / std::sqrt(d2) : 0.0;
                    for (int d = 0; d < Dims; ++d) acc[d] += static_cast<double>(YL(l, d)) + ratio * diff[d];
                }
                for (int d = 0; d < Dims; ++d) y[d] = acc[d] / static_cast<double>(L);
            }
            for (int d = 0; d < Dims; ++d) Y(static_cast<Eigen::Index>(i), d) = static_cast<T>(y[d]);
        }
    });
    return Y;
}

}  // namespace tsne::maps
