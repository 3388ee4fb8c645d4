"""Regularisation paths, the CV estimator and the parallel scale-out helper."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from sklearn_tilt import (
    ScaledLossLinearClassifier,
    ScaledLossLinearClassifierCV,
    fit_paths,
    scaled_loss_path,
)
from sklearn_tilt._solvers import primal_objective
from sklearn_tilt.linear_model import PAPER_LAMS

LOSSES = ["hinge", "softplus"]


def test_paper_grid():
    assert PAPER_LAMS.shape == (81,)
    assert PAPER_LAMS[0] == 0.1 and PAPER_LAMS[-1] == 1e7
    np.testing.assert_allclose(np.diff(np.log10(PAPER_LAMS)), 0.1)


@pytest.mark.parametrize("loss", LOSSES)
def test_path_equals_independent_fits(mnist_pair, loss):
    X, y = mnist_pair
    lams = np.array([1e3, 1e-1, 1e5, 1.0, 1e7, 1e1])  # any order; results follow it
    out_lams, coefs, intercepts, n_iters, gaps = scaled_loss_path(
        X, y, lams=lams, loss=loss, return_gaps=True
    )
    np.testing.assert_array_equal(out_lams, lams)
    assert coefs.shape == (6, X.shape[1])
    ysg = np.where(y == 5, 1.0, -1.0)
    ones = np.ones(len(y))
    for k, lam in enumerate(lams):
        single = ScaledLossLinearClassifier(loss=loss, lam=lam).fit(X, y)
        ours = primal_objective(X, ysg, ones, lam, loss, coefs[k], intercepts[k])
        assert abs(ours - single.objective_[0]) <= 1e-6 * abs(single.objective_[0])
        assert gaps[k] <= 1e-7


@pytest.mark.parametrize("loss", LOSSES)
def test_warm_start_reduces_iterations(mnist_pair, loss):
    X, y = mnist_pair
    lams = 10.0 ** np.arange(0.0, 1.01, 0.2)
    *_, n_iters = scaled_loss_path(X, y, lams=lams, loss=loss)
    cold = [ScaledLossLinearClassifier(loss=loss, lam=lam).fit(X, y).n_iter_ for lam in lams]
    assert n_iters.sum() < 0.5 * np.sum(cold)


def test_path_float32_keeps_dtype(digits_pair):
    X, y = digits_pair
    _, coefs, _, _ = scaled_loss_path(X.astype(np.float32), y, n_lams=5)
    assert coefs.dtype == np.float32


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"lams": [1.0, -1.0]}, "lams"),
        ({"lams": [np.nan]}, "lams"),
        ({"lams": []}, "empty"),
        ({"n_lams": 0}, "n_lams"),
        ({"loss": "squared"}, "loss"),
        ({"tol": 0.0}, "tol"),
    ],
)
def test_path_bad_parameters(digits_pair, kwargs, match):
    X, y = digits_pair
    with pytest.raises(ValueError, match=match):
        scaled_loss_path(X, y, **kwargs)


def test_path_needs_binary_target():
    X, y = load_digits(n_class=3, return_X_y=True)
    with pytest.raises(ValueError, match="binary"):
        scaled_loss_path(X, y)
    with pytest.raises(ValueError, match="NaN"):
        scaled_loss_path(np.full((4, 2), np.nan), [0, 1, 0, 1])


@pytest.mark.parametrize("n_class", [2, 3])
def test_cv_picks_the_same_lam_as_grid_search(n_class):
    X, y = load_digits(n_class=n_class, return_X_y=True)
    X = X[:300] * (255.0 / 16.0)
    y = y[:300]
    lams = np.logspace(-1, 7, 9)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    ours = ScaledLossLinearClassifierCV(lams=lams, cv=cv, tol=1e-9).fit(X, y)
    grid = GridSearchCV(ScaledLossLinearClassifier(tol=1e-9), {"lam": lams}, cv=cv).fit(X, y)
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], grid.cv_results_["mean_test_score"]
    )
    assert ours.lam_ == grid.best_params_["lam"]
    assert ours.scores_.shape == (3, 9)
    np.testing.assert_allclose(
        ours.coef_, grid.best_estimator_.coef_, rtol=1e-4, atol=1e-6 * np.abs(ours.coef_).max()
    )


def test_cv_selects_on_a_user_trade_off(digits_pair):
    X, y = digits_pair

    def small_norm(est, X, y):  # prefers the largest lam: ||w|| falls as lam grows
        return -float(est.scale_[0])

    lams = [1e-1, 1e1, 1e3]
    clf = ScaledLossLinearClassifierCV(lams=lams, cv=3, scoring=small_norm).fit(X, y)
    assert clf.lam_ == 1e3
    clf = ScaledLossLinearClassifierCV(lams=lams, cv=3, refit=False).fit(X, y)
    assert clf.coef_.shape == (1, X.shape[1])


def test_fit_paths_matches_scaled_loss_path():
    X, y = load_digits(n_class=4, return_X_y=True)
    paths = fit_paths(X, y, n_lams=5, n_jobs=2)
    assert list(paths) == [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
    mask = (y == 1) | (y == 3)
    yb = np.where(y[mask] == 3, 1.0, -1.0)
    lams, coefs, intercepts, _ = scaled_loss_path(X[mask], y[mask], n_lams=5)
    ones = np.ones(mask.sum())
    sub = fit_paths(X, y, pairs=[(3, 1)], n_lams=5)
    for k, lam in enumerate(lams):
        ref = primal_objective(X[mask], yb, ones, lam, "hinge", coefs[k], intercepts[k])
        # the same problems, solved in worker processes (another summation order)
        got = primal_objective(
            X[mask], yb, ones, lam, "hinge", paths[(1, 3)][1][k], paths[(1, 3)][2][k]
        )
        assert abs(got - ref) <= 1e-6 * ref
        # (3, 1) codes class 1 as +1: the same boundary with the opposite sign
        flipped = primal_objective(
            X[mask], -yb, ones, lam, "hinge", sub[(3, 1)][1][k], sub[(3, 1)][2][k]
        )
        assert abs(flipped - ref) <= 1e-6 * ref
    with pytest.raises(ValueError, match="not in y"):
        fit_paths(X, y, pairs=[(1, 9)])


def test_fit_paths_on_a_local_dask_cluster():
    distributed = pytest.importorskip("distributed")
    from joblib import parallel_config

    X, y = load_digits(n_class=3, return_X_y=True)
    expected = fit_paths(X, y, n_lams=4)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        with parallel_config(backend="dask"):
            got = fit_paths(X, y, n_lams=4, n_jobs=-1)
        assert len(client.scheduler_info()["workers"]) == 2
    for pair in expected:
        np.testing.assert_allclose(
            got[pair][1], expected[pair][1], rtol=1e-3, atol=1e-3 * np.abs(expected[pair][1]).max()
        )
