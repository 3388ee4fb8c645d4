"""Benchmark: the two exact hinge methods at the scale users bring, and the switch.

    python benchmarks/bench_hinge_methods.py [fashion] [path] [text] [switch] [--out DIR]

Problem: ``(1/n) sum_i max(0, 1 - y_i (w.x_i + b)) + lam ||w||^2``, intercept not
penalised; every fit of ours certified by its relative duality gap (tol 1e-7).

* ``fashion``: the 60000 Fashion-MNIST training images (pixels 0..255, labels
  {0, 2, 4, 6} vs the rest), lam in {1e-1, 1e1, 1e3}: ``method="dcd"`` (what
  ``"auto"`` picks there) vs ``LinearSVC(loss="hinge", dual=True, C=1/(2 n lam))``
  (liblinear: penalised intercept, so a slightly different problem; its
  objective on ours is reported relative to ours).
* ``path``: the same data on the paper's 81-lam grid ``10**(-1..7 step 0.1)``:
  ``solve_path(method="dcd")`` vs ``LinearSVC`` fitted at every 10th lam (9
  fits; the time of 81 fits is extrapolated as 9x, stated as such).
* ``text``: synthetic text-like CSR data (``benchmarks/_data.make_text_like``:
  n=200000, d=100000, ~30 nonzeros per row), lam in {1e-5, 1e-3}.
* ``switch``: dense Fashion-MNIST subsets of n in {2000, 6000, 20000}, lam in
  {1e-1, 1e1, 1e3}: ``"active_set"`` vs ``"dcd"`` single fits (where
  ``"auto"`` should switch).

Times are wall-clock seconds of one run each (ours and the peer interleaved);
numba kernels are compiled before timing.  Results go to
``benchmarks/results/hinge_methods.csv`` and ``.md``.
"""

import argparse
import csv
import os
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from _data import load_fashion_binary, make_text_like  # noqa: E402

from sklearn_tilt._solvers import primal_objective, solve_binary, solve_path  # noqa: E402

TOL = 1e-7
ROWS = []


def _warm_up():
    from sklearn.datasets import make_classification

    X, y = make_classification(300, 10, random_state=0)
    y = 2.0 * y - 1
    for Xk in (X, make_text_like(300, 50, 5)[0]):
        solve_binary(Xk, y, np.ones(300), 1.0, "hinge", tol=TOL, max_iter=1000, method="dcd")
    solve_binary(X, y, np.ones(300), 1.0, "hinge", tol=TOL, max_iter=1000, method="active_set")


def _linearsvc(X, y01, lam, max_iter=100_000):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    n = X.shape[0]
    m = LinearSVC(loss="hinge", dual=True, C=1.0 / (2 * n * lam), max_iter=max_iter)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always", ConvergenceWarning)
        t0 = time.perf_counter()
        m.fit(X, y01)
        t = time.perf_counter() - t0
    conv = not any(issubclass(r.category, ConvergenceWarning) for r in rec)
    return t, m.coef_.ravel(), float(m.intercept_[0]), conv


def _row(data, lam, method, t, P, gap, conv, P_ours, note=""):
    ROWS.append(
        {
            "data": data,
            "lam": lam,
            "method": method,
            "time_s": round(t, 3),
            "objective": P,
            "rel_to_ours": (P - P_ours) / P_ours if P_ours else "",
            "gap": gap,
            "converged": conv,
            "note": note,
        }
    )
    print(ROWS[-1], flush=True)


def _single(name, X, y01, lams, methods=("dcd",), peer=True):
    y = 2.0 * y01 - 1.0
    s = np.ones(y.shape[0])
    for lam in lams:
        P_ours = None
        for method in methods:
            t0 = time.perf_counter()
            r = solve_binary(X, y, s, lam, "hinge", tol=TOL, max_iter=100_000, method=method)
            t = time.perf_counter() - t0
            P_ours = r.primal if P_ours is None else min(P_ours, r.primal)
            _row(name, lam, method, t, r.primal, r.gap, r.converged, r.primal, f"n_iter={r.n_iter}")
        if peer:
            t, w, b, conv = _linearsvc(X, y01, lam)
            P = primal_objective(X, y, s, lam, "hinge", w, b)
            _row(name, lam, "LinearSVC", t, P, "", conv, P_ours)


def _path(X, y01):
    y = 2.0 * y01 - 1.0
    s = np.ones(y.shape[0])
    lams = 10.0 ** np.round(np.arange(-1.0, 7.0001, 0.1), 1)
    t0 = time.perf_counter()
    res = solve_path(X, y, s, lams, "hinge", tol=TOL, max_iter=100_000, method="dcd")
    t = time.perf_counter() - t0
    gaps = [r.gap for r in res]
    _row(
        "fashion60k",
        "81 lams",
        "dcd path",
        t,
        "",
        max(gaps),
        all(r.converged for r in res),
        "",
        f"max gap {max(gaps):.2e}",
    )
    t_svc = 0.0
    worst = -np.inf
    for k in range(0, 81, 10):
        tk, w, b, _ = _linearsvc(X, y01, lams[k])
        t_svc += tk
        P = primal_objective(X, y, s, lams[k], "hinge", w, b)
        worst = max(worst, (P - res[k].primal) / res[k].primal)
    _row(
        "fashion60k",
        "81 lams",
        "LinearSVC x81 (9 fits x 9)",
        9 * t_svc,
        "",
        "",
        "",
        "",
        f"9 fits {t_svc:.1f} s; worst objective rel. to ours {worst:.2e}",
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("parts", nargs="*", default=["fashion", "text", "path", "switch"])
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    args = ap.parse_args()
    _warm_up()
    if {"fashion", "path", "switch"} & set(args.parts):
        Xf, yf = load_fashion_binary()
    if "fashion" in args.parts:
        _single("fashion60k", Xf, yf, [1e3, 1e1, 1e-1])
    if "text" in args.parts:
        Xt, yt = make_text_like()
        _single("text200k", Xt, yt, [1e-3, 1e-5])
    if "path" in args.parts:
        _path(Xf, yf)
    if "switch" in args.parts:
        rng = np.random.RandomState(0)
        for n in (2000, 6000, 20000):
            idx = rng.choice(Xf.shape[0], n, replace=False)
            _single(
                f"fashion{n}",
                np.ascontiguousarray(Xf[idx]),
                yf[idx],
                [1e3, 1e1, 1e-1],
                methods=("active_set", "dcd"),
                peer=False,
            )
    os.makedirs(args.out, exist_ok=True)
    stem = os.path.join(args.out, "hinge_methods_" + "_".join(args.parts))
    with open(stem + ".csv", "w", newline="") as fh:
        wr = csv.DictWriter(fh, fieldnames=list(ROWS[0]))
        wr.writeheader()
        wr.writerows(ROWS)
    with open(stem + ".md", "w") as fh:
        fh.write(
            "| data | lam | method | time (s) | gap | converged | objective rel. to ours "
            "| note |\n|---|---|---|---|---|---|---|---|\n"
        )
        for r in ROWS:
            rel = r["rel_to_ours"]
            rel = f"{rel:.2e}" if rel != "" else ""
            gap = f"{r['gap']:.1e}" if r["gap"] != "" else ""
            fh.write(
                f"| {r['data']} | {r['lam']} | {r['method']} | {r['time_s']:.2f} | {gap} "
                f"| {r['converged']} | {rel} | {r['note']} |\n"
            )


if __name__ == "__main__":
    main()
