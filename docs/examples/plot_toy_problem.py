"""
=========================================
The toy problem: tilted boundaries
=========================================

The paper's first figure: a two-pixel image space in which two classes lie on
one line (a one-dimensional data manifold). Every boundary whose normal makes an
angle :math:`\\theta < 90°` with the line separates the classes, but they are
not equally robust: the mirror image of an image through the boundary gets closer
to the image as :math:`\\theta` grows. Then a noisy training point shows where
the tilt comes from, and how L2 regularisation prevents it.

See :ref:`toy_problem` and :ref:`mirror_images` in the user guide.
"""

# %%
# Boundaries of increasing tilt
# -----------------------------
# :func:`~sklearn_tilt.datasets.make_tilt_toy` generates the two classes;
# :class:`~sklearn_tilt.plotting.TiltToyDisplay` draws a boundary with a given
# tilting angle, an image of class I and its mirror image.
import matplotlib.pyplot as plt
import numpy as np

from sklearn_tilt.datasets import TOY_NOISY_POINT, make_tilt_toy
from sklearn_tilt.plotting import TiltToyDisplay

X, y = make_tilt_toy(n_samples=20)
fig, axes = plt.subplots(1, 3, figsize=(12, 4), sharey=True)
for ax, degrees in zip(axes, [0, 45, 80]):
    TiltToyDisplay.from_angle(np.radians(degrees), X, y, ax=ax, title=f"theta = {degrees} degrees")
fig.tight_layout()

# %%
# The distance between an image and its mirror image is twice its distance to the
# boundary. For the class-I image nearest to its centroid:
for degrees in [0, 45, 80, 89]:
    disp = TiltToyDisplay.from_angle(np.radians(degrees), X, y)
    gap = np.linalg.norm(disp.image - disp.mirror)
    print(f"theta = {degrees:2d} degrees: ||x - x_m|| = {gap:.3f}")
    plt.close(disp.figure_)

# %%
# A noisy point tilts weakly regularised classifiers
# --------------------------------------------------
# Add one image :math:`p` labelled J above class I (its default position is
# ``TOY_NOISY_POINT``). A weakly regularised classifier (small ``lam``) tilts its
# boundary to fit it; a strongly regularised one ignores it and stays close to the
# nearest-centroid classifier (:math:`\theta = 0`).
from sklearn_tilt import ScaledLossLinearClassifier, tilting_angle

print("noisy point p =", TOY_NOISY_POINT)
X, y = make_tilt_toy(n_samples=20, noisy_point=True)

fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
for ax, lam in zip(axes, [1e-4, 1.0]):
    clf = ScaledLossLinearClassifier(loss="hinge", lam=lam).fit(X, y)
    theta = tilting_angle(clf, X, y, degrees=True)
    TiltToyDisplay.from_estimator(
        clf, X, y, ax=ax, title=f"hinge, lam={lam:g}: theta = {theta:.1f} deg"
    )
fig.tight_layout()

# %%
# The mirror images of the whole training set
# -------------------------------------------
# :class:`~sklearn_tilt.MirrorImage` is a transformer: it reflects every image
# through the boundary of its classifier. Each mirror image is classified in the
# other class, at the same distance from the boundary.
from sklearn_tilt import MirrorImage

mirror = MirrorImage(ScaledLossLinearClassifier(lam=1e-4)).fit(X, y)
X_mirror = mirror.transform(X)
clf = mirror.estimator_
print("all predictions flip:", bool(np.all(clf.predict(X_mirror) != clf.predict(X))))
print("mean ||x - x_m||:", float(np.linalg.norm(X - X_mirror, axis=1).mean()))
plt.show()
