"""Exact solvers at the scale users bring: sklearn_tilt against scikit-learn.

Problem: ``mean_i f(y_i (w.x_i + b)) + lam ||w||^2`` (intercept not penalised), with
``f`` the hinge or the softplus loss; every peer gets ``C = 1 / (2 n lam)``.

Parts (``--parts``):

``fashion``
    All 60000 Fashion-MNIST training images (IDX files read by
    ``sklearn_tilt.datasets.load_mnist``), binary target "labels 0, 2, 4, 6
    (T-shirt, pullover, coat, shirt) vs the rest", pixels 0..255, dense float64,
    ``lam`` in {1e-1, 1e1, 1e3}: single fits, softplus against
    ``LogisticRegression(solver="newton-cholesky")`` and hinge against
    ``LinearSVC(loss="hinge", dual=True)``.
``fashion-path``
    The same data: the 81-lam hinge path ``scaled_loss_path`` (``lam = 10**a``,
    ``a = -1.0, -0.9, ..., 7.0``) against 81 ``LinearSVC`` fits.
``text``
    Synthetic text-like CSR data (``benchmarks/_data.py``: n=200000, d=100000,
    about 30 nonzeros per row, unit-norm rows, Zipf-distributed columns),
    ``lam`` in {1e-5, 1e-3}: softplus against ``LogisticRegression`` with
    ``lbfgs`` and ``saga`` (default tol) and ``lbfgs-tight`` (``tol=1e-10``: the
    time lbfgs needs to come close to the exact optimum); hinge against
    ``LinearSVC``.

``--losses`` selects softplus and/or hinge. Every run is a fresh subprocess (one
BLAS/OpenMP thread) that loads the data, warms the numba cache on a small slice,
resets the kernel's peak-RSS counter (``/proc/self/clear_refs``) and then fits
``--repeats`` times (fewer where the fits already took ``--repeat-budget`` seconds).
Reported per run: median wall time, our certified relative
duality gap, the relative objective ``(P_peer - P_ours) / P_ours`` of every peer
(all objectives evaluated by the one float64 reference
``sklearn_tilt._solvers.primal_objective``; LinearSVC penalises its intercept and
scikit-learn's solvers stop at their own tolerances, so a peer may sit above the
optimum; a negative value would mean that we did not reach it), and the peak
memory of the fit (peak RSS during the fits minus the RSS before them), next to
the size of the data itself.

Usage: ``python benchmarks/bench_scale.py [--quick] [--parts fashion text ...]
[--losses softplus hinge] [--repeats R] [--timeout S]``. ``--quick`` runs on
reduced sizes (Fashion 10000 images, text n=20000, d=10000) once. Results go to
``benchmarks/results/scale[_quick].{csv,md}``.
"""

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_hinge_path import reset_peak  # noqa: E402  (peak-RSS reset, shared)

from sklearn_tilt.linear_model import PAPER_LAMS as LAMS_PATH  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
FASHION_LAMS = (1e-1, 1e1, 1e3)
TEXT_LAMS = (1e-5, 1e-3)
TOL_OURS = 1e-7

# (part, loss) -> peers, ours first
METHODS = {
    ("fashion", "softplus"): ["ours", "newton-cholesky"],
    ("fashion", "hinge"): ["ours", "linearsvc"],
    ("fashion-path", "hinge"): ["ours-path", "linearsvc-path"],
    ("text", "softplus"): ["ours", "lbfgs", "saga", "lbfgs-tight"],
    ("text", "hinge"): ["ours", "linearsvc"],
}


# ---------------------------------------------------------------------------
# worker: one (part, loss, method, lam) run in its own process
# ---------------------------------------------------------------------------


def _rss_bytes():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_bytes():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def load_data(part, quick):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from _data import load_fashion_binary, make_text_like

    if part.startswith("fashion"):
        X, y = load_fashion_binary()
        if quick:
            X, y = X[:10000], y[:10000]
        return X, y
    if quick:
        return make_text_like(n_samples=20_000, n_features=10_000)
    return make_text_like()


def _data_bytes(X):
    import scipy.sparse as sp

    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def _fit(method, loss, X, y, lam):
    """One fit; returns (coefs (L, d), intercepts (L,), gaps (L,) or None, n_iter)."""
    from sklearn.svm import LinearSVC

    from sklearn_tilt import ScaledLossLinearClassifier, scaled_loss_path

    n = X.shape[0]
    if method == "ours":
        m = ScaledLossLinearClassifier(loss=loss, lam=lam, tol=TOL_OURS, max_iter=10_000)
        m.fit(X, y)
        return (
            m.coef_[:1].astype(np.float64),
            np.atleast_1d(m.intercept_[0]),
            m.dual_gap_,
            m.n_iter_,
        )
    if method == "ours-path":
        _, coefs, icpt, n_iter, gaps = scaled_loss_path(
            X, y, lams=LAMS_PATH, loss=loss, tol=TOL_OURS, max_iter=10_000, return_gaps=True
        )
        coefs = np.asarray(coefs, dtype=np.float64).reshape(len(LAMS_PATH), -1)
        return coefs, np.ravel(icpt).astype(np.float64), np.ravel(gaps), int(np.sum(n_iter))
    if method in ("newton-cholesky", "lbfgs", "saga", "lbfgs-tight"):
        from sklearn.linear_model import LogisticRegression

        tight = method == "lbfgs-tight"  # how long lbfgs takes to get close to our answer
        m = LogisticRegression(
            C=1.0 / (2.0 * n * lam),
            solver="lbfgs" if tight else method,
            tol=1e-10 if tight else 1e-4,
            max_iter=10_000 if tight else 1000,
        )
        m.fit(X, y)
        return m.coef_.astype(np.float64), m.intercept_.astype(np.float64), None, int(m.n_iter_[0])
    if method == "linearsvc":
        m = LinearSVC(loss="hinge", dual=True, C=1.0 / (2.0 * n * lam), max_iter=1000)
        m.fit(X, y)
        return m.coef_.astype(np.float64), m.intercept_.astype(np.float64), None, int(m.n_iter_)
    if method == "linearsvc-path":
        coefs, icpt, its = [], [], 0
        for lam_k in LAMS_PATH:
            m = LinearSVC(loss="hinge", dual=True, C=1.0 / (2.0 * n * lam_k), max_iter=1000)
            m.fit(X, y)
            coefs.append(m.coef_.ravel().astype(np.float64))
            icpt.append(float(m.intercept_[0]))
            its += int(m.n_iter_)
        return np.array(coefs), np.array(icpt), None, its
    raise ValueError(method)


def worker(args):
    from sklearn.exceptions import ConvergenceWarning

    from sklearn_tilt._solvers import primal_objective

    X, y = load_data(args.part, args.quick)
    lam = args.lam
    if args.method == "ours":  # load the numba cache (compiles on a cold cache)
        _fit("ours", args.loss, X[:200], y[:200], lam)
    elif args.method == "ours-path":
        _fit("ours", args.loss, X[:200], y[:200], 1.0)
    exact_peak = reset_peak()
    rss0 = _rss_bytes()
    times, cpus, warns = [], [], set()
    for _ in range(args.repeats):
        if times and sum(times) > args.repeat_budget:
            break
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always", ConvergenceWarning)
            t0, c0 = time.perf_counter(), time.process_time()
            coefs, icpt, gaps, n_iter = _fit(args.method, args.loss, X, y, lam)
            times.append(time.perf_counter() - t0)
            cpus.append(time.process_time() - c0)
        warns.update(
            str(w.message)[:160] for w in rec if issubclass(w.category, ConvergenceWarning)
        )
    peak = _peak_bytes() - rss0
    y_pm = np.where(y == 1, 1.0, -1.0)
    s = np.ones(len(y))
    lams = LAMS_PATH if args.method.endswith("-path") else [lam]
    objs = [
        primal_objective(X, y_pm, s, float(lam_k), args.loss, c, float(b))
        for lam_k, c, b in zip(lams, coefs, icpt)
    ]
    out = dict(
        time=float(np.median(times)),
        times=times,
        cpu=float(np.median(cpus)),
        objectives=objs,
        gaps=None if gaps is None else [float(g) for g in np.ravel(gaps)],
        n_iter=int(n_iter),
        peak_mb=peak / 1e6,
        peak_exact=exact_peak,
        data_mb=_data_bytes(X) / 1e6,
        shape=list(X.shape),
        nnz=int(getattr(X, "nnz", X.size)),
        warnings=sorted(warns),
    )
    print("RESULT " + json.dumps(out))


def run_worker(part, loss, method, lam, quick, repeats, repeat_budget, timeout):
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        part,
        loss,
        method,
        repr(float(lam)),
        "--repeats",
        str(repeats),
        "--repeat-budget",
        str(repeat_budget),
    ] + (["--quick"] if quick else [])
    env = dict(
        os.environ,
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    )
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return dict(error=f"timeout after {timeout:.0f} s")
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            res = json.loads(line[7:])
            res["wall_process"] = time.perf_counter() - t0
            return res
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
    return dict(error=f"exit {proc.returncode}: {tail[0][:200]}")


# ---------------------------------------------------------------------------
# driver and report
# ---------------------------------------------------------------------------


def plan(parts, losses):
    runs = []
    for part in parts:
        lams = {"fashion": FASHION_LAMS, "text": TEXT_LAMS, "fashion-path": [np.nan]}[part]
        for loss in losses:
            if (part, loss) not in METHODS:
                continue
            for lam in lams:
                runs.append((part, loss, lam, METHODS[(part, loss)]))
    return runs


def _fmt(x, spec=".3g"):
    return "" if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, spec)


def summarise(part, loss, lam, results):
    ours = results[0][1]
    rows = []
    for method, res in results:
        row = dict(part=part, loss=loss, lam=lam, method=method)
        if "error" in res:
            row.update(error=res["error"])
            rows.append(row)
            continue
        row.update(
            time_s=res["time"],
            cpu_s=res["cpu"],
            n_iter=res["n_iter"],
            peak_mb=res["peak_mb"],
            data_mb=res["data_mb"],
            n=res["shape"][0],
            d=res["shape"][1],
            nnz=res["nnz"],
            repeats=len(res["times"]),
            warnings=" | ".join(res["warnings"]),
        )
        if res["gaps"] is not None:
            row["max_gap"] = max(res["gaps"])
        if "error" not in ours:
            po = np.asarray(ours["objectives"])
            pm = np.asarray(res["objectives"])
            rel = (pm - po) / np.abs(po)
            row["rel_obj_max"] = float(rel.max())
            row["rel_obj_min"] = float(rel.min())
            row["speedup"] = res["time"] / ours["time"] if ours["time"] > 0 else np.nan
            row["speedup_cpu"] = res["cpu"] / ours["cpu"] if ours["cpu"] > 0 else np.nan
        rows.append(row)
    return rows


FIELDS = [
    "part",
    "loss",
    "lam",
    "method",
    "n",
    "d",
    "nnz",
    "data_mb",
    "repeats",
    "time_s",
    "cpu_s",
    "speedup",
    "speedup_cpu",
    "n_iter",
    "max_gap",
    "rel_obj_min",
    "rel_obj_max",
    "peak_mb",
    "warnings",
    "error",
]


def write_csv(path, rows):
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in FIELDS})


def write_report(path, rows, args, machine):
    title = f"Scale benchmark: {', '.join(args.losses)} on {', '.join(args.parts)}"
    lines = [
        f"# {title}{' (quick sizes)' if args.quick else ''}",
        "",
        f"Machine: {machine}. One thread per process; median of up to {args.repeats} "
        f"fits per run (fewer once the fits of a run took {args.repeat_budget:g} s; "
        "the CSV's `repeats`). `wall` and `cpu` are the median wall-clock and CPU "
        "times of one fit (single-threaded, so CPU time is the cost on a loaded "
        "machine); `ratio` is the peer's time over ours (> 1: we are faster), wall / "
        "cpu. `rel. objective` is `(P_peer - P_ours) / P_ours` with every "
        "objective evaluated by the float64 reference `primal_objective` (for paths: "
        "min and max over the 81 lams). `gap` is our certified relative duality gap "
        "(max over the path). `peak MB` is the peak RSS of the fits minus the RSS "
        "before them; `data MB` the size of X itself.",
        "",
    ]
    lines += [
        "| data | loss | lam | method | wall [s] | cpu [s] | ratio wall / cpu | gap "
        "| rel. objective | peak MB | data MB | notes |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        data = f"{r['part']} n={r['n']} d={r['d']}" if "n" in r else r["part"]
        lam = "81-lam path" if r["part"] == "fashion-path" else _fmt(r["lam"], "g")
        if "error" in r:
            lines.append(
                f"| {data} | {r['loss']} | {lam} | {r['method']} | | | | | | | | {r['error']} |"
            )
            continue
        rel = ""
        if r["method"] not in ("ours", "ours-path") and "rel_obj_max" in r:
            lo, hi = r["rel_obj_min"], r["rel_obj_max"]
            rel = _fmt(hi, "+.2e") if r["part"] != "fashion-path" else f"{lo:+.2e} .. {hi:+.2e}"
        ratio = (
            ""
            if r["method"] in ("ours", "ours-path")
            else f"{_fmt(r.get('speedup'), '.2f')} / {_fmt(r.get('speedup_cpu'), '.2f')}"
        )
        notes = r.get("warnings", "")
        lines.append(
            f"| {data} | {r['loss']} | {lam} | {r['method']} | {_fmt(r['time_s'], '.2f')} "
            f"| {_fmt(r['cpu_s'], '.2f')} | {ratio} | {_fmt(r.get('max_gap'), '.1e')} | {rel} "
            f"| {_fmt(r['peak_mb'], '.0f')} | {_fmt(r['data_mb'], '.0f')} | {notes} |"
        )
    lines += [
        "",
        "Command: `python benchmarks/bench_scale.py " + " ".join(a for a in sys.argv[1:]) + "`",
        "",
    ]
    Path(path).write_text("\n".join(lines))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument(
        "--parts",
        nargs="*",
        default=["fashion", "fashion-path", "text"],
        choices=["fashion", "fashion-path", "text"],
    )
    ap.add_argument(
        "--losses", nargs="*", default=["softplus", "hinge"], choices=["softplus", "hinge"]
    )
    ap.add_argument("--skip", nargs="*", default=[], help="peer methods to leave out")
    ap.add_argument(
        "--repeats", type=int, default=None, help="fits per run (default: 3, or 1 with --quick)"
    )
    ap.add_argument(
        "--repeat-budget",
        type=float,
        default=60.0,
        help="no further repeat of a run once its fits took this many seconds",
    )
    ap.add_argument("--timeout", type=float, default=1200.0, help="seconds per run")
    ap.add_argument("--stem", default=None, help="output name (default scale[_quick])")
    ap.add_argument(
        "--worker", nargs=4, metavar=("PART", "LOSS", "METHOD", "LAM"), help=argparse.SUPPRESS
    )
    args = ap.parse_args(argv)
    if args.repeats is None:
        args.repeats = 1 if args.quick else 3
    if args.worker:
        args.part, args.loss, args.method, lam = args.worker
        args.lam = float(lam)
        return worker(args)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = args.stem or ("scale_quick" if args.quick else "scale")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    rows = []
    for part, loss, lam, methods in plan(args.parts, args.losses):
        results = []
        for method in methods:
            if method in args.skip:
                continue
            res = run_worker(
                part,
                loss,
                method,
                1.0 if np.isnan(lam) else lam,
                args.quick,
                args.repeats,
                args.repeat_budget,
                args.timeout,
            )
            results.append((method, res))
            print(
                f"{part:12s} {loss:8s} lam={lam:<8g} {method:16s} "
                + (
                    res.get("error")
                    or f"{res['time']:.2f} s (cpu {res['cpu']:.2f} s), peak {res['peak_mb']:.0f} MB, "
                    f"gap {_fmt(max(res['gaps']) if res['gaps'] else None, '.1e')}"
                ),
                flush=True,
            )
        rows += summarise(part, loss, lam, results)
        write_csv(RESULTS / f"{stem}.csv", rows)
        write_report(RESULTS / f"{stem}.md", rows, args, machine)
    print(f"wrote {RESULTS / (stem + '.md')}")


if __name__ == "__main__":
    main()
