"""Data sets shared by the scale benchmarks.

``make_text_like`` builds a synthetic text-like binary problem (CSR, unit-norm
rows, Zipf-distributed columns, labels from a sparse linear model plus noise);
``load_fashion_binary`` reads the 60000 Fashion-MNIST training images with the
binary target "T-shirt, pullover, coat, shirt (labels 0, 2, 4, 6) vs the rest" (or
another grouping); ``load_docstrings`` builds real text offline: TF-IDF of the docstring
paragraphs of installed packages, one package (or a group) against the rest.
"""

import gzip
import json
import os

import numpy as np
import scipy.sparse as sp

FASHION_HOME = "/usr/share/datasets/fashion-mnist"
# label 6 (shirt) against the other nine: 10% positives, overlapping with labels 0, 2 and 4
FASHION_SHIRT = (6,)


def make_text_like(
    n_samples=200_000,
    n_features=100_000,
    nnz_per_row=30,
    *,
    zipf=1.1,
    n_informative=10_000,
    noise=0.1,
    dtype=np.float64,
    index_dtype=np.int32,
    random_state=0,
):
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
    cols = perm[
        np.searchsorted(np.cumsum(p), rng.rand(total), side="right").clip(0, n_features - 1)
    ]
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


def load_fashion_binary(data_home=FASHION_HOME, positive=(0, 2, 4, 6)):
    """All 60000 Fashion-MNIST training images (pixels 0..255, float64).

    Returns ``X`` (60000, 784) and ``y`` in {0, 1}: 1 for the labels in ``positive`` (by
    default {0, 2, 4, 6}: T-shirt, pullover, coat, shirt; :data:`FASHION_SHIRT` is another
    grouping, shirts against the rest), 0 for the rest.
    """
    from sklearn_tilt.datasets import load_mnist

    data = load_mnist(data_home=data_home, source="idx")
    y = np.isin(data.y_train, positive).astype(np.int64)
    return np.ascontiguousarray(data.X_train), y


# --- real text: docstrings of installed packages ---------------------------------------------

DOC_PACKAGES = ("scipy", "sklearn", "networkx", "numpy", "matplotlib", "numba", "bokeh", "dask")
# two targets, for checking that a method is not tuned on one: a package against the rest, and
# a group of two against the rest
DOC_GROUPINGS = {"networkx": ("networkx",), "numpy_numba": ("numpy", "numba")}
DOC_MAX_FEATURES = 100_000
#: The terms of :func:`load_docstrings`: word uni- and bigrams, or character n-grams.
DOC_FEATURES = {
    "words": {"ngram_range": (1, 2), "min_df": 2},
    "chars": {"analyzer": "char_wb", "ngram_range": (3, 4), "min_df": 3},
}
CACHE_HOME = os.path.join(os.path.dirname(os.path.abspath(__file__)), ".cache")


def _site_packages():
    import sysconfig

    return sysconfig.get_paths()["purelib"]


def docstring_paragraphs(packages=DOC_PACKAGES, site_packages=None, min_chars=40):
    """Paragraphs of the docstrings of the ``.py`` files of installed packages.

    Every module, class and function docstring of each package (files walked in sorted order)
    is split at blank lines; a paragraph (whitespace collapsed) of at least ``min_chars``
    characters is one document, kept at its first occurrence only.  Returns ``(texts,
    owners)``: lists of the paragraphs and of the package each belongs to.
    """
    import ast
    import re

    root = site_packages or _site_packages()
    seen, texts, owners = set(), [], []
    for pkg in packages:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, pkg)):
            dirnames.sort()
            for name in sorted(filenames):
                if not name.endswith(".py"):
                    continue
                try:
                    with open(os.path.join(dirpath, name), encoding="utf-8") as fh:
                        tree = ast.parse(fh.read())
                except (SyntaxError, UnicodeDecodeError, ValueError):
                    continue
                for node in ast.walk(tree):
                    if not isinstance(
                        node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
                    ):
                        continue
                    doc = ast.get_docstring(node)
                    for par in re.split(r"\n\s*\n", doc or ""):
                        par = " ".join(par.split())
                        if len(par) >= min_chars and par not in seen:
                            seen.add(par)
                            texts.append(par)
                            owners.append(pkg)
    return texts, owners


def load_docstrings(grouping="networkx", cache_home=CACHE_HOME, features="words"):
    """Real text: TF-IDF of docstring paragraphs of installed packages, binary target.

    Documents are :func:`docstring_paragraphs` of :data:`DOC_PACKAGES`; features are
    ``TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)`` keeping the
    :data:`DOC_MAX_FEATURES` most frequent terms (unit-norm rows, CSR
    float64 with int32 indices); ``y`` is 1 for the paragraphs of the packages of
    ``DOC_GROUPINGS[grouping]``, 0 for the rest.  Built once and cached under ``cache_home``
    (git-ignored); deterministic for a given set of installed packages.

    ``features="chars"``: the same paragraphs as character n-grams instead
    (``analyzer="char_wb", ngram_range=(3, 4), min_df=3``, the same number of terms):
    about six times the stored entries, a set whose rows exceed a processor cache.
    """
    if features not in DOC_FEATURES:
        raise ValueError(f"features must be one of {sorted(DOC_FEATURES)}, got {features!r}")
    if grouping not in DOC_GROUPINGS:
        raise ValueError(f"grouping must be one of {sorted(DOC_GROUPINGS)}, got {grouping!r}")
    os.makedirs(cache_home, exist_ok=True)
    tag = "docstrings_" + "_".join(DOC_PACKAGES)
    txt_path = os.path.join(cache_home, tag + "_paragraphs.json.gz")
    suffix = "" if features == "words" else "_" + features
    mat_path = os.path.join(cache_home, tag + f"_tfidf{DOC_MAX_FEATURES}{suffix}.npz")
    own_path = os.path.join(cache_home, tag + "_owners.txt")
    if not os.path.exists(txt_path):
        texts, owners = docstring_paragraphs()
        with gzip.open(txt_path, "wt", encoding="utf-8") as fh:
            json.dump({"texts": texts, "owners": owners}, fh)
    if not (os.path.exists(mat_path) and os.path.exists(own_path)):
        from sklearn.feature_extraction.text import TfidfVectorizer

        with gzip.open(txt_path, "rt", encoding="utf-8") as fh:
            blob = json.load(fh)
        vec = TfidfVectorizer(
            sublinear_tf=True, max_features=DOC_MAX_FEATURES, **DOC_FEATURES[features]
        )
        X = sp.csr_matrix(vec.fit_transform(blob["texts"]), dtype=np.float64)
        X.sort_indices()
        sp.save_npz(mat_path, X)
        with open(own_path, "w") as fh:
            fh.write("\n".join(blob["owners"]) + "\n")
    X = sp.load_npz(mat_path).tocsr()
    X.indices = X.indices.astype(np.int32)
    X.indptr = X.indptr.astype(np.int32)
    with open(own_path) as fh:
        owners = np.array(fh.read().split())
    y = np.isin(owners, DOC_GROUPINGS[grouping]).astype(np.int64)
    return X, y
