"""Cold start: the first fit in a fresh process with an empty numba cache.

Every configuration runs in its own fresh Python process (``sys.executable``) whose
``NUMBA_CACHE_DIR`` points at a new, empty temporary folder ("cold"); afterwards the
same configuration runs again in fresh processes that reuse a cache filled by a cold
run ("warm"). Each child reports, measured inside the process with ``perf_counter``:

* ``import_s``: ``from sklearn_tilt import ScaledLossLinearClassifier`` (imports
  scikit-learn and scipy; numba is imported by the first kernel call, if any), or
  for scikit-learn's peers ``import sklearn.linear_model, sklearn.svm`` (nothing of
  this package is imported in their processes);
* ``fit1_s``: the first ``ScaledLossLinearClassifier(loss=...).fit(X, y)`` on
  ``make_classification(200, 20, random_state=0)`` (compiles or loads the kernels);
* ``fit2_s``: a second fit of the same data in the same process (the warm solver);
* ``compiled``: how many kernel specialisations numba compiled during the first fit
  (the package's ``compile_count``, from numba's compile events; 0 on a warm cache);

and the parent records the whole process wall time ``process_s`` (interpreter start
included). Configurations: hinge/softplus x dense/CSR x float32/float64, and a cold
``GridSearchCV(ScaledLossLinearClassifier(), {"lam": [1e-2, 1e-1, 1, 10]}, cv=3,
n_jobs=2)`` on the dense float64 data (``fit1_s`` is then the whole search: two
loky workers start together on an empty cache, then the refit in the parent).

Runs are interleaved (repeat r of every configuration before repeat r + 1) and the
report gives medians over the repeats.

``--blas-threads default`` leaves the BLAS thread count of the children as users get it
(all cores); by default the children run with ``OMP_NUM_THREADS=1`` and
``OPENBLAS_NUM_THREADS=1`` unless the caller set them.

``--jit`` sets ``SKLEARN_TILT_JIT`` in the children: ``auto`` (the default, what users
get: small first fits run the kernels as Python, see ``sklearn_tilt/_solvers/_interpret.py``)
or ``always`` (every first fit compiles: the cost of compiling itself).

Usage: ``python benchmarks/bench_cold_start.py [--repeats R] [--label before|after] [--jit auto|always]
[--only hinge-dense-float64 ...] [--table before after]``. Results go to
``benchmarks/results/cold_start_<label>.{csv,md}``; ``--table A B`` prints the
README table comparing two labels from their CSV files without running anything.
"""

import argparse
import compileall
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"

CONFIGS = [
    f"{loss}-{layout}-{dtype}"
    for loss in ("hinge", "softplus")
    for layout in ("dense", "csr")
    for dtype in ("float64", "float32")
]
# scikit-learn's digits (1797 x 64, ten classes, one-vs-rest): larger than what runs
# uncompiled, so its first fit compiles (run with --only)
DIGITS = [f"{loss}-digits-float64" for loss in ("hinge", "softplus")]
GRID = "gridsearch-n_jobs2"
# the first calls that issue 21 sets targets for, with scikit-learn's peer beside each
SCENARIOS = [
    "readme",
    "readme-linearsvc",
    "digits-hinge",
    "digits-linearsvc",
    "digits-softplus",
    "digits-logreg",
    "mc20000-hinge",
    "mc20000-linearsvc",
    "compile",
]

CHILD = r"""
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
if sys.argv[1].endswith(("-linearsvc", "-logreg")):  # a peer: nothing of ours imported
    import sklearn.linear_model, sklearn.svm
    compile_count = lambda: 0
else:
    from sklearn_tilt import ScaledLossLinearClassifier
    from sklearn_tilt._solvers import compile_count  # numba only when a kernel runs
t_import, c_import = time.perf_counter() - t0, time.process_time() - c0
import numpy as np, scipy.sparse as sp
from sklearn.datasets import make_classification

LAMS = [1e-3, 1e-2, 1e-1, 1.0, 10.0]


def _readme():
    # the README's "Usage" example, as written
    from sklearn.datasets import load_digits
    from sklearn.model_selection import GridSearchCV
    Xd, yd = load_digits(return_X_y=True)
    GridSearchCV(ScaledLossLinearClassifier(loss="hinge"), {"lam": LAMS}, n_jobs=2).fit(Xd, yd)


def _readme_linearsvc():
    # the same search with LinearSVC, C = 1 / (2 n lam) for the n of a training fold
    from sklearn.datasets import load_digits
    from sklearn.model_selection import GridSearchCV
    from sklearn.svm import LinearSVC
    Xd, yd = load_digits(return_X_y=True)
    n = int(0.8 * len(yd))
    GridSearchCV(LinearSVC(), {"C": [1 / (2 * n * lam) for lam in LAMS]}, n_jobs=2).fit(Xd, yd)


def _digits(loss):
    from sklearn.datasets import load_digits
    ScaledLossLinearClassifier(loss=loss).fit(*load_digits(return_X_y=True))


def _digits_peer(loss):
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC
    est = LinearSVC() if loss == "hinge" else LogisticRegression(max_iter=1000)
    est.fit(*load_digits(return_X_y=True))


def _mc20000():
    Xm, ym = make_classification(20000, 100, random_state=0)
    ScaledLossLinearClassifier(loss="hinge").fit(Xm, ym)


def _mc20000_peer():
    from sklearn.svm import LinearSVC
    LinearSVC().fit(*make_classification(20000, 100, random_state=0))


def _compile():
    from sklearn_tilt.experiments._cli import main
    main(["compile", "--quiet"])


SCENARIOS = {"readme": _readme, "readme-linearsvc": _readme_linearsvc,
             "digits-hinge": lambda: _digits("hinge"),
             "digits-softplus": lambda: _digits("softplus"),
             "digits-linearsvc": lambda: _digits_peer("hinge"),
             "digits-logreg": lambda: _digits_peer("softplus"),
             "mc20000-hinge": _mc20000, "mc20000-linearsvc": _mc20000_peer,
             "compile": _compile}


cfg = sys.argv[1]
X, y = make_classification(200, 20, random_state=0)
if cfg in SCENARIOS:
    t, c = time.perf_counter(), time.process_time()
    SCENARIOS[cfg]()
    t_fit1, c_fit1 = time.perf_counter() - t, time.process_time() - c
    print("RESULT " + json.dumps({"import_s": t_import, "fit1_s": t_fit1, "fit2_s": float("nan"),
                                  "import_cpu_s": c_import, "fit1_cpu_s": c_fit1,
                                  "compiled": compile_count()}))
    sys.exit(0)
if "-digits-" in cfg:
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
if cfg == "GRID":
    from sklearn.model_selection import GridSearchCV
    t, c = time.perf_counter(), time.process_time()
    gs = GridSearchCV(ScaledLossLinearClassifier(), {"lam": [1e-2, 1e-1, 1.0, 10.0]}, cv=3,
                      n_jobs=2).fit(X, y)
    t_fit1, c_fit1 = time.perf_counter() - t, time.process_time() - c
    t = time.perf_counter()
    GridSearchCV(ScaledLossLinearClassifier(), {"lam": [1e-2, 1e-1, 1.0, 10.0]}, cv=3,
                 n_jobs=2).fit(X, y)
    t_fit2 = time.perf_counter() - t
else:
    loss, layout, dtype = cfg.split("-")
    X = X.astype(dtype)
    if layout == "csr":
        X = sp.csr_matrix(X)
    t, c = time.perf_counter(), time.process_time()
    ScaledLossLinearClassifier(loss=loss).fit(X, y)
    t_fit1, c_fit1 = time.perf_counter() - t, time.process_time() - c
    t = time.perf_counter()
    ScaledLossLinearClassifier(loss=loss).fit(X, y)
    t_fit2 = time.perf_counter() - t
print("RESULT " + json.dumps({"import_s": t_import, "fit1_s": t_fit1, "fit2_s": t_fit2,
                              "import_cpu_s": c_import, "fit1_cpu_s": c_fit1,
                              "compiled": compile_count()}))
"""


def run_child(cfg, cache_dir, src=ROOT, jit="auto", blas_threads="1"):
    """One fresh process; returns the child's measurements plus its own wall and CPU
    time (``wait4``: the child and every process it reaped, i.e. its loky workers)."""
    env = dict(os.environ)
    env["NUMBA_CACHE_DIR"] = str(cache_dir)
    env["SKLEARN_TILT_JIT"] = jit
    env["PYTHONPATH"] = str(src) + os.pathsep + env.get("PYTHONPATH", "")
    # modules load from their .pyc files, as users' do (see :func:`run`)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if blas_threads == "default":
        env.pop("OMP_NUM_THREADS", None)
        env.pop("OPENBLAS_NUM_THREADS", None)
    else:
        env.setdefault("OMP_NUM_THREADS", blas_threads)
        env.setdefault("OPENBLAS_NUM_THREADS", blas_threads)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, "GRID" if cfg == GRID else cfg],
            env=env,
            stdout=out,
            stderr=err,
            text=True,
            cwd=src,
        )
        _, status, ru = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{cfg}: child failed\n{stderr[-3000:]}")
    line = [ln for ln in stdout.splitlines() if ln.startswith("RESULT ")][-1]
    res = json.loads(line[len("RESULT ") :])
    res["process_s"] = wall
    res["process_cpu_s"] = ru.ru_utime + ru.ru_stime
    res["stderr_lines"] = len([ln for ln in stderr.splitlines() if ln.strip()])
    return res


FIELDS = [
    "config",
    "cache",
    "repeat",
    "import_s",
    "fit1_s",
    "fit2_s",
    "process_s",
    "import_cpu_s",
    "fit1_cpu_s",
    "process_cpu_s",
    "compiled",
    "stderr_lines",
]
NUM = [
    "import_s",
    "fit1_s",
    "fit2_s",
    "process_s",
    "import_cpu_s",
    "fit1_cpu_s",
    "process_cpu_s",
    "compiled",
]


_LOAD = [0.0]


def _show(kind, cfg, r, res):
    print(
        f"{kind} {cfg:28s} r{r}: import {res['import_s']:.2f}s  first fit "
        f"{res['fit1_s']:.2f}s (CPU {res['fit1_cpu_s']:.2f}s, {res['compiled']} compiled)  "
        f"second {res['fit2_s']:.3f}s  process {res['process_s']:.2f}s "
        f"(CPU {res['process_cpu_s']:.2f}s)",
        flush=True,
    )


def run(configs, repeats, label, src=ROOT, parallel=1, append=False, jit="auto", blas_threads="1"):
    _LOAD[0] = os.getloadavg()[0]
    # the package's .pyc files, as an install has them (PYTHONDONTWRITEBYTECODE in the
    # caller's environment would otherwise make every child compile the sources anew)
    compileall.compile_dir(str(Path(src) / "sklearn_tilt"), quiet=1)
    rows = []
    csv_path = RESULTS / f"cold_start_{label}.csv"
    if append and csv_path.exists():
        with open(csv_path) as fh:
            rows = list(csv.DictReader(fh))
    tmp_root = Path(tempfile.mkdtemp(prefix="tilt_cold_"))
    jobs = [(r, cfg) for r in range(repeats) for cfg in configs]

    def cold(job):
        r, cfg = job
        cache = tmp_root / f"{cfg}-{r}"
        cache.mkdir()
        res = run_child(cfg, cache, src, jit, blas_threads)
        _show("cold", cfg, r, res)
        return {"config": cfg, "cache": "cold", "repeat": r, **res}

    def warm(job):
        r, cfg = job
        res = run_child(cfg, tmp_root / f"{cfg}-0", src, jit, blas_threads)
        _show("warm", cfg, r, res)
        return {"config": cfg, "cache": "warm", "repeat": r, **res}

    try:
        with ThreadPoolExecutor(parallel) as pool:
            rows += list(pool.map(cold, jobs))
            rows += list(pool.map(warm, jobs))
    finally:
        shutil.rmtree(tmp_root, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(csv_path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        for row in rows:
            w.writerow(
                {
                    k: (round(v, 4) if isinstance(v, float) else v)
                    for k, v in row.items()
                    if k in FIELDS
                }
            )
    md = report(rows, label, parallel, jit, blas_threads)
    (RESULTS / f"cold_start_{label}.md").write_text(md)
    print(md)
    print(f"wrote {csv_path} and {csv_path.with_suffix('.md')}")


def _medians(rows):
    out = {}
    for row in rows:
        key = (row["config"], row["cache"])
        out.setdefault(key, []).append(row)
    med = {}
    for key, rs in out.items():
        med[key] = {f: float(np.median([float(r[f]) for r in rs])) for f in NUM}
        med[key]["n"] = len(rs)
    return med


def report(rows, label, parallel=1, jit="auto", blas_threads="1"):
    med = _medians(rows)
    order = CONFIGS + [GRID] + DIGITS + SCENARIOS
    configs = sorted(dict.fromkeys(r["config"] for r in rows), key=order.index)
    lines = [
        f"# Cold start ({label})",
        "",
        f"`python benchmarks/bench_cold_start.py --label {label} --parallel {parallel} "
        f"--jit {jit} --blas-threads {blas_threads}`"
        " (`n`: fresh processes per configuration and cache state); "
        f"python {platform.python_version()}, numba {_numba_version()}, "
        f"{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "Medians over fresh processes; cold = empty temporary `NUMBA_CACHE_DIR`, "
        "warm = the cache a cold run left. Seconds. Load average (1 min) during the run: "
        f"{_LOAD[0]:.1f} at the start, {os.getloadavg()[0]:.1f} at the end.",
        "",
        "| configuration | n | import | first fit, cold | (CPU) | compiled | process, cold "
        "| (CPU, all processes) | first fit, warm | process, warm | second fit |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for cfg in configs:
        c = med.get((cfg, "cold"))
        w = med.get((cfg, "warm")) or {k: float("nan") for k in NUM}
        if c is None:
            continue
        lines.append(
            f"| {cfg} | {c['n']} | {c['import_s']:.2f} | **{c['fit1_s']:.2f}** | {c['fit1_cpu_s']:.2f} | "
            f"{c['compiled']:.0f} | {c['process_s']:.2f} | {c['process_cpu_s']:.2f} | "
            f"{w['fit1_s']:.2f} | {w['process_s']:.2f} | {c['fit2_s']:.3f} |"
        )
    lines += [
        "",
        "`compiled`: kernel specialisations numba compiled in the first fit "
        "(GridSearchCV: in the parent process only, i.e. the refit). `(CPU)`: CPU time of "
        "the fitting process (compiling is single-threaded, so on a quiet machine wall "
        "~ CPU; the CPU figure is the one to compare when the machine is loaded). "
        "`(CPU, all processes)`: the child and its loky workers.",
        "",
    ]
    return "\n".join(lines)


def _numba_version():
    try:
        import numba

        return numba.__version__
    except ImportError:  # pragma: no cover
        return "?"


def table(labels):
    meds = []
    for label in labels:
        with open(RESULTS / f"cold_start_{label}.csv") as fh:
            meds.append(_medians(list(csv.DictReader(fh))))
    head = "| first fit, cold (s) | " + " | ".join(labels) + " |"
    lines = [head, "|---" * (len(labels) + 1) + "|"]
    configs = list(dict.fromkeys(k[0] for k in meds[0]))
    for cfg in configs:
        cells = []
        for m in meds:
            c = m.get((cfg, "cold"))
            cells.append("" if c is None else f"{c['fit1_s']:.1f} (CPU {c['fit1_cpu_s']:.1f})")
        lines.append(f"| {cfg} | " + " | ".join(cells) + " |")
    print("\n".join(lines))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--label", default="before")
    p.add_argument("--only", nargs="+", choices=CONFIGS + [GRID] + DIGITS + SCENARIOS + ["targets"])
    p.add_argument(
        "--jit",
        default="auto",
        choices=["auto", "always", "never"],
        help="SKLEARN_TILT_JIT of the children (default: auto, what users get; "
        "always: every first fit compiles, as before the tiered start)",
    )
    p.add_argument(
        "--blas-threads",
        default="1",
        help="BLAS threads of the children: a number (default 1, unless the caller set "
        "OMP_NUM_THREADS) or 'default' (as users get them)",
    )
    p.add_argument("--table", nargs="+", metavar="LABEL")
    p.add_argument(
        "--src",
        default=str(ROOT),
        help="folder holding the sklearn_tilt package to measure (default: this "
        "checkout; e.g. an exported older commit for a 'before' figure)",
    )
    p.add_argument(
        "--parallel",
        type=int,
        default=1,
        help="fresh processes run at once (wall times then include contention; "
        "CPU times much less so)",
    )
    p.add_argument(
        "--append", action="store_true", help="add to the rows already in cold_start_<label>.csv"
    )
    args = p.parse_args()
    if args.table:
        table(args.table)
        return
    only = args.only
    if only and "targets" in only:
        only = [c for c in only if c != "targets"] + SCENARIOS
    run(
        only or CONFIGS + [GRID],
        args.repeats,
        args.label,
        Path(args.src).resolve(),
        args.parallel,
        args.append,
        args.jit,
        args.blas_threads,
    )


if __name__ == "__main__":
    main()
