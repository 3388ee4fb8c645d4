"""The scaled-loss picture: histogram of ``y d(x)`` with ``f_||w||`` drawn over it."""

import numpy as np

from .. import _geometry as geo
from ..metrics._path_geometry import binary_labels, boundary_margins, linear_boundary, path_entry
from ._common import DisplayMixin, lam_title, title_of


class ScaledLossDisplay(DisplayMixin):
    """Histogram of the signed distances ``y d(x)`` with the scaled loss over it.

    The norm ``||w||`` of a linear classifier scales its loss:
    ``f(y s(x)) = f(||w|| y d(x)) = f_||w||(y d(x))``. A large ``||w||`` (small
    ``lam``) makes ``f_||w||`` a steep ramp that only penalises misclassified
    points (the risk is ``||w|| d_err``); a small ``||w||`` (large ``lam``) makes it
    nearly linear over the whole data, rewarding the mean distance ``d_adv``.

    Create it with :meth:`from_estimator` or :meth:`from_path`; the constructor
    takes precomputed values.

    Parameters
    ----------
    margins : ndarray of shape (n_samples,)
        Signed distances ``y_i d(x_i)`` (in the units of ``X``).
    scale : float
        ``||w||``, the scale of the loss.
    loss : {"hinge", "softplus"}
        The loss ``f``.
    lam : float, default=None
        Regularisation strength, shown in the title when given.
    name : str, default=None
        Name of the problem (e.g. ``"3 vs 5"``), shown in the title.

    Attributes
    ----------
    margins : ndarray of shape (n_samples,)
        The signed distances (float64), also readable as ``margins_``.
    scale : float
        ``||w||``, also readable as ``scale_``.
    counts_ : ndarray
        Histogram heights, normalised so that the largest is 1.
    bin_edges_ : ndarray
        Histogram bin edges.
    line_ : matplotlib Line2D
        The scaled-loss curve.
    hist_ : matplotlib BarContainer
        The histogram.
    ax_ : matplotlib Axes
        The axes of the plot.
    figure_ : matplotlib Figure
        The figure holding ``ax_``.

    See Also
    --------
    RegularizationPathDisplay : the quantities of a whole path against ``lam``.

    Examples
    --------
    >>> from sklearn.svm import SVC
    >>> from sklearn_tilt.datasets import make_tilt_toy
    >>> from sklearn_tilt.plotting import ScaledLossDisplay
    >>> X, y = make_tilt_toy(noisy_point=True)
    >>> clf = SVC(kernel="linear", C=10.0).fit(X, y)
    >>> disp = ScaledLossDisplay.from_estimator(clf, X, y, loss="hinge")
    >>> round(disp.scale, 3) > 0
    True
    """

    _data_names = ("margins", "scale")
    _figsize = (4, 3)

    def __init__(self, *, margins, scale, loss, lam=None, name=None):
        self._set_data(margins=margins, scale=scale)
        self.loss = loss
        self.lam = lam
        self.name = name

    @classmethod
    def from_estimator(
        cls, estimator, X, y, *, loss=None, lam=None, name=None, ax=None, bins=50, **kwargs
    ):
        """Plot the picture of a fitted binary linear classifier.

        Distances are measured in the space of the ``X`` given, as
        :func:`~sklearn_tilt.metrics.signed_distance` and
        :func:`~sklearn_tilt.metrics.adversarial_distance` measure them: for a
        pipeline of affine steps (``StandardScaler``, ``PCA``...) the boundary
        is pulled back to the pipeline's input, and ``scale_`` is the norm of
        the weights there (the loss itself, ``f(y s(x)) = f(||w|| y d(x))``,
        does not depend on the space).

        Parameters
        ----------
        estimator : fitted classifier with ``coef_`` and ``intercept_``
            Or an affine pipeline ending in one.
        X : array-like of shape (n_samples, n_features)
            Samples, in the estimator's input space.
        y : array-like of shape (n_samples,)
            Labels among the estimator's two classes (``classes_[1]`` is class J).
        loss : {"hinge", "softplus"}, default=None
            Defaults to the final estimator's ``loss`` attribute.
        lam : float, default=None
            Defaults to the final estimator's ``lam`` attribute, when it has one.
        name : str, default=None
            Shown in the title.
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        bins : int, default=50
            Number of histogram bins.
        **kwargs : dict
            Passed to matplotlib's ``plot`` for the scaled-loss curve.

        Returns
        -------
        display : ScaledLossDisplay

        Examples
        --------
        >>> from sklearn.linear_model import LogisticRegression
        >>> from sklearn_tilt.datasets import make_tilt_toy
        >>> from sklearn_tilt.plotting import ScaledLossDisplay
        >>> X, y = make_tilt_toy()
        >>> clf = LogisticRegression().fit(X, y)
        >>> disp = ScaledLossDisplay.from_estimator(clf, X, y, loss="softplus")
        >>> disp.margins.shape
        (40,)
        """
        bd = linear_boundary(estimator, X)
        if loss is None:
            loss = getattr(bd.estimator, "loss", None)
        if lam is None:
            lam = getattr(bd.estimator, "lam", None)
        return cls._from_boundary(
            bd.coef,
            bd.intercept,
            X,
            y,
            classes=bd.classes,
            loss=loss,
            lam=lam,
            name=name,
            ax=ax,
            bins=bins,
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
        loss="hinge",
        name=None,
        ax=None,
        bins=50,
        **kwargs,
    ):
        """Plot the picture for the path entry whose ``lam`` is nearest to ``lam``.

        Parameters
        ----------
        lams : array-like of shape (n_lams,)
        coefs : array-like of shape (n_lams, n_features)
        intercepts : array-like of shape (n_lams,)
            A regularisation path, as returned by
            :func:`sklearn_tilt.scaled_loss_path`.
        X, y : the training data of the path.
        lam : float
            Which entry to show (nearest on a log scale).
        loss : {"hinge", "softplus"}, default="hinge"
        name : str, default=None
        ax : matplotlib Axes, default=None
        bins : int, default=50
        **kwargs : dict
            Passed to matplotlib's ``plot`` for the scaled-loss curve.

        Returns
        -------
        display : ScaledLossDisplay

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.datasets import make_tilt_toy
        >>> from sklearn_tilt.plotting import ScaledLossDisplay
        >>> X, y = make_tilt_toy()
        >>> lams, coefs, intercepts = [0.1, 1.0], np.array([[2.0, 0.0], [0.5, 0.0]]), [0.0, 0.0]
        >>> ScaledLossDisplay.from_path(lams, coefs, intercepts, X, y, lam=1.0).scale
        0.5
        """
        lam, w, b = path_entry(lams, coefs, intercepts, lam)
        return cls._from_boundary(
            w, b, X, y, loss=loss, lam=lam, name=name, ax=ax, bins=bins, **kwargs
        )

    @classmethod
    def _from_boundary(cls, w, b, X, y, *, classes=None, loss, lam, name, ax, bins, **kwargs):
        geo.loss_function(loss)  # validates
        _, y_pm = binary_labels(y, classes)
        disp = cls(
            margins=boundary_margins(w, b, X, y_pm),
            scale=float(np.linalg.norm(w)),
            loss=loss,
            lam=lam,
            name=name,
        )
        return disp.plot(ax=ax, bins=bins, **kwargs)

    def plot(self, ax=None, *, name=None, bins=50, hist_kwargs=None, **kwargs):
        """Draw the histogram and the scaled loss.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to draw; a new figure when None.
        name : str, default=None
            Name of the problem shown in the title; defaults to ``self.name``.
        bins : int, default=50
            Number of histogram bins.
        hist_kwargs : dict, default=None
            Passed to ``ax.bar`` for the histogram.
        **kwargs : dict
            Passed to ``ax.plot`` for the scaled-loss curve (e.g. ``color``, ``lw``).

        Returns
        -------
        display : ScaledLossDisplay
            ``self``, with the attributes set.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.plotting import ScaledLossDisplay
        >>> disp = ScaledLossDisplay(margins=np.linspace(-1, 5, 100), scale=2.0, loss="hinge")
        >>> float(disp.plot(bins=10).counts_.max())
        1.0
        """
        fig, ax, name = self._plot_start(ax, name)
        m = self.margins
        counts, edges = np.histogram(m, bins=bins)
        counts = counts / max(counts.max(), 1)
        self.counts_, self.bin_edges_ = counts, edges
        hk = {"color": "0.6", "edgecolor": "none", "label": r"$y\,d(x)$"}
        hk.update(hist_kwargs or {})
        self.hist_ = ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", **hk)
        lo, hi = float(m.min()), float(m.max())
        pad = 0.1 * max(hi - lo, 1e-12)
        zz = np.linspace(min(lo - pad, -pad), hi + pad, 400)
        lk = {
            "color": "tab:blue",
            "lw": 2,
            "label": rf"$f_{{\|w\|}}$ ({self.loss}), $\|w\|$={self.scale:.3g}",
        }
        lk.update(kwargs)
        (self.line_,) = ax.plot(zz, geo.scaled_loss(zz, self.scale, self.loss), **lk)
        ax.axvline(0.0, color="k", lw=0.5)
        ax.set_ylim(0, 1.6)
        ax.set_xlim(zz[0], zz[-1])
        ax.set_xlabel(r"signed distance $y\,d(x)$")
        ax.set_ylabel("frequency (max 1) / loss")
        title = title_of(name, None if self.lam is None else lam_title(self.lam))
        if title:
            ax.set_title(title)
        ax.legend(loc="upper right", fontsize="x-small", frameon=False)
        return self._plot_end(fig, ax)
