"""Small problems on a cold cache: the kernels run as Python, with the same results.

See ``sklearn_tilt/_solvers/_interpret.py``. The suite runs in the default mode
(tests/conftest.py); these tests set the mode themselves.
"""

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numba.core.event as ev
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification

from sklearn_tilt import ScaledLossLinearClassifier
from sklearn_tilt._solvers import _interpret, solve_binary, solve_path

ROOT = Path(__file__).resolve().parents[2]
TOL = 1e-7


class _Compiles(ev.Listener):
    def __init__(self):
        self.n = 0

    def on_start(self, event):
        mod = getattr(getattr(event.data.get("dispatcher"), "py_func", None), "__module__", "")
        self.n += (mod or "").startswith("sklearn_tilt")

    def on_end(self, event):
        pass


@pytest.fixture
def compiles():
    listener = _Compiles()
    ev.register("numba:compile", listener)
    yield listener
    ev.unregister("numba:compile", listener)


def _problem(layout, n=120, d=12, seed=0):
    X, y = make_classification(n, d, n_informative=4, n_redundant=1, random_state=seed)
    if layout == "csr":
        X[np.abs(X) < 0.6] = 0.0
        X = sp.csr_matrix(X)
    return X, np.where(y == 1, 1.0, -1.0), np.ones(n)


def _rel(a, b):
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize(
    "loss, method", [("hinge", "active_set"), ("hinge", "dcd"), ("softplus", "auto")]
)
def test_python_run_gives_the_compiled_solution(loss, method, layout, compiles):
    X, y, s = _problem(layout)
    with _interpret.jit_mode("always"):
        ref = solve_binary(X, y, s, 0.05, loss, tol=TOL, max_iter=1000, method=method)
    n0 = compiles.n
    with _interpret.jit_mode("never"):
        res = solve_binary(X, y, s, 0.05, loss, tol=TOL, max_iter=1000, method=method)
    assert compiles.n == n0, "a Python run compiled kernels"
    assert ref.converged and res.converged
    assert res.gap <= TOL
    # both certified: the objectives agree to the tolerance, w (unique) closely
    assert abs(res.primal - ref.primal) <= 2 * TOL * ref.primal
    assert _rel(res.coef, ref.coef) < 1e-3
    assert abs(res.intercept - ref.intercept) < 1e-3 * max(1.0, abs(ref.intercept))


@pytest.mark.parametrize("loss", ["hinge", "softplus"])
def test_python_run_of_a_path(loss, compiles):
    X, y, s = _problem("dense", n=80, d=8, seed=1)
    lams = [10.0, 0.3, 0.01]
    with _interpret.jit_mode("always"):
        ref = solve_path(X, y, s, lams, loss, tol=TOL, max_iter=1000)
    n0 = compiles.n
    with _interpret.jit_mode("never"):
        res = solve_path(X, y, s, lams, loss, tol=TOL, max_iter=1000)
    assert compiles.n == n0
    for r, q in zip(res, ref):
        assert r.converged and r.gap <= TOL
        assert abs(r.primal - q.primal) <= 2 * TOL * q.primal


def test_python_run_leaves_numpy_random_state_alone():
    X, y, s = _problem("dense")
    np.random.seed(123)
    state = np.random.get_state()[1].copy()
    with _interpret.jit_mode("never"):
        solve_binary(X, y, s, 0.05, "hinge", tol=TOL, max_iter=1000, method="dcd")
    np.testing.assert_array_equal(np.random.get_state()[1], state)


# a child process's prelude: counts the package's kernel compiles in n[0]
COUNTING = """
import json
import numba.core.event as ev
import numpy as np
from sklearn.datasets import make_classification
n = [0]
class L(ev.Listener):
    def on_start(self, e):
        mod = getattr(e.data["dispatcher"].py_func, "__module__", "") or ""
        n[0] += mod.startswith("sklearn_tilt")
    def on_end(self, e):
        pass
ev.register("numba:compile", L())
"""

BUDGET_CHILD = (
    COUNTING
    + """
from sklearn_tilt._solvers import _interpret, solve_binary
_interpret.INTERPRET_BUDGET_S = 0.002
X, y = make_classification(150, 12, n_informative=4, n_redundant=1, random_state=2)
y = np.where(y == 1, 1.0, -1.0)
r = solve_binary(X, y, np.ones(150), 0.01, "softplus", tol=1e-7, max_iter=1000)
print("RESULT" + json.dumps(dict(spent=_interpret.spent(), compiled=n[0], primal=r.primal,
                                 gap=r.gap, converged=bool(r.converged),
                                 next=_interpret._choose(10))))
"""
)


def test_over_budget_solve_starts_again_compiled(tmp_path):
    """On a cold cache, a Python run that uses up the budget stops, the solve is redone
    compiled, and later small solves compile too (softplus: its kernels compile fastest)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_CACHE_DIR=str(tmp_path))
    env[_interpret.ENV] = "auto"
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(BUDGET_CHILD)],
        env=env,
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.split("RESULT")[-1])
    assert 0.002 < out["spent"] < 5.0  # it ran as Python, then stopped (a budget far below the
    # whole Python solve, which a fast machine finishes in under 0.02 s)
    assert out["compiled"] > 0 and out["next"] is None
    assert out["converged"] and out["gap"] <= TOL
    X, y, s = _problem("dense", n=150, d=12, seed=2)
    with _interpret.jit_mode("always"):
        ref = solve_binary(X, y, s, 0.01, "softplus", tol=TOL, max_iter=1000)
    assert abs(out["primal"] - ref.primal) <= 2 * TOL * ref.primal


def test_routing_by_mode_work_and_budget(monkeypatch):
    monkeypatch.setitem(_interpret._spent, "seconds", 0.0)
    monkeypatch.setenv(_interpret.ENV, "auto")
    assert _interpret._choose(_interpret.INTERPRET_MAX_WORK) == "cached"
    assert _interpret._choose(_interpret.INTERPRET_MAX_WORK + 1) is None
    with _interpret.jit_mode("never"):
        assert _interpret._choose(10**9) == "python"
    with _interpret.jit_mode("always"):
        assert _interpret._choose(10) is None
    monkeypatch.setitem(_interpret._spent, "seconds", _interpret.INTERPRET_BUDGET_S)
    assert _interpret._choose(10) is None
    assert _interpret.work_of(np.zeros((30, 7)), n_lams=3) == 630
    assert _interpret.work_of(sp.eye(50, format="csr")) == 50


def test_bad_mode_is_named(monkeypatch):
    monkeypatch.setenv(_interpret.ENV, "sometimes")
    with pytest.raises(ValueError, match="SKLEARN_TILT_JIT"):
        ScaledLossLinearClassifier().fit(*make_classification(40, 4, random_state=0))
    with pytest.raises(ValueError, match="mode must be one of"):
        with _interpret.jit_mode("sometimes"):
            pass


def test_math_as_compiled_code_sees_it():
    m = _interpret.NUMBA_MATH
    assert m.exp(1000.0) == math.inf and m.exp(0.0) == 1.0
    assert m.log(0.0) == -math.inf and math.isnan(m.log(-1.0)) and m.log(math.e) == 1.0
    assert m.log1p(-1.0) == -math.inf and math.isnan(m.log1p(-2.0))
    assert math.isnan(m.sqrt(-1.0)) and m.sqrt(4.0) == 2.0


COLD_CHILD = (
    COUNTING
    + """
from sklearn_tilt import ScaledLossLinearClassifier
X, y = make_classification(200, 20, random_state=0)
out = {}
for loss in ("hinge", "softplus"):
    m = ScaledLossLinearClassifier(loss=loss).fit(X, y)
    out[loss] = [m.coef_.ravel().tolist(), float(m.intercept_[0]), float(np.max(m.dual_gap_))]
out["compiled"] = n[0]
print("RESULT" + json.dumps(out))
"""
)


def test_cold_first_fits_compile_nothing_and_match(tmp_path):
    """In a fresh process with an empty cache (mode "auto", the default), the first
    fits of both losses compile no kernel, print no notice and give the compiled model."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_CACHE_DIR=str(tmp_path))
    env.pop(_interpret.ENV, None)
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(COLD_CHILD)],
        env=env,
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.split("RESULT")[-1])
    assert out["compiled"] == 0
    assert "sklearn_tilt: compiling" not in proc.stderr
    X, y = make_classification(200, 20, random_state=0)
    for loss in ("hinge", "softplus"):
        coef, b, gap = out[loss]
        assert gap <= TOL
        with _interpret.jit_mode("always"):
            ref = ScaledLossLinearClassifier(loss=loss).fit(X, y)
        assert _rel(np.array(coef), ref.coef_.ravel()) < 1e-4
        assert abs(b - ref.intercept_[0]) < 1e-4 * max(1.0, abs(ref.intercept_[0]))
