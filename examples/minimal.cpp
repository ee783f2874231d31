// The shortest use of the fluent API: embed the bundled digits in 2-D and print a few points.
#include <cstdio>
#include <tsne/tsne.hpp>
#include "io.hpp"  // tsnex::read_csv (examples/common)

int main() {
    tsne::RowMatrix<float> X = tsnex::read_csv<float>(TSNE_DATA_DIR "/digits.csv");  // 1797 x 64
    tsne::RowMatrix<float> Y = tsne::embed<2>(X).perplexity(30).seed(42).fit();       // 1797 x 2
    for (int i = 0; i < 5; ++i) std::printf("%9.4f %9.4f\n", Y(i, 0), Y(i, 1));
}
