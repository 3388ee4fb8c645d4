"""The scorer classes inside scikit-learn's model selection."""

import pickle

import numpy as np
import pytest
from sklearn.datasets import load_digits
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



def test_scorers_equal_functions(digits_pair):
    X, y = digits_pair
    clf = LogisticRegression(C=1e-3, max_iter=2000).fit(X, y)
    sw = np.linspace(0.5, 2, len(y))
    assert TiltingAngle()(clf, X, y) == tilting_angle(clf, X, y)
    assert TiltingAngle(degrees=True)(clf, X, y) == tilting_angle(clf, X, y, degrees=True)
    assert AdversarialDistance()(clf, X, y) == adversarial_distance(clf, X, y)
    assert ErrorDistance()(clf, X, y, sample_weight=sw) == error_distance(clf, X, y,
                                                                           sample_weight=sw)
    assert TiltingAngle(sign=-1)(clf, X, y) == -tilting_angle(clf, X, y)
    assert ErrorDistance(sign=-1)(clf, X[:50], y[:50]) <= 0
    X3, y3 = load_digits(n_class=3, return_X_y=True)
    mc = LogisticRegression(max_iter=3000).fit(X3 / 16, y3)
    assert TiltingAngle(average="macro")(mc, X3 / 16, y3) == tilting_angle(
        mc, X3 / 16, y3, average="macro")


def test_scorer_repr_params_pickle():
    assert repr(TiltingAngle()) == "TiltingAngle()"
    assert repr(TiltingAngle(degrees=True, sign=-1)) == "TiltingAngle(degrees=True, sign=-1)"
    assert repr(AdversarialDistance(average="macro")) == "AdversarialDistance(average='macro')"
    assert repr(ErrorDistance()) == "ErrorDistance()"
    for scorer in (TiltingAngle(degrees=True), AdversarialDistance(), ErrorDistance(sign=-1)):
        assert pickle.loads(pickle.dumps(scorer)) == scorer
    assert TiltingAngle(degrees=True).get_params() == {"degrees": True, "average": "weighted",
                                                       "sign": 1}
    with pytest.raises(ValueError, match="sign"):
        TiltingAngle(sign=0)
    with pytest.raises(ValueError, match="average"):
        AdversarialDistance(average=None)


def test_cross_validate_and_validation_curve(digits_pair):
    X, y = digits_pair
    scoring = {"acc": "accuracy", "tilt": TiltingAngle(degrees=True),
               "dadv": AdversarialDistance(), "derr": ErrorDistance()}
    pipe = make_pipeline(StandardScaler(), LinearSVC(C=0.01))
    res = cross_validate(pipe, X, y, scoring=scoring, cv=3, error_score="raise")
    assert np.all((res["test_tilt"] > 0) & (res["test_tilt"] < 90))
    assert np.all(res["test_dadv"] > 0) and np.all(res["test_derr"] >= 0)
    Cs = [1e-6, 1e-4, 1e-2]
    _, test = validation_curve(LogisticRegression(max_iter=5000), X, y, param_name="C",
                               param_range=Cs, cv=3, scoring=TiltingAngle(), error_score="raise")
    assert np.all(np.diff(test.mean(axis=1)) > 0)  # weaker regularisation: more tilted


def test_grid_search_multimetric_parallel(digits_pair):
    X, y = digits_pair
    search = GridSearchCV(
        LogisticRegression(max_iter=5000),
        {"C": [1e-5, 1e-3, 1e-1]},
        scoring={"acc": "accuracy", "tilt": TiltingAngle(degrees=True),
                 "dadv": AdversarialDistance()},
        refit="acc", cv=StratifiedKFold(3), n_jobs=2, error_score="raise",
    ).fit(X, y)
    r = search.cv_results_
    assert np.all(np.diff(r["mean_test_tilt"]) > 0)
    assert np.all(np.diff(r["mean_test_dadv"]) < 0)
    # selecting the least tilted model with the "neg" convention
    neg = GridSearchCV(LogisticRegression(max_iter=5000), {"C": [1e-5, 1e-3, 1e-1]},
                       scoring=TiltingAngle(sign=-1), cv=3).fit(X, y)
    assert neg.best_params_ == {"C": 1e-5}


@pytest.mark.parametrize("loss", ["hinge", "softplus"])
def test_grid_search_over_lam_with_our_estimator(mnist_pair, loss):
    """The issue's "done when": accuracy, tilting angle and d_adv in one call."""
    X, y = mnist_pair
    lams = [1e1, 1e3, 1e5]
    search = GridSearchCV(
        ScaledLossLinearClassifier(loss=loss),
        {"lam": lams},
        scoring={"acc": "accuracy", "tilt": TiltingAngle(degrees=True),
                 "dadv": AdversarialDistance()},
        refit="acc", cv=StratifiedKFold(3, shuffle=True, random_state=0),
        error_score="raise",
    ).fit(X, y)
    r = search.cv_results_
    assert np.all(np.diff(r["mean_test_tilt"]) < 0)
    assert np.all(np.diff(r["mean_test_dadv"]) > 0)
    assert r["mean_test_acc"].max() > 0.9
    assert {"rank_test_acc", "std_test_tilt", "split0_test_dadv"} <= set(r)
    assert search.best_params_["lam"] in lams
