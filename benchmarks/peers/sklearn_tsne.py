#!/usr/bin/python3
"""scikit-learn t-SNE peer runner for benchmarks/compare.py (usable on its own too).

    /usr/bin/python3 sklearn_tsne.py --input X.npy --output EMB.csv [--dims 2] [--theta 0.5]
                                     [--threads 2] [--perplexity 30] [--max-iter 750] [--seed 42]
                                     [--method barnes_hut|exact]

Calls TSNE as in /work/shared/peers.md (PCA init, learning_rate='auto', 250 exaggerated
iterations, sklearn's default). --theta is sklearn's `angle` (its θ is the full-width criterion:
0.5 here is stricter than bhtsne/Rtsne's 0.5). Only fit_transform is timed, so interpreter
start-up, imports and I/O are excluded; the caller times the whole process separately.

Prints one line on stdout:
    SKLEARN_RESULT fit_s=<wall> cpu_s=<process cpu> final_cost=<sklearn's own KL> n=<N> d=<D> dims=<dims>
"""
import argparse
import time

import numpy as np
from sklearn.manifold import TSNE


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--dims", type=int, default=2)
    ap.add_argument("--theta", type=float, default=0.5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--perplexity", type=float, default=30.0)
    ap.add_argument("--max-iter", type=int, default=750)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--method", choices=("barnes_hut", "exact"), default="barnes_hut")
    a = ap.parse_args()

    X = np.load(a.input)
    tsne = TSNE(n_components=a.dims, perplexity=a.perplexity, n_iter=a.max_iter, init="pca",
                learning_rate="auto", method=a.method, angle=a.theta, n_jobs=a.threads,
                random_state=a.seed)
    w0, c0 = time.perf_counter(), time.process_time()
    Y = tsne.fit_transform(X)
    fit_s, cpu_s = time.perf_counter() - w0, time.process_time() - c0
    np.savetxt(a.output, Y, delimiter=",", fmt="%.9g")
    print(f"SKLEARN_RESULT fit_s={fit_s:.3f} cpu_s={cpu_s:.3f} final_cost={tsne.kl_divergence_:.6f} "
          f"n={X.shape[0]} d={X.shape[1]} dims={a.dims}", flush=True)


if __name__ == "__main__":
    main()
