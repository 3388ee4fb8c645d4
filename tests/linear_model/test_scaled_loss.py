"""ScaledLossLinearClassifier: exactness, invariances, API and bad input."""

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import SVC

from sklearn_tilt import ScaledLossLinearClassifier
from sklearn_tilt._geometry import angle_between, class_centroids
from sklearn_tilt._solvers import primal_objective

LOSSES = ["hinge", "softplus"]


def _objective(clf, X, y, k=0):
    yk = (
        np.where(y == clf.classes_[1], 1.0, -1.0)
        if len(clf.classes_) == 2
        else np.where(y == clf.classes_[k], 1.0, -1.0)
    )
    return primal_objective(
        X,
        yk,
        np.ones(len(y)),
        clf.lam,
        clf.loss,
        clf.coef_[k].astype(np.float64),
        float(clf.intercept_[k]),
    )


@pytest.mark.parametrize("lam", [1e-1, 1e1, 1e3, 1e5, 1e7])
def test_hinge_matches_svc_on_mnist_pair(mnist_pair, lam):
    X, y = mnist_pair
    n = len(y)
    clf = ScaledLossLinearClassifier(loss="hinge", lam=lam).fit(X, y)
    svc = SVC(kernel="linear", C=1.0 / (2 * n * lam), tol=1e-8).fit(X, y)
    ysg = np.where(y == clf.classes_[1], 1.0, -1.0)
    ref = primal_objective(
        X, ysg, np.ones(n), lam, "hinge", svc.coef_.ravel(), float(svc.intercept_[0])
    )
    ours = _objective(clf, X, y)
    assert ours <= ref * (1 + 1e-6)
    assert abs(ours - ref) <= 1e-6 * abs(ref) or ours < ref
    assert clf.dual_gap_[0] <= clf.tol


@pytest.mark.parametrize("lam", [1e-1, 1e2, 1e5])
def test_softplus_matches_logistic_regression(mnist_pair, lam):
    X, y = mnist_pair
    n = len(y)
    clf = ScaledLossLinearClassifier(loss="softplus", lam=lam).fit(X, y)
    ref_est = LogisticRegression(
        C=1.0 / (2 * n * lam), solver="newton-cholesky", tol=1e-12, max_iter=1000
    ).fit(X, y)
    ysg = np.where(y == clf.classes_[1], 1.0, -1.0)
    ref = primal_objective(
        X, ysg, np.ones(n), lam, "softplus", ref_est.coef_.ravel(), float(ref_est.intercept_[0])
    )
    ours = _objective(clf, X, y)
    assert ours <= ref * (1 + 1e-6)
    assert clf.dual_gap_[0] <= clf.tol


@pytest.mark.parametrize("loss", LOSSES)
def test_multiclass_is_one_vs_rest_of_binary_problems(loss):
    X, y = load_digits(return_X_y=True)
    X = X[:600] * (255.0 / 16.0)
    y = y[:600]
    clf = ScaledLossLinearClassifier(loss=loss, lam=10.0).fit(X, y)
    assert clf.coef_.shape == (10, 64)
    assert clf.intercept_.shape == (10,)
    assert clf.scale_.shape == (10,)
    for k in (0, 4, 9):
        binary = ScaledLossLinearClassifier(loss=loss, lam=10.0).fit(X, (y == k).astype(int))
        np.testing.assert_allclose(_objective(clf, X, y, k), binary.objective_[0], rtol=1e-6)
    assert clf.score(X, y) > 0.9


@pytest.mark.parametrize("loss", LOSSES)
def test_intercept_is_not_penalised(mnist_pair, loss):
    X, y = mnist_pair
    shift = np.linspace(-300.0, 500.0, X.shape[1])
    a = ScaledLossLinearClassifier(loss=loss, lam=10.0, tol=1e-10).fit(X, y)
    b = ScaledLossLinearClassifier(loss=loss, lam=10.0, tol=1e-10).fit(X + shift, y)
    np.testing.assert_allclose(b.coef_, a.coef_, rtol=1e-4, atol=1e-6 * np.abs(a.coef_).max())
    np.testing.assert_allclose(
        b.intercept_,
        a.intercept_ - a.coef_ @ shift,
        rtol=1e-4,
        atol=1e-4 * abs(a.intercept_[0]) + 1e-8,
    )


def test_large_lam_hinge_is_parallel_to_centroid_difference(mnist_pair):
    X, y = mnist_pair
    # balance the classes by weights so that the closed form is j - i
    clf = ScaledLossLinearClassifier(loss="hinge", lam=1e9).fit(X, y)
    ysg = np.where(y == clf.classes_[1], 1, -1)
    i, j = class_centroids(X, ysg)
    assert angle_between(clf.coef_[0], j - i) < 1e-6


@pytest.mark.parametrize("loss", LOSSES)
def test_warm_start_refit_converges_in_few_iterations(mnist_pair, loss):
    X, y = mnist_pair
    cold = ScaledLossLinearClassifier(loss=loss, lam=1.0).fit(X, y)
    warm = ScaledLossLinearClassifier(loss=loss, lam=1.0, warm_start=True).fit(X, y)
    warm.set_params(lam=1.0 * 10**0.1).fit(X, y)
    cold2 = ScaledLossLinearClassifier(loss=loss, lam=1.0 * 10**0.1).fit(X, y)
    assert warm.n_iter_ < cold2.n_iter_
    np.testing.assert_allclose(warm.objective_, cold2.objective_, rtol=1e-6)
    # refit at the same lam from the solution: (almost) nothing left to do
    again = clone(cold).set_params(warm_start=True).fit(X, y).fit(X, y)
    assert again.n_iter_ <= max(2, cold.n_iter_ // 10)


@pytest.mark.parametrize("loss", LOSSES)
def test_float32_dense_and_csr(digits_pair, loss):
    X, y = digits_pair
    ref = ScaledLossLinearClassifier(loss=loss, lam=1.0).fit(X, y)
    for Xt in (X.astype(np.float32), sp.csr_matrix(X), sp.csr_matrix(X.astype(np.float32))):
        clf = ScaledLossLinearClassifier(loss=loss, lam=1.0).fit(Xt, y)
        assert clf.coef_.dtype == Xt.dtype
        assert clf.decision_function(Xt).dtype == Xt.dtype
        np.testing.assert_allclose(clf.objective_, ref.objective_, rtol=1e-5)


@pytest.mark.parametrize("loss", LOSSES)
def test_sample_weight_equals_repetition(digits_pair, loss):
    X, y = digits_pair
    rng = np.random.RandomState(0)
    w = rng.randint(0, 4, size=len(y))
    a = ScaledLossLinearClassifier(loss=loss, lam=0.5, tol=1e-10).fit(X, y, sample_weight=w)
    b = ScaledLossLinearClassifier(loss=loss, lam=0.5, tol=1e-10).fit(
        np.repeat(X, w, axis=0), np.repeat(y, w)
    )
    np.testing.assert_allclose(a.objective_, b.objective_, rtol=1e-7)


def test_string_labels_and_predict_proba(digits_pair):
    X, y = digits_pair
    ys = np.where(y == 1, "one", "seven")
    clf = ScaledLossLinearClassifier(loss="softplus", lam=1.0).fit(X, ys)
    assert set(clf.predict(X)) <= {"one", "seven"}
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    assert not hasattr(ScaledLossLinearClassifier(loss="hinge").fit(X, ys), "predict_proba")


def test_pickle_roundtrip(digits_pair):
    X, y = digits_pair
    clf = ScaledLossLinearClassifier(lam=1.0).fit(X, y)
    clf2 = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clf.decision_function(X), clf2.decision_function(X))


def test_convergence_warning_when_max_iter_stops_it(mnist_pair):
    X, y = mnist_pair
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        ScaledLossLinearClassifier(lam=0.1, max_iter=1).fit(X, y)


def test_pipeline_and_grid_search_over_paper_grid(digits_pair):
    X, y = digits_pair
    pipe = make_pipeline(FunctionTransformer(lambda Z: Z / 255.0), ScaledLossLinearClassifier())
    grid = {"scaledlosslinearclassifier__lam": np.logspace(-1, 7, 81) / 255.0**2}
    search = GridSearchCV(pipe, grid, cv=StratifiedKFold(3), n_jobs=2).fit(X, y)
    assert search.best_score_ > 0.95
    assert len(search.cv_results_["mean_test_score"]) == 81


@pytest.mark.parametrize(
    "X, y, match",
    [
        (np.array([[0.0, np.nan], [1.0, 2.0]]), [0, 1], "NaN"),
        (np.array([[0.0, np.inf], [1.0, 2.0]]), [0, 1], "infinity"),
        (np.empty((0, 3)), [], "0 sample"),
        (np.ones((4, 2, 2)), [0, 1, 0, 1], "dim 3"),
        (np.ones((4, 2)), [1, 1, 1, 1], "one class"),
    ],
)
def test_bad_input_raises_clear_errors(X, y, match):
    with pytest.raises(ValueError, match=match):
        ScaledLossLinearClassifier().fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"lam": 0.0}, "lam"),
        ({"lam": -1.0}, "lam"),
        ({"lam": np.nan}, "lam"),
        ({"loss": "squared"}, "loss"),
        ({"max_iter": 0}, "max_iter"),
        ({"tol": -1}, "tol"),
    ],
)
def test_invalid_parameters(digits_pair, params, match):
    X, y = digits_pair
    with pytest.raises(ValueError, match=match):
        ScaledLossLinearClassifier(**params).fit(X, y)


def test_wrong_number_of_features_at_predict(digits_pair):
    X, y = digits_pair
    clf = ScaledLossLinearClassifier().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :10])
