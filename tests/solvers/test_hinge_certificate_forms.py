"""The hinge certificate in its two forms: NumPy code from Python, loops in kernels.

``hinge._certificate``, ``hinge._feasible`` and ``hinge._intercept`` give each
function a NumPy form (what Python callers run) and a compiled loop of the same
name; both must give valid bounds and, up to the order of summation, the same values.
"""

import json
import math
import os
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from numba import njit

from sklearn_tilt._solvers import _jit
from sklearn_tilt._solvers.hinge import _certificate as cert
from sklearn_tilt._solvers.hinge import _intercept as icpt

# the compiled forms below call the package's registrations, which numba learns when
# the package loads it (on the first kernel call): load it now, whatever ran before
_jit.materialize()

ROOT = Path(__file__).resolve().parents[2]
U = 2.0**-53


# the compiled forms: tiny kernels that call the certificate functions


@njit(cache=True)
def _csum_c(t):
    return cert.csum(t)


@njit(cache=True)
def _row_norms_c(is_sparse, Xd, data, indices, indptr, n, rn):
    return cert.row_norms(is_sparse, Xd, data, indices, indptr, n, rn)


@njit(cache=True)
def _bounds_c(f, ef, rn, y, s, C, alpha, act, nact, b, lam, wnorm, ew, S, fi):
    r = cert.make_feasible(y, C, alpha, act, nact, fi)
    P, P_up = cert.primal_upper(f, ef, rn, y, s, act, nact, b, lam, wnorm, S)
    D, D_low = cert.dual_lower(y, C, alpha, act, nact, lam, wnorm, ew, rn, fi)
    t, Pt = cert.scaled_margin_candidate(f, ef, rn, y, act, nact, b, lam, wnorm)
    return r, P, P_up, D, D_low, cert.relative_gap(P_up, D_low), t, Pt


def _bounds_py(f, ef, rn, y, s, C, alpha, act, nact, b, lam, wnorm, ew, S, fi):
    r = cert.make_feasible(y, C, alpha, act, nact, fi)
    P, P_up = cert.primal_upper(f, ef, rn, y, s, act, nact, b, lam, wnorm, S)
    D, D_low = cert.dual_lower(y, C, alpha, act, nact, lam, wnorm, ew, rn, fi)
    t, Pt = cert.scaled_margin_candidate(f, ef, rn, y, act, nact, b, lam, wnorm)
    return r, P, P_up, D, D_low, cert.relative_gap(P_up, D_low), t, Pt


@njit(cache=True)
def _intercept_c(f, y, s, act, nact, hint, tbuf):
    lo, hi, searched = icpt.intercept_interval(f, y, s, act, nact, hint, tbuf)
    return lo, hi, searched, icpt.canonical_intercept(f, y, s, act, nact, hint, tbuf)[0]


def _exact(t):
    return sum((Fraction(float(v)) for v in t), Fraction(0))


@pytest.mark.parametrize("n", [0, 1, 7, 4096, 4097, 50_001])
def test_csum_bound_both_forms(n):
    """Heavy cancellation: the exact sum is tiny against sum |t|."""
    rng = np.random.default_rng(n)
    half = rng.normal(size=n // 2) * 10.0 ** rng.integers(-8, 9, size=n // 2)
    t = np.concatenate([half, -half * (1 + 1e-15), rng.normal(size=n % 2)])
    rng.shuffle(t)
    exact = _exact(t)
    bound = 2 * U * abs(float(exact)) + cert.comp_bound(n) * float(np.sum(np.abs(t)))
    for value in (cert.csum(t), _csum_c(t)):
        assert abs(Fraction(value) - exact) <= Fraction(bound) * (1 + 1e-12)


def test_csum_python_is_at_least_as_accurate_as_compiled():
    rng = np.random.default_rng(3)
    t = rng.normal(size=20_000) * 1e6
    t = np.concatenate([t, -t[:-1]])  # the sum is the last term, exactly
    exact = float(_exact(t))
    assert cert.csum(t) == exact
    assert abs(_csum_c(t) - exact) <= 2 * U * abs(exact) + cert.comp_bound(t.size) * np.abs(t).sum()


@pytest.mark.parametrize("layout", ["dense", "csr"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_row_norms_bound_both_forms(layout, dtype):
    """float32 values whose squares float32 cannot hold: the bound still holds."""
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    n, d = 300, 40
    X = (rng.random((n, d)) * 3 + 1).astype(dtype)
    X[rng.random((n, d)) < 0.5] = 0
    X[5] = 0  # an empty row
    if layout == "csr":
        Xs = sp.csr_matrix(X)
        ka = (True, np.empty((0, 0), dtype), Xs.data, Xs.indices, Xs.indptr.astype(np.int64))
        kmax_ref = int(np.diff(Xs.indptr).max())
    else:
        ka = (False, X, np.empty(0, dtype), np.empty(0, np.int32), np.empty(0, np.int64))
        kmax_ref = d
    exact = [math.sqrt(math.fsum(float(v) ** 2 for v in row)) for row in X.astype(np.float64)]
    # squares of float64 values are rounded: compare with the exact rational norm squared
    exact_sq = [sum(Fraction(float(v)) ** 2 for v in row) for row in X]
    for fn in (cert.row_norms, _row_norms_c):
        rn = np.full(n, np.nan)
        assert fn(*ka, n, rn) == kmax_ref
        assert rn[5] == 0.0
        assert all(Fraction(float(r)) ** 2 >= e for r, e in zip(rn, exact_sq))
        assert np.allclose(rn, exact, rtol=1e-12)


def _hard_margin_problem(seed, n=200, d=5, zero_weights=True):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d)
    y = np.where(X @ w > 0, 1.0, -1.0)
    X += 0.5 * y[:, None] * w / np.linalg.norm(w)
    s = rng.integers(0 if zero_weights else 1, 3, size=n).astype(float)
    s[:2] = 1.0
    y[:2] = (1.0, -1.0)
    return X, y, s


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("lam", [1e-9, 1e-2, 1e3])
def test_bounds_agree_and_hold_both_forms(seed, lam):
    """Some weights 0 (seeds 0, 1: the samples are gathered) or none (seed 2)."""
    X, y, s = _hard_margin_problem(seed, zero_weights=seed < 2)
    n, d = X.shape
    S = math.fsum(s)
    C = s * (1.0 / (2.0 * lam * S))
    act = np.flatnonzero(s > 0).astype(np.int64)
    rng = np.random.default_rng(seed)
    alpha0 = rng.random(n) * C * 1.2 - 0.05 * C
    alpha0[3] = np.nan
    rn = np.empty(n)
    cert.row_norms(False, X, np.empty(0), np.empty(0, np.int32), np.empty(0, np.int64), n, rn)
    outs = []
    for fn in (_bounds_py, _bounds_c):
        alpha = alpha0.copy()
        cert.make_feasible(y, C, alpha, act, act.size, True)
        w = X.T @ (alpha * y)
        wn = cert.norm_up(w)
        f = X @ w
        b = 0.1
        ef = cert.score_error(d, wn)
        ew = cert.gamma(n + 8) * float(alpha @ rn) * 2
        out = fn(f, ef, rn, y, s, C, alpha, act, act.size, b, lam, wn, ew, S, True)
        r, P, P_up, D, D_low, gap, t, Pt = out
        assert np.all(alpha >= 0) and np.all(alpha <= C) and abs(r) <= 1e-12 * alpha.sum()
        # exact objectives of the rounded data, in rationals
        Fw = [
            sum(Fraction(float(X[i, j])) * Fraction(float(alpha[i] * y[i])) for i in act)
            for j in range(d)
        ]
        wsq = sum(v * v for v in Fw)
        Fs = [Fraction(float(v)) for v in s]
        loss = Fraction(0)
        for i in act:
            m = Fraction(float(y[i])) * (
                sum(Fraction(float(X[i, j])) * Fraction(float(w[j])) for j in range(d))
                + Fraction(b)
            )
            loss += Fs[i] * max(Fraction(0), 1 - m)
        P_exact = loss / sum(Fs) + Fraction(lam) * sum(Fraction(float(v)) ** 2 for v in w)
        D_exact = 2 * Fraction(lam) * (sum(Fraction(float(alpha[i])) for i in act) - wsq / 2)
        assert Fraction(P_up) >= P_exact and Fraction(D_low) <= D_exact
        assert gap >= float((P_exact - D_exact) / P_exact) and gap > 0
        outs.append(np.array([r, P, P_up, D, D_low, gap, t, Pt], dtype=float))
    # the residual r is rounding itself: equal up to rounding of sum a_i
    assert abs(outs[0][0] - outs[1][0]) <= 1e-12 * C.sum()
    np.testing.assert_allclose(outs[0][1:], outs[1][1:], rtol=1e-9, atol=1e-300)


def test_relative_gap_of_nan_bounds_is_infinite():
    for fn in (cert.relative_gap, njit(lambda a, b: cert.relative_gap(a, b))):
        assert fn(np.nan, 1.0) == np.inf
        assert fn(1.0, np.nan) == np.inf
        assert fn(1.0, 1.0) > 0


@pytest.mark.parametrize("seed", range(6))
def test_intercept_agrees_both_forms(seed):
    rng = np.random.default_rng(seed)
    n = 500
    y = np.where(rng.random(n) < 0.3, -1.0, 1.0)
    f = rng.integers(-4, 5, size=n) / 2.0  # ties
    s = rng.integers(0 if seed % 2 else 1, 3, size=n).astype(float)
    act = np.flatnonzero(s > 0).astype(np.int64)
    for hint in (-3.0, 0.0, 0.25, 9.0):
        lo, hi, searched = icpt.intercept_interval(f, y, s, act, act.size, hint, np.empty(n))
        b = icpt.canonical_intercept(f, y, s, act, act.size, hint, np.empty(n))[0]
        assert _intercept_c(f, y, s, act, act.size, hint, np.empty(n)) == (lo, hi, searched, b)
        t = y[act] - f[act]
        vals = [float(np.dot(s[act], np.maximum(0, y[act] * (t - tk)))) for tk in (lo, hi, b)]
        best = min(float(np.dot(s[act], np.maximum(0, y[act] * (t - tk)))) for tk in t)
        assert max(vals) <= best + 1e-12 * best


COLD_CHILD = """
import json
import numba.core.event as ev
import numpy as np
from sklearn.datasets import load_digits
from sklearn_tilt._solvers import solve_binary

n = [0]
class L(ev.Listener):
    def on_start(self, event):
        mod = getattr(getattr(event.data.get("dispatcher"), "py_func", None), "__module__", "")
        n[0] += (mod or "").startswith("sklearn_tilt")
    def on_end(self, event):
        pass
ev.register("numba:compile", L())
X, lab = load_digits(return_X_y=True)
y = np.where(lab == 3, 1.0, -1.0)
out = {}
for method in ("interior_point", "dcd"):
    before = n[0]
    r = solve_binary(X, y, np.ones(len(y)), 1e-2, "hinge", tol=1e-6, max_iter=10_000,
                     method=method)
    out[method] = [n[0] - before, r.gap]
print("RESULT" + json.dumps(out))
"""


def test_interior_point_compiles_nothing(tmp_path):
    """On an empty cache, with every kernel compiled when called (mode "always"), the
    interior-point method compiles no kernel: its certificate runs as NumPy code.
    (The coordinate descent compiles its own passes, not the certificate.)"""
    env = dict(os.environ, PYTHONPATH=str(ROOT), NUMBA_CACHE_DIR=str(tmp_path))
    env["SKLEARN_TILT_JIT"] = "always"
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
    assert out["interior_point"][0] == 0 and out["interior_point"][1] <= 1e-6
    assert out["dcd"][1] <= 1e-6


def test_interior_point_runs_with_one_blas_thread(monkeypatch):
    from threadpoolctl import threadpool_info

    from sklearn_tilt._solvers.hinge import _ipm

    seen = []
    solve = _ipm._solve

    def spy(problem, lam):
        seen.append([i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"])
        return solve(problem, lam)

    monkeypatch.setattr(_ipm, "_solve", spy)
    X, y, s = _hard_margin_problem(0)
    from sklearn_tilt._solvers import solve_binary

    r = solve_binary(X, y, s, 1e-2, "hinge", tol=1e-8, max_iter=1000, method="interior_point")
    assert r.converged and seen and all(t == 1 for t in seen[0])
