#!/usr/bin/python3
"""End-to-end comparison of the tsne CLI with its peers (Rtsne, scikit-learn) on the prepared data.

Run with /usr/bin/python3 (it needs nothing beyond the standard library; the scorer needs numpy,
scipy and scikit-learn, which only the system python has).

    /usr/bin/python3 benchmarks/compare.py --tsne /tmp/build-bench2/examples/tsne \\
        --datasets digits,fmnist10k --engines ours:exact,rtsne:0.5 --dims 2 --threads 2 \\
        --out-dir /tmp/bench-out --json /tmp/bench-out/results.json

Engines (comma-separated, run in the order given, one after another, never in parallel):
    ours:METHOD[:THETA]   the tsne CLI with --method METHOD [--theta THETA] (exact, bh, fft, ...)
    rtsne:THETA           Rtsne 0.16 through peers/rtsne.R (bhtsne's half-width θ; 0 = exact)
    sklearn:THETA         scikit-learn Barnes-Hut through peers/sklearn_tsne.py (sklearn's angle)

Every run goes through `/usr/bin/time -v` (peak RSS of the whole process, interpreter included)
and the harness times the process itself ("wall s"). "fit s" is the engine's own timing of the
fit alone: for ours the sum of the phases printed with --verbose (neighbours + affinities +
initialisation + optimisation, no file I/O); for the peers the timer around the fit call. Then the
embedding is scored with eval_embedding.py (exact KL on the 90-NN perplexity-30 P, kNN
recall@10, 10-NN accuracy), the same scorer used in /work/shared/peers.md.
"""
import argparse
import datetime
import json
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_EVAL = "/work/shared/tools/eval_embedding.py"
# The scorer and the sklearn runner need the system python (numpy, scipy, sklearn); the harness
# itself does not, so it could be started with another python and still call the right one.
SYSTEM_PYTHON = "/usr/bin/python3"


# ---- command line -------------------------------------------------------------------------------

def parse_engine(spec):
    """'ours:bh:0.5' -> dict(kind='ours', method='bh', theta='0.5'); theta kept as given text so
    the CLI receives exactly what the user typed."""
    parts = spec.split(":")
    kind = parts[0]
    if kind == "ours":
        if len(parts) not in (2, 3) or not parts[1]:
            raise ValueError(f"engine {spec!r}: expected ours:METHOD or ours:METHOD:THETA")
        return {"kind": "ours", "method": parts[1], "theta": parts[2] if len(parts) == 3 else None, "spec": spec}
    if kind in ("rtsne", "sklearn"):
        if len(parts) > 2:
            raise ValueError(f"engine {spec!r}: expected {kind}[:THETA]")
        theta = parts[1] if len(parts) == 2 else "0.5"
        float(theta)  # fail early on a typo rather than after the previous engines ran
        return {"kind": kind, "method": "bh" if float(theta) > 0 else "exact", "theta": theta, "spec": spec}
    raise ValueError(f"unknown engine {spec!r} (ours:METHOD[:THETA], rtsne[:THETA], sklearn[:THETA])")


def resolve_dataset(name, data_dir):
    """'fmnist10k' -> fmnist10k_pca50.npy; an exact file stem (or path to a .npy) also works."""
    candidates = [name] if name.endswith(".npy") else [
        os.path.join(data_dir, name + ".npy"), os.path.join(data_dir, name + "_pca50.npy")]
    for path in candidates:
        if os.path.isfile(path):
            labels = path[:-4] + "_labels.npy"
            return {"name": os.path.basename(path)[:-4] if name.endswith(".npy") else name,
                    "x": path, "labels": labels if os.path.isfile(labels) else None}
    raise FileNotFoundError(f"data set {name!r}: none of {candidates} exists")


def npy_shape(path):
    """Shape from a .npy header, without numpy (the harness must not depend on it)."""
    with open(path, "rb") as f:
        if f.read(6) != b"\x93NUMPY":
            raise ValueError(f"{path}: not a .npy file")
        major = f.read(2)[0]
        hlen = int.from_bytes(f.read(2 if major == 1 else 4), "little")
        header = f.read(hlen).decode("latin1")
    m = re.search(r"'shape':\s*\(([^)]*)\)", header)
    return tuple(int(s) for s in m.group(1).replace(" ", "").split(",") if s)


def limit_dataset(ds, n, out_dir):
    """First n rows (and labels) as a new .npy in out_dir: quick checks on a prefix of a big set,
    the same way 10k/20k are prefixes of 70k."""
    stem = f"{ds['name']}_first{n}"
    x_out = os.path.join(out_dir, "data", stem + ".npy")
    y_out = os.path.join(out_dir, "data", stem + "_labels.npy") if ds["labels"] else None
    os.makedirs(os.path.dirname(x_out), exist_ok=True)
    code = ("import numpy as np, sys; n = int(sys.argv[1]);"
            "np.save(sys.argv[3], np.ascontiguousarray(np.load(sys.argv[2])[:n]));"
            "len(sys.argv) > 5 and np.save(sys.argv[5], np.load(sys.argv[4])[:n])")
    args = [SYSTEM_PYTHON, "-c", code, str(n), ds["x"], x_out] + ([ds["labels"], y_out] if y_out else [])
    subprocess.run(args, check=True)
    return {"name": stem, "x": x_out, "labels": y_out}


# ---- environment record ---------------------------------------------------------------------------

def run_text(args):
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=120).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def machine_info():
    model = None
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), None)
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "nproc_available": len(os.sched_getaffinity(0)), "cpu_model": model,
            "kernel": os.uname().release, "hostname": os.uname().nodename}


def engine_versions(engines, tsne):
    """Versions of what will actually run, recorded once per invocation."""
    kinds = {e["kind"] for e in engines}
    v = {}
    if "ours" in kinds:
        v["tsne"] = run_text([tsne, "--version"])
    if "rtsne" in kinds:
        v["rtsne"] = run_text(["Rscript", "-e", 'cat(R.version.string, "/ Rtsne", '
                                                'as.character(packageVersion("Rtsne")))'])
    if "sklearn" in kinds:
        v["sklearn"] = run_text([SYSTEM_PYTHON, "-c", "import sklearn; print(sklearn.__version__)"])
    return v


def wait_for_quiet(threshold, max_wait):
    """On a shared machine, wait (up to max_wait s) until the 1-minute load average drops below
    threshold. It also lets the load left by the previous run decay, so runs start comparably."""
    t0 = time.monotonic()
    while os.getloadavg()[0] >= threshold and time.monotonic() - t0 < max_wait:
        time.sleep(5)
    return round(time.monotonic() - t0, 1)


# ---- one run ----------------------------------------------------------------------------------------

def build_command(engine, ds, dims, a, emb):
    """The engine's command line; all engines get the same perplexity, iterations, seed, threads."""
    if engine["kind"] == "ours":
        cmd = [a.tsne, "--input", ds["x"], "--output", emb, "--threads", str(a.threads),
               "--perplexity", str(a.perplexity), "--iterations", str(a.iterations), "--dims", str(dims),
               "--seed", str(a.seed), "--method", engine["method"], "--verbose"]
        if engine["theta"] is not None:
            cmd += ["--theta", engine["theta"]]
        return cmd + shlex.split(a.ours_args)
    common = ["--input", ds["x"], "--output", emb, "--dims", str(dims), "--theta", engine["theta"],
              "--threads", str(a.threads), "--perplexity", str(a.perplexity), "--max-iter", str(a.iterations),
              "--seed", str(a.seed)]
    if engine["kind"] == "rtsne":
        return [a.rscript, os.path.join(HERE, "peers", "rtsne.R")] + common
    return [SYSTEM_PYTHON, os.path.join(HERE, "peers", "sklearn_tsne.py")] + common


FLOAT = r"([-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)"


def parse_ours(stderr):
    """Phase times from `tsne --verbose`. Any 'NAME X s' pair on a 'tsne:' line is kept (so new
    phases of future methods show up in the JSON); fit = every phase except reading the input
    and the final 'embedded ... in X s' summary, which includes I/O."""
    phases, own_kl, total = {}, None, None
    for line in stderr.splitlines():
        if not line.startswith("tsne: ") or line.startswith("tsne: error"):
            continue
        m = re.search(r"into \d-D in " + FLOAT + r" s, KL " + FLOAT, line)
        if m:
            total, own_kl = float(m.group(1)), float(m.group(2))
            continue
        if line.startswith("tsne: read "):
            m = re.search(r" in " + FLOAT + r" s", line)
            if m:
                phases["read"] = float(m.group(1))
            continue
        for name, val in re.findall(r"([A-Za-z][A-Za-z _-]*?) " + FLOAT + r" s\b", line[6:]):
            phases[name.strip().lstrip(", ")] = float(val)
        m = re.search(r"final KL " + FLOAT, line)
        if m:
            own_kl = float(m.group(1))
    fit_phases = [v for k, v in phases.items() if k != "read"]
    return {"fit_s": round(sum(fit_phases), 3) if fit_phases else None, "phases": phases,
            "own_kl": own_kl, "cli_total_s": total}


def parse_peer(stdout, tag):
    """'RTSNE_RESULT k=v ...' / 'SKLEARN_RESULT k=v ...' from the peer runners."""
    for line in stdout.splitlines():
        if line.startswith(tag + " "):
            num = {}
            for item in line.split()[1:]:
                key, _, val = item.partition("=")
                try:
                    num[key] = float(val)
                except ValueError:  # R prints NA when Rtsne returned no costs
                    pass
            return {"fit_s": num.get("fit_s"), "own_kl": num.get("final_cost"),
                    "cpu_s": num.get("user_s", 0) + num.get("sys_s", 0) if "user_s" in num else num.get("cpu_s")}
    return {"fit_s": None, "own_kl": None}


def parse_time_v(path):
    """The fields of GNU time -v that matter here. 'Maximum resident set size' is in KiB."""
    out = {}
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return out
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        out["peak_rss_mb"] = round(int(m.group(1)) / 1024, 1)
    for key, label in (("user_s", "User time (seconds)"), ("sys_s", "System time (seconds)")):
        m = re.search(re.escape(label) + r": " + FLOAT, text)
        if m:
            out[key] = float(m.group(1))
    m = re.search(r"Percent of CPU this job got: (\d+)%", text)
    if m:
        out["cpu_percent"] = int(m.group(1))
    return out


def score(ds, emb, a):
    cmd = [SYSTEM_PYTHON, a.eval_script, "--x", ds["x"], "--y", emb]
    if ds["labels"]:
        cmd += ["--labels", ds["labels"]]
    p = subprocess.run(cmd, capture_output=True, text=True)
    lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
    if p.returncode != 0 or not lines:
        return {"eval_error": (p.stderr.strip().splitlines() or ["exit %d" % p.returncode])[-1]}
    return json.loads(lines[-1])


def run_one(engine, ds, dims, rep, a):
    label = f"{ds['name']}_{engine['spec'].replace(':', '-')}_d{dims}" + (f"_r{rep}" if a.repeats > 1 else "")
    emb = os.path.join(a.out_dir, label + ".csv")
    log_time = os.path.join(a.out_dir, label + ".time")
    cmd = build_command(engine, ds, dims, a, emb)
    waited = wait_for_quiet(a.quiet_load, a.quiet_wait) if a.quiet_load else 0.0
    row = {"dataset": ds["name"], "engine": engine["kind"], "spec": engine["spec"], "method": engine["method"],
           "theta": engine["theta"], "dims": dims, "repeat": rep, "threads": a.threads,
           "loadavg_before": [round(x, 2) for x in os.getloadavg()], "waited_for_quiet_s": waited,
           "started": datetime.datetime.now().isoformat(timespec="seconds"), "command": cmd, "embedding": emb}
    print(f"[compare] {label}: load {row['loadavg_before'][0]:.2f}; {shlex.join(cmd)}", file=sys.stderr, flush=True)
    if os.path.exists(emb):
        os.remove(emb)  # a stale embedding must never be scored as this run's
    # Own session, so that a timeout kills the engine too and not only /usr/bin/time: an orphaned
    # Rscript would keep both cores busy and spoil every later run.
    t0 = time.perf_counter()
    proc = subprocess.Popen(["/usr/bin/time", "-v", "-o", log_time] + cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=a.timeout)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        rc, err = "timeout", err + f"\nkilled after {a.timeout:g} s (--timeout)"
    except BaseException:  # Ctrl-C reaches only our session: take the engine down with us
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    row["wall_s"] = round(time.perf_counter() - t0, 3)
    with open(os.path.join(a.out_dir, label + ".log"), "w") as f:
        f.write(f"$ {shlex.join(cmd)}\n--- stdout\n{out}\n--- stderr\n{err}")
    row["exit"] = rc
    row.update(parse_time_v(log_time))
    if engine["kind"] == "ours":
        row.update(parse_ours(err))
    else:
        row.update(parse_peer(out, "RTSNE_RESULT" if engine["kind"] == "rtsne" else "SKLEARN_RESULT"))
    if rc != 0 or not os.path.isfile(emb):
        row["error"] = (err.strip().splitlines() or [f"exit {rc}"])[-1]
        print(f"[compare] {label}: FAILED ({rc}): {row['error']}", file=sys.stderr, flush=True)
        return row
    if not a.skip_eval:
        row.update(score(ds, emb, a))
        if "eval_error" in row:
            print(f"[compare] {label}: scoring failed: {row['eval_error']}", file=sys.stderr, flush=True)
    print(f"[compare] {label}: wall {row['wall_s']:.2f} s, fit {row.get('fit_s')} s, "
          f"RSS {row.get('peak_rss_mb')} MB, KL {row.get('kl')}", file=sys.stderr, flush=True)
    return row


# ---- report -------------------------------------------------------------------------------------------

def fmt(v, digits=3):
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def method_label(row):
    if row["engine"] == "rtsne":
        return "exact" if row["method"] == "exact" else f"BH θ={row['theta']}*"
    if row["engine"] == "sklearn":
        return f"BH θ={row['theta']}"
    return row["method"] + (f" θ={row['theta']}" if row["theta"] is not None else "")


ENGINE_NAMES = {"ours": "ours (tsne CLI)", "rtsne": "Rtsne", "sklearn": "sklearn"}


def markdown(rows, meta):
    dirty = meta["dirty"]
    lines = [f"Commit {meta['commit']} ({meta['repo']})"
             f"{' + uncommitted changes to ' + ', '.join(dirty[:4]) + (' ...' if len(dirty) > 4 else '') if dirty else ''}; "
             f"{meta['machine']['cpu_model']}, nproc {meta['machine']['nproc']}; {meta['started']}; "
             f"threads {meta['threads']}, perplexity {meta['perplexity']}, {meta['iterations']} iterations, "
             f"seed {meta['seed']}.", ""]
    if meta.get("versions"):
        lines += ["Versions: " + "; ".join(f"{k}: {v}" for k, v in meta["versions"].items()), ""]
    lines += ["| data set | engine | method/θ | dims | wall s | fit s | peak RSS MB | KL | recall@10 | 10-NN acc "
              "| own KL | load before | CPU % |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.get("error"):
            # a '|' in the engine's message would split the markdown cell
            body = [f"failed ({r['exit']}): {r['error'][:60].replace('|', '/')}"] + [""] * 6
        else:
            body = [fmt(r["wall_s"], 2), fmt(r.get("fit_s"), 2), fmt(r.get("peak_rss_mb"), 0),
                    fmt(r.get("kl")), fmt(r.get("knn_recall10")), fmt(r.get("knn_acc10")), fmt(r.get("own_kl"))]
        lines.append("| " + " | ".join([r["dataset"], ENGINE_NAMES[r["engine"]] + (f" #{r['repeat']}" if meta["repeats"] > 1 else ""),
                                        method_label(r), str(r["dims"])] + body +
                                       [fmt(r["loadavg_before"][0], 2), fmt(r.get("cpu_percent"))]) + " |")
    lines += ["", "wall = the whole process measured by the harness (start-up and I/O included); fit = the "
              "engine's own timing of the fit (ours: kNN + affinities + init + optimisation from --verbose). "
              "MB = KiB/1024 from `/usr/bin/time -v`. KL, recall, acc: eval_embedding.py. own KL = the "
              "engine's final cost as it reports it. load before = 1-min load average just before the run; "
              "CPU % = process CPU time / wall from `/usr/bin/time` (about 100 with 2 threads means the run "
              "effectively had one core: the machine was busy). * bhtsne's half-width θ (0.5 there = 1.0 in "
              "sklearn terms)."]
    if any(r["engine"] == "sklearn" and r["dims"] > 2 for r in rows):
        # sklearn uses a Student-t with max(dims - 1, 1) degrees of freedom, the scorer a Cauchy
        # kernel (1 degree of freedom), so the scorer's KL does not measure what sklearn optimised.
        lines += ["", "sklearn in 3-D optimises a Student-t kernel with 2 degrees of freedom; the scorer's "
                  "KL assumes the Cauchy kernel, so compare its recall and accuracy, not its KL."]

    # ours / Rtsne, per data set and dims, against the Rtsne run with the median wall.
    ratio_lines = []
    for key in dict.fromkeys((r["dataset"], r["dims"]) for r in rows):
        same = [r for r in rows if (r["dataset"], r["dims"]) == key and not r.get("error")]
        peers = [r for r in same if r["engine"] == "rtsne"]
        if not peers:
            continue
        ref_wall = statistics.median(r["wall_s"] for r in peers)
        ref_fit = [r["fit_s"] for r in peers if r.get("fit_s")]
        ref_fit = statistics.median(ref_fit) if ref_fit else None
        for r in same:
            if r["engine"] != "ours":
                continue
            fit_ratio = r["fit_s"] / ref_fit if r.get("fit_s") and ref_fit else None
            ratio_lines.append(f"| {key[0]} | {key[1]} | {method_label(r)} | {r['wall_s'] / ref_wall:.3f} "
                               f"({r['wall_s']:.2f} / {ref_wall:.2f}) | "
                               + (f"{fit_ratio:.3f} ({r['fit_s']:.2f} / {ref_fit:.2f})" if fit_ratio else "—") + " |")
    if ratio_lines:
        lines += ["", "| data set | dims | ours | ours/Rtsne wall | ours/Rtsne fit |", "|---|---|---|---|---|"]
        lines += ratio_lines
        lines += ["", "Below 1 = ours faster. Rtsne's wall includes R's start-up, reading the data and writing "
                  "the CSV (wall − fit above), so for small inputs compare the fit ratio."]

    phase_rows = [r for r in rows if r["engine"] == "ours" and r.get("phases") and not r.get("error")]
    if phase_rows:
        names = list(dict.fromkeys(k for r in phase_rows for k in r["phases"]))
        lines += ["", "| data set | dims | ours | " + " | ".join(f"{n} s" for n in names) + " |",
                  "|---|---|---|" + "---|" * len(names)]
        for r in phase_rows:
            lines.append(f"| {r['dataset']} | {r['dims']} | {method_label(r)} | "
                         + " | ".join(fmt(r["phases"].get(n)) for n in names) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", default="digits", help="comma-separated: digits, fmnist10k, fmnist20k, fmnist70k, "
                                                         "any NAME with DATA_DIR/NAME.npy, or a .npy path")
    ap.add_argument("--engines", default="ours:exact,rtsne:0.5", help="comma-separated engine specs (see above)")
    ap.add_argument("--dims", default="2", help="output dimensions, comma-separated (e.g. 2,3)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--perplexity", type=float, default=30)
    ap.add_argument("--iterations", type=int, default=750, help="total, 250 of them exaggerated in every engine")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--tsne", default="/tmp/build-bench2/examples/tsne", help="the tsne CLI")
    ap.add_argument("--ours-args", default="", help="extra CLI options for ours, e.g. '--knn exact'")
    ap.add_argument("--rscript", default="Rscript")
    ap.add_argument("--data-dir", default="/tmp/tsne-data")
    ap.add_argument("--limit", type=int, help="use only the first N rows of each data set (quick checks)")
    ap.add_argument("--out-dir", default="/tmp/tsne-bench", help="embeddings, logs, results.md/json go here")
    ap.add_argument("--json", help="write all rows and the run's metadata as JSON here")
    ap.add_argument("--skip-eval", action="store_true", help="do not score the embeddings")
    ap.add_argument("--eval-script", default=DEFAULT_EVAL)
    ap.add_argument("--repeats", type=int, default=1, help="run every (data set, dims, engine) this many times")
    ap.add_argument("--timeout", type=float, help="seconds before a run is killed and marked failed")
    ap.add_argument("--quiet-load", type=float, help="before each run, wait until the 1-min load average < this")
    ap.add_argument("--quiet-wait", type=float, default=600, help="longest wait for --quiet-load, seconds")
    ap.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    ap.add_argument("--repo", default=os.path.dirname(HERE), help="git checkout whose commit is recorded")
    a = ap.parse_args()
    # SIGTERM as an exception, so run_one's cleanup also kills the engine's process group.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    # Every check before the first run, so a typo does not surface after an hour of benchmarks.
    try:
        engines = [parse_engine(s) for s in a.engines.split(",") if s]
        dims_list = [int(d) for d in a.dims.split(",")]
        datasets = [resolve_dataset(n, a.data_dir) for n in a.datasets.split(",") if n]
    except (ValueError, FileNotFoundError) as e:
        ap.error(str(e))
    if any(d not in (1, 2, 3) for d in dims_list):
        ap.error("--dims: each value must be 1, 2 or 3")
    if any(e["kind"] == "ours" for e in engines) and not os.access(a.tsne, os.X_OK):
        ap.error(f"--tsne {a.tsne} is not an executable (build the tsne_cli target, output name tsne)")
    os.makedirs(a.out_dir, exist_ok=True)
    a.out_dir = os.path.abspath(a.out_dir)
    if a.limit:
        datasets = [limit_dataset(ds, a.limit, a.out_dir) for ds in datasets]

    meta = {"repo": os.path.abspath(a.repo),
            "commit": run_text(["git", "-C", a.repo, "rev-parse", "--short", "HEAD"]),
            # tracked files changed since the commit (the timings may not be the commit's alone)
            "dirty": (run_text(["git", "-C", a.repo, "diff", "--name-only", "HEAD"]) or "").split(),
            "machine": machine_info(), "started": datetime.datetime.now().isoformat(timespec="seconds"),
            "versions": engine_versions(engines, a.tsne), "threads": a.threads, "perplexity": a.perplexity,
            "iterations": a.iterations, "seed": a.seed, "repeats": a.repeats, "ours_args": a.ours_args,
            "tsne": os.path.abspath(a.tsne), "command": sys.argv}

    rows = []
    for ds in datasets:
        shape = npy_shape(ds["x"])
        print(f"[compare] data set {ds['name']}: {shape[0]} x {shape[1]}", file=sys.stderr, flush=True)
        for dims in dims_list:
            for engine in engines:
                for rep in range(1, a.repeats + 1):
                    if a.dry_run:
                        print(shlex.join(build_command(engine, ds, dims, a, os.path.join(
                            a.out_dir, f"{ds['name']}_{engine['spec'].replace(':', '-')}_d{dims}.csv"))))
                        continue
                    row = run_one(engine, ds, dims, rep, a)
                    row["n"], row["d"] = shape
                    rows.append(row)
                    # Written after every run so a long session that dies still leaves its results.
                    if a.json:
                        with open(a.json, "w") as f:
                            json.dump({"meta": meta, "rows": rows}, f, indent=1)

    if a.dry_run:
        return 0
    table = markdown(rows, meta)
    print(table)
    with open(os.path.join(a.out_dir, "results.md"), "w") as f:
        f.write(table + "\n")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"meta": meta, "rows": rows}, f, indent=1)
    return 1 if any(r.get("error") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
