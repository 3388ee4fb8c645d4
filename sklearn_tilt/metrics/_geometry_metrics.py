"""The paper's geometric quantities measured on a fitted estimator.

Every formula comes from :mod:`sklearn_tilt._geometry`; this module only finds the
decision function in input space (:mod:`sklearn_tilt._linear_map`), maps the
labels to ``+-1`` per boundary and aggregates.
"""

from numbers import Real

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils.validation import check_array, check_consistent_length, column_or_1d

from .. import _geometry as G
from .._compat import StrOptions, _check_sample_weight, validate_params
from .._linear_map import resolve_decision

__all__ = [
    "adversarial_distance",
    "error_distance",
    "signed_distance",
    "tilting_angle",
    "tilting_plane",
]

_AVERAGE = [StrOptions({"weighted", "macro"}), None]
_FITTED = {"estimator": "no_validation", "X": ["array-like", "sparse matrix"]}
_LABELLED = {**_FITTED, "y": ["array-like"], "sample_weight": ["array-like", None]}


# --------------------------------------------------------------------------- #
# input handling
# --------------------------------------------------------------------------- #
def _validate_X(X):
    Xv = check_array(
        X,
        accept_sparse=("csr", "csc"),
        dtype=(np.float64, np.float32),
        ensure_all_finite=True,
        input_name="X",
    )
    # a DataFrame goes to the estimator as is (feature names), arrays for the maths
    X_model = X if hasattr(X, "iloc") else Xv
    return Xv, X_model


def _validate_y(y, Xv, classes, sample_weight):
    y = column_or_1d(y, warn=True)
    check_consistent_length(Xv, y)
    unknown = ~np.isin(y, classes)
    if np.any(unknown):
        raise ValueError(
            f"y contains labels {np.unique(y[unknown]).tolist()} that are not among the "
            f"estimator's classes_ {classes.tolist()}"
        )
    sw = None
    if sample_weight is not None:
        # rejects negative, NaN and infinite weights and an all-zero vector
        sw = _check_sample_weight(sample_weight, Xv, dtype=np.float64, ensure_non_negative=True)
        if not np.all(np.isfinite(sw)):
            raise ValueError("sample_weight contains NaN or infinity")
    return y, sw


def _label_text(label):
    return repr(np.asarray(label).tolist())


def _check_both_sides(labels, sw, negative, positive, what):
    """Both sides of a binary boundary need samples of positive total weight.

    ``negative`` and ``positive`` name the two sides in the error message.
    """
    w = np.ones(len(labels)) if sw is None else sw
    for side, name in ((-1.0, negative), (1.0, positive)):
        mask = labels == side
        if not np.any(mask):
            raise ValueError(
                f"{what} needs samples of both classes in y: class {name} has no sample"
            )
        if not w[mask].sum() > 0:
            raise ValueError(
                f"{what} needs samples of both classes in y: class {name} "
                "has a total sample_weight of zero"
            )


def _prepare(estimator, X, y=None, sample_weight=None):
    Xv, X_model = _validate_X(X)
    decision = resolve_decision(estimator, X_model)
    if y is None:
        return decision, Xv, X_model, None, None
    y, sw = _validate_y(y, Xv, decision.classes, sample_weight)
    return decision, Xv, X_model, y, sw


def _boundary_labels(decision, y):
    """``+-1`` labels per boundary, shape (n, n_boundaries)."""
    classes = decision.classes
    if len(classes) == 2:
        return np.where(y == classes[1], 1.0, -1.0)[:, None]
    return np.where(y[:, None] == classes[None, :], 1.0, -1.0)


def _class_weights(classes, y, sw):
    w = np.ones(len(y)) if sw is None else sw
    return np.array([w[y == c].sum() for c in classes], dtype=np.float64)


def _boundary_weights(decision, y, sw):
    """Weight of each boundary in the average: the weight of its positive class."""
    if len(decision.classes) == 2:
        return np.ones(1)
    return _class_weights(decision.classes, y, sw)


def _aggregate(values, weights, average):
    values = np.asarray(values, dtype=np.float64)
    if average is None:
        return values
    if len(values) == 1:
        return float(values[0])
    present = weights > 0
    if not np.any(present):
        raise ValueError("no sample of any class: the average is undefined")
    if np.any(np.isnan(values[present])):
        raise ValueError("the quantity is undefined for a class present in y")
    if average == "weighted":
        return float(np.average(values[present], weights=weights[present]))
    return float(np.mean(values[present]))


def _mean(values, sw):
    return float(np.average(values, weights=sw))


def _per_class_mean(values, classes, y, sw):
    """Mean of per-sample ``values`` within each true class (nan where absent)."""
    out = np.full(len(classes), np.nan)
    for k, c in enumerate(classes):
        mask = y == c
        if np.any(mask):
            wk = None if sw is None else sw[mask]
            if wk is None or wk.sum() > 0:
                out[k] = _mean(values[mask], wk)
    return out


# --------------------------------------------------------------------------- #
# margins y_i d(x_i)
# --------------------------------------------------------------------------- #
def _linear_distances(decision, Xv):
    S = decision.decision_function(Xv)
    return G.signed_distance_from_scores(S, decision.coef_norms())


def _first_order_margins(decision, X_model, y):
    margins, grads = decision.margin_and_input_gradient(X_model, y)
    return G.first_order_distance(margins, grads)


def _margin_quantity(estimator, X, y, sample_weight, average, from_margins):
    decision, Xv, X_model, y, sw = _prepare(estimator, X, y, sample_weight)
    if decision.is_linear:
        M = _boundary_labels(decision, y) * _linear_distances(decision, Xv)
        values = [from_margins(M[:, k], sw) for k in range(M.shape[1])]
        return _aggregate(values, _boundary_weights(decision, y, sw), average)
    # first order: one margin per sample (true class vs best other class)
    d = _first_order_margins(decision, X_model, y)
    if average == "weighted":
        return from_margins(d, sw)
    per_class = np.full(len(decision.classes), np.nan)
    for k, c in enumerate(decision.classes):
        mask = y == c
        if np.any(mask):
            per_class[k] = from_margins(d[mask], None if sw is None else sw[mask])
    if average is None:
        return per_class
    return float(np.nanmean(per_class))


# --------------------------------------------------------------------------- #
# public functions
# --------------------------------------------------------------------------- #
@validate_params(_FITTED, prefer_skip_nested_validation=True)
def signed_distance(estimator, X):
    """Signed Euclidean distance ``d(x) = s(x) / ||w||`` to the decision boundary.

    Distances are measured in the space of the ``X`` given: through a pipeline
    of affine steps (``StandardScaler``, ``PCA``...), the boundary is pulled back
    to the pipeline's input exactly.

    Parameters
    ----------
    estimator : fitted classifier
        A linear classifier exposing ``coef_`` (and optionally ``intercept_``):
        :class:`~sklearn_tilt.linear_model.ScaledLossLinearClassifier`,
        ``LinearSVC``, ``LogisticRegression``, ``SGDClassifier``,
        ``RidgeClassifier``...; a :class:`~sklearn.pipeline.Pipeline` whose steps
        before such a classifier are affine; one of these wrapped in
        :class:`~sklearn.frozen.FrozenEstimator`; or a model exposing the
        first-order protocol ``margin_and_input_gradient(X, y=None)`` (see Notes).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Samples, in the estimator's input space.

    Returns
    -------
    distances : ndarray of shape (n_samples,) or (n_samples, n_classes)
        Binary: positive on the side of ``classes_[1]``. Multiclass: one column
        per one-vs-rest boundary (column ``k`` positive on the side of
        ``classes_[k]``). First-order models: shape (n_samples,), the
        approximate distance ``(s_pred - s_runner_up) / ||grad_x||`` from each
        sample to the boundary of its predicted class (non-negative).

    Raises
    ------
    NotFittedError
        If ``estimator`` is not fitted.
    TypeError
        If ``estimator`` has no linear decision function and no first-order
        protocol (e.g. a k-nearest-neighbours classifier).
    ValueError
        If ``X`` contains NaN/inf or has the wrong number of features, or a step
        of the pipeline is not affine on ``X``.

    See Also
    --------
    adversarial_distance : Mean of ``y d(x)``.
    error_distance : Mean distance of the misclassified samples.

    Notes
    -----
    For a non-linear model implementing ``margin_and_input_gradient(X, y=None)``
    (returning the margins ``s(x)`` and their input gradients), the distance is
    the first-order approximation ``s(x) / ||grad_x s(x)||`` (exact for a linear
    model, an estimate of the distance to a curved boundary otherwise).

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.svm import LinearSVC
    >>> from sklearn_tilt.metrics import signed_distance
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = LinearSVC(C=1e-4).fit(X, y)
    >>> d = signed_distance(clf, X)
    >>> d.shape
    (569,)
    >>> bool(((d > 0) == (clf.predict(X) == 1)).all())
    True
    """
    Xv, X_model = _validate_X(X)
    decision = resolve_decision(estimator, X_model)
    if decision.is_linear:
        D = _linear_distances(decision, Xv)
        return D[:, 0] if decision.is_binary else D
    return _first_order_margins(decision, X_model, None)


@validate_params({**_LABELLED, "average": _AVERAGE}, prefer_skip_nested_validation=True)
def adversarial_distance(estimator, X, y, *, sample_weight=None, average="weighted"):
    """Adversarial distance ``d_adv = (1/n) sum_i y_i d(x_i)``.

    The mean signed distance of the samples to the boundary, positive on their
    own side: how far, on average, a sample must move to be misclassified. The
    paper shows that L2 regularisation increases it by tilting the boundary
    towards the nearest-centroid direction. Greater is better.

    Parameters
    ----------
    estimator : fitted classifier
        See :func:`signed_distance` for what is accepted.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Samples, in the estimator's input space.
    y : array-like of shape (n_samples,)
        True labels (values of ``estimator.classes_``).
    sample_weight : array-like of shape (n_samples,), default=None
        Turns the mean into a weighted mean.
    average : {"weighted", "macro"} or None, default="weighted"
        Multiclass aggregation over the one-vs-rest boundaries (boundary ``k``
        uses ``+1`` for class ``k``, ``-1`` for the others, over all samples):
        ``"weighted"`` weights boundary ``k`` by the (sample-weighted) number of
        samples of class ``k``; ``"macro"`` is the plain mean over the classes
        present in ``y``; ``None`` returns one value per boundary. Ignored for
        binary problems except that ``None`` returns a one-element array.

    Returns
    -------
    d_adv : float or ndarray of shape (n_boundaries,)
        In the units of ``X``.

    Notes
    -----
    With balanced classes, ``d_adv = 0.5 ||j - i|| cos(theta)`` where ``i, j``
    are the class centroids and ``theta`` the :func:`tilting_angle`; the general
    definition above does not assume balance. For first-order models (see
    :func:`signed_distance`) the per-sample margin is the true class against the
    best other class, and ``average=None`` returns the mean per true class.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_tilt.metrics import adversarial_distance
    >>> X, y = load_digits(n_class=2, return_X_y=True)
    >>> strong = LogisticRegression(C=1e-4).fit(X, y)
    >>> weak = LogisticRegression(C=1e2, max_iter=5000).fit(X, y)
    >>> bool(adversarial_distance(strong, X, y) > adversarial_distance(weak, X, y))
    True
    """
    return _margin_quantity(
        estimator, X, y, sample_weight, average, G.adversarial_distance_from_margins
    )


@validate_params({**_LABELLED, "average": _AVERAGE}, prefer_skip_nested_validation=True)
def error_distance(estimator, X, y, *, sample_weight=None, average="weighted"):
    """Error distance ``d_err = (1/n) sum_{y_i d(x_i) <= 0} (-y_i d(x_i))``.

    The misclassified samples' distances to the boundary, summed and divided by
    the total number of samples: how far the errors are from being corrected.
    Smaller is better (0 when every sample is correctly classified).

    Parameters
    ----------
    estimator : fitted classifier
        See :func:`signed_distance` for what is accepted.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Samples, in the estimator's input space.
    y : array-like of shape (n_samples,)
        True labels (values of ``estimator.classes_``).
    sample_weight : array-like of shape (n_samples,), default=None
        Turns the mean into a weighted mean.
    average : {"weighted", "macro"} or None, default="weighted"
        Multiclass aggregation over the one-vs-rest boundaries, as in
        :func:`adversarial_distance`.

    Returns
    -------
    d_err : float or ndarray of shape (n_boundaries,)
        In the units of ``X``, non-negative.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_tilt.metrics import error_distance
    >>> X, y = load_digits(n_class=2, return_X_y=True)
    >>> clf = LogisticRegression(max_iter=5000).fit(X, y)
    >>> error_distance(clf, X, y)  # no training error
    0.0
    """
    return _margin_quantity(estimator, X, y, sample_weight, average, G.error_distance_from_margins)


def _first_order_angles(decision, Xv, X_model, y, sw):
    """Per-sample angle between the margin gradient and the pair's centroid direction."""
    classes = decision.classes
    S = decision.scores(X_model)
    if S is None or S.shape[1] != len(classes):
        raise TypeError(
            f"{type(decision.estimator).__name__} exposes no per-class scores "
            "(decision_function or predict_proba): the competing class of each sample, "
            "hence its local tilting angle, cannot be determined"
        )
    index = {c: k for k, c in enumerate(classes.tolist())}
    true = np.array([index[v] for v in y.tolist()], dtype=np.intp)
    S_other = S.copy()
    S_other[np.arange(len(y)), true] = -np.inf
    other = np.argmax(S_other, axis=1)
    _, grads = decision.margin_and_input_gradient(X_model, y)
    means = G.class_means(Xv.toarray() if hasattr(Xv, "toarray") else Xv, true, len(classes), sw)
    return G.local_tilting_angles(grads, true, other, means)


@validate_params(
    {**_LABELLED, "degrees": ["boolean"], "average": _AVERAGE},
    prefer_skip_nested_validation=True,
)
def tilting_angle(estimator, X, y, *, sample_weight=None, degrees=False, average="weighted"):
    """Tilting angle ``theta = arccos(w.z / ||w||)`` between the weights and ``z``.

    ``z = (j - i) / ||j - i||`` is the nearest-centroid direction (``i``, ``j``
    the means of classes ``classes_[0]`` and ``classes_[1]``, computed on the
    ``X, y`` given). ``theta = 0`` means the classifier is the nearest-centroid
    classifier's direction; the paper shows that L2 regularisation reduces
    ``theta``, which increases the :func:`adversarial_distance`. Smaller means
    less tilted (more robust to adversarial perturbations), not necessarily more
    accurate.

    Parameters
    ----------
    estimator : fitted classifier
        See :func:`signed_distance` for what is accepted.
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Samples, in the estimator's input space (the centroids are taken here).
    y : array-like of shape (n_samples,)
        True labels (values of ``estimator.classes_``).
    sample_weight : array-like of shape (n_samples,), default=None
        Weighted centroids (and weights of the multiclass average).
    degrees : bool, default=False
        Return degrees instead of radians.
    average : {"weighted", "macro"} or None, default="weighted"
        Multiclass aggregation over the one-vs-rest boundaries: boundary ``k``
        uses ``z`` from the centroid of class ``k`` and the centroid of all other
        samples; see :func:`adversarial_distance`.

    Returns
    -------
    theta : float or ndarray of shape (n_boundaries,)
        In ``[0, pi]`` (or ``[0, 180]`` degrees). With ``average=None`` a class
        absent from ``y`` gets ``nan``.

    Raises
    ------
    ValueError
        In the binary case, if ``y`` has a single class (``z`` is undefined).

    Notes
    -----
    ``z`` comes from the ``X, y`` given, not from the training data: on held-out
    data a classifier parallel to the training centroids' direction has a small
    non-zero angle.

    For first-order models (see :func:`signed_distance`) the angle is local: for
    each sample, the angle between the input gradient of its margin (true class
    minus the best other class, as found by ``decision_function`` or
    ``predict_proba``) and the direction from the other class's centroid to its
    own class's centroid; the result averages these per-sample angles (per true
    class with ``average=None``). For a linear binary model it equals ``theta``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_tilt.metrics import tilting_angle
    >>> X, y = load_digits(n_class=2, return_X_y=True)
    >>> strong = LogisticRegression(C=1e-6).fit(X, y)
    >>> weak = LogisticRegression(C=1e2, max_iter=5000).fit(X, y)
    >>> bool(tilting_angle(strong, X, y) < tilting_angle(weak, X, y))
    True
    """
    decision, Xv, X_model, y, sw = _prepare(estimator, X, y, sample_weight)
    if decision.is_linear:
        Y = _boundary_labels(decision, y)
        values = np.full(Y.shape[1], np.nan)
        if Y.shape[1] == 1:
            _check_both_sides(
                Y[:, 0],
                sw,
                _label_text(decision.classes[0]),
                _label_text(decision.classes[1]),
                "the tilting angle",
            )
        for k in range(Y.shape[1]):
            w = np.ones(len(y)) if sw is None else sw
            if not (w[Y[:, k] > 0].sum() > 0 and w[Y[:, k] < 0].sum() > 0):
                continue  # class k (or all the others) absent or of zero weight: nan
            try:
                z, _ = G.centroid_direction(Xv, Y[:, k], sw)
            except ValueError as exc:
                if Y.shape[1] == 1:
                    raise ValueError(
                        f"the tilting angle needs samples of both classes "
                        f"{decision.classes.tolist()} in y ({exc})"
                    ) from exc
                continue
            values[k] = G.angle_between(decision.coef[k], z)
        weights = _boundary_weights(decision, y, sw)
    else:
        angles = _first_order_angles(decision, Xv, X_model, y, sw)
        ok = ~np.isnan(angles)
        if not np.any(ok):
            raise ValueError("the local tilting angle needs samples of at least two classes in y")
        y_ok, sw_ok = y[ok], None if sw is None else sw[ok]
        if average == "weighted":
            values = np.array([_mean(angles[ok], sw_ok)])
            weights = np.ones(1)
        else:  # per true class (mean of the per-sample angles)
            values = _per_class_mean(angles[ok], decision.classes, y_ok, sw_ok)
            weights = _class_weights(decision.classes, y_ok, sw_ok)
    if degrees:
        values = np.degrees(values)
    return _aggregate(values, weights, average)


@validate_params(
    {**_LABELLED, "pos_label": [Real, str, "boolean", None]},
    prefer_skip_nested_validation=True,
)
def tilting_plane(estimator, X, y, *, pos_label=None, sample_weight=None):
    """The tilting plane spanned by ``z`` and ``w``, and the 2-D coordinates of ``X``.

    ``n = w - (w.z) z``, ``n_hat = n / ||n||``; the coordinates of ``x`` are
    ``(x.z, x.n_hat)``. Because ``w`` lies in the plane, the projected boundary
    is the line ``coef[0] u + coef[1] v + intercept = 0`` and the 2-D signed
    distance of each projected point equals its distance ``d(x)`` in the full
    space: the paper's projection plots.

    Parameters
    ----------
    estimator : fitted linear classifier
        See :func:`signed_distance` (first-order models are not accepted).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Samples, in the estimator's input space.
    y : array-like of shape (n_samples,)
        True labels (values of ``estimator.classes_``).
    pos_label : label, default=None
        Multiclass: the class whose one-vs-rest boundary is drawn (required).
        Binary: ``None`` or ``classes_[1]`` keep the estimator's orientation;
        ``classes_[0]`` flips it.
    sample_weight : array-like of shape (n_samples,), default=None
        Weighted centroids.

    Returns
    -------
    plane : :class:`~sklearn.utils.Bunch`
        ``z`` (n_features,), ``n_hat`` (n_features,): the orthonormal pair;
        ``coordinates`` (n_samples, 2): ``(x.z, x.n_hat)``; ``coef`` (2,):
        ``(w.z, w.n_hat)``; ``intercept`` (float); ``angle`` (float, radians);
        ``labels`` (n_samples,): ``+1`` on the side of ``pos_label``, ``-1``
        otherwise; ``centroid_distance``: ``||j - i||``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn_tilt.metrics import signed_distance, tilting_plane
    >>> X, y = load_digits(n_class=2, return_X_y=True)
    >>> clf = LogisticRegression(C=1e-3).fit(X, y)
    >>> plane = tilting_plane(clf, X, y)
    >>> plane.coordinates.shape
    (360, 2)
    >>> d2 = (plane.coordinates @ plane.coef + plane.intercept) / np.linalg.norm(plane.coef)
    >>> bool(np.allclose(d2, signed_distance(clf, X)))
    True
    """
    decision, Xv, _, y, sw = _prepare(estimator, X, y, sample_weight)
    if not decision.is_linear:
        raise TypeError(
            "the tilting plane needs a linear decision function (coef_): "
            f"{type(decision.estimator).__name__} only has a first-order approximation"
        )
    classes = decision.classes
    Y = _boundary_labels(decision, y)
    if decision.is_binary:
        k, sign = 0, 1.0
        if pos_label is not None:
            if pos_label not in classes.tolist():
                raise ValueError(f"pos_label={pos_label!r} is not in classes_ {classes.tolist()}")
            sign = 1.0 if pos_label == classes[1] else -1.0
    else:
        if pos_label is None or pos_label not in classes.tolist():
            raise ValueError(
                f"multiclass estimator: pos_label must be one of {classes.tolist()} (the "
                f"class whose one-vs-rest boundary is drawn), got {pos_label!r}"
            )
        k, sign = classes.tolist().index(pos_label), 1.0
    labels = sign * Y[:, k]
    w = sign * decision.coef[k]
    b = float(sign * decision.intercept[k])
    if decision.is_binary:
        pos = _label_text(classes[1] if sign > 0 else classes[0])
        neg = _label_text(classes[0] if sign > 0 else classes[1])
    else:
        pos = _label_text(pos_label)
        neg = f"'all but {np.asarray(pos_label).tolist()}'"
    _check_both_sides(labels, sw, neg, pos, "the tilting plane")
    try:
        z, dist = G.centroid_direction(Xv, labels, sw)
    except ValueError as exc:
        raise ValueError(f"the tilting plane needs samples on both sides in y ({exc})") from exc
    z, n_hat = G.tilting_plane_basis(w, z)
    coords = G.plane_coordinates(Xv, z, n_hat)
    return Bunch(
        z=z,
        n_hat=n_hat,
        coordinates=coords,
        coef=np.array([np.dot(w, z), np.dot(w, n_hat)]),
        intercept=b,
        angle=G.angle_between(w, z),
        labels=labels,
        centroid_distance=dist,
    )
