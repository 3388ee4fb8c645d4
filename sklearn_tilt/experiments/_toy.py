"""The toy problem: mirror images against theta, and L2 regularisation against a noisy point."""

import warnings
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from .. import _geometry as geo
from ..datasets import make_tilt_toy
from ..linear_model import scaled_loss_path
from ..metrics._path_geometry import mirror_images, path_metrics
from ..plotting import TiltToyDisplay
from ._io import save_figure

#: Default grid of the toy problem (its pixels are of order 1, not 255).
TOY_LAMS = 10.0 ** np.round(np.arange(-5.0, 2.0 + 1e-9, 0.25), 2)

#: Columns of the toy table (one row per loss and lam).
TOY_COLUMNS = (
    "loss",
    "lam",
    "log10_lam",
    "theta_deg",
    "train_error",
    "d_adv",
    "d_err",
    "norm_w",
    "intercept",
    "mirror_distance",
    "fits_noisy_point",
    "n_iter",
    "gap",
)


def run_toy(
    *,
    lams=None,
    losses=("hinge", "softplus"),
    n_samples=20,
    noisy_point=True,
    tol=1e-7,
    max_iter=5000,
):
    """Fit the toy problem with a noisy point over a range of ``lam`` (the paper's toy study).

    The data are :func:`sklearn_tilt.datasets.make_tilt_toy` (two classes on a
    line, one noisy point ``p`` of class J above class I). A weakly regularised
    classifier tilts its boundary to put ``p`` on the J side (large ``theta``,
    small mirror distance); a strongly regularised one ignores ``p``
    (``theta`` near 0).

    Parameters
    ----------
    lams : array-like, default=None
        Values of ``lam``; default :data:`TOY_LAMS` (``1e-5`` to ``1e2``).
    losses : sequence of {"hinge", "softplus"}, default=("hinge", "softplus")
    n_samples : int, default=20
        Images per class.
    noisy_point : bool or array-like of shape (2,), default=True
        See :func:`~sklearn_tilt.datasets.make_tilt_toy`.
    tol : float, default=1e-7
    max_iter : int, default=5000

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``table`` (dict of columns :data:`TOY_COLUMNS`), ``X``, ``y``,
        ``paths`` (dict loss -> (lams, coefs, intercepts)).

    Examples
    --------
    >>> from sklearn_tilt.experiments import run_toy
    >>> res = run_toy(lams=[1e-3, 1e2], losses=["hinge"])
    >>> res.table["theta_deg"].round(0).tolist()
    [67.0, 0.0]
    """
    lams = TOY_LAMS.copy() if lams is None else np.asarray(lams, dtype=np.float64).ravel()
    X, y = make_tilt_toy(n_samples, noisy_point=noisy_point)
    has_p = noisy_point is not False and noisy_point is not None
    image = X[geo.nearest_to_centroids(X, y)[0]]
    cols = {c: [] for c in TOY_COLUMNS}
    paths = {}
    for loss in losses:
        # one cold-started fit per value: the problem is tiny, and independent fits keep
        # each value of the table free of the path's history
        fits = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for lam in lams:
                fits.append(
                    scaled_loss_path(
                        X, y, lams=[lam], loss=loss, tol=tol, max_iter=max_iter, return_gaps=True
                    )
                )
        lams_ = np.concatenate([f[0] for f in fits])
        coefs = np.concatenate([f[1] for f in fits])
        intercepts = np.concatenate([f[2] for f in fits])
        n_iters = np.concatenate([f[3] for f in fits])
        gaps = np.concatenate([f[4] for f in fits])
        paths[loss] = (lams_, coefs, intercepts)
        q = path_metrics(coefs, intercepts, X, y)
        mirrors, _ = mirror_images(image[None, :], coefs, intercepts)
        n = len(lams_)
        cols["loss"] += [loss] * n
        cols["lam"] += list(lams_)
        cols["log10_lam"] += list(np.round(np.log10(lams_), 6))
        cols["theta_deg"] += list(np.degrees(q["theta"]))
        for c in ("train_error", "d_adv", "d_err", "norm_w"):
            cols[c] += list(q[c])
        cols["intercept"] += list(intercepts)
        cols["mirror_distance"] += list(np.linalg.norm(mirrors[:, 0] - image, axis=1))
        cols["fits_noisy_point"] += list((coefs @ X[-1] + intercepts) > 0) if has_p else [False] * n
        cols["n_iter"] += list(n_iters)
        cols["gap"] += list(gaps)
    table = {c: np.asarray(v) for c, v in cols.items()}
    table["loss"] = table["loss"].astype(str)
    return Bunch(table=table, X=X, y=y, paths=paths, image=image)


def toy_figures(out_dir, result, *, angles_deg=(0, 30, 60, 80)):
    """The toy figures; returns the written paths.

    ``toy_mirror_angles.png``: the boundary at several angles with an image and
    its mirror image; ``toy_regularisation.png``: the boundary fitted with the
    smallest ``lam`` and with the smallest ``lam`` at which ``theta < 1`` degree,
    for each loss; ``toy_theta.png``: ``theta`` and the mirror
    distance against ``lam``.
    """
    import matplotlib.pyplot as plt  # start-up time: pyplot only when figures are drawn

    out_dir = Path(out_dir)
    X, y = result.X, result.y
    Xc, yc = X[:-1], y[:-1]  # the clean problem (without p) for the angle figure
    paths = []
    fig, axes = plt.subplots(
        1,
        len(angles_deg),
        figsize=(3.6 * len(angles_deg), 3.8),
        layout="constrained",
        squeeze=False,
    )
    for ax, a in zip(axes[0], angles_deg):
        TiltToyDisplay.from_angle(
            np.radians(a), Xc, yc, image=result.image, ax=ax, title=rf"$\theta$={a}$^\circ$"
        )
    fig.suptitle("A mirror image as a function of the tilting angle")
    paths.append(out_dir / "toy_mirror_angles.png")
    save_figure(fig, paths[-1])

    losses = list(result.paths)
    fig, axes = plt.subplots(
        len(losses), 2, figsize=(7.5, 3.8 * len(losses)), layout="constrained", squeeze=False
    )
    for r, loss in enumerate(losses):
        lams, coefs, intercepts = result.paths[loss]
        m = result.table["loss"] == loss
        # "large" lam: the smallest value at which the boundary no longer tilts (beyond
        # it only the scale and, for imbalanced classes, the intercept keep changing)
        flat = result.table["lam"][m][result.table["theta_deg"][m] < 1.0]
        large = flat.min() if len(flat) else lams.max()
        for c, lam in enumerate((lams.min(), large)):
            TiltToyDisplay.from_path(
                lams, coefs, intercepts, X, y, lam=lam, image=result.image, ax=axes[r, c]
            )
            axes[r, c].set_title(axes[r, c].get_title() + f" ({loss})")
    fig.suptitle("A noisy point p: small $\\lambda$ tilts the boundary, large $\\lambda$ does not")
    paths.append(out_dir / "toy_regularisation.png")
    save_figure(fig, paths[-1])

    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
    t = result.table
    for loss in losses:
        m = t["loss"] == loss
        axes[0].plot(t["lam"][m], t["theta_deg"][m], label=loss)
        axes[1].plot(t["lam"][m], t["mirror_distance"][m], label=loss)
    axes[0].set_ylabel(r"tilting angle $\theta$ (degrees)")
    axes[1].set_ylabel(r"$\|x - x_m\|$")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel(r"$\lambda$")
        ax.grid(True, alpha=0.3)
        ax.legend(frameon=False)
    paths.append(out_dir / "toy_theta.png")
    save_figure(fig, paths[-1])
    return paths
