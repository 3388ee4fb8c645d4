"""Every public name has a valid numpydoc docstring.

The public names are ``sklearn_tilt.__all__`` and the ``__all__`` of each public
subpackage; for classes, also the public methods they define (inherited
scikit-learn / skorch / torch methods are those projects' business). Each
docstring is checked with :func:`numpydoc.validate.validate` for the error codes
below; ``sklearn_tilt.nn`` is skipped, saying so, only when torch or skorch is not
installed. The examples in the docstrings run as doctests in the default test
command (``--doctest-modules``, see ``pyproject.toml``).

These are the docstrings that the API reference (``docs/``) renders, so a failure
here is also a broken or incomplete page in the documentation.
"""

import importlib
import importlib.util
import inspect

import pytest

numpydoc_validate = pytest.importorskip(
    "numpydoc.validate", reason="numpydoc (the docs extra) validates the docstrings"
)

PUBLIC_MODULES = [
    "sklearn_tilt",
    "sklearn_tilt.linear_model",
    "sklearn_tilt.metrics",
    "sklearn_tilt.preprocessing",
    "sklearn_tilt.datasets",
    "sklearn_tilt.plotting",
    "sklearn_tilt.experiments",
    "sklearn_tilt.nn",
    "sklearn_tilt.onnx",
]
OPTIONAL_DEPENDENCIES = {"sklearn_tilt.nn": ("torch", "skorch")}

#: checked on every public function, class and method
CHECKS = {
    "GL08",  # the object does not have a docstring
    "SS01",  # no summary found
    "SS03",  # summary does not end with a period
    "PR01",  # parameters not documented
    "PR02",  # unknown parameters documented
    "PR10",  # parameter requires a space before the colon
    "RT01",  # no Returns section found
    "YD01",  # no Yields section found (generators)
}
#: checked on public functions and classes only (not on methods)
TOP_LEVEL_CHECKS = {
    "EX01",  # no Examples section found
}
#: methods whose scikit-learn convention is to have no Returns section
NO_RETURNS = {"__init__"}
#: overrides of torch / skorch hooks, whose parameters and return values are
#: documented by the framework: they only need a docstring saying what they change
FRAMEWORK_HOOKS = {
    "forward",  # torch.nn.Module
    "check_data",
    "get_iterator",
    "get_split_datasets",  # skorch.NeuralNet
    "initialize_module",
    "initialize_optimizer",
    "initialize_criterion",
    "initialize_callbacks",
    "on_epoch_begin",
    "on_epoch_end",
    "on_batch_end",
    "on_train_begin",
    "on_train_end",
}


def _missing_dependencies(modname):
    return [
        d for d in OPTIONAL_DEPENDENCIES.get(modname, ()) if importlib.util.find_spec(d) is None
    ]


def _import(modname):
    missing = _missing_dependencies(modname)
    if missing:
        pytest.skip(f"{modname} needs {', '.join(missing)}, not installed")
    return importlib.import_module(modname)


def _public_names(modname):
    """``[(import path, object, is_method)]`` of one public module."""
    module = _import(modname)
    out = []
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        if inspect.ismodule(obj) or not (inspect.isclass(obj) or callable(obj)):
            continue  # constants are documented by a ``#:`` comment, not a docstring
        path = f"{modname}.{name}"
        out.append((path, obj, False))
        if inspect.isclass(obj):
            for attr, value in vars(obj).items():
                if attr.startswith("_") and attr != "__call__":
                    continue
                if isinstance(value, (classmethod, staticmethod)):
                    value = value.__func__
                if isinstance(value, property) or not inspect.isfunction(value):
                    continue
                if not value.__module__.startswith("sklearn_tilt"):
                    continue
                out.append((f"{path}.{attr}", value, True))
    return out


def _all_public():
    params = []
    for modname in PUBLIC_MODULES:
        params.append(pytest.param(modname, id=modname))
    return params


@pytest.mark.parametrize("modname", _all_public())
def test_docstrings(modname):
    problems = []
    for path, _obj, is_method in _public_names(modname):
        checks = set(CHECKS)
        if not is_method:
            checks |= TOP_LEVEL_CHECKS
        if is_method and path.rsplit(".", 1)[1] in NO_RETURNS:
            checks.discard("RT01")
        if is_method and path.rsplit(".", 1)[1] in FRAMEWORK_HOOKS:
            checks = {"GL08"}
        result = numpydoc_validate.validate(path)
        for code, message in result["errors"]:
            if code in checks:
                problems.append(f"{path}: {code} {message}")
    assert not problems, "numpydoc problems:\n" + "\n".join(problems)


def test_every_subpackage_name_is_listed():
    """Each public subpackage defines ``__all__`` (what the API reference lists)."""
    checked = 0
    for modname in PUBLIC_MODULES[1:]:
        if _missing_dependencies(modname):
            continue  # said by test_docstrings' skip for that module
        module = importlib.import_module(modname)
        checked += 1
        assert hasattr(module, "__all__"), f"{modname} has no __all__"
        missing = [name for name in module.__all__ if not hasattr(module, name)]
        assert not missing, f"{modname}.__all__ lists missing names: {missing}"
    assert checked >= len(PUBLIC_MODULES) - 1 - len(OPTIONAL_DEPENDENCIES)
