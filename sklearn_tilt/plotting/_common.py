"""Drawing helpers shared by the displays (no geometry here: see ``metrics/_path_geometry``)."""

import numpy as np


def image_shape(n_features):
    """``(side, side)`` when ``n_features`` is a square larger than 4, else None."""
    side = int(round(np.sqrt(n_features)))
    return (side, side) if side * side == n_features and side > 2 else None


def grey_range(*arrays):
    """``(vmin, vmax)`` of the grey levels to draw: the range of the data given.

    Images keep their own units (pixels in [0, 255], [0, 16], standardised
    values...): a fixed range would draw some of them blank.
    """
    values = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        hi = lo + 1.0
    return lo, hi


def get_axes(ax, shape, figsize=None):
    """Return ``(figure, axes ndarray of the given shape)``, creating them if ``ax`` is None."""
    import matplotlib.pyplot as plt

    n = int(np.prod(shape))
    if ax is None:
        fig, axes = plt.subplots(*shape, figsize=figsize, squeeze=False, layout="constrained")
        return fig, np.asarray(axes).reshape(shape)
    axes = np.asarray(ax, dtype=object).reshape(-1)
    if axes.size != n:
        raise ValueError(f"ax must hold {n} Axes, got {axes.size}")
    return axes[0].figure, axes.reshape(shape)


def format_lam(lam):
    """``lam`` as a compact power of ten, e.g. ``1e+03`` -> ``'10^3'``."""
    a = np.log10(lam)
    if abs(a - round(a)) < 1e-9:
        return f"$10^{{{int(round(a))}}}$"
    return f"$10^{{{a:.1f}}}$"


def lam_title(lam):
    r"""``'$\lambda$=10^k'`` for a title or a row label."""
    return r"$\lambda$=" + format_lam(lam)
