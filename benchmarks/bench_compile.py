"""Cold ``sklearn-tilt compile``: wall and CPU seconds in fresh processes, empty cache.

Each run is a fresh process (``python -c`` calling the CLI's ``main(["compile",
...])``) with its own empty temporary ``NUMBA_CACHE_DIR``; CPU seconds are those of
that process and of every process it started and waited for (``RUSAGE_CHILDREN``),
so they include the worker processes of ``--jobs``. Configurations run interleaved,
one repeat of each in turn, so that a change of the machine's load hits them alike.

Usage: ``python benchmarks/bench_compile.py [--repeats 3] [--tree LABEL=PATH ...]
[--jobs 1 --jobs default ...]``: every tree (default: this checkout, as ``this``) with
every ``--jobs`` value (default: ``default``, the CLI's default). Prints a markdown
table of the medians and one line per run.
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
    args = ["compile"] + ([] if jobs == "default" else ["--jobs", jobs])
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
    p.add_argument("--tree", action="append", default=[], metavar="LABEL=PATH")
    p.add_argument("--jobs", action="append", default=[], metavar="N|default")
    a = p.parse_args()
    trees = [t.split("=", 1) for t in a.tree] or [["this", str(ROOT)]]
    configs = [(label, path, j) for label, path in trees for j in (a.jobs or ["default"])]
    runs = {c: [] for c in configs}
    for r in range(a.repeats):
        for c in configs:
            load = os.getloadavg()[0]
            wall, cpu, n = run_once(c[1], c[2])
            runs[c].append((wall, cpu, n))
            print(
                f"run {r + 1}: {c[0]} --jobs {c[2]}: wall {wall:.2f} s, CPU {cpu:.2f} s, "
                f"{n} compiled, load {load:.2f}",
                flush=True,
            )
    print("\n| tree | --jobs | wall s (median) | CPU s, all processes (median) | compiled | runs |")
    print("|---|---|---|---|---|---|")
    for c, rs in runs.items():
        w = statistics.median(x[0] for x in rs)
        u = statistics.median(x[1] for x in rs)
        print(f"| {c[0]} | {c[2]} | {w:.1f} | {u:.1f} | {rs[0][2]} | {len(rs)} |")


if __name__ == "__main__":
    main()
