"""The JIT layer is fail safe: numba internals it stands on, missing, changed or
raising, switch the layer's features off (``_jit_cache.FALLBACKS``) and the fits
still work and give the same models, compiled as plain numba compiles them.

See the "Fail safe" notes of ``sklearn_tilt/_solvers/_jit_cache.py`` and
``_interpret.py``. These tests set their JIT modes explicitly.
"""

import json

import numpy as np
import pytest
from sklearn.datasets import make_classification

from sklearn_tilt import ScaledLossLinearClassifier
from sklearn_tilt._solvers import _interpret, _jit_cache

from .test_jit_cache import _python


def test_python_run_that_raises_starts_again_compiled(monkeypatch):
    """A kernel run as Python that raises: the solve is redone compiled, and later
    solves compile (the routing is off for the process)."""
    from numba import njit

    from sklearn_tilt._solvers import _interpret

    monkeypatch.setattr(_jit_cache, "FALLBACKS", {})
    monkeypatch.setattr(_interpret, "_checked", {"ok": True})
    kernel = njit(lambda x: x.sum() + 1.0)
    _interpret.hook(kernel)

    def broken(dispatcher):
        def run(*args):
            raise IndexError("not like compiled code")

        return run

    monkeypatch.setattr(_interpret, "pure", broken)
    monkeypatch.setattr(_interpret, "_runners", {})
    with _interpret.jit_mode("never"):
        assert _interpret.run_tiered(0, kernel, np.arange(3.0)) == 4.0
        assert _interpret.FEATURE in _jit_cache.FALLBACKS
        assert "IndexError" in _jit_cache.FALLBACKS[_interpret.FEATURE]
        assert _interpret._choose(0) is None
    assert len(kernel.overloads) == 1


def test_routing_check_switches_routing_off(monkeypatch):
    """If a routed call does not come back as :func:`_interpret.hook` expects,
    nothing is routed."""
    from sklearn_tilt._solvers import _interpret, _jit

    _jit.materialize()  # numba loaded: the check runs when a solve chooses its route
    monkeypatch.setattr(_jit_cache, "FALLBACKS", {})
    monkeypatch.setattr(_interpret, "_checked", {})
    monkeypatch.setattr(_interpret, "_runners", {})
    monkeypatch.setattr(_interpret, "runner", lambda dispatcher: lambda *args: -1.0)
    with _interpret.jit_mode("never"):
        assert _interpret._choose(0) is None
    assert "returned -1.0" in _jit_cache.FALLBACKS[_interpret.FEATURE]


def test_listener_errors_never_reach_numba(monkeypatch):
    """An exception inside the compile listener switches it off instead of failing
    numba's compile."""
    from numba import njit

    monkeypatch.setattr(_jit_cache, "FALLBACKS", {})
    notice = _jit_cache._CompileNotice()
    monkeypatch.setattr(notice, "started", lambda disp: 1 / 0)
    listener = _jit_cache._listener(notice)

    class Event:
        data = {"dispatcher": _jit_cache}  # no py_func: not ours
        is_start = True

    listener.notify(Event())
    assert _jit_cache.FALLBACKS == {}
    Event.data = {"dispatcher": njit(lambda x: x)}
    monkeypatch.setattr(_jit_cache, "_ours", lambda disp: True)
    listener.notify(Event())
    assert "ZeroDivisionError" in _jit_cache.FALLBACKS["the compiling notice"]


BREAK_CHILD = """
import json, sys
import numpy as np

# (not ``_jit``: it calls numba's public API only, and its kernel proxies call
# dispatchers on behalf of the solvers, as numba's own callers)
LAYER = {"sklearn_tilt._solvers._interpret", "sklearn_tilt._solvers._jit_cache",
         "sklearn_tilt._solvers._canonical"}

def _from_package():  # called by the JIT layer itself (not by numba on its behalf)
    return sys._getframe(2).f_globals.get("__name__", "") in LAYER

def break_for_package(owner, name):
    # the internal still works for numba's own callers, raises for this package's
    orig = getattr(owner, name)
    def broken(*args, **kwargs):
        if _from_package():
            raise TypeError(f"{name}() takes other arguments now")
        return orig(*args, **kwargs)
    setattr(owner, name, broken)

breaks = sys.argv[1].split(",")
if "locators" in breaks:  # the list of cache locators became a tuple
    from numba.core import caching
    impl = getattr(caching, "CacheImpl", None) or caching._CacheImpl
    impl._locator_classes = tuple(impl._locator_classes)
if "events" in breaks:  # the event API changed
    import numba.core.event as ev
    break_for_package(ev, "register")
if "setattr" in breaks:  # a dispatcher's methods can no longer be replaced
    from numba.core.dispatcher import Dispatcher
    def setattr_(self, name, value):
        if name in ("compile", "_compile_for_args"):
            raise AttributeError(f"can't set attribute {name!r}")
        object.__setattr__(self, name, value)
    Dispatcher.__setattr__ = setattr_
if "calls" in breaks:  # the internals the routing calls changed their signatures
    from numba.core import base, caching, dispatcher
    break_for_package(dispatcher._DispatcherBase, "typeof_pyval")
    break_for_package(caching.Cache, "load_overload")
    break_for_package(base.BaseContext, "insert_user_function")
if "alias" in breaks:  # the writable alias of read-only memory fails
    break_for_package(np, "frombuffer")

from sklearn.datasets import make_classification
from sklearn_tilt import ScaledLossLinearClassifier
from sklearn_tilt._solvers import _jit_cache

X, y = make_classification(200, 20, random_state=0)
X.setflags(write=False)
out = {}
for loss in ("hinge", "softplus"):
    m = ScaledLossLinearClassifier(loss=loss).fit(X, y)
    out[loss] = [m.coef_.ravel().tolist(), float(m.intercept_[0]), float(np.max(m.dual_gap_))]
out["fallbacks"] = _jit_cache.FALLBACKS
print("RESULT" + json.dumps(out))
"""

_ALL_BREAKS = "locators,events,setattr,alias"


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("numba_cache")


@pytest.mark.parametrize(
    "breaks, features",
    [
        (
            _ALL_BREAKS,
            [
                "the fallback cache folder",
                "the compiling notice",
                "the compile guard",
                "running small problems uncompiled",
                "the writable alias of read-only input",
            ],
        ),
        ("calls", ["running small problems uncompiled"]),
    ],
)
def test_fits_survive_changed_numba_internals(breaks, features, shared_cache):
    """numba internals the JIT layer uses, missing or raising: the layer falls back to
    numba's ordinary compile and the fits give the same certified models (default
    mode; both runs share one cache folder, so only the first compiles)."""
    proc = _python(BREAK_CHILD, shared_cache, breaks, jit="auto")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.split("RESULT")[-1])
    assert sorted(out["fallbacks"]) == sorted(features), out["fallbacks"]
    X, y = make_classification(200, 20, random_state=0)
    for loss in ("hinge", "softplus"):
        coef, b, gap = out[loss]
        with _interpret.jit_mode("always"):
            ref = ScaledLossLinearClassifier(loss=loss).fit(X, y)
        assert gap <= ref.tol
        scale = np.max(np.abs(ref.coef_))
        assert np.max(np.abs(np.array(coef) - ref.coef_.ravel())) < 1e-4 * scale
        assert abs(b - ref.intercept_[0]) < 1e-4 * max(1.0, abs(ref.intercept_[0]))
