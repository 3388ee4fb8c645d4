"""Figures of the experiments (PNG), built from the displays of :mod:`sklearn_tilt.plotting`."""

from pathlib import Path

import numpy as np

from ..metrics._path_geometry import path_entries
from ..plotting import (
    MirrorImageDisplay,
    RegularizationPathDisplay,
    ScaledLossDisplay,
    TiltingPlaneDisplay,
)
from ._io import save_figure
from ._svm import FIGURE_LAMS


def _plt():
    # start-up time: matplotlib only when figures are drawn
    import matplotlib
    import matplotlib.pyplot as plt

    if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "ps", "cairo"):
        plt.switch_backend("Agg")  # never pop windows from the command line or the tests
    return plt


def svm_pair_figures(
    out_dir, a, b, loss, lams, coefs, intercepts, X, y, rows, figure_lams=FIGURE_LAMS
):
    """The four per-pair figures; returns the written paths.

    ``svm_<loss>_<a>_<b>_path.png`` (errors, distances, angle, norm against lam),
    ``..._scaled_loss.png`` (histograms of y d(x) with the scaled loss),
    ``..._tilting_plane.png`` (projections on the tilting plane) and
    ``..._mirror.png`` (two images and their mirror images).
    """
    plt = _plt()
    out_dir = Path(out_dir)
    stem = f"svm_{loss}_{a}_{b}"
    name = f"{a} vs {b} ({loss})"
    paths = []
    order = np.argsort(rows["lam"])
    disp = RegularizationPathDisplay(
        lams=rows["lam"][order],
        train_error=rows["train_error"][order],
        test_error=rows["test_error"][order],
        d_adv=rows["d_adv"][order],
        d_err=rows["d_err"][order],
        theta=np.radians(rows["theta_deg"][order]),
        norm_w=rows["norm_w"][order],
        name=name,
    ).plot()
    paths.append(out_dir / f"{stem}_path.png")
    save_figure(disp.figure_, paths[-1])

    shown = sorted(set(path_entries(lams, coefs, intercepts, figure_lams)[0].tolist()))
    fig, axes = plt.subplots(
        1, len(shown), figsize=(3.3 * len(shown), 3.0), layout="constrained", squeeze=False
    )
    for ax, lam in zip(axes[0], shown):
        ScaledLossDisplay.from_path(lams, coefs, intercepts, X, y, lam=lam, loss=loss, ax=ax)
    fig.suptitle(f"{name}: signed distances $y\\,d(x)$ and the scaled loss")
    paths.append(out_dir / f"{stem}_scaled_loss.png")
    save_figure(fig, paths[-1])

    fig, axes = plt.subplots(
        1, len(shown), figsize=(3.6 * len(shown), 4.0), layout="constrained", squeeze=False
    )
    for ax, lam in zip(axes[0], shown):
        TiltingPlaneDisplay.from_path(lams, coefs, intercepts, X, y, lam=lam, ax=ax)
    fig.suptitle(f"{name}: the training data in the tilting plane")
    paths.append(out_dir / f"{stem}_tilting_plane.png")
    save_figure(fig, paths[-1])

    disp = MirrorImageDisplay.from_path(lams, coefs, intercepts, X, y, lams_to_show=shown)
    disp.figure_.suptitle(f"{name}: mirror images")
    paths.append(out_dir / f"{stem}_mirror.png")
    save_figure(disp.figure_, paths[-1])
    return paths


def _overview_title(n_pairs, n_highlighted):
    """Title of the overview figure: says what is grey and what is in colour, as drawn."""
    what = f"{n_pairs} pair{'s' if n_pairs != 1 else ''} of digits"
    n_grey = n_pairs - n_highlighted
    if n_highlighted == 0:
        return f"{what} (grey)"
    if n_grey == 0:
        return what
    return f"{what}: {n_highlighted} highlighted in colour, the other {n_grey} in grey"


def svm_overview_figure(path, table, highlight=()):
    """Test and train error, ``d_adv`` and ``theta`` against ``lam`` for every pair (one line each).

    Pairs in ``highlight`` are drawn in colour (with a legend), the others in grey;
    the title says how many of each are drawn.
    """
    plt = _plt()
    fig, axes = plt.subplots(1, 4, figsize=(16, 3.6), layout="constrained")
    pair_col = np.asarray(table["pair"]).astype(str)
    loss_col = np.asarray(table["loss"]).astype(str)
    highlight = {f"{a}-{b}" for a, b in highlight}
    cols = (
        ("test_error", 100, "test error (%)"),
        ("train_error", 100, "train error (%)"),
        ("d_adv", 1, r"$d_{adv}$"),
        ("theta_deg", 1, r"$\theta$ (degrees)"),
    )
    for lo, ls in (("hinge", "-"), ("softplus", "--")):
        for p in dict.fromkeys(pair_col[loss_col == lo]):
            m = (pair_col == p) & (loss_col == lo)
            lam = np.asarray(table["lam"], dtype=float)[m]
            order = np.argsort(lam)
            hi = p in highlight
            for ax, (c, f, _) in zip(axes, cols):
                v = f * np.asarray(table[c], dtype=float)[m][order]
                ax.plot(
                    lam[order],
                    v,
                    ls,
                    lw=1.6 if hi else 0.6,
                    alpha=1.0 if hi else 0.35,
                    color=None if hi else "0.3",
                    label=f"{p} ({lo})" if hi else None,
                )
    for ax, (_, _, label) in zip(axes, cols):
        ax.set_xscale("log")
        ax.set_xlabel(r"$\lambda$")
        ax.set_ylabel(label)
        ax.grid(True, alpha=0.3)
    axes[3].set_ylim(0, 90)
    pairs = set(pair_col)
    if highlight & pairs:
        axes[0].legend(fontsize="x-small", frameon=False)
    fig.suptitle(_overview_title(len(pairs), len(highlight & pairs)))
    save_figure(fig, path)
    return Path(path)
