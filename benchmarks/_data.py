"""Data sets shared by the scale benchmarks.

``make_text_like`` builds a synthetic text-like binary problem (CSR, unit-norm
rows, Zipf-distributed columns, labels from a sparse linear model plus noise);
``load_fashion_binary`` reads the 60000 Fashion-MNIST training images with the
binary target "T-shirt, pullover, coat, shirt (labels 0, 2, 4, 6) vs the rest".
"""

import numpy as np
import scipy.sparse as sp

FASHION_HOME = "/usr/share/datasets/fashion-mnist"


def make_text_like(n_samples=200_000, n_features=100_000, nnz_per_row=30, *, zipf=1.1,
                   n_informative=10_000, noise=0.1, dtype=np.float64,
                   index_dtype=np.int32, random_state=0):
    """Synthetic text-like CSR classification data.

    Parameters
    ----------
    n_samples, n_features : int
        Shape of ``X``.
    nnz_per_row : int
        Mean number of nonzeros per row (Poisson, at least 1; duplicates merged).
    zipf : float
        Exponent of the Zipf law of the column frequencies (column ``k`` has
        probability proportional to ``(k + 1) ** -zipf``; columns are then shuffled).
    n_informative : int
        Number of nonzero coefficients of the hidden linear model.
    noise : float
        Fraction of labels flipped at random (after a Gaussian perturbation of
        the scores of 0.1 of their standard deviation; classes are balanced).
    dtype, index_dtype : dtype
        Value and index dtype of the CSR matrix (``np.int64`` for 64-bit indices).
    random_state : int

    Returns
    -------
    X : scipy.sparse.csr_matrix of shape (n_samples, n_features)
        Rows of unit Euclidean norm with positive tf-like values.
    y : ndarray of shape (n_samples,), int64 in {0, 1}
    """
    rng = np.random.RandomState(random_state)
    # draws are merged where a column repeats within a row (frequent columns):
    # over-draw so that the mean number of distinct nonzeros is near nnz_per_row
    counts = np.maximum(rng.poisson(1.25 * nnz_per_row, size=n_samples), 1)
    p = (np.arange(1, n_features + 1, dtype=np.float64)) ** (-zipf)
    p /= p.sum()
    perm = rng.permutation(n_features)
    total = int(counts.sum())
    cols = perm[np.searchsorted(np.cumsum(p), rng.rand(total), side="right").clip(0, n_features - 1)]
    rows = np.repeat(np.arange(n_samples), counts)
    vals = rng.exponential(1.0, size=total) + 0.1
    X = sp.csr_matrix((vals, (rows, cols)), shape=(n_samples, n_features))
    X.sum_duplicates()
    X.sort_indices()
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    X = sp.diags(1.0 / np.maximum(norms, 1e-300)) @ X
    X = sp.csr_matrix(X, dtype=dtype)
    X.indices = X.indices.astype(index_dtype)
    X.indptr = X.indptr.astype(index_dtype)
    coef = np.zeros(n_features)
    inf = rng.choice(n_features, size=min(n_informative, n_features), replace=False)
    coef[inf] = rng.randn(inf.size)
    score = X @ coef
    score = score + 0.1 * score.std() * rng.randn(n_samples)
    y = (score > np.median(score)).astype(np.int64)
    flip = rng.rand(n_samples) < noise
    y[flip] = 1 - y[flip]
    return X, y


def load_fashion_binary(data_home=FASHION_HOME):
    """All 60000 Fashion-MNIST training images (pixels 0..255, float64).

    Returns ``X`` (60000, 784) and ``y`` in {0, 1}: 1 for labels {0, 2, 4, 6}
    (T-shirt, pullover, coat, shirt), 0 for the rest.
    """
    from sklearn_tilt.datasets import load_mnist

    data = load_mnist(data_home=data_home, source="idx")
    y = np.isin(data.y_train, (0, 2, 4, 6)).astype(np.int64)
    return np.ascontiguousarray(data.X_train), y
