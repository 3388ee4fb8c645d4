"""The interactive pages in a real (headless, offline) browser."""

import os
from pathlib import Path

import numpy as np
import pytest

from .conftest import console_errors, find_deep, model_value, open_page, source_data

pytest.importorskip("bokeh", reason="the optional extra 'report' (bokeh) is not installed")

#: Where the screenshots are kept for the documentation (when set).
SHOTS = os.environ.get("SKLEARN_TILT_SCREENSHOTS")


def _press(driver, key, times):
    handle = find_deep(driver, ".noUi-handle")
    assert handle is not None, "the lam slider's handle is not on the page"
    handle.click()
    for _ in range(times):
        handle.send_keys(key)


def _select_problem(driver, name):
    from selenium.webdriver.support.ui import Select

    select = find_deep(driver, "select")
    assert select is not None, "the problem selector is not on the page"
    Select(select).select_by_visible_text(name)


def _lam_shown(driver):
    return model_value(driver, "lam_display", "text")


def _screenshot(driver, path):
    driver.save_screenshot(str(path))
    return Path(path).read_bytes()


def _resources(driver):
    return driver.execute_script(
        "return performance.getEntriesByType('resource').map((e) => e.name)"
    )


def test_report_page_offline_slider_pair_and_screenshots(browser, quick_report, tmp_path):
    seconds = open_page(browser, quick_report)
    assert console_errors(browser) == []
    # nothing was fetched: every resource is the file itself or embedded data
    assert all(r.startswith(("file:", "data:", "blob:")) for r in _resources(browser))
    # the default state: pair 3-5 at lam = 0.1
    assert model_value(browser, "pair_select", "value") == "3-5"
    text0 = _lam_shown(browser)
    assert '<span class="lam-value">1e-1</span>' in text0
    boundary0 = source_data(browser, "boundary")
    shot_small = _screenshot(browser, Path(SHOTS or tmp_path) / "report_lam_small.png")

    # the keyboard moves the slider to the last value, lam = 1e7
    from selenium.webdriver.common.keys import Keys

    _press(browser, Keys.END, 1)
    _press(browser, Keys.ARROW_RIGHT, 10)
    assert model_value(browser, "lam_slider", "value") == 8
    text1 = _lam_shown(browser)
    assert '<span class="lam-value">1e7</span>' in text1
    boundary1 = source_data(browser, "boundary")
    assert not np.allclose(boundary0["y"], boundary1["y"])
    marker = source_data(browser, "marker")
    assert marker["lam"] == [pytest.approx(1e7)]
    shot_large = _screenshot(browser, Path(SHOTS or tmp_path) / "report_lam_large.png")
    assert shot_small != shot_large

    # another pair changes the plane (same lam)
    points0 = source_data(browser, "points_train_-1")
    _select_problem(browser, "1-8")
    assert model_value(browser, "pair_select", "value") == "1-8"
    assert '<b class="pair-value">1-8</b>' in _lam_shown(browser)
    points1 = source_data(browser, "points_train_-1")
    assert points0["x"] != points1["x"]
    assert console_errors(browser) == []
    print(f"report.html ({quick_report.stat().st_size / 1e6:.2f} MB) rendered in {seconds:.2f} s")


def test_report_overview_click_selects_pair(browser, quick_report):
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    open_page(browser, quick_report)
    assert model_value(browser, "pair_select", "value") == "3-5"
    # page coordinates of the cell (class -1 = 1, class +1 = 8) of the overview
    x, y = browser.execute_script(
        "const m = Bokeh.documents[0].get_model_by_name('overview_plot');"
        "const v = Bokeh.index.get_one(m); v.el.scrollIntoView();"
        "const r = v.el.getBoundingClientRect();"
        "return [r.left + v.frame.x_scale.compute('8'), r.top + v.frame.y_scale.compute('1')];"
    )
    actions = ActionBuilder(browser)
    actions.pointer_action.move_to_location(int(x), int(y))
    actions.pointer_action.click()
    actions.perform()
    assert model_value(browser, "pair_select", "value") == "1-8"
    assert '<b class="pair-value">1-8</b>' in _lam_shown(browser)
    assert console_errors(browser) == []


def test_explore_pages_images_and_profiles(browser, digits_binary, tmp_path):
    from sklearn.datasets import load_breast_cancer

    from sklearn_tilt.plotting import explore

    X, y = digits_binary
    lams = np.logspace(-1, 7, 9)
    page = tmp_path / "digits.html"
    explore(X[::2], y[::2], X_test=X[1::2], y_test=y[1::2], lams=lams).save(page)
    open_page(browser, page)
    assert console_errors(browser) == []
    img0 = source_data(browser, "images")
    from selenium.webdriver.common.keys import Keys

    _press(browser, Keys.END, 1)
    assert '<span class="lam-value">1e7</span>' in _lam_shown(browser)
    assert source_data(browser, "images") != img0  # the mirror images changed
    assert console_errors(browser) == []

    Xb, yb = load_breast_cancer(return_X_y=True)
    page = tmp_path / "profiles.html"
    explore(Xb, yb, lams=np.logspace(-3, 3, 4), n_images=1).save(page)
    open_page(browser, page)
    p0 = source_data(browser, "profile_0")
    assert len(p0["x"]) == Xb.shape[1]
    _press(browser, Keys.ARROW_RIGHT, 2)
    assert source_data(browser, "profile_0")["mirror"] != p0["mirror"]
    assert console_errors(browser) == []
