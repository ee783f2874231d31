// The shortest use of the fluent API: embed 1,000 points of five Gaussian clusters in 50-D into 2-D
// and print a few of them. It reads no file, so it builds as it is in any project that links
// tsne::tsne (CI builds it so, through find_package); examples/demo_digits.cpp reads the bundled
// digits and draws a plot.
#include <cstdio>
#include <random>
#include <tsne/tsne.hpp>

int main() {
    std::mt19937 gen(7);
    std::normal_distribution<float> noise(0.0f, 1.0f);
    tsne::RowMatrix<float> X(1000, 50);  // one point per row
    for (int i = 0; i < 1000; ++i)
        for (int j = 0; j < 50; ++j) X(i, j) = (j == i % 5 ? 10.0f : 0.0f) + noise(gen);  // cluster i % 5
    tsne::RowMatrix<float> Y = tsne::embed<2>(X).perplexity(30).seed(42).fit();  // 1000 x 2
    for (int i = 0; i < 5; ++i) std::printf("%9.4f %9.4f\n", Y(i, 0), Y(i, 1));
}
