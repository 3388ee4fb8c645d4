"""The processes of :func:`sklearn_tilt.warm_up`: tasks shared out, steps reported back.

The calling process runs the first task and ``n_jobs - 1`` fresh processes
(``spawn``: nothing of this process's numba state is inherited) the next ones; each
process that finishes a task takes the next one not yet taken (a shared counter).
The processes share numba's cache folder, and the kernels' file locks
(``_solvers/_jit_cache.py``) make each kernel compile in one of them only: a
process that needs a kernel another is compiling waits for it and loads it.

Fail safe: a task whose process fails, dies or cannot start is run again here,
so the result is that of ``n_jobs=1``, only slower.
"""

import logging
import multiprocessing
import os
import queue
import threading

logger = logging.getLogger(__name__.split(".", 1)[0])

#: :func:`effective_jobs` with ``n_jobs=None`` uses at most this many processes.
DEFAULT_MAX_JOBS = 4


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


def _claim(counter, n_tasks):
    with counter.get_lock():
        i = counter.value
        counter.value = i + 1
    return i if i < n_tasks else None


def _worker(tasks, first, counter, results):  # pragma: no cover - runs in a child process
    from ._warm_up import run_task

    i = first
    while i is not None:
        results.put(("start", i, None))
        try:
            steps = run_task(tasks[i])
        except BaseException as exc:  # noqa: BLE001 - reported; the parent runs it again
            results.put(("error", i, f"{type(exc).__name__}: {exc}"))
            return
        results.put(("done", i, steps))
        i = _claim(counter, len(tasks))


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
    ctx = multiprocessing.get_context("spawn")
    counter = ctx.Value("i", n_jobs)
    results = ctx.Queue()
    procs = []
    for k in range(1, n_jobs):
        p = ctx.Process(target=_worker, args=(tasks, k, counter, results), daemon=True)
        try:
            p.start()
        except Exception as exc:  # noqa: BLE001 - its task is run here below
            logger.info("sklearn_tilt: warm_up could not start a process (%s)", exc)
            break
        procs.append(p)
    lock = threading.Lock()  # emit and done: shared with the reader thread
    reader = threading.Thread(target=_read, args=(results, procs, done, emit, lock), daemon=True)
    reader.start()

    def emit_here(step):
        with lock:
            emit(step)

    i = 0
    while i is not None:
        steps = run_task(tasks[i], emit_here)
        with lock:
            done[i] = steps
        i = _claim(counter, len(tasks))
    reader.join()
    for p in procs:
        p.join()
    for i, task in enumerate(tasks):  # a process failed, died or did not start
        if i not in done:
            done[i] = run_task(task, emit)
    return [s for i in sorted(done) for s in done[i]]


def _read(results, procs, done, emit, lock):
    """Collect the other processes' reports until all of them have ended."""
    while True:
        try:
            kind, i, payload = results.get(timeout=0.1)
        except queue.Empty:
            if not any(p.is_alive() for p in procs):
                try:  # what a process sent just before it ended
                    kind, i, payload = results.get(timeout=0.5)
                except queue.Empty:
                    return
            else:
                continue
        if kind == "done":
            with lock:
                done[i] = payload
                for step in payload:
                    emit(step)
        elif kind == "error":
            logger.info(
                "sklearn_tilt: a warm_up process failed (%s); its part is compiled here", payload
            )
