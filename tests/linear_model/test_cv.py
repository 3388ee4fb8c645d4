"""ScaledLossLinearClassifierCV as complete as LogisticRegressionCV."""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.datasets import load_digits
from sklearn.model_selection import GroupKFold, StratifiedKFold

from sklearn_tilt import (
    AdversarialDistance,
    ScaledLossLinearClassifier,
    ScaledLossLinearClassifierCV,
    TiltingAngle,
    adversarial_distance,
    scaled_loss_path,
)
from sklearn_tilt._geometry import class_centroids
from sklearn_tilt.linear_model import PAPER_LAMS
from sklearn_tilt.linear_model._cv import closed_form_threshold


@pytest.fixture(scope="module")
def digits_raw():
    """scikit-learn's digits as they come (values 0..16), a 600-image subset."""
    X, y = load_digits(return_X_y=True)
    return X[:600], y[:600]


@pytest.fixture(scope="module")
def pair():
    X, y = load_digits(n_class=2, return_X_y=True)
    return X, y


@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


def test_group_kfold_gets_groups(pair):
    """Was: GroupKFold fails for lack of groups."""
    X, y = pair
    groups = np.arange(len(y)) % 6
    lams = [1e-2, 1.0, 1e2]
    clf = ScaledLossLinearClassifierCV(lams=lams, cv=GroupKFold(3)).fit(X, y, groups=groups)
    for f, (train, test) in enumerate(GroupKFold(3).split(X, y, groups)):
        assert not set(groups[train]) & set(groups[test])
        expected = [
            ScaledLossLinearClassifier(lam=lam).fit(X[train], y[train]).score(X[test], y[test])
            for lam in lams
        ]
        np.testing.assert_allclose(clf.scores_[f], expected)
    with pytest.raises(ValueError, match="groups"):
        ScaledLossLinearClassifierCV(lams=lams, cv=GroupKFold(3)).fit(X, y)


def test_groups_routed_to_the_splitter(pair, routing):
    X, y = pair
    groups = np.arange(len(y)) % 6
    clf = ScaledLossLinearClassifierCV(lams=[1e-2, 1.0], cv=GroupKFold(3)).fit(X, y, groups=groups)
    assert clf.scores_.shape == (3, 2)


def test_scorer_metadata_is_routed(pair, routing):
    X, y = pair
    sw = np.random.default_rng(0).uniform(0.1, 3.0, len(y))
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    lams = [1e-1, 1e1]
    scorer = AdversarialDistance().set_score_request(sample_weight=True)
    clf = ScaledLossLinearClassifierCV(lams=lams, cv=folds, scoring=scorer, tol=1e-10)
    clf.fit(X, y, sample_weight=sw)
    for f, (train, test) in enumerate(folds):
        for k, lam in enumerate(lams):
            est = ScaledLossLinearClassifier(lam=lam, tol=1e-10).fit(
                X[train], y[train], sample_weight=sw[train]
            )
            np.testing.assert_allclose(
                clf.scores_[f, k],
                adversarial_distance(est, X[test], y[test], sample_weight=sw[test]),
                rtol=1e-6,
            )
    # the final fit is weighted too, and score() routes the weights to the scorer
    final = ScaledLossLinearClassifier(lam=clf.lam_, tol=1e-10).fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(clf.coef_, final.coef_)
    np.testing.assert_allclose(
        clf.score(X, y, sample_weight=sw), adversarial_distance(clf, X, y, sample_weight=sw)
    )


def test_score_uses_scoring(pair):
    X, y = pair
    clf = ScaledLossLinearClassifierCV(lams=[1e-1, 1e1], cv=3, scoring=TiltingAngle()).fit(X, y)
    assert clf.score(X, y) == TiltingAngle()(clf, X, y)
    assert clf.score(X, y) < 0
    plain = ScaledLossLinearClassifierCV(lams=[1e-1, 1e1], cv=3).fit(X, y)
    assert plain.score(X, y) == np.mean(plain.predict(X) == y)


@pytest.mark.parametrize("loss", ["hinge", "softplus"])
def test_fold_paths_are_kept(digits_raw, loss):
    X, y = digits_raw
    X3, y3 = X[y < 3], y[y < 3]
    lams = [1e-2, 1.0, 1e2]
    folds = list(StratifiedKFold(3).split(X3, y3))
    clf = ScaledLossLinearClassifierCV(lams=lams, cv=folds, loss=loss, tol=1e-10).fit(X3, y3)
    assert sorted(clf.coefs_paths_) == [0, 1, 2]
    assert clf.coefs_paths_[1].shape == (3, 3, 64)
    assert clf.intercepts_paths_[1].shape == (3, 3)
    train = folds[1][0]
    _, coefs, intercepts, _ = scaled_loss_path(
        X3[train], y3[train] == 2, lams=lams, loss=loss, tol=1e-10
    )
    np.testing.assert_allclose(
        clf.coefs_paths_[2][1], coefs, rtol=1e-5, atol=1e-6 * np.abs(coefs).max()
    )
    np.testing.assert_allclose(clf.intercepts_paths_[2][1], intercepts, rtol=1e-5, atol=1e-6)
    binary = ScaledLossLinearClassifierCV(lams=lams, cv=3, loss=loss).fit(X3[y3 < 2], y3[y3 < 2])
    assert list(binary.coefs_paths_) == [1] and binary.coefs_paths_[1].shape == (3, 3, 64)


def test_closed_form_threshold_is_where_the_hinge_closed_form_starts():
    """Balanced classes: w = (j - i) / (4 lam) exactly for lam >= lam_max, not below."""
    X, y = load_digits(n_class=2, return_X_y=True)
    keep = np.concatenate([np.flatnonzero(y == 0)[:150], np.flatnonzero(y == 1)[:150]])
    X, y = X[keep], y[keep]
    ypm = np.where(y == 1, 1.0, -1.0)
    lam_max = closed_form_threshold(X, [ypm], np.ones(len(y)))
    i, j = class_centroids(X, ypm)
    for factor in (1.0, 3.0):
        clf = ScaledLossLinearClassifier(lam=lam_max * factor, tol=1e-10).fit(X, y)
        np.testing.assert_allclose(clf.coef_[0], (j - i) / (4 * lam_max * factor), rtol=1e-6)
    below = ScaledLossLinearClassifier(lam=lam_max / 2, tol=1e-10).fit(X, y)
    assert (
        np.abs(below.coef_[0] - (j - i) / (2 * lam_max)).max()
        > 1e-3 * np.abs(j - i).max() / lam_max
    )


def test_default_grid_scales_with_the_data(digits_raw):
    X, y = digits_raw
    a = ScaledLossLinearClassifierCV(lams=7, cv=3).fit(X, y)
    b = ScaledLossLinearClassifierCV(lams=7, cv=3).fit(X / 16.0, y)
    np.testing.assert_allclose(a.lams_, b.lams_ * 16.0**2)
    np.testing.assert_allclose(a.cv_results_["mean_test_score"], b.cv_results_["mean_test_score"])
    assert a.lams_[0] > a.lams_[-1] and np.isclose(a.lams_[0] / a.lams_[-1], 1e7)


def test_raw_digits_default_grid_and_edge_warning():
    """On raw digits (values 0..16) the paper's pixel grid puts lam_ on its lower edge."""
    X, y = load_digits(return_X_y=True)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    with pytest.warns(UserWarning, match="smallest value of the grid"):
        paper = ScaledLossLinearClassifierCV(lams=PAPER_LAMS[::4], cv=cv).fit(X, y)
    assert paper.lam_ == PAPER_LAMS.min()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        clf = ScaledLossLinearClassifierCV(lams=16, cv=cv).fit(X, y)
    mean = clf.cv_results_["mean_test_score"]
    assert 0 < clf.best_index_ < len(clf.lams_) - 1
    assert np.sum(mean < 0.6) == 0
    assert clf.lam_ < PAPER_LAMS.min()
    assert clf.best_score_ > 0.95
