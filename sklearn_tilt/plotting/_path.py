"""The path picture: errors, distances, tilting angle and ``||w||`` against ``lam``."""

import numpy as np
from sklearn.base import clone

from ..linear_model import PAPER_LAMS
from ..metrics._path_geometry import PATH_METRICS, linear_boundary, path_metrics
from ._common import DisplayMixin


class RegularizationPathDisplay(DisplayMixin):
    """Train/test error, ``d_adv``, ``d_err``, ``theta`` and ``||w||`` against ``lam``.

    Four panels sharing a logarithmic ``lam`` axis: the errors (%), the
    adversarial and error distances (in the units of ``X``), the tilting angle
    (degrees) and the scale ``||w||``. Small ``lam`` fits the training data (low train error,
    small ``d_err``) with a tilted boundary (large ``theta``, small ``d_adv``);
    large ``lam`` brings ``theta`` to 0 and maximises ``d_adv``.

    Create it with :meth:`from_path` or :meth:`from_estimator`; the constructor
    takes precomputed arrays.

    Parameters
    ----------
    lams : ndarray of shape (n_lams,)
    train_error, test_error, d_adv, d_err, theta, norm_w : ndarray of shape (n_lams,)
        The quantities; ``theta`` in radians, ``test_error`` may be all NaN.
    name : str, default=None
        Name of the problem, shown in the title.

    Attributes
    ----------
    lams, train_error, test_error, d_adv, d_err, theta, norm_w : ndarray of shape (n_lams,)
        The plotted arrays (float64; ``theta`` in radians), also readable under
        their earlier names ``lams_``, ``train_error_``, ..., ``norm_w_``.
    lines_ : dict
        The matplotlib lines, keyed by quantity.
    axes_ : ndarray of matplotlib Axes, shape (4,)
        The four panels (errors, distances, angle, norm).
    ax_ : ndarray of matplotlib Axes, shape (4,)
        The same panels (every display's ``ax_`` is where it drew).
    figure_ : matplotlib Figure

    See Also
    --------
    ScaledLossDisplay, TiltingPlaneDisplay

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.svm import SVC
    >>> from sklearn_tilt.datasets import make_tilt_toy
    >>> from sklearn_tilt.plotting import RegularizationPathDisplay
    >>> X, y = make_tilt_toy(noisy_point=True)
    >>> lams = np.logspace(-3, 2, 6)
    >>> svms = [SVC(kernel="linear", C=1 / (2 * len(y) * lam)).fit(X, y) for lam in lams]
    >>> coefs = np.array([s.coef_.ravel() for s in svms])
    >>> intercepts = np.array([s.intercept_[0] for s in svms])
    >>> disp = RegularizationPathDisplay.from_path(lams, coefs, intercepts, X, y)
    >>> bool(disp.theta[0] > disp.theta[-1])
    True
    """

    _data_names = ("lams",) + PATH_METRICS
    _grid = (1, 4)
    _figsize = (15, 3.4)

    def __init__(self, *, lams, train_error, test_error, d_adv, d_err, theta, norm_w, name=None):
        self._set_data(
            lams=lams,
            train_error=train_error,
            test_error=test_error,
            d_adv=d_adv,
            d_err=d_err,
            theta=theta,
            norm_w=norm_w,
        )
        self.name = name

    @classmethod
    def from_path(
        cls,
        lams,
        coefs,
        intercepts,
        X,
        y,
        X_test=None,
        y_test=None,
        *,
        name=None,
        ax=None,
        **kwargs,
    ):
        """Compute the quantities of a path and plot them.

        Parameters
        ----------
        lams : array-like of shape (n_lams,)
        coefs : array-like of shape (n_lams, n_features)
        intercepts : array-like of shape (n_lams,)
            A path, e.g. from :func:`sklearn_tilt.scaled_loss_path`.
        X, y : training data (binary ``y``; the larger label is class J).
        X_test, y_test : test data, default=None
        name : str, default=None
        ax : array of 4 matplotlib Axes, default=None
        **kwargs : dict
            Passed to matplotlib's ``plot`` for every curve.

        Returns
        -------
        display : RegularizationPathDisplay

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.datasets import make_tilt_toy
        >>> from sklearn_tilt.plotting import RegularizationPathDisplay
        >>> X, y = make_tilt_toy()
        >>> coefs = np.array([[1.0, 1.0], [1.0, 0.0]])
        >>> disp = RegularizationPathDisplay.from_path([0.1, 10.0], coefs, [0, 0], X, y)
        >>> np.degrees(disp.theta).round(1).tolist()
        [45.0, 0.0]
        """
        q = path_metrics(coefs, intercepts, X, y, X_test, y_test)
        disp = cls(lams=lams, name=name, **{k: q[k] for k in PATH_METRICS})
        return disp.plot(ax=ax, **kwargs)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X,
        y,
        X_test=None,
        y_test=None,
        *,
        lams=None,
        param_name="lam",
        name=None,
        ax=None,
        **kwargs,
    ):
        """Refit a linear classifier for each ``lam`` and plot the path.

        Each value is fitted on a clone of ``estimator`` (its other parameters
        unchanged). For :class:`~sklearn_tilt.ScaledLossLinearClassifier`,
        :func:`sklearn_tilt.scaled_loss_path` with warm starts is faster. The
        quantities are measured in the space of the ``X`` given, as the metric
        functions measure them: through an affine pipeline, each fitted boundary
        is pulled back to the pipeline's input.

        Parameters
        ----------
        estimator : binary linear classifier (or affine pipeline ending in one)
            Not necessarily fitted.
        X, y : training data.
        X_test, y_test : test data, default=None
        lams : array-like, default=None
            Values of the parameter; ``None``: the paper's grid
            :data:`~sklearn_tilt.linear_model.PAPER_LAMS`.
        param_name : str, default="lam"
            Name of the regularisation parameter (e.g. ``"clf__lam"`` in a pipeline).
        name : str, default=None
        ax : array of 4 matplotlib Axes, default=None
        **kwargs : dict
            Passed to matplotlib's ``plot`` for every curve.

        Returns
        -------
        display : RegularizationPathDisplay

        Examples
        --------
        >>> from sklearn.linear_model import LogisticRegression
        >>> from sklearn_tilt.datasets import make_tilt_toy
        >>> from sklearn_tilt.plotting import RegularizationPathDisplay
        >>> X, y = make_tilt_toy(noisy_point=True)
        >>> disp = RegularizationPathDisplay.from_estimator(
        ...     LogisticRegression(), X, y, lams=[0.01, 1.0, 100.0], param_name="C")
        >>> disp.lams.shape
        (3,)
        """
        lams = PAPER_LAMS.copy() if lams is None else np.asarray(lams, dtype=np.float64)
        coefs, intercepts = [], []
        for lam in lams:
            bd = linear_boundary(clone(estimator).set_params(**{param_name: lam}).fit(X, y), X)
            coefs.append(bd.coef)
            intercepts.append(bd.intercept)
        return cls.from_path(
            lams,
            np.array(coefs),
            np.array(intercepts),
            X,
            y,
            X_test,
            y_test,
            name=name,
            ax=ax,
            **kwargs,
        )

    def plot(self, ax=None, *, name=None, **kwargs):
        """Draw the four panels.

        Parameters
        ----------
        ax : array-like of 4 matplotlib Axes, default=None
            Where to draw (errors, distances, angle, norm); a new 1x4 figure
            when None.
        name : str, default=None
            Name of the problem shown in the title; defaults to ``self.name``.
        **kwargs : dict
            Passed to matplotlib's ``plot`` for every curve (e.g. ``lw``,
            ``marker``); the colours distinguish the quantities unless given.

        Returns
        -------
        display : RegularizationPathDisplay
            ``self``.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_tilt.plotting import RegularizationPathDisplay
        >>> lams = np.logspace(-1, 7, 5)
        >>> disp = RegularizationPathDisplay(
        ...     lams=lams, train_error=np.zeros(5), test_error=np.zeros(5), d_adv=np.ones(5),
        ...     d_err=np.zeros(5), theta=np.linspace(1, 0, 5), norm_w=1 / lams).plot()
        >>> disp.axes_.shape
        (4,)
        """
        fig, axes, name = self._plot_start(ax, name)
        axes = axes.ravel()
        x = self.lams
        lines = {}

        def curve(a, key, y, **style):
            (lines[key],) = a.plot(x, y, **{**style, **kwargs})

        a = axes[0]
        curve(a, "train_error", 100 * self.train_error, label="train error")
        if np.any(np.isfinite(self.test_error)):
            curve(a, "test_error", 100 * self.test_error, label="test error")
            k = int(np.nanargmin(self.test_error))
            a.plot(x[k], 100 * self.test_error[k], "o", color=lines["test_error"].get_color(), ms=4)
        a.set_ylabel("error (%)")
        curve(axes[1], "d_adv", self.d_adv, label=r"$d_{adv}$")
        curve(axes[1], "d_err", self.d_err, label=r"$d_{err}$")
        axes[1].set_ylabel("distance")
        curve(axes[2], "theta", np.degrees(self.theta), color="tab:red", label=r"$\theta$")
        axes[2].set_ylabel(r"tilting angle $\theta$ (degrees)")
        axes[2].set_ylim(0, 90 if np.nanmax(np.degrees(self.theta), initial=0) <= 90 else 180)
        curve(axes[3], "norm_w", self.norm_w, color="tab:purple", label=r"$\|w\|$")
        axes[3].set_yscale("log")
        axes[3].set_ylabel(r"$\|w\|$")
        for a in axes:
            a.set_xscale("log")
            a.set_xlabel(r"$\lambda$")
            a.grid(True, which="major", alpha=0.3)
            a.legend(fontsize="small", frameon=False)
        if name:
            fig.suptitle(name)
        self.lines_ = lines
        self.axes_ = axes
        return self._plot_end(fig, axes)
