"""The kernels as plain Python: small problems need not wait for numba.

Compiling the solver kernels costs seconds to tens of seconds once per machine
(numba's on-disk cache keeps them afterwards), while a small problem, such as
the first fit a new user tries, takes milliseconds to solve. On such problems,
while the kernels they need are not compiled yet, the kernels run as what they
are written as: Python functions over NumPy arrays. The very same source code
runs, so the algorithm, the certificate and the result are those of the
compiled kernels (up to the rounding of numba's fast-math reductions, which the
certificate accounts for either way); nothing is written twice.

How a call is routed (the mode comes from the ``SKLEARN_TILT_JIT`` environment
variable, read at each solve, or from :func:`jit_mode` in a ``with`` block):

``"auto"`` (default)
    Tiered, as language runtimes do it: a problem whose work estimate (stored
    entries of ``X``, times the number of ``lam`` values for a path) is at most
    :data:`INTERPRET_MAX_WORK` uses the compiled kernels that are already there
    (compiled in this process, or in numba's cache on disk) and runs the others
    as Python, without compiling, as long as the process has spent less than
    :data:`INTERPRET_BUDGET_S` seconds in Python kernels. A solve that crosses
    that budget stops and starts again compiled; larger problems, and every
    problem once the budget is spent, compile what they need. So a first fit on
    small data takes a fraction of a second, and the most a cold cache can cost
    a process beyond compiling is the budget.
``"always"``
    Always compile (numba's own behaviour): the first small fit pays the compile.
``"never"``
    Never compile: every kernel call runs as Python (slow on large problems;
    for debugging and for platforms where compiling is not possible).

The mechanism: a kernel's dispatcher calls its ``_compile_for_args`` only when
no compiled version of it matches the call's argument types, and then calls
what that method returns. :func:`hook` intercepts it: inside a routed solve it
first tries numba's disk cache and otherwise returns a :func:`runner` of
:func:`pure`, a copy of the kernel's Python function whose
global names point at the pure copies of the kernels it calls. numba's
semantics that plain Python lacks are restored where the kernels rely on them:
``math`` functions return ``inf``/``nan`` instead of raising, and NumPy's
floating-point warnings are silenced, as they are in compiled code.

Fail safe: the hook stands on numba internals (``_compile_for_args`` and what the
dispatcher does with its result, ``_cache.load_overload``,
``targetctx.insert_user_function``). Before the first routed solve,
:func:`routing_works` checks the mechanism on a tiny kernel; if it does not behave
as expected, or any of these internals raises later, routing is switched off for
the process (:func:`._jit_cache.fallback`) and every solve compiles as plain numba
does. A kernel run as Python that raises makes the solve start again compiled.
"""

import contextlib
import contextvars
import math
import os
import threading
import time
import types

import numpy as np

from . import _jit, _jit_cache
from ._jit_cache import compiler_lock, fallback

#: the :data:`._jit_cache.FALLBACKS` key of this module's routing
FEATURE = "running small problems uncompiled"

ENV = "SKLEARN_TILT_JIT"
MODES = ("auto", "always", "never")

#: In "auto" mode, problems with at most this much work (stored entries of
#: ``X``, times the number of ``lam`` values of a path) run on a cold cache
#: without compiling. Chosen so that such a problem solves, uncompiled, in about
#: a second or less (``benchmarks/bench_cold_start.py`` measures it), well below
#: the compile time it saves.
INTERPRET_MAX_WORK = 40_000

#: In "auto" mode, the CPU seconds a process may spend running kernels as Python
#: before it compiles them (a fraction of the compile time it may save: about
#: 5 s for the softplus kernels and 30 s for the hinge ones).
INTERPRET_BUDGET_S = 2.0

# the routing of the current solve: None (compile as usual), "cached" (compiled
# kernels where they exist, else Python) or "python" (always Python)
_route = contextvars.ContextVar("sklearn_tilt_kernel_route", default=None)
_forced = contextvars.ContextVar("sklearn_tilt_jit_mode", default=None)


def current_mode():
    """The mode in force: a :func:`jit_mode` block, else ``SKLEARN_TILT_JIT``, else "auto"."""
    mode = _forced.get()
    if mode is None:
        mode = os.environ.get(ENV, "").strip().lower() or "auto"
        if mode not in MODES:
            raise ValueError(
                f"the environment variable {ENV} must be one of {MODES}, got {os.environ[ENV]!r}"
            )
    return mode


@contextlib.contextmanager
def jit_mode(mode):
    """Force a mode ("auto", "always" or "never") inside a ``with`` block."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    token = _forced.set(mode)
    try:
        yield
    finally:
        _forced.reset(token)


def work_of(X, n_lams=1):
    """The work estimate of a problem: stored entries of ``X`` times the ``lam`` count."""
    nnz = getattr(X, "nnz", None)
    if nnz is None:
        nnz = int(np.prod(X.shape))
    return int(nnz) * max(int(n_lams), 1)


class OverBudget(BaseException):
    """Raised inside a Python-run solve that used up :data:`INTERPRET_BUDGET_S`.

    A ``BaseException``, so that no ``except Exception`` of a solver swallows it.
    """


class PythonRunFailed(BaseException):
    """A kernel run as Python raised (``args[0]``): the solve starts again compiled.

    A ``BaseException`` for the same reason as :class:`OverBudget`.
    """


class _Clock(threading.local):
    entry = None  # thread_time() at the start of the running top-level kernel call
    limit = math.inf  # the budget that applies to it


_clock = _Clock()
_spent = {"seconds": 0.0}  # seconds this process has spent in kernels run as Python


def spent():
    """Seconds this process has spent running kernels as Python."""
    return _spent["seconds"]


def _over_budget():  # CPU seconds of this thread: a loaded machine does not shrink the budget
    entry = _clock.entry
    return entry is not None and _spent["seconds"] + (time.thread_time() - entry) > _clock.limit


def _choose(work):
    mode = current_mode()
    if mode == "always" or FEATURE in _jit_cache.FALLBACKS:
        return None
    if mode == "auto" and (work > INTERPRET_MAX_WORK or _spent["seconds"] >= INTERPRET_BUDGET_S):
        return None
    # numba not loaded yet: the check runs when it is (``_jit.materialize``), and a
    # failed check switches routing off before any kernel call is routed
    if _jit.ready() and not routing_works():
        return None
    return "python" if mode == "never" else "cached"


def run_tiered(work, solve, /, *args, **kwargs):
    """``solve(*args, **kwargs)`` with its kernel calls routed for a problem of the given
    work estimate (see the module); compiled if a Python run uses up the budget or
    raises."""
    choice = _choose(work)
    if choice is not None:
        token = _route.set(choice)
        try:
            return solve(*args, **kwargs)
        except OverBudget:
            pass  # solved again below, compiled; the inputs are never modified in place
        except PythonRunFailed as exc:
            fallback(FEATURE, exc.args[0])
        finally:
            _route.reset(token)
    return solve(*args, **kwargs)


# ---------------------------------------------------------------------------
# pure-Python copies of the kernels


def _exp(x):
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _log(x):
    if x > 0.0:
        return math.log(x)
    return -math.inf if x == 0.0 else math.nan


def _log1p(x):
    if x > -1.0:
        return math.log1p(x)
    return -math.inf if x == -1.0 else math.nan


def _sqrt(x):
    return math.sqrt(x) if x >= 0.0 else math.nan


#: ``math`` as compiled code sees it: no OverflowError or domain errors
NUMBA_MATH = types.SimpleNamespace(
    **{k: v for k, v in vars(math).items() if not k.startswith("__")}
)
NUMBA_MATH.exp, NUMBA_MATH.log, NUMBA_MATH.log1p, NUMBA_MATH.sqrt = _exp, _log, _log1p, _sqrt

_pure = {}
_ticking = {}

#: a Python-run kernel looks at the clock every this many calls to other kernels
_TICK = 256


def _ticked(dispatcher):
    """``pure(dispatcher)``, looking at the budget every :data:`_TICK` calls."""
    call = _ticking.get(dispatcher)
    if call is None:
        fn = pure(dispatcher)
        count = [0]  # shared by threads: only the frequency of the checks depends on it

        def call(*args):
            count[0] += 1
            if not count[0] % _TICK and _over_budget():
                raise OverBudget
            if _recording is not None:
                _record(dispatcher, args)
            return fn(*args)

        _ticking[dispatcher] = call
    return call


_recording = None  # while :func:`record_calls` runs: {(dispatcher, argument types): None}


def _record(dispatcher, args):
    try:
        key = (dispatcher, tuple(dispatcher.typeof_pyval(a) for a in args))
    except Exception:  # noqa: BLE001 - a type numba cannot name: nothing to compile ahead
        return
    _recording.setdefault(key, None)


@contextlib.contextmanager
def record_calls():
    """Record the kernel calls that kernels run as Python make to other kernels.

    Yields a list, filled when the block ends: ``(dispatcher, argument types)`` for
    each distinct call, in the order of first call. The argument types are numba's
    types of the Python values, which are those the compiled caller passes (except
    where a slice is ``'A'`` layout to numba's typing but contiguous, ``'C'``, here:
    compiling that signature would only be wasted work).
    :func:`sklearn_tilt.warm_up` compiles them ahead, in another process. Not
    thread-safe: one recording per process at a time.
    """
    global _recording
    if _recording is not None:
        raise RuntimeError("record_calls() is already recording")
    calls = []
    _recording = {}
    try:
        yield calls
    finally:
        calls.extend(_recording)
        _recording = None


def pure(dispatcher):
    """The kernel's Python function, calling the pure copies of the kernels it uses."""
    fn = _pure.get(dispatcher)
    if fn is not None:
        return fn
    from numba.core.registry import CPUDispatcher

    py = dispatcher.py_func
    glb = dict(py.__globals__)
    fn = types.FunctionType(py.__code__, glb, py.__name__, py.__defaults__, py.__closure__)
    fn.__kwdefaults__ = py.__kwdefaults__
    fn.__doc__ = py.__doc__
    fn.__qualname__ = py.__qualname__
    _pure[dispatcher] = fn  # before the callees: kernels may call each other in cycles
    for name, value in glb.items():
        if isinstance(value, CPUDispatcher):
            # the small inline helpers (row_dot, ...) are called in the innermost
            # loops: directly; the kernels around those loops look at the clock
            inline = value.targetoptions.get("inline", "never") == "always"
            glb[name] = pure(value) if inline else _ticked(value)
        elif value is math:
            glb[name] = NUMBA_MATH
    return fn


_runners = {}


def runner(dispatcher):
    """A callable running ``dispatcher``'s kernel as Python, with compiled code's float
    semantics, its time counted against the budget of the current route."""
    run = _runners.get(dispatcher)
    if run is None:
        fn = pure(dispatcher)

        def run(*args):
            clock = _clock
            if clock.entry is not None:  # called from a kernel run as Python
                return fn(*args)
            clock.limit = INTERPRET_BUDGET_S if _route.get() == "cached" else math.inf
            if _spent["seconds"] > clock.limit:
                raise OverBudget
            clock.entry = time.thread_time()
            try:
                with np.errstate(all="ignore"):
                    return fn(*args)
            except (OverBudget, PythonRunFailed):
                raise
            except Exception as exc:  # noqa: BLE001 - compiled, below, decides
                raise PythonRunFailed(exc) from exc
            finally:
                _spent["seconds"] += time.thread_time() - clock.entry
                clock.entry = None

        _runners[dispatcher] = run
    return run


# ---------------------------------------------------------------------------
# the dispatcher hook

_not_cached = set()  # (dispatcher id, argument types) known to be absent from the disk cache


def load_cached(dispatcher, args):
    """Load the compiled kernel for ``args``' types from numba's disk cache, without
    compiling; True if it is now available in this process."""
    argtypes = tuple(dispatcher.typeof_pyval(a) for a in args)
    if argtypes in dispatcher.overloads:
        return True
    key = (id(dispatcher), argtypes)
    if key in _not_cached:
        return False
    cache = getattr(dispatcher, "_cache", None)
    if cache is None:
        return False
    with compiler_lock():
        cres = cache.load_overload(argtypes, dispatcher.targetctx)
        if cres is None:
            _not_cached.add(key)
            return False
        if not cres.objectmode:
            dispatcher.targetctx.insert_user_function(cres.entry_point, cres.fndesc, [cres.library])
        dispatcher.add_overload(cres)
    return True


def hook(dispatcher):
    """Route ``dispatcher``'s compile-on-call through the current solve's choice (once)."""
    try:
        original = dispatcher._compile_for_args
        if getattr(original, "_sklearn_tilt_routed", False):
            return
    except Exception as exc:  # noqa: BLE001 - see the module's "Fail safe"
        fallback(FEATURE, exc)
        return

    def _compile_for_args(*args, **kws):
        choice = _route.get()
        if choice is None or kws or FEATURE in _jit_cache.FALLBACKS:
            return original(*args, **kws)
        try:
            loaded = choice == "cached" and load_cached(dispatcher, args)
            run = None if loaded else runner(dispatcher)
        except Exception as exc:  # noqa: BLE001 - see the module's "Fail safe"
            fallback(FEATURE, exc)
            return original(*args)
        if loaded:
            return original(*args)  # finds the overload just loaded: no compile
        return run  # the dispatcher calls it with the arguments

    _compile_for_args._sklearn_tilt_routed = True
    _compile_for_args.__wrapped__ = original
    try:
        dispatcher._compile_for_args = _compile_for_args
    except Exception as exc:  # noqa: BLE001
        fallback(FEATURE, exc)


_checked = {}


def routing_works():
    """Whether numba routes a call the way :func:`hook` expects (checked once, on the
    tiny :func:`._probe.probe_route` kernel, with no compiling): the hooked
    ``_compile_for_args`` is called on a missing signature and what it returns is
    called with the arguments. Anything else switches routing off."""
    ok = _checked.get("ok")
    if ok is not None:
        return ok
    with compiler_lock():
        if "ok" in _checked:
            return _checked["ok"]
        ok = False
        try:
            from ._probe import probe_route

            hook(probe_route)
            token = _route.set("python")
            try:
                value = probe_route(np.arange(3.0))
            finally:
                _route.reset(token)
            ok = value == 4.0 and not probe_route.overloads
            if not ok:
                fallback(
                    FEATURE,
                    RuntimeError(
                        f"the routed probe returned {value!r} with "
                        f"{len(probe_route.overloads)} overloads"
                    ),
                )
        except (Exception, PythonRunFailed, OverBudget) as exc:  # see the module's "Fail safe"
            fallback(FEATURE, exc)
        _checked["ok"] = ok
        return ok
