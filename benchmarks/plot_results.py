"""Draw the benchmark figures of the documentation from the CSVs in ``benchmarks/results/``.

Usage: ``python benchmarks/plot_results.py [--results DIR] [--out DIR]``; writes
``bench_paths.png`` (the 81-``lam`` paths against scikit-learn) and ``bench_scale.png``
(single fits at scale) into ``docs/images/``. Nothing is measured here: the figures show
the numbers of the reports they are read from (named in each figure).
"""

import argparse
import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).resolve().parent
OURS, PEER = "#1f77b4", "#b0b0b0"


def _rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _hinge_path_cases(results):
    """(label, [(method, seconds), ...]) per data set and dtype; CPU seconds of the path."""
    rows = _rows(results / "hinge_path_full.csv")
    names = {
        "tilt_path": "sklearn-tilt path",
        "svc_precomputed_tight": "SVC precomputed, tight tol (exact)",
        "svc_precomputed": "SVC precomputed, default tol",
        "svc_linear_tight": "SVC linear, tight tol (exact)",
        "svc_linear": "SVC linear, default tol",
        "linearsvc": "LinearSVC (penalised intercept)",
    }
    cases = []
    for data in ("mnist1k", "mnist6k"):
        for dtype in ("float64",):
            sel = [
                r
                for r in rows
                if r["data"] == data and r["dtype"] == dtype and r["method"] in names
            ]
            n = sel[0]["n"]
            bars = [(names[r["method"]], float(r["cpu_s"])) for r in sel]
            cases.append((f"hinge, n={n}, {dtype}", sorted(bars, key=lambda b: b[1])))
    return cases


def _softplus_name(method):
    if method == "ours":
        return "sklearn-tilt path"
    if method == "liblinear":
        return "LR liblinear (penalised intercept)"
    return f"LR {method}"


def _softplus_path_cases(results):
    """(label, [(method, seconds), ...]) of the full softplus run; wall seconds of the path."""
    rows = _rows(results / "softplus_path.csv")
    cases = []
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        sel = [
            r
            for r in rows
            if r["dataset"] == dataset and r["dtype"] == "float64" and int(r["lams_done"]) == 81
        ]
        n = dataset.rsplit("n=", 1)[-1]
        bars = [
            (
                _softplus_name(r["method"]),
                float(r["time_s"]),
            )
            for r in sel
        ]
        cases.append((f"softplus, n={n}, float64", sorted(bars, key=lambda b: b[1])))
    return cases


def plot_paths(results, out):
    cases = _hinge_path_cases(results) + _softplus_path_cases(results)
    fig, axes = plt.subplots(len(cases), 1, figsize=(7.5, 1.9 * len(cases)), sharex=True)
    for ax, (label, bars) in zip(axes, cases):
        names = [b[0] for b in bars]
        times = [b[1] for b in bars]
        colors = [OURS if name.startswith("sklearn-tilt") else PEER for name in names]
        ax.barh(range(len(bars)), times, color=colors)
        ax.set_yticks(range(len(bars)), names, fontsize=8)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_title(label, fontsize=9, loc="left")
        for k, t in enumerate(times):
            ax.text(t * 1.1, k, f"{t:.3g} s", va="center", fontsize=7)
    axes[-1].set_xlabel("seconds for the whole 81-lam path (log scale)")
    fig.suptitle(
        "Regularisation paths: sklearn-tilt against scikit-learn\n"
        "(hinge_path_full.csv: CPU s; softplus_path.csv: wall s; single-threaded)",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(out / "bench_paths.png", dpi=110)
    plt.close(fig)


def _scale_pairs(results):
    """(label, ours CPU s, peer name, peer CPU s) for every single fit at scale."""
    hinge = [r for r in _rows(results / "scale_hinge.csv") if r["part"] == "fashion"]
    hinge += _rows(results / "scale_hinge_text.csv")
    softplus = [
        r
        for r in _rows(results / "scale_softplus.csv")
        if r["method"] in ("ours", "lbfgs", "newton-cholesky")
    ]
    pairs = []
    for rows in (hinge, softplus):
        ours = {(r["part"], r["lam"]): r for r in rows if r["method"] == "ours"}
        for r in rows:
            if r["method"] == "ours":
                continue
            o = ours[(r["part"], r["lam"])]
            data = "Fashion 60000" if r["part"] == "fashion" else "text CSR"
            pairs.append(
                (
                    f"{data}, {r['loss']}, lam={float(r['lam']):g}",
                    float(o["cpu_s"]),
                    r["method"],
                    float(r["cpu_s"]),
                )
            )
    path = _rows(results / "scale_path.csv")
    o = next(r for r in path if r["method"] == "ours-path")
    p = next(r for r in path if r["method"] == "linearsvc-path")
    pairs.append(
        (
            "Fashion 60000, hinge, 81-lam path",
            float(o["cpu_s"]),
            "81 x linearsvc",
            float(p["cpu_s"]),
        )
    )
    return pairs


def plot_scale(results, out):
    pairs = _scale_pairs(results)
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(pairs) + 1.4))
    height = 0.38
    for k, (_label, ours, peer, theirs) in enumerate(pairs):
        ax.barh(
            k - height / 2,
            ours,
            height,
            color=OURS,
            label="sklearn-tilt (certified)" if k == 0 else None,
        )
        ax.barh(
            k + height / 2,
            theirs,
            height,
            color=PEER,
            label="scikit-learn peer" if k == 0 else None,
        )
        ax.text(
            max(ours, theirs) * 1.15, k, f"{theirs / ours:.2g}x  ({peer})", va="center", fontsize=7
        )
    ax.set_yticks(range(len(pairs)), [p[0] for p in pairs], fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.set_xlim(right=ax.get_xlim()[1] * 8)
    ax.set_xlabel("CPU seconds per fit (log scale); the ratio is the peer's time over ours")
    ax.set_title(
        "Single fits at scale (scale_hinge*.csv, scale_softplus.csv, scale_path.csv)", fontsize=9
    )
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    fig.savefig(out / "bench_scale.png", dpi=110)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", type=Path, default=HERE / "results")
    ap.add_argument("--out", type=Path, default=HERE.parent / "docs" / "images")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    plot_paths(args.results, args.out)
    plot_scale(args.results, args.out)
    print(f"wrote {args.out / 'bench_paths.png'} and {args.out / 'bench_scale.png'}")


if __name__ == "__main__":
    main()
