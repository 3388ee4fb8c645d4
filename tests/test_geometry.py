"""The formulas of ``sklearn_tilt._geometry`` against direct computations."""

import numpy as np
import pytest

from sklearn_tilt import _geometry as G


@pytest.mark.parametrize("loss", ["hinge", "softplus"])
def test_loss_limits_small_scale(loss):
    """``f_||w||(z) ~ alpha - beta ||w|| z`` for small ``||w||`` (the paper's d_adv regime)."""
    alpha, beta = G.LOSS_LIMITS[loss]
    z = np.linspace(-50.0, 50.0, 11)
    for scale in (1e-3, 1e-4):
        err = G.scaled_loss(z, scale, loss) - (alpha - beta * scale * z)
        # the next term is O((scale z)^2): zero for the hinge inside its margin
        assert np.max(np.abs(err)) <= 0.2 * (scale * 50) ** 2 + 1e-15


def test_balanced_identity_and_nearest_to_centroids():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 5)) + np.repeat([[0.0], [3.0]], 20, axis=0)
    y = np.repeat([-1, 1], 20)
    w, b = rng.normal(size=5), 0.7
    d_adv = G.adversarial_distance_from_margins(y * (X @ w + b) / np.linalg.norm(w))
    z, dist = G.centroid_direction(X, y)
    assert G.balanced_adversarial_distance(dist, G.angle_between(w, z)) == pytest.approx(d_adv)
    # not on unbalanced classes (the intercept no longer cancels)
    keep = np.r_[0:20, 20:25]
    d_unb = G.adversarial_distance_from_margins(y[keep] * (X[keep] @ w + b) / np.linalg.norm(w))
    z, dist = G.centroid_direction(X[keep], y[keep])
    assert G.balanced_adversarial_distance(dist, G.angle_between(w, z)) != pytest.approx(d_unb)
    i_idx, j_idx = G.nearest_to_centroids(X, y)
    assert y[i_idx] == -1 and y[j_idx] == 1
    for idx, label in ((i_idx, -1), (j_idx, 1)):
        rows = X[y == label]
        d = np.linalg.norm(rows - rows.mean(0), axis=1)
        assert np.linalg.norm(X[idx] - rows.mean(0)) == pytest.approx(d.min())


def test_class_means_and_local_angles():
    X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 4.0], [0.0, 2.0]])
    codes = np.array([0, 0, 1, 1])
    means = G.class_means(X, codes, 3)
    np.testing.assert_allclose(means[:2], [[1.0, 0.0], [0.0, 3.0]])
    assert np.all(np.isnan(means[2]))  # a class without rows
    grads = np.array([[-1.0, 3.0], [1.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    theta = G.local_tilting_angles(grads, own=[1, 1, 1, 1], other=[0, 0, 0, 2], means=means)
    assert theta[0] == pytest.approx(0.0, abs=1e-7)  # along the centroid direction
    assert theta[1] == pytest.approx(np.arccos(-1 / np.sqrt(10)))
    assert np.isnan(theta[2]) and np.isnan(theta[3])  # zero gradient, missing centroid


def test_tilting_plane_basis_with_data_spread():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 4)) * [1.0, 1.0, 10.0, 1.0]
    z = np.array([1.0, 0.0, 0.0, 0.0])
    # w parallel to z: without data an axis, with data the direction of largest spread
    _, n_axis = G.tilting_plane_basis(2 * z, z)
    _, n_data = G.tilting_plane_basis(2 * z, z, X)
    assert abs(n_axis @ z) < 1e-12 and abs(n_data @ z) < 1e-12
    assert abs(n_data[2]) > 0.99
    # a tilted w defines the plane, data or not
    w = np.array([1.0, 1.0, 0.0, 0.0])
    np.testing.assert_allclose(G.tilting_plane_basis(w, z, X)[1], [0.0, 1.0, 0.0, 0.0])
