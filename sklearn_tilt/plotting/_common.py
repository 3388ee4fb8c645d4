"""What the displays share: the Display base and drawing helpers.

No geometry here: see :mod:`sklearn_tilt.metrics._path_geometry`.
"""

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


def get_axes(ax, shape, figsize=None, layout="constrained"):
    """Return ``(figure, axes ndarray of the given shape)``, creating them if ``ax`` is None."""
    import matplotlib.pyplot as plt  # start-up time: pyplot only when a figure is made

    n = int(np.prod(shape))
    if ax is None:
        fig, axes = plt.subplots(*shape, figsize=figsize, squeeze=False, layout=layout)
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


def _data_alias(attr):
    def get(self):
        return getattr(self, attr)

    return property(get, doc=f"The same array as ``{attr}`` (its older name).")


class DisplayMixin:
    """The part every Display of the package shares, as scikit-learn's Displays share theirs.

    A Display keeps its data once, in the attributes its constructor sets; its
    ``plot(ax=None, *, name=None, **kwargs)`` draws them. This base holds what
    ``plot`` does around the drawing: it makes the figure and axes when ``ax`` is
    None (or checks the axes given), picks the name shown (``name``, else the
    Display's own), and records where it drew in ``ax_`` and ``figure_``.

    A subclass lists in ``_data_names`` the data attributes that are also
    readable with a trailing underscore (``theta_`` is ``theta``: the names of
    earlier versions), in ``_grid`` and ``_figsize`` the axes a new figure gets,
    ``_layout`` the layout engine of a new figure, and in ``_name_attr`` the
    attribute that holds its default name.
    """

    _data_names = ()
    _grid = (1, 1)
    _figsize = None
    _layout = "constrained"
    _name_attr = "name"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for attr in cls.__dict__.get("_data_names", ()):
            setattr(cls, attr + "_", _data_alias(attr))

    def _set_data(self, **values):
        """Keep each value once, as it is drawn: float64 arrays, floats for scalars.

        None stays None and the labels ``y`` keep their dtype.
        """
        for attr, value in values.items():
            if value is not None:
                value = (
                    np.asarray(value)
                    if attr == "y"
                    else float(value)
                    if np.ndim(value) == 0
                    else np.asarray(value, dtype=np.float64)
                )
            setattr(self, attr, value)

    def _plot_start(self, ax, name, *, grid=None, figsize=None):
        """``(figure, axes, name)`` of one call of ``plot``.

        ``axes`` is the single Axes of a ``(1, 1)`` grid, else an ndarray of the
        grid's shape; ``name`` is a str or None.
        """
        grid = self._grid if grid is None else grid
        fig, axes = get_axes(
            ax, grid, figsize=self._figsize if figsize is None else figsize, layout=self._layout
        )
        name = getattr(self, self._name_attr, None) if name is None else name
        return fig, (axes[0, 0] if grid == (1, 1) else axes), (str(name) if name else None)

    def _plot_end(self, fig, ax):
        """Record where the Display drew; returns ``self`` (what ``plot`` returns)."""
        self.ax_, self.figure_ = ax, fig
        return self


def title_of(*parts):
    """The non-empty parts joined by commas (None when all are empty)."""
    text = ", ".join(str(p) for p in parts if p)
    return text or None


def add_thumbnail(
    ax, image, xy, xybox, *, shape, value_range, cmap, zoom, boxcoords, pad, color=None
):
    """Draw ``image`` (reshaped to ``shape``) as a thumbnail at ``xybox``, linked to ``xy``.

    ``value_range`` is the ``(vmin, vmax)`` of the colour map; ``color``, when
    given, colours the frame and the link.
    """
    # start-up time: matplotlib only when a thumbnail is drawn
    from matplotlib.colors import Normalize
    from matplotlib.offsetbox import AnnotationBbox, OffsetImage

    box = OffsetImage(
        np.asarray(image).reshape(shape), cmap=cmap, zoom=zoom, norm=Normalize(*value_range)
    )
    link = {"arrowstyle": "-", "lw": 0.5}
    frame = {}
    if color is not None:
        link["color"] = color
        frame["bboxprops"] = {"edgecolor": color}
    ax.add_artist(
        AnnotationBbox(
            box,
            xy,
            xybox=xybox,
            xycoords="data",
            boxcoords=boxcoords,
            pad=pad,
            arrowprops=link,
            **frame,
        )
    )
