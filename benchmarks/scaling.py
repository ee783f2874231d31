#!/usr/bin/python3
"""End-to-end scaling runs: bench_fft_e2e on each input under /usr/bin/time -v, then the score.

usage: nice -n 10 /usr/bin/python3 benchmarks/scaling.py --bench BUILD/benchmarks/bench_fft_e2e \\
           [--csv benchmarks/scaling.csv] [--threads 2] [--method auto] [--max-n 300000] DATA [DATA ...]
   DATA = PATH.bin (raw float32 N x 50): its PATH.npy and PATH_labels.npy (int32) sit next to it,
          as benchmarks/make_large.py and /work/shared/tools/prep_data.py write them; or
          PATH.bin:X.npy:LABELS.npy to name them.
   e.g. nice -n 10 /usr/bin/python3 benchmarks/scaling.py --bench /tmp/build-scale/benchmarks/bench_fft_e2e \\
           /tmp/tsne-data/fmnist70k_pca50.bin /tmp/tsne-large/fmnist100k_aug_pca50.bin

Per input: the library defaults (perplexity 30, 750 iterations of which 250 exaggerated, PCA init,
AutoNeighbors, the repulsion --method picks), `--threads` threads. Scored by
/work/shared/tools/eval_embedding.py --no-kl: kNN recall@10 and 10-NN label accuracy on its fixed
10,000-point sample (seed 0; the exact high-D neighbours are searched among all N points). The
exact KL needs O(N^2) work in that tool, so the KL reported is the one the run itself computed at
its last iteration (exact P, Z from the repulsion method).

Prints one table and appends one CSV row per input to --csv (header written when the file is new).
Columns: name, n, commit, threads, method, wall_s (the bench's own clock, prepare + optimise;
elapsed_s is /usr/bin/time's, file reading and CSV writing included), the four phase times,
ms/iteration early (iterations 50-250) and late (700-750), P's nnz per point, peak RSS (MB, from
/usr/bin/time -v) and the per-phase RSS peaks the bench samples, recall@10, 10-NN accuracy, KL.
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile

EVAL = "/work/shared/tools/eval_embedding.py"
FIELDS = ["name", "n", "commit", "threads", "method", "bench_args", "wall_s", "elapsed_s", "neighbors_s", "affinities_s", "init_s",
          "optimization_s", "ms_iter_early", "ms_iter_late", "nnz_per_point", "peak_rss_mb", "rss_x_mb",
          "rss_neighbors_mb", "rss_affinities_mb", "rss_init_mb", "rss_optimization_mb", "recall10", "acc10", "kl_run"]


def parse_data(arg):
    parts = arg.split(":")
    b = parts[0]
    stem = b[:-4] if b.endswith(".bin") else b
    x = parts[1] if len(parts) > 1 else stem + ".npy"
    lab = parts[2] if len(parts) > 2 else stem + "_labels.npy"
    return b, x, lab, os.path.basename(stem)


def grab(pattern, text, cast=float, group=1):
    m = re.search(pattern, text, re.M)
    if not m:
        raise RuntimeError(f"pattern {pattern!r} not found in the bench output")
    return cast(m.group(group))


def commit():
    here = os.path.dirname(os.path.abspath(__file__))
    r = subprocess.run(["git", "-C", here, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", here, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return r.stdout.strip() + ("+dirty" if dirty else "")


def run_one(a, data, tmp):
    b, xnpy, lab, name = parse_data(data)
    n = os.path.getsize(b) // (4 * 50)
    if n > a.max_n:
        raise SystemExit(f"{b}: {n} points is above --max-n {a.max_n}")
    emb = os.path.join(tmp, f"{name}_emb.csv")
    cmd = ["/usr/bin/time", "-v", a.bench, b, "50", "--method", a.method, "--threads", str(a.threads), "--out", emb] + a.bench_args.split()
    print("$", " ".join(cmd), flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.stderr.write(p.stdout + p.stderr)
        raise SystemExit(f"bench failed on {b}")
    out, err = p.stdout, p.stderr
    r = {"name": name, "n": grab(r"^N (\d+)", out, int), "commit": commit(), "threads": a.threads,
         "method": grab(r"method (\S+)", out, str), "bench_args": a.bench_args}
    r["neighbors_s"] = grab(r"neighbors ([\d.]+) s", out)
    r["affinities_s"] = grab(r"affinities ([\d.]+) s", out)
    r["init_s"] = grab(r"init ([\d.]+) s", out)
    r["optimization_s"] = grab(r"optimization ([\d.]+) s", out)
    r["wall_s"] = grab(r"wall ([\d.]+) s", out)
    r["ms_iter_early"] = grab(r"early \(50-250\) ([\d.]+) ms", out)
    r["ms_iter_late"] = grab(r"late \(\d+-\d+\) ([\d.]+) ms", out)
    r["kl_run"] = grab(r"last KL \(run\) ([\d.naN-]+)", out)
    r["nnz_per_point"] = grab(r"\(([\d.]+) per point\)", out)
    r["rss_x_mb"] = grab(r"RSS after loading X: ([\d.]+) MB", out)
    for ph in ("neighbors", "affinities", "init", "optimization"):
        r[f"rss_{ph}_mb"] = grab(rf"  {ph} ([\d.-]+)/", out)
    el = grab(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", err, str)
    secs = 0.0
    for part in el.split(":"):
        secs = secs * 60 + float(part)
    r["elapsed_s"] = secs
    r["peak_rss_mb"] = round(grab(r"Maximum resident set size \(kbytes\): (\d+)", err, int) / 1024.0, 1)
    ev = ["/usr/bin/python3", EVAL, "--x", xnpy, "--y", emb, "--labels", lab, "--no-kl"]
    print("$", " ".join(ev), flush=True)
    e = subprocess.run(ev, capture_output=True, text=True)
    if e.returncode != 0:
        sys.stderr.write(e.stdout + e.stderr)
        raise SystemExit(f"scoring failed on {b}")
    score = json.loads(e.stdout.strip().splitlines()[-1])
    r["recall10"] = score.get("knn_recall10")
    r["acc10"] = score.get("knn_acc10")
    if not a.keep:
        os.remove(emb)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", nargs="+")
    ap.add_argument("--bench", required=True, help="path to the bench_fft_e2e executable")
    ap.add_argument("--csv", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "scaling.csv"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--method", default="auto")
    ap.add_argument("--max-n", type=int, default=300000, help="refuse larger inputs (a guard for shared machines)")
    ap.add_argument("--bench-args", default="", help="extra bench_fft_e2e arguments, e.g. '--knn exact --iterations 1500'")
    ap.add_argument("--keep", action="store_true", help="keep the embeddings (in the temporary directory)")
    a = ap.parse_args()
    rows = []
    tmp = tempfile.mkdtemp(prefix="tsne-scaling-")
    for d in a.data:
        r = run_one(a, d, tmp)
        rows.append(r)
        new = not os.path.exists(a.csv)
        with open(a.csv, "a", newline="") as f:
            w = csv.DictWriter(f, fieldnames=FIELDS)
            if new:
                w.writeheader()
            w.writerow(r)
        print(json.dumps(r), flush=True)
    if not a.keep:
        os.rmdir(tmp)
    else:
        print("embeddings kept in", tmp)
    hdr = ("name", "N", "wall s", "kNN s", "aff s", "init s", "opt s", "ms/it early", "ms/it late", "peak RSS MB",
           "recall@10", "10-NN acc", "KL (run)")
    print("\n| " + " | ".join(hdr) + " |\n|" + "---|" * len(hdr))
    for r in rows:
        print(f"| {r['name']} | {r['n']:,} | {r['wall_s']:.1f} | {r['neighbors_s']:.1f} | {r['affinities_s']:.1f} | "
              f"{r['init_s']:.2f} | {r['optimization_s']:.1f} | {r['ms_iter_early']:.1f} | {r['ms_iter_late']:.1f} | "
              f"{r['peak_rss_mb']:.0f} | {r['recall10']} | {r['acc10']} | {r['kl_run']:.4f} |")


if __name__ == "__main__":
    main()
