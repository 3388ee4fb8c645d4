"""scikit-learn's estimator checks on every public estimator of the package."""

from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_tilt import MirrorImage, ScaledLossLinearClassifier, ScaledLossLinearClassifierCV

ESTIMATORS = [
    ScaledLossLinearClassifier(loss="hinge"),
    ScaledLossLinearClassifier(loss="softplus"),
    ScaledLossLinearClassifierCV(loss="hinge", lams=5, cv=3),
    ScaledLossLinearClassifierCV(loss="softplus", lams=5, cv=3),
    MirrorImage(),
    MirrorImage(kind="projection"),
    MirrorImage(LogisticRegression(), clip=(-10.0, 10.0)),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
