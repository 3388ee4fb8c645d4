"""Sphinx configuration of the sklearn_tilt documentation.

Built in CI, from the repository root and without network access, with::

    python -m sphinx -W --keep-going -b html docs docs/_build/html -q

- API pages: ``autosummary`` + ``numpydoc`` (templates in ``_templates/``), one page per
  public name, each ending with the gallery examples that use it.
- Gallery: ``sphinx-gallery`` runs ``docs/examples/plot_*.py`` (quick by default).
- Intersphinx: offline inventories written by ``sphinxext/offline_inventories.py``
  (real URLs of scikit-learn, NumPy, PyTorch, skorch, ...; nothing is downloaded).
- Benchmarks: ``sphinxext/benchmark_tables.py`` turns ``benchmarks/results/`` into rst.
- Math: MathJax served from the built site (``sphinxext/offline_mathjax.py``).
- Interactive pages: ``sphinxext/interactive_pages.py`` writes the HTML explorers.
"""

import os
import re
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE / "sphinxext"))
sys.path.insert(0, str(ROOT))  # the package itself, also from a clean checkout

from api_reference import write_api_reference  # noqa: E402
from benchmark_tables import write_benchmark_tables  # noqa: E402
from offline_inventories import write_inventories  # noqa: E402

import sklearn_tilt  # noqa: E402

# -- Project information -----------------------------------------------------

project = "sklearn-tilt"
author = "the sklearn-tilt developers"
copyright = "2024-2026, the sklearn-tilt developers"
release = sklearn_tilt.__version__
version = ".".join(release.split(".")[:2])

# -- General configuration ---------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "offline_mathjax",  # sphinx.ext.mathjax with MathJax served from _static/
    "interactive_pages",  # report_quick.html and explore_digits.html at the site's root
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "**.ipynb_checkpoints",
    "examples/README.rst",
    "sg_execution_times.rst",
]
root_doc = "index"
default_role = "literal"
add_function_parentheses = False
pygments_style = "sphinx"

# the pages render math client side with MathJax 3, copied into _static/mathjax/ at
# build time from the django-static-mathjax package (docs extra) by
# sphinxext/offline_mathjax.py: the site reads its formulas offline, from disk, and
# nothing is fetched at build time
mathjax3_config = {"tex": {"macros": {"norm": [r"\left\lVert #1 \right\rVert", 1]}}}

# -- autodoc / autosummary / numpydoc ----------------------------------------

autosummary_generate = True
autosummary_imported_members = True
autodoc_default_options = {"members": False, "inherited-members": False}
autodoc_typehints = "none"
autoclass_content = "class"

numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = True
numpydoc_xref_aliases = {
    "ndarray": "numpy.ndarray",
    "dtype": "numpy.dtype",
    "RandomState": "numpy.random.RandomState",
    "Generator": "numpy.random.Generator",
    "sparse matrix": "scipy.sparse.csr_matrix",
    "estimator": "sklearn.base.BaseEstimator",
    "BaseEstimator": "sklearn.base.BaseEstimator",
    "Bunch": "sklearn.utils.Bunch",
    "Pipeline": "sklearn.pipeline.Pipeline",
    "Axes": "matplotlib.axes.Axes",
    "Figure": "matplotlib.figure.Figure",
    "Tensor": "torch.Tensor",
    "Module": "torch.nn.Module",
    "path-like": "os.PathLike",
    "Path": "pathlib.Path",
}
numpydoc_xref_ignore = {
    "of",
    "or",
    "and",
    "shape",
    "default",
    "optional",
    "instance",
    "keyword",
    "see",
    "n_samples",
    "n_features",
    "n_classes",
    "n_lams",
    "n_pairs",
    "n_boundaries",
    "n_images",
    "n_components",
    "n_epochs",
    "n_targets",
    "object",
    "like",
    "type",
    "function",
    "array-like",
    "array",
    "matrix",
    "sparse",
    "with",
    "in",
    "the",
    "a",
    "an",
    "to",
    "is",
}

# -- Intersphinx (offline inventories) ---------------------------------------

intersphinx_mapping = write_inventories(str(HERE / "_build" / "intersphinx"))
intersphinx_timeout = 1

# -- sphinx-gallery ----------------------------------------------------------

# ``SKLEARN_TILT_DOCS_FULL=1`` makes the examples use more data (closer to the paper);
# the default keeps the whole gallery at a few minutes on 2 cores.
os.environ.setdefault("SKLEARN_TILT_DOCS_QUICK", "1")
# quiet third-party deprecation noise in the examples' captured output
warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", category=FutureWarning, module="skorch")

sphinx_gallery_conf = {
    "examples_dirs": ["examples"],
    "gallery_dirs": ["auto_examples"],
    "filename_pattern": r"plot_",
    "ignore_pattern": r"__init__\.py|_helpers\.py",
    "doc_module": ("sklearn_tilt",),
    "backreferences_dir": os.path.join("generated", "backreferences"),
    "reference_url": {"sklearn_tilt": None},
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "remove_config_comments": True,
    "min_reported_time": 1,
    "show_memory": False,
    "plot_gallery": "True",
    "matplotlib_animations": False,
    "image_scrapers": ("matplotlib",),
    "log_level": {"backreference_missing": "info"},
    "write_computation_times": True,
}

# -- HTML output -------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-tilt {release}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]
html_show_sourcelink = False
html_theme_options = {
    "navbar_align": "left",
    "show_prev_next": False,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
    "navigation_with_keys": False,
    "check_switcher": False,
}
html_context = {"default_mode": "light"}

# -- Benchmarks --------------------------------------------------------------


def _benchmarks(app):
    write_benchmark_tables(
        ROOT / "benchmarks" / "results", HERE / "generated" / "benchmarks.rst.inc"
    )


# the API page lists every public name (from the package's ``__all__``)
write_api_reference(HERE / "api.rst")


def _check_examples(app, env, docnames):
    """Every public class and function appears in at least one gallery example.

    Runs after sphinx-gallery has executed the examples and written the
    backreferences (``generated/backreferences/<name>.examples``); a public name
    that no example uses is a warning, hence an error with ``-W``.
    """
    from sphinx.util import logging

    logger = logging.getLogger("sklearn_tilt.docs")
    backrefs = HERE / sphinx_gallery_conf["backreferences_dir"]
    from api_reference import public_names

    for _, _, _, entries, _ in public_names():
        for path, name, kind in entries:
            if kind == "data":
                continue  # constants: sphinx-gallery records no usage for them
            # a class counts as used when one of its methods is (``Display.from_*``)
            files = [
                backrefs / f"{path}.{name}.examples",
                *backrefs.glob(f"{path}.{name}.*.examples"),
            ]
            if not any(f.exists() and f.read_text(encoding="utf-8").strip() for f in files):
                logger.warning(
                    "%s.%s is used by no gallery example (docs/examples/)",
                    path,
                    name,
                    type="sklearn_tilt",
                    subtype="no_example",
                )


_SHAPE_NAME = re.compile(r"(\w*[A-Za-z0-9])_(?=,\))")


def _fix_docstring(app, what, name, obj, options, lines):
    """Small fixes to docstrings before numpydoc renders them.

    - ``shape (n_features_in_,)``: numpydoc leaves the name as plain reST, where a
      trailing underscore makes it a hyperlink reference; escape it.
    - constants (``PAPER_LAMS``...): document them with their ``#:`` comment from the
      module that defines them, never with the docstring of their type (an
      ndarray's docstring is numpy's).
    """
    lines[:] = [_SHAPE_NAME.sub(r"\1\\_", line) for line in lines]
    if what != "data" or not name.startswith("sklearn_tilt."):
        return
    from sphinx.pycode import ModuleAnalyzer

    short = name.rsplit(".", 1)[1]
    for modname in sorted(m for m in sys.modules if m.startswith("sklearn_tilt")):
        try:
            docs = ModuleAnalyzer.for_module(modname).find_attr_docs()
        except Exception:
            continue
        if ("", short) in docs:
            lines[:] = [line for line in docs[("", short)] if line is not None]
            return
    lines[:] = []


def setup(app):
    app.connect("builder-inited", _benchmarks)
    app.connect("autodoc-process-docstring", _fix_docstring, priority=400)
    app.connect("env-before-read-docs", _check_examples)
