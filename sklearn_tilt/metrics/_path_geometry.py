"""The geometry of one linear boundary or of a regularisation path, on arrays.

What the displays and the experiments show, computed once: the boundary of a
fitted estimator in its input space (through :mod:`sklearn_tilt._linear_map`,
as the metric functions measure it), the per-``lam`` quantities of a path
(errors, ``d_adv``, ``d_err``, ``theta``, ``||w||``), the tilting-plane picture
and the mirror images of representative samples. Every formula comes from
:mod:`sklearn_tilt._geometry`.
"""

import numpy as np
from sklearn.utils import Bunch
from sklearn.utils.validation import check_array

from .. import _geometry as G
from .._linear_map import resolve_decision

__all__ = [
    "PATH_CURVES",
    "PATH_METRICS",
    "binary_labels",
    "boundary_angle",
    "boundary_margins",
    "linear_boundary",
    "mirror_images",
    "nearest_lam_index",
    "path_curves",
    "path_entries",
    "path_entry",
    "path_metrics",
    "plane_picture",
    "tilted_boundary",
]

#: Quantities of :func:`path_metrics`, one value per ``lam``.
PATH_METRICS = ("train_error", "test_error", "d_adv", "d_err", "theta", "norm_w")
#: Curves of :func:`path_curves` drawn against ``lam`` (the angle in degrees).
PATH_CURVES = ("theta_deg", "d_adv", "d_err", "train_error", "test_error")


def nearest_lam_index(lams, lam):
    """Index of the value of ``lams`` nearest to ``lam`` on a log scale.

    Parameters
    ----------
    lams : array-like of shape (n_lams,)
        Values ``> 0``.
    lam : float
        The value looked for (``> 0``).

    Returns
    -------
    index : int
        The first index of the nearest value (ties go to the lower index).
    """
    lams = np.asarray(lams, dtype=np.float64).reshape(-1)
    if lams.size == 0:
        raise ValueError("lams is empty")
    if not (np.all(lams > 0) and float(lam) > 0):
        raise ValueError("the values of lam must be > 0 to be compared on a log scale")
    return int(np.argmin(np.abs(np.log10(lams) - np.log10(lam))))


def path_entries(lams, coefs, intercepts, lams_to_show):
    """``(lams, coefs, intercepts)`` of the path entries nearest to each of ``lams_to_show``.

    ``lams_to_show=None`` keeps every entry. ``coefs`` has one row per entry.
    """
    lams = np.asarray(lams, dtype=np.float64).reshape(-1)
    coefs = np.atleast_2d(np.asarray(coefs, dtype=np.float64))
    intercepts = np.asarray(intercepts, dtype=np.float64).reshape(-1)
    if not len(lams) == len(coefs) == len(intercepts):
        raise ValueError(
            f"lams, coefs and intercepts must describe the same path entries, got "
            f"{len(lams)}, {len(coefs)} and {len(intercepts)}"
        )
    ks = (
        range(len(lams))
        if lams_to_show is None
        else [nearest_lam_index(lams, lam) for lam in np.atleast_1d(lams_to_show)]
    )
    ks = list(ks)
    return lams[ks], coefs[ks], intercepts[ks]


def path_entry(lams, coefs, intercepts, lam):
    """``(lam_k, w, b)`` of the path entry whose ``lam`` is nearest to ``lam`` (log scale)."""
    lams, coefs, intercepts = path_entries(lams, coefs, intercepts, [lam])
    return float(lams[0]), coefs[0], float(intercepts[0])


def binary_labels(y, classes=None):
    """``(classes, y_pm)``: the two classes and ``y`` coded -1 (``classes[0]``) / +1.

    ``classes`` defaults to the sorted labels of ``y``; labels of ``y`` outside
    ``classes`` raise a ``ValueError``.
    """
    y = np.asarray(y)
    if classes is None:
        classes = np.unique(y)
        if len(classes) != 2:
            raise ValueError(f"binary targets are needed (2 classes), got {len(classes)} classes")
    classes = np.asarray(classes)
    if len(classes) != 2:
        raise ValueError(f"a binary classifier is needed, got {len(classes)} classes")
    unknown = ~np.isin(y, classes)
    if np.any(unknown):
        raise ValueError(
            f"binary targets are needed: y has labels {np.unique(y[unknown]).tolist()} "
            f"that are not among the classes {classes.tolist()}"
        )
    return classes, np.where(y == classes[1], 1.0, -1.0)


def linear_boundary(estimator, X):
    """The boundary of a fitted binary linear classifier, in the input space of ``X``.

    ``estimator`` is anything the metric functions accept with a linear decision
    function: a classifier with ``coef_``, an affine pipeline ending in one
    (the boundary is pulled back to the pipeline's input, where
    :func:`~sklearn_tilt.metrics.signed_distance` measures), a
    ``FrozenEstimator`` or fitted search wrapping one. ``w.x + b`` equals the
    estimator's decision function on the rows of ``X``.

    Returns a Bunch with ``coef`` (``w``, shape (n_features,)), ``intercept``
    (``b``), ``classes`` (``classes[1]`` on the positive side) and ``estimator``
    (the final classifier, unwrapped: where ``loss`` and ``lam`` live).
    """
    Xv = check_array(X, dtype=(np.float64, np.float32), input_name="X")
    decision = resolve_decision(estimator, X if hasattr(X, "iloc") else Xv)
    if not decision.is_linear:
        raise TypeError(
            f"{type(decision.estimator).__name__} has no coef_: a fitted linear classifier "
            "is needed"
        )
    if not decision.is_binary:
        raise ValueError(f"a binary classifier is needed, got {len(decision.classes)} classes")
    return Bunch(
        coef=decision.coef[0].astype(np.float64),
        intercept=float(decision.intercept[0]),
        classes=decision.classes,
        estimator=decision.estimator,
    )


def boundary_margins(w, b, X, y_pm):
    """Signed distances ``y_i d(x_i)`` of the rows of ``X`` to the boundary ``(w, b)``."""
    scores = np.asarray(X, dtype=np.float64) @ np.asarray(w, dtype=np.float64) + b
    return y_pm * G.signed_distance_from_scores(scores, np.linalg.norm(w))


def boundary_angle(w, X, y_pm):
    """Tilting angle (radians) of the normal ``w`` against the centroid direction of ``X``."""
    z, _ = G.centroid_direction(np.asarray(X, dtype=np.float64), y_pm)
    return G.angle_between(w, z)


def _errors(scores, y_pm):
    # prediction rule of scikit-learn's linear classifiers: class +1 iff s(x) > 0
    return np.mean((scores > 0) != (y_pm[:, None] > 0), axis=0)


def path_metrics(coefs, intercepts, X, y, X_test=None, y_test=None):
    """Train/test error, ``d_adv``, ``d_err``, ``theta`` and ``||w||`` for each boundary.

    Parameters
    ----------
    coefs : array-like of shape (n_lams, n_features)
    intercepts : array-like of shape (n_lams,)
    X, y : training data (``y`` binary, any two labels; the larger is class J)
    X_test, y_test : optional test data (same labels)

    Returns
    -------
    Bunch of ndarrays of shape (n_lams,) keyed by :data:`PATH_METRICS`, plus
    ``centroid_distance`` (a float, ``||j - i||``) and ``d_adv_centroid``
    (:func:`~sklearn_tilt._geometry.balanced_adversarial_distance`, equal to
    ``d_adv`` for balanced classes). ``theta`` is in radians; ``test_error`` is
    NaN without test data; a zero ``w`` gets NaN distances and angle.
    """
    coefs = np.atleast_2d(np.asarray(coefs, dtype=np.float64))
    intercepts = np.asarray(intercepts, dtype=np.float64).reshape(-1)
    X = np.asarray(X, dtype=np.float64)
    classes, y_pm = binary_labels(y)
    z, dist = G.centroid_direction(X, y_pm)
    norms = np.linalg.norm(coefs, axis=1)
    ok = norms > 0
    scores = X @ coefs.T + intercepts
    out = Bunch(norm_w=norms, train_error=_errors(scores, y_pm))
    d_adv, d_err, theta = (np.full(len(coefs), np.nan) for _ in range(3))
    if np.any(ok):
        m = y_pm[:, None] * G.signed_distance_from_scores(scores[:, ok], norms[ok])
        d_adv[ok] = [G.adversarial_distance_from_margins(col) for col in m.T]
        d_err[ok] = [G.error_distance_from_margins(col) for col in m.T]
        theta[ok] = [G.angle_between(c, z) for c in coefs[ok]]
    out.update(d_adv=d_adv, d_err=d_err, theta=theta)
    out.test_error = np.full(len(coefs), np.nan)
    if X_test is not None:
        _, y_test_pm = binary_labels(y_test, classes)
        out.test_error = _errors(
            np.asarray(X_test, dtype=np.float64) @ coefs.T + intercepts, y_test_pm
        )
    out.centroid_distance = dist
    out.d_adv_centroid = G.balanced_adversarial_distance(dist, theta)
    return out


def path_curves(coefs, intercepts, X, y, X_test=None, y_test=None, *, metrics=None):
    """The curves of a path drawn against ``lam``: :data:`PATH_CURVES`.

    Parameters
    ----------
    coefs, intercepts, X, y, X_test, y_test
        As in :func:`path_metrics`.
    metrics : Bunch, default=None
        The result of :func:`path_metrics` on the same arguments, when the caller
        has it already (it is not computed again).

    Returns
    -------
    curves : dict
        ``theta_deg`` (degrees), ``d_adv``, ``d_err``, ``train_error`` and
        ``test_error``, ndarrays of shape (n_lams,).
    """
    q = path_metrics(coefs, intercepts, X, y, X_test, y_test) if metrics is None else metrics
    return {
        "theta_deg": np.degrees(q["theta"]),
        "d_adv": q["d_adv"],
        "d_err": q["d_err"],
        "train_error": q["train_error"],
        "test_error": q["test_error"],
    }


def mirror_images(images, coefs, intercepts):
    """Mirror images of ``images`` through each boundary, and their distances.

    Returns ``(mirrors, distances)`` of shapes (n_boundaries, n_images, n_features)
    and (n_boundaries, n_images): ``x_m = x - 2 d(x) w / ||w||``.
    """
    images = np.asarray(images, dtype=np.float64)
    coefs = np.atleast_2d(np.asarray(coefs, dtype=np.float64))
    intercepts = np.asarray(intercepts, dtype=np.float64).reshape(-1)
    mirrors, dists = [], []
    for w, b in zip(coefs, intercepts):
        d = G.signed_distance_from_scores(images @ w + b, np.linalg.norm(w))
        mirrors.append(G.reflect(images, d, w, 2.0))
        dists.append(d)
    return np.array(mirrors), np.array(dists)


def plane_picture(w, b, X, y_pm, indices=None):
    """Everything the tilting-plane picture of one boundary ``(w, b)`` shows.

    Parameters
    ----------
    w : ndarray of shape (n_features,)
    b : float
    X : ndarray of shape (n_samples, n_features)
    y_pm : ndarray of shape (n_samples,)
        Labels coded -1 / +1.
    indices : pair of int, default=None
        Rows of ``X`` used as representative images of class I and J; default
        :func:`~sklearn_tilt._geometry.nearest_to_centroids`.

    Returns
    -------
    Bunch with ``coords`` (n, 2), ``w_plane`` (2,), ``theta`` (radians),
    ``centroids`` (2, 2), ``indices``, ``images`` and ``mirrors`` (2, n_features),
    ``image_coords`` and ``mirror_coords`` (2, 2), and the basis ``z``, ``n_hat``
    (:func:`~sklearn_tilt._geometry.tilting_plane_basis` with the data-spread
    fallback when ``w`` is parallel to ``z``).
    """
    w = np.asarray(w, dtype=np.float64)
    X = np.asarray(X, dtype=np.float64)
    z, _ = G.centroid_direction(X, y_pm)
    z, n_hat = G.tilting_plane_basis(w, z, X)
    if indices is None:
        indices = G.nearest_to_centroids(X, y_pm)
    images = X[list(indices)]
    (mirrors,), _ = mirror_images(images, w, b)

    def project(A):
        return G.plane_coordinates(A, z, n_hat)

    return Bunch(
        coords=project(X),
        w_plane=np.array([w @ z, w @ n_hat]),
        theta=G.angle_between(w, z),
        centroids=project(np.vstack(G.class_centroids(X, y_pm))),
        indices=tuple(int(i) for i in indices),
        images=images,
        mirrors=mirrors,
        image_coords=project(images),
        mirror_coords=project(mirrors),
        z=z,
        n_hat=n_hat,
    )


def tilted_boundary(X, y_pm, theta):
    """``(w, b)`` of the 2-D boundary at tilting angle ``theta`` through the centroids' midpoint.

    The unit normal ``w = cos(theta) z + sin(theta) z_perp`` (``z_perp``: ``z``
    turned by +90 degrees) and ``b = -w.(i + j)/2``: the paper's toy picture of a
    boundary that tilts while still separating the centroids.
    """
    X = np.asarray(X, dtype=np.float64)
    if X.shape[1] != 2:
        raise ValueError(
            f"a boundary at a given angle is drawn in 2 dimensions, got {X.shape[1]} features"
        )
    z, _ = G.centroid_direction(X, y_pm)
    w = np.cos(theta) * z + np.sin(theta) * np.array([-z[1], z[0]])
    i, j = G.class_centroids(X, y_pm)
    return w, -float(w @ ((i + j) / 2))
