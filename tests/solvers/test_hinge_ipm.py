"""The interior-point hinge method: the large-C end of small problems (issue 23)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.svm import SVC

from sklearn_tilt import ScaledLossLinearClassifier
from sklearn_tilt._solvers import hinge_method, primal_objective, solve_binary


def _overlap(n, d, seed=1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.where(X[:, 0] + 0.3 * rng.normal(size=n) > 0, 1.0, -1.0)
    return X, y


@pytest.mark.parametrize(
    "n, d, lam", [(60, 4, 1e-7), (60, 4, 1e-9), (300, 10, 1e-9), (1000, 20, 1e-8), (1000, 20, 1e-9)]
)
def test_large_c_reaches_tol(n, d, lam):
    X, y = _overlap(n, d)
    assert hinge_method(X) == "interior_point"
    r = solve_binary(X, y, np.ones(n), lam, "hinge", tol=1e-7, max_iter=1000)
    assert r.converged and r.gap <= 1e-7
    P = primal_objective(X, y, np.ones(n), lam, "hinge", r.coef, r.intercept)
    assert abs(P - r.primal) <= 1e-9 * max(P, 1.0)


@pytest.mark.parametrize("lam", [1e-9, 1e-6, 1e-3, 1.0, 1e3, 1e12])
@pytest.mark.parametrize("variant", ["dense", "csr", "weighted", "separable"])
def test_certificate_against_svc(lam, variant):
    n, d = 60, 4
    X, y = _overlap(n, d, seed=3)
    s = np.ones(n)
    if variant == "weighted":
        s = np.random.default_rng(0).uniform(0.0, 3.0, size=n)
        s[:5] = 0.0
    if variant == "separable":
        y = np.where(X[:, 0] > 0, 1.0, -1.0)
        X = X + 0.5 * y[:, None] * np.eye(d)[0]
    Xf = sp.csr_matrix(X) if variant == "csr" else X
    r = solve_binary(Xf, y, s, lam, "hinge", tol=1e-7, max_iter=1000)
    assert r.converged and r.gap <= 1e-7
    P = primal_objective(X, y, s, lam, "hinge", r.coef, r.intercept)
    # the certificate bounds the distance to the peer's optimum
    C = 1.0 / (2.0 * lam * s.sum())
    if C <= 1e4:
        svc = SVC(kernel="linear", C=C, tol=1e-10).fit(X, y, sample_weight=s)
        P_svc = primal_objective(X, y, s, lam, "hinge", svc.coef_.ravel(), svc.intercept_[0])
        assert P <= P_svc * (1.0 + 1e-7) + 1e-15


def test_estimator_large_c_no_warning():
    X, y = _overlap(60, 4)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = ScaledLossLinearClassifier(lam=1e-9).fit(X, (y > 0).astype(int))
    assert clf.dual_gap_ <= 1e-7


def test_bad_start_shapes_rejected():
    X, y = _overlap(30, 3)
    with pytest.raises(ValueError, match="dual_init"):
        solve_binary(
            X,
            y,
            np.ones(30),
            1e-3,
            "hinge",
            tol=1e-7,
            max_iter=10,
            dual_init=np.ones(7),
            method="interior_point",
        )
    with pytest.raises(ValueError, match="coef_init"):
        solve_binary(
            X,
            y,
            np.ones(30),
            1e-3,
            "hinge",
            tol=1e-7,
            max_iter=10,
            coef_init=np.ones(7),
            method="interior_point",
        )


def test_slow_start_is_not_taken_for_a_stall():
    """The README's first example: digits one-vs-rest at lam=1e-3, where the mean
    complementarity grows for about 20 iterations before it falls; certified by the
    interior point itself, without the active-set fallback."""
    from sklearn.datasets import load_digits

    from sklearn_tilt._solvers._problem import problem_of
    from sklearn_tilt._solvers.hinge._ipm import interior_point_solve

    X, y = load_digits(return_X_y=True)
    yy = np.where(y[:1437] == 1, 1.0, -1.0)
    s = np.ones(yy.shape[0])
    Xf = np.ascontiguousarray(X[:1437], dtype=np.float64)
    r = interior_point_solve(problem_of(Xf, yy, s, s.sum(), 1e-7, 1000, True), 1e-3)
    assert r.converged and r.gap <= 1e-7, r.message


def test_one_blas_thread_after_fork():
    """The threadpool controller made once per process still limits BLAS in a
    process forked after it was made."""
    import multiprocessing

    from sklearn_tilt._solvers._threads import one_blas_thread

    with one_blas_thread():
        pass
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        seen = pool.apply(_blas_threads_inside)
    assert seen and all(t == 1 for t in seen)


def _blas_threads_inside():
    from threadpoolctl import threadpool_info

    from sklearn_tilt._solvers._threads import one_blas_thread

    with one_blas_thread():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]


def _digits_problem(label=1):
    from sklearn.datasets import load_digits

    from sklearn_tilt._solvers._problem import problem_of

    X, y = load_digits(return_X_y=True)
    yy = np.where(y[:1437] == label, 1.0, -1.0)
    s = np.ones(yy.shape[0])
    Xf = np.ascontiguousarray(X[:1437], dtype=np.float64)
    return problem_of(Xf, yy, s, s.sum(), 1e-7, 1000, True)


@pytest.mark.parametrize("lam", [1e-3, 1e-1, 10.0])
def test_float32_newton_matrices_same_solution(monkeypatch, lam):
    """The float32 Newton matrices change the search directions only: every iterate
    in float32 or none, the certified solution is the same, in about as many
    iterations."""
    from sklearn_tilt._solvers.hinge import _ipm

    prob = _digits_problem()
    runs = {}
    for mu_low in (0.0, np.inf):
        monkeypatch.setattr(_ipm, "_MU_LOW", mu_low)
        r = _ipm.interior_point_solve(prob, lam)
        assert r.converged and r.gap <= 1e-7, r.message
        runs[mu_low] = r
    lo, hi = runs[0.0], runs[np.inf]
    assert abs(lo.primal - hi.primal) <= 1e-9 * hi.primal
    np.testing.assert_allclose(lo.coef, hi.coef, rtol=1e-6, atol=1e-9 * np.abs(hi.coef).max())
    assert abs(lo.n_iter - hi.n_iter) <= 3


def test_float32_newton_matrix_close_and_fallbacks():
    from sklearn_tilt._solvers.hinge._ipm import _newton_factor, _Rows

    rows = _Rows(_digits_problem())
    m, k = rows.Y.shape
    D = np.random.default_rng(0).uniform(1e-3, 1.0, size=m)
    reg = np.full(k, 1e-2)
    buf = np.empty_like(rows.Y)
    c64 = np.triu(_newton_factor(rows, reg, D, buf))
    c32 = np.triu(_newton_factor(rows, reg, D, buf, low=True))
    atol = 1e-5 * np.abs(c64).max() ** 2
    np.testing.assert_allclose(c32.T @ c32, c64.T @ c64, rtol=1e-5, atol=atol)
    # D beyond float32's range: scaled by its largest entry, still close
    big = np.triu(_newton_factor(rows, reg * 1e300, D * 1e300, buf, low=True))
    np.testing.assert_allclose(big.T @ big / 1e300, c64.T @ c64, rtol=1e-5, atol=atol)
    # no float32 rows (entries beyond float32) or an infinite D: the float64 matrix
    rows.Y32 = rows.buf32 = None
    np.testing.assert_array_equal(np.triu(_newton_factor(rows, reg, D, buf, low=True)), c64)


def test_rows_beyond_float32_have_no_float32_copy():
    from sklearn_tilt._solvers._problem import problem_of
    from sklearn_tilt._solvers.hinge._ipm import _Rows

    X, y = _overlap(40, 3)
    X[0, 0] = 1e39
    s = np.ones(40)
    assert _Rows(problem_of(X, y, s, s.sum(), 1e-7, 100, True)).Y32 is None


def test_finish_without_a_solvable_partition(monkeypatch):
    """Every partition refused by the finish (none solvable): the interior point goes on
    and certifies its own point (this raised a TypeError when the first finish found no
    partition)."""
    from sklearn_tilt._solvers.hinge import _ipm_finish

    monkeypatch.setattr(_ipm_finish, "_MAX_FREE", -1)
    X, y = _overlap(300, 10)
    for lam in (1e-3, 1.0, 1e3):
        r = solve_binary(X, y, np.ones(300), lam, "hinge", tol=1e-7, max_iter=1000)
        assert r.converged and r.gap <= 1e-7, (lam, r.message)


def test_finish_builds_no_system_beyond_twice_the_unknowns(monkeypatch):
    """Large ``lam`` on 5000 x 100: the partitions of the early finishes put thousands of
    samples on the margin; such systems are singular (more margin rows than unknowns) and
    least squares on them took seconds each. They are skipped, and the fit certifies."""
    from sklearn.datasets import make_classification

    from sklearn_tilt._solvers.hinge import _ipm_finish

    sizes = []
    solve = _ipm_finish._solve_or_lstsq
    monkeypatch.setattr(
        _ipm_finish, "_solve_or_lstsq", lambda A, rhs: sizes.append(A.shape[0]) or solve(A, rhs)
    )
    X, yc = make_classification(5000, 100, n_informative=30, n_classes=3, random_state=2)
    y = np.where(yc == 0, 1.0, -1.0)
    assert hinge_method(X) == "interior_point"
    r = solve_binary(X, y, np.ones(5000), 1e3, "hinge", tol=1e-7, max_iter=1000)
    assert r.converged and r.gap <= 1e-7
    assert sizes and max(sizes) <= 101 + 2 * 101, max(sizes)
