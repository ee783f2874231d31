// Settings that would silently do nothing must not compile (tests/CMakeLists.txt builds this file
// once per TSNE_MISUSE_* case and expects the build to fail with the builder's static_assert).
#include <tsne/embedder.hpp>

int main() {
    tsne::Csr<float> P;
    tsne::KnnGraph<float> g;
    tsne::RowMatrix<float> D(4, 4);
#if defined(TSNE_MISUSE_PERPLEXITY_OF_AFFINITIES)
    (void)tsne::embed_affinities<2>(P).perplexity(50);
#elif defined(TSNE_MISUSE_AFFINITY_OF_AFFINITIES)
    (void)tsne::embed_affinities<2>(P).affinity(tsne::Perplexity{});
#elif defined(TSNE_MISUSE_METRIC_OF_KNN)
    (void)tsne::embed_knn<2>(g).metric(tsne::Cosine{});
#elif defined(TSNE_MISUSE_NEIGHBORS_OF_DISTANCES)
    (void)tsne::embed_distances<2>(D).neighbors(tsne::BruteForce{});
#else
    // The valid forms of the same builders compile.
    (void)tsne::embed_affinities<2>(P).init(tsne::PCA{}).seed(1);
    (void)tsne::embed_knn<2>(g).perplexity(10).affinity(tsne::Perplexity{5});
    (void)tsne::embed_distances<2>(D).perplexity(1);
    (void)tsne::embed<2>(D).metric(tsne::Cosine{}).neighbors(tsne::BruteForce{}).perplexity(1);
    // prepare() of every input kind instantiates (not run: the inputs above are empty).
    auto prepare_all = [&] {
        (void)tsne::embed_affinities<2>(P).prepare();
        (void)tsne::embed_knn<2>(g).prepare();
        (void)tsne::embed_distances<2>(D).prepare();
    };
    (void)prepare_all;
#endif
}
