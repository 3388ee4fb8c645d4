"""Softplus: the cold first fit and the warm solver, this tree against another one.

Compares two source trees of the package (``--before DIR``, e.g. an export of an older
commit: ``git archive <commit> | tar -x -C DIR``; and this tree), each run in fresh
Python processes, interleaved, ``--repeats`` rounds:

* ``cold``: ``ScaledLossLinearClassifier(loss="softplus").fit(*load_digits(...))`` in a
  fresh process with an empty ``NUMBA_CACHE_DIR`` and the default JIT mode (the child
  of ``bench_cold_start.py``: import, first-fit wall and CPU seconds, kernels compiled),
  with ``LogisticRegression`` on the same data as the peer;
* ``warm``: the 81-lam paths of ``bench_softplus_path.py`` (MNIST 3v5, n=1000 and the
  n=6000 pair with shifts, float64 and float32) and single fits at five lams on n=1000;
  CPU seconds (one thread), median over ``--inner`` runs after one warm-up run;
* ``text``: single fits on the text-like CSR data of ``_data.make_text_like`` (n=200000,
  d=100000) at lam 1e-5 and 1e-3, CPU seconds, with ``LogisticRegression(lbfgs)``
  (default tol) once per lam in this tree's process.

Prints one JSON line per measurement and a markdown table of the medians over the rounds.
Usage: ``python benchmarks/bench_softplus_cold.py --before DIR [--parts cold warm text]
[--repeats R] [--inner K]``.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

WARM = r"""
import json, sys, time
import numpy as np
from threadpoolctl import threadpool_limits
threadpool_limits(1)
from bench_softplus_path import LAMS, load_pairs
from sklearn_tilt._solvers.softplus import path, solve
K = int(sys.argv[1])
def cpu(f):
    f()
    ts = []
    for _ in range(K):
        t = time.process_time(); r = f(); ts.append(time.process_time() - t)
    return float(np.median(ts)), r
out = {}
pairs = load_pairs(3, 5)
for name, (X, y) in pairs.items():
    for dt in (np.float64, np.float32):
        Xd = np.ascontiguousarray(X.astype(dt))
        t, res = cpu(lambda: path(Xd, y, None, LAMS, tol=1e-7, max_iter=200))
        out[f"path {name} {np.dtype(dt).name}"] = [t, max(r.gap for r in res)]
X, y = next(iter(pairs.values()))
for lam in (0.1, 10.0, 1e3, 1e5, 1e7):
    t, r = cpu(lambda: solve(X, y, None, lam, tol=1e-7, max_iter=200))
    out[f"single n={len(y)} lam={lam:g}"] = [t, r.gap]
print("RESULT " + json.dumps(out))
"""

TEXT = r"""
import json, sys, time
import numpy as np
from threadpoolctl import threadpool_limits
threadpool_limits(1)
from _data import make_text_like
from sklearn_tilt._solvers.softplus import solve
X, y = make_text_like()
y = np.where(y > 0, 1.0, -1.0)
peer = sys.argv[1] == "1"
solve(X[:2000], y[:2000], None, 1e-3, tol=1e-7, max_iter=200)
out = {}
for lam in (1e-5, 1e-3):
    t = time.process_time(); r = solve(X, y, None, lam, tol=1e-7, max_iter=1000)
    out[f"text lam={lam:g}"] = [time.process_time() - t, r.gap]
    if peer:
        from sklearn.linear_model import LogisticRegression
        t = time.process_time()
        LogisticRegression(C=1 / (2 * len(y) * lam), max_iter=1000).fit(X, y)
        out[f"text lam={lam:g} lbfgs"] = [time.process_time() - t, None]
print("RESULT " + json.dumps(out))
"""


def _child(src, code, *args):
    env = dict(os.environ, PYTHONPATH=f"{src}{os.pathsep}{src}/benchmarks", OMP_NUM_THREADS="1")
    env["SKLEARN_TILT_JIT"] = "always"
    proc = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, cwd=src
    )
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if not line:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(line[-1][len("RESULT ") :])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", required=True)
    ap.add_argument("--parts", nargs="*", default=["cold", "warm", "text"])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--inner", type=int, default=3)
    args = ap.parse_args(argv)
    from bench_cold_start import run_child

    trees = {"before": str(Path(args.before).resolve()), "after": str(ROOT)}
    table = {}  # (part, key, tree) -> [values]
    for r in range(args.repeats):
        for label, src in trees.items():
            got = {}
            if "cold" in args.parts:
                cache = tempfile.mkdtemp(prefix="softplus_cold_")
                res = run_child("digits-softplus", cache, src, "auto")
                res["load"] = os.getloadavg()[0]
                got["cold digits fit1 wall"] = res["fit1_s"]
                got["cold digits fit1 cpu"] = res["fit1_cpu_s"]
                got["cold digits compiled"] = res["compiled"]
                if label == "after":
                    peer = run_child("digits-logreg", tempfile.mkdtemp(), src, "auto")
                    got["cold digits LogisticRegression wall"] = peer["fit1_s"]
                print(json.dumps({"round": r, "tree": label, **res}), flush=True)
            if "warm" in args.parts:
                got.update({k: v[0] for k, v in _child(src, WARM, str(args.inner)).items()})
            if "text" in args.parts:
                peer = "1" if label == "after" and r == 0 else "0"
                got.update({k: v[0] for k, v in _child(src, TEXT, peer).items()})
            print(json.dumps({"round": r, "tree": label, **got}), flush=True)
            for k, v in got.items():
                table.setdefault(k, {}).setdefault(label, []).append(v)
    print("\n| measurement | before | after | after / before |\n|---|---|---|---|")
    for k, cols in table.items():
        b = np.median(cols.get("before", [np.nan]))
        a = np.median(cols.get("after", [np.nan]))
        print(f"| {k} | {b:.4g} | {a:.4g} | {a / b:.2f} |")


if __name__ == "__main__":
    main()
