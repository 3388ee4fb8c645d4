"""The path helpers of ``metrics/_path_geometry``: nearest entries and the drawn curves."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from sklearn_tilt import scaled_loss_path
from sklearn_tilt.metrics._path_geometry import (
    PATH_CURVES,
    nearest_lam_index,
    path_curves,
    path_entries,
    path_entry,
    path_metrics,
)


@pytest.mark.parametrize(
    "lam, expected", [(1e-3, 0), (0.2, 0), (0.5, 1), (3.0, 1), (40.0, 2), (1e9, 3)]
)
def test_nearest_lam_index_on_log_scale(lam, expected):
    # 0.5 is nearer to 1 than to 0.1 on a log scale (not on a linear one)
    assert nearest_lam_index([0.1, 1.0, 10.0, 1e3], lam) == expected


def test_nearest_lam_index_any_order_and_ties():
    lams = [1e3, 0.1, 10.0]
    assert nearest_lam_index(lams, 0.09) == 1
    assert nearest_lam_index(lams, 1e4) == 0
    assert nearest_lam_index([1.0, 100.0], 10.0) == 0  # a tie goes to the first
    with pytest.raises(ValueError, match="empty"):
        nearest_lam_index([], 1.0)
    with pytest.raises(ValueError, match="> 0"):
        nearest_lam_index([0.0, 1.0], 1.0)
    with pytest.raises(ValueError, match="> 0"):
        nearest_lam_index([1.0], -1.0)


def test_path_entries_and_entry():
    lams = np.array([0.1, 1.0, 10.0])
    coefs = np.arange(6.0).reshape(3, 2)
    b = np.array([-1.0, 0.0, 1.0])
    sel = path_entries(lams, coefs, b, [9.0, 0.2])
    np.testing.assert_array_equal(sel[0], [10.0, 0.1])
    np.testing.assert_array_equal(sel[1], coefs[[2, 0]])
    np.testing.assert_array_equal(sel[2], [1.0, -1.0])
    for got, want in zip(path_entries(lams, coefs, b, None), (lams, coefs, b)):
        np.testing.assert_array_equal(got, want)
    lam, w, b1 = path_entry(lams, coefs, b, 1.2)
    assert lam == 1.0 and b1 == 0.0
    np.testing.assert_array_equal(w, [2.0, 3.0])
    with pytest.raises(ValueError, match="same path entries"):
        path_entries(lams, coefs[:2], b, None)


def test_path_curves_are_the_path_metrics_in_degrees():
    X, y = load_digits(n_class=2, return_X_y=True)
    Xt, yt = X[::3], y[::3]
    lams, coefs, intercepts, _ = scaled_loss_path(X, y, lams=[0.1, 10.0, 1e3])
    curves = path_curves(coefs, intercepts, X, y, Xt, yt)
    assert tuple(curves) == PATH_CURVES
    q = path_metrics(coefs, intercepts, X, y, Xt, yt)
    np.testing.assert_allclose(curves["theta_deg"], q["theta"] * 180 / np.pi, rtol=1e-12)
    for k in ("d_adv", "d_err", "train_error", "test_error"):
        np.testing.assert_array_equal(curves[k], q[k])
    # the errors against a direct count of the sign rule (class +1 iff w.x + b > 0)
    pred = (Xt @ coefs.T + intercepts) > 0
    np.testing.assert_array_equal(curves["test_error"], np.mean(pred != (yt == 1)[:, None], 0))
    # given the metrics, nothing is recomputed and the result is the same
    again = path_curves(None, None, None, None, metrics=q)
    for k in PATH_CURVES:
        np.testing.assert_array_equal(again[k], curves[k])
    assert curves["theta_deg"][0] > curves["theta_deg"][-1]
