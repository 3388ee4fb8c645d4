"""Serve MathJax from the built site, so that the formulas render offline.

Sphinx's ``sphinx.ext.mathjax`` loads MathJax from a CDN by default: a page opened
from disk without network then shows raw LaTeX. This extension copies MathJax 3
from the ``django-static-mathjax`` package (PyPI; a plain copy of the MathJax
distribution, declared in the ``docs`` extra) into the site's ``_static/mathjax/``
at build time and points ``mathjax_path`` there. Nothing is downloaded while
building.

Configuration: ``offline_mathjax_component`` (default ``"tex-mml-svg.js"``: SVG
output needs no web fonts, which browsers may refuse to load from ``file://``).
"""

import importlib.util
import shutil
from pathlib import Path

from sphinx.errors import ExtensionError

#: What the combined component loads on demand (extensions, menu, speech...).
SUBFOLDERS = ("input", "output", "ui", "a11y", "adaptors", "sre")


def mathjax_source():
    """The ``es5`` folder of the installed MathJax distribution (or None)."""
    spec = importlib.util.find_spec("mathjax")
    if spec is None or not spec.submodule_search_locations:
        return None
    for base in spec.submodule_search_locations:
        es5 = Path(base) / "static" / "mathjax" / "es5"
        if es5.is_dir():
            return es5
    return None


def copy_mathjax(dest, component="tex-mml-svg.js"):
    """Copy MathJax's ``component`` and what it loads on demand into ``dest``.

    Returns the path of the copied component; raises ``ExtensionError`` when the
    package is missing.
    """
    src = mathjax_source()
    if src is None or not (src / component).is_file():
        raise ExtensionError(
            "MathJax is needed to render the formulas offline: install the docs extra "
            "(pip install 'sklearn-tilt[docs]', which brings django-static-mathjax)"
        )
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src / component, dest / component)
    for sub in SUBFOLDERS:
        if (src / sub).is_dir():
            shutil.copytree(src / sub, dest / sub, dirs_exist_ok=True)
    return dest / component


def _copy(app):
    if app.builder.format != "html":
        return
    component = app.config.offline_mathjax_component
    stage = Path(app.doctreedir) / "offline_mathjax"
    copy_mathjax(stage / "mathjax", component)
    app.config.html_static_path.append(str(stage))
    app.config.mathjax_path = f"mathjax/{component}"


def setup(app):
    app.add_config_value("offline_mathjax_component", "tex-mml-svg.js", "html")
    app.setup_extension("sphinx.ext.mathjax")
    app.connect("builder-inited", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
