"""
=====================================================
Model selection with robustness scorers
=====================================================

The adversarial distance, the error distance and the tilting angle are available
as scikit-learn scorers, so they can be reported, or optimised, by any model
selection tool: :class:`~sklearn.model_selection.GridSearchCV`,
:func:`~sklearn.model_selection.cross_validate`, ... They work with
sklearn-tilt's classifiers and with scikit-learn's linear classifiers, also
inside a pipeline (distances are measured in the pipeline's input space).

See :ref:`model_selection` in the user guide.
"""

# %%
# Data: two digits of scikit-learn's 8x8 digits
# ---------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split

X, y = load_digits(n_class=10, return_X_y=True)
pair = np.isin(y, [1, 7])
X, y = X[pair] * 16.0, y[pair]  # pixels in [0, 256], like MNIST's [0, 255]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)

# %%
# A grid search that reports accuracy and robustness
# --------------------------------------------------
# A search maximises its scorers. :class:`~sklearn_tilt.AdversarialDistance`
# (greater is better) returns ``d_adv`` as is; :class:`~sklearn_tilt.TiltingAngle`
# and :class:`~sklearn_tilt.ErrorDistance` (smaller is better) return ``-theta``
# and ``-d_err``, like scikit-learn's ``neg_*`` scorers. Here they are reported
# while the search refits on accuracy; the plot shows the angle itself,
# ``-mean_test_neg_theta``.
#
# ``class_weight="balanced"`` gives both classes the same total weight: for very
# large ``lam`` every point lies inside the hinge margin, and with unbalanced
# classes the unpenalised intercept would then be pushed until one class is
# entirely misclassified (the paper's "poorly adjusted" strongly regularised SVMs).
from sklearn_tilt import (
    AdversarialDistance,
    ErrorDistance,
    ScaledLossLinearClassifier,
    TiltingAngle,
)

scoring = {
    "accuracy": "accuracy",
    "d_adv": AdversarialDistance(),
    "neg_d_err": ErrorDistance(),
    "neg_theta": TiltingAngle(degrees=True),
}
lams = np.logspace(-1, 7, 17)
clf = ScaledLossLinearClassifier(loss="hinge", class_weight="balanced")
search = GridSearchCV(clf, {"lam": lams}, scoring=scoring, refit="accuracy", cv=5, n_jobs=1)
search.fit(X_train, y_train)
res = search.cv_results_
print("best lam by accuracy:", search.best_params_["lam"])

fig, axes = plt.subplots(1, 3, figsize=(13, 3.5), sharex=True)
for ax, key, sign, label in zip(
    axes,
    ["accuracy", "d_adv", "neg_theta"],
    [1, 1, -1],
    ["accuracy", "adversarial distance", "tilting angle (deg)"],
):
    ax.errorbar(lams, sign * res[f"mean_test_{key}"], yerr=res[f"std_test_{key}"], marker="o", ms=3)
    ax.set(xscale="log", xlabel="lam", title=label)
fig.tight_layout()

# %%
# Selecting on a trade-off
# ------------------------
# Selecting on :class:`~sklearn_tilt.TiltingAngle` picks the smallest angle: the
# tilting angle alone selects the strongest
# regularisation, where the boundary is parallel to the nearest-centroid
# classifier, so it is better used in a trade-off. Any callable ``(estimator, X, y) -> float``
# can also combine accuracy and robustness (with the accuracy from ``predict``:
# the CV classifier's ``score`` method applies its ``scoring``).
# :class:`~sklearn_tilt.ScaledLossLinearClassifierCV` does the same search over a
# warm-started path, which is cheaper than refitting every model from scratch.
from sklearn.metrics import accuracy_score

from sklearn_tilt import ScaledLossLinearClassifierCV, adversarial_distance

neg_theta = GridSearchCV(clf, {"lam": lams}, scoring=TiltingAngle(), cv=5).fit(X_train, y_train)
print("lam with the smallest tilting angle:", neg_theta.best_params_["lam"])


def accuracy_and_robustness(estimator, X, y):
    """Accuracy plus a small reward for the adversarial distance."""
    accuracy = accuracy_score(y, estimator.predict(X))
    return accuracy + 1e-3 * adversarial_distance(estimator, X, y)


cv_clf = ScaledLossLinearClassifierCV(
    lams=lams, cv=5, class_weight="balanced", scoring=accuracy_and_robustness
).fit(X_train, y_train)
print(
    f"ScaledLossLinearClassifierCV: lam = {cv_clf.lam_:g}, "
    f"test accuracy = {accuracy_score(y_test, cv_clf.predict(X_test)):.3f}, "
    f"d_adv = {adversarial_distance(cv_clf, X_test, y_test):.1f}"
)

# %%
# scikit-learn's own classifiers, in a pipeline
# ---------------------------------------------
# The scorers need only a linear decision function: here a
# :class:`~sklearn.linear_model.LogisticRegression` after a
# :class:`~sklearn.preprocessing.StandardScaler`. The distances are measured in the
# pipeline's input space (pixels), through the affine scaler.
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

for C in (1e-4, 1e2):
    pipe = make_pipeline(
        StandardScaler(), LogisticRegression(C=C, class_weight="balanced", max_iter=5000)
    )
    cv = cross_validate(pipe, X_train, y_train, cv=5, scoring=scoring)
    print(
        f"LogisticRegression(C={C:g}): accuracy {cv['test_accuracy'].mean():.3f}, "
        f"d_adv {cv['test_d_adv'].mean():6.1f}, theta {-cv['test_neg_theta'].mean():5.1f} deg"
    )
plt.show()
