#!/usr/bin/python3
"""The article's comparison (issue 22): every map, 2-D and 3-D, on the bundled digits and on
Fashion-MNIST 10k, scored alike; plus metric MDS against scikit-learn's SMACOF from the same start.

    /usr/bin/python3 benchmarks/maps_comparison.py build/examples/tsne OUT_DIR [--threads 2] [--skip-fashion]

Every map runs through the CLI (`tsne --map M --report`), so the numbers are what a user gets:
wall time of the whole process (reading, distances, start, iterations, writing; not the
diagnostics, which the report times separately and which are subtracted), the map's own cost,
normalised stress (Kruskal's stress-1 = sqrt(sum (d* - d)^2 / sum d*^2) over all pairs, computed
here in float64), kNN recall@10, trustworthiness@10 and 10-NN label accuracy (the report's).

scikit-learn: MDS(n_components=2, metric=True, n_init=1, max_iter=300, eps=1e-3, n_jobs=1 [its
SMACOF is single-process numpy; BLAS uses the threads it has]) started from our classical-MDS
output (the start our `--map mds` uses), timed around fit_transform in the same run as ours, so the
ratio is measured under the same load on the shared machine.

Writes OUT_DIR/results.json, OUT_DIR/maps_<data>.png (all maps side by side) and prints a
Markdown table for benchmarks/RESULTS.md.
"""
import argparse
import gzip
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "examples", "data")
FM = "/usr/share/datasets/fashion-mnist"
MAPS = ["tsne", "pca", "classical-mds", "mds", "sammon", "graph"]
# Extra rows (not in the figure): landmark MDS, the approximation that scales.
VARIANTS = {"mds-landmarks": ["--map", "mds", "--landmarks", "1000"]}
TITLES = {"tsne": "t-SNE", "pca": "PCA", "classical-mds": "classical MDS", "mds": "metric MDS (SMACOF)",
          "sammon": "Sammon's mapping", "graph": "kNN graph layout (k=3)"}


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def datasets(out, skip_fashion):
    sets = []
    X = np.loadtxt(os.path.join(DATA, "digits.csv"), delimiter=",", dtype=np.float32)
    y = np.loadtxt(os.path.join(DATA, "digits_labels.csv"), dtype=np.int32)
    sets.append(("digits", X, y))
    if not skip_fashion and os.path.isdir(FM):
        from sklearn.decomposition import PCA
        imgs = idx(f"{FM}/t10k-images-idx3-ubyte.gz").reshape(10000, -1).astype(np.float32) / 255.0
        labs = idx(f"{FM}/t10k-labels-idx1-ubyte.gz").astype(np.int32)
        Z = PCA(n_components=50, svd_solver="randomized", random_state=0).fit_transform(imgs).astype(np.float32)
        sets.append(("fmnist10k_pca50", Z, labs))
    paths = []
    for name, X, y in sets:
        xp, lp = os.path.join(out, name + ".npy"), os.path.join(out, name + "_labels.csv")
        np.save(xp, np.ascontiguousarray(X))
        np.savetxt(lp, y, fmt="%d")
        paths.append((name, X, y, xp, lp))
    return paths


def normalized_stress(X, Y, block=1000):
    """(stress-1, stress-1 after the best uniform scaling of Y): the graph layout and t-SNE do not
    keep the data's scale, so the second says how well their shape keeps the distances."""
    X = X.astype(np.float64)
    Y = Y.astype(np.float64)
    num = den = cross = yy = 0.0
    sx = (X * X).sum(1)
    sy = (Y * Y).sum(1)
    for a in range(0, len(X), block):
        dx = np.sqrt(np.maximum(sx[a:a + block, None] + sx[None, :] - 2 * X[a:a + block] @ X.T, 0))
        dy = np.sqrt(np.maximum(sy[a:a + block, None] + sy[None, :] - 2 * Y[a:a + block] @ Y.T, 0))
        for i in range(dx.shape[0]):  # the diagonal: exactly 0
            dx[i, a + i] = 0
            dy[i, a + i] = 0
        num += ((dx - dy) ** 2).sum()
        den += (dx ** 2).sum()
        cross += (dx * dy).sum()
        yy += (dy ** 2).sum()
    return float(np.sqrt(num / den)), float(np.sqrt(max(1 - cross * cross / (den * yy), 0)))


def run_map(tsne, xp, lp, m, dims, threads, out, tag):
    csv = os.path.join(out, f"{tag}_{m}_{dims}d.csv")
    rep = os.path.join(out, f"{tag}_{m}_{dims}d.json")
    how = VARIANTS.get(m, ["--map", m])
    cmd = [tsne, "--input", xp, "--labels", lp, *how, "--dims", str(dims), "--threads", str(threads),
           "--output", csv, "--report", rep, "--quiet"]
    t0 = time.time()
    subprocess.run(cmd, check=True)
    wall = time.time() - t0
    r = json.load(open(rep))
    Y = np.loadtxt(csv, delimiter=",", ndmin=2)
    return Y, r, wall - r["seconds"]["diagnostics"], " ".join(cmd)


def sklearn_mds(X, Y0):
    from sklearn.manifold import MDS
    import warnings
    warnings.simplefilter("ignore")
    m = MDS(n_components=Y0.shape[1], metric=True, n_init=1, max_iter=300, eps=1e-3, random_state=0,
            normalized_stress=False)
    t0 = time.time()
    Y = m.fit_transform(X.astype(np.float64), init=Y0.astype(np.float64))
    return Y, time.time() - t0, m.n_iter_


def figure(results, name, labels, out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, 3, figsize=(15, 10))
    for ax, m in zip(axes.flat, MAPS):
        r = results[(name, m, 2)]
        Y = r["Y"]
        ax.scatter(Y[:, 0], Y[:, 1], c=labels, cmap="tab10", s=2 if len(Y) > 5000 else 4, linewidths=0)
        ax.set_title(f"{TITLES[m]}\nstress-1 {r['stress']:.3f} (scaled {r['stress_scaled']:.3f})  recall@10 {r['recall10']:.3f}  "
                     f"10-NN acc {r['accuracy10']:.3f}", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_aspect("equal", adjustable="datalim")
    fig.suptitle(f"{name}: the same data through six maps (tsne --map ...)", fontsize=13)
    fig.tight_layout()
    path = os.path.join(out, f"maps_{name}.png")
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tsne")
    ap.add_argument("out")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-fashion", action="store_true")
    ap.add_argument("--only", default="", help="run only this data set (digits or fmnist10k_pca50)")
    ap.add_argument("--maps", default=",".join(MAPS + list(VARIANTS)))
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    maps = a.maps.split(",")
    print("load:", open("/proc/loadavg").read().strip(), file=sys.stderr)
    results, rows = {}, []
    for name, X, y, xp, lp in datasets(a.out, a.skip_fashion):
        if a.only and name != a.only:
            continue
        for dims in (2, 3):
            for m in maps:
                Y, r, secs, cmd = run_map(a.tsne, xp, lp, m, dims, a.threads, a.out, name)
                st, st_scaled = normalized_stress(X, Y)
                res = dict(Y=Y, stress=st, stress_scaled=st_scaled, cost=r.get("cost"), recall10=r["knn_recall10"],
                           trust10=r["trustworthiness10"], accuracy10=r["knn_accuracy10"], seconds=secs,
                           iterations=r["iterations"], command=cmd)
                results[(name, m, dims)] = res
                rows.append((name, dims, m, res))
                print(f"{name} {dims}-D {m:14s} stress-1 {st:.4f} ({st_scaled:.4f} scaled) cost {r.get('cost')} recall@10 {r['knn_recall10']:.4f} "
                      f"trust {r['trustworthiness10']:.4f} acc {r['knn_accuracy10']:.4f} {secs:.2f} s "
                      f"({r['iterations']} it)", file=sys.stderr)
        if all((name, m, 2) in results for m in MAPS):
            figure(results, name, y, a.out)
    # scikit-learn's SMACOF on the digits, from our classical start, in this run.
    sk = {}
    X = np.loadtxt(os.path.join(DATA, "digits.csv"), delimiter=",", dtype=np.float32)
    if ("digits", "classical-mds", 2) in results and ("digits", "mds", 2) in results:
        Y0 = results[("digits", "classical-mds", 2)]["Y"]
        Ysk, t_sk, it_sk = sklearn_mds(X, Y0)
        ours = results[("digits", "mds", 2)]
        sk = dict(stress=normalized_stress(X, Ysk)[0], seconds=t_sk, iterations=int(it_sk), ours_stress=ours["stress"],
                  ours_seconds=ours["seconds"], ratio=ours["seconds"] / t_sk)
        print(f"sklearn MDS (n_init=1, same start): stress-1 {sk['stress']:.6f} in {t_sk:.2f} s ({it_sk} it); "
              f"ours {ours['stress']:.6f} in {ours['seconds']:.2f} s: time ratio {sk['ratio']:.3f}", file=sys.stderr)
    print("load:", open("/proc/loadavg").read().strip(), file=sys.stderr)
    for name in sorted({n for n, _, _, _ in rows}):
        fast = [r["seconds"] for n, _, m, r in rows if n == name and m in ("tsne", "pca", "classical-mds", "graph", "mds-landmarks")]
        allm = [r["seconds"] for n, _, m, r in rows if n == name]
        print(f"{name}: fast paths (tsne, pca, classical-mds, graph, mds-landmarks; 2-D and 3-D) {sum(fast):.1f} s, "
              f"all maps {sum(allm):.1f} s", file=sys.stderr)
    # Markdown.
    print("| data | dims | map | own cost | stress-1 | stress-1, best scale | recall@10 | trust@10 | 10-NN acc | seconds | iterations |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, dims, m, r in rows:
        cost = "—" if r["cost"] is None else f"{r['cost']:.4g}"
        print(f"| {name} | {dims} | {m} | {cost} | {r['stress']:.4f} | {r['stress_scaled']:.4f} | {r['recall10']:.4f} | {r['trust10']:.4f} | "
              f"{r['accuracy10']:.4f} | {r['seconds']:.2f} | {r['iterations']} |")
    json.dump(dict(maps=[dict(data=n, dims=d, map=m, **{k: v for k, v in r.items() if k != "Y"}) for n, d, m, r in rows],
                   sklearn_mds=sk), open(os.path.join(a.out, "results.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
