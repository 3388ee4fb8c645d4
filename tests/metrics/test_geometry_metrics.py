"""The metric functions: values, identities, the paper's trends, pipelines, bad input."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA, TruncatedSVD
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import (
    LogisticRegression,
    RidgeClassifier,
    SGDClassifier,
)
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    Normalizer,
    PolynomialFeatures,
    StandardScaler,
)
from sklearn.svm import SVC, LinearSVC

from sklearn_tilt import (
    ScaledLossLinearClassifier,
    adversarial_distance,
    error_distance,
    signed_distance,
    tilting_angle,
    tilting_plane,
)

from ._helpers import FirstOrderLinear, direct_binary


@pytest.fixture(scope="module")
def digits():
    """900 of scikit-learn's 8x8 digits, 10 classes, pixels in [0, 1]."""
    X, y = load_digits(return_X_y=True)
    return X[:900] / 16.0, y[:900]


def _sk_classifiers():
    return [
        LinearSVC(C=0.01),
        LogisticRegression(C=0.01, max_iter=2000),
        SGDClassifier(random_state=0),
        RidgeClassifier(alpha=10.0),
        ScaledLossLinearClassifier(loss="hinge", lam=1.0),
        ScaledLossLinearClassifier(loss="softplus", lam=1.0),
    ]


def _ids(ests):
    return [type(e).__name__ + getattr(e, "loss", "") for e in ests]


# --------------------------------------------------------------------------- #
# values equal direct computations from coef_
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("clf", _sk_classifiers(), ids=_ids(_sk_classifiers()))
def test_binary_values_equal_direct_computation(digits_pair, clf):
    X, y = digits_pair
    clf = clf.fit(X, y)
    d, d_adv, d_err, theta = direct_binary(clf.coef_, clf.intercept_, X, y, clf.classes_[1])
    np.testing.assert_allclose(signed_distance(clf, X), d, rtol=1e-6, atol=1e-9)
    assert adversarial_distance(clf, X, y) == pytest.approx(d_adv, rel=1e-6)
    assert error_distance(clf, X, y) == pytest.approx(d_err, rel=1e-6, abs=1e-12)
    assert tilting_angle(clf, X, y) == pytest.approx(theta, rel=1e-6, abs=1e-9)
    assert tilting_angle(clf, X, y, degrees=True) == pytest.approx(
        np.degrees(theta), rel=1e-6, abs=1e-7
    )
    # the sign convention is sklearn's: positive distances predict classes_[1]
    np.testing.assert_array_equal(signed_distance(clf, X) > 0, clf.predict(X) == clf.classes_[1])


@pytest.mark.parametrize("clf", _sk_classifiers(), ids=_ids(_sk_classifiers()))
def test_multiclass_per_class_values_equal_direct_ovr(digits, clf):
    X, y = digits
    clf = clf.fit(X, y)
    K = len(clf.classes_)
    D = signed_distance(clf, X)
    assert D.shape == (len(y), K)
    adv = adversarial_distance(clf, X, y, average=None)
    err = error_distance(clf, X, y, average=None)
    ang = tilting_angle(clf, X, y, average=None)
    for k, c in enumerate(clf.classes_):
        d, d_adv, d_err, theta = direct_binary(clf.coef_[k], clf.intercept_[k], X, y, c)
        np.testing.assert_allclose(D[:, k], d, rtol=1e-6, atol=1e-9)
        assert adv[k] == pytest.approx(d_adv, rel=1e-6)
        assert err[k] == pytest.approx(d_err, rel=1e-6, abs=1e-12)
        assert ang[k] == pytest.approx(theta, rel=1e-6)
    counts = np.array([np.sum(y == c) for c in clf.classes_])
    assert adversarial_distance(clf, X, y) == pytest.approx(np.average(adv, weights=counts))
    assert tilting_angle(clf, X, y) == pytest.approx(np.average(ang, weights=counts))
    assert error_distance(clf, X, y, average="macro") == pytest.approx(err.mean())


def test_multiclass_absent_class(digits):
    X, y = digits
    clf = LogisticRegression(C=0.01, max_iter=2000).fit(X, y)
    keep = y != 4  # class 4 absent from the evaluation set
    ang = tilting_angle(clf, X[keep], y[keep], average=None)
    assert np.isnan(ang[4]) and np.all(np.isfinite(np.delete(ang, 4)))
    assert np.isfinite(tilting_angle(clf, X[keep], y[keep]))
    assert np.isfinite(tilting_angle(clf, X[keep], y[keep], average="macro"))


def test_sample_weight_equals_repetition(digits_pair):
    X, y = digits_pair
    clf = LogisticRegression(C=0.01, max_iter=2000).fit(X, y)
    rng = np.random.RandomState(0)
    sw = rng.randint(0, 4, size=len(y))
    Xr, yr = np.repeat(X, sw, axis=0), np.repeat(y, sw)
    for f in (adversarial_distance, error_distance, tilting_angle):
        assert f(clf, X, y, sample_weight=sw) == pytest.approx(f(clf, Xr, yr), rel=1e-9)
    d, d_adv, _, theta = direct_binary(clf.coef_, clf.intercept_, X, y, clf.classes_[1], sw)
    assert adversarial_distance(clf, X, y, sample_weight=sw) == pytest.approx(d_adv)


# --------------------------------------------------------------------------- #
# the paper's identity and trends
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("loss", ["hinge", "softplus"])
def test_balanced_identity(mnist_pair, loss):
    X, y = mnist_pair
    n = min(np.sum(y == 3), np.sum(y == 5))
    idx = np.concatenate([np.flatnonzero(y == 3)[:n], np.flatnonzero(y == 5)[:n]])
    Xb, yb = X[idx], y[idx]
    for clf in (
        ScaledLossLinearClassifier(loss=loss, lam=100.0).fit(Xb, yb),
        LinearSVC(C=1e-5).fit(Xb, yb),
    ):
        dist = np.linalg.norm(Xb[yb == 5].mean(0) - Xb[yb == 3].mean(0))
        theta = tilting_angle(clf, Xb, yb)
        assert adversarial_distance(clf, Xb, yb) == pytest.approx(
            0.5 * dist * np.cos(theta), rel=1e-9
        )


def test_identity_fails_without_balance_but_general_form_holds(mnist_pair):
    X, y = mnist_pair
    keep = np.concatenate([np.flatnonzero(y == 3), np.flatnonzero(y == 5)[:150]])
    X, y = X[keep], y[keep]
    clf = LinearSVC(C=1e-5).fit(X, y)
    w, b = clf.coef_[0], clf.intercept_[0]
    i, j = X[y == 3].mean(0), X[y == 5].mean(0)
    p_j = np.mean(y == 5)
    d_adv = adversarial_distance(clf, X, y)
    general = (w @ (p_j * j - (1 - p_j) * i) + b * (2 * p_j - 1)) / np.linalg.norm(w)
    assert d_adv == pytest.approx(general, rel=1e-9)
    balanced = 0.5 * np.linalg.norm(j - i) * np.cos(tilting_angle(clf, X, y))
    assert abs(d_adv - balanced) > 1e-3 * abs(balanced)


@pytest.mark.parametrize("loss", ["hinge", "softplus"])
def test_tilting_angle_falls_as_lam_grows(mnist_pair, loss):
    X, y = mnist_pair
    lams = [1e1, 1e3, 1e5, 1e7]
    angles = [
        tilting_angle(ScaledLossLinearClassifier(loss=loss, lam=lam).fit(X, y), X, y, degrees=True)
        for lam in lams
    ]
    assert np.all(np.diff(angles) < 0), angles
    assert angles[0] > 30 and angles[-1] < 5


def test_large_lam_hinge_is_parallel_to_z(mnist_pair):
    X, y = mnist_pair
    clf = ScaledLossLinearClassifier(loss="hinge", lam=1e7).fit(X, y)
    assert tilting_angle(clf, X, y) == pytest.approx(0.0, abs=1e-6)
    plane = tilting_plane(clf, X, y)
    assert plane.coef[1] == pytest.approx(0.0, abs=1e-6 * np.linalg.norm(plane.coef))


# --------------------------------------------------------------------------- #
# tilting plane
# --------------------------------------------------------------------------- #
def test_tilting_plane(digits_pair, digits):
    X, y = digits_pair
    clf = LogisticRegression(C=1e-3, max_iter=2000).fit(X, y)
    plane = tilting_plane(clf, X, y)
    B = np.column_stack([plane.z, plane.n_hat])
    np.testing.assert_allclose(B.T @ B, np.eye(2), atol=1e-12)
    np.testing.assert_allclose(plane.coordinates, X @ B)
    # w lies in the plane: the 2-D distances are the full-space distances
    w = clf.coef_[0]
    np.testing.assert_allclose(
        plane.coef[0] * plane.z + plane.coef[1] * plane.n_hat, w, atol=1e-12 * np.abs(w).max()
    )
    d2 = (plane.coordinates @ plane.coef + plane.intercept) / np.linalg.norm(plane.coef)
    np.testing.assert_allclose(d2, signed_distance(clf, X), rtol=1e-8, atol=1e-8)
    assert plane.angle == pytest.approx(tilting_angle(clf, X, y))
    assert np.arccos(plane.coef[0] / np.linalg.norm(plane.coef)) == pytest.approx(plane.angle)
    # the other orientation flips z and w but keeps the angle
    flipped = tilting_plane(clf, X, y, pos_label=clf.classes_[0])
    np.testing.assert_allclose(flipped.z, -plane.z)
    assert flipped.angle == pytest.approx(plane.angle)
    # multiclass needs the class whose one-vs-rest boundary is drawn
    Xm, ym = digits
    mc = LogisticRegression(C=0.01, max_iter=2000).fit(Xm, ym)
    with pytest.raises(ValueError, match="pos_label"):
        tilting_plane(mc, Xm, ym)
    p7 = tilting_plane(mc, Xm, ym, pos_label=7)
    assert p7.angle == pytest.approx(tilting_angle(mc, Xm, ym, average=None)[7])


# --------------------------------------------------------------------------- #
# pipelines: measured in the input space
# --------------------------------------------------------------------------- #
def _affine_pipelines():
    return [
        make_pipeline(StandardScaler(), LinearSVC(C=0.01)),
        make_pipeline(StandardScaler(with_mean=False), LogisticRegression(max_iter=2000)),
        make_pipeline(MinMaxScaler(), SGDClassifier(random_state=0)),
        make_pipeline(MaxAbsScaler(), RidgeClassifier()),
        make_pipeline(StandardScaler(), PCA(20, whiten=True), LogisticRegression(max_iter=2000)),
        make_pipeline(TruncatedSVD(15, random_state=0), LinearSVC()),
        make_pipeline(FunctionTransformer(lambda Z: 3.0 * Z[:, ::-1] - 7.0), LinearSVC(C=0.01)),
        make_pipeline(
            "passthrough",
            make_pipeline(StandardScaler(), PCA(10)),
            ScaledLossLinearClassifier(loss="softplus", lam=1e-2),
        ),
    ]


@pytest.mark.parametrize("pipe", _affine_pipelines(), ids=lambda p: "+".join(p.named_steps))
def test_pipeline_measures_in_input_space(digits_pair, digits, pipe):
    for X, y in (digits_pair, digits):
        pipe = pipe.fit(X, y)
        D = signed_distance(pipe, X)
        S = pipe.decision_function(X)
        assert D.shape == S.shape
        n = 5
        D2, S2 = D[:n].reshape(n, -1), S[:n].reshape(n, -1)
        # finite-difference input gradient of every score (the pipeline is affine)
        eps = 1e-3 * np.abs(X).max()
        grad = np.stack(
            [
                (pipe.decision_function(X[:n] + eps * e[None]).reshape(n, -1) - S2) / eps
                for e in np.eye(X.shape[1])
            ],
            axis=-1,
        )  # (n, K, d)
        gnorm = np.linalg.norm(grad, axis=-1)
        # the distance is s(x) / ||grad_x s(x)|| in the space of the X given
        np.testing.assert_allclose(D2, S2 / gnorm, rtol=1e-5)
        # and a step of d(x) along the input-space normal lands on the boundary
        for k in range(S2.shape[1]):
            Xp = X[:n] - (D2[:, k] / gnorm[:, k])[:, None] * grad[:, k]
            np.testing.assert_allclose(
                pipe.decision_function(Xp).reshape(n, -1)[:, k],
                0,
                atol=1e-6 * np.abs(S2[:, k]).max() + 1e-9,
            )


def test_pipeline_distance_differs_from_transformed_space(digits_pair):
    X, y = digits_pair
    pipe = make_pipeline(StandardScaler(), LogisticRegression(C=0.01)).fit(X, y)
    Xt = pipe[:-1].transform(X)
    d_in = adversarial_distance(pipe, X, y)
    d_t = adversarial_distance(pipe[-1], Xt, y)
    assert not np.isclose(d_in, d_t, rtol=1e-2)
    # the angle in input space uses input-space centroids and weights
    W = pipe[-1].coef_[0] / pipe[0].scale_
    z = X[y == 7].mean(0) - X[y == 1].mean(0)
    assert tilting_angle(pipe, X, y) == pytest.approx(
        np.arccos(W @ z / np.linalg.norm(W) / np.linalg.norm(z)), rel=1e-9
    )


def test_wrappers_frozen_search_dataframe_sparse(digits_pair):
    pd = pytest.importorskip("pandas")
    import scipy.sparse as sp

    X, y = digits_pair
    clf = LogisticRegression(C=0.01, max_iter=2000).fit(X, y)
    ref = signed_distance(clf, X)
    np.testing.assert_allclose(signed_distance(FrozenEstimator(clf), X), ref)
    search = GridSearchCV(LogisticRegression(max_iter=2000), {"C": [0.01]}, cv=2).fit(X, y)
    np.testing.assert_allclose(signed_distance(search, X), ref, rtol=1e-6)
    np.testing.assert_allclose(signed_distance(clf, sp.csr_matrix(X)), ref)
    assert tilting_angle(clf, sp.csr_matrix(X), y) == pytest.approx(tilting_angle(clf, X, y))
    df = pd.DataFrame(X, columns=[f"px{k}" for k in range(X.shape[1])])
    pipe = make_pipeline(StandardScaler(), PCA(5), LogisticRegression()).fit(df, y)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "feature names" warning from the probes
        d_df = signed_distance(pipe, df)
    np.testing.assert_allclose(
        pipe.decision_function(df)
        / np.linalg.norm(pipe[-1].coef_[0] @ (pipe[1].components_ / pipe[0].scale_)),
        d_df,
        rtol=1e-8,
    )


def test_coef_without_intercept(digits_pair):
    class NoIntercept(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.classes_ = np.unique(y)
            self.coef_ = np.linspace(-1, 1, X.shape[1])[None]
            return self

    X, y = digits_pair
    clf = NoIntercept().fit(X, y)
    np.testing.assert_allclose(
        signed_distance(clf, X), X @ clf.coef_[0] / np.linalg.norm(clf.coef_)
    )


def test_float32_input(digits_pair):
    X, y = digits_pair
    clf = ScaledLossLinearClassifier(lam=1.0).fit(X.astype(np.float32), y)
    assert clf.coef_.dtype == np.float32
    d = signed_distance(clf, X.astype(np.float32))
    d64 = signed_distance(clf, X)
    np.testing.assert_allclose(d, d64, rtol=1e-4, atol=1e-3)


# --------------------------------------------------------------------------- #
# first-order protocol
# --------------------------------------------------------------------------- #
def test_first_order_protocol_matches_linear_binary(digits_pair):
    X, y = digits_pair
    net = FirstOrderLinear(C=0.01).fit(X, y)
    lin = net.linear_
    # margins with y: y_i d(x_i); without y: |d(x)|
    np.testing.assert_allclose(signed_distance(net, X), np.abs(signed_distance(lin, X)), rtol=1e-9)
    for f in (adversarial_distance, error_distance, tilting_angle):
        assert f(net, X, y) == pytest.approx(f(lin, X, y), rel=1e-9, abs=1e-12)
    per_class = adversarial_distance(net, X, y, average=None)
    assert per_class.shape == (2,)
    counts = np.bincount(np.searchsorted(net.classes_, y))
    assert np.average(per_class, weights=counts) == pytest.approx(adversarial_distance(net, X, y))
    with pytest.raises(TypeError, match="first-order"):
        tilting_plane(net, X, y)


def test_first_order_through_affine_pipeline(digits_pair, digits):
    for X, y in (digits_pair, digits):
        pipe = make_pipeline(StandardScaler(), FirstOrderLinear(C=0.1)).fit(X, y)
        ref = make_pipeline(pipe[0], pipe[-1].linear_)
        if len(np.unique(y)) == 2:
            assert adversarial_distance(pipe, X, y) == pytest.approx(
                adversarial_distance(ref, X, y), rel=1e-9
            )
        # multiclass: margin true class vs best other, over the norm of its input gradient
        S = pipe.decision_function(X)
        true = np.searchsorted(pipe.classes_, y)
        S_o = S.copy()
        S_o[np.arange(len(y)), true] = -np.inf
        other = S_o.argmax(1)
        W = pipe[-1].W_ / pipe[0].scale_
        G = W[true] - W[other]
        direct = (S[np.arange(len(y)), true] - S[np.arange(len(y)), other]) / np.linalg.norm(
            G, axis=1
        )
        assert adversarial_distance(pipe, X, y) == pytest.approx(direct.mean(), rel=1e-9)
        assert 0 <= tilting_angle(pipe, X, y) <= np.pi


# --------------------------------------------------------------------------- #
# bad input
# --------------------------------------------------------------------------- #
def test_bad_input_raises_clear_errors(digits_pair, digits):
    X, y = digits_pair
    clf = LogisticRegression(C=0.01).fit(X, y)
    Xnan = X.copy()
    Xnan[0, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        signed_distance(clf, Xnan)
    Xinf = X.copy()
    Xinf[1, 1] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        adversarial_distance(clf, Xinf, y)
    with pytest.raises(ValueError, match="features"):
        tilting_angle(clf, X[:, :10], y)
    with pytest.raises(ValueError, match="2D array"):
        signed_distance(clf, X[0])
    with pytest.raises(ValueError, match="inconsistent"):
        adversarial_distance(clf, X, y[:-1])
    with pytest.raises(ValueError, match="not among the estimator's classes_"):
        error_distance(clf, X, np.where(y == 1, 2, y))
    with pytest.raises(ValueError, match="both classes"):
        tilting_angle(clf, X[y == 1], y[y == 1])
    with pytest.raises(ValueError, match="average"):
        adversarial_distance(clf, X, y, average="micro")
    with pytest.raises(NotFittedError):
        signed_distance(LogisticRegression(), X)
    with pytest.raises(NotFittedError):
        tilting_angle(make_pipeline(StandardScaler(), LinearSVC()), X, y)


@pytest.mark.parametrize(
    "est",
    [
        KNeighborsClassifier(),
        SVC(kernel="rbf"),
        make_pipeline(StandardScaler(), KNeighborsClassifier()),
    ],
    ids=["knn", "rbf-svc", "pipeline-knn"],
)
def test_no_linear_decision_function_raises_type_error(digits_pair, est):
    X, y = digits_pair
    est.fit(X, y)
    with pytest.raises(TypeError, match="no linear decision function"):
        signed_distance(est, X)
    with pytest.raises(TypeError, match="no linear decision function"):
        tilting_angle(est, X, y)


def test_one_vs_one_svc_raises_type_error(digits):
    X, y = digits
    svc = SVC(kernel="linear", C=0.01).fit(X[:500], y[:500])
    with pytest.raises(TypeError, match="one-vs-rest"):
        adversarial_distance(svc, X, y)


@pytest.mark.parametrize(
    "step, name",
    [
        (Normalizer(), "normalizer"),
        (PolynomialFeatures(2), "polynomialfeatures"),
        (FunctionTransformer(np.sqrt), "functiontransformer"),
        (MinMaxScaler(clip=True), "minmaxscaler"),
    ],
)
def test_non_affine_step_raises_value_error_naming_it(digits_pair, step, name):
    X, y = digits_pair
    pipe = make_pipeline(step, LogisticRegression(max_iter=3000)).fit(X[::2], y[::2])
    X_eval = X * 1.5  # outside MinMaxScaler's range: its clipping is not affine there
    with pytest.raises(ValueError, match=f"'{name}'.*not affine"):
        signed_distance(pipe, X_eval)
