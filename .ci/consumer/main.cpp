// Embeds 200 points from 4 Gaussian blobs and checks that each point's nearest embedded neighbour
// comes from its own blob for nearly all points.
#include <tsne/tsne.hpp>

#include <cstdio>
#include <random>

int main() {
    std::mt19937 gen(1);
    std::normal_distribution<double> noise(0.0, 1.0);
    tsne::RowMatrix<double> X(200, 10);
    for (int i = 0; i < 200; ++i)
        for (int j = 0; j < 10; ++j) X(i, j) = (j == i % 4 ? 20.0 : 0.0) + noise(gen);
    const tsne::RowMatrix<double> Y = tsne::embed<2>(X).perplexity(20).iterations(300).early_exaggeration_iterations(100).fit();
    int same = 0;
    for (int i = 0; i < 200; ++i) {
        int best = -1;
        double bd = 1e300;
        for (int j = 0; j < 200; ++j)
            if (j != i && (Y.row(i) - Y.row(j)).squaredNorm() < bd) bd = (Y.row(i) - Y.row(j)).squaredNorm(), best = j;
        same += best % 4 == i % 4;
    }
    std::printf("tsne %s consumer: %d/200 nearest neighbours in the same blob\n", tsne::version_string, same);
    return same >= 190 ? 0 : 1;
}
