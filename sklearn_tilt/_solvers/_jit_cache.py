"""numba's on-disk cache for the solver kernels: where it lives, who compiles, what the user sees.

The kernels are ``@njit(cache=True)``: the first process that needs a kernel for
a given argument type compiles it (seconds to tens of seconds for the solvers)
and saves it; later processes load it in milliseconds. This module makes that
work in real installs and makes it visible:

* **A cache directory that exists.** numba caches next to the source
  (``__pycache__``) or, when the package directory is read-only, in the user's
  cache directory (``~/.cache/numba``); with neither writable (a read-only
  install run by a user without a writable home, common in containers) numba
  refuses to import a ``cache=True`` function at all. :func:`install_fallback_locator`
  adds one last place, for this package's files only: a private per-user folder in
  the temporary directory. ``NUMBA_CACHE_DIR`` still takes precedence over all.
* **One specialisation per argument type.** :func:`guard` also makes a
  kernel called from another kernel with a constant argument compile for the
  argument's type, not for its value (numba would otherwise compile a second,
  literal-specialised copy of it).
* **One compile per machine, not per worker.** joblib or dask workers started
  together on an empty cache would each compile every kernel. :func:`guard`
  (applied to each kernel as :mod:`._jit` creates it) wraps its ``compile`` so that
  the first compile of a signature holds an exclusive file lock next to that
  kernel's cache files: a second process waiting on it then finds the compiled
  kernel in the cache and loads it.
* **Say it.** The first time a kernel of this package is actually compiled in a
  process (numba's ``numba:compile`` event, which fires only on a cache miss), one
  line goes to the ``sklearn_tilt`` logger at WARNING level, which Python prints
  on stderr unless logging is configured otherwise; nothing is logged on a warm
  cache.

**Fail safe.** All of this stands on numba internals (the event API, the cache
locators, ``Dispatcher.compile``, ``Dispatcher._compile_for_args``). Each use is
wrapped: if an internal is missing, has another signature or raises, that feature
switches itself off for the process (:func:`fallback` records why, in
:data:`FALLBACKS`, and logs it once at INFO level) and the kernels compile as plain
numba compiles them. A fit never fails because of this layer. Nothing here imports
numba before :mod:`._jit` does.
"""

import contextlib
import logging
import os
import stat
import tempfile
import threading
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no cross-process lock
    fcntl = None

_PACKAGE = __name__.rsplit(".", 2)[0]  # "sklearn_tilt"
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
logger = logging.getLogger(_PACKAGE)

#: The compile time of a cold first fit of the slower loss (hinge), CPU seconds on
#: one core, rounded up; quoted in the notice. Measured by
#: ``benchmarks/bench_cold_start.py``.
TYPICAL_COMPILE_S = 30

NOTICE = (
    "sklearn_tilt: compiling the numba kernels once (up to about {seconds} s per loss "
    "and input type); later runs load them from the cache in {where}. "
    "`sklearn-tilt compile` or `sklearn_tilt.warm_up()` does this ahead of time."
)


#: feature -> why it was switched off in this process (see :func:`fallback`)
FALLBACKS = {}


def fallback(feature, exc):
    """Switch ``feature`` off for this process after an unexpected numba internal.

    Records ``exc`` in :data:`FALLBACKS` and logs it once at INFO level; the
    callers then take numba's ordinary path (compile as ``@njit`` does).
    """
    if feature not in FALLBACKS:
        FALLBACKS[feature] = f"{type(exc).__name__}: {exc}"
        logger.info(
            "sklearn_tilt: %s is off (unexpected numba internals: %s); the kernels "
            "compile as numba compiles them",
            feature,
            FALLBACKS[feature],
        )


def _ours(dispatcher):
    mod = getattr(getattr(dispatcher, "py_func", None), "__module__", None) or ""
    return mod == _PACKAGE or mod.startswith(_PACKAGE + ".")


def cache_dir(dispatcher):
    """The folder holding ``dispatcher``'s cache files, or None if it has no cache."""
    path = getattr(getattr(dispatcher, "_cache", None), "cache_path", None)
    return path if path else None


# ---------------------------------------------------------------------------
# the notice


def _listener(notice):
    """A ``numba:compile`` listener for this package's kernels, forwarding to ``notice``,
    that never raises into numba's compiler (an exception of its own switches it off)."""
    from numba.core import event

    class Listener(event.Listener):
        def notify(self, event):
            if notice.feature in FALLBACKS:
                return
            try:
                disp = event.data.get("dispatcher")
                if _ours(disp):
                    (notice.started if event.is_start else notice.ended)(disp)
            except Exception as exc:  # noqa: BLE001 - see the module's "Fail safe"
                fallback(notice.feature, exc)

        # numba's abstract interface (``notify`` above is what numba calls)
        def on_start(self, event):  # pragma: no cover
            pass

        def on_end(self, event):  # pragma: no cover
            pass

    return Listener()


class _CompileNotice:
    """Logs one line the first time a kernel of the package compiles in this process,
    and counts the package's compiles (:func:`compile_count`); numba's compile events
    reach it through :func:`_listener`."""

    feature = "the compiling notice"

    def __init__(self):
        self.shown = False
        self.quiet = 0
        self.depth = 0
        self.t0 = 0.0
        self.compiled = 0

    def started(self, disp):
        if self.depth == 0:
            self.t0 = time.perf_counter()
        self.depth += 1
        self.compiled += 1
        if not self.shown and not self.quiet:
            self.shown = True
            where = cache_dir(disp)
            where = where if where else "(nowhere: caching is off, every process compiles)"
            logger.warning(NOTICE.format(seconds=TYPICAL_COMPILE_S, where=where))

    def ended(self, disp):
        self.depth = max(self.depth - 1, 0)
        if self.depth == 0:
            logger.info(
                "sklearn_tilt: compiled %s in %.1f s",
                disp.py_func.__qualname__,
                time.perf_counter() - self.t0,
            )


notice = _CompileNotice()
_registered = False


def register_notice():
    """Listen to numba's compile events (once per process; off if numba lacks them)."""
    global _registered
    if _registered:
        return
    _registered = True
    try:
        from numba.core import event

        event.register("numba:compile", _listener(notice))
    except Exception as exc:  # noqa: BLE001 - see the module's "Fail safe"
        fallback("the compiling notice", exc)


def compile_count():
    """Kernel specialisations of this package compiled in this process so far
    (``None`` when numba's compile events are not available)."""
    if "the compiling notice" in FALLBACKS:
        return None
    return notice.compiled


@contextlib.contextmanager
def quiet_notice():
    """No compiling notice inside the block (for callers that report compiles
    themselves, such as :func:`sklearn_tilt.warm_up`)."""
    notice.quiet += 1
    try:
        yield
    finally:
        notice.quiet -= 1


# ---------------------------------------------------------------------------
# a cache folder that exists


def _fallback_root():
    return os.path.join(tempfile.gettempdir(), f"sklearn_tilt-numba-cache-{os.getuid()}")


def _private_dir(path):
    """Create ``path`` (mode 0700) or accept it if it is ours and private; else None."""
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o022:
        return None  # somebody else's folder: never load pickled code from it
    return path


def _caching_classes():
    """numba's user-wide cache locator and its cache implementation base (numba >= 0.61
    dropped the leading underscores of these names); None where either is missing."""
    from numba.core import caching

    wide = getattr(caching, "UserWideCacheLocator", getattr(caching, "_UserWideCacheLocator", None))
    impl = getattr(caching, "CacheImpl", getattr(caching, "_CacheImpl", None))
    return (wide, impl) if wide is not None and impl is not None else None


_locator = {}


def locator_class():
    """:class:`TempDirCacheLocator`, built on numba's user-wide locator (None where numba's
    cache classes are not what they were, or on a platform without user ids)."""
    if "class" in _locator:
        return _locator["class"]
    try:
        found = _caching_classes() if hasattr(os, "getuid") else None
    except Exception as exc:  # noqa: BLE001 - see the module's "Fail safe"
        fallback("the fallback cache folder", exc)
        found = None
    cls = None
    if found is not None:

        class TempDirCacheLocator(found[0]):
            """Last resort for this package's files: ``$TMPDIR/sklearn_tilt-numba-cache-<uid>``."""

            def __init__(self, py_func, py_file):
                super().__init__(py_func, py_file)
                self._cache_path = os.path.join(
                    _fallback_root(), self.get_suitable_cache_subpath(py_file)
                )

            @classmethod
            def from_function(cls, py_func, py_file):
                try:
                    if not os.path.abspath(py_file).startswith(_PACKAGE_DIR + os.sep):
                        return None
                    if _private_dir(_fallback_root()) is None:
                        return None
                    return super().from_function(py_func, py_file)
                except Exception as exc:  # noqa: BLE001 - see the module's "Fail safe"
                    fallback("the fallback cache folder", exc)
                    return None

        cls = TempDirCacheLocator
    _locator["class"] = cls
    return cls


def install_fallback_locator():
    """Append :func:`locator_class` to numba's locators (idempotent; off if numba's
    locator list is not what it was)."""
    cls = locator_class()
    if cls is None:
        return
    try:
        classes = _caching_classes()[1]._locator_classes
        if cls not in classes:
            classes.append(cls)
    except Exception as exc:  # noqa: BLE001 - see the module's "Fail safe"
        fallback("the fallback cache folder", exc)


# ---------------------------------------------------------------------------
# one compile per machine

_held = {}  # lock path -> (fd, depth); touched only under numba's compiler lock


class _FileLock:
    """Exclusive ``flock`` on ``path``, re-entrant within the process."""

    def __init__(self, path):
        self.path = path

    def __enter__(self):
        if fcntl is None or self.path is None:
            return self
        fd, depth = _held.get(self.path, (None, 0))
        if fd is None:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:
                self.path = None  # cache folder not writable: nothing to share anyway
                return self
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:  # a file system without locks: compile unlocked
                os.close(fd)
                self.path = None
                return self
        _held[self.path] = (fd, depth + 1)
        return self

    def __exit__(self, *exc):
        if fcntl is None or self.path is None:
            return False
        fd, depth = _held[self.path]
        if depth == 1:
            del _held[self.path]
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        else:
            _held[self.path] = (fd, depth - 1)
        return False


def _lock_path(dispatcher):
    folder = cache_dir(dispatcher)
    impl = getattr(getattr(dispatcher, "_cache", None), "_impl", None)
    base = getattr(impl, "filename_base", None)
    if not folder or not base:
        return None
    return os.path.join(folder, base + ".lock")


def _guard(dispatcher):
    """Wrap ``dispatcher.compile``: compile the non-literal signature, under the
    kernel's file lock.

    A kernel called from another kernel with a constant argument (``f(x, 0)``) is
    asked for a signature with ``Literal[int](0)`` in it, and numba would compile a
    second, literal-specialised copy next to the ``int64`` one that other call
    sites use. The solver kernels never dispatch on literal values, so the wrapper
    compiles the ``int64`` version instead, which the caller's typing then selects.
    """
    if getattr(dispatcher.compile, "_sklearn_tilt_guarded", False):
        return
    original = dispatcher.compile
    path = _lock_path(dispatcher)
    from numba.core import sigutils, types

    def compile(sig):
        if "the compile guard" in FALLBACKS:
            return original(sig)
        try:
            args, return_type = sigutils.normalize_signature(sig)
            args = tuple(types.unliteral(a) for a in args)
            plain = args if return_type is None else return_type(*args)
            done = args in dispatcher.overloads
        except Exception as exc:  # noqa: BLE001 - see the module's "Fail safe"
            fallback("the compile guard", exc)
            return original(sig)
        if done or path is None:
            return original(plain)
        # numba's compiler lock first, then the file lock: one order everywhere
        with compiler_lock(), _FileLock(path):
            return original(plain)

    compile._sklearn_tilt_guarded = True
    compile.__wrapped__ = original
    dispatcher.compile = compile


def compiler_lock():
    """numba's compiler lock (numba is loaded by then: only compiled kernels need it)."""
    try:
        from numba.core.compiler_lock import global_compiler_lock
    except ImportError:  # pragma: no cover - depends on the numba release
        return _own_lock
    return global_compiler_lock


_own_lock = threading.RLock()


def guard(dispatcher):
    """Put a new kernel dispatcher behind its compile lock and the routing of
    :mod:`._interpret`."""
    from . import _interpret

    try:
        _guard(dispatcher)
    except Exception as exc:  # noqa: BLE001 - see the module's "Fail safe"
        fallback("the compile guard", exc)
    _interpret.hook(dispatcher)


def guard_kernels():
    """Create every kernel's dispatcher, guarded and routed (:func:`._jit.materialize`)."""
    from . import _jit

    _jit.materialize()
