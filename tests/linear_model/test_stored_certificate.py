"""The certificate holds for the point as stored (float32 ``coef_`` for float32 input)."""

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from sklearn_tilt import ScaledLossLinearClassifier
from sklearn_tilt._solvers import primal_objective
from sklearn_tilt.linear_model import scaled_loss_path


def _separable():
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1], 100)
    X = rng.rand(200, 20)
    X[y == 1, :10] += 3
    X *= 255 / X.max()
    return X.astype(np.float32), y


@pytest.mark.parametrize("loss", ["hinge", "softplus"])
@pytest.mark.parametrize("lam", [1e-8, 1e-4, 1.0])
def test_float32_gap_bounds_stored_point(loss, lam):
    X32, y = _separable()
    X64 = X32.astype(np.float64)  # the same problem, solved and stored in float64
    y_pm = np.where(y == 1, 1.0, -1.0)
    s = np.ones(len(y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ref = ScaledLossLinearClassifier(loss=loss, lam=lam, tol=1e-10).fit(X64, y)
        clf = ScaledLossLinearClassifier(loss=loss, lam=lam).fit(X32, y)
    assert clf.coef_.dtype == np.float32
    p_opt = primal_objective(X64, y_pm, s, lam, loss, ref.coef_[0], float(ref.intercept_[0]))
    p_opt *= 1.0 - ref.dual_gap_[0]  # a lower bound of the optimum
    p_stored = primal_objective(
        X64, y_pm, s, lam, loss, clf.coef_[0].astype(np.float64), float(clf.intercept_[0])
    )
    assert clf.objective_[0] == pytest.approx(p_stored, rel=1e-14)
    assert clf.dual_gap_[0] > 0.0
    assert p_stored - p_opt <= clf.dual_gap_[0] * p_stored * (1 + 1e-9)

    _, coefs, intercepts, _, gaps = scaled_loss_path(
        X32, y, lams=[lam], loss=loss, return_gaps=True
    )
    p_path = primal_objective(
        X64, y_pm, s, lam, loss, coefs[0].astype(np.float64), float(intercepts[0])
    )
    assert p_path - p_opt <= gaps[0] * p_path * (1 + 1e-9)
