import numpy as np
import pytest

from sklearn_tilt import _geometry as geo
from sklearn_tilt.datasets import TOY_NOISY_POINT, make_tilt_toy


def test_shapes_and_labels():
    X, y = make_tilt_toy(10)
    assert X.shape == (20, 2) and y.tolist() == [-1] * 10 + [1] * 10
    # one line: b = 0, class I left of class J
    assert np.all(X[:, 1] == 0)
    assert X[y == -1, 0].max() < X[y == 1, 0].min()
    z, dist = geo.centroid_direction(X, y)
    np.testing.assert_allclose(z, [1.0, 0.0])
    assert dist == pytest.approx(2.0)


def test_noisy_point():
    X, y = make_tilt_toy(5, noisy_point=True)
    assert X.shape == (11, 2) and y[-1] == 1
    np.testing.assert_array_equal(X[-1], TOY_NOISY_POINT)
    X2, y2 = make_tilt_toy(5, noisy_point=(0.0, 2.0))
    np.testing.assert_array_equal(X2[-1], [0.0, 2.0])


def test_noise_and_shuffle_reproducible():
    a = make_tilt_toy(8, noise=0.1, shuffle=True, random_state=3)
    b = make_tilt_toy(8, noise=0.1, shuffle=True, random_state=3)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.all(a[0][:, 1] == 0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_samples": 0},
        {"centers": (1.0, -1.0)},
        {"spread": -1.0},
        {"noisy_point": (1.0, 2.0, 3.0)},
        {"noisy_point": (np.nan, 0.0)},
    ],
)
def test_bad_parameters(kwargs):
    with pytest.raises(ValueError):
        make_tilt_toy(**kwargs)


def test_small_lam_tilts_to_fit_noisy_point():
    from sklearn_tilt import ScaledLossLinearClassifier

    X, y = make_tilt_toy(noisy_point=True)
    z, _ = geo.centroid_direction(X, y)
    weak = ScaledLossLinearClassifier(loss="hinge", lam=1e-3).fit(X, y)
    strong = ScaledLossLinearClassifier(loss="hinge", lam=10.0).fit(X, y)
    theta_weak = geo.angle_between(weak.coef_.ravel(), z)
    theta_strong = geo.angle_between(strong.coef_.ravel(), z)
    assert weak.predict(X[-1:])[0] == 1  # p fitted
    assert np.degrees(theta_weak) > 45 and np.degrees(theta_strong) < 1
