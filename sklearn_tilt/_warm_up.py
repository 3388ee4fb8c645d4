"""Compile the solver kernels ahead of time: :func:`warm_up` (``sklearn-tilt compile``)."""

import sys
import time

import numpy as np
import scipy.sparse as sp

from ._solvers._losses import LOSSES

DTYPES = ("float64", "float32")

#: The problem whose hinge path :func:`_ahead` runs as Python to learn the argument
#: types of the active-set kernels: overlapping classes (samples at both bounds and
#: free), small enough to run uncompiled in a fraction of a second.
AHEAD_SHAPE = (40, 4)
AHEAD_LAMS = (1.0, 0.1, 0.01, 0.001)


def _data(kind, dtype):
    """Small data (the canonical float64 kernels), data just above the small-input
    size (the kernels of its own dtype), ``tall`` data, with enough samples for the
    hinge solver's coordinate-descent method, or the ``ahead`` problem."""
    from ._solvers import SMALL_INPUT, hinge_method

    rng = np.random.RandomState(0)
    n, d = (60, 8) if kind.startswith("small") else (SMALL_INPUT // 64 + 40, 64)
    if kind == "ahead":
        n, d = AHEAD_SHAPE
        y = np.repeat([0, 1], n // 2)
        X = rng.rand(n, d) + 0.4 * y[:, None]
        return X, y
    if kind == "tall":
        d = 4
        n = max(SMALL_INPUT // d + 2, 10_002) if dtype == "float32" else 10_002
        while hinge_method(np.empty((n, d))) != "dcd" and n < 10**7:
            n *= 2
    y = np.repeat([0, 1], n // 2)
    X = rng.rand(n, d) + 0.7 * y[:, None] * (rng.rand(d) > 0.5)
    X = X.astype(dtype)
    if kind.endswith("csr"):
        X[X < 0.3 * X.max()] = 0
        X = sp.csr_matrix(X)
    return X, y


def _plan(losses, dtypes, parallel):
    """The work as tasks (lists of steps ``(loss, what, key)``) that separate processes
    can do at once, longest first: the hinge active-set kernels, the kernels they call
    compiled ahead (only in parallel: see :func:`_ahead`), the hinge
    coordinate-descent kernels and the softplus kernels (in parallel with the hinge
    ones: one task per dtype of each, so that the processes finish together)."""
    f32 = "float32" in dtypes
    small = [("small", "float64"), ("small-csr", "float64")]
    first, rest = [], []
    for loss in losses:
        fits = [(loss, what, key) for key in small for what in ("fit", "path")]
        if loss == "softplus":
            stored = _stored_values(dtypes)
            # alone, the softplus kernels take a few seconds: not worth a second process
            parts = [(v,) for v in stored] if parallel and "hinge" in losses else [stored]
            rest += [[("softplus", "kernels", part)] for part in parts]
            rest[-len(parts)] += fits  # the float64 part: the fits' own kernels
            continue
        large = [("large", "float32"), ("large-csr", "float32")] if f32 else []
        first.append(fits + [(loss, what, key) for key in large for what in ("fit", "path")])
        if parallel:
            first.append([("hinge", "kernels", ("ahead", "float64"))])
        tall = [("tall", "float64")] + ([("tall", "float32")] if f32 else [])
        steps = [[(loss, what, key) for what in ("fit", "path")] for key in tall]
        rest[:0] = steps if parallel else [[s for part in steps for s in part]]
    return first + rest


def _stored_values(dtypes):
    """The types the softplus solver stores ``dtypes`` in: float64 data as float64 or,
    integer-valued in [0, 255] (pixels), as uint8; float32 as float32."""
    return ("float64", "uint8") + (("float32",) if "float32" in dtypes else ())


def warm_up(losses=LOSSES, dtypes=DTYPES, *, n_jobs=None, verbose=False, file=None):
    """Compile the solver kernels for the common input types, or load them from the cache.

    The solvers are numba kernels: the first fit in a fresh environment compiles the
    kernels it needs (seconds), and numba keeps them in its on-disk cache
    (``NUMBA_CACHE_DIR`` if set, else next to the package or in the user's cache
    folder), from which later processes load them in milliseconds. ``warm_up`` does
    that compiling ahead of time, for instance while building a Docker image or at
    the start of a CI job, so that no later fit waits. ``sklearn-tilt compile`` calls
    it.

    It runs one small fit and one short ``lam`` path per loss for each kind of input
    the kernels distinguish: dense and CSR data, float64 (which small inputs of any
    dtype use) and, for larger inputs, float32; and for the hinge loss, enough
    samples for its coordinate-descent method. The softplus solver's kernels are
    called directly for each type it stores ``X`` in (a ``"kernels"`` step), then
    one small fit and path check the rest. With several processes, one of them
    compiles the kernels that the hinge active-set solver calls ahead of it (a
    ``"kernels"`` step of the hinge loss): it runs a tiny path as Python to learn
    their argument types. The processes share numba's cache folder, and each kernel
    is compiled by one of them (the others wait for it and load it). On a warm cache
    it takes a few seconds.

    Parameters
    ----------
    losses : tuple of {"hinge", "softplus"}, default=("hinge", "softplus")
        The losses whose kernels to prepare.
    dtypes : tuple of {"float64", "float32"}, default=("float64", "float32")
        The dtypes of large inputs to prepare; ``("float64",)`` prepares the kernels
        that float64 data and every small input use.
    n_jobs : int, default=None
        How many processes compile at once: this one and ``n_jobs - 1`` fresh
        ones. ``None``: as many as there are tasks to share (up to four), but no
        more than the CPU cores this process may use; ``-1``: every such core
        (``-2``: all but one, ...); ``1``: this process alone. Never more than the
        cores, nor more than the tasks, and 1 when numba's cache is off (the other
        processes' work would be lost). A process that fails or cannot start leaves
        its part to this one.
    verbose : bool, default=False
        Print one line per step (what was compiled, how long it took) and a summary.
    file : file-like, default=None
        Where to print (default: ``sys.stdout``).

    Returns
    -------
    steps : list of dict
        One entry per step, in the order of the plan: ``loss``, ``what`` ("fit",
        "path" or "kernels"), ``input``, ``compiled`` (kernel specialisations
        compiled by the process that ran the step; 0 when everything came from the
        cache or another process, None where numba does not report compiles) and
        ``seconds``.

    Examples
    --------
    >>> from sklearn_tilt import warm_up
    >>> steps = warm_up(losses=("softplus",), dtypes=("float64",))
    >>> [(s["what"], s["input"]) for s in steps][1:3]
    [('fit', 'small float64 60x8'), ('path', 'small float64 60x8')]
    """
    from ._solvers import cache_folder
    from ._warm_up_jobs import effective_jobs, run_tasks

    losses, dtypes = tuple(losses), tuple(dtypes)
    for name, given, allowed in (("losses", losses, LOSSES), ("dtypes", dtypes, DTYPES)):
        bad = [v for v in given if v not in allowed]
        if bad or not given:
            raise ValueError(f"{name} must be a non-empty tuple of {allowed}, got {given!r}")
    where = cache_folder()
    jobs = effective_jobs(n_jobs, len(_plan(losses, dtypes, parallel=True)))
    if where is None:
        jobs = 1
    tasks = _plan(losses, dtypes, parallel=jobs > 1)
    jobs = min(jobs, len(tasks))
    out = sys.stdout if file is None else file

    def emit(step):
        if verbose:
            print(_describe(step), file=out, flush=True)

    t_all = time.perf_counter()
    steps = run_tasks(tasks, jobs, emit)
    if verbose:
        where = where or "nowhere (numba's cache is off)"
        total = sum(s["compiled"] or 0 for s in steps)
        procs = f" by {jobs} processes" if jobs > 1 else ""
        print(
            f"done in {time.perf_counter() - t_all:.1f} s: {total} kernel specialisations "
            f"compiled{procs}; cache: {where}",
            file=out,
            flush=True,
        )
    return steps


def run_task(task, emit=None):
    """Run one task of :func:`_plan` in this process; its steps (``emit``-ed one by one)."""
    from ._solvers import _jit_cache, jit_mode, quiet_notice

    _jit_cache.guard_kernels()  # the file locks that share the kernels between processes
    steps, data = [], {}
    # compiled, never run as Python (small problems would be: see _solvers/_interpret.py);
    # no "compiling" notice: the steps say what was compiled
    with jit_mode("always"), quiet_notice():
        for loss, what, key in task:
            key = tuple(key) if isinstance(key, list) else key  # a task sent as JSON
            if what == "kernels" and loss == "softplus":
                step = _counted("softplus", "kernels", _softplus_kernels, key)
            elif what == "kernels" and loss == "probe":  # the tests' stand-in for a task
                step = _counted("probe", "kernels", _probe)
            elif what == "kernels":
                step = _counted("hinge", "kernels", _ahead)
            else:
                if key not in data:
                    data[key] = _data(*key)
                step = _counted(loss, what, _fit, loss, what, *data[key], key[0])
            steps.append(step)
            if emit is not None:
                emit(step)
    return steps


def _counted(loss, what, fn, *args):
    from ._solvers import compile_count

    before, t = compile_count(), time.perf_counter()
    label = fn(*args)
    after = compile_count()
    return {
        "loss": loss,
        "what": what,
        "input": label,
        "compiled": None if before is None or after is None else after - before,
        "seconds": time.perf_counter() - t,
    }


def _fit(loss, what, X, y, kind):
    from .linear_model import ScaledLossLinearClassifier, scaled_loss_path

    if what == "fit":
        ScaledLossLinearClassifier(loss=loss, lam=1.0).fit(X, y)
    else:
        scaled_loss_path(X, y, loss=loss, lams=[1e2, 1.0])
    return f"{kind} {X.dtype} {X.shape[0]}x{X.shape[1]}"


def _ahead():
    """Compile the kernels that the hinge active-set kernels call, in the reverse order
    of their first call, while another process compiles the active-set solver from
    the top (see :func:`warm_up`): the two meet in the middle, each kernel compiled
    once, under its file lock (``_solvers/_jit_cache.py``).

    The argument types come from a tiny path run as Python
    (:func:`._solvers._interpret.record_calls`); the kernels that Python calls
    directly (the roots the other process starts from) are left to it. A signature
    that does not compile is skipped: the other process compiles what it needs.
    """
    from ._solvers import _interpret, jit_mode
    from .linear_model import scaled_loss_path

    X, y = _data("ahead", "float64")
    with jit_mode("never"), _interpret.record_calls() as calls:
        scaled_loss_path(X, y, loss="hinge", lams=list(AHEAD_LAMS))
    with jit_mode("always"):
        for dispatcher, argtypes in reversed(calls):
            try:
                dispatcher.compile(argtypes)
            except Exception:  # noqa: BLE001, S112 - left to the process that needs it
                continue
    return f"active set, ahead ({len(calls)} signatures)"


def _probe():
    from ._solvers._probe import probe

    probe(1.5)
    return "probe float64"


def _softplus_kernels(values):
    """Every softplus kernel for data stored with each type of ``values``."""
    from ._solvers.softplus._warm import compile_kernels

    done = compile_kernels([np.dtype(v).type for v in values])
    return "dense+csr " + "/".join(sorted({dt for _layout, dt in done}))


def _describe(step):
    k = step["compiled"]
    if k is None:
        done = "compiled or loaded"
    elif k:
        done = f"compiled {k} kernel specialisation{'s' * (k != 1)}"
    else:
        done = "loaded from the cache"
    return (
        f"{step['loss']:8s} {step['what']:7s} {step['input']:28s} {done} in {step['seconds']:.1f} s"
    )
