"""The tilting-plane projection of a binary linear classifier."""

import numpy as np

from ..metrics._path_geometry import binary_labels, linear_boundary, path_entry, plane_picture
from ._common import DisplayMixin, add_thumbnail, grey_range, image_shape, lam_title, title_of


class TiltingPlaneDisplay(DisplayMixin):
    """The data projected on the tilting plane of a linear classifier.

    The plane is spanned by the nearest-centroid direction ``z`` (horizontal)
    and by ``n_hat``, the part of ``w`` orthogonal to ``z`` (vertical), so the
    boundary ``w.x + b = 0`` is a line in it and distances in the plane are
    distances in input space. The display shows the two classes, the boundary,
    the two centroids, two representative images (one per class, circles) and
    their mirror images ``x_m = x - 2 d(x) w / ||w||`` (squares). The tilting
    angle ``theta`` is the angle between the boundary's normal and the
    horizontal axis.

    Create it with :meth:`from_estimator` or :meth:`from_path`.

    Parameters
    ----------
    coords : ndarray of shape (n_samples, 2)
        Plane coordinates ``(x.z, x.n_hat)`` of the data.
    y : ndarray of shape (n_samples,)
        Labels coded -1 / +1.
    w_plane : ndarray of shape (2,)
        Coordinates ``(w.z, w.n_hat)`` of ``w`` (it lies in the plane).
    intercept : float
    theta : float
        Tilting angle (radians).
    centroids : ndarray of shape (2, 2)
        Plane coordinates of the centroids ``i`` and ``j``.
    images : ndarray of shape (2, n_features), default=None
        The representative images ``(x_i, x_j)``.
    mirrors : ndarray of shape (2, n_features), default=None
        Their mirror images.
    image_coords, mirror_coords : ndarray of shape (2, 2), default=None
        Their plane coordinates.
    class_names : sequence of 2 str, default=("I", "J")
    lam : float, default=None
    name : str, default=None
        Name of the problem, shown in the title.

    Attributes
    ----------
    coords, y, w_plane, theta, centroids, images, mirrors, image_coords, mirror_coords
        The plotted arrays (float64 ndarrays, ``theta`` a float, the images None
        when not given), also readable under their earlier names ``coords_``, ...,
        ``mirror_coords_``.
    grey_range_ : tuple of 2 float or None
        Grey-level range of the thumbnails: the smallest and largest value of
        the two images (their mirrors are clipped to it; None without images).
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> from sklearn.svm import SVC
    >>> from sklearn_tilt.datasets import make_tilt_toy
    >>> from sklearn_tilt.plotting import TiltingPlaneDisplay
    >>> X, y = make_tilt_toy(noisy_point=True)
    >>> clf = SVC(kernel="linear", C=1e3).fit(X, y)
    >>> disp = TiltingPlaneDisplay.from_estimator(clf, X, y)
    >>> disp.coords.shape
    (41, 2)
    """

    _data_names = (
        "coords",
        "y",
        "w_plane",
        "theta",
        "centroids",
        "images",
        "mirrors",
        "image_coords",
        "mirror_coords",
    )
    _figsize = (4.5, 4.5)

    def __init__(
        self,
        *,
        coords,
        y,
        w_plane,
        intercept,
        theta,
        centroids,
        images=None,
        mirrors=None,
        image_coords=None,
        mirror_coords=None,
        class_names=("I", "J"),
        lam=None,
        name=None,
    ):
        self._set_data(
            coords=coords,
            y=y,
            w_plane=w_plane,
            intercept=intercept,
            theta=theta,
            centroids=centroids,
            images=images,
            mirrors=mirrors,
            image_coords=image_coords,
            mirror_coords=mirror_coords,
        )
        self.class_names = class_names
        self.lam = lam
        self.name = name

    @classmethod
    def _from_boundary(
        cls,
        w,
        b,
        X,
        y,
        *,
        classes=None,
        indices=None,
        lam=None,
        class_names=None,
        ax=None,
        show_images=True,
        name=None,
        **kwargs,
    ):
        classes, y_pm = binary_labels(y, classes)
        p = plane_picture(w, b, X, y_pm, indices)
        if class_names is None:
            class_names = tuple(str(c) for c in classes)
        disp = cls(
            coords=p.coords,
            y=y_pm,
            w_plane=p.w_plane,
            intercept=b,
            theta=p.theta,
            centroids=p.centroids,
            images=p.images,
            mirrors=p.mirrors,
            image_coords=p.image_coords,
            mirror_coords=p.mirror_coords,
            class_names=class_names,
            lam=lam,
            name=name,
        )
        return disp.plot(ax=ax, show_images=show_images, **kwargs)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        *,
        indices=None,
        class_names=None,
        ax=None,
        show_images=True,
        name=None,
        **kwargs,
    ):
        """Project the data on the tilting plane of a fitted binary linear classifier.

        The plane, the distances and the mirror images are those of the input
        space of ``X``, where :func:`~sklearn_tilt.metrics.tilting_angle` and
        :class:`~sklearn_tilt.preprocessing.MirrorImage` measure them: through an
        affine pipeline (``StandardScaler``, ``PCA``...) the boundary is pulled
        back to the pipeline's input.

        Parameters
        ----------
        estimator : fitted classifier with ``coef_`` and ``intercept_``
            Or an affine pipeline ending in one.
        X, y : the data to show (labels among the estimator's two classes;
            ``classes_[1]`` is class J).
        indices : pair of int, default=None
            Rows of ``X`` used as the representative images of class I and J;
            default: the image of each class nearest to its centroid.
        class_names : pair of str, default=None
            Defaults to the two labels.
        ax : matplotlib Axes, default=None
        show_images : bool, default=True
            Draw the representative and mirror images as thumbnails (when the
            number of features is a square, e.g. 28x28).
        name : str, default=None
            Name of the problem, shown in the title.
        **kwargs : dict
            Passed to matplotlib's ``scatter`` for the data points.

        Returns
        -------
        display : TiltingPlaneDisplay

        Examples
        --------
        >>> from sklearn.svm import SVC
        >>> from sklearn_tilt.datasets import make_tilt_toy
        >>> from sklearn_tilt.plotting import TiltingPlaneDisplay
        >>> X, y = make_tilt_toy()
        >>> disp = TiltingPlaneDisplay.from_estimator(SVC(kernel="linear").fit(X, y), X, y)
        >>> round(disp.theta, 6)
        0.0
        """
        bd = linear_boundary(estimator, X)
        return cls._from_boundary(
            bd.coef,
            bd.intercept,
            X,
            y,
            classes=bd.classes,
            indices=indices,
            class_names=class_names,
            lam=getattr(bd.estimator, "lam", None),
            ax=ax,
            show_images=show_images,
            name=name,
            **kwargs,
        )

    @classmethod
    def from_path(
        cls,
        lams,
        coefs,
        intercepts,
        X,
        y,
        *,
        lam,
        indices=None,
        class_names=None,
        ax=None,
        show_images=True,
        name=None,
        **kwargs,
    ):
        """Project the data on the tilting plane of one entry of a path.

        Parameters
        ----------
        lams, coefs, intercepts : a regularisation path.
        X, y : its training data.
        lam : float
            Which entry (nearest on a log scale).
        indices, class_names, ax, show_images, name, **kwargs : see :meth:`from_estimator`.

        Returns
        -------
        display : TiltingPlaneDisplay

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.datasets import make_tilt_toy
        >>> from sklearn_tilt.plotting import TiltingPlaneDisplay
        >>> X, y = make_tilt_toy()
        >>> disp = TiltingPlaneDisplay.from_path([1.0], [[1.0, 1.0]], [0.0], X, y, lam=1.0)
        >>> round(float(np.degrees(disp.theta)), 1)
        45.0
        """
        lam, w, b = path_entry(lams, coefs, intercepts, lam)
        return cls._from_boundary(
            w,
            b,
            X,
            y,
            indices=indices,
            class_names=class_names,
            lam=lam,
            ax=ax,
            show_images=show_images,
            name=name,
            **kwargs,
        )

    def plot(self, ax=None, *, name=None, show_images=True, max_points=2000, zoom=None, **kwargs):
        """Draw the projection.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        name : str, default=None
            Name of the problem shown in the title; defaults to ``self.name``.
        show_images : bool, default=True
            Thumbnails of the representative and mirror images (square images
            only), on a grey scale spanning the values of the two images.
        max_points : int, default=2000
            At most this many points per class are drawn (evenly subsampled).
        zoom : float, default=None
            Thumbnail zoom (default: about 25 points wide, whatever the image size).
        **kwargs : dict
            Passed to ``ax.scatter`` for the data points (e.g. ``s``, ``alpha``).

        Returns
        -------
        display : TiltingPlaneDisplay
            ``self``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.plotting import TiltingPlaneDisplay
        >>> disp = TiltingPlaneDisplay(
        ...     coords=np.array([[-1.0, 0.0], [1.0, 0.0]]), y=np.array([-1, 1]),
        ...     w_plane=np.array([1.0, 0.0]), intercept=0.0, theta=0.0,
        ...     centroids=np.array([[-1.0, 0.0], [1.0, 0.0]])).plot()
        >>> disp.ax_.get_xlabel()
        '$x \\\\cdot z$'
        """
        fig, ax, name = self._plot_start(ax, name)
        self.grey_range_ = None if self.images is None else grey_range(self.images)
        colors = ("tab:blue", "tab:orange")
        for k, label in enumerate((-1, 1)):
            pts = self.coords[self.y == label]
            step = max(1, int(np.ceil(len(pts) / max_points)))
            style = {
                "s": 4,
                "alpha": 0.35,
                "color": colors[k],
                "linewidths": 0,
                "label": f"class {self.class_names[k]}",
                **kwargs,
            }
            ax.scatter(pts[::step, 0], pts[::step, 1], **style)
            ax.plot(
                *self.centroids[k],
                marker="X",
                ms=9,
                color=colors[k],
                mec="k",
                ls="none",
                label="class centroid" if k == 0 else None,
            )
        pts = [self.coords, self.centroids]
        if self.mirror_coords is not None:
            pts += [self.image_coords, self.mirror_coords]
        allp = np.vstack(pts)
        lo, hi = allp.min(axis=0), allp.max(axis=0)
        span = max(float(np.max(hi - lo)), 1e-12)
        center = (lo + hi) / 2
        half = 0.6 * span
        xlim = (center[0] - half, center[0] + half)
        ylim = (center[1] - half, center[1] + half)
        # boundary: (w.z) u + (w.n_hat) v + b = 0
        wz, wn = self.w_plane
        b = self.intercept
        if abs(wn) > 1e-12 * max(abs(wz), 1e-300):
            u = np.array([center[0] - 10 * span, center[0] + 10 * span])
            ax.plot(u, -(wz * u + b) / wn, "k-", lw=1.5, label="boundary")
        else:
            ax.axvline(-b / wz, color="k", lw=1.5, label="boundary")
        if self.mirror_coords is not None:
            ic, mc = self.image_coords, self.mirror_coords
            for k in range(2):
                ax.annotate(
                    "",
                    xy=mc[k],
                    xytext=ic[k],
                    arrowprops={"arrowstyle": "->", "color": colors[k], "lw": 1.2},
                )
                ax.plot(
                    *ic[k],
                    "o",
                    ms=6,
                    color=colors[k],
                    mec="k",
                    label=r"image $x$" if k == 0 else None,
                )
                ax.plot(
                    *mc[k],
                    "s",
                    ms=6,
                    color=colors[k],
                    mec="k",
                    label=r"its mirror $x_m$" if k == 0 else None,
                )
            shape = image_shape(self.images.shape[1])
            if show_images and shape is not None:
                z = zoom if zoom is not None else 25.0 / shape[0]  # about 25 points wide
                # thumbnails along the top edge: x_i, its mirror, the mirror of x_j, x_j
                slots = (((0.09, 0.91), (0.30, 0.91)), ((0.91, 0.91), (0.70, 0.91)))
                for k in range(2):
                    for pt, img, pos in (
                        (ic[k], self.images[k], slots[k][0]),
                        (mc[k], self.mirrors[k], slots[k][1]),
                    ):
                        add_thumbnail(
                            ax,
                            np.clip(img, *self.grey_range_),
                            pt,
                            pos,
                            shape=shape,
                            value_range=self.grey_range_,
                            cmap="gray_r",
                            zoom=z,
                            boxcoords="axes fraction",
                            pad=0.1,
                            color=colors[k],
                        )
                # leave room above the data for the thumbnails
                ylim = (ylim[0], ylim[1] + 0.35 * (ylim[1] - ylim[0]))
                half_x = 0.5 * (ylim[1] - ylim[0])
                xlim = (center[0] - half_x, center[0] + half_x)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_aspect("equal")
        ax.set_xlabel(r"$x \cdot z$")
        ax.set_ylabel(r"$x \cdot \hat n$")
        ax.set_title(
            title_of(
                name,
                None if self.lam is None else lam_title(self.lam),
                rf"$\theta$={np.degrees(self.theta):.1f}$^\circ$",
            )
        )
        ax.legend(loc="lower right", fontsize="x-small", frameon=False, markerscale=2)
        return self._plot_end(fig, ax)
