"""One binary problem, validated and converted once per fit.

Every solver method starts from the same checks, written here once:

* ``X``: a 2-D numpy array or a scipy sparse matrix, finite, float32 or
  float64 (other dtypes are converted to float64);
* ``y``: ``-1`` and ``+1`` only, one per row;
* ``sample_weight``: finite, non-negative, one per row, with a positive sum
  ``S`` computed by :func:`math.fsum` (correctly rounded: the rounding-safe
  certificates rely on it);
* ``tol``: positive and finite; ``max_iter``: a non-negative integer;
* ``lam``: positive and finite (each ``lam`` of a path);
* with an intercept, both classes with a positive total weight.

:func:`make_problem` returns a :class:`Problem`: these arrays, the kernel
arrays of ``X`` (:func:`._common.kernel_arrays`: canonical dtypes, the five
arguments of every kernel), the samples with a positive weight, and the
sizes.  ``check_input=False`` skips the scans of ``X``, ``y`` and the weights
(the shapes and the sums are always checked).
"""

import math
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from ._common import kernel_arrays


class Problem(NamedTuple):
    """A validated binary problem (what does not change with ``lam``).

    Attributes
    ----------
    X : ndarray or sparse matrix of shape (n, d), float32 or float64
        The design matrix as validated (for the Python-level solvers).
    ka : tuple
        ``(is_sparse, Xd, data, indices, indptr)``, the kernel arrays of ``X``.
    y : ndarray of shape (n,), float64
        Labels, ``-1`` or ``+1``.
    s : ndarray of shape (n,), float64
        Sample weights.
    S : float
        ``sum(s)``, correctly rounded.
    act : ndarray of shape (n_active,), int64
        The samples with a positive weight.
    tol : float
    max_iter : int
    fit_intercept : bool
    """

    X: object
    ka: tuple
    y: np.ndarray
    s: np.ndarray
    S: float
    act: np.ndarray
    tol: float
    max_iter: int
    fit_intercept: bool

    @property
    def n(self):
        """Number of samples."""
        return self.X.shape[0]

    @property
    def d(self):
        """Number of features."""
        return self.X.shape[1]


def validate(X, y, sample_weight, tol, max_iter, check_input=True):
    """The checks of the arrays, ``tol`` and ``max_iter``.

    Returns ``(X, y, s, S, tol, max_iter)``: ``X`` as float32 or float64,
    ``y`` and ``s`` as contiguous float64 arrays, ``S = fsum(s)``.
    """
    if not (sp.issparse(X) or isinstance(X, np.ndarray)):
        raise TypeError("X must be a numpy array or a CSR matrix")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got shape {X.shape}")
    n = X.shape[0]
    y = np.ascontiguousarray(y, dtype=np.float64)
    s = np.ascontiguousarray(sample_weight, dtype=np.float64)
    if y.shape != (n,):
        raise ValueError(f"y has shape {y.shape}, expected ({n},)")
    if s.shape != (n,):
        raise ValueError(f"sample_weight has shape {s.shape}, expected ({n},)")
    if check_input and not np.all((y == 1.0) | (y == -1.0)):
        raise ValueError("y must contain only -1 and +1")
    if check_input and (not np.all(np.isfinite(s)) or np.any(s < 0)):
        raise ValueError("sample_weight must be finite and non-negative")
    S = math.fsum(s)  # correctly rounded: the certificate relies on it
    if not S > 0:
        raise ValueError("sample_weight must have a positive sum")
    if not (np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive finite number, got {tol!r}")
    max_iter = int(max_iter)
    if max_iter < 0:
        raise ValueError(f"max_iter must be non-negative, got {max_iter}")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    vals = X.data if sp.issparse(X) else X
    if check_input and not np.isfinite(vals).all():
        raise ValueError("X contains NaN or infinity")
    return X, y, s, S, float(tol), max_iter


def sq_norms(ka, n):
    """``||x_i||^2`` of every row (float64) from the kernel arrays ``ka`` of ``X``."""
    is_sparse, Xd, data, _, indptr = ka
    if is_sparse:
        # the sum of each non-empty row's segment (empty rows stay 0)
        out = np.zeros(n)
        full = indptr[1 : n + 1] > indptr[:n]
        if np.any(full):
            out[full] = np.add.reduceat(np.square(data, dtype=np.float64), indptr[:n][full])
        return out
    return np.einsum("ij,ij->i", Xd, Xd, dtype=np.float64)


def check_lam(lam):
    """``lam`` as a float; positive and finite, else ``ValueError``."""
    lam = float(lam)
    if not (np.isfinite(lam) and lam > 0):
        raise ValueError(f"lam must be a positive finite number, got {lam!r}")
    return lam


def check_lams(lams):
    """``lams`` as a flat float64 array (possibly empty), each checked by :func:`check_lam`."""
    lams = np.asarray(lams, dtype=np.float64).reshape(-1)
    for lam in lams:
        check_lam(lam)
    return lams


def check_classes(y, s, fit_intercept):
    """With an intercept, both classes need a positive total weight."""
    if fit_intercept:
        if not (s[y > 0].sum() > 0 and s[y < 0].sum() > 0):
            raise ValueError(
                "both classes need a positive total sample weight when fit_intercept=True"
            )


def check_starts(n, d, coef_init, dual_init):
    """Shape checks of the starts, for the methods that do not use them."""
    if dual_init is not None:
        shape = np.shape(dual_init)
        if int(np.prod(shape)) != n:
            raise ValueError(f"dual_init has shape {shape}, expected ({n},)")
    if coef_init is not None:
        shape = np.shape(coef_init)
        if int(np.prod(shape)) != d:
            raise ValueError(f"coef_init has shape {shape}, expected ({d},)")


def validate_path(X, y, sample_weight, lams, tol, max_iter, fit_intercept, check_input):
    """:func:`validate` plus the checks of a path: every ``lam`` and both classes.

    Returns ``(X, y, s, S, tol, max_iter, lams, fit_intercept)`` with ``lams`` a
    flat float64 array (possibly empty; the classes are checked only when it is not).
    """
    X, y, s, S, tol, max_iter = validate(X, y, sample_weight, tol, max_iter, check_input)
    lams = check_lams(lams)
    fit_intercept = bool(fit_intercept)
    if lams.size:
        check_classes(y, s, fit_intercept)
    return X, y, s, S, tol, max_iter, lams, fit_intercept


def problem_of(X, y, s, S, tol, max_iter, fit_intercept):
    """The :class:`Problem` of arrays that :func:`validate` returned."""
    act = np.flatnonzero(s > 0).astype(np.int64)
    return Problem(X, kernel_arrays(X), y, s, S, act, tol, max_iter, bool(fit_intercept))


def make_problem(X, y, sample_weight, lam, *, tol, max_iter, fit_intercept=True, check_input=True):
    """Validate one fit and build its :class:`Problem`; returns ``(problem, lam)``."""
    X, y, s, S, tol, max_iter = validate(X, y, sample_weight, tol, max_iter, check_input)
    lam = check_lam(lam)
    fit_intercept = bool(fit_intercept)
    check_classes(y, s, fit_intercept)
    return problem_of(X, y, s, S, tol, max_iter, fit_intercept), lam
