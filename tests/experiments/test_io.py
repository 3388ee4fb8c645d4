import json
import os

import numpy as np
import pytest

from sklearn_tilt.experiments import _io


def test_atomic_path_keeps_nothing_on_failure(tmp_path):
    target = tmp_path / "sub" / "a.csv"
    with pytest.raises(RuntimeError):
        with _io.atomic_path(target) as tmp:
            with open(tmp, "w") as f:
                f.write("half")
            raise RuntimeError("interrupted")
    assert not target.exists()
    assert list((tmp_path / "sub").iterdir()) == []


def test_atomic_write_permissions_follow_umask(tmp_path):
    _io.write_text(tmp_path / "r.md", "hello")
    mode = os.stat(tmp_path / "r.md").st_mode & 0o777
    assert mode == 0o666 & ~_io._umask()
    assert (tmp_path / "r.md").read_text() == "hello"


def test_csv_roundtrip(tmp_path):
    table = {
        "pair": np.array(["3-5", "1-8"]),
        "lam": np.array([0.1, 1e7]),
        "n": np.array([1, 2]),
        "ok": np.array([True, False]),
        "err": np.array([np.nan, 0.25]),
    }
    _io.write_csv(tmp_path / "t.csv", table)
    back = _io.read_csv(tmp_path / "t.csv")
    assert list(back) == list(table)
    assert back["pair"].tolist() == ["3-5", "1-8"]
    np.testing.assert_array_equal(back["lam"], table["lam"])  # repr keeps every digit
    assert back["n"].dtype.kind == "i" and back["ok"].dtype == bool
    assert np.isnan(back["err"][0]) and back["err"][1] == 0.25
    with pytest.raises(ValueError, match="different lengths"):
        _io.write_csv(tmp_path / "bad.csv", {"a": [1, 2], "b": [1]})


def test_manifest(tmp_path):
    params = {"lams": np.array([0.1, 1.0]), "pairs": [(3, 5)]}
    out = tmp_path / "svm" / "svm.csv"
    _io.write_text(out, "x")
    assert not _io.is_complete(tmp_path, "svm", params)
    _io.write_manifest(tmp_path, "svm", params, [out], seconds=1.5)
    assert _io.is_complete(tmp_path, "svm", params)
    man = json.loads(_io.manifest_path(tmp_path, "svm").read_text())
    assert man["outputs"] == ["svm/svm.csv"] and man["seconds"] == 1.5
    # a changed parameter, or a missing output, means not complete
    assert not _io.is_complete(tmp_path, "svm", dict(params, pairs=[(1, 8)]))
    out.unlink()
    assert not _io.is_complete(tmp_path, "svm", params)
    _io.invalidate(tmp_path, "svm")
    assert _io.read_manifest(tmp_path, "svm") is None
    _io.invalidate(tmp_path, "svm")  # no error when already gone


def test_fingerprint_and_key():
    a = np.arange(6.0)
    assert _io.data_fingerprint(a) == _io.data_fingerprint(a.copy())
    assert _io.data_fingerprint(a) != _io.data_fingerprint(a.reshape(2, 3))
    assert _io.params_key({"a": 1, "b": [1, 2]}) == _io.params_key({"b": (1, 2), "a": 1})
