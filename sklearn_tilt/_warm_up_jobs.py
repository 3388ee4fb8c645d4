"""The processes of :func:`sklearn_tilt.warm_up`: tasks shared out, steps reported back.

The calling process runs the first task and ``n_jobs - 1`` fresh Python processes
(nothing of this process's numba state is inherited, and unlike ``multiprocessing``'s
``spawn`` they do not import the caller's ``__main__`` script again) the next ones;
each process that finishes a task is given the next one not yet taken. A worker reads
one task per line on its standard input and answers one line of JSON per task on its
standard output. The processes share numba's cache folder, and the kernels' file locks
(``_solvers/_jit_cache.py``) make each kernel compile in one of them only: a process
that needs a kernel another is compiling waits for it and loads it.

Fail safe: a task whose process fails, dies or cannot start is run again here,
so the result is that of ``n_jobs=1``, only slower.
"""

import json
import logging
import os
import subprocess
import sys
import threading

logger = logging.getLogger(__name__.split(".", 1)[0])

#: :func:`effective_jobs` with ``n_jobs=None`` uses at most this many processes.
DEFAULT_MAX_JOBS = 4

# a worker: this module's serve(), with the caller's import path
_WORKER = f"import sys; sys.path[:0] = sys.argv[1:]; from {__name__} import serve; serve()"


def usable_cores():
    """The CPU cores this process may run on."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):  # not Linux
        return max(os.cpu_count() or 1, 1)


def effective_jobs(n_jobs, n_tasks):
    """The number of processes for ``n_jobs`` (see :func:`sklearn_tilt.warm_up`)."""
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int)):
        raise TypeError(f"n_jobs must be an int or None, got {n_jobs!r}")
    if n_jobs == 0:
        raise ValueError("n_jobs must not be 0: use 1 for this process alone, -1 for every core")
    cores = usable_cores()
    if n_jobs is None:
        jobs = min(cores, DEFAULT_MAX_JOBS)
    elif n_jobs < 0:
        jobs = cores + 1 + n_jobs
    else:
        jobs = n_jobs
    return max(1, min(jobs, cores, n_tasks))


def serve():  # pragma: no cover - runs in a worker process
    """A worker's loop: a task per line of stdin (JSON), its steps per line of stdout."""
    from ._warm_up import run_task

    answer = os.fdopen(os.dup(1), "w")  # the protocol; prints of anything else go to stderr
    os.dup2(2, 1)
    for line in sys.stdin:
        i, task = json.loads(line)
        try:
            reply = {"i": i, "steps": run_task(task)}
        except Exception as exc:  # noqa: BLE001 - reported; the caller runs it again
            reply = {"i": i, "error": f"{type(exc).__name__}: {exc}"}
        answer.write(json.dumps(reply) + "\n")
        answer.flush()


class _Pending:
    """The tasks not yet given to a process, in order (shared by the threads)."""

    def __init__(self, n, first):
        self.next, self.n, self.lock = first, n, threading.Lock()

    def take(self):
        with self.lock:
            i = self.next
            self.next += 1
        return i if i < self.n else None


def _start_worker():
    paths = [p for p in sys.path if p and os.path.isdir(p)]
    return subprocess.Popen(
        [sys.executable, "-c", _WORKER, *paths],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _drive(proc, first, tasks, pending, done, record):
    """Give ``proc`` tasks (``first``, then the pending ones) until none is left."""
    i = first
    try:
        while i is not None:
            proc.stdin.write(json.dumps([i, tasks[i]]) + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"the process ended (exit code {proc.wait()})")
            reply = json.loads(line)
            if "error" in reply:
                raise RuntimeError(reply["error"])
            record(i, reply["steps"])
            i = pending.take()
    except Exception as exc:  # noqa: BLE001 - its task is run again by the caller
        logger.info("sklearn_tilt: a warm_up process failed (%s); its part is compiled here", exc)
    finally:
        try:
            proc.stdin.close()
        except OSError:
            pass
        proc.wait()


def run_tasks(tasks, n_jobs, emit):
    """Run ``tasks`` (see :func:`._warm_up._plan`) in ``n_jobs`` processes, this one
    included; their steps in the order of the tasks. ``emit(step)`` is called
    here, from this process, as each step or each other process's task ends."""
    from ._warm_up import run_task

    done = {}
    if n_jobs <= 1 or len(tasks) <= 1:
        for i, task in enumerate(tasks):
            done[i] = run_task(task, emit)
        return [s for i in sorted(done) for s in done[i]]
    lock = threading.Lock()  # emit and done: shared with the threads

    def emit_here(step):
        with lock:
            emit(step)

    def record(i, steps):
        with lock:
            done[i] = steps
            for step in steps:
                emit(step)

    pending = _Pending(len(tasks), n_jobs)
    threads = []
    for k in range(1, n_jobs):
        try:
            proc = _start_worker()
        except Exception as exc:  # noqa: BLE001 - its task is run here below
            logger.info("sklearn_tilt: warm_up could not start a process (%s)", exc)
            break
        t = threading.Thread(target=_drive, args=(proc, k, tasks, pending, done, record))
        t.daemon = True
        t.start()
        threads.append(t)
    i = 0
    while i is not None:
        steps = run_task(tasks[i], emit_here)
        with lock:
            done[i] = steps
        i = pending.take()
    for t in threads:
        t.join()
    for i, task in enumerate(tasks):  # a process failed, died or did not start
        if i not in done:
            done[i] = run_task(task, emit)
    return [s for i in sorted(done) for s in done[i]]
