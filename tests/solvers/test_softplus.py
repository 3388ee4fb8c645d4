"""The exact softplus (logistic) solver: reference, certificate, invariances, path."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from sklearn_tilt._solvers import primal_objective
from sklearn_tilt._solvers.softplus import path as softplus_path
from sklearn_tilt._solvers.softplus import solve as softplus_solve

TOL = 1e-9


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """Keep BLAS single-threaded: the shared 2-core test machines are oversubscribed,
    where multi-threaded OpenBLAS slows the sklearn references down by 10-40x."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


def _pm(y):
    classes = np.unique(y)
    return np.where(y == classes[1], 1.0, -1.0)


def _obj(X, y, s, lam, coef, intercept):
    return primal_objective(X, y, s, lam, "softplus", coef, intercept)


def _sklearn_reference(X, y, s, lam, fit_intercept=True):
    """sklearn minimises mean_s(loss) + ||w||^2 / (2 C sum(s)): C = 1 / (2 lam sum(s))."""
    ref = LogisticRegression(
        C=1.0 / (2.0 * lam * s.sum()),
        solver="newton-cholesky",
        tol=1e-12,
        max_iter=1000,
        fit_intercept=fit_intercept,
    )
    ref.fit(X, y, sample_weight=s)
    return ref.coef_.ravel().astype(np.float64), float(
        np.ravel(ref.intercept_)[0]
    ) if fit_intercept else 0.0


def _radius(res, lam):
    """Certified bound on ||w - w*||: P - P* >= lam ||w - w*||^2 (strong convexity in w)."""
    return np.sqrt(max(res.gap, 0.0) * res.primal / lam)


def _assert_same_coef(a, b, lam):
    assert np.linalg.norm(a.coef - b.coef) <= _radius(a, lam) + _radius(
        b, lam
    ) + 1e-12 * np.linalg.norm(b.coef)


def _check_against_reference(X, y, s, lam, res, fit_intercept=True):
    coef, b = _sklearn_reference(X, y, s, lam, fit_intercept)
    ref = _obj(X, y, s, lam, coef, b)
    ours = _obj(X, y, s, lam, res.coef, res.intercept)
    assert res.converged
    assert res.gap <= TOL
    # the reported primal is the true objective of the returned point
    assert abs(res.primal - ours) <= 1e-12 * ours
    # within 1e-6 of the reference, and never worse than the certificate allows
    assert abs(ours - ref) <= 1e-6 * ref
    assert ours - ref <= res.gap * ours + 1e-13 * ours


@pytest.fixture(scope="module")
def mnist35(mnist_pair):
    X, y = mnist_pair
    return X, _pm(y)


@pytest.fixture(scope="module")
def digits17(digits_pair):
    X, y = digits_pair
    return X, _pm(y)


@pytest.mark.parametrize("scale", [1.0, 1.0 / 255.0])
@pytest.mark.parametrize("lam", [1e-1, 1e2, 1e5, 1e7])
def test_matches_sklearn_on_mnist_pair(mnist35, lam, scale):
    X, y = mnist35
    X = X * scale
    s = np.ones(len(y))
    res = softplus_solve(X, y, s, lam, tol=TOL, max_iter=200)
    _check_against_reference(X, y, s, lam, res)


@pytest.mark.parametrize("lam", [1e-1, 1e1, 1e3, 1e5])
def test_matches_sklearn_on_digits_pair(digits17, lam):
    X, y = digits17
    s = np.ones(len(y))
    res = softplus_solve(X, y, s, lam, tol=TOL, max_iter=200)
    _check_against_reference(X, y, s, lam, res)


@pytest.mark.parametrize("lam", [1e-3, 1e9])
def test_extreme_lam_is_certified(mnist35, lam):
    X, y = mnist35
    s = np.ones(len(y))
    res = softplus_solve(X, y, s, lam, tol=1e-8, max_iter=200)
    assert res.converged and res.gap <= 1e-8
    assert np.isfinite(res.coef).all() and np.isfinite(res.intercept)
    _check_against_reference(X, y, s, lam, softplus_solve(X, y, s, lam, tol=TOL, max_iter=200))


def test_dual_point_is_feasible(mnist35):
    X, y = mnist35
    s = np.ones(len(y))
    lam = 10.0
    res = softplus_solve(X, y, s, lam, tol=TOL, max_iter=200)
    alpha = res.dual
    box = s / (2.0 * lam * s.sum())
    assert np.all(alpha >= 0) and np.all(alpha <= box * (1 + 1e-12))
    assert abs(np.dot(alpha, y)) <= 1e-12 * box.sum()
    w_dual = X.T @ (alpha * y)
    assert np.linalg.norm(w_dual - res.coef) <= 1e-3 * np.linalg.norm(res.coef)


def test_dense_equals_csr_and_float32(mnist35):
    X, y = mnist35
    s = np.ones(len(y))
    lam = 10.0
    dense = softplus_solve(X, y, s, lam, tol=TOL, max_iter=200)
    csr = softplus_solve(sp.csr_matrix(X), y, s, lam, tol=TOL, max_iter=200)
    _assert_same_coef(csr, dense, lam)
    assert abs(csr.primal - dense.primal) <= 1e-9 * dense.primal
    X32 = X.astype(np.float32)
    for X_ in (X32, sp.csr_matrix(X32)):
        r32 = softplus_solve(X_, y, s, lam, tol=TOL, max_iter=200)
        assert r32.coef.dtype == np.float64 and r32.converged
        assert abs(r32.primal - dense.primal) <= 1e-8 * dense.primal


def test_integer_weights_equal_duplicated_rows(digits17):
    X, y = digits17
    rng = np.random.default_rng(0)
    s = rng.integers(0, 4, size=len(y)).astype(np.float64)
    lam = 1.0
    res_w = softplus_solve(X, y, s, lam, tol=TOL, max_iter=200)
    rep = s.astype(int)
    Xr = np.repeat(X, rep, axis=0)
    yr = np.repeat(y, rep)
    res_d = softplus_solve(Xr, yr, np.ones(len(yr)), lam, tol=TOL, max_iter=200)
    _assert_same_coef(res_w, res_d, lam)
    assert abs(res_w.primal - res_d.primal) <= 1e-10 * res_d.primal
    _check_against_reference(X, y, s, lam, res_w)


def test_translation_invariance(mnist35):
    X, y = mnist35
    s = np.ones(len(y))
    lam = 10.0
    shift = np.linspace(-300.0, 500.0, X.shape[1])
    a = softplus_solve(X, y, s, lam, tol=TOL, max_iter=200)
    b = softplus_solve(X + shift, y, s, lam, tol=TOL, max_iter=200)
    _assert_same_coef(b, a, lam)
    # the intercept absorbs the shift: b' = b - w.shift
    bound = (_radius(a, lam) + _radius(b, lam)) * np.linalg.norm(shift) + 1e-9
    assert abs((b.intercept + b.coef @ shift) - a.intercept) <= bound
    assert abs(a.primal - b.primal) <= 1e-8 * a.primal


def test_warm_start_takes_fewer_iterations(mnist35):
    X, y = mnist35
    s = np.ones(len(y))
    near = softplus_solve(X, y, s, 1.25, tol=TOL, max_iter=200)
    cold = softplus_solve(X, y, s, 1.0, tol=TOL, max_iter=200)
    warm = softplus_solve(
        X, y, s, 1.0, tol=TOL, max_iter=200, coef_init=near.coef, intercept_init=near.intercept
    )
    assert warm.converged and warm.n_iter < cold.n_iter
    assert abs(warm.primal - cold.primal) <= 2 * TOL * cold.primal


def test_path_equals_independent_fits(mnist35):
    X, y = mnist35
    s = np.ones(len(y))
    lams = np.array([1e3, 1e-1, 1e1, 1e5, 1.0, 3e2])  # unsorted on purpose
    path = softplus_path(X, y, s, lams, tol=TOL, max_iter=200)
    assert len(path) == len(lams)
    for lam, res in zip(lams, path):
        single = softplus_solve(X, y, s, lam, tol=TOL, max_iter=200)
        assert res.converged and res.gap <= TOL
        assert abs(res.primal - single.primal) <= 1e-6 * single.primal
        assert abs(_obj(X, y, s, lam, res.coef, res.intercept) - res.primal) <= 1e-12 * res.primal


def test_full_grid_path_is_certified(digits17):
    X, y = digits17
    s = np.ones(len(y))
    lams = 10.0 ** np.arange(-1.0, 7.05, 0.1)
    path = softplus_path(X, y, s, lams, tol=1e-7, max_iter=200)
    assert all(r.converged and r.gap <= 1e-7 for r in path)
    norms = np.array([np.linalg.norm(r.coef) for r in path])
    assert np.all(np.diff(norms) < 0)  # ||w|| decreases with lam


@pytest.mark.parametrize("lam", [1e-1, 1e3])
def test_no_intercept(mnist35, lam):
    X, y = mnist35
    s = np.ones(len(y))
    res = softplus_solve(X, y, s, lam, tol=TOL, max_iter=200, fit_intercept=False)
    assert res.intercept == 0.0
    _check_against_reference(X, y, s, lam, res, fit_intercept=False)


def test_large_lam_limit_is_weighted_centroid_difference(digits17):
    X, y = digits17
    rng = np.random.default_rng(1)
    s = rng.uniform(0.5, 2.0, size=len(y))
    s[y > 0] *= 2.0  # unbalanced class weights
    c = s / s.sum()
    cp, cm = c[y > 0].sum(), c[y < 0].sum()
    mu_p = (c[y > 0] @ X[y > 0]) / cp
    mu_m = (c[y < 0] @ X[y < 0]) / cm
    for lam in (1e7, 1e9):
        res = softplus_solve(X, y, s, lam, tol=1e-12, max_iter=200)
        w_lim = cp * cm * (mu_p - mu_m) / (2.0 * lam)
        cos = res.coef @ w_lim / (np.linalg.norm(res.coef) * np.linalg.norm(w_lim))
        rel = np.linalg.norm(res.coef - w_lim) / np.linalg.norm(w_lim)
        assert 1.0 - cos < 1e-4
        assert rel < 1e-2 if lam == 1e7 else rel < 1e-4
        assert abs(res.intercept - np.log(cp / cm)) < 1e-3


def test_zero_weights_equal_removed_rows(digits17):
    X, y = digits17
    s = np.ones(len(y))
    s[::3] = 0.0
    keep = s > 0
    a = softplus_solve(X, y, s, 1.0, tol=TOL, max_iter=200)
    b = softplus_solve(X[keep], y[keep], s[keep], 1.0, tol=TOL, max_iter=200)
    _assert_same_coef(a, b, 1.0)
    assert abs(a.primal - b.primal) <= 1e-8 * b.primal


def test_max_iter_reports_not_converged(mnist35):
    X, y = mnist35
    s = np.ones(len(y))
    res = softplus_solve(X, y, s, 1e-1, tol=1e-12, max_iter=2)
    assert not res.converged and res.n_iter == 2
    assert np.isfinite(res.gap) and res.gap > 1e-12
    res0 = softplus_solve(X, y, s, 1e-1, tol=1e-12, max_iter=0)
    assert not res0.converged and res0.n_iter == 0


def test_stable_for_huge_scores():
    # separable data with enormous feature values: margins in the thousands
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(1e4, 1.0, (20, 3)), rng.normal(-1e4, 1.0, (20, 3))])
    y = np.r_[np.ones(20), -np.ones(20)]
    s = np.ones(40)
    for lam in (1e-3, 1.0, 1e9):
        res = softplus_solve(X, y, s, lam, tol=1e-10, max_iter=200)
        assert res.converged and np.isfinite(res.primal) and res.gap <= 1e-10


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(lam=0.0), "lam"),
        (dict(lam=np.nan), "lam"),
        (dict(lam=np.inf), "lam"),
        (dict(y=np.r_[np.ones(5), np.zeros(5)]), "-1"),
        (dict(y=np.ones(7)), "entries"),
        (dict(sample_weight=-np.ones(10)), "non-negative"),
        (dict(sample_weight=np.r_[np.ones(5), np.zeros(5)]), "class"),
        (dict(X=np.full((10, 3), np.nan)), "NaN"),
        (dict(coef_init=np.ones(4)), "coef_init"),
    ],
)
def test_bad_input_raises(kwargs, match):
    rng = np.random.default_rng(0)
    args = dict(
        X=rng.normal(size=(10, 3)),
        y=np.r_[np.ones(5), -np.ones(5)],
        sample_weight=np.ones(10),
        lam=1.0,
    )
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        softplus_solve(
            args.pop("X"),
            args.pop("y"),
            args.pop("sample_weight"),
            args.pop("lam"),
            tol=1e-8,
            max_iter=10,
            **args,
        )


def test_lossless_narrow_storage(mnist35):
    """Raw pixels are stored as uint8 internally; the values (and row norms) are exact."""
    from sklearn_tilt._solvers.softplus._problem import Problem

    X, y = mnist35
    for X_ in (X, sp.csr_matrix(X), X.astype(np.float32)):
        prob = Problem(X_, y, None, True)
        assert prob.X.dtype == np.uint8
        dense = prob.X.toarray() if sp.issparse(prob.X) else prob.X
        np.testing.assert_array_equal(dense, X[:, prob.keep])
        np.testing.assert_allclose(prob.rowsq, (X**2).sum(axis=1), rtol=1e-14)
    prob = Problem(X / 255.0, y, None, True)
    assert prob.X.dtype == np.float64
    prob = Problem(X - 0.5, y, None, True)
    assert prob.X.dtype == np.float32  # halves are exact in float32


# ---------------------------------------------------------------------------
# large d / sparse: the diagonal (Jacobi) preconditioner, no d x d matrix
# ---------------------------------------------------------------------------


@pytest.fixture
def jacobi_only(monkeypatch):
    """Route every problem to the diagonal preconditioner (as for large d)."""
    from sklearn_tilt._solvers.softplus import _precond

    monkeypatch.setattr(_precond, "FACTOR_MAX_D", 0)


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("lam", [1e-1, 1e2])
def test_jacobi_route_matches_sklearn(mnist35, jacobi_only, lam, sparse):
    X, y = mnist35
    X_ = sp.csr_matrix(X) if sparse else X
    s = np.ones(len(y))
    res = softplus_solve(X_, y, s, lam, tol=TOL, max_iter=200)
    _check_against_reference(X, y, s, lam, res)


def _text_like(n, d, nnz_per_row, seed, index_dtype=np.int32):
    """Small CSR data with Zipf columns and unit-norm rows (labels with 10% noise)."""
    rng = np.random.RandomState(seed)
    p = 1.0 / np.arange(1, d + 1) ** 1.1
    cols = rng.choice(d, size=n * nnz_per_row, p=p / p.sum())
    rows = np.repeat(np.arange(n), nnz_per_row)
    X = sp.csr_matrix((rng.exponential(size=cols.size) + 0.1, (rows, cols)), shape=(n, d))
    X.sum_duplicates()
    X = sp.diags(1.0 / np.sqrt(X.multiply(X).sum(axis=1).A1)) @ X
    X = sp.csr_matrix(X)
    X.sort_indices()
    w = rng.standard_normal(d)
    y = np.where(X @ w > np.median(X @ w), 1.0, -1.0)
    y[rng.rand(n) < 0.1] *= -1
    return X, y


def test_sparse_large_d_bounded_memory():
    """d = 200000 sparse: the (d+1)^2 Hessian would need 320 GB; the fit stays
    within a few O(n + d) vectors and matches the reference objective."""
    import tracemalloc

    n, d = 2000, 200_000
    X, y = _text_like(n, d, 20, seed=0)
    lam = 1e-4
    softplus_solve(X[:50], y[:50], None, lam, tol=TOL, max_iter=100)  # compile
    tracemalloc.start()
    res = softplus_solve(X, y, None, lam, tol=TOL, max_iter=200)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    data_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    assert peak <= 3 * data_bytes + 40 * 8 * (n + d)
    s = np.ones(n)
    assert res.converged and res.gap <= TOL
    assert abs(res.primal - _obj(X, y, s, lam, res.coef, res.intercept)) <= 1e-12 * res.primal
    ref = LogisticRegression(C=1.0 / (2.0 * lam * n), tol=1e-10, max_iter=10_000).fit(X, y)
    p_ref = _obj(X, y, s, lam, ref.coef_.ravel(), ref.intercept_[0])
    assert res.primal - p_ref <= res.gap * res.primal + 1e-13 * res.primal
    assert abs(res.primal - p_ref) <= 1e-6 * p_ref


def test_csr_with_int64_indices():
    X, y = _text_like(500, 5000, 15, seed=1)
    X64 = X.copy()
    X64.indices = X64.indices.astype(np.int64)
    X64.indptr = X64.indptr.astype(np.int64)
    assert X64.indices.dtype == np.int64
    lam = 1e-3
    r32 = softplus_solve(X, y, None, lam, tol=TOL, max_iter=200)
    r64 = softplus_solve(X64, y, None, lam, tol=TOL, max_iter=200)
    assert r64.converged and r64.gap <= TOL
    _assert_same_coef(r64, r32, lam)
    assert abs(r64.primal - r32.primal) <= 1e-12 * r32.primal


# ---------------------------------------------------------------------------
# the certificate is a bound at every lam, down to the hard-margin end
# ---------------------------------------------------------------------------


def _separable(flip=0):
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1], 100)
    X = rng.rand(200, 20)
    X[y == 1, :10] += 3
    X *= 255 / X.max()
    if flip:  # near-separable: a few labels on the wrong side
        y = y.copy()
        y[rng.choice(200, flip, replace=False)] ^= 1
    return X, y


@pytest.mark.parametrize("route", ["cholesky", "jacobi"])
@pytest.mark.parametrize("scale", [1e-25, 1e22, 1e100])
def test_extreme_data_scale_is_solved(monkeypatch, route, scale):
    """``X -> scale X``, ``lam -> scale**2 lam`` is the same problem (``w -> w / scale``).
    Squared norms far outside float32's range (1e-50, 1e44, 1e200 here) must not reach
    a float32 preconditioner: the fit is the unscaled one, certified."""
    from sklearn_tilt._solvers.softplus import _precond

    if route == "jacobi":
        monkeypatch.setattr(_precond, "FACTOR_MAX_D", 0)
    rng = np.random.RandomState(0)
    X = rng.rand(300, 30)
    y = np.where(X[:, 0] + 0.3 * rng.randn(300) > 0.5, 1.0, -1.0)
    lam = 1e-2
    ref = softplus_solve(X, y, None, lam, tol=TOL, max_iter=200)
    res = softplus_solve(X * scale, y, None, lam * scale**2, tol=TOL, max_iter=200)
    assert res.converged and 0.0 <= res.gap <= TOL
    # the scaled fit, evaluated on the unscaled problem, is within its certificate
    s = np.ones(len(y))
    p = _obj(X, y, s, lam, res.coef * scale, res.intercept)
    assert abs(p - ref.primal) <= (res.gap + ref.gap + 1e-12) * ref.primal
    radius = _radius(ref, lam) + _radius(res, lam * scale**2) * scale
    assert np.linalg.norm(res.coef * scale - ref.coef) <= radius + 1e-9 * np.linalg.norm(ref.coef)


@pytest.mark.parametrize("route", ["cholesky", "jacobi"])
@pytest.mark.parametrize("flip", [0, 3])
@pytest.mark.parametrize("lam", [1e-9, 1e-7, 1e-5, 1e-3, 1e-2])
def test_gap_bounds_suboptimality_at_small_lam(monkeypatch, route, flip, lam):
    from sklearn_tilt._solvers.softplus import _precond

    if route == "jacobi":
        monkeypatch.setattr(_precond, "FACTOR_MAX_D", 0)
    X, y01 = _separable(flip)
    y = _pm(y01)
    n = len(y)
    s = np.ones(n)
    res = softplus_solve(X, y, s, lam, tol=1e-7, max_iter=1000)
    assert res.converged and 0.0 <= res.gap <= 1e-7
    ours = _obj(X, y, s, lam, res.coef, res.intercept)
    assert abs(res.primal - ours) <= 1e-12 * ours
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = LogisticRegression(C=1.0 / (2.0 * n * lam), tol=1e-12, max_iter=100_000)
        ref.fit(X, y01)
    p_ref = _obj(X, y, s, lam, ref.coef_.ravel(), ref.intercept_[0])
    # P(ours) - P* <= gap * P(ours), and P(ref) >= P*
    assert ours - p_ref <= res.gap * ours + 1e-12 * ours


@pytest.mark.parametrize("route", ["cholesky", "jacobi"])
def test_path_gaps_bound_suboptimality_down_to_tiny_lam(monkeypatch, route):
    from sklearn_tilt._solvers.softplus import _precond

    if route == "jacobi":
        monkeypatch.setattr(_precond, "FACTOR_MAX_D", 0)
    X, y01 = _separable()
    y = _pm(y01)
    s = np.ones(len(y))
    lams = [1e-9, 1e-8, 1e-6, 1e-2, 1e12]
    results = softplus_path(X, y, s, lams, tol=1e-7, max_iter=1000)
    for lam, res in zip(lams, results):
        assert res.converged and 0.0 <= res.gap <= 1e-7
        single = softplus_solve(X, y, s, lam, tol=1e-12, max_iter=1000)
        ours = _obj(X, y, s, lam, res.coef, res.intercept)
        best = min(single.primal, ours)
        assert ours - best <= res.gap * ours + 1e-12 * ours


def test_loss_functions_agree_with_numpy():
    """The numba scalars of ``_losses`` against float64 numpy/scipy at every magnitude."""
    from scipy.special import expit as sp_expit

    from sklearn_tilt._solvers import _losses

    z = np.concatenate(
        [-np.logspace(-8, np.log10(745.0), 60), [0.0], np.logspace(-8, np.log10(745.0), 60)]
    )
    sp_ = np.array([_losses.softplus(v) for v in z])
    np.testing.assert_allclose(sp_, _losses.loss_values(z, "softplus"), rtol=1e-14, atol=0)
    np.testing.assert_allclose(sp_, np.logaddexp(0.0, -z), rtol=1e-14, atol=0)
    # atol: scipy flushes exp(-745) = 5e-324 (subnormal) to 0
    np.testing.assert_allclose([_losses.expit(v) for v in z], sp_expit(z), rtol=1e-14, atol=1e-320)
    np.testing.assert_allclose(
        [_losses.softplus_curvature(v) for v in z],
        sp_expit(z) * sp_expit(-z),
        rtol=1e-13,
        atol=1e-320,
    )
    hinge = np.array([_losses.hinge(v) for v in z])
    np.testing.assert_array_equal(hinge, np.maximum(1.0 - z, 0.0))
    np.testing.assert_array_equal(hinge, _losses.loss_values(z, "hinge"))
    with pytest.raises(ValueError, match="loss must be"):
        _losses.loss_values(z, "squared")


def test_stop_message_names_the_cause(mnist35):
    X, y = mnist35
    s = np.ones(len(y))
    res = softplus_solve(X, y, s, 10.0, tol=TOL, max_iter=1)
    assert not res.converged and "max_iter=1" in res.message
    assert softplus_solve(X, y, s, 10.0, tol=TOL, max_iter=200).message == ""
    # a tol below rounding: either reached exactly or a stall named as such
    res = softplus_solve(X, y, s, 10.0, tol=1e-300, max_iter=10_000)
    if res.converged:
        assert res.gap <= 1e-300 and res.message == ""
    else:
        assert "floating point" in res.message and res.n_iter < 10_000


def test_intercept_polish_stays_at_the_optimum():
    """The 1-D Newton polish of the intercept returns the minimiser from any start,
    including starts at the minimiser itself (a step below rounding) and far away."""
    from numba import njit

    from sklearn_tilt._solvers.softplus import _passes

    polish = _passes.polish_intercept

    @njit
    def run(y, c, z, b0):
        return polish(y, c, z, b0)

    rng = np.random.RandomState(0)
    n = 1000
    y = np.where(rng.rand(n) < 0.3, 1.0, -1.0)
    c = np.full(n, 1.0 / n)
    z = 3.0 * rng.randn(n)
    b_star = run(y, c, z, 0.0)
    slope = -np.sum(c * y / (1.0 + np.exp(y * (z + b_star))))
    assert abs(slope) <= 1e-14
    starts = [
        b_star,
        np.nextafter(b_star, np.inf),
        np.nextafter(b_star, -np.inf),
        b_star + 1e-12,
        b_star - 5.0,
        b_star + 40.0,
    ]
    for b0 in starts:
        assert abs(run(y, c, z, b0) - b_star) <= 1e-12 * max(1.0, abs(b_star)), b0


# ---------------------------------------------------------------------------
# every input representation, lam 1e-9..1e12: the reference and the certificate
# ---------------------------------------------------------------------------

SWEEP_LAMS = [1e-9, 1e-4, 1e-1, 1e2, 1e5, 1e12]


@pytest.fixture(scope="module")
def digits_halves():
    """400 of scikit-learn's digits, classes {0..4} against {5..9}: integer pixels, so that
    float32, float64, dense and CSR copies hold the same values (the same problem)."""
    from sklearn.datasets import load_digits

    X, t = load_digits(return_X_y=True)
    X, t = X[:400], t[:400]
    return np.ascontiguousarray(X), np.where(t < 5, 1.0, -1.0)


def _representations(X):
    X32 = X.astype(np.float32)
    return {"dense64": X, "dense32": X32, "csr64": sp.csr_matrix(X), "csr32": sp.csr_matrix(X32)}


def _lbfgs_objective(X, y, s, lam):
    """The objective that ``LogisticRegression(lbfgs)`` reaches with a tiny tol: an
    upper bound on the optimum (whether or not lbfgs converged)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    ref = LogisticRegression(
        C=1.0 / (2.0 * lam * s.sum()), solver="lbfgs", tol=1e-14, max_iter=5000
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref.fit(X, y, sample_weight=s)
    return _obj(X, y, s, lam, ref.coef_.ravel(), float(ref.intercept_[0]))


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("lam", SWEEP_LAMS)
def test_every_representation_is_certified_against_lbfgs(digits_halves, lam, weighted):
    """Dense/CSR x float32/float64, with and without (zero) weights: each fit is
    certified, its reported primal is its true objective, it is never worse than lbfgs
    by more than its certificate allows, and all fits agree within their certificates."""
    X, y = digits_halves
    rng = np.random.default_rng(1)
    s = rng.integers(0, 4, size=len(y)).astype(np.float64) if weighted else np.ones(len(y))
    p_ref = _lbfgs_objective(X, y, s, lam)
    fits = {}
    for name, X_ in _representations(X).items():
        res = softplus_solve(X_, y, s, lam, tol=TOL, max_iter=500)
        assert res.converged and 0.0 <= res.gap <= TOL, name
        ours = _obj(X, y, s, lam, res.coef, res.intercept)
        assert abs(res.primal - ours) <= 1e-12 * ours, name
        assert ours - p_ref <= res.gap * ours + 1e-13 * ours, name
        fits[name] = res
    if lam >= 1e-1:  # lbfgs converges here: the two agree
        assert abs(fits["dense64"].primal - p_ref) <= 1e-8 * p_ref
    base = fits["dense64"]
    for name, res in fits.items():
        _assert_same_coef(res, base, lam)
        assert abs(res.primal - base.primal) <= 1e-12 * base.primal, name


@pytest.mark.parametrize("name", ["dense64", "dense32", "csr64", "csr32"])
def test_path_over_the_sweep_matches_single_fits(digits_halves, name):
    X, y = digits_halves
    s = np.random.default_rng(2).uniform(0.0, 2.0, size=len(y))
    X_ = _representations(X)[name]
    path = softplus_path(X_, y, s, SWEEP_LAMS, tol=1e-7, max_iter=500)
    for lam, res in zip(SWEEP_LAMS, path):
        single = softplus_solve(X_, y, s, lam, tol=TOL, max_iter=500)
        assert res.converged and 0.0 <= res.gap <= 1e-7
        ours = _obj(X, y, s, lam, res.coef, res.intercept)
        assert abs(res.primal - ours) <= 1e-12 * ours
        # both are certified: they are within their gaps of each other
        assert abs(res.primal - single.primal) <= (res.gap + single.gap) * ours + 1e-13 * ours
        _assert_same_coef(res, single, lam)


def test_result_counts_the_work(digits_halves):
    """``stats`` in the result: Newton steps (= n_iter), conjugate-gradient iterations,
    other passes over X and factorisations (none where the penalty dominates)."""
    X, y = digits_halves
    small = softplus_solve(X, y, None, 1e-2, tol=TOL, max_iter=500)
    keys = {"newton_steps", "pcg_iterations", "other_passes", "factorisations"}
    assert set(small.stats) == keys
    assert small.stats["newton_steps"] == small.n_iter >= 1
    assert small.stats["pcg_iterations"] >= small.n_iter
    assert small.stats["factorisations"] >= 1
    big = softplus_solve(X, y, None, 1e12, tol=TOL, max_iter=500)
    assert big.stats["factorisations"] == 0 and big.stats["newton_steps"] == big.n_iter
    for res in softplus_path(X, y, None, [1e3, 1.0, 1e-3], tol=1e-7, max_iter=500):
        assert res.stats["newton_steps"] == res.n_iter
        assert res.stats["pcg_iterations"] >= res.n_iter


def test_results_do_not_depend_on_the_clock(monkeypatch):
    # the refresh rule of the Cholesky preconditioner counts work, it does not time
    # it: a clock that jumps at random must not change a single bit of a path
    import time  # patched below

    X, y = load_digits(return_X_y=True)
    X = np.ascontiguousarray(X[:800], dtype=np.float64)
    y = np.where(y[:800] < 5, 1.0, -1.0)
    s = np.ones(X.shape[0])
    lams = np.logspace(1, -5, 13)
    ref = softplus_path(X, y, s, lams, tol=1e-10, max_iter=1000)
    rng = np.random.default_rng(0)
    monkeypatch.setattr(time, "perf_counter", lambda: float(rng.uniform(0, 1e6)))
    monkeypatch.setattr(time, "process_time", lambda: float(rng.uniform(0, 1e6)))
    got = softplus_path(X, y, s, lams, tol=1e-10, max_iter=1000)
    for a, b in zip(ref, got):
        assert np.array_equal(a.coef, b.coef) and a.intercept == b.intercept


# ---------------------------------------------------------------------------
# the certificate's bound without a pass over X, and what a first fit compiles
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("lam", [1e-4, 1.0])
def test_reported_gap_bounds_the_exact_gap_of_the_dual_point(digits_halves, lam):
    """The certificate bounds ``||2 lam w - v(u')||`` by the triangle inequality (no pass
    over X for the class sum): the reported gap is at least ``P - D(u')`` of the returned
    dual point, evaluated here from scratch in float64, and equal to it up to rounding."""
    from scipy.special import xlogy

    X, y = digits_halves
    X = X.astype(np.float64)
    s = np.random.default_rng(3).uniform(0.5, 2.0, size=len(y))
    for tol in (1e-3, 1e-9):
        res = softplus_solve(X, y, s, lam, tol=tol, max_iter=500)
        c = s / s.sum()
        u = res.dual * 2.0 * lam / c  # the feasible dual point in [0, 1]
        assert np.all((u >= 0.0) & (u <= 1.0))
        assert abs(np.dot(c * u, y)) <= 1e-15
        ent = -xlogy(u, u) - xlogy(1.0 - u, 1.0 - u)
        vu = X.T @ (c * u * y)
        D = np.dot(c, ent) - np.dot(vu, vu) / (4.0 * lam)
        exact = res.primal - D
        P = res.primal
        assert res.gap * P >= exact - 1e-13 * P
        assert res.gap * P <= exact + 1e-12 * P + 1e-3 * exact


def test_dense_first_fit_compiles_only_dense_passes(tmp_path):
    """On an empty cache, a dense fit compiles a few short kernels of ``_passes``
    (the dense passes over X and the passes over the samples), nothing of CSR input."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, numpy as np\n"
        "from sklearn.datasets import load_digits\n"
        "from sklearn_tilt import ScaledLossLinearClassifier\n"
        "from numba.core.registry import CPUDispatcher\n"
        "import sklearn_tilt._solvers.softplus._passes as P\n"
        "X, y = load_digits(return_X_y=True)\n"
        "ScaledLossLinearClassifier(loss='softplus').fit(X[:600], y[:600] < 5)\n"
        "import sys\n"
        "out = sorted(f'{m}.{k}' for m, mod in list(sys.modules.items())\n"
        "             if m.startswith('sklearn_tilt._solvers.softplus') and mod\n"
        "             for k, v in vars(mod).items()\n"
        "             if isinstance(v, CPUDispatcher) and v.signatures)\n"
        "print('KERNELS ' + json.dumps(sorted(set(out))))\n"
    )
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path), SKLEARN_TILT_JIT="always")
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=600
    )
    assert proc.returncode == 0, proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("KERNELS "))
    names = {n.rsplit(".", 1)[-1] for n in json.loads(line[len("KERNELS ") :])}
    assert names == {"dense_dots", "dense_tdot", "sample_parts", "polish_intercept", "line_values"}


def test_compile_kernels_covers_every_stored_type(monkeypatch):
    """After ``compile_kernels``, fits on data stored in any of the value types, dense or
    CSR, with either preconditioner, compile nothing more."""
    from sklearn_tilt._solvers import compile_count, jit_mode
    from sklearn_tilt._solvers.softplus import _precond
    from sklearn_tilt._solvers.softplus._problem import STORED_VALUES
    from sklearn_tilt._solvers.softplus._warm import _stored_as, compile_kernels

    done = compile_kernels()
    names = [np.dtype(t).name for t in STORED_VALUES]
    assert sorted(done) == sorted((lay, n) for lay in ("dense", "csr") for n in names)
    rng = np.random.RandomState(1)
    with jit_mode("always"):
        before = compile_count()
        if before is None:
            pytest.skip("numba does not report compiles here")
        for max_d in (_precond.FACTOR_MAX_D, 0):  # Cholesky, then the diagonal
            monkeypatch.setattr(_precond, "FACTOR_MAX_D", max_d)
            for t in STORED_VALUES:
                for sparse in (False, True):
                    X, y = _stored_as(t, sparse, rng)
                    res = softplus_solve(X, y, None, 1e-2, tol=1e-8, max_iter=100)
                    assert res.converged
        assert compile_count() == before
