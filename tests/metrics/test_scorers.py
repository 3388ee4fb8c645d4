"""The scorer classes inside scikit-learn's model selection."""

import pickle

import numpy as np
import pytest
import sklearn
from sklearn.datasets import load_digits
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_validate,
    validation_curve,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from sklearn_tilt import (
    AdversarialDistance,
    ErrorDistance,
    ScaledLossLinearClassifier,
    TiltingAngle,
    adversarial_distance,
    error_distance,
    tilting_angle,
)

METRICS = [
    (TiltingAngle, tilting_angle, -1),
    (AdversarialDistance, adversarial_distance, 1),
    (ErrorDistance, error_distance, -1),
]


def test_scorers_are_signed_functions(digits_pair):
    """Smaller-is-better quantities are negated (selected by maximising), d_adv is not."""
    X, y = digits_pair
    clf = LogisticRegression(C=1e-3, max_iter=2000).fit(X, y)
    sw = np.linspace(0.5, 2, len(y))
    assert TiltingAngle()(clf, X, y) == -tilting_angle(clf, X, y)
    assert TiltingAngle()(clf, X, y) < 0
    assert TiltingAngle(degrees=True)(clf, X, y) == -tilting_angle(clf, X, y, degrees=True)
    assert AdversarialDistance()(clf, X, y) == adversarial_distance(clf, X, y)
    assert AdversarialDistance()(clf, X, y) > 0
    assert ErrorDistance()(clf, X, y, sample_weight=sw) == -error_distance(
        clf, X, y, sample_weight=sw
    )
    X3, y3 = load_digits(n_class=3, return_X_y=True)
    mc = LogisticRegression(max_iter=3000).fit(X3 / 16, y3)
    assert TiltingAngle(average="macro")(mc, X3 / 16, y3) == -tilting_angle(
        mc, X3 / 16, y3, average="macro"
    )
    assert TiltingAngle(average="macro")(mc, X3 / 16, y3) != TiltingAngle()(mc, X3 / 16, y3)


def test_scorer_repr_params_pickle():
    assert repr(TiltingAngle()) == "TiltingAngle()"
    assert repr(TiltingAngle(degrees=True)) == "TiltingAngle(degrees=True)"
    assert repr(AdversarialDistance(average="macro")) == "AdversarialDistance(average='macro')"
    assert repr(ErrorDistance()) == "ErrorDistance()"
    for scorer in (TiltingAngle(degrees=True), AdversarialDistance(), ErrorDistance()):
        assert pickle.loads(pickle.dumps(scorer)) == scorer
    assert TiltingAngle(degrees=True) != TiltingAngle()
    assert TiltingAngle(degrees=True).get_params() == {"degrees": True, "average": "weighted"}
    with pytest.raises(ValueError, match="average"):
        AdversarialDistance(average=None)
    with pytest.raises(TypeError):
        TiltingAngle(sign=-1)  # one direction per scorer: the one to maximise


def test_cross_validate_and_validation_curve(digits_pair):
    X, y = digits_pair
    scoring = {
        "acc": "accuracy",
        "tilt": TiltingAngle(degrees=True),
        "dadv": AdversarialDistance(),
        "derr": ErrorDistance(),
    }
    pipe = make_pipeline(StandardScaler(), LinearSVC(C=0.01))
    res = cross_validate(pipe, X, y, scoring=scoring, cv=3, error_score="raise")
    assert np.all((res["test_tilt"] < 0) & (res["test_tilt"] > -90))
    assert np.all(res["test_dadv"] > 0) and np.all(res["test_derr"] <= 0)
    Cs = [1e-6, 1e-4, 1e-2]
    _, test = validation_curve(
        LogisticRegression(max_iter=5000),
        X,
        y,
        param_name="C",
        param_range=Cs,
        cv=3,
        scoring=TiltingAngle(),
        error_score="raise",
    )
    assert np.all(np.diff(test.mean(axis=1)) < 0)  # weaker regularisation: more tilted


def test_grid_search_selects_the_least_tilted(digits_pair):
    """A search maximises the scorer: refit on TiltingAngle picks the smallest angle."""
    X, y = digits_pair
    grid = {"C": [1e-5, 1e-3, 1e-1]}
    search = GridSearchCV(
        LogisticRegression(max_iter=5000),
        grid,
        scoring={
            "acc": "accuracy",
            "tilt": TiltingAngle(degrees=True),
            "dadv": AdversarialDistance(),
        },
        refit="acc",
        cv=StratifiedKFold(3),
        n_jobs=2,
        error_score="raise",
    ).fit(X, y)
    r = search.cv_results_
    assert np.all(np.diff(r["mean_test_tilt"]) < 0)
    assert np.all(np.diff(r["mean_test_dadv"]) < 0)
    for scoring in (TiltingAngle(), AdversarialDistance()):
        best = GridSearchCV(LogisticRegression(max_iter=5000), grid, scoring=scoring, cv=3).fit(
            X, y
        )
        assert best.best_params_ == {"C": 1e-5}


@pytest.mark.parametrize("loss", ["hinge", "softplus"])
def test_grid_search_over_lam_with_our_estimator(mnist_pair, loss):
    """Accuracy, tilting angle and d_adv in one call."""
    X, y = mnist_pair
    lams = [1e1, 1e3, 1e5]
    search = GridSearchCV(
        ScaledLossLinearClassifier(loss=loss),
        {"lam": lams},
        scoring={
            "acc": "accuracy",
            "tilt": TiltingAngle(degrees=True),
            "dadv": AdversarialDistance(),
        },
        refit="acc",
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        error_score="raise",
    ).fit(X, y)
    r = search.cv_results_
    assert np.all(np.diff(r["mean_test_tilt"]) > 0)  # minus the angle grows with lam
    assert np.all(np.diff(r["mean_test_dadv"]) > 0)
    assert r["mean_test_acc"].max() > 0.9
    assert {"rank_test_acc", "std_test_tilt", "split0_test_dadv"} <= set(r)
    assert search.best_params_["lam"] in lams


# --------------------------------------------------------------------------- #
# metadata routing
# --------------------------------------------------------------------------- #
@pytest.fixture
def routing():
    with sklearn.config_context(enable_metadata_routing=True):
        yield


def _weighted_fold_scores(est, X, y, sw, folds, scorer_cls, metric, sign):
    out = []
    for train, test in folds:
        fitted = sklearn.base.clone(est).fit(X[train], y[train], sample_weight=sw[train])
        out.append(sign * metric(fitted, X[test], y[test], sample_weight=sw[test]))
    return np.array(out)


@pytest.mark.parametrize("scorer_cls, metric, sign", METRICS)
def test_routed_sample_weight_reaches_scorer_in_cross_validate(
    digits_pair, routing, scorer_cls, metric, sign
):
    X, y = digits_pair
    X = X / 255.0
    rng = np.random.default_rng(0)
    sw = rng.uniform(0.1, 5.0, len(y))
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    est = ScaledLossLinearClassifier(lam=1e-2).set_fit_request(sample_weight=True)
    scorer = scorer_cls().set_score_request(sample_weight=True)
    res = cross_validate(
        est,
        X,
        y,
        cv=folds,
        scoring={"q": scorer},
        params={"sample_weight": sw},
        error_score="raise",
    )
    expected = _weighted_fold_scores(est, X, y, sw, folds, scorer_cls, metric, sign)
    np.testing.assert_allclose(res["test_q"], expected, rtol=1e-10, atol=1e-12)
    unweighted = _weighted_fold_scores(
        est,
        X,
        y,
        sw,
        [(tr, te) for tr, te in folds],
        scorer_cls,
        lambda e, X_, y_, sample_weight: metric(e, X_, y_),
        sign,
    )
    if scorer_cls is not ErrorDistance:  # (no training-fold error: d_err = 0 either way)
        assert not np.allclose(expected, unweighted)
    # an unrequested scorer does not silently drop the weights
    with pytest.raises(UnsetMetadataPassedError):
        cross_validate(
            est,
            X,
            y,
            cv=folds,
            scoring=scorer_cls(),
            params={"sample_weight": sw},
            error_score="raise",
        )
    # ... and one that declines them scores unweighted
    res = cross_validate(
        est,
        X,
        y,
        cv=folds,
        scoring=scorer_cls().set_score_request(sample_weight=False),
        params={"sample_weight": sw},
        error_score="raise",
    )
    np.testing.assert_allclose(res["test_score"], unweighted, rtol=1e-10, atol=1e-12)


def test_routed_sample_weight_in_grid_search(digits_pair, routing):
    """Every scorer of a multimetric search receives the test fold's weights."""
    X, y = digits_pair
    X = X / 255.0
    sw = np.random.default_rng(1).uniform(0.1, 5.0, len(y))
    folds = list(StratifiedKFold(3, shuffle=True, random_state=1).split(X, y))
    est = ScaledLossLinearClassifier().set_fit_request(sample_weight=True)
    scoring = {
        name: cls().set_score_request(sample_weight=True)
        for name, (cls, _, _) in zip(["tilt", "dadv", "derr"], METRICS)
    }
    lams = [1e-3, 1e-1]
    search = GridSearchCV(
        est, {"lam": lams}, scoring=scoring, refit="tilt", cv=folds, error_score="raise"
    ).fit(X, y, sample_weight=sw)
    for name, (cls, metric, sign) in zip(["tilt", "dadv", "derr"], METRICS):
        for k, lam in enumerate(lams):
            expected = _weighted_fold_scores(
                est.set_params(lam=lam), X, y, sw, folds, cls, metric, sign
            )
            got = [search.cv_results_[f"split{f}_test_{name}"][k] for f in range(3)]
            np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    assert search.best_params_ == {"lam": 1e-1}  # the least tilted


def test_set_score_request_needs_routing():
    with pytest.raises(RuntimeError, match="metadata routing"):
        TiltingAngle().set_score_request(sample_weight=True)
