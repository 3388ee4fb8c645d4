"""``warm_up``'s processes (``sklearn_tilt/_warm_up_jobs.py``): how many, the tasks
shared out and reported back in order, each kernel compiled by one process, and the
fall-back to this process when another cannot start."""

import io
import os
import subprocess
import sys

import pytest

from sklearn_tilt import _warm_up, _warm_up_jobs
from sklearn_tilt._warm_up_jobs import effective_jobs

from .test_jit_cache import ROOT, _python


@pytest.mark.parametrize(
    "n_jobs, cores, n_tasks, expected",
    [
        (None, 2, 4, 2),
        (None, 16, 4, 4),
        (None, 16, 9, _warm_up_jobs.DEFAULT_MAX_JOBS),
        (None, 1, 4, 1),
        (-1, 8, 9, 8),
        (-2, 8, 9, 7),
        (-20, 8, 9, 1),
        (3, 2, 4, 2),  # never more than the cores
        (3, 8, 2, 2),  # nor than the tasks
        (1, 8, 4, 1),
    ],
)
def test_effective_jobs(monkeypatch, n_jobs, cores, n_tasks, expected):
    monkeypatch.setattr(_warm_up_jobs, "usable_cores", lambda: cores)
    assert effective_jobs(n_jobs, n_tasks) == expected


def test_bad_n_jobs_named():
    with pytest.raises(ValueError, match="n_jobs must not be 0"):
        effective_jobs(0, 3)
    for bad in ("2", 2.0, True):
        with pytest.raises(TypeError, match="n_jobs must be an int or None"):
            effective_jobs(bad, 3)
    from sklearn_tilt import warm_up

    with pytest.raises(ValueError, match="n_jobs"):
        warm_up(n_jobs=0)


def test_plan_covers_the_serial_steps():
    """The parallel plan is the serial one plus the hinge kernels compiled ahead."""
    serial = _warm_up._plan(("hinge", "softplus"), ("float64", "float32"), parallel=False)
    parallel = _warm_up._plan(("hinge", "softplus"), ("float64", "float32"), parallel=True)

    def flat(tasks):  # the softplus kernels of every dtype as one step
        steps = [s for t in tasks for s in t if s[2] != ("ahead", "float64")]
        kernels = [s for s in steps if s[1] == "kernels"]
        return [s for s in steps if s[1] != "kernels"], sorted(v for s in kernels for v in s[2])

    assert flat(parallel) == flat(serial)
    assert len(serial) == 3 and len(parallel) == 7  # ahead, dcd per dtype, softplus per dtype
    assert len(_warm_up._plan(("softplus",), ("float64",), parallel=True)) == 1


PROBE_CHILD = """
import sys
from sklearn_tilt._warm_up_jobs import run_tasks
lines = []
tasks = [[("probe", "kernels", None)]] * int(sys.argv[1])
steps = run_tasks(tasks, int(sys.argv[2]), lines.append)
assert len(steps) == len(lines) == len(tasks), (steps, lines)
print("COMPILED", sum(s["compiled"] for s in steps))
"""


def test_processes_share_the_work_and_compile_each_kernel_once(tmp_path):
    """Three tasks in two processes, each needing the same kernel: every task
    reports back, and the kernel is compiled once in all (the other process waits
    for its file lock and loads it)."""
    proc = _python(PROBE_CHILD, tmp_path / "cache", 3, 2)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("COMPILED")[-1].split()[0] == "1", proc.stdout


def test_a_process_that_cannot_start_leaves_its_task_here(monkeypatch):
    def broken():
        raise OSError("no processes here")

    monkeypatch.setattr(_warm_up_jobs, "_start_worker", broken)
    tasks = [[("probe", "kernels", None)], [("probe", "kernels", None)]]
    lines = []
    steps = _warm_up_jobs.run_tasks(tasks, 2, lines.append)
    assert [s["input"] for s in steps] == ["probe float64"] * 2 and len(lines) == 2


@pytest.mark.parametrize("code", ["import sys; sys.exit(3)", "print('not JSON')"])
def test_a_process_that_dies_or_garbles_leaves_its_tasks_here(monkeypatch, code):
    def dying():
        return subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    monkeypatch.setattr(_warm_up_jobs, "_start_worker", dying)
    tasks = [[("probe", "kernels", None)]] * 3
    steps = _warm_up_jobs.run_tasks(tasks, 2, lambda step: None)
    assert [s["input"] for s in steps] == ["probe float64"] * 3


SCRIPT = """
import sys
from sklearn_tilt._warm_up_jobs import run_tasks
with open(sys.argv[1], "a") as f:
    f.write("ran\\n")
steps = run_tasks([[("probe", "kernels", None)]] * 2, 2, lambda step: None)
print("STEPS", len(steps))
"""


def test_the_callers_script_is_not_run_again(tmp_path):
    """A script without an ``if __name__ == "__main__"`` guard runs once: the workers
    are fresh interpreters, not ``multiprocessing`` children importing ``__main__``."""
    script, ran = tmp_path / "script.py", tmp_path / "ran.txt"
    script.write_text(SCRIPT)
    env = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.run(
        [sys.executable, str(script), str(ran)], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "STEPS 2" in proc.stdout and ran.read_text() == "ran\n"


def test_warm_up_verbose_names_the_processes(monkeypatch):
    """One line per step, then a summary naming the process count (two tasks of the
    tests' probe in two processes)."""
    monkeypatch.setattr(
        _warm_up, "_plan", lambda losses, dtypes, parallel: [[("probe", "kernels", None)]] * 2
    )
    monkeypatch.setattr(_warm_up_jobs, "usable_cores", lambda: 2)
    out = io.StringIO()
    steps = _warm_up.warm_up(verbose=True, file=out, n_jobs=2)
    lines = out.getvalue().splitlines()
    assert len(steps) == 2 and len(lines) == 3
    assert "by 2 processes" in lines[-1] or "numba's cache is off" in lines[-1]


RECORD_CHILD = """
import pytest
from numba import types
from sklearn_tilt._solvers import _interpret, _jit_cache, _probe, jit_mode
_jit_cache.guard_kernels()
with jit_mode("never"), _interpret.record_calls() as calls:
    assert _interpret.run_tiered(1, _probe.probe_calls, 2.5) == 5.5
    with pytest.raises(RuntimeError, match="already recording"):
        with _interpret.record_calls():
            pass
assert calls == [(_probe.probe, (types.float64,)), (_probe.probe, (types.int64,))], calls
assert _interpret._recording is None and not _probe.probe.overloads
print("OK")
"""


def test_record_calls_names_the_kernel_to_kernel_calls(tmp_path):
    """Run as Python (in a fresh process: nothing compiled yet), ``probe_calls(2.5)``
    calls ``probe`` with a float and with the constant 1: two signatures, in the order
    of first call; the top-level kernel itself (which the caller compiles) is not
    among them, and nothing is compiled."""
    proc = _python(RECORD_CHILD, tmp_path / "cache", jit="auto")
    assert proc.returncode == 0 and "OK" in proc.stdout, proc.stderr
