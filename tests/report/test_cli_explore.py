"""``sklearn-tilt explore`` on a user's IDX files."""

import sys

import pytest

from sklearn_tilt.experiments._cli import main

pytest.importorskip("bokeh", reason="the optional extra 'report' (bokeh) is not installed")


@pytest.fixture(scope="module")
def idx_folder(tmp_path_factory):
    from tests.datasets.idx_helpers import mnist_subset, write_mnist_dir

    d = tmp_path_factory.mktemp("idx")
    write_mnist_dir(d, *mnist_subset(n_train_per_class=30, n_test_per_class=10))
    return d


def test_explore_command_writes_page(idx_folder, tmp_path, capsys):
    out = tmp_path / "tilt.html"
    assert (
        main(
            [
                "explore",
                "--data",
                str(idx_folder),
                "--classes",
                "4,9",
                "--quick",
                "--output",
                str(out),
            ]
        )
        == 0
    )
    text = out.read_text(encoding="utf-8")
    assert "4 vs 9" in text and "lam_slider" in text
    assert "60 training and 20 test images" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--classes", "3,12"], "the labels of the data are"),
        (["--data", "/no/such/folder"], "no such folder"),
    ],
)
def test_explore_command_errors(idx_folder, tmp_path, capsys, argv, message):
    args = [
        "explore",
        "--data",
        str(idx_folder),
        "--quick",
        "--output",
        str(tmp_path / "x.html"),
    ] + argv
    assert main(args) == 1
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.html").exists()


def test_explore_command_bad_classes(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["explore", "--classes", "3"])
    assert exc.value.code == 2
    assert "two class labels" in capsys.readouterr().err


def test_explore_command_without_bokeh(idx_folder, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "bokeh", None)
    assert (
        main(
            ["explore", "--data", str(idx_folder), "--quick", "--output", str(tmp_path / "x.html")]
        )
        == 1
    )
    assert "sklearn-tilt[report]" in capsys.readouterr().err
