"""MirrorImage: the geometry of mirror images and projections.

scikit-learn's estimator checks of MirrorImage run once, with the other public
estimators, in ``tests/test_common.py``.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer, StandardScaler
from sklearn.svm import LinearSVC

from sklearn_tilt import MirrorImage, ScaledLossLinearClassifier, signed_distance


def _linear_classifiers():
    return [
        ScaledLossLinearClassifier(loss="hinge", lam=1.0),
        ScaledLossLinearClassifier(loss="softplus", lam=1.0),
        LogisticRegression(C=1e-3, max_iter=3000),
        LinearSVC(C=1e-2),
        SGDClassifier(random_state=0),
        make_pipeline(StandardScaler(), PCA(20, whiten=True, random_state=0), LinearSVC(C=1e-2)),
    ]


def _ids(ests):
    return [type(e).__name__ + getattr(e, "loss", "") for e in ests]


@pytest.mark.parametrize("clf", _linear_classifiers(), ids=_ids(_linear_classifiers()))
def test_mirror_geometry_binary(mnist_pair, clf):
    X, y = mnist_pair
    mirror = MirrorImage(clf).fit(X, y)
    est = mirror.estimator_
    d = signed_distance(est, X)
    Xm = mirror.transform(X)
    dm = signed_distance(est, Xm)
    scale = np.abs(d).max()
    # same distance, other side; every prediction away from the boundary flips
    np.testing.assert_allclose(dm, -d, atol=1e-9 * scale)
    away = np.abs(d) > 1e-6 * scale
    assert np.all(est.predict(Xm)[away] != est.predict(X)[away])
    # an involution, moving each point by 2 |d| in input space
    np.testing.assert_allclose(mirror.transform(Xm), X, atol=1e-9 * np.abs(X).max())
    np.testing.assert_allclose(
        np.linalg.norm(Xm - X, axis=1), 2 * np.abs(d), rtol=1e-8, atol=1e-9 * scale
    )
    # projections lie on the boundary, at distance |d|
    Xp = MirrorImage(FrozenEstimator(est), kind="projection").fit(X, y).transform(X)
    np.testing.assert_allclose(signed_distance(est, Xp), 0, atol=1e-9 * scale)
    np.testing.assert_allclose(
        est.decision_function(Xp), 0, atol=1e-9 * np.abs(est.decision_function(X)).max()
    )
    np.testing.assert_allclose(
        np.linalg.norm(Xp - X, axis=1), np.abs(d), rtol=1e-8, atol=1e-9 * scale
    )
    np.testing.assert_allclose(Xp, 0.5 * (X + Xm), atol=1e-9 * np.abs(X).max())


def test_mirror_through_pipeline_is_in_input_space(digits_pair):
    X, y = digits_pair
    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=3000))
    mirror = MirrorImage(pipe).fit(X, y)
    Xm = mirror.transform(X)
    # the classifier's own (scaled-space) mirror differs; ours is the input-space one
    np.testing.assert_allclose(
        mirror.estimator_.decision_function(Xm),
        -mirror.estimator_.decision_function(X),
        rtol=1e-8,
        atol=1e-8,
    )
    W = mirror.coef_[0]
    np.testing.assert_allclose(W, mirror.estimator_[-1].coef_[0] / mirror.estimator_[0].scale_)
    # the image moves along the input-space normal only
    delta = Xm - X
    resid = delta - np.outer(delta @ W / (W @ W), W)
    assert np.abs(resid).max() <= 1e-9 * np.abs(delta).max()
    with pytest.raises(ValueError, match="not affine"):
        MirrorImage(make_pipeline(Normalizer(), LogisticRegression())).fit(X, y)


def test_frozen_estimator_is_used_as_is(digits_pair):
    X, y = digits_pair
    clf = LogisticRegression(C=1e-3, max_iter=3000).fit(X, y)
    coef = clf.coef_.copy()
    mirror = MirrorImage(FrozenEstimator(clf)).fit(X[:40] + 1.0, y[:40])  # other data
    np.testing.assert_array_equal(clf.coef_, coef)
    np.testing.assert_allclose(mirror.coef_, coef)
    assert np.all(clf.predict(mirror.transform(X)) != clf.predict(X))
    with pytest.raises(ValueError, match="features"):
        MirrorImage(FrozenEstimator(clf)).fit(X[:, :10], y)


def test_multiclass_runner_up_and_target():
    X, y = load_digits(return_X_y=True)
    X, y = X[:600] / 16.0, y[:600]
    clf = LogisticRegression(C=1.0, max_iter=3000).fit(X, y)
    S = clf.decision_function(X)
    order = np.argsort(-S, axis=1)
    mirror = MirrorImage(FrozenEstimator(clf)).fit(X, y)
    Sm = clf.decision_function(mirror.transform(X))
    rows = np.arange(len(X))
    p, r = order[:, 0], order[:, 1]
    # the pairwise margin between predicted and runner-up flips exactly
    np.testing.assert_allclose(
        Sm[rows, p] - Sm[rows, r], -(S[rows, p] - S[rows, r]), rtol=1e-8, atol=1e-8
    )
    # the projection is on the pairwise boundary
    proj = MirrorImage(FrozenEstimator(clf), kind="projection").fit(X, y).transform(X)
    Sp = clf.decision_function(proj)
    np.testing.assert_allclose(Sp[rows, p], Sp[rows, r], atol=1e-8)
    # target: towards class 3 (the runner-up for rows already predicted as 3)
    to3 = MirrorImage(FrozenEstimator(clf), target=3).fit(X, y)
    S3 = clf.decision_function(to3.transform(X))
    t = np.where(p == 3, r, 3)
    np.testing.assert_allclose(
        S3[rows, p] - S3[rows, t], -(S[rows, p] - S[rows, t]), rtol=1e-8, atol=1e-8
    )
    assert np.mean(clf.predict(to3.transform(X))[p != 3] == 3) > 0.5
    with pytest.raises(ValueError, match="target"):
        MirrorImage(FrozenEstimator(clf), target=11).fit(X, y)


def test_clip_and_report(mnist_pair):
    X, y = mnist_pair
    clf = ScaledLossLinearClassifier(lam=10.0)
    mirror = MirrorImage(clf, clip=(0, 255)).fit(X, y)
    report = mirror.transform_report(X)
    Xm = mirror.transform(X)
    np.testing.assert_array_equal(report.images, Xm)
    assert Xm.min() >= 0 and Xm.max() <= 255
    raw = MirrorImage(clf).fit(X, y).transform(X)
    out = np.any((raw < 0) | (raw > 255), axis=1)
    np.testing.assert_array_equal(report.out_of_box, out)
    assert report.n_out_of_box == out.sum() > 0
    np.testing.assert_allclose(report.distance, signed_distance(mirror.estimator_, X))
    np.testing.assert_array_equal(
        report.changed, mirror.estimator_.predict(Xm) != mirror.estimator_.predict(X)
    )
    # without clipping every image flips
    assert MirrorImage(clf).fit(X, y).transform_report(X).changed.all()
    assert MirrorImage(clf).fit(X, y).transform_report(X).n_out_of_box == 0


def test_dtypes_and_sparse(digits_pair):
    X, y = digits_pair
    for dtype in (np.float32, np.float64):
        mirror = MirrorImage(LogisticRegression(C=1e-3, max_iter=3000)).fit(X.astype(dtype), y)
        assert mirror.transform(X.astype(dtype)).dtype == dtype
    ours = MirrorImage(ScaledLossLinearClassifier(lam=1.0)).fit(X.astype(np.float32), y)
    Xm = ours.transform(X.astype(np.float32))
    assert Xm.dtype == np.float32
    assert np.all(ours.estimator_.predict(Xm) != ours.estimator_.predict(X.astype(np.float32)))
    mirror = MirrorImage(LogisticRegression(C=1e-3, max_iter=3000)).fit(X, y)
    Xs = mirror.transform(sp.csr_matrix(X))
    assert isinstance(Xs, np.ndarray)
    np.testing.assert_allclose(Xs, mirror.transform(X))


class _NetWithMirror(ClassifierMixin, BaseEstimator):
    """Stand-in for the package's nets: no coef_, its own mirror_images."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        self.calls_ = []
        return self

    def predict(self, X):
        return np.where(np.asarray(X).sum(axis=1) > 0, self.classes_[1], self.classes_[0])

    def mirror_images(self, X, target=None):
        self.calls_.append(target)
        return -np.asarray(X)


def test_delegates_to_mirror_images(digits_pair):
    X, y = digits_pair
    mirror = MirrorImage(_NetWithMirror(), target=7).fit(X, y)
    np.testing.assert_array_equal(mirror.transform(X), -X)
    assert mirror.estimator_.calls_ == [7]
    with pytest.raises(ValueError, match="kind"):
        MirrorImage(_NetWithMirror(), kind="projection").fit(X, y).transform(X)


def test_errors(digits_pair):
    X, y = digits_pair
    with pytest.raises(TypeError, match="no linear decision function"):
        MirrorImage(KNeighborsClassifier()).fit(X, y)
    with pytest.raises(NotFittedError):
        MirrorImage(LogisticRegression()).transform(X)
    with pytest.raises(ValueError, match="clip"):
        MirrorImage(LogisticRegression(), clip=(1, 0)).fit(X, y)
    with pytest.raises(ValueError, match="clip"):
        MirrorImage(LogisticRegression(), clip=(0, 1, 2)).fit(X, y)
    with pytest.raises(ValueError, match="kind"):
        MirrorImage(LogisticRegression(), kind="flip").fit(X, y)
    with pytest.raises(TypeError, match="fit method"):
        MirrorImage("LogisticRegression").fit(X, y)
    mirror = MirrorImage(LogisticRegression(C=1e-3)).fit(X, y)
    Xnan = X.copy()
    Xnan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        mirror.transform(Xnan)
    with pytest.raises(ValueError, match="features"):
        mirror.transform(X[:, :5])
    with pytest.raises(ValueError, match="requires y"):
        MirrorImage(LogisticRegression()).fit(X)


def test_runner_up_ties_go_to_the_first_class():
    """Scores tied to rounding must not decide the boundary a sample is reflected through."""
    from sklearn_tilt.preprocessing._mirror import _runner_up

    S = np.array(
        [
            [1.0, -1.0, -1.0 + 1e-13, 0.2],
            [1.0, -1.0 + 1e-13, -1.0, -3.0],
            [-1.0, 0.5, -1.0, -1.0 + 1e-12],
            [1.0, -1.0, -0.5, -3.0],
            [0.3, 0.3, 0.0, -1.0],
        ]
    )
    pred = np.argmax(S, axis=1)
    np.testing.assert_array_equal(_runner_up(S, pred), [3, 1, 0, 2, 1])


def test_equivalent_hinge_fits_give_the_same_images():
    """Weights vs repeated rows (the estimator check's data), with exact hinge margin ties."""
    rng = np.random.RandomState(42)
    X = rng.rand(15, 30)
    y = rng.randint(0, 3, size=15)
    sw = rng.randint(0, 5, size=15)
    weighted = MirrorImage().fit(X, y, sample_weight=sw)
    repeated = MirrorImage().fit(X.repeat(sw, axis=0), y.repeat(sw))
    S = weighted.estimator_.decision_function(X)
    second = np.sort(S, axis=1)[:, :2]
    assert np.any(np.abs(second[:, 1] - second[:, 0]) < 1e-9)  # the data has exact ties
    np.testing.assert_allclose(weighted.transform(X), repeated.transform(X), rtol=1e-9, atol=1e-9)
    assert weighted.estimator_.tol == 1e-10  # fitted precisely inside the transformer
