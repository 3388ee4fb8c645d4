"""Cold ``sklearn-tilt compile``: wall and CPU seconds in fresh processes, empty cache.

Each run is a fresh process (``python -c`` calling the CLI's ``main(["compile",
...])``) with its own empty temporary ``NUMBA_CACHE_DIR``; CPU seconds are those of
that process and of every process it started and waited for (``RUSAGE_CHILDREN``),
so they include the worker processes of ``--jobs``. Configurations run interleaved,
one repeat of each in turn, so that a change of the machine's load hits them alike.

Usage: ``python benchmarks/bench_compile.py [--repeats 3] [--run LABEL=PATH[@JOBS] ...]``:
each ``--run`` is a checkout (``PATH``) and the ``--jobs`` value it is run with
(``@JOBS``; none: the CLI's default, also for checkouts older than ``--jobs``);
default: this checkout as ``this``. Prints one line per run, then a markdown table of
the medians.
"""

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE = "import sys; from sklearn_tilt.experiments._cli import main; sys.exit(main(sys.argv[1:]))"


def run_once(tree, jobs):
    args = ["compile"] + ([] if jobs is None else ["--jobs", jobs])
    with tempfile.TemporaryDirectory(prefix="tilt_compile_") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=str(tree))
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", CODE, *args], env=env, cwd=tree, capture_output=True, text=True
        )
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise RuntimeError(proc.stderr)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    m = re.search(r"(\d+) kernel specialisations compiled", proc.stdout)
    return wall, cpu, int(m.group(1)) if m else None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--run", action="append", default=[], metavar="LABEL=PATH[@JOBS]")
    a = p.parse_args()
    configs = []
    for spec in a.run or [f"this={ROOT}"]:
        label, rest = spec.split("=", 1)
        path, _, jobs = rest.partition("@")
        configs.append((label, path, jobs or None))
    runs = {c: [] for c in configs}
    for r in range(a.repeats):
        for c in configs:
            load = os.getloadavg()[0]
            wall, cpu, n = run_once(c[1], c[2])
            runs[c].append((wall, cpu, n))
            print(
                f"run {r + 1}: {c[0]} --jobs {c[2] or 'default'}: wall {wall:.2f} s, CPU {cpu:.2f} s, "
                f"{n} compiled, load {load:.2f}",
                flush=True,
            )
    print("\n| tree | --jobs | wall s (median) | CPU s, all processes (median) | compiled | runs |")
    print("|---|---|---|---|---|---|")
    for c, rs in runs.items():
        w = statistics.median(x[0] for x in rs)
        u = statistics.median(x[1] for x in rs)
        print(f"| {c[0]} | {c[2] or 'default'} | {w:.1f} | {u:.1f} | {rs[0][2]} | {len(rs)} |")


if __name__ == "__main__":
    main()
