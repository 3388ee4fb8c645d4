"""explore / TiltExplorer and report.html, without a browser."""

import re
import subprocess
import sys

import numpy as np
import pytest

from sklearn_tilt.linear_model import scaled_loss_path
from sklearn_tilt.metrics import signed_distance, tilting_angle
from sklearn_tilt.plotting._explore import _PathBoundary, compute_problem
from sklearn_tilt.preprocessing import MirrorImage

bokeh = pytest.importorskip("bokeh", reason="the optional extra 'report' is not installed")


def _path(X, y, lams):
    return scaled_loss_path(X, y, lams=lams, tol=1e-8)[:3]


def test_problem_numbers_are_the_package_geometry(digits_binary):
    X, y = digits_binary
    lams = np.logspace(-1, 7, 5)
    lams, coefs, b = _path(X, y, lams)
    prob = compute_problem(X, y, lams, coefs, b, n_images=1)
    order = np.argsort(lams)
    for k, i in enumerate(order):
        est = _PathBoundary(coefs[i], b[i], np.unique(y)).fit()
        assert prob["curves"]["theta_deg"][k] == pytest.approx(
            tilting_angle(est, X, y, degrees=True), abs=1e-9
        )
    # u is x.z for every lam, so it is the same array; v moves with lam
    assert not np.allclose(prob["v"][0], prob["v"][-1])


def test_plane_distances_and_mirrors_match_public_functions(digits_binary):
    X, y = digits_binary
    lams, coefs, b = _path(X, y, [0.1, 1e3])
    prob = compute_problem(X, y, lams, coefs, b, n_points=(2 * len(X), 0), n_images=1)
    # the points are a subsample in sorted order: here all of X, in order
    for k in range(2):
        est = _PathBoundary(coefs[k], b[k], np.unique(y)).fit()
        uv = np.column_stack([prob["u"], prob["v"][k]]).astype(np.float64)
        w2, b2 = prob["w_plane"][k], prob["b_plane"][k]
        d2 = (uv @ w2 + b2) / np.linalg.norm(w2)
        # the plotted boundary is the true one: 2-D distances in the plane are d(x)
        np.testing.assert_allclose(d2, signed_distance(est, X), rtol=1e-4, atol=1e-3)


def test_profiles_are_mirror_images():
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    lams, coefs, b = _path(X, y, [1e-2, 1.0])
    prob = compute_problem(X, y, lams, coefs, b, n_images=1)
    assert "images" not in prob and prob["shape"] is None
    x = prob["profiles"]["x"].astype(np.float64)
    for k in range(2):
        est = _PathBoundary(coefs[k], b[k], np.unique(y)).fit()
        from sklearn.frozen import FrozenEstimator

        m = MirrorImage(FrozenEstimator(est)).fit(X, y).transform(x)
        np.testing.assert_allclose(prob["profiles"]["mirror"][k], m, rtol=1e-5, atol=1e-3)
        d = signed_distance(est, prob["profiles"]["mirror"][k].astype(np.float64))
        assert np.all(np.sign(d) == -np.sign(signed_distance(est, x)))


def test_square_features_are_images(digits_binary):
    X, y = digits_binary
    lams, coefs, b = _path(X, y, [0.1, 1e7])
    prob = compute_problem(X, y, lams, coefs, b, n_images=2, image_lams=[1])
    # one stored set of images: 2 per class, original | projected | mirror
    assert prob["images"].shape == (1, 4 * 8 + 3 * 2, 3 * 8 + 2 * 2)
    assert prob["images"].dtype == np.uint8
    assert prob["u"].dtype == np.float32 and prob["v"].dtype == np.float32


def test_explore_page_is_self_contained(digits_binary, tmp_path):
    from sklearn_tilt.plotting import TiltExplorer, explore

    X, y = digits_binary
    page = explore(X, y, lams=np.logspace(-1, 7, 9), title="digits 0 vs 1")
    assert isinstance(page, TiltExplorer)
    path = tmp_path / "sub" / "tilt.html"
    assert page.save(path) is page
    text = path.read_text(encoding="utf-8")
    assert "<title>digits 0 vs 1</title>" in text
    # Bokeh's library is embedded; nothing is loaded from elsewhere
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=", text)
    assert "lam_slider" in text and "pair_select" in text
    assert path.stat().st_size < 4e6


def test_explore_bad_input(digits_binary):
    from sklearn_tilt.plotting import explore

    X, y = digits_binary
    y3 = y.copy()
    y3[:5] = 7
    with pytest.raises(ValueError, match="binary targets"):
        explore(X, y3, lams=[1.0])
    with pytest.raises(ValueError, match="X_test has 3 features"):
        explore(X, y, lams=[1.0], X_test=X[:, :3], y_test=y)
    with pytest.raises(ValueError, match="both X_test and y_test"):
        explore(X, y, lams=[1.0], X_test=X)
    with pytest.raises(ValueError, match="different lengths"):
        explore(X, y, path=([1.0, 2.0], np.ones((1, X.shape[1])), [0.0]))
    with pytest.raises(ValueError, match="tuple"):
        explore(X, y, path=3)
    with pytest.raises(ValueError, match="NaN|infinity"):
        Xn = X.copy()
        Xn[0, 0] = np.nan
        explore(Xn, y, lams=[1.0])


def test_missing_bokeh_gives_clear_error(digits_binary, monkeypatch, tmp_path):
    from sklearn_tilt.experiments._report_html import write_report_html
    from sklearn_tilt.plotting import explore

    monkeypatch.setitem(sys.modules, "bokeh", None)
    X, y = digits_binary
    with pytest.raises(ImportError, match=r"sklearn-tilt\[report\]"):
        explore(X, y, lams=[1.0])
    logged = []
    assert write_report_html(tmp_path, log=logged.append) is None
    assert "sklearn-tilt[report]" in logged[0]


def test_package_imports_without_bokeh():
    code = (
        "import sys; sys.modules['bokeh'] = None; import sklearn_tilt.plotting, "
        "sklearn_tilt.experiments; from sklearn_tilt.plotting import explore; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def _div_texts(page):
    """The HTML of the page's Div models (from the embedded Bokeh document)."""
    import html
    import json

    m = re.search(r'<script type="application/json" id="[^"]+">\s*(.*?)\s*</script>', page, re.S)
    texts = []

    def walk(o):
        if isinstance(o, dict):
            if o.get("name") == "Div" and isinstance(o.get("attributes"), dict):
                texts.append(o["attributes"].get("text", ""))
            for v in o.values():
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    walk(json.loads(html.unescape(m.group(1))))
    return "\n".join(texts)


def test_reproduce_writes_report_html(quick_report):
    page = quick_report.read_text(encoding="utf-8")
    text = _div_texts(page)
    md = (quick_report.parent / "report.md").read_text(encoding="utf-8")
    # the claims of report.md, as a table
    assert '<table class="claims">' in text
    claim = next(line for line in md.splitlines() if line.startswith("| hinge:"))
    first_cell = claim.strip("|").split("|")[0].strip()
    import html

    assert html.escape(first_cell, quote=False) in text
    # both pairs are selectable; the LeNet part says it was not run
    assert '"3-5"' in page and '"1-8"' in page
    assert "The LeNet part is absent" in text


def test_markdown_and_lenet_section(tmp_path):
    from sklearn_tilt.experiments._io import write_csv, write_manifest
    from sklearn_tilt.experiments._report_html import _lenet_html, markdown_to_html

    md = (
        "# Title\n\nSome `code` and **bold**.\n\n| a | b |\n|---|---|\n| 1 | x < y |\n\n"
        "![fig](lenet/none.png)\n"
    )
    html = markdown_to_html(md, tmp_path)
    assert "<h2>Title</h2>" in html and "<code>code</code>" in html and "<b>bold</b>" in html
    assert "<th>a</th>" in html and "<td>x &lt; y</td>" in html
    assert '<a href="lenet/none.png">' in html
    assert "absent" in _lenet_html(tmp_path)
    d = tmp_path / "lenet"
    write_csv(
        d / "lenet_summary.csv",
        {
            "network": np.array(["low", "high"]),
            "weight_decay": np.array([1e-4, 0.1]),
            "test_error": np.array([0.02, 0.015]),
            "weight_rms": np.array([0.05, 0.01]),
        },
    )
    write_csv(
        d / "lenet_attack.csv",
        {
            "network": np.array(["low", "high"]),
            "digit": np.array([3, 3]),
            "target": np.array([4, 4]),
            "success": np.array([True, False]),
            "perturbation_norm": np.array([310.5, 999.0]),
        },
    )
    write_manifest(tmp_path, "lenet", {"x": 1}, [d / "lenet_summary.csv"])
    html = _lenet_html(tmp_path)
    assert "<td>0.01</td>" in html  # weight RMS of the high decay
    assert "310.5 (yes)" in html and "999 (no)" in html


def test_svm_reports_read_the_saved_results_only(quick_report, monkeypatch, tmp_path):
    """report.md and report.html take the SVM part from its one saved results file:
    no CSV, no resume cache and no data are read back."""
    import shutil

    from sklearn_tilt.experiments import _report, _report_html, make_report
    from sklearn_tilt.experiments._svm import load_svm_results, svm_results_path

    out = tmp_path / "results"
    shutil.copytree(quick_report.parent, out)
    md = (out / "report.md").read_text(encoding="utf-8")
    page = (out / "report.html").read_text(encoding="utf-8")
    saved = load_svm_results(out)
    assert [p["name"] for p in saved["problems"]] == ["3-5", "1-8"]
    assert sorted(saved["figure_pairs"]) == [(1, 8), (3, 5)]

    def forbidden(*args, **kwargs):
        raise AssertionError("the SVM reports read more than the saved results")

    for module in (_report, _report_html):  # the part run here is the SVM one only
        monkeypatch.setattr(module, "read_csv", forbidden)
    monkeypatch.setattr(np, "load", forbidden)
    monkeypatch.setattr(_report_html, "pair_data", forbidden)
    monkeypatch.setattr(_report_html, "compute_problem", forbidden)
    assert make_report(out).split("\n## SVM")[1] == md.split("\n## SVM")[1]
    again = _report_html.write_report_html(out, log=lambda msg: None)
    # Bokeh gives each page new element ids (random ones, and a counter of the models made
    # in the process); everything else is the same
    ids = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\bp\d{3,}\b"
    assert re.sub(ids, "ID", again.read_text(encoding="utf-8")) == re.sub(ids, "ID", page)
    # without its saved results the SVM part counts as not run
    svm_results_path(out).unlink()
    assert "Not run (`sklearn-tilt svm`)" in make_report(out)
