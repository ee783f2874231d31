#pragma once
// Shared test data and slow, obvious oracles.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <tsne/tsne.hpp>

namespace testing {

/// True in sanitizer builds (TSNE_SANITIZE): slow tests use smaller sizes there, keeping every
/// code path but not the scale (TSan made the reliability runner 15x slower: 7.5 min).
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
inline constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
inline constexpr bool sanitized = true;
#else
inline constexpr bool sanitized = false;
#endif
#else
inline constexpr bool sanitized = false;
#endif

/// n points in d dims around `clusters` well-separated Gaussian centres.
template <class T>
tsne::RowMatrix<T> clusters(std::size_t n, std::size_t d, int clusters, std::uint64_t seed, double spread = 10.0) {
    tsne::detail::Rng rng(seed);
    std::vector<std::vector<double>> c(static_cast<std::size_t>(clusters), std::vector<double>(d));
    for (auto& v : c)
        for (auto& x : v) x = spread * rng.normal();
    tsne::RowMatrix<T> X(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < d; ++j)
            X(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
                static_cast<T>(c[i % static_cast<std::size_t>(clusters)][j] + rng.normal());
    return X;
}

/// A random embedding with coordinates N(0, scale²).
template <class T, int Dims>
tsne::Embedding<T, Dims> random_embedding(std::size_t n, std::uint64_t seed, double scale = 3.0) {
    tsne::Embedding<T, Dims> Y(n);
    tsne::detail::Rng rng(seed);
    for (std::size_t i = 0; i < n; ++i)
        for (int d = 0; d < Dims; ++d) Y(i, d) = static_cast<T>(scale * rng.normal());
    return Y;
}

inline tsne::RowMatrix<float> load_csv(const std::string& path) {
    std::ifstream f(path);
    std::vector<float> v;
    std::string line;
    std::size_t rows = 0, cols = 0;
    while (std::getline(f, line)) {
        std::stringstream ss(line);
        std::string cell;
        std::size_t c = 0;
        while (std::getline(ss, cell, ',')) {
            v.push_back(std::stof(cell));
            ++c;
        }
        cols = c;
        ++rows;
    }
    tsne::RowMatrix<float> X(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    std::copy(v.begin(), v.end(), X.data());
    return X;
}

inline tsne::RowMatrix<float> digits() { return load_csv(std::string(TSNE_DATA_DIR) + "/digits.csv"); }
inline std::vector<int> digit_labels() {
    const auto L = load_csv(std::string(TSNE_DATA_DIR) + "/digits_labels.csv");
    std::vector<int> out(static_cast<std::size_t>(L.rows()));
    for (Eigen::Index i = 0; i < L.rows(); ++i) out[static_cast<std::size_t>(i)] = static_cast<int>(L(i, 0));
    return out;
}

/// Leave-one-out 10-NN majority-vote label accuracy in the embedding (brute force).
template <class M>
double knn_accuracy(const M& Y, const std::vector<int>& labels, int k = 10) {
    const Eigen::Index n = Y.rows();
    int correct = 0;
    std::vector<std::pair<double, Eigen::Index>> d(static_cast<std::size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) {
        for (Eigen::Index j = 0; j < n; ++j)
            d[static_cast<std::size_t>(j)] = {j == i ? 1e300 : (Y.row(i) - Y.row(j)).template cast<double>().squaredNorm(), j};
        std::partial_sort(d.begin(), d.begin() + k, d.end());
        std::map<int, int> votes;
        for (int m = 0; m < k; ++m) ++votes[labels[static_cast<std::size_t>(d[static_cast<std::size_t>(m)].second)]];
        int best = -1, bestc = -1;
        for (auto [lab, c] : votes)
            if (c > bestc) {
                best = lab;
                bestc = c;
            }
        correct += best == labels[static_cast<std::size_t>(i)];
    }
    return static_cast<double>(correct) / static_cast<double>(n);
}

template <class T, int Dims>
bool all_finite(const tsne::Embedding<T, Dims>& Y) {
    for (int d = 0; d < Dims; ++d)
        for (std::size_t i = 0; i < Y.size(); ++i)
            if (!std::isfinite(Y(i, d))) return false;
    return true;
}

}  // namespace testing
