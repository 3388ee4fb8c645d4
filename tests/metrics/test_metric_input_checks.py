"""Bad input to the metric functions: checked once, with a clear error."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_tilt import (
    adversarial_distance,
    error_distance,
    signed_distance,
    tilting_angle,
    tilting_plane,
)

LABELLED = [tilting_angle, adversarial_distance, error_distance, tilting_plane]


@pytest.fixture(scope="module")
def binary():
    X, y = load_digits(n_class=2, return_X_y=True)
    return X, y, LogisticRegression(max_iter=2000).fit(X, y)


@pytest.fixture(scope="module")
def three_classes():
    X, y = load_digits(n_class=3, return_X_y=True)
    return X, y, LogisticRegression(max_iter=2000).fit(X, y)


@pytest.mark.parametrize("metric", LABELLED)
def test_negative_sample_weight_is_rejected(binary, metric):
    X, y, clf = binary
    sw = np.ones(len(y))
    sw[3] = -50.0
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        metric(clf, X, y, sample_weight=sw)


@pytest.mark.parametrize("metric", LABELLED)
@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_sample_weight_is_rejected(binary, metric, bad):
    X, y, clf = binary
    sw = np.ones(len(y))
    sw[0] = bad
    with pytest.raises(ValueError, match="NaN|inf"):
        metric(clf, X, y, sample_weight=sw)


@pytest.mark.parametrize("metric", LABELLED)
def test_all_zero_sample_weight_is_rejected(binary, metric):
    X, y, clf = binary
    with pytest.raises(ValueError, match="non-zero"):
        metric(clf, X, y, sample_weight=np.zeros(len(y)))


@pytest.mark.parametrize(
    "metric, what", [(tilting_angle, "tilting angle"), (tilting_plane, "tilting plane")]
)
@pytest.mark.parametrize("absent", [0, 1])
def test_class_of_zero_weight_is_named(binary, metric, what, absent):
    """Was numpy's ZeroDivisionError from the weighted centroid of an empty class."""
    X, y, clf = binary
    sw = (y != absent) * 1.0
    with pytest.raises(
        ValueError,
        match=f"{what} needs samples of both classes in y: "
        f"class {absent} has a total sample_weight of zero",
    ):
        metric(clf, X, y, sample_weight=sw)


def test_zero_weight_class_is_absent_in_multiclass(three_classes):
    """A class of zero total weight counts as absent: nan per boundary, left out of averages."""
    X, y, clf = three_classes
    sw = (y != 2) * 1.0
    per_boundary = tilting_angle(clf, X, y, sample_weight=sw, average=None)
    assert np.isnan(per_boundary[2]) and np.all(np.isfinite(per_boundary[:2]))
    keep = y != 2
    # weights that are zero change nothing: the same as dropping those samples
    np.testing.assert_allclose(
        per_boundary[:2], tilting_angle(clf, X[keep], y[keep], average=None)[:2]
    )
    np.testing.assert_allclose(
        tilting_angle(clf, X, y, sample_weight=sw, average="macro"), per_boundary[:2].mean()
    )
    np.testing.assert_allclose(
        adversarial_distance(clf, X, y, sample_weight=sw),
        adversarial_distance(clf, X[keep], y[keep]),
    )
    with pytest.raises(
        ValueError,
        match="tilting plane needs samples of both classes in y: "
        "class 2 has a total sample_weight of zero",
    ):
        tilting_plane(clf, X, y, pos_label=2, sample_weight=sw)


@pytest.mark.parametrize("metric", [tilting_angle, adversarial_distance, error_distance])
def test_invalid_average_is_a_parameter_error(binary, metric):
    X, y, clf = binary
    with pytest.raises(InvalidParameterError, match="'average' parameter"):
        metric(clf, X, y, average="micro")


def test_parameter_types_are_checked(binary):
    X, y, clf = binary
    with pytest.raises(InvalidParameterError, match="'degrees' parameter"):
        tilting_angle(clf, X, y, degrees="yes")
    with pytest.raises(InvalidParameterError, match="'X' parameter"):
        signed_distance(clf, "not an array")
    with pytest.raises(InvalidParameterError, match="'sample_weight' parameter"):
        adversarial_distance(clf, X, y, sample_weight="uniform")
    with pytest.raises(InvalidParameterError, match="'pos_label' parameter"):
        tilting_plane(clf, X, y, pos_label=[1])
