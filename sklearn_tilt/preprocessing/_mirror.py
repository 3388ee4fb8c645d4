"""MirrorImage: reflect samples through (or project them onto) a decision boundary."""

import inspect
from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, clone
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import _geometry as G
from .._compat import StrOptions, _fit_context
from .._linear_map import resolve_decision, unwrap_estimator
from ..linear_model import ScaledLossLinearClassifier

__all__ = ["MirrorImage"]

_FACTOR = {"projection": 1.0, "mirror": 2.0}
#: the package's exact classifiers are fitted at least this precisely inside MirrorImage
INNER_TOL = 1e-10


#: relative width of a tie between two runner-up scores
TIE_RTOL = 1e-8


def _runner_up(S, pred):
    """Best class other than ``pred`` in each row, ties broken towards the first class.

    Scores within ``TIE_RTOL`` (relative to the largest score magnitude of the row)
    of the best other score count as tied. Exact ties are common with the hinge
    loss (a support vector of two one-vs-rest boundaries scores exactly -1 for
    both), and rounding must not decide which of the two boundaries a sample is
    reflected through: fits that agree to rounding give the same images.
    """
    rows = np.arange(S.shape[0])
    other = S.astype(np.float64, copy=True)
    other[rows, pred] = -np.inf
    best = other.max(axis=1)
    scale = np.abs(S).max(axis=1)
    tied = other >= (best - TIE_RTOL * np.maximum(scale, np.finfo(np.float64).tiny))[:, None]
    return np.argmax(tied, axis=1)


class MirrorImage(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Mirror images (or projections) of samples through a classifier's boundary.

    For a linear classifier ``s(x) = w.x + b`` with signed distance
    ``d(x) = s(x) / ||w||``:

    - ``kind="mirror"``: ``x_m = x - 2 d(x) w / ||w||``, the reflection of ``x``
      through the boundary (same distance, other side: the prediction flips);
    - ``kind="projection"``: ``x_p = x - d(x) w / ||w||``, the closest point of
      the boundary.

    The paper uses mirror images to show what a classifier "looks at": with a
    strongly tilted boundary (weak L2 regularisation) the mirror image of a digit
    is barely changed yet classified as the other digit.

    Images are computed in the space of the ``X`` passed to :meth:`transform`:
    through a :class:`~sklearn.pipeline.Pipeline` whose steps before the
    classifier are affine (``StandardScaler``, ``PCA``...), the boundary is
    pulled back to the pipeline's input exactly (see
    :func:`~sklearn_tilt.metrics.signed_distance`).

    Parameters
    ----------
    estimator : estimator, default=None
        The classifier defining the boundary. It is cloned and fitted on
        ``fit(X, y)``; ``None`` means
        ``ScaledLossLinearClassifier()``. The package's exact classifiers
        (:class:`~sklearn_tilt.ScaledLossLinearClassifier` and its CV variant)
        are fitted with ``tol=min(tol, 1e-10)`` (see Notes). To use an already fitted classifier
        as is, wrap it in :class:`sklearn.frozen.FrozenEstimator`. It must have
        a linear decision function (``coef_``), possibly after affine pipeline
        steps, or provide its own ``mirror_images(X, target=...)`` method (the
        package's neural networks), to which :meth:`transform` then delegates.
    kind : {"mirror", "projection"}, default="mirror"
        Reflect through the boundary or project onto it.
    target : label, default=None
        Multiclass: each sample is reflected through the pairwise boundary
        ``(w_p - w_t).x + (b_p - b_t) = 0`` between its predicted class ``p``
        and the class ``t``: the runner-up class (second highest score) when
        ``target`` is None, else the class ``target`` (the runner-up for the
        samples already predicted as ``target``); among runner-up scores tied to
        within ``1e-8`` (relative), the class first in ``classes_`` is taken, so
        that fits that agree to rounding give the same images (hinge fits often
        have exact ties: a support vector of two one-vs-rest boundaries scores
        -1 for both). The image of a mirror is then
        scored higher for ``t`` than for ``p`` (a third class may still win).
        Binary problems have one boundary and ignore it (it must still be a
        class label when given). With an estimator that has its own
        ``mirror_images``, ``target`` is passed to it unchanged.
    clip : tuple (lo, hi), default=None
        Clip the images to the box ``[lo, hi]`` (e.g. ``(0, 255)`` for pixels).
        Clipping may undo part of the reflection; :meth:`transform_report` tells
        how many images left the box and whether their prediction still flips.

    Attributes
    ----------
    estimator_ : estimator
        The fitted classifier (or the ``FrozenEstimator`` given).
    classes_ : ndarray of shape (n_classes,)
        Its classes.
    coef_ : ndarray of shape (1, n_features_in_) or (n_classes, n_features_in_)
        Its weights in the input space (linear classifiers only).
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Its intercepts in the input space (linear classifiers only).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn_tilt.metrics.signed_distance : The distances ``d(x)`` used here.

    Notes
    -----
    An image moves with the direction of ``w``: an error ``delta`` (radians) in
    that direction moves the image of ``x`` by about ``2 |d(x)| delta``, and a
    solver stopped at a relative duality gap ``tol`` only bounds the objective
    (for the ``2 lam``-strongly convex objective, ``delta`` can be of order
    ``sqrt(tol)``). The package's exact classifiers are therefore fitted at a
    relative duality gap of at most ``1e-10`` inside the transformer (their
    solvers converge fast there, quadratically for the softplus loss), so that
    the images of equivalent fits (weights or repeated samples, dense or sparse
    data) agree to about ``1e-8`` relative. Other estimators are fitted as given.

    The transform keeps float32 and float64 (other dtypes become float64) and
    returns a dense array (mirror images of sparse vectors are dense). It does not
    change the fitted state; :meth:`transform_report` returns the images with
    diagnostics (distances before and after, out-of-box count).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_tilt.preprocessing import MirrorImage
    >>> X, y = load_digits(n_class=2, return_X_y=True)
    >>> mirror = MirrorImage(LogisticRegression(C=1e-3)).fit(X, y)
    >>> Xm = mirror.transform(X)
    >>> clf = mirror.estimator_
    >>> bool(np.all(clf.predict(Xm) != clf.predict(X)))
    True
    >>> bool(np.allclose(mirror.transform(Xm), X))  # an involution
    True
    >>> Xp = MirrorImage(LogisticRegression(C=1e-3), kind="projection").fit(X, y).transform(X)
    >>> bool(np.allclose(clf.decision_function(Xp), 0, atol=1e-8))
    True
    """

    _parameter_constraints = {
        "estimator": "no_validation",
        "kind": [StrOptions({"mirror", "projection"})],
        "target": "no_validation",
        "clip": [tuple, list, None],
    }

    def __init__(self, estimator=None, *, kind="mirror", target=None, clip=None):
        self.estimator = estimator
        self.kind = kind
        self.target = target
        self.clip = clip

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # ------------------------------------------------------------------ fit
    def _make_estimator(self):
        if self.estimator is None:
            return ScaledLossLinearClassifier(tol=INNER_TOL)
        if not hasattr(self.estimator, "fit"):
            raise TypeError(
                f"estimator must be a scikit-learn estimator with a fit method, got "
                f"{self.estimator!r}"
            )
        estimator = clone(self.estimator)
        if (
            isinstance(estimator, ScaledLossLinearClassifier)
            and isinstance(estimator.tol, Real)
            and estimator.tol > INNER_TOL
        ):
            estimator.set_params(tol=INNER_TOL)
        return estimator

    def _check_clip(self):
        if self.clip is None:
            return None
        try:
            lo, hi = (float(v) for v in self.clip)
        except (TypeError, ValueError):
            raise ValueError(
                f"clip must be a pair (lo, hi) of numbers, got {self.clip!r}"
            ) from None
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(f"clip=(lo, hi) needs finite lo < hi, got {self.clip!r}")
        return lo, hi

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, sample_weight=None):
        """Fit the classifier (or take the frozen one) and find its input-space boundary.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training samples.
        y : array-like of shape (n_samples,)
            Class labels (required; ``None`` raises a ``ValueError``).
        sample_weight : array-like of shape (n_samples,), default=None
            Passed to the classifier's ``fit`` when given.

        Returns
        -------
        self : MirrorImage
            The fitted transformer.
        """
        self._check_clip()
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=[np.float64, np.float32])
        estimator = self._make_estimator()
        fit_params = {} if sample_weight is None else {"sample_weight": sample_weight}
        estimator.fit(X, y, **fit_params)
        self.estimator_ = estimator
        final = unwrap_estimator(estimator)
        if hasattr(final, "mirror_images") and not hasattr(final, "coef_"):
            self.classes_ = np.asarray(final.classes_)
        else:
            decision = resolve_decision(estimator, X)
            if not decision.is_linear:
                raise TypeError(
                    f"{type(decision.estimator).__name__} has no linear decision function "
                    "and no mirror_images(X, target=...) method: MirrorImage cannot "
                    "reflect through its boundary"
                )
            self.classes_ = decision.classes
            self.coef_ = decision.coef
            self.intercept_ = decision.intercept
            self._target_index()
        return self

    def _target_index(self):
        """Index of ``target`` in ``classes_`` (None for the runner-up)."""
        if self.target is None:
            return None
        matches = np.flatnonzero(np.asarray(self.classes_ == self.target).ravel())
        if len(matches) != 1:
            raise ValueError(
                f"target={self.target!r} is not one of the classes {self.classes_.tolist()}"
            )
        return int(matches[0])

    # ------------------------------------------------------------ transform
    def _images(self, X):
        """``(images before clipping, boundary distances, decision)`` for validated X."""
        decision = resolve_decision(self.estimator_, X)
        factor = _FACTOR[self.kind]
        Xd = X.toarray() if sp.issparse(X) else X
        S = decision.decision_function(X)
        if decision.is_binary:
            d = G.signed_distance_from_scores(S[:, 0], decision.coef_norms()[0])
            return G.reflect(Xd, d, decision.coef[0], factor), d
        rows = np.arange(S.shape[0])
        pred = np.argmax(S, axis=1)
        runner_up = _runner_up(S, pred)
        t = self._target_index()
        other = runner_up if t is None else np.where(pred == t, runner_up, t)
        normals = decision.coef[pred] - decision.coef[other]
        norms = np.sqrt(np.einsum("ij,ij->i", normals, normals))
        d = G.signed_distance_from_scores(S[rows, pred] - S[rows, other], norms)
        return G.reflect(Xd, d, normals, factor), d

    def _delegate(self, X):
        final = unwrap_estimator(self.estimator_)
        method = final.mirror_images
        kwargs = {"target": self.target}
        params = inspect.signature(method).parameters
        if "kind" in params:
            kwargs["kind"] = self.kind
        elif self.kind != "mirror":
            raise ValueError(
                f"{type(final).__name__}.mirror_images has no kind parameter: only "
                "kind='mirror' is available for it"
            )
        images = np.asarray(method(X, **kwargs))
        return images.reshape(X.shape).astype(X.dtype, copy=False)

    def _validate(self, X):
        check_is_fitted(self)
        return validate_data(
            self, X, accept_sparse="csr", dtype=[np.float64, np.float32], reset=False
        )

    def transform(self, X):
        """Mirror images (or projections) of the rows of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            The images, dense, with the dtype of ``X`` (float32 or float64),
            clipped to ``clip`` when set.
        """
        return self._transform(self._validate(X))[0]

    def _transform(self, X):
        """``(images, distances, out_of_box)`` for a validated ``X``."""
        if hasattr(self, "coef_"):
            images, d = self._images(X)
        else:
            Xd = X.toarray() if sp.issparse(X) else X
            images, d = self._delegate(Xd), np.full(X.shape[0], np.nan)
        bounds = self._check_clip()
        out = np.zeros(X.shape[0], dtype=bool)
        if bounds is not None:
            lo, hi = bounds
            out = np.any((images < lo) | (images > hi), axis=1)
            images = np.clip(images, lo, hi).astype(X.dtype, copy=False)
        return images, d, out

    def transform_report(self, X):
        """Images with diagnostics: distances, flips and the effect of clipping.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        report : :class:`~sklearn.utils.Bunch`
            ``images`` (what :meth:`transform` returns); ``distance`` (n_samples,):
            signed distance of each sample to the boundary it is reflected through
            (``nan`` when delegated); ``out_of_box`` (n_samples,) bool: the image
            left ``[lo, hi]`` before clipping (all False without ``clip``);
            ``n_out_of_box`` (int); ``changed`` (n_samples,) bool: the predicted
            class of the image differs from that of the sample.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from sklearn.linear_model import LogisticRegression
        >>> from sklearn_tilt.preprocessing import MirrorImage
        >>> X, y = load_digits(n_class=2, return_X_y=True)
        >>> mirror = MirrorImage(LogisticRegression(C=1e-3), clip=(0, 16)).fit(X, y)
        >>> report = mirror.transform_report(X)
        >>> report.images.shape, report.out_of_box.shape
        ((360, 64), (360,))
        >>> 0 <= report.n_out_of_box <= 360
        True
        """
        X = self._validate(X)
        images, d, out = self._transform(X)
        predict = self.estimator_.predict
        changed = np.asarray(predict(images) != predict(X))
        return Bunch(
            images=images,
            distance=d,
            out_of_box=out,
            n_out_of_box=int(out.sum()),
            changed=changed,
        )
