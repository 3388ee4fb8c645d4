"""Sphinx configuration of the sklearn_tilt documentation.

Built in CI, from the repository root and without network access, with::

    python -m sphinx -W --keep-going -b html docs docs/_build/html -q

- API pages: ``autosummary`` + ``numpydoc`` (templates in ``_templates/``), one page per
  public name, each ending with the gallery examples that use it.
- Gallery: ``sphinx-gallery`` runs ``docs/examples/plot_*.py`` (quick by default).
- Intersphinx: offline inventories written by ``sphinxext/offline_inventories.py``
  (real URLs of scikit-learn, NumPy, PyTorch, skorch, ...; nothing is downloaded).
- Benchmarks: ``sphinxext/benchmark_tables.py`` turns ``benchmarks/results/`` into rst.
"""

import os
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE / "sphinxext"))
sys.path.insert(0, str(ROOT))  # the package itself, also from a clean checkout

import sklearn_tilt  # noqa: E402
from api_reference import write_api_reference  # noqa: E402
from benchmark_tables import write_benchmark_tables  # noqa: E402
from offline_inventories import write_inventories  # noqa: E402

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
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "examples/README.rst",
                    "sg_execution_times.rst"]
root_doc = "index"
default_role = "literal"
add_function_parentheses = False
pygments_style = "sphinx"

# the pages render math client side (MathJax is loaded by the browser); nothing
# is fetched at build time
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
    "of", "or", "and", "shape", "default", "optional", "instance", "keyword", "see",
    "n_samples", "n_features", "n_classes", "n_lams", "n_pairs", "n_boundaries", "n_images",
    "n_components", "n_epochs", "n_targets", "object", "like", "type", "function",
    "array-like", "array", "matrix", "sparse", "with", "in", "the", "a", "an", "to",
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
    write_benchmark_tables(ROOT / "benchmarks" / "results", HERE / "generated" / "benchmarks.rst.inc")


# the API page lists every public name (from the package's ``__all__``)
write_api_reference(HERE / "api.rst")


def setup(app):
    app.connect("builder-inited", _benchmarks)
