#!/usr/bin/python3
"""Log-log plot of time against N from scaling.py's CSV, and the growth table against N log N.

usage: /usr/bin/python3 benchmarks/plot_scaling.py [--csv benchmarks/scaling.csv] [--png docs/scaling_time.png]
                                                  [--names fmnist70k_aug_pca50,fmnist100k_aug_pca50,...] [--title TEXT]

Needs Debian python3-matplotlib (Agg backend, no display). Plots, per run: wall time, kNN time,
optimisation time, with dotted N and N log N lines through the smallest run's wall time. Prints,
between consecutive runs (sorted by N), the growth of each time divided by the growth of N log N:
1.00 means exactly N log N, below 1 slower growth.
--names picks the runs (one series, one row per N; default: every row, the last row for a name
that appears twice).
"""
import argparse
import csv
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--csv", default=os.path.join(HERE, "scaling.csv"))
    ap.add_argument("--png", default=os.path.join(HERE, "..", "docs", "scaling_time.png"))
    ap.add_argument("--names", default="")
    ap.add_argument("--title", default="", help="added to the title, e.g. the commit")
    a = ap.parse_args()
    with open(a.csv) as f:
        rows = {r["name"]: r for r in csv.DictReader(f)}  # last row per name
    if a.names:
        rows = {n: rows[n] for n in a.names.split(",")}
    runs = sorted(rows.values(), key=lambda r: int(r["n"]))
    n = [int(r["n"]) for r in runs]
    col = {k: [float(r[k]) for r in runs] for k in
           ("wall_s", "neighbors_s", "affinities_s", "optimization_s", "ms_iter_early", "ms_iter_late", "peak_rss_mb")}

    nlogn = [x * math.log(x) for x in n]
    print("growth / N log N growth between consecutive runs (1.00 = N log N)")
    keys = ("wall_s", "neighbors_s", "affinities_s", "optimization_s", "ms_iter_early", "ms_iter_late", "peak_rss_mb")
    print("| from | to | N log N x | " + " | ".join(keys) + " |")
    print("|---" * (3 + len(keys)) + "|")
    for i in range(1, len(n)):
        g = nlogn[i] / nlogn[i - 1]
        cells = [f"{col[k][i] / col[k][i - 1] / g:.2f}" for k in keys]
        print(f"| {n[i - 1]:,} | {n[i]:,} | {g:.2f} | " + " | ".join(cells) + " |")
    if len(n) > 1:
        g = nlogn[-1] / nlogn[0]
        cells = [f"{col[k][-1] / col[k][0] / g:.2f}" for k in keys]
        print(f"| {n[0]:,} | {n[-1]:,} | {g:.2f} | " + " | ".join(cells) + " |")

    fig, ax = plt.subplots(figsize=(5.2, 3.6), dpi=90)
    ax.loglog(n, col["wall_s"], "o-", label="wall (end to end)")
    ax.loglog(n, col["optimization_s"], "s-", label="optimisation (750 it.)")
    ax.loglog(n, col["neighbors_s"], "^-", label="kNN (IVF)")
    ax.loglog(n, col["affinities_s"], "v-", label="affinities")
    lo, hi = n[0], max(n[-1], 1_000_000)
    ref = [lo, hi]
    t0 = col["wall_s"][0]
    ax.loglog(ref, [t0 * x / lo for x in ref], "k:", lw=0.8, label="∝ N")
    ax.loglog(ref, [t0 * x * math.log(x) / (lo * math.log(lo)) for x in ref], "k--", lw=0.8, label="∝ N log N")
    if n[-1] < 1_000_000:
        ax.axvline(1_000_000, color="0.6", lw=0.6)
        ax.text(1_000_000, ax.get_ylim()[0] * 1.3, "1M: not measured ", fontsize=7, color="0.4", ha="right")
    ax.set_xlabel("N (points, PCA-50)")
    ax.set_ylabel("seconds")
    ax.set_title("t-SNE time vs N, 2 threads, 2-core machine" + (f" ({a.title})" if a.title else ""), fontsize=9)
    ax.grid(True, which="both", lw=0.3, alpha=0.5)
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(a.png)
    print("wrote", a.png, os.path.getsize(a.png), "bytes")


if __name__ == "__main__":
    main()
