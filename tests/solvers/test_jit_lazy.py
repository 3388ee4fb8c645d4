"""numba is imported on the first kernel call, not with the package (``_solvers/_jit.py``).

The interior-point hinge fits of small problems run no kernel, so a process that
only makes such fits (the README's example) never imports numba.
"""

import sys

import numpy as np
import pytest

from sklearn_tilt._solvers import _jit

from .test_jit_cache import _python

LAZY_CHILD = """
import sys
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV
from sklearn_tilt import ScaledLossLinearClassifier
from sklearn_tilt._solvers import _jit, _jit_cache
assert "numba" not in sys.modules, "imported with the package"
X, y = load_digits(return_X_y=True)
search = GridSearchCV(ScaledLossLinearClassifier(), {"lam": [0.1, 1.0]}, cv=2).fit(X, y)
assert "numba" not in sys.modules, "imported by interior-point fits"
assert not _jit.ready() and _jit_cache.compile_count() == 0
hinge_gap = float(np.max(search.best_estimator_.dual_gap_))
m = ScaledLossLinearClassifier(loss="softplus", tol=1e-6).fit(X[:300], y[:300])
assert "numba" in sys.modules and _jit.ready()
print("RESULT", hinge_gap, float(np.max(m.dual_gap_)), sorted(_jit_cache.FALLBACKS))
"""


@pytest.mark.parametrize("jit", ["auto", "always"])
def test_interior_point_fits_never_import_numba(tmp_path, jit):
    """A search of interior-point fits leaves numba unimported and the fits certified;
    the first softplus fit then loads numba and solves, with no feature of the JIT
    layer switched off."""
    proc = _python(LAZY_CHILD, tmp_path, jit=jit)
    assert proc.returncode == 0, proc.stderr
    hinge_gap, softplus_gap, fallbacks = proc.stdout.split("RESULT")[-1].split(maxsplit=2)
    assert float(hinge_gap) <= 1e-7 and float(softplus_gap) <= 1e-6
    assert fallbacks.strip() == "[]"


def _kernels_in(value, depth=0):
    if isinstance(value, _jit.Kernel):
        return 1
    if depth < 2 and isinstance(value, (tuple, list, set, frozenset)):
        return sum(_kernels_in(v, depth + 1) for v in value)
    if depth < 2 and isinstance(value, dict):
        return sum(_kernels_in(v, depth + 1) for v in value.values())
    return 0


def test_no_proxy_survives_materialize():
    """Once numba is loaded, the package's modules hold dispatchers only, in their
    globals and in the containers they keep (compiled code could not call a proxy)."""
    from numba.core.registry import CPUDispatcher

    _jit.materialize()
    left = {
        f"{name}.{key}"
        for name, mod in list(sys.modules.items())
        if mod is not None and name.startswith("sklearn_tilt") and mod is not _jit
        for key, value in list(vars(mod).items())
        if _kernels_in(value)
    }
    assert not left, left
    kernels = _jit.kernels()
    assert len(kernels) > 40 and all(isinstance(k, CPUDispatcher) for k in kernels)
    from sklearn_tilt._solvers import _common

    assert isinstance(_common.argsort, CPUDispatcher)


def test_proxy_forwards_and_keeps_the_function():
    """A kernel defined before numba loads is a proxy that behaves as its dispatcher:
    calls and numba's attributes go to it; the Python function and its name and
    docstring stay on the proxy."""

    def twice(x):
        """Twice ``x``."""
        return 2 * x

    kernel = _jit.Kernel(twice, {"cache": False})
    assert kernel.py_func is twice and kernel.__doc__ == "Twice ``x``."
    assert kernel.__name__ == "twice" and "not loaded" in repr(kernel)
    assert not hasattr(kernel, "__no_such_dunder__")  # looked up without loading numba
    with pytest.raises(AttributeError):
        kernel.no_such_attribute  # noqa: B018 - forwarded: the dispatcher lacks it too
    _jit._create(kernel)  # what materialize does for every recorded kernel
    assert kernel(np.float64(1.5)) == 3.0
    assert len(kernel.signatures) == 1


def test_kernels_defined_after_loading_are_dispatchers():
    from numba.core.registry import CPUDispatcher

    _jit.materialize()
    late = _jit.njit(cache=False)(lambda x: x + 2)
    assert isinstance(late, CPUDispatcher) and late(1) == 3
    assert getattr(late.compile, "_sklearn_tilt_guarded", False)


def test_no_module_imports_numba_at_import_time():
    """Top-level numba imports anywhere in the package would load it with the package;
    kernels take their decorators from ``_solvers/_jit.py``."""
    import re
    from pathlib import Path

    import sklearn_tilt

    root = Path(sklearn_tilt.__file__).parent
    top_level = re.compile(r"^(from numba\b|import numba\b)", re.M)
    offenders = [
        str(p.relative_to(root)) for p in root.rglob("*.py") if top_level.search(p.read_text())
    ]
    assert not offenders, offenders


THREADS_CHILD = """
import threading
from sklearn_tilt._solvers._probe import probe, probe_calls  # proxies, numba not loaded
barrier, out = threading.Barrier(4), []
def call(i):
    barrier.wait()
    out.append((probe_calls if i % 2 else probe)(i))
threads = [threading.Thread(target=call, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
from sklearn_tilt._solvers import _jit, _jit_cache
assert sorted(out) == [1, 3, 4, 6] and _jit.ready() and not _jit_cache.FALLBACKS, out
print("OK")
"""


def test_first_calls_from_threads_at_once(tmp_path):
    """Threads calling kernels at the same time before numba is loaded: one creates the
    dispatchers, the others wait for them, every call returns its value."""
    proc = _python(THREADS_CHILD, tmp_path)
    assert proc.returncode == 0 and "OK" in proc.stdout, proc.stderr
