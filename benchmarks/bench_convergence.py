"""Benchmark: convergence curves of the exact hinge solver against LinearSVC (benchopt style).

    python benchmarks/bench_convergence.py [--sets docs fashion text] [--lams ...]
        [--text-n N] [--repeats R] [--no-curves] [--out DIR] [--tag TAG]
    python benchmarks/bench_convergence.py --path --sets docs

Problem: ``(1/n) sum_i max(0, 1 - y_i (w.x_i + b)) + lam ||w||^2``, intercept not penalised.

Data sets (``benchmarks/_data.py``):

* ``docs``: real text, TF-IDF (unigrams and bigrams, ``sublinear_tf``, ``min_df=2``, 1e5
  features) of the docstring paragraphs of eight installed packages, "networkx against the
  rest" (``docs2``: "numpy and numba against the rest", the check grouping;
  ``docs-char``: the same paragraphs and target as character 3- and 4-grams, about six
  times the stored entries);
* ``fashion``: the 60000 Fashion-MNIST training images (pixels 0..255), "shirt against the
  rest" (``fashion2``: classes 0, 2, 4, 6 against the rest, the check grouping);
* ``text``: ``make_text_like(N, 80000, 40)`` (synthetic CSR, unit-norm rows).

For every (set, lam):

* ours: ``solve_binary(..., "hinge", tol=1e-7)`` (``method="auto"``), CPU seconds, median
  of ``--repeats``; the curve is read from the same run: the estimate of the gap after
  every inner solve (its primal, plain floating point) and every certificate are recorded
  with their CPU time (the recording costs no pass);
* ``LinearSVC(loss="hinge", dual=True, C=1/(2 n lam))`` (liblinear; it penalises the
  intercept, so it solves a slightly different problem): at its default ``tol=1e-4`` for
  the table (median of ``--repeats``), and at ``tol`` in 1e-1..1e-6 for the curve; each
  point is the objective of its ``(w, b)`` on our problem.

``--path``: the warm-started dcd path over ``PATH_LAMS`` on the first set (CPU seconds,
passes per lam), for checking that the path keeps its speed.

Suboptimality is relative to our best certified lower bound ``L = max P (1 - gap)`` over every
certificate of ours at that lam: ``(P - L) / L``, an upper bound of the true relative
suboptimality.  Writes ``convergence[_TAG].md`` / ``.csv`` and one PNG per set to ``--out``
(default ``benchmarks/results``), copied to ``docs/images``.
"""

import argparse
import csv
import os
import shutil
import subprocess
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

from _data import FASHION_SHIRT, load_docstrings, load_fashion_binary, make_text_like  # noqa

from sklearn_tilt._solvers import primal_objective, solve_binary  # noqa: E402
from sklearn_tilt._solvers.hinge import _dcd_workspace  # noqa: E402

TOL = 1e-7
SVC_TOLS = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6)
LAMS = {
    "docs": (1e-6, 1e-5, 1e-4, 1e-3),
    "docs2": (1e-6, 1e-5, 1e-4, 1e-3),
    "docs-char": (1e-6, 1e-5, 1e-4, 1e-3, 1e-2),
    "fashion": (1e-1, 1e1, 1e3),
    "fashion2": (1e-1, 1e1, 1e3),
    "text": (1e-6, 1e-5, 1e-4, 1e-3),
}


def load(name, text_n):
    if name == "docs":
        return load_docstrings("networkx")
    if name == "docs2":
        return load_docstrings("numpy_numba")
    if name == "docs-char":
        return load_docstrings("networkx", features="chars")
    if name == "fashion":
        return load_fashion_binary(positive=FASHION_SHIRT)
    if name == "fashion2":
        return load_fashion_binary()
    if name == "text":
        return make_text_like(text_n, 80000, 40)
    raise ValueError(f"unknown data set {name!r}")


class _Recorder:
    """Records ``(cpu seconds since start, P, gap)`` of every certificate of the dcd method at
    ``lam`` (not those of the stages of a continuation, which certify larger lams), and
    ``(cpu seconds, P, inf)`` of every estimate (its primal in plain floating point: a point
    of the curve, not a bound; the lower bound ``L`` comes from the certificates)."""

    def __init__(self, lam):
        self.lam = lam
        self.points = []
        self.t0 = None
        self._orig = (_dcd_workspace.Workspace.certificate, _dcd_workspace.Workspace.estimate)

    def __enter__(self):
        orig_cert, orig_est = self._orig
        rec = self

        def certificate(prob, alpha, lam, *args, **kwargs):
            out = orig_cert(prob, alpha, lam, *args, **kwargs)
            if lam == rec.lam:
                rec.points.append((time.process_time() - rec.t0, out[2], out[3]))
            return out

        def estimate(prob, alpha, w, lam, *args, **kwargs):
            out = orig_est(prob, alpha, w, lam, *args, **kwargs)
            if lam == rec.lam:
                rec.points.append((time.process_time() - rec.t0, out[2], np.inf))
            return out

        _dcd_workspace.Workspace.certificate = certificate
        _dcd_workspace.Workspace.estimate = estimate
        self.t0 = time.process_time()
        return self

    def __exit__(self, *exc):
        _dcd_workspace.Workspace.certificate, _dcd_workspace.Workspace.estimate = self._orig


def ours(X, y, lam, record=False):
    s = np.ones(y.shape[0])
    if record:
        with _Recorder(float(lam)) as rec:
            r = solve_binary(X, y, s, lam, "hinge", tol=TOL, max_iter=1000)
        return r, time.process_time() - rec.t0, rec.points
    t0 = time.process_time()
    r = solve_binary(X, y, s, lam, "hinge", tol=TOL, max_iter=1000)
    return r, time.process_time() - t0, []


def linearsvc(X, y01, lam, tol=1e-4, max_iter=1000):
    from sklearn.svm import LinearSVC

    m = LinearSVC(
        loss="hinge", dual=True, C=1.0 / (2 * X.shape[0] * lam), tol=tol, max_iter=max_iter
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.process_time()
        m.fit(X, y01)
        t = time.process_time() - t0
    return t, m.coef_.ravel(), float(m.intercept_[0])


def commit():
    try:
        return subprocess.check_output(
            ["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], text=True
        ).strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run_set(name, X, y01, lams, repeats, curves):
    y = 2.0 * y01 - 1.0
    s = np.ones(y.shape[0])
    # compile (or load) the kernels of this input type before timing
    k = np.random.RandomState(0).choice(y.shape[0], min(2000, y.shape[0]), replace=False)
    solve_binary(X[k], y[k], s[k], lams[0], "hinge", tol=TOL, max_iter=50, method="dcd")
    rows, curve = [], {}
    for lam in lams:
        runs = [ours(X, y, lam, record=(i == 0)) for i in range(repeats)]
        r, _, pts = runs[0]
        t_ours = float(np.median([t for _, t, _ in runs]))
        svc = [linearsvc(X, y01, lam) for _ in range(repeats)]
        t_svc = float(np.median([t for t, _, _ in svc]))
        P_svc = primal_objective(X, y, s, lam, "hinge", svc[0][1], svc[0][2])
        svc_curve = []
        if curves:
            for tol in SVC_TOLS:
                t, w, b = linearsvc(X, y01, lam, tol=tol)
                svc_curve.append((tol, t, primal_objective(X, y, s, lam, "hinge", w, b)))
        L = max([P * (1.0 - g) for _, P, g in pts if g < 1.0] + [r.primal * (1.0 - r.gap)])
        # the criterion: when our curve reaches the level LinearSVC stops at
        level = (P_svc - L) / L
        reach = [t for t, P, _ in pts if (P - L) / L <= level]
        t_level = min(reach) if reach else float("nan")
        C = 1.0 / (2.0 * lam * y.shape[0])
        free = int(np.count_nonzero((r.dual > 0) & (r.dual < C))) if r.dual is not None else -1
        rows.append(
            {
                "set": name,
                "n": X.shape[0],
                "d": X.shape[1],
                "lam": lam,
                "ours_s": round(t_ours, 3),
                "ours_gap": float(f"{r.gap:.3g}"),
                "ours_converged": bool(r.converged),
                "n_iter": int(r.n_iter),
                "free": free,
                "linearsvc_s": round(t_svc, 3),
                "linearsvc_subopt": float(f"{(P_svc - L) / L:.3g}"),
                "ratio": round(t_svc / t_ours, 2),
                "ours_s_at_svc_level": round(t_level, 3),
                "ratio_at_svc_level": round(t_svc / t_level, 2) if reach else float("nan"),
            }
        )
        print(rows[-1], flush=True)
        curve[lam] = (
            [(t, (P - L) / L) for t, P, _ in pts],
            [(t, (P - L) / L, tol) for tol, t, P in svc_curve],
        )
    return rows, curve


PATH_LAMS = (1e-2, 3e-3, 1e-3, 3e-4, 1e-4)


def path_check(X, y01, lams=PATH_LAMS):
    """CPU seconds, passes per lam and gaps of the warm-started dcd path over ``lams``."""
    from sklearn_tilt._solvers.hinge import dcd_path as hinge_dcd_path

    y = 2.0 * y01 - 1.0
    s = np.ones(y.shape[0])
    k = np.random.RandomState(0).choice(y.shape[0], min(1000, y.shape[0]), replace=False)
    hinge_dcd_path(X[k], y[k], s[k], lams[:2], tol=TOL, max_iter=100)  # compile
    t0 = time.process_time()
    res = hinge_dcd_path(X, y, s, list(lams), tol=TOL, max_iter=1000)
    return time.process_time() - t0, [r.n_iter for r in res], [r.gap for r in res]


def plot(name, curve, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    lams = sorted(curve)
    fig, axes = plt.subplots(1, len(lams), figsize=(4.2 * len(lams), 3.6), squeeze=False)
    for ax, lam in zip(axes[0], lams):
        mine, svc = curve[lam]
        if mine:
            t, f = zip(*mine)
            ax.plot(t, np.maximum(f, 1e-16), "o-", ms=3, label="sklearn_tilt (certified)")
        if svc:
            t, f, _ = zip(*svc)
            ax.plot(t, np.maximum(f, 1e-16), "s--", ms=4, label="LinearSVC (tol 1e-1..1e-6)")
        ax.axhline(TOL, color="grey", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{name}, lam={lam:g}")
        ax.set_xlabel("CPU seconds")
    axes[0][0].set_ylabel("(P - best lower bound) / bound")
    axes[0][0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", nargs="+", default=["docs", "fashion", "text"])
    ap.add_argument("--lams", nargs="+", type=float, default=None)
    ap.add_argument("--text-n", type=int, default=150_000)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--no-curves", action="store_true")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--tag", default="")
    ap.add_argument(
        "--path",
        action="store_true",
        help="only the warm-started dcd path on the first set (PATH_LAMS)",
    )
    args = ap.parse_args(argv)
    if args.path:
        X, y01 = load(args.sets[0], args.text_n)
        t, passes, gaps = path_check(X, y01)
        print(
            f"{args.sets[0]}: path over {PATH_LAMS}: {t:.2f} s CPU, passes {passes}, "
            f"max gap {max(gaps):.2g}"
        )
        return
    os.makedirs(args.out, exist_ok=True)
    tag = f"_{args.tag}" if args.tag else ""
    head = commit()  # the code that runs (read before the first fit)
    all_rows = []
    pngs = []
    for name in args.sets:
        X, y01 = load(name, args.text_n)
        lams = args.lams or LAMS[name]
        rows, curve = run_set(name, X, y01, lams, args.repeats, not args.no_curves)
        all_rows += rows
        if not args.no_curves:
            png = os.path.join(args.out, f"convergence{tag}_{name}.png")
            plot(f"{name} {X.shape[0]}x{X.shape[1]}", curve, png)
            pngs.append(png)
    with open(os.path.join(args.out, f"convergence{tag}.csv"), "w", newline="") as fh:
        wr = csv.DictWriter(fh, fieldnames=list(all_rows[0]))
        wr.writeheader()
        wr.writerows(all_rows)
    cmd = "python benchmarks/bench_convergence.py " + " ".join(argv or sys.argv[1:])
    lines = [
        "# Hinge single fits: sklearn_tilt (tol=1e-7, certified) vs LinearSVC",
        "",
        f"Commit `{head}`, command `{cmd}`; CPU seconds (`time.process_time`), "
        f"median of {args.repeats}; shared 2-core machine (absolute times are disturbed "
        "by other load, the peer runs in the same process right after ours).",
        "",
        "`linearsvc_subopt`: LinearSVC's objective at its default tol on our problem, "
        "relative to our best certified lower bound. `ratio`: LinearSVC time / ours "
        "(above 1: ours faster). `ours_s_at_svc_level`: the CPU time of the first point "
        "of our curve (after an inner solve) at or below LinearSVC's suboptimality, and "
        "`ratio_at_svc_level` LinearSVC's time over it (the curve criterion of issue 21).",
        "",
        "| " + " | ".join(all_rows[0]) + " |",
        "|" + "---|" * len(all_rows[0]),
    ]
    lines += ["| " + " | ".join(str(v) for v in r.values()) + " |" for r in all_rows]
    lines += [""] + [f"![{os.path.basename(p)}]({os.path.basename(p)})" for p in pngs]
    with open(os.path.join(args.out, f"convergence{tag}.md"), "w") as fh:
        fh.write("\n".join(lines) + "\n")
    img = os.path.join(ROOT, "docs", "images")
    if os.path.isdir(img):
        for p in pngs:
            shutil.copy(p, img)


if __name__ == "__main__":
    main()
