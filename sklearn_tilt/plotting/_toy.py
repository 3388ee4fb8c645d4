"""The toy problem: the boundary at angle theta, an image and its mirror image."""

import numpy as np

from .. import _geometry as geo
from ..metrics._path_geometry import (
    binary_labels,
    boundary_angle,
    linear_boundary,
    mirror_images,
    path_entry,
    tilted_boundary,
)
from ._common import DisplayMixin, add_thumbnail, lam_title


class TiltToyDisplay(DisplayMixin):
    """The paper's 2-D toy problem with a boundary tilted by ``theta``.

    Shows the two classes (2-pixel images ``(a, b)``), the boundary, an image
    ``x`` of class I and its mirror image ``x_m = x - 2 d(x) w / ||w||``, with
    both drawn as 2-pixel grey-level images. At ``theta = 0`` the mirror image
    lies in class J (it looks like a J image); as ``theta`` approaches 90
    degrees it collapses onto ``x``: a strong adversarial example.

    Create it with :meth:`from_angle` or :meth:`from_estimator`.

    Parameters
    ----------
    X : ndarray of shape (n_samples, 2)
    y : ndarray of shape (n_samples,)
        Labels coded -1 / +1.
    coef : ndarray of shape (2,)
        Normal ``w`` of the boundary.
    intercept : float
    theta : float
        Tilting angle (radians).
    image : ndarray of shape (2,)
        The image ``x``.
    mirror : ndarray of shape (2,)
        Its mirror image.
    title : str, default=None

    Attributes
    ----------
    X, y, coef, intercept, theta, image, mirror
        The plotted values (float64 arrays, ``intercept`` and ``theta`` floats),
        also readable under their earlier names ``X_``, ..., ``mirror_``.
    mirror_distance_ : float
        ``||x - x_m|| = 2 |d(x)|``.
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_tilt.datasets import make_tilt_toy
    >>> from sklearn_tilt.plotting import TiltToyDisplay
    >>> X, y = make_tilt_toy()
    >>> d0 = TiltToyDisplay.from_angle(0.0, X, y).mirror_distance_
    >>> d80 = TiltToyDisplay.from_angle(np.radians(80), X, y).mirror_distance_
    >>> bool(d80 < d0)
    True
    """

    _data_names = ("X", "y", "coef", "intercept", "theta", "image", "mirror")
    _figsize = (4, 4)
    _name_attr = "title"

    def __init__(self, *, X, y, coef, intercept, theta, image, mirror, title=None):
        self._set_data(
            X=X, y=y, coef=coef, intercept=intercept, theta=theta, image=image, mirror=mirror
        )
        self.title = title

    @classmethod
    def _from_boundary(cls, w, b, X, y, *, classes=None, image=None, title=None, ax=None, **kwargs):
        X = np.asarray(X, dtype=np.float64)
        if X.shape[1] != 2:
            raise ValueError(f"the toy display needs 2 features, got {X.shape[1]}")
        _, y_pm = binary_labels(y, classes)
        if image is None:
            image = X[geo.nearest_to_centroids(X, y_pm)[0]]
        image = np.asarray(image, dtype=np.float64).reshape(1, 2)
        (mirror,), _ = mirror_images(image, w, b)
        disp = cls(
            X=X,
            y=y_pm,
            coef=w,
            intercept=b,
            theta=boundary_angle(w, X, y_pm),
            image=image[0],
            mirror=mirror[0],
            title=title,
        )
        return disp.plot(ax=ax, **kwargs)

    @classmethod
    def from_angle(cls, theta, X, y, *, image=None, ax=None, title=None, **kwargs):
        """Draw the boundary through the centroids' midpoint, its normal at ``theta`` from ``z``.

        Parameters
        ----------
        theta : float
            Tilting angle in radians (0: the nearest-centroid classifier).
        X, y : the toy data (e.g. from :func:`sklearn_tilt.datasets.make_tilt_toy`).
        image : array-like of shape (2,), default=None
            The image to mirror; default: the class-I image nearest to its centroid.
        ax : matplotlib Axes, default=None
        title : str, default=None
        **kwargs : dict
            Passed to :meth:`plot` (``show_images``, and matplotlib's ``plot``
            arguments for the boundary).

        Returns
        -------
        display : TiltToyDisplay

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.datasets import make_tilt_toy
        >>> from sklearn_tilt.plotting import TiltToyDisplay
        >>> X, y = make_tilt_toy()
        >>> disp = TiltToyDisplay.from_angle(np.radians(30), X, y)
        >>> round(float(np.degrees(disp.theta)), 6)
        30.0
        """
        _, y_pm = binary_labels(y)
        w, b = tilted_boundary(X, y_pm, theta)
        return cls._from_boundary(w, b, X, y_pm, image=image, title=title, ax=ax, **kwargs)

    @classmethod
    def from_estimator(cls, estimator, X, y, *, image=None, ax=None, title=None, **kwargs):
        """Draw the boundary of a fitted 2-D binary linear classifier.

        Parameters
        ----------
        estimator : fitted classifier with ``coef_`` and ``intercept_``
            Or an affine pipeline ending in one (the boundary is drawn in the
            space of ``X``).
        X, y : the toy data.
        image : array-like of shape (2,), default=None
        ax : matplotlib Axes, default=None
        title : str, default=None
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : TiltToyDisplay

        Examples
        --------
        >>> from sklearn.svm import SVC
        >>> from sklearn_tilt.datasets import make_tilt_toy
        >>> from sklearn_tilt.plotting import TiltToyDisplay
        >>> X, y = make_tilt_toy(noisy_point=True)
        >>> disp = TiltToyDisplay.from_estimator(SVC(kernel="linear", C=1e4).fit(X, y), X, y)
        >>> bool(disp.theta > 0.5)
        True
        """
        bd = linear_boundary(estimator, X)
        return cls._from_boundary(
            bd.coef,
            bd.intercept,
            X,
            y,
            classes=bd.classes,
            image=image,
            title=title,
            ax=ax,
            **kwargs,
        )

    @classmethod
    def from_path(
        cls, lams, coefs, intercepts, X, y, *, lam, image=None, ax=None, title=None, **kwargs
    ):
        """Draw the boundary of one entry of a regularisation path on the toy data.

        Parameters
        ----------
        lams, coefs, intercepts : a regularisation path (2 features).
        X, y : its training data.
        lam : float
            Which entry (nearest on a log scale).
        image : array-like of shape (2,), default=None
        ax : matplotlib Axes, default=None
        title : str, default=None
            Default: the value of ``lam``.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : TiltToyDisplay

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.datasets import make_tilt_toy
        >>> from sklearn_tilt.plotting import TiltToyDisplay
        >>> X, y = make_tilt_toy()
        >>> disp = TiltToyDisplay.from_path([1.0, 2.0], [[1.0, 0.0], [1.0, 1.0]], [0.0, 0.0],
        ...                                 X, y, lam=2.0)
        >>> round(float(np.degrees(disp.theta)), 1)
        45.0
        """
        lam, w, b = path_entry(lams, coefs, intercepts, lam)
        return cls._from_boundary(
            w,
            b,
            X,
            y,
            image=image,
            ax=ax,
            **kwargs,
            title=lam_title(lam) if title is None else title,
        )

    def plot(self, ax=None, *, name=None, show_images=True, **kwargs):
        """Draw the toy problem.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
        name : str, default=None
            Title; defaults to ``self.title``.
        show_images : bool, default=True
            Draw ``x`` and ``x_m`` as 2-pixel grey-level images, on a grey
            scale symmetric about 0 spanning the values of the data.
        **kwargs : dict
            Passed to ``ax.plot`` for the boundary line (e.g. ``color``, ``lw``).

        Returns
        -------
        display : TiltToyDisplay
            ``self``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.plotting import TiltToyDisplay
        >>> X = np.array([[-1.0, 0.0], [1.0, 0.0]])
        >>> disp = TiltToyDisplay(X=X, y=np.array([-1, 1]), coef=np.array([1.0, 0.0]),
        ...                       intercept=0.0, theta=0.0, image=X[0], mirror=X[1]).plot()
        >>> float(disp.mirror_distance_)
        2.0
        """
        fig, ax, name = self._plot_start(ax, name)
        self.mirror_distance_ = float(np.linalg.norm(self.image - self.mirror))
        colors = {-1: "tab:blue", 1: "tab:orange"}
        for label, class_name in ((-1, "I"), (1, "J")):
            pts = self.X[self.y == label]
            ax.scatter(
                pts[:, 0],
                pts[:, 1],
                s=14,
                color=colors[label],
                label=f"class {class_name}",
                zorder=3,
            )
        allp = np.vstack([self.X, self.image, self.mirror])
        lo, hi = allp.min(axis=0), allp.max(axis=0)
        center, half = (lo + hi) / 2, 0.65 * max(float(np.max(hi - lo)), 1.0)
        xlim = (center[0] - half, center[0] + half)
        ylim = (center[1] - half, center[1] + half)
        w, b = self.coef, self.intercept
        style = {
            "color": "k",
            "lw": 1.5,
            "label": rf"boundary, $\theta$={np.degrees(self.theta):.0f}$^\circ$",
            **kwargs,
        }
        if abs(w[1]) > 1e-12 * abs(w[0]):
            u = np.array(xlim)
            ax.plot(u, -(w[0] * u + b) / w[1], **style)
        else:
            ax.axvline(-b / w[0], **style)
        ax.annotate(
            "",
            xy=self.mirror,
            xytext=self.image,
            arrowprops={"arrowstyle": "->", "color": "tab:red", "lw": 1.2},
        )
        ax.plot(*self.image, "o", ms=8, mfc="none", mec="k", label=r"image $x$")
        ax.plot(*self.mirror, "s", ms=8, mfc="none", mec="tab:red", label=r"its mirror $x_m$")
        if show_images:
            span = max(float(np.max(np.abs(self.X))), 1e-12)
            for pt, off in ((self.image, (-30, 30)), (self.mirror, (30, 30))):
                add_thumbnail(
                    ax,
                    pt,
                    pt,
                    off,
                    shape=(1, 2),
                    value_range=(-span, span),
                    cmap="gray",
                    zoom=14,
                    boxcoords="offset points",
                    pad=0.15,
                )
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_aspect("equal")
        ax.set_xlabel("pixel a")
        ax.set_ylabel("pixel b")
        ax.legend(loc="lower right", fontsize="x-small", frameon=False)
        if name:
            ax.set_title(name)
        return self._plot_end(fig, ax)
