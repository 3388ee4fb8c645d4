"""Shared helpers of the displays: binary labels, linear parts, per-lam quantities.

Every quantity is computed with the formulas of :mod:`sklearn_tilt._geometry`.
"""

import numpy as np

from .. import _geometry as geo

#: Quantities computed along a path, in the order of :func:`path_quantities`' keys.
PATH_QUANTITIES = ("train_error", "test_error", "d_adv", "d_err", "theta", "norm_w")


def binary_labels(y):
    """``(classes, y_pm)``: the two sorted classes and ``y`` coded -1 (classes[0]) / +1."""
    y = np.asarray(y)
    classes = np.unique(y)
    if len(classes) != 2:
        raise ValueError(f"binary targets are needed (2 classes), got {len(classes)} classes")
    return classes, np.where(y == classes[1], 1.0, -1.0)


def linear_parts(estimator, X):
    """``(Xt, w, b)`` of a fitted binary linear classifier or pipeline ending in one.

    ``Xt`` is ``X`` transformed by the pipeline's first steps (the space in which
    ``w`` acts), ``w`` the weight vector (1-D) and ``b`` the intercept.
    """
    from sklearn.pipeline import Pipeline

    final = estimator
    Xt = X
    if isinstance(estimator, Pipeline):
        final = estimator[-1]
        if len(estimator) > 1:
            Xt = estimator[:-1].transform(X)
    coef = getattr(final, "coef_", None)
    if coef is None:
        raise TypeError(
            f"{type(final).__name__} has no coef_: a fitted linear classifier is needed")
    coef = np.asarray(coef, dtype=np.float64)
    if coef.ndim == 2 and coef.shape[0] != 1:
        raise ValueError(f"a binary classifier is needed (coef_ has {coef.shape[0]} rows)")
    intercept = float(np.ravel(getattr(final, "intercept_", 0.0))[0])
    return np.asarray(Xt, dtype=np.float64), coef.ravel(), intercept


def margins(X, y_pm, coef, intercept):
    """Signed margins ``y_i d(x_i)`` for one boundary ``(w, b)``."""
    scores = np.asarray(X, dtype=np.float64) @ np.asarray(coef, dtype=np.float64) + intercept
    return y_pm * geo.signed_distance_from_scores(scores, np.linalg.norm(coef))


def _errors(scores, y_pm):
    # prediction rule of scikit-learn's linear classifiers: class +1 iff s(x) > 0
    return np.mean((scores > 0) != (y_pm[:, None] > 0), axis=0)


def path_quantities(coefs, intercepts, X, y, X_test=None, y_test=None, *, z=None):
    """Train/test error, ``d_adv``, ``d_err``, ``theta`` and ``||w||`` for each boundary.

    Parameters
    ----------
    coefs : array-like of shape (n_lams, n_features)
    intercepts : array-like of shape (n_lams,)
    X, y : training data (``y`` binary, any two labels; the larger is class J)
    X_test, y_test : optional test data (same labels)
    z : unit nearest-centroid direction (computed from the training data if None)

    Returns
    -------
    dict of ndarrays of shape (n_lams,) keyed by :data:`PATH_QUANTITIES`, plus
    ``centroid_distance`` (a float, ``||j - i||``) and ``d_adv_centroid``
    (``0.5 ||j - i|| cos(theta)``, the identity that holds for balanced classes).
    ``theta`` is in radians; ``test_error`` is NaN without test data.
    """
    coefs = np.atleast_2d(np.asarray(coefs, dtype=np.float64))
    intercepts = np.asarray(intercepts, dtype=np.float64).reshape(-1)
    X = np.asarray(X, dtype=np.float64)
    classes, y_pm = binary_labels(y)
    z_dir, dist = geo.centroid_direction(X, y_pm)
    if z is None:
        z = z_dir
    norms = np.linalg.norm(coefs, axis=1)
    ok = norms > 0
    scores = X @ coefs.T + intercepts
    out = {"norm_w": norms, "train_error": _errors(scores, y_pm)}
    d_adv = np.full(len(coefs), np.nan)
    d_err = np.full(len(coefs), np.nan)
    theta = np.full(len(coefs), np.nan)
    if np.any(ok):
        m = y_pm[:, None] * geo.signed_distance_from_scores(scores[:, ok], norms[ok])
        d_adv[ok] = [geo.adversarial_distance_from_margins(col) for col in m.T]
        d_err[ok] = [geo.error_distance_from_margins(col) for col in m.T]
        theta[ok] = [geo.angle_between(c, z) for c in coefs[ok]]
    out.update(d_adv=d_adv, d_err=d_err, theta=theta)
    if X_test is not None:
        y_test = np.asarray(y_test)
        if not np.all(np.isin(y_test, classes)):
            raise ValueError("y_test has labels that are not in y")
        y_test_pm = np.where(y_test == classes[1], 1.0, -1.0)
        test_scores = np.asarray(X_test, dtype=np.float64) @ coefs.T + intercepts
        out["test_error"] = _errors(test_scores, y_test_pm)
    else:
        out["test_error"] = np.full(len(coefs), np.nan)
    out["centroid_distance"] = dist
    out["d_adv_centroid"] = 0.5 * dist * np.cos(theta)
    return out


def nearest_lam_index(lams, lam):
    """Index of the value of ``lams`` nearest to ``lam`` on a log scale."""
    lams = np.asarray(lams, dtype=np.float64)
    return int(np.argmin(np.abs(np.log10(lams) - np.log10(lam))))


def image_shape(n_features):
    """``(side, side)`` when ``n_features`` is a square larger than 4, else None."""
    side = int(round(np.sqrt(n_features)))
    return (side, side) if side * side == n_features and side > 2 else None


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


def display_plane_basis(w, z, X):
    """Basis ``(z, n_hat)`` of the tilting plane for display.

    :func:`sklearn_tilt._geometry.tilting_plane_basis`, except when ``w`` is
    parallel to ``z`` up to ``sin(theta) < 1e-4`` (the plane is then not defined
    by ``w``, or only by rounding errors): ``n_hat`` is then the direction of
    largest variance of ``X`` orthogonal to ``z``, so that the picture shows the
    spread of the data instead of a nearly constant coordinate.
    """
    z, n_hat = geo.tilting_plane_basis(w, z)
    w = np.asarray(w, dtype=np.float64)
    if abs(float(w @ n_hat)) > 1e-4 * float(np.linalg.norm(w)):
        return z, n_hat
    X = np.asarray(X, dtype=np.float64)
    Xc = X - X.mean(axis=0)
    Xc = Xc - np.outer(Xc @ z, z)
    # leading right singular vector by power iteration (a full SVD is much slower
    # and only one direction is needed; the start vector is fixed: deterministic)
    v = np.abs(Xc).sum(axis=0) + 1.0
    v -= (v @ z) * z
    for _ in range(200):
        v_new = Xc.T @ (Xc @ v)
        v_new -= (v_new @ z) * z
        nv = np.linalg.norm(v_new)
        if nv == 0:
            return z, n_hat
        v_new /= nv
        done = np.linalg.norm(v_new - v / np.linalg.norm(v)) < 1e-10
        v = v_new
        if done:
            break
    return z, v
