"""The exact hinge solver: reference (SVC), certificate, known answers."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.svm import SVC, LinearSVC

from sklearn_tilt._solvers import primal_objective
from sklearn_tilt._solvers.hinge import path as hinge_path
from sklearn_tilt._solvers.hinge import solve as hinge_solve

TOL = 1e-9


def _pm1(y):
    labels = np.unique(y)
    return np.where(y == labels[1], 1.0, -1.0)


@pytest.fixture(scope="module")
def mnist(mnist_pair):
    X, y = mnist_pair
    return X, _pm1(y)


@pytest.fixture(scope="module")
def digits(digits_pair):
    X, y = digits_pair
    return X, _pm1(y)


def _best_intercept_brute(f, y):
    """Exact minimiser over b of sum max(0, 1 - y (f + b)): try every breakpoint."""
    t = y - f
    losses = np.maximum(0.0, 1.0 - y[None, :] * (f[None, :] + t[:, None])).sum(axis=1)
    return t[np.argmin(losses)]


def _svc_reference(X, y, lam):
    """SVC's primal at its own (w, b), at its w with the best b, and its dual."""
    n = X.shape[0]
    s = np.ones(n)
    svc = SVC(kernel="linear", C=1.0 / (2 * n * lam), tol=1e-10, max_iter=10**8)
    svc.fit(X, y)
    w = svc.coef_.ravel()
    P_own = primal_objective(X, y, s, lam, "hinge", w, svc.intercept_[0])
    b = _best_intercept_brute(X @ w, y)
    P_best = primal_objective(X, y, s, lam, "hinge", w, b)
    a = np.zeros(n)
    a[svc.support_] = np.abs(svc.dual_coef_.ravel())
    wa = X.T @ (a * y)
    D = 2 * lam * (a.sum() - 0.5 * wa @ wa)
    return P_own, P_best, D


def _check_against_svc(X, y, lam, tol=TOL, two_sided=True):
    """Ours against SVC(kernel="linear", tol=1e-10).

    Near hard margin (small lam) the primal is very sensitive to w: SVC's
    alpha can be 1e-11 from dual-optimal while its w = X^T (alpha y) is 1e-3
    above the optimal primal (digits 1/7, lam=0.1), whatever its tol.  So ours
    is checked to be (i) never worse than SVC's (w, b), nor than SVC's w with
    its best intercept, and (ii) within 1e-6 of SVC's dual objective, a lower
    bound of the optimum: D_svc <= P* <= P_ours, (P_ours - D_svc) / P_ours <= 1e-6.
    """
    n = X.shape[0]
    s = np.ones(n)
    res = hinge_solve(X, y, s, lam, tol=tol, max_iter=10_000)
    assert res.converged
    assert 0.0 <= res.gap <= tol
    P = primal_objective(X, y, s, lam, "hinge", res.coef, res.intercept)
    assert P == pytest.approx(res.primal, rel=1e-10)
    P_own, P_best, D_svc = _svc_reference(X, y, lam)
    assert (P - P_own) / P_own <= 1e-6
    assert (P - P_best) / P_best <= 1e-6
    if two_sided:
        assert D_svc <= P * (1 + 1e-12)
        assert (P - D_svc) / P <= 1e-6
    return res


@pytest.mark.parametrize("lam", [1e-1, 1e1, 1e3, 1e4, 1e5, 1e7])
def test_mnist_matches_svc_pixels_255(mnist, lam):
    X, y = mnist
    _check_against_svc(X, y, lam)


@pytest.mark.parametrize("lam", [1e-1, 1e1, 1e3, 1e5])
def test_mnist_matches_svc_pixels_01(mnist, lam):
    """Pixels in [0, 1] shift the curves by 255**2 in lam.

    For small lam (sklearn C >~ 1) libsvm's float32 kernel cache leaves SVC
    above the optimum whatever its tol (5e-3 relative at lam=0.1, 5e-5 at
    lam=10), so there only "never worse than SVC" is checked, and the exact
    scale invariance instead: the
    objective equals the one at pixels in [0, 255] and w scales by 255.
    """
    X, y = mnist
    res = _check_against_svc(X / 255.0, y, lam / 255.0**2, two_sided=lam >= 1e3)
    ref = hinge_solve(X, y, np.ones(X.shape[0]), lam, tol=TOL, max_iter=10_000)
    assert res.primal == pytest.approx(ref.primal, rel=3 * TOL)
    np.testing.assert_allclose(
        res.coef, 255.0 * ref.coef, rtol=1e-4, atol=1e-5 * 255.0 * np.abs(ref.coef).max()
    )


@pytest.mark.parametrize("lam", [1e-1, 1e2, 1e4, 1e6])
@pytest.mark.parametrize("scale", [1.0, 1.0 / 255.0])
def test_digits_matches_svc(digits, lam, scale):
    X, y = digits
    _check_against_svc(X * scale, y, lam * scale**2)


def test_certificate_is_honest(mnist):
    """The reported gap bounds the distance to the optimum from above."""
    X, y = mnist
    s = np.ones(X.shape[0])
    lam = 1e3
    loose = hinge_solve(X, y, s, lam, tol=1e-2, max_iter=10_000)
    tight = hinge_solve(X, y, s, lam, tol=1e-12, max_iter=10_000)
    assert loose.gap <= 1e-2
    assert tight.gap <= 1e-12
    assert loose.primal - tight.primal <= loose.gap * loose.primal * (1 + 1e-9)
    # the dual point is feasible
    C = s / (2 * lam * s.sum())
    a = tight.dual
    assert np.all(a >= 0) and np.all(a <= C)
    assert abs(np.dot(a, y)) <= 1e-10 * a.sum()
    np.testing.assert_allclose(
        tight.coef, X.T @ (a * y), rtol=1e-9, atol=1e-12 * np.abs(tight.coef).max()
    )


@pytest.mark.parametrize("lam", [1e-3, 1e9])
@pytest.mark.parametrize("scale", [1.0, 1.0 / 255.0])
def test_extreme_lams_are_stable(mnist, lam, scale):
    X, y = mnist
    s = np.ones(X.shape[0])
    res = hinge_solve(X * scale, y, s, lam, tol=1e-8, max_iter=10_000)
    assert res.converged and res.gap <= 1e-8
    assert np.all(np.isfinite(res.coef)) and np.isfinite(res.intercept)


def test_dense_equals_csr_and_float32(digits):
    X, y = digits
    s = np.ones(X.shape[0])
    lam = 1e2
    ref = hinge_solve(X, y, s, lam, tol=1e-12, max_iter=10_000)
    csr = hinge_solve(sp.csr_matrix(X), y, s, lam, tol=1e-12, max_iter=10_000)
    np.testing.assert_allclose(csr.coef, ref.coef, rtol=1e-6, atol=1e-9)
    assert csr.primal == pytest.approx(ref.primal, rel=1e-10)
    X32 = X.astype(np.float32)
    for Xin in (X32, sp.csr_matrix(X32)):
        r32 = hinge_solve(Xin, y, s, lam, tol=1e-12, max_iter=10_000)
        assert r32.coef.dtype == np.float64 and r32.converged
        P = primal_objective(X32.astype(np.float64), y, s, lam, "hinge", r32.coef, r32.intercept)
        assert P == pytest.approx(ref.primal, rel=1e-6)


def test_integer_weights_equal_duplicated_rows(digits):
    X, y = digits
    rng = np.random.default_rng(0)
    sw = rng.integers(0, 4, size=X.shape[0]).astype(np.float64)
    Xd = np.repeat(X, sw.astype(int), axis=0)
    yd = np.repeat(y, sw.astype(int))
    for lam in (1e-1, 1e3):
        rw = hinge_solve(X, y, sw, lam, tol=1e-12, max_iter=10_000)
        rd = hinge_solve(Xd, yd, np.ones(len(yd)), lam, tol=1e-12, max_iter=10_000)
        assert rw.primal == pytest.approx(rd.primal, rel=1e-9)
        np.testing.assert_allclose(rw.coef, rd.coef, rtol=1e-5, atol=1e-6 * np.abs(rd.coef).max())


def test_zero_weights_do_not_matter(digits):
    X, y = digits
    sw = np.ones(X.shape[0])
    sw[::3] = 0.0
    keep = sw > 0
    lam = 1e1
    rw = hinge_solve(X, y, sw, lam, tol=1e-12, max_iter=10_000)
    rk = hinge_solve(X[keep], y[keep], sw[keep], lam, tol=1e-12, max_iter=10_000)
    assert rw.primal == pytest.approx(rk.primal, rel=1e-10)
    assert np.all(rw.dual[~keep] == 0.0)
    np.testing.assert_allclose(rw.coef, rk.coef, rtol=1e-6, atol=1e-9)


def test_translation_leaves_w_unchanged(digits):
    X, y = digits
    s = np.ones(X.shape[0])
    shift = np.linspace(-30.0, 50.0, X.shape[1])
    for lam in (1e0, 1e4):
        r0 = hinge_solve(X, y, s, lam, tol=1e-12, max_iter=10_000)
        r1 = hinge_solve(X + shift, y, s, lam, tol=1e-12, max_iter=10_000)
        assert r1.primal == pytest.approx(r0.primal, rel=1e-9)
        np.testing.assert_allclose(r1.coef, r0.coef, rtol=1e-5, atol=1e-6 * np.abs(r0.coef).max())
        assert r1.intercept == pytest.approx(r0.intercept - shift @ r0.coef, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("lam", [1e7, 1e9])
def test_large_lam_is_parallel_to_centroid_difference(mnist, lam):
    X, y = mnist
    # balance the classes so that the closed form holds exactly
    npos = int((y > 0).sum())
    nneg = int((y < 0).sum())
    m = min(npos, nneg)
    idx = np.r_[np.flatnonzero(y > 0)[:m], np.flatnonzero(y < 0)[:m]]
    Xb, yb = X[idx], y[idx]
    s = np.ones(len(yb))
    res = hinge_solve(Xb, yb, s, lam, tol=1e-10, max_iter=10_000)
    z = Xb[yb > 0].mean(axis=0) - Xb[yb < 0].mean(axis=0)
    cos = res.coef @ z / (np.linalg.norm(res.coef) * np.linalg.norm(z))
    assert cos >= 1 - 1e-12
    np.testing.assert_allclose(res.coef, z / (4 * lam), rtol=1e-10)
    assert res.gap <= 1e-10
    # every sample inside the margin
    margins = yb * (Xb @ res.coef + res.intercept)
    assert np.all(margins <= 1 + 1e-12)


def test_warm_start_takes_fewer_iterations(mnist):
    X, y = mnist
    s = np.ones(X.shape[0])
    lam0, lam1 = 10**2.0, 10**1.9
    prev = hinge_solve(X, y, s, lam0, tol=1e-8, max_iter=10_000)
    cold = hinge_solve(X, y, s, lam1, tol=1e-8, max_iter=10_000)
    warm = hinge_solve(
        X, y, s, lam1, tol=1e-8, max_iter=10_000, dual_init=prev.dual * (lam0 / lam1)
    )
    assert warm.converged and cold.converged
    assert warm.primal == pytest.approx(cold.primal, rel=1e-7)
    assert warm.n_iter < cold.n_iter
    # a coef_init alone is also accepted
    wc = hinge_solve(
        X, y, s, lam1, tol=1e-8, max_iter=10_000, coef_init=prev.coef, intercept_init=prev.intercept
    )
    assert wc.converged and wc.primal == pytest.approx(cold.primal, rel=1e-7)


def test_path_equals_independent_fits(mnist):
    X, y = mnist
    s = np.ones(X.shape[0])
    lams = 10.0 ** np.array([3.0, -1.0, 1.0, 7.0, 5.0, 5.5])  # any order
    path = hinge_path(X, y, s, lams, tol=1e-9, max_iter=10_000)
    assert len(path) == len(lams)
    for lam, r in zip(lams, path):
        assert r.converged and r.gap <= 1e-9
        single = hinge_solve(X, y, s, lam, tol=1e-9, max_iter=10_000)
        assert r.primal == pytest.approx(single.primal, rel=1e-6)
        P = primal_objective(X, y, s, lam, "hinge", r.coef, r.intercept)
        assert P == pytest.approx(r.primal, rel=1e-10)


def test_fine_path_certified_everywhere(mnist):
    X, y = mnist
    s = np.ones(X.shape[0])
    lams = 10.0 ** np.arange(-1.0, 7.01, 0.1)
    path = hinge_path(sp.csr_matrix(X.astype(np.float32)), y, s, lams, tol=1e-6, max_iter=10_000)
    assert all(r.converged and r.gap <= 1e-6 for r in path)
    # ||w|| decreases with lam (up to the accuracy sqrt(gap) of w)
    norms = [np.linalg.norm(r.coef) for r in path]
    assert np.all(np.diff(norms) <= 2e-3 * max(norms))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_no_intercept(digits):
    X, y = digits
    n = X.shape[0]
    s = np.ones(n)
    for lam in (1e-1, 1e3):
        res = hinge_solve(X, y, s, lam, tol=1e-10, max_iter=10_000, fit_intercept=False)
        assert res.converged and res.gap <= 1e-10 and res.intercept == 0.0
        lsvc = LinearSVC(
            C=1.0 / (2 * n * lam),
            loss="hinge",
            dual=True,
            fit_intercept=False,
            tol=1e-8,
            max_iter=10**5,
        ).fit(X, y)
        P_ref = primal_objective(X, y, s, lam, "hinge", lsvc.coef_.ravel(), 0.0)
        assert res.primal <= P_ref * (1 + 1e-6)
        path = hinge_path(X, y, s, [lam], tol=1e-10, max_iter=10_000, fit_intercept=False)
        assert path[0].primal == pytest.approx(res.primal, rel=1e-8)


def test_unbalanced_weights(digits):
    X, y = digits
    s = np.where(y > 0, 3.0, 0.5)
    for lam in (1e0, 1e5, 1e8):
        res = hinge_solve(X, y, s, lam, tol=1e-10, max_iter=10_000)
        assert res.converged and res.gap <= 1e-10
        a = res.dual
        assert abs(a @ y) <= 1e-10 * a.sum()


def test_max_iter_reports_not_converged(mnist):
    X, y = mnist
    res = hinge_solve(X, y, np.ones(X.shape[0]), 1e0, tol=1e-12, max_iter=1)
    assert not res.converged and res.n_iter == 1 and res.gap > 1e-12


def test_bad_input_raises_before_numba(digits):
    X, y = digits
    s = np.ones(X.shape[0])
    for lam in (0.0, -1.0, np.nan, np.inf):
        with pytest.raises(ValueError, match="lam"):
            hinge_solve(X, y, s, lam, tol=1e-6, max_iter=10)
    with pytest.raises(ValueError, match="y"):
        hinge_solve(X, y[:-1], s, 1.0, tol=1e-6, max_iter=10)
    with pytest.raises(ValueError, match="sample_weight"):
        hinge_solve(X, y, s[:-1], 1.0, tol=1e-6, max_iter=10)
    with pytest.raises(ValueError, match="classes"):
        hinge_solve(X, np.ones_like(y), s, 1.0, tol=1e-6, max_iter=10)
    with pytest.raises(ValueError, match="lam"):
        hinge_path(X, y, s, [1.0, -1.0], tol=1e-6, max_iter=10)


def test_small_cache_and_working_set(mnist, monkeypatch):
    """Evictions from the Gram cache and capped working sets change nothing."""
    from sklearn_tilt._solvers.hinge import _api as _hinge

    X, y = mnist
    s = np.ones(X.shape[0])
    lams = 10.0 ** np.array([-1.0, 1.0, 3.0, 4.0, 5.0, 6.0])
    ref = hinge_path(X, y, s, lams, tol=1e-9, max_iter=10_000)
    monkeypatch.setattr(_hinge, "_CACHE_ROWS", 200)
    monkeypatch.setattr(_hinge, "_Q_MAX", 160)
    small = hinge_path(X, y, s, lams, tol=1e-9, max_iter=10_000)
    # rows were evicted and re-inserted
    assert sum(r.stats["gram_rows"] for r in small) > 200
    single = hinge_solve(X, y, s, 1e3, tol=1e-9, max_iter=10_000)
    assert single.converged and single.gap <= 1e-9
    for r0, r1 in zip(ref, small):
        assert r1.converged and r1.gap <= 1e-9
        assert r1.primal == pytest.approx(r0.primal, rel=2e-9)


def test_path_odd_grids(digits):
    """Repeated lams, a single lam, unbalanced weights, no intercept."""
    X, y = digits
    s = np.where(y > 0, 2.0, 1.0)
    for fit_intercept in (True, False):
        lams = [1e2, 1e2, 1e0, 1e0, 1e-1, 1e4]
        path = hinge_path(X, y, s, lams, tol=1e-9, max_iter=10_000, fit_intercept=fit_intercept)
        for lam, r in zip(lams, path):
            assert r.converged and r.gap <= 1e-9
            single = hinge_solve(
                X, y, s, lam, tol=1e-9, max_iter=10_000, fit_intercept=fit_intercept
            )
            assert r.primal == pytest.approx(single.primal, rel=1e-8)
    assert len(hinge_path(X, y, s, [3.0], tol=1e-6, max_iter=100)) == 1
    assert hinge_path(X, y, s, [], tol=1e-6, max_iter=100) == []


def test_nan_in_X_raises(digits):
    X, y = digits
    X = X.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        hinge_solve(X, y, np.ones(len(y)), 1.0, tol=1e-6, max_iter=10)


@pytest.mark.parametrize("lam", [1e-1, 1e3, 1e7])
def test_canonical_intercept_weights_equal_repetition(digits, lam):
    """When the optimal intercept is an interval, the midpoint is returned, so
    integer weights and repeated rows give the same intercept."""
    from sklearn_tilt._solvers.hinge._intercept import intercept_interval

    X, y = digits
    rng = np.random.default_rng(3)
    sw = rng.integers(1, 4, size=X.shape[0]).astype(np.float64)
    # balanced class weights: at large lam the loss is flat in b between the classes
    pos, neg = np.flatnonzero(y > 0), np.flatnonzero(y < 0)
    m = min(len(pos), len(neg))
    keep = np.r_[pos[:m], neg[:m]]
    X, y, sw = X[keep], y[keep], sw[keep]
    sw[m:] = sw[:m][::-1]
    rep = sw.astype(int)
    Xd, yd = np.repeat(X, rep, axis=0), np.repeat(y, rep)
    rw = hinge_solve(X, y, sw, lam, tol=1e-12, max_iter=10_000)
    rd = hinge_solve(Xd, yd, np.ones(len(yd)), lam, tol=1e-12, max_iter=10_000)
    assert rw.converged and rd.converged
    f = X @ rw.coef
    act = np.arange(len(y), dtype=np.int64)
    lo, hi, _ = intercept_interval(f, y, sw, act, len(y), rw.intercept, np.empty(len(y)))
    assert rw.intercept == pytest.approx(0.5 * (lo + hi), rel=1e-12, abs=1e-12)
    if lam >= 1e7:
        assert hi - lo > 1e-3 * (1 + abs(rw.intercept))  # genuinely not unique here
    scale = 1.0 + np.abs(f).max()
    assert abs(rw.intercept - rd.intercept) <= 1e-9 * scale
