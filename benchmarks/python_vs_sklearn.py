#!/usr/bin/python3
"""tsne.TSNE against scikit-learn's TSNE (and openTSNE when installed), side by side.

usage: python_vs_sklearn.py --data X.npy --labels L.npy [--impl tsne,sklearn,opentsne] [--seed 1]
                            [--out DIR] [--eval shared/tools/eval_embedding.py]

Each implementation runs in a child process of its own (so its peak memory is its own: the
child's maximum resident set size), with its defaults except what makes the comparison fair:
scikit-learn TSNE(init="pca", learning_rate="auto") (its recommended settings; n_jobs=-1 for its
neighbour search, its gradient uses all cores through OpenMP anyway), openTSNE TSNE(n_jobs=-1),
tsne.TSNE() with only random_state. Wall time is the child's fit_transform (data loading and
import excluded); the embedding is then scored by eval_embedding.py (KL, kNN recall@10, 10-NN
accuracy). Prints one JSON line per implementation and a Markdown table.
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def child(impl, data, out, seed):
    import numpy as np
    X = np.load(data)
    if impl == "tsne":
        import tsne
        est = tsne.TSNE(random_state=seed)
    elif impl == "sklearn":
        from sklearn.manifold import TSNE
        est = TSNE(init="pca", learning_rate="auto", random_state=seed, n_jobs=-1)
    elif impl == "opentsne":
        from openTSNE import TSNE
        est = TSNE(random_state=seed, n_jobs=-1)
    else:
        raise SystemExit(f"unknown implementation {impl!r}")
    t0 = time.perf_counter()
    Y = est.fit_transform(X) if impl != "opentsne" else np.asarray(est.fit(X))
    seconds = time.perf_counter() - t0
    np.save(out, np.asarray(Y, dtype=np.float64))
    print(json.dumps({"seconds": seconds}))


def available(impl):
    module = {"tsne": "tsne", "sklearn": "sklearn.manifold", "opentsne": "openTSNE"}[impl]
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--impl", default="tsne,sklearn,opentsne")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=".")
    ap.add_argument("--eval", default=os.path.join(HERE, "..", "..", "shared", "tools", "eval_embedding.py"))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        return child(a.child, a.data, a.out, a.seed)
    rows = []
    name = os.path.splitext(os.path.basename(a.data))[0]
    for impl in a.impl.split(","):
        if not available(impl):
            print(f"{impl}: not installed, skipped", file=sys.stderr)
            continue
        out = os.path.join(a.out, f"{name}_{impl}.npy")
        p = subprocess.Popen([sys.executable, __file__, "--child", impl, "--data", a.data, "--labels", a.labels,
                              "--out", out, "--seed", str(a.seed)], stdout=subprocess.PIPE, text=True)
        stdout = p.stdout.read()
        _, status, usage = os.wait4(p.pid, 0)
        if status != 0:
            raise SystemExit(f"{impl}: the run failed (status {status})")
        row = {"impl": impl, "data": name, "seconds": json.loads(stdout.strip().splitlines()[-1])["seconds"],
               "peak_rss_mb": usage.ru_maxrss / 1024}
        scores = subprocess.run([sys.executable, a.eval, "--x", a.data, "--y", out, "--labels", a.labels],
                                capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        row.update(json.loads(scores))
        print(json.dumps(row), flush=True)
        rows.append(row)
    print("\n| data | implementation | wall s | peak RSS MB | KL | recall@10 | 10-NN acc |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['data']} | {r['impl']} | {r['seconds']:.1f} | {r['peak_rss_mb']:.0f} | {r.get('kl', float('nan')):.4f} "
              f"| {r['knn_recall10']:.4f} | {r['knn_acc10']:.4f} |")


if __name__ == "__main__":
    main()
