"""The same bits as the CLI for the same data, seed and threads; Ctrl-C stops a run."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import tsne

CLI = os.environ.get("TSNE_CLI", "")


@pytest.mark.skipif(not (CLI and os.access(CLI, os.X_OK)),
                    reason="the CLI binary is not built: set TSNE_CLI to build/examples/tsne (ctest does)")
@pytest.mark.parametrize("dtype, dims", [(np.float64, 2), (np.float32, 2), (np.float32, 1)])
def test_same_bytes_as_the_cli(digits, tmp_path, dtype, dims):
    X = np.ascontiguousarray(digits[0], dtype=dtype)
    np.save(tmp_path / "x.npy", X)
    subprocess.run([CLI, "--input", str(tmp_path / "x.npy"), "--output", str(tmp_path / "y.npy"), "--dims", str(dims),
                    "--seed", "7", "--threads", "2", "--quiet"], check=True)
    expected = np.load(tmp_path / "y.npy")
    Y = tsne.TSNE(n_components=dims, random_state=7, n_jobs=2).fit_transform(X)
    assert expected.dtype == Y.dtype and expected.shape == Y.shape
    assert expected.tobytes() == Y.tobytes()


CHILD = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    import tsne
    X = np.loadtxt(sys.argv[1], delimiter=",")[:1000]
    tasks = lambda: len(os.listdir("/proc/self/task"))
    before = tasks()
    seen = []
    def cb(iteration, kl, Y):
        seen.append(iteration)
        if iteration == 5:
            print("running", flush=True)
    try:
        tsne.TSNE(max_iter=10**6, early_exaggeration_iter=10, random_state=1, n_jobs=2, method="exact",
                  callbacks=cb, callbacks_every_iters=1).fit(X)
        print("finished")
    except KeyboardInterrupt:
        time.sleep(0.2)
        print("interrupted", seen[-1], before, tasks(), flush=True)
""")


def test_ctrl_c_stops_a_run_within_one_iteration(digits, tmp_path):
    data = os.environ.get("TSNE_DIGITS", os.path.join(os.path.dirname(__file__), "..", "..", "examples", "data",
                                                      "digits.csv"))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in [os.path.dirname(os.path.dirname(tsne.__file__)),
                                                                   os.environ.get("PYTHONPATH", "")] if p))
    p = subprocess.Popen([sys.executable, "-c", CHILD, data], stdout=subprocess.PIPE, text=True, env=env)
    assert p.stdout.readline().strip() == "running"
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    line = p.stdout.readline()
    waited = time.monotonic() - t0 - 0.2  # the child sleeps 0.2 s before it reports
    out = line + p.communicate(timeout=60)[0]
    words = out.split()
    assert p.returncode == 0 and words[0] == "interrupted", out
    last, before, after = map(int, words[1:])
    assert last < 10**6 and waited < 2.0  # stopped at once (an iteration here takes milliseconds)
    assert after == before      # no thread left behind
