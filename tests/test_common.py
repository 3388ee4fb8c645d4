"""scikit-learn's estimator checks on every public estimator of the package."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_tilt import ScaledLossLinearClassifier


def _estimators():
    ests = [
        ScaledLossLinearClassifier(loss="hinge"),
        ScaledLossLinearClassifier(loss="softplus"),
    ]
    try:
        from sklearn_tilt import ScaledLossLinearClassifierCV

        ests += [
            ScaledLossLinearClassifierCV(loss="hinge", lams=5),
            ScaledLossLinearClassifierCV(loss="softplus", lams=5),
        ]
    except (ImportError, AttributeError):  # pragma: no cover - lands with the path issue
        pass
    try:
        from sklearn_tilt import MirrorImage

        ests += [MirrorImage(), MirrorImage(kind="projection")]
    except (ImportError, AttributeError):  # pragma: no cover - lands with the geometry issue
        pass
    return ests


@parametrize_with_checks(_estimators())
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
