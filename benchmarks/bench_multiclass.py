"""Benchmark: all ten Fashion-MNIST classes, one-vs-rest, as a user fits them.

    python benchmarks/bench_multiclass.py [--lams 10 100 1000] [--repeats 2] [--no-peer]
        [--src DIR] [--tag TAG]

``ScaledLossLinearClassifier(loss="hinge", lam=lam).fit(X, y)`` on the 60000 training
images (pixels 0..255, float64, as ``load_mnist`` returns them; ten binary problems,
each certified to ``tol=1e-7``) against ``LinearSVC(loss="hinge", C=1/(2 n lam))`` on the
same data (liblinear's one-vs-rest, at its default ``tol``; it penalises the intercept),
in the same process right after ours. CPU seconds (``time.process_time``), one BLAS
thread; the report gives the median over ``--repeats`` and the ratio of the medians
(``LinearSVC`` / ours: above 1, ours faster). A first fit on 12000 rows loads the kernels.

``--src DIR``: the ``sklearn_tilt`` of another tree (an older commit checked out with
``git worktree add``) for a before/after comparison; ``--no-peer``: ours only.

Needs the Debian package ``dataset-fashion-mnist``. Writes
``benchmarks/results/multiclass[_TAG].md``.
"""

import argparse
import os
import statistics
import sys
import time
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lams", nargs="+", type=float, default=[10.0, 100.0, 1000.0])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--src", default=ROOT)
    ap.add_argument("--tag", default="")
    args = ap.parse_args(argv)
    sys.path.insert(0, os.path.abspath(args.src))
    sys.path.insert(1, HERE)

    import numpy as np
    from _data import FASHION_HOME
    from sklearn.svm import LinearSVC
    from threadpoolctl import threadpool_limits

    import sklearn_tilt
    from sklearn_tilt import ScaledLossLinearClassifier
    from sklearn_tilt.datasets import load_mnist

    data = load_mnist(data_home=FASHION_HOME, source="idx")
    X = np.ascontiguousarray(data.X_train, dtype=np.float64)
    y = data.y_train
    n = X.shape[0]
    rows = []
    with threadpool_limits(1):
        ScaledLossLinearClassifier(lam=args.lams[0]).fit(X[:12000], y[:12000])
        for lam in args.lams:
            ours, peer, gaps = [], [], []
            for _ in range(args.repeats):
                t0 = time.process_time()
                m = ScaledLossLinearClassifier(lam=lam, max_iter=1000).fit(X, y)
                ours.append(time.process_time() - t0)
                gaps.append(float(np.max(m.dual_gap_)))
                if not args.no_peer:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        t0 = time.process_time()
                        LinearSVC(loss="hinge", C=1.0 / (2 * n * lam), max_iter=1000).fit(X, y)
                        peer.append(time.process_time() - t0)
            row = {
                "lam": lam,
                "ours_s": statistics.median(ours),
                "ours_runs": ours,
                "max_gap": max(gaps),
                "linearsvc_s": statistics.median(peer) if peer else float("nan"),
                "linearsvc_runs": peer,
            }
            row["ratio"] = row["linearsvc_s"] / row["ours_s"]
            rows.append(row)
            print(row, flush=True)
    tag = f"_{args.tag}" if args.tag else ""
    lines = [
        "# Ten Fashion-MNIST classes, one-vs-rest: ScaledLossLinearClassifier vs LinearSVC",
        "",
        f"`python benchmarks/bench_multiclass.py {' '.join(argv or sys.argv[1:])}`; "
        f"`sklearn_tilt` from `{os.path.dirname(sklearn_tilt.__file__)}`; CPU seconds, one "
        f"BLAS thread, median of {args.repeats} (every run in brackets); `max_gap`: the "
        "largest certified relative duality gap of the ten boundaries.",
        "",
        "| lam | ours | max_gap | LinearSVC | ratio |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        runs = ", ".join(f"{t:.2f}" for t in r["ours_runs"])
        peer = ", ".join(f"{t:.2f}" for t in r["linearsvc_runs"])
        lines.append(
            f"| {r['lam']:g} | {r['ours_s']:.2f} ({runs}) | {r['max_gap']:.1e} | "
            f"{r['linearsvc_s']:.2f} ({peer}) | {r['ratio']:.2f} |"
        )
    path = os.path.join(HERE, "results", f"multiclass{tag}.md")
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
