#pragma once
// tsne: header-only t-distributed stochastic neighbour embedding. The only include users need.
//
//   #include <tsne/tsne.hpp>
//   tsne::RowMatrix<float> Y = tsne::embed<2>(X).perplexity(30).seed(1).fit();
//
// Pipeline: X → kNN graph (neighbors/) → P (affinity/) → init (init/) → optimise Y with
// attractive + repulsive forces (gradient/) and momentum/gains (optimizer/), callbacks (callbacks/)
// watching; diagnostics.hpp scores a finished embedding. The other maps (PCA, classical and metric
// MDS, Sammon, the kNN graph's force-directed layout) are in maps/, built from the same parts.
// Contracts of every policy: tsne/policies.hpp.
#include "version.hpp"
#include "error.hpp"
#include "options.hpp"
#include "policies.hpp"
#include "status.hpp"
#include "parallel/executor.hpp"
#include "parallel/parallel_for.hpp"
#include "simd/compat.hpp"
#include "neighbors/knn_graph.hpp"
#include "neighbors/metric.hpp"
#include "neighbors/brute_force.hpp"
#include "neighbors/vp_tree.hpp"
#include "neighbors/ivf.hpp"
#include "neighbors/auto.hpp"
#include "affinity/csr.hpp"
#include "affinity/symmetrize.hpp"
#include "affinity/perplexity.hpp"
#include "affinity/uniform.hpp"
#include "affinity/precomputed.hpp"
#include "init/pca.hpp"
#include "init/random.hpp"
#include "gradient/attractive.hpp"
#include "gradient/repulsive_exact.hpp"
#include "gradient/fft_interp.hpp"
#include "tree/space_tree.hpp"
#include "tree/traversal.hpp"
#include "gradient/barnes_hut.hpp"
#include "gradient/auto_repulsion.hpp"
#include "gradient/kl.hpp"
#include "optimizer/schedule.hpp"
#include "optimizer/momentum_gains.hpp"
#include "callbacks/progress.hpp"
#include "callbacks/snapshots.hpp"
#include "callbacks/early_stop.hpp"
#include "run.hpp"
#include "embedder.hpp"
#include "transform.hpp"
#include "diagnostics.hpp"
#include "maps/maps.hpp"
