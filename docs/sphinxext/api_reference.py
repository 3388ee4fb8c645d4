"""Write ``docs/api.rst`` from the package's public names.

The API reference lists every public name, grouped by subpackage, in the order
and with the descriptions of ``SECTIONS``; the names themselves come from
``sklearn_tilt.__all__`` and each subpackage's ``__all__``, so a name added to the
package gets its page without editing the docs.

Each name is documented once, at the shortest public path that imports it
(``sklearn_tilt.ScaledLossLinearClassifier`` rather than
``sklearn_tilt.linear_model.ScaledLossLinearClassifier``): this is also the path under
which sphinx-gallery records the examples that use it, so every page ends with
its "Examples using ..." section.
"""

import importlib
import inspect

import sklearn_tilt

#: (subpackage, title, description) in the order of the API page
SECTIONS = [
    (
        "linear_model",
        "Scaled-loss linear classifiers",
        "The exact minimiser of the scaled-loss objective "
        ":math:`\\frac1n\\sum_i f(y_i(w\\cdot x_i+b)) + \\lambda\\|w\\|^2` (hinge or softplus, "
        "intercept not penalised), its warm-started regularisation path, cross-validation "
        "over :math:`\\lambda`, and many binary paths in parallel. "
        "User guide: :ref:`scaled_loss` and :ref:`model_selection`.",
    ),
    (
        "metrics",
        "Geometry of a linear classifier: distances, tilting angle, scorers",
        "Signed distances, the error and adversarial distances, the tilting angle and the "
        "tilting plane of a fitted linear classifier, and the corresponding scorers for "
        "model selection. User guide: :ref:`distances`, :ref:`tilting_angle` and "
        ":ref:`model_selection`.",
    ),
    (
        "preprocessing",
        "Mirror and projected images",
        "A transformer that replaces each image by its mirror image (or its projection) "
        "through the boundary of a linear classifier. User guide: :ref:`mirror_images`.",
    ),
    (
        "datasets",
        "Datasets",
        "MNIST (IDX files, the scikit-learn OpenML cache, or the real MNIST subset "
        "available offline) and the paper's two-dimensional toy problem. "
        "User guide: :ref:`toy_problem`.",
    ),
    (
        "plotting",
        "Plotting",
        "scikit-learn style ``Display`` objects (``from_estimator`` / ``from_path`` / "
        "``plot``) for the paper's figures. User guide: :ref:`plotting`.",
    ),
    (
        "nn",
        "Neural networks (optional: ``torch`` and ``skorch``)",
        "The paper's LeNet as a skorch classifier with weight decay, input gradients and "
        "first-order distances, softmax temperature calibration and the targeted "
        "high-confidence attack. User guide: :ref:`neural_networks`.",
    ),
    (
        "onnx",
        "ONNX export (optional: ``skl2onnx`` and ``onnxruntime``)",
        "skl2onnx converters for the scaled-loss classifiers: hinge as ``LinearSVC`` (labels "
        "and decision values), softplus as ``LogisticRegression`` (labels and probabilities). "
        "User guide: :ref:`onnx_export`.",
    ),
    (
        "experiments",
        "Reproducing the paper",
        "The paper's experiments as functions returning tables, and the "
        "``sklearn-tilt reproduce`` command line. User guide: :ref:`reproducing`.",
    ),
]


def _kind(obj):
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "data"


def public_names():
    """``[(section, title, description, [(module path, name, kind), ...], error)]``."""
    top = set(sklearn_tilt.__all__)
    seen = set()
    out = []
    for sub, title, desc in SECTIONS:
        modname = f"sklearn_tilt.{sub}"
        try:
            mod = importlib.import_module(modname)
        except Exception as exc:  # not written yet, or an optional dependency is missing
            out.append((modname, title, desc, [], f"{type(exc).__name__}: {exc}"))
            continue
        entries = []
        names = list(getattr(mod, "__all__", []))
        # top-level names defined in this subpackage are documented at the top level
        names += [n for n in sorted(top) if n not in names and hasattr(mod, n)]
        for name in names:
            if name in seen or name.startswith("_"):
                continue
            obj = getattr(mod, name)
            if inspect.ismodule(obj):
                continue
            path = "sklearn_tilt" if name in top else modname
            entries.append((path, name, _kind(obj)))
            seen.add(name)
        order = {"class": 0, "function": 1, "data": 2}
        entries.sort(key=lambda e: (e[0] != "sklearn_tilt", order[e[2]], e[1].lower()))
        out.append((modname, title, desc, entries, None))
    # top-level names whose subpackage has no section (should not happen)
    rest = sorted(top - seen)
    if rest:
        out.append(
            (
                "sklearn_tilt",
                "Other",
                "",
                [("sklearn_tilt", n, _kind(getattr(sklearn_tilt, n))) for n in rest],
                None,
            )
        )
    return out


def write_api_reference(target):
    """Write the API page into ``target`` (only when its text changed)."""
    lines = [
        ".. This file is generated by docs/sphinxext/api_reference.py: do not edit.",
        "",
        ".. _api_reference:",
        "",
        "=============",
        "API Reference",
        "=============",
        "",
        "This is the class and function reference of sklearn-tilt. The names most "
        "used are importable from the top-level package (``from sklearn_tilt import "
        "tilting_angle``); the others from their subpackage. Please refer to the "
        ":ref:`user guide <user_guide>` for the theory behind them, and to the "
        ":ref:`gallery <sphx_glr_auto_examples>` for examples.",
        "",
        ".. py:module:: sklearn_tilt",
        "",
    ]
    for modname, title, desc, entries, error in public_names():
        heading = f":mod:`{modname}`: {title}"
        lines += [f".. _api_{modname.replace('.', '_')}:", "", heading, "=" * len(heading), ""]
        if modname != "sklearn_tilt":
            lines += [f".. py:module:: {modname}", "", ".. py:currentmodule:: sklearn_tilt", ""]
        if desc:
            lines += [desc, ""]
        if error:
            lines += [".. note::", "", f"   ``{modname}`` could not be imported in this build.", ""]
            continue
        groups = {}
        for path, name, _kind in entries:
            groups.setdefault(path, []).append(name)
        for path, names in groups.items():
            lines += [
                f".. currentmodule:: {path}",
                "",
                ".. autosummary::",
                "   :toctree: generated/",
                "   :nosignatures:",
                "",
            ]
            lines += [f"   {n}" for n in names] + [""]
    text = "\n".join(lines) + "\n"
    try:
        old = open(target, encoding="utf-8").read()
    except OSError:
        old = None
    if old != text:
        with open(target, "w", encoding="utf-8") as f:
            f.write(text)
    return target
