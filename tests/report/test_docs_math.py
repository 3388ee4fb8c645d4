"""The documentation's formulas render offline: MathJax is served from the built site."""

import sys
from pathlib import Path

import pytest

from .conftest import console_errors

DOCS_EXT = Path(__file__).resolve().parents[2] / "docs" / "sphinxext"

PAGE = r"""
Math
====

Inline :math:`\theta = \arccos(w \cdot z / \norm{w})` and displayed:

.. math::

   d_{adv} = \frac{1}{n} \sum_i y_i d(x_i)
"""


@pytest.fixture(scope="module")
def math_site(tmp_path_factory):
    pytest.importorskip("sphinx")
    sys.path.insert(0, str(DOCS_EXT))
    try:
        from offline_mathjax import mathjax_source
    finally:
        sys.path.remove(str(DOCS_EXT))
    if mathjax_source() is None:
        pytest.skip("django-static-mathjax (docs extra) is not installed")
    from sphinx.cmd.build import build_main

    root = tmp_path_factory.mktemp("math_site")
    src, out = root / "src", root / "out"
    src.mkdir()
    (src / "conf.py").write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(DOCS_EXT)!r})\n"
        "extensions = ['offline_mathjax']\n"
        "mathjax3_config = {'tex': {'macros': "
        "{'norm': [r'\\left\\lVert #1 \\right\\rVert', 1]}}}\n",
        encoding="utf-8",
    )
    (src / "index.rst").write_text(PAGE, encoding="utf-8")
    assert build_main(["-W", "-q", "-b", "html", str(src), str(out)]) == 0
    return out


def test_mathjax_is_served_from_static(math_site):
    html = (math_site / "index.html").read_text(encoding="utf-8")
    assert 'src="_static/mathjax/tex-mml-svg.js' in html
    assert "cdn.jsdelivr" not in html and "https://" not in html.split("<body")[0]
    assert (math_site / "_static" / "mathjax" / "tex-mml-svg.js").is_file()
    assert (math_site / "_static" / "mathjax" / "input" / "tex" / "extensions").is_dir()


def test_math_renders_offline_in_browser(browser, math_site):
    import time

    browser.get_log("browser")
    browser.get((math_site / "index.html").resolve().as_uri())
    t0 = time.perf_counter()
    n = 0
    while time.perf_counter() - t0 < 20:
        n = browser.execute_script("return document.querySelectorAll('mjx-container svg').length")
        if n >= 2:
            break
        time.sleep(0.1)
    assert n >= 2, "MathJax did not typeset the formulas"
    text = browser.execute_script("return document.body.innerText")
    assert "\\(" not in text and "\\arccos" not in text
    assert browser.execute_script("return document.querySelectorAll('mjx-merror').length") == 0
    assert console_errors(browser) == []
