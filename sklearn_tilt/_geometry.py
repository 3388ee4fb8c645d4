"""The formulas of the paper, on arrays (the single source of truth).

Binary convention: class I has label -1, class J has label +1, ``y`` is a
vector of +-1. A linear classifier is ``s(x) = w.x + b``.

============================  ==========================================
quantity                      formula
============================  ==========================================
signed distance               ``d(x) = s(x) / ||w||``
first-order distance (nets)   ``d(x) ~ s(x) / ||grad_x s(x)||``
error distance                ``d_err = (1/n) sum_{y_i d_i <= 0} -y_i d_i``
adversarial distance          ``d_adv = (1/n) sum_i y_i d_i``
nearest-centroid direction    ``z = (j - i) / ||j - i||``
tilting angle                 ``theta = arccos(w.z / ||w||)``
identity (balanced classes)   ``d_adv = 0.5 ||j - i|| cos(theta)``
local tilting angle (nets)    angle between ``grad_x s(x)`` and ``j_c - j_k``
tilting plane                 ``n = w - (w.z) z``, ``n_hat = n / ||n||``
projected image               ``x_p = x - d(x) w / ||w||``
mirror image                  ``x_m = x - 2 d(x) w / ||w||``
scaled loss                   ``f_||w||(z) = f(||w|| z)``
============================  ==========================================

Everything else in the package (metrics, transformers, plots, experiments)
calls these functions instead of re-deriving them. Sample weights, when given,
turn every ``(1/n) sum`` into a weighted mean.
"""

import numpy as np

__all__ = [
    "LOSS_LIMITS",
    "adversarial_distance_from_margins",
    "angle_between",
    "balanced_adversarial_distance",
    "centroid_direction",
    "class_centroids",
    "class_means",
    "error_distance_from_margins",
    "first_order_distance",
    "hinge",
    "local_tilting_angles",
    "loss_function",
    "nearest_to_centroids",
    "plane_coordinates",
    "reflect",
    "scaled_loss",
    "signed_distance_from_scores",
    "softplus",
    "tilting_plane_basis",
]

#: ``(alpha, beta)`` of the small-``||w||`` limit ``f_||w||(z) ~ alpha - beta ||w|| z``.
LOSS_LIMITS = {"hinge": (1.0, 1.0), "softplus": (float(np.log(2.0)), 0.5)}


def hinge(z):
    """Hinge loss ``max(1 - z, 0)``."""
    return np.maximum(1.0 - np.asarray(z, dtype=np.float64), 0.0)


def softplus(z):
    """Softplus loss ``log(1 + exp(-z))``, computed stably for any ``z``."""
    return np.logaddexp(0.0, -np.asarray(z, dtype=np.float64))


_LOSSES = {"hinge": hinge, "softplus": softplus}


def loss_function(loss):
    """Return the loss ``f`` named ``loss`` (``"hinge"`` or ``"softplus"``)."""
    try:
        return _LOSSES[loss]
    except (KeyError, TypeError):
        raise ValueError(f"loss must be one of {sorted(_LOSSES)}, got {loss!r}") from None


def scaled_loss(z, scale, loss):
    """Scaled loss ``f_||w||(z) = f(||w|| z)`` evaluated at distances ``z``."""
    return loss_function(loss)(scale * np.asarray(z, dtype=np.float64))


def _norm(v):
    return float(np.sqrt(np.dot(v, v)))


def signed_distance_from_scores(scores, coef_norm):
    """``d(x) = s(x) / ||w||`` (``coef_norm`` may be a scalar or one norm per column)."""
    coef_norm = np.asarray(coef_norm, dtype=np.float64)
    if np.any(coef_norm <= 0):
        raise ValueError("the weight vector is zero: distances to the boundary are undefined")
    return np.asarray(scores, dtype=np.float64) / coef_norm


def first_order_distance(margins, gradients):
    """First-order distance ``s(x) / ||grad_x s(x)||`` for non-linear models.

    ``margins`` has shape (n,), ``gradients`` shape (n, n_features) (flattened).
    A zero gradient gives ``+-inf`` (the model is locally flat).
    """
    g = np.asarray(gradients, dtype=np.float64).reshape(len(margins), -1)
    gnorm = np.sqrt(np.einsum("ij,ij->i", g, g))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(margins, dtype=np.float64) / gnorm


def _weighted_mean(v, sample_weight):
    if sample_weight is None:
        return float(np.mean(v))
    return float(np.average(v, weights=sample_weight))


def adversarial_distance_from_margins(margins, sample_weight=None):
    """``d_adv = mean_i y_i d(x_i)`` from the signed margins ``y_i d(x_i)``."""
    return _weighted_mean(np.asarray(margins, dtype=np.float64), sample_weight)


def error_distance_from_margins(margins, sample_weight=None):
    """``d_err = (1/n) sum_{y_i d_i <= 0} (-y_i d_i)`` from the margins ``y_i d(x_i)``."""
    m = np.asarray(margins, dtype=np.float64)
    return _weighted_mean(np.where(m <= 0, -m, 0.0), sample_weight)


def class_centroids(X, y, sample_weight=None):
    """Centroids ``(i, j)`` of class I (``y == -1``) and class J (``y == +1``)."""
    X = np.asarray(X) if not hasattr(X, "tocsr") else X
    y = np.asarray(y)
    out = []
    for label in (-1, 1):
        mask = y == label
        if not np.any(mask):
            raise ValueError(f"class {label:+d} has no sample: centroids need both classes")
        sw = None if sample_weight is None else np.asarray(sample_weight)[mask]
        Xc = X[mask]
        if hasattr(Xc, "tocsr"):
            sw = np.ones(Xc.shape[0]) if sw is None else sw
            out.append(np.asarray(Xc.T @ sw).ravel() / sw.sum())
        else:
            out.append(np.average(np.asarray(Xc, dtype=np.float64), axis=0, weights=sw))
    return out[0], out[1]


def class_means(X, codes, n_classes, sample_weight=None):
    """Mean of the rows of each class ``0 .. n_classes - 1``, shape (n_classes, n_features).

    ``codes`` holds the class index of each row; a class without rows (or without
    weight) gets a row of NaN.
    """
    X = np.asarray(X, dtype=np.float64)
    codes = np.asarray(codes)
    sw = np.ones(len(codes)) if sample_weight is None else np.asarray(sample_weight, float)
    out = np.full((n_classes, X.shape[1]), np.nan)
    for k in range(n_classes):
        mask = codes == k
        if np.any(mask) and sw[mask].sum() > 0:
            out[k] = np.average(X[mask], axis=0, weights=sw[mask])
    return out


def nearest_to_centroids(X, y):
    """Row index of the sample of each class nearest to its class centroid, ``(i_idx, j_idx)``.

    The paper's representative image of class I (``y == -1``) and of class J
    (``y == +1``).
    """
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    out = []
    for label, c in zip((-1, 1), class_centroids(X, y)):
        idx = np.flatnonzero(y == label)
        out.append(int(idx[np.argmin(np.linalg.norm(X[idx] - c, axis=1))]))
    return tuple(out)


def centroid_direction(X, y, sample_weight=None):
    """Nearest-centroid direction ``z = (j - i) / ||j - i||`` and ``||j - i||``."""
    i, j = class_centroids(X, y, sample_weight)
    diff = j - i
    dist = _norm(diff)
    if dist == 0:
        raise ValueError("the two class centroids coincide: the direction z is undefined")
    return diff / dist, dist


def angle_between(w, z):
    """Angle ``arccos(w.z / (||w|| ||z||))`` in ``[0, pi]`` (the tilting angle for unit ``z``)."""
    w = np.asarray(w, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    nw, nz = _norm(w), _norm(z)
    if nw == 0 or nz == 0:
        raise ValueError("the angle with a zero vector is undefined")
    return float(np.arccos(np.clip(np.dot(w, z) / (nw * nz), -1.0, 1.0)))


def balanced_adversarial_distance(centroid_distance, theta):
    """``0.5 ||j - i|| cos(theta)``: the adversarial distance when the classes are balanced.

    ``d_adv = (1/n) sum_i y_i d(x_i) = (n_J / n) (w.j + b) / ||w|| - (n_I / n) (w.i + b) / ||w||``
    equals this value when ``n_I = n_J`` (the intercept cancels); it is a check of
    the general definition, not a replacement for it.
    """
    return 0.5 * centroid_distance * np.cos(theta)


def local_tilting_angles(gradients, own, other, means):
    """Per-sample tilting angle of a non-linear classifier (radians, NaN where undefined).

    At a sample of class ``own[i]`` whose competing class is ``other[i]``, the
    classifier acts locally like the linear one with normal ``gradients[i]`` (the
    input gradient of the margin ``s_own - s_other``); its tilting angle is the
    angle between that normal and the direction ``means[own] - means[other]``
    between the two classes' centroids. NaN where the gradient is zero or a
    centroid is missing (a NaN row of ``means``, see :func:`class_means`).
    """
    G = np.asarray(gradients, dtype=np.float64).reshape(len(own), -1)
    own, other = np.asarray(own), np.asarray(other)
    theta = np.full(len(own), np.nan)
    for i in range(len(own)):
        z = means[own[i]] - means[other[i]]
        if np.all(np.isfinite(z)) and np.any(z) and np.any(G[i]):
            theta[i] = angle_between(G[i], z)
    return theta


def tilting_plane_basis(w, z, X=None):
    """Orthonormal basis ``(z, n_hat)`` of the tilting plane spanned by ``z`` and ``w``.

    ``n = w - (w.z) z``. When ``w`` is parallel to ``z`` (``theta`` is 0 or pi) the
    plane is not unique; ``n_hat`` is then the unit vector orthogonal to ``z``
    closest to the coordinate axis along which ``z`` is smallest (deterministic).

    With data ``X`` (for pictures), a ``w`` parallel to ``z`` up to
    ``sin(theta) < 1e-4`` (the plane then defined by rounding errors only) gives
    instead for ``n_hat`` the direction of largest variance of ``X`` orthogonal
    to ``z``, so that the picture shows the spread of the data rather than a
    nearly constant coordinate.
    """
    w = np.asarray(w, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    z = z / _norm(z)
    n = w - np.dot(w, z) * z
    nn = _norm(n)
    if X is not None and nn <= 1e-4 * _norm(w):
        v = _spread_direction(np.asarray(X, dtype=np.float64), z)
        if v is not None:
            return z, v
    if nn <= 1e-12 * max(_norm(w), 1e-300):
        e = np.zeros_like(z)
        e[int(np.argmin(np.abs(z)))] = 1.0
        n = e - np.dot(e, z) * z
        nn = _norm(n)
    return z, n / nn


def _spread_direction(X, z):
    """Unit direction of largest variance of ``X`` orthogonal to unit ``z`` (None if none)."""
    Xc = X - X.mean(axis=0)
    Xc = Xc - np.outer(Xc @ z, z)
    # leading right singular vector by power iteration (a full SVD is much slower
    # and only one direction is needed; the start vector is fixed: deterministic)
    v = np.abs(Xc).sum(axis=0) + 1.0
    v -= (v @ z) * z
    v /= _norm(v)
    for _ in range(200):
        v_new = Xc.T @ (Xc @ v)
        v_new -= (v_new @ z) * z
        nv = _norm(v_new)
        if nv == 0:
            return None
        v_new /= nv
        done = _norm(v_new - v) < 1e-10
        v = v_new
        if done:
            break
    return v


def plane_coordinates(X, z, n_hat):
    """Coordinates ``(x.z, x.n_hat)`` of the rows of ``X`` in the tilting plane, shape (n, 2)."""
    B = np.column_stack([z, n_hat])
    return np.asarray(X @ B, dtype=np.float64)


def reflect(X, distances, w, factor):
    """``x - factor * d(x) * w / ||w||`` row-wise (factor 1: projection, 2: mirror).

    ``w`` is either one vector (same boundary for all rows) or an array of shape
    (n, n_features) (one boundary normal per row). The result keeps ``X``'s dtype.
    """
    X = np.asarray(X)
    w = np.asarray(w, dtype=np.float64)
    d = np.asarray(distances, dtype=np.float64)
    if w.ndim == 1:
        w_unit = w / _norm(w)
        shift = np.outer(factor * d, w_unit)
    else:
        norms = np.sqrt(np.einsum("ij,ij->i", w, w))
        shift = (factor * d / norms)[:, None] * w
    return (X - shift).astype(X.dtype, copy=False)
