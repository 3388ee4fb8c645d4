"""The solver kernels' decorators, with numba imported on first use.

Importing numba and creating the kernels' dispatchers costs a few tenths of a
second per process, and many fits never run a kernel (the interior-point hinge
fits of small problems are NumPy and LAPACK). So the solver modules decorate
their kernels with the stand-ins below, which only record what they are given:

* :func:`njit` returns a :class:`Kernel`, a proxy that keeps the Python function
  and numba's options;
* :func:`register_jitable` and :func:`overload` record the registration and
  return the function, as numba's do.

The first call of a kernel, or the first look at one of its numba attributes
(``signatures``, ``overloads``, ...), runs :func:`materialize` once per process:
it imports numba and every solver module, makes the recorded registrations,
creates the dispatchers, puts each behind its compile lock and the routing of
:mod:`._interpret` (:func:`._jit_cache.guard`), and puts the dispatchers in
place of the proxies in the package's module globals, so that compiled kernels
see dispatchers when they call each other and Python callers call numba
directly from then on. Decorators applied afterwards create their dispatchers
at once.
"""

import functools
import importlib
import pkgutil
import sys
import threading

from ._jit_cache import _PACKAGE  # "sklearn_tilt"

_kernels = []  # every Kernel, in definition order
_registrations = []  # (kind, function, options) for register_jitable / overload
_lock = threading.RLock()
_state = {"ready": False}


def ready():
    """Whether numba is loaded and the kernels are dispatchers (:func:`materialize` ran)."""
    return _state["ready"]


class Kernel:
    """A solver kernel before numba is loaded: its Python function and numba options.

    Calling it, or reading an attribute it does not have itself, creates the
    dispatchers of all kernels (:func:`materialize`) and forwards to its own.
    """

    def __init__(self, py_func, options):
        self.py_func = py_func
        self.options = options
        self.dispatcher = None
        functools.update_wrapper(self, py_func)

    def __call__(self, *args, **kwargs):
        return _dispatcher(self)(*args, **kwargs)

    def __getattr__(self, name):
        if name.startswith("__") or name in ("py_func", "options", "dispatcher"):
            raise AttributeError(name)
        return getattr(_dispatcher(self), name)

    def __repr__(self):
        return f"<kernel {self.py_func.__module__}.{self.py_func.__qualname__} (not loaded)>"


def _dispatcher(kernel):
    if not _state["ready"]:  # not ``kernel.dispatcher``: set before the others are ready
        materialize()
    return kernel.dispatcher


def njit(*args, **options):
    """``numba.njit`` for the solver kernels: ``@njit`` or ``@njit(cache=True, ...)``."""
    if len(args) == 1 and callable(args[0]) and not options:
        return _define(args[0], {})
    if args:
        raise TypeError("njit takes the function or keyword options only")
    return lambda fn: _define(fn, options)


def _define(fn, options):
    with _lock:
        kernel = Kernel(fn, options)
        _kernels.append(kernel)
        if _state["ready"]:
            _create(kernel)
            return kernel.dispatcher
        return kernel


def register_jitable(fn):
    """``numba.extending.register_jitable`` (no options): ``fn`` as it is, callable from
    kernels."""
    _register("register_jitable", fn, None)
    return fn


def overload(func, **options):
    """``numba.extending.overload``: the decorated function is ``func``'s implementation
    in compiled code."""

    def decorate(impl):
        _register("overload", (func, impl), options)
        return impl

    return decorate


def _register(kind, what, options):
    with _lock:
        if _state["ready"]:
            _apply(kind, what, options)
        else:
            _registrations.append((kind, what, options))


def _apply(kind, what, options):
    from numba import extending

    if kind == "register_jitable":
        extending.register_jitable(what)
    else:
        func, impl = what
        extending.overload(func, **options)(impl)


def _create(kernel):
    import numba

    from . import _jit_cache

    kernel.dispatcher = numba.njit(**kernel.options)(kernel.py_func)
    _jit_cache.guard(kernel.dispatcher)


def _solver_modules():
    pkg = importlib.import_module(__name__.rsplit(".", 1)[0])
    names = [pkg.__name__] + [
        m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")
    ]
    return [importlib.import_module(name) for name in names]


def materialize():
    """Import numba and turn every kernel into its dispatcher (once per process)."""
    if _state["ready"]:
        return
    with _lock:
        if _state["ready"]:
            return
        if _state.get("running"):
            raise RuntimeError("a solver kernel was called while the kernels were being created")
        _state["running"] = True
        try:
            _materialize()
        finally:
            _state["running"] = False


def _materialize():
    from . import _jit_cache

    # a cache folder must exist before a cache=True dispatcher is created
    _jit_cache.install_fallback_locator()
    _jit_cache.register_notice()
    _solver_modules()  # every kernel and registration recorded
    for kind, what, options in _registrations:
        _apply(kind, what, options)
    _registrations.clear()
    for kernel in _kernels:
        _create(kernel)
    _register_typeof()
    _replace_proxies()
    from . import _interpret

    _interpret.routing_works()  # checked once numba is loaded (see _interpret._choose)
    _state["ready"] = True


def _register_typeof():
    """Type a proxy as its dispatcher, should compiled code ever meet one (none of the
    package's globals holds one after :func:`_replace_proxies`)."""
    from numba.core import typing
    from numba.extending import typeof_impl

    try:
        typeof_impl.register(Kernel)(lambda val, c: typing.typeof.typeof(val.dispatcher, c))
    except Exception as exc:  # noqa: BLE001 - an insurance only
        from ._jit_cache import fallback

        fallback("typing the kernel proxies", exc)


def _replace_proxies():
    for name, mod in list(sys.modules.items()):
        if mod is None or not (name == _PACKAGE or name.startswith(_PACKAGE + ".")):
            continue
        glb = vars(mod)
        for key, value in list(glb.items()):
            if isinstance(value, Kernel):
                glb[key] = value.dispatcher


def kernels():
    """Every kernel's dispatcher (materialising them)."""
    materialize()
    return [k.dispatcher for k in _kernels]
