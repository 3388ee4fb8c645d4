"""The paper's two-dimensional toy problem."""

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_tilt_toy", "TOY_NOISY_POINT"]

#: Default position of the noisy point ``p`` (labelled J, lying above class I).
TOY_NOISY_POINT = (-0.75, 0.5)


def make_tilt_toy(
    n_samples=20,
    *,
    noisy_point=False,
    centers=(-1.0, 1.0),
    spread=0.5,
    noise=0.0,
    shuffle=False,
    random_state=None,
):
    """The paper's toy problem: two classes of 2-pixel images along one line.

    Every image is a pair of pixel values ``(a, b)``. Class I (label -1) lies on
    the segment ``b = 0``, ``a`` in ``[centers[0] - spread, centers[0] + spread]``;
    class J (label +1) on the same line around ``centers[1]``. The data manifold
    is thus one-dimensional, and every boundary ``w.x + c = 0`` whose normal
    makes an angle ``theta < 90`` degrees with the line separates the classes:
    ``theta = 0`` is the nearest-centroid classifier, ``theta -> 90`` lets the
    boundary lie close to the data and mirror images become adversarial.

    With ``noisy_point``, one more image ``p`` labelled J is placed off the line,
    above class I; a weakly regularised classifier tilts its boundary to fit it,
    a strongly regularised one ignores it.

    Parameters
    ----------
    n_samples : int, default=20
        Number of images per class (evenly spaced along each segment).
    noisy_point : bool or array-like of shape (2,), default=False
        Add the noisy image ``p``: ``True`` puts it at ``(-0.75, 0.5)``, an array
        gives its position. It is the last row of ``X`` (unless ``shuffle``).
    centers : tuple of two floats, default=(-1.0, 1.0)
        Positions of the two classes along the line (``centers[0] < centers[1]``).
    spread : float, default=0.5
        Half-length of each class segment.
    noise : float, default=0.0
        Standard deviation of Gaussian noise added to both pixels (0: exactly on
        the line).
    shuffle : bool, default=False
        Shuffle the rows.
    random_state : int, RandomState instance or None, default=None
        Seed for ``noise`` and ``shuffle``.

    Returns
    -------
    X : ndarray of shape (2 * n_samples + noisy, 2)
        The images ``(a, b)``.
    y : ndarray of shape (2 * n_samples + noisy,)
        Labels, -1 for class I and +1 for class J.

    Examples
    --------
    >>> from sklearn_tilt.datasets import make_tilt_toy
    >>> X, y = make_tilt_toy(n_samples=3, noisy_point=True)
    >>> X.shape, y.tolist()
    ((7, 2), [-1, -1, -1, 1, 1, 1, 1])
    >>> X[-1]
    array([-0.75,  0.5 ])
    """
    if not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    c0, c1 = (float(c) for c in centers)
    if not c0 < c1:
        raise ValueError(f"centers must be increasing, got {centers!r}")
    if spread < 0 or noise < 0:
        raise ValueError("spread and noise must be non-negative")
    rng = check_random_state(random_state)
    t = np.linspace(-spread, spread, n_samples) if n_samples > 1 else np.zeros(1)
    X = np.concatenate(
        [
            np.column_stack([c0 + t, np.zeros(n_samples)]),
            np.column_stack([c1 + t, np.zeros(n_samples)]),
        ]
    )
    y = np.repeat([-1, 1], n_samples)
    if noise:
        X = X + rng.normal(scale=noise, size=X.shape)
    if noisy_point is not False and noisy_point is not None:
        p = TOY_NOISY_POINT if noisy_point is True else noisy_point
        p = np.asarray(p, dtype=np.float64).reshape(-1)
        if p.shape != (2,) or not np.all(np.isfinite(p)):
            raise ValueError(f"noisy_point must be True or 2 finite numbers, got {noisy_point!r}")
        X = np.vstack([X, p])
        y = np.append(y, 1)
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    return X, y
