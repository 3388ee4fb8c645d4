"""The hinge intercept and certificate primitives (``hinge._certificate``, ``hinge._intercept``)."""

import numpy as np
import pytest

from sklearn_tilt._solvers._common import kernel_arrays
from sklearn_tilt._solvers.hinge._certificate import (
    dual_lower,
    make_feasible,
    norm_up,
    primal_upper,
    relative_gap,
    row_norms,
    score_error,
)
from sklearn_tilt._solvers.hinge._intercept import canonical_intercept, intercept_interval


def _loss(f, y, s, b):
    return float(np.dot(s, np.maximum(0.0, 1.0 - y * (f + b))))


def _interval_brute(f, y, s):
    """Minimisers over b: evaluate at every breakpoint (the function is
    piecewise linear, so the minimiser set is a segment between breakpoints)."""
    t = np.unique(y - f)
    vals = np.array([_loss(f, y, s, b) for b in t])
    best = vals.min()
    on = t[vals <= best + 1e-12 * max(1.0, abs(best))]
    return on.min(), on.max()


@pytest.mark.parametrize("seed", range(8))
def test_intercept_interval_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 40))
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    y[0], y[1] = 1.0, -1.0
    # integer-valued scores and weights: ties, flat segments, exact sums
    f = rng.integers(-3, 4, size=n).astype(float)
    s = rng.integers(0, 3, size=n).astype(float)
    s[0] = s[1] = 1.0
    act = np.flatnonzero(s > 0).astype(np.int64)
    lo_ref, hi_ref = _interval_brute(f[act], y[act], s[act])
    for hint in (-10.0, 0.0, 0.5, lo_ref, hi_ref, 10.0):
        lo, hi, _ = intercept_interval(f, y, s, act, act.size, hint, np.empty(act.size))
        assert (lo, hi) == (lo_ref, hi_ref)
        b, _ = canonical_intercept(f, y, s, act, act.size, hint, np.empty(act.size))
        assert b == 0.5 * (lo_ref + hi_ref)


def test_canonical_intercept_weights_equal_repetition():
    rng = np.random.default_rng(0)
    n = 30
    y = np.repeat([-1.0, 1.0], n // 2)
    f = rng.normal(size=n) * 0.1  # every sample inside the margin: flat segment
    sw = rng.integers(1, 4, size=n).astype(float)
    sw[y > 0] = rng.permutation(sw[y < 0])  # balanced: slope 0 between the classes
    act = np.arange(n, dtype=np.int64)
    b_w, _ = canonical_intercept(f, y, sw, act, n, 0.0, np.empty(n))
    rep = sw.astype(int)
    fr, yr = np.repeat(f, rep), np.repeat(y, rep)
    actr = np.arange(fr.size, dtype=np.int64)
    b_r, _ = canonical_intercept(fr, yr, np.ones(fr.size), actr, fr.size, 0.3, np.empty(fr.size))
    assert b_w == b_r
    lo, hi, _ = intercept_interval(f, y, sw, act, n, 0.0, np.empty(n))
    assert lo < hi  # the case that needs a canonical choice


def test_make_feasible_and_bounds_bracket_the_objectives():
    rng = np.random.default_rng(1)
    n, d = 50, 7
    X = rng.normal(size=(n, d)) * 100
    y = np.where(rng.random(n) < 0.4, -1.0, 1.0)
    s = rng.random(n) + 0.5
    lam = 1e-3
    S = s.sum()
    C = s / (2 * lam * S)
    a = rng.random(n) * C * 1.3 - 0.1 * C
    act = np.arange(n, dtype=np.int64)
    r = make_feasible(y, C, a, act, n, True)
    assert np.all(a >= 0) and np.all(a <= C)
    assert abs(r) <= 1e-13 * a.sum() and r == pytest.approx(a @ y, abs=1e-15 * a.sum())
    w = X.T @ (a * y)
    rn = np.empty(n)
    kmax = row_norms(*kernel_arrays(X), n, rn)
    assert kmax == d and np.all(rn >= np.linalg.norm(X, axis=1))
    wn = norm_up(w)
    assert wn >= np.linalg.norm(w)
    f = X @ w
    b = 0.3
    P, P_up = primal_upper(f, score_error(kmax, wn), rn, y, s, act, n, b, lam, wn, S)
    P_ref = _loss(f, y, s, b) / S + lam * w @ w
    assert P == pytest.approx(P_ref, rel=1e-12) and P_up >= P_ref
    D, D_low = dual_lower(y, C, a, act, n, lam, wn, 1e-12 * wn, rn, True)
    D_ref = 2 * lam * (a.sum() - 0.5 * w @ w)
    assert D == pytest.approx(D_ref, rel=1e-10) and D_low <= D_ref
    assert D_low <= P_ref <= P_up
    gap = relative_gap(P_up, D_low)
    assert gap >= (P_ref - D_ref) / P_ref and gap > 0
