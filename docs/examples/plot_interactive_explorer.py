"""
=====================================================
An interactive page for your own binary problem
=====================================================

:func:`~sklearn_tilt.plotting.explore` computes the regularisation path of a binary
problem and writes a self-contained HTML page (optional extra ``report``: Bokeh)
where a slider moves :math:`\\lambda`: the boundary tilts in the tilting plane, the
projected and mirror images change, and :math:`\\theta`, :math:`d_{\\mathrm{adv}}`,
:math:`d_{\\mathrm{err}}` and the errors follow, with a marker at the current value.
The page opens from disk with no server and no network. Features that form a square
grid are drawn as images, other features as profiles.

See :ref:`interactive_report` for the page that ``sklearn-tilt reproduce`` writes.
"""

# %%
# Digits 3 vs 8
# -------------
# scikit-learn's 8x8 digits, rescaled to pixels in [0, 255] so that the paper's grid
# of :math:`\lambda` applies; half of the images are kept as test data.
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

from sklearn_tilt.plotting import TiltExplorer, explore

X, y = load_digits(return_X_y=True)
mask = np.isin(y, [3, 8])
X, y = X[mask] * (255.0 / 16.0), y[mask]
page = explore(
    X[::2],
    y[::2],
    X_test=X[1::2],
    y_test=y[1::2],
    lams=np.logspace(-1, 7, 17),
    title="digits 3 vs 8",
)
assert isinstance(page, TiltExplorer)
out = Path(tempfile.mkdtemp()) / "tilt_digits.html"
page.save(out)
print(f"{out.name}: {out.stat().st_size / 1e6:.2f} MB, self-contained")

# %%
# What the page shows
# -------------------
# The same numbers that the page animates, drawn for the first and last values of
# :math:`\lambda`: the tilting angle falls to 0 as :math:`\lambda` grows, and the
# mean distance of the data to the boundary grows.
prob = page.problems_["3 vs 8"]
curves = prob["curves"]
fig, axes = plt.subplots(1, 2, figsize=(8, 3), layout="constrained")
axes[0].semilogx(prob["lams"], curves["theta_deg"])
axes[0].set(xlabel="lam", ylabel="theta (degrees)")
axes[1].semilogx(prob["lams"], curves["d_adv"], label="d_adv")
axes[1].semilogx(prob["lams"], curves["d_err"], label="d_err")
axes[1].set(xlabel="lam", ylabel="pixels")
axes[1].legend()
plt.show()

# %%
# Features that are not images
# ----------------------------
# Any binary problem works; here the 30 features of the breast cancer data set are
# shown as profiles of the original, projected and mirror samples.
from sklearn.datasets import load_breast_cancer

Xb, yb = load_breast_cancer(return_X_y=True)
page = explore(Xb, yb, lams=np.logspace(-3, 3, 13), n_images=1)
page.save(out.with_name("tilt_breast_cancer.html"))
print(sorted(page.problems_))
