"""scikit-learn's estimator checks on every public estimator of the package.

``ScaledLossLinearClassifier`` and ``ScaledLossLinearClassifierCV`` pass every
check for both losses. ``MirrorImage`` with one of our exact classifiers has two
expected failures, each with its measured reason below.
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
]

_MIRROR_WEIGHT_REASON = (
    "transform returns x - 2 d(x) w/||w||: its entries near 0 are differences of O(|x|) "
    "terms, so the check's 1e-7 relative tolerance (atol=0) asks for w to about 1e-10, "
    "beyond the certified tolerance of the fit (measured: largest difference 5e-9 on "
    "unit-scale data for softplus, 3e-7 relative for hinge); with the hinge loss the "
    "intercept of a one-vs-rest boundary can also be non-unique, which moves the "
    "runner-up class of near-tied samples"
)


def _expected_failed_checks(estimator):
    if isinstance(estimator, MirrorImage) and not isinstance(estimator.estimator,
                                                             LogisticRegression):
        return {
            "check_sample_weight_equivalence_on_dense_data": _MIRROR_WEIGHT_REASON,
            "check_sample_weight_equivalence_on_sparse_data": _MIRROR_WEIGHT_REASON,
        }
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
