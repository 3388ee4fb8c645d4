"""sparsify() / densify(): coef_ as a scipy.sparse matrix and back (SparseCoefMixin)."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.svm import LinearSVC

from sklearn_tilt import (
    AdversarialDistance,
    MirrorImage,
    ScaledLossLinearClassifier,
    ScaledLossLinearClassifierCV,
    adversarial_distance,
    error_distance,
    signed_distance,
    tilting_angle,
)

LOSSES = ["hinge", "softplus"]


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(n_class=3, return_X_y=True)
    return X[::2], y[::2]


def _binary(digits):
    X, y = digits
    keep = y < 2
    return X[keep], y[keep]


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparsify_keeps_predictions(digits, loss, n_classes, dtype):
    X, y = digits if n_classes == 3 else _binary(digits)
    X = X.astype(dtype)
    clf = ScaledLossLinearClassifier(loss=loss, lam=1.0).fit(X, y)
    dense = clf.coef_.copy()
    labels, scores = clf.predict(X), clf.decision_function(X)
    proba = clf.predict_proba(X) if loss == "softplus" else None

    assert clf.sparsify() is clf
    assert sp.issparse(clf.coef_) and clf.coef_.format == "csr"
    assert clf.coef_.shape == dense.shape and clf.coef_.dtype == dense.dtype
    np.testing.assert_array_equal(clf.coef_.toarray(), dense)
    np.testing.assert_array_equal(clf.predict(X), labels)
    np.testing.assert_allclose(clf.decision_function(X), scores, rtol=1e-5, atol=1e-6)
    if proba is not None:
        np.testing.assert_allclose(clf.predict_proba(X), proba, rtol=1e-5, atol=1e-7)
    # sparse input against sparse weights
    np.testing.assert_array_equal(clf.predict(sp.csr_matrix(X)), labels)

    assert clf.densify() is clf
    assert isinstance(clf.coef_, np.ndarray)
    np.testing.assert_array_equal(clf.coef_, dense)
    assert clf.densify().coef_ is clf.coef_  # already dense: unchanged


def test_sparse_coef_has_fewer_stored_entries():
    # digits has constant-zero pixels: their weights are exactly zero and are not stored
    X, y = load_digits(n_class=2, return_X_y=True)
    clf = ScaledLossLinearClassifier(lam=1.0).fit(X, y)
    n_zero = int(np.sum(clf.coef_ == 0))
    assert n_zero > 0
    assert clf.sparsify().coef_.nnz == clf.coef_.shape[1] - n_zero


@pytest.mark.parametrize("n_classes", [2, 3])
def test_geometry_works_on_sparse_coef(digits, n_classes):
    X, y = digits if n_classes == 3 else _binary(digits)
    clf = ScaledLossLinearClassifier(lam=10.0).fit(X, y)
    before = dict(
        signed=signed_distance(clf, X),
        adv=adversarial_distance(clf, X, y),
        err=error_distance(clf, X, y),
        angle=tilting_angle(clf, X, y),
        scorer=AdversarialDistance()(clf, X, y),
        mirror=MirrorImage(clf).fit(X, y).transform(X),
    )
    clf.sparsify()
    after = dict(
        signed=signed_distance(clf, X),
        adv=adversarial_distance(clf, X, y),
        err=error_distance(clf, X, y),
        angle=tilting_angle(clf, X, y),
        scorer=AdversarialDistance()(clf, X, y),
        mirror=MirrorImage(clf).fit(X, y).transform(X),
    )
    for key, value in before.items():
        np.testing.assert_allclose(after[key], value, rtol=1e-10, atol=1e-10, err_msg=key)


def test_warm_start_from_sparse_coef(digits):
    X, y = digits
    clf = ScaledLossLinearClassifier(lam=1.0, warm_start=True).fit(X, y)
    ref = ScaledLossLinearClassifier(lam=0.5).fit(X, y)
    clf.sparsify().set_params(lam=0.5).fit(X, y)
    assert isinstance(clf.coef_, np.ndarray)  # a new fit stores dense weights
    assert np.all(clf.dual_gap_ <= clf.tol)
    np.testing.assert_allclose(clf.objective_, ref.objective_, rtol=1e-6)


@pytest.mark.filterwarnings("ignore:The selected lam_")
def test_cv_variant_sparsifies(digits):
    X, y = digits
    cv = ScaledLossLinearClassifierCV(lams=[0.1, 1.0, 10.0], cv=3).fit(X, y)
    labels = cv.predict(X)
    cv.sparsify()
    assert sp.issparse(cv.coef_)
    np.testing.assert_array_equal(cv.predict(X), labels)
    assert cv.score(X, y) == pytest.approx(np.mean(labels == y))
    assert isinstance(cv.densify().coef_, np.ndarray)


@pytest.mark.parametrize("method", ["sparsify", "densify"])
def test_unfitted_raises(method):
    with pytest.raises(NotFittedError, match="must be fitted"):
        getattr(ScaledLossLinearClassifier(), method)()


def test_same_semantics_as_scikit_learn(digits):
    # the same methods as LinearSVC's (SparseCoefMixin), with the same results
    X, y = _binary(digits)
    ours = ScaledLossLinearClassifier(lam=1.0).fit(X, y).sparsify()
    peer = LinearSVC().fit(X, y).sparsify()
    assert type(ours.coef_) is type(peer.coef_)
    assert ours.coef_.format == peer.coef_.format
