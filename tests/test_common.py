"""scikit-learn's estimator checks on every public estimator of the package.

Every public estimator passes every check, with no expected failure: the
classifiers for both losses, their CV variant, and ``MirrorImage`` with the
package's exact classifiers (fitted at a relative duality gap of at most 1e-10
inside the transformer, runner-up ties broken canonically) and with a
scikit-learn classifier.
"""

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
    MirrorImage(ScaledLossLinearClassifier(loss="softplus")),
    MirrorImage(LogisticRegression(), clip=(-10.0, 10.0)),
    MirrorImage(LogisticRegression(), kind="projection", clip=(-50.0, 50.0)),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
