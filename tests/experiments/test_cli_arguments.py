"""Command-line arguments checked before any data is loaded."""

import pytest

from sklearn_tilt.experiments import _cli
from sklearn_tilt.experiments._cli import main


@pytest.fixture
def captured(monkeypatch):
    """Replace the experiments by a recorder: what main would run, without running it."""
    calls = []

    def fake_reproduce(out, *, parts, config, **kwargs):
        calls.append((out, parts, config))
        return {p: "done" for p in parts} | {"report": f"{out}/report.md"}

    monkeypatch.setattr(_cli, "reproduce", fake_reproduce)
    return calls


@pytest.mark.parametrize("pairs", [[""], [" "], ["", " "]])
def test_empty_pairs_fail_before_loading(pairs, captured, capsys, tmp_path):
    """Was: the data loaded, then "need at least one array to concatenate"."""
    with pytest.raises(SystemExit) as exc:
        main(["svm", "--pairs", *pairs, "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert "at least one pair of digits like 3,5" in capsys.readouterr().err
    assert captured == [] and not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "argv_lams",
    [["--lams", "-1:7:0.1"], ["--lams=-1:7:0.1"], ["--lams", "-2.5:-0.5:0.5"], ["--lams", "1:3:1"]],
)
def test_lams_in_the_format_the_help_shows(argv_lams, captured, tmp_path):
    """Was: "expected one argument" for a START that is negative."""
    rc = main(["svm", *argv_lams, "--quiet", "--out", str(tmp_path)])
    assert rc == 0
    ((_, parts, config),) = captured
    value = argv_lams[-1].split("=")[-1]
    assert parts == ("svm",)
    assert config.log10_lams == tuple(float(v) for v in value.split(":"))


def test_bad_lams_still_refused(capsys, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["svm", "--lams", "-1:x:0.1", "--out", str(tmp_path)])
    assert exc.value.code == 2 and "START:STOP:STEP" in capsys.readouterr().err


def test_unwritable_out_fails_up_front(captured, capsys, tmp_path):
    """Was: a failure only after the first pair had been computed."""
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    rc = main(["svm", "--quick", "--out", str(blocker / "results")])
    assert rc == 1
    assert "--out: cannot write results to" in capsys.readouterr().err
    assert captured == []
    rc = main(["svm", "--quick", "--out", str(blocker)])
    assert rc == 1 and captured == []
