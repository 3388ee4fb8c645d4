"""ONNX export (optional extra ``onnx``): onnxruntime reproduces the estimators' outputs."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_tilt import ScaledLossLinearClassifier, ScaledLossLinearClassifierCV
from sklearn_tilt.onnx import register_converters, to_onnx

ROOT = Path(__file__).resolve().parents[1]
LOSSES = ["hinge", "softplus"]
# float32 precision of the graph, relative to the scale of the values compared
RTOL, ATOL = 1e-5, 1e-5


@pytest.fixture(scope="module")
def ort():
    """onnxruntime (and skl2onnx), or a skip: the bare package's tests do without them."""
    pytest.importorskip("skl2onnx")
    return pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X, y


def _data(iris, n_classes, labels):
    X, y = iris
    if n_classes == 2:
        X, y = X[y > 0], y[y > 0]
    names = np.array(["setosa", "versicolor", "virginica"])
    return X, (names[y] if labels == "str" else y + 10)


def _run(onx, X):
    import onnxruntime as ort

    sess = ort.InferenceSession(onx.SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {sess.get_inputs()[0].name: X})


def _close(actual, expected, what):
    scale = max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL * scale, err_msg=what)


def _check(model, X, loss, dtype=np.float32):
    """Labels, decision values and (softplus) probabilities of the graph against the model's."""
    Xc = X.astype(dtype)
    final = model[-1] if hasattr(model, "steps") else model  # options are keyed by its id
    binary = len(model.classes_) == 2
    scores = model.decision_function(Xc)
    if loss == "hinge":
        label, values = _run(to_onnx(model, Xc[:1]), Xc)
        assert values.shape == ((len(X), 1) if binary else scores.shape)
        _close(values.ravel() if binary else values, scores, "decision values")
    else:
        label, proba = _run(to_onnx(model, Xc[:1], options={id(final): {"zipmap": False}}), Xc)
        _close(proba, model.predict_proba(Xc), "probabilities")
        _, raw = _run(
            to_onnx(model, Xc[:1], options={id(final): {"raw_scores": True, "zipmap": False}}), Xc
        )
        _close(raw[:, 1] if binary else raw, scores, "raw scores")
    np.testing.assert_array_equal(label, model.predict(Xc))


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("labels", ["int", "str"])
def test_classifier(ort, iris, loss, n_classes, labels):
    X, y = _data(iris, n_classes, labels)
    clf = ScaledLossLinearClassifier(loss=loss, lam=1e-3).fit(X, y)
    _check(clf, X, loss)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_pipeline_with_standard_scaler(ort, iris, loss, n_classes):
    X, y = _data(iris, n_classes, "int")
    pipe = make_pipeline(StandardScaler(), ScaledLossLinearClassifier(loss=loss, lam=1e-2))
    pipe.fit(X, y)
    _check(pipe, X, loss)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.filterwarnings("ignore:The selected lam_")
def test_cv_variant(ort, iris, loss):
    X, y = _data(iris, 3, "int")
    cv = ScaledLossLinearClassifierCV(lams=[1e-4, 1e-2, 1.0, 1e2], loss=loss, cv=3).fit(X, y)
    _check(cv, X, loss)


@pytest.mark.parametrize("loss", LOSSES)
def test_float64_input(ort, iris, loss):
    X, y = _data(iris, 3, "int")
    clf = ScaledLossLinearClassifier(loss=loss, lam=1e-2).fit(X, y)
    _check(clf, X, loss, dtype=np.float64)


def test_no_intercept_and_sparse_coef(ort, iris):
    X, y = _data(iris, 3, "int")
    clf = ScaledLossLinearClassifier(loss="softplus", lam=1e-2, fit_intercept=False).fit(X, y)
    clf.sparsify()
    _check(clf, X, "softplus")


def test_softplus_zipmap_by_default(ort, iris):
    # as for LogisticRegression, the default output is a list of {label: probability}
    X, y = _data(iris, 3, "int")
    clf = ScaledLossLinearClassifier(loss="softplus", lam=1e-2).fit(X, y)
    _, proba = _run(to_onnx(clf, X[:1].astype(np.float32)), X.astype(np.float32))
    assert sorted(proba[0]) == list(clf.classes_)
    expected = clf.predict_proba(X.astype(np.float32))
    _close(np.array([[row[c] for c in clf.classes_] for row in proba]), expected, "zipmap")


def test_registered_for_skl2onnx_itself(ort, iris):
    X, y = _data(iris, 2, "int")
    clf = ScaledLossLinearClassifier(lam=1e-2).fit(X, y)
    import skl2onnx

    register_converters()
    register_converters()  # idempotent
    onx = skl2onnx.to_onnx(clf, X[:1].astype(np.float32))
    label, _ = _run(onx, X.astype(np.float32))
    np.testing.assert_array_equal(label, clf.predict(X))


def test_unfitted_raises(ort):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        to_onnx(ScaledLossLinearClassifier(), np.zeros((1, 3), dtype=np.float32))


def test_missing_skl2onnx_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "skl2onnx", None)
    for call in (register_converters, lambda: to_onnx(ScaledLossLinearClassifier())):
        with pytest.raises(ImportError, match=r"sklearn-tilt\[onnx\]"):
            call()


def test_package_imports_without_skl2onnx():
    code = (
        "import sys\n"
        "sys.modules['skl2onnx'] = sys.modules['onnxruntime'] = sys.modules['onnx'] = None\n"
        "import sklearn_tilt.onnx, sklearn_tilt.linear_model\n"
        "from sklearn_tilt import ScaledLossLinearClassifier, ScaledLossLinearClassifierCV\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.parametrize("loss", LOSSES)
def test_options_reach_the_converter(ort, iris, loss):
    X, y = _data(iris, 3, "str")
    clf = ScaledLossLinearClassifier(loss=loss, lam=1e-2).fit(X, y)
    X32 = X.astype(np.float32)
    # nocl: the graph returns class indices in place of the labels
    labels, _ = _run(to_onnx(clf, X32[:1], options={id(clf): {"nocl": True, "zipmap": False}}), X32)
    np.testing.assert_array_equal(labels, np.searchsorted(clf.classes_, clf.predict(X32)))
    with pytest.raises(NameError, match="not_an_option"):
        to_onnx(clf, X32[:1], options={id(clf): {"not_an_option": True}})
