"""Shared input handling for the scaled-loss estimators."""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.class_weight import compute_sample_weight

from .._compat import _check_sample_weight


def effective_sample_weight(sample_weight, y, class_weight, X, dtype=np.float64):
    """Sample weights times class weights, validated and float64.

    Raises a clear error when every weight is zero or one is negative or non-finite.
    """
    sw = _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    sw = np.array(sw, dtype=np.float64, copy=True)
    if class_weight is not None:
        sw *= compute_sample_weight(class_weight, y)
    if not np.all(np.isfinite(sw)):
        raise ValueError("sample_weight contains NaN or infinity")
    if sw.sum() <= 0:
        raise ValueError("sample_weight sums to zero: at least one sample must have positive weight")
    return sw


def as_solver_input(X):
    """C-contiguous dense array or CSR matrix with sorted indices, dtype kept."""
    if sp.issparse(X):
        X = sp.csr_matrix(X)
        if not X.has_sorted_indices:
            X = X.sorted_indices()
        return X
    return np.ascontiguousarray(X)


def ovr_targets(y, classes):
    """One +-1 target vector per boundary: one for binary (classes[1] is +1), K for multiclass."""
    if len(classes) == 2:
        return [np.where(y == classes[1], 1.0, -1.0)]
    return [np.where(y == c, 1.0, -1.0) for c in classes]
