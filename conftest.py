"""Pytest set-up shared by the tests (``tests/``) and the docstring examples (``sklearn_tilt/``).

The default test command runs both (``testpaths`` and ``--doctest-modules`` in
``pyproject.toml``). Figures are drawn off screen and closed after each test.
The examples of ``sklearn_tilt.nn`` need torch and skorch (the ``nn`` extra):
without them that folder is not collected (the report header says so); with
them every example runs.
"""

import importlib
import os

import matplotlib
import pytest

matplotlib.use("Agg")
os.environ.setdefault("MPLBACKEND", "Agg")

#: the optional dependencies of ``sklearn_tilt.nn``
NN_DEPENDENCIES = ("torch", "skorch")


def _fails_to_import(name):
    try:
        importlib.import_module(name)
    except ImportError:
        return True
    return False


_MISSING = [m for m in NN_DEPENDENCIES if _fails_to_import(m)]

collect_ignore = ["sklearn_tilt/__main__.py"]
if _MISSING:
    collect_ignore.append("sklearn_tilt/nn")


def pytest_report_header(config):
    if _MISSING:
        return (
            f"sklearn_tilt/nn docstring examples not collected: {', '.join(_MISSING)} "
            "not installed (pip install 'sklearn-tilt[nn]')"
        )
    return None


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
