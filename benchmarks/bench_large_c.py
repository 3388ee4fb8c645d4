"""Hinge fits at the large-C end of small problems (overlapping classes), ours
against ``SVC(kernel="linear")`` on the same problem, in the same run.

Run: ``python benchmarks/bench_large_c.py [--repeats 3]``; writes
``benchmarks/results/large_c.md``.  CPU seconds (``time.process_time``), medians.
"""

import argparse
import subprocess
import time
from pathlib import Path

import numpy as np
from sklearn.svm import SVC

from sklearn_tilt import ScaledLossLinearClassifier
from sklearn_tilt._solvers import primal_objective

ROWS = [(60, 4, 1e-7), (60, 4, 1e-9), (300, 10, 1e-9), (1000, 20, 1e-8), (1000, 20, 1e-9)]


def data(n, d):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(n, d))
    y = (X[:, 0] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X, y


def timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t = time.process_time()
        out = fn()
        times.append(time.process_time() - t)
    return float(np.median(times)), out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "large_c.md"))
    args = ap.parse_args(argv)
    ScaledLossLinearClassifier(lam=1e-3).fit(*data(60, 4))  # compile outside the timings
    lines = [
        "# Hinge at large C: ours vs SVC(kernel='linear')",
        "",
        f"commit {subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()}, "
        f"command `python benchmarks/bench_large_c.py --repeats {args.repeats}`; CPU s, medians; "
        "ours at the default tol=1e-7 (certified), SVC at its default tol; objectives on our problem.",
        "",
        "| n x d | lam | ours (s) | gap | SVC (s) | P_svc - P_ours | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, d, lam in ROWS:
        X, y = data(n, d)
        t_ours, clf = timed(lambda: ScaledLossLinearClassifier(lam=lam).fit(X, y), args.repeats)
        C = 1.0 / (2.0 * n * lam)
        t_svc, svc = timed(
            lambda: SVC(kernel="linear", C=C).fit(X, y), 1 if C > 1e5 else args.repeats
        )
        ypm = np.where(y > 0, 1.0, -1.0)
        s = np.ones(n)
        P = primal_objective(X, ypm, s, lam, "hinge", clf.coef_.ravel(), clf.intercept_[0])
        Ps = primal_objective(X, ypm, s, lam, "hinge", svc.coef_.ravel(), svc.intercept_[0])
        lines.append(
            f"| {n} x {d} | {lam:g} | {t_ours:.3f} | {float(np.max(clf.dual_gap_)):.1e} | {t_svc:.2f} | "
            f"{Ps - P:+.1e} | {t_svc / max(t_ours, 1e-9):.0f}x |"
        )
        print(lines[-1], flush=True)
    Path(args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
