"""Inputs checked once, with one rule per parameter; the defects of a bad-input battery."""

from unittest import mock

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits, make_classification
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_tilt import (
    ScaledLossLinearClassifier,
    ScaledLossLinearClassifierCV,
    fit_paths,
    scaled_loss_path,
)
from sklearn_tilt._solvers import solve_binary, solve_path
from sklearn_tilt.linear_model import _cv, _path, _scaled_loss

LOSSES = ["hinge", "softplus"]
SOLVER_TOL = "tol must be a (positive finite number|finite number > 0)"


@pytest.fixture(scope="module")
def data():
    return make_classification(120, 10, random_state=0)


# ----------------------------------------------------------------- range of the problem
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("sparse", [False, True])
def test_huge_X_is_a_clear_error(data, loss, sparse):
    """Was a NaN duality gap and accuracy 0.5 with a max_iter warning."""
    X, y = data
    Xb = X * 1e200
    Xb = sp.csr_matrix(Xb) if sparse else Xb
    with pytest.raises(ValueError, match=r"squared norm \|\|x\|\|\^2 of sample \d+ overflows"):
        ScaledLossLinearClassifier(loss=loss).fit(Xb, y)
    with pytest.raises(ValueError, match="overflows"):
        scaled_loss_path(Xb, y, lams=[1.0], loss=loss)
    with pytest.raises(ValueError, match="overflows"):
        ScaledLossLinearClassifierCV(loss=loss, lams=[1.0, 10.0], cv=2).fit(Xb, y)


def test_huge_float32_X_is_checked_in_float32(data):
    X, y = data
    X32 = (X * 1e19).astype(np.float32)  # finite in float32, ||x||^2 is not
    assert np.all(np.isfinite(X32))
    with pytest.raises(ValueError, match="too large for float32"):
        ScaledLossLinearClassifier().fit(X32, y)


@pytest.mark.parametrize("loss", LOSSES)
def test_tiny_lam_is_a_clear_error(data, loss):
    """Was scale_ = inf (hinge) or a zero w with an absurd gap (softplus)."""
    X, y = data
    with pytest.raises(ValueError, match=r"lam=1e-300 is too small for the scale of X"):
        ScaledLossLinearClassifier(loss=loss, lam=1e-300).fit(X, y)
    with pytest.raises(ValueError, match="too small"):
        scaled_loss_path(X, y, lams=[1.0, 1e-300], loss=loss)
    with pytest.raises(ValueError, match="too small"):
        fit_paths(X, y, lams=[1e-300], loss=loss)


def test_scale_check_follows_the_invariance(data):
    """(c X, c**2 lam) is the same problem: the check accepts both or neither."""
    X, y = data
    lam = 1e-2
    a = ScaledLossLinearClassifier(lam=lam).fit(X, y)
    c = ScaledLossLinearClassifier(lam=lam * 1e40**2).fit(X * 1e40, y)
    np.testing.assert_allclose(c.coef_ * 1e40, a.coef_, rtol=1e-5)
    np.testing.assert_allclose(c.scale_ * 1e40, a.scale_, rtol=1e-5)


# ----------------------------------------------------------------- warm start
@pytest.mark.parametrize("loss", LOSSES)
def test_warm_start_with_other_features_refits_from_scratch(data, loss):
    """Was "coef_init has shape (20,), expected (10,)", a parameter the user never passed."""
    X, y = data
    clf = ScaledLossLinearClassifier(loss=loss, warm_start=True).fit(X, y)
    X2 = np.hstack([X, X[:, ::-1]])
    clf.fit(X2, y)
    ref = ScaledLossLinearClassifier(loss=loss).fit(X2, y)
    assert clf.n_features_in_ == 20 and clf.coef_.shape == (1, 20)
    np.testing.assert_allclose(clf.objective_, ref.objective_, rtol=1e-6)
    clf.fit(X, y)  # and back
    assert clf.coef_.shape == (1, 10)


# ----------------------------------------------------------------- fit_paths
def test_fit_paths_with_one_class_is_an_error(data):
    """Was an empty dict."""
    X, y = data
    with pytest.raises(ValueError, match="at least 2 classes in y, got 1"):
        fit_paths(X, np.zeros(len(y)), lams=[1.0])


def test_fit_paths_validates_sample_weight(data):
    X, y = data
    sw = np.ones(len(y))
    sw[0] = -1.0
    with pytest.raises(ValueError, match="Negative values"):
        fit_paths(X, y, lams=[1.0], sample_weight=sw)


# ----------------------------------------------------------------- validate_params
@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"loss": "squared"}, "loss"),
        ({"tol": 0.0}, "tol"),
        ({"tol": -1.0}, "tol"),
        ({"max_iter": 0}, "max_iter"),
        ({"n_lams": 0}, "n_lams"),
        ({"fit_intercept": "yes"}, "fit_intercept"),
        ({"lams": "paper"}, "lams"),
        ({"intercept_init": "0"}, "intercept_init"),
    ],
)
def test_scaled_loss_path_parameters(data, kwargs, name):
    X, y = data
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of scaled_loss_path"):
        scaled_loss_path(X, y, **kwargs)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"loss": "squared"}, "loss"),
        ({"pairs": "some"}, "pairs"),
        ({"n_jobs": 1.5}, "n_jobs"),
        ({"n_lams": 0}, "n_lams"),
    ],
)
def test_fit_paths_parameters(data, kwargs, name):
    X, y = data
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of fit_paths"):
        fit_paths(X, y, **kwargs)


def test_one_tol_rule_everywhere(data):
    """tol > 0 in the estimators, the path functions and both solvers."""
    X, y = data
    ypm = np.where(y == 1, 1.0, -1.0)
    sw = np.ones(len(y))
    for loss in LOSSES:
        with pytest.raises(ValueError, match="tol"):
            ScaledLossLinearClassifier(loss=loss, tol=0.0).fit(X, y)
        with pytest.raises(ValueError, match="tol"):
            ScaledLossLinearClassifierCV(loss=loss, tol=0.0).fit(X, y)
        with pytest.raises(ValueError, match="tol"):
            scaled_loss_path(X, y, loss=loss, tol=0.0)
        with pytest.raises(ValueError, match=SOLVER_TOL):
            solve_binary(X, ypm, sw, 1.0, loss, tol=0.0, max_iter=10)
        with pytest.raises(ValueError, match=SOLVER_TOL):
            solve_path(X, ypm, sw, [1.0], loss, tol=0.0, max_iter=10)


def test_cv_constraints_derive_from_the_base_estimator():
    base = ScaledLossLinearClassifier._parameter_constraints
    cv = ScaledLossLinearClassifierCV._parameter_constraints
    for name in ("loss", "tol", "max_iter", "fit_intercept", "class_weight", "verbose"):
        assert cv[name] is base[name]
    assert set(cv) == set(ScaledLossLinearClassifierCV().get_params())


@pytest.mark.parametrize("loss", LOSSES)
def test_estimators_reach_the_solvers_with_check_input_false(data, loss):
    """The estimators validate once; the solvers skip their own scans."""
    X, y = data
    calls = []

    def spy(real):
        def wrapper(*args, **kwargs):
            calls.append(kwargs.get("check_input", True))
            return real(*args, **kwargs)

        return wrapper

    with mock.patch.object(_scaled_loss, "solve_binary", spy(solve_binary)):
        ScaledLossLinearClassifier(loss=loss).fit(X, y)
    with (
        mock.patch.object(_cv, "solve_path", spy(solve_path)),
        mock.patch.object(_scaled_loss, "solve_binary", spy(solve_binary)),
    ):
        ScaledLossLinearClassifierCV(loss=loss, lams=[1.0, 10.0], cv=2).fit(X, y)
    with mock.patch.object(_path, "solve_path", spy(solve_path)):
        scaled_loss_path(X, y, lams=[1.0], loss=loss)
        fit_paths(X, y, lams=[1.0], loss=loss)
    assert len(calls) == 1 + 3 + 2 and not any(calls)


def test_solvers_still_check_by_default():
    X = np.array([[0.0, np.nan], [1.0, 2.0]])
    for loss in LOSSES:
        with pytest.raises(ValueError, match="NaN"):
            solve_binary(X, np.array([-1.0, 1.0]), np.ones(2), 1.0, loss, tol=1e-7, max_iter=10)


def test_predict_proba_matches_the_sigmoid():
    """LinearClassifierMixin's one-vs-rest probabilities, as before."""
    X, y = load_digits(n_class=3, return_X_y=True)
    clf = ScaledLossLinearClassifier(loss="softplus", lam=1.0).fit(X, y)
    S = clf.decision_function(X)
    p = 1.0 / (1.0 + np.exp(-S))
    np.testing.assert_allclose(clf.predict_proba(X), p / p.sum(axis=1, keepdims=True))
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[np.argmax(S, axis=1)])
    assert not hasattr(ScaledLossLinearClassifier(loss="hinge").fit(X, y), "predict_proba")
