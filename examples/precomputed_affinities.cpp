// Precomputed affinities: build P yourself (here a kNN graph with weights that fall off with the
// rank of the neighbour, instead of the perplexity-calibrated Gaussian), hand it to
// tsne::embed_affinities, and score the result with tsne::embedding_kl on that same P.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <utility>
#include <vector>

#include <tsne/tsne.hpp>

#include "io.hpp"

int main() {
    try {
        const tsne::RowMatrix<float> X = tsnex::read_csv<float>(TSNE_DATA_DIR "/digits.csv");  // 1797 x 64
        tsne::Executor ex(0);
        const std::size_t k = 15;
        const tsne::KnnGraph<float> g = tsne::BruteForce{}(tsne::MatrixRef<float>(X), k, ex);

        // P_ij = 1 / (rank of j among i's neighbours), in CSR with ascending columns per row.
        tsne::Csr<float> P;
        P.n = g.n;
        P.row_ptr.push_back(0);
        for (std::size_t i = 0; i < g.n; ++i) {
            std::vector<std::pair<std::uint32_t, float>> row;
            for (std::size_t r = 0; r < k; ++r) row.emplace_back(g.neighbors(i)[r], 1.0f / static_cast<float>(r + 1));
            std::sort(row.begin(), row.end());
            for (const auto& [j, w] : row) {
                P.col.push_back(j);
                P.val.push_back(w);
            }
            P.row_ptr.push_back(P.col.size());
        }
        // symmetrize: P = (P + P^T) / 2; normalize: sum 1 (the library does both by default).
        auto run = tsne::embed_affinities<2>(P, tsne::PrecomputedAffinities{true, true}).seed(3).prepare();
        tsne::run_schedule(run, tsne::Options{});
        const tsne::RowMatrix<float> Y = run.embedding();

        const double kl = tsne::embedding_kl(run.affinities().P, Y, ex);  // the P the run used
        std::printf("rank-weighted affinities (k = %zu): %zu non-zeros, final KL %.4f (exact: %.4f)\n", k,
                    run.affinities().P.nnz(), run.last_kl(), kl);
        const double t = tsne::trustworthiness(X, Y, 10, ex);
        std::printf("trustworthiness@10 %.4f\n", t);
        return t > 0.9 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "precomputed_affinities: error: %s\n", e.what());
        return 1;
    }
}
