"""Warm-cache hinge paths of two source trees of the package, in the same run.

    python benchmarks/bench_path_trees.py BEFORE_TREE AFTER_TREE [--repeats R] [--processes P]
        [--data mnist1k mnist6k] [--dtypes float64 float32] [--stride K] [--cache DIR]

Times the active-set path of :mod:`bench_hinge_path` (``tilt_path``: the paper's
81 ``lam`` values, every one certified to 1e-6) for each source tree in fresh
subprocesses, the two trees alternating, each with its own numba cache (filled by
one untimed process first); each process loads the kernels on a subsample first,
as ``bench_hinge_path`` does, then times ``--repeats`` paths. Reports the median
wall and CPU time of all timed paths, the
ratio after / before, and how far the results of the two trees are apart: the
largest absolute differences of ``coef``, ``intercept`` and ``gap`` over the path
(0 means identical bit for bit).
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

WORKER = r"""
import os, sys, time
import numpy as np
tree, data, dtype, stride, reps, out = sys.argv[1:7]
sys.path.insert(0, tree)
sys.path.insert(0, os.path.join(tree, "benchmarks"))
import bench_hinge_path as b
X, y = b.load(data, np.dtype(dtype))
lams = b.LAMS[:: int(stride)]
from sklearn_tilt._solvers.hinge import path as hinge_path
sub = slice(None, None, 10)  # loads the kernels from the cache, outside the timing
hinge_path(X[sub], y[sub], np.ones(len(y[sub])), lams[:2], tol=b.TOL, max_iter=100)
walls, cpus = [], []
for _ in range(int(reps)):
    wall, cpu, sols, gaps = b.run_method("tilt_path", X, y, lams)
    walls.append(wall)
    cpus.append(cpu)
np.savez(out, coef=np.array([s[0] for s in sols]), intercept=np.array([s[1] for s in sols]),
         gap=np.array(gaps), wall=np.array(walls), cpu=np.array(cpus))
"""


def run(tree, cache, data, dtype, stride, reps, out):
    env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=tree, OMP_NUM_THREADS="1")
    env["SKLEARN_TILT_JIT"] = "always"
    subprocess.run(
        [sys.executable, "-c", WORKER, tree, data, dtype, str(stride), str(reps), out],
        env=env,
        check=True,
    )
    r = np.load(out)
    return {k: r[k] for k in r.files}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--repeats", type=int, default=3, help="timed paths per process")
    ap.add_argument("--processes", type=int, default=2, help="timed processes per tree")
    ap.add_argument("--data", nargs="+", default=["mnist1k", "mnist6k"])
    ap.add_argument("--dtypes", nargs="+", default=["float64", "float32"])
    ap.add_argument("--stride", type=int, default=1)
    ap.add_argument("--cache", help="folder of the two numba caches (default: a new one)")
    args = ap.parse_args()
    trees = {"before": os.path.abspath(args.before), "after": os.path.abspath(args.after)}
    tmp = tempfile.mkdtemp(prefix="tilt_trees_")
    caches = {k: os.path.join(args.cache or tmp, f"cache_{k}") for k in trees}
    print(
        "| data | dtype | before wall s | after wall s | after / before (wall) "
        "| before CPU s | after CPU s | max abs diff coef | intercept | gap |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for data in args.data:
        for dtype in args.dtypes:
            times = {k: [] for k in trees}
            res = {}
            for proc in range(args.processes + 1):
                for k, tree in trees.items():
                    out = os.path.join(tmp, f"{k}_{data}_{dtype}_{proc}.npz")
                    r = run(tree, caches[k], data, dtype, args.stride, args.repeats, out)
                    res[k] = r
                    if proc > 0:  # the first process of each tree fills its cache
                        times[k] += list(zip(r["wall"], r["cpu"]))
            med = {k: np.median(np.array(v), axis=0) for k, v in times.items()}
            diff = [
                float(np.max(np.abs(res["after"][f] - res["before"][f])))
                for f in ("coef", "intercept", "gap")
            ]
            print(
                f"| {data} | {dtype} | {med['before'][0]:.3f} | {med['after'][0]:.3f} "
                f"| {med['after'][0] / med['before'][0]:.3f} | {med['before'][1]:.3f} "
                f"| {med['after'][1]:.3f} | {diff[0]:.3g} | {diff[1]:.3g} | {diff[2]:.3g} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
