"""Warm-started regularisation paths and their parallel scale-out."""

import warnings
from itertools import combinations
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_consistent_length, column_or_1d

from .._compat import Interval, StrOptions, _check_sample_weight, validate_params
from .._solvers import solve_path
from ._base import as_solver_input, certify_stored, check_problem_scale, effective_sample_weight

#: parameter constraints shared by the estimators and the path functions
LOSS_CONSTRAINT = [StrOptions({"hinge", "softplus"})]
#: one rule for ``tol`` everywhere: a relative duality gap ``> 0`` (0 is not
#: reachable in floating point, and every solver stops on ``gap <= tol``)
TOL_CONSTRAINT = [Interval(Real, 0, None, closed="neither")]
MAX_ITER_CONSTRAINT = [Interval(Integral, 1, None, closed="left")]
N_LAMS_CONSTRAINT = [Interval(Integral, 1, None, closed="left")]

#: the paper's grid: ``lam = 10**a`` for ``a = -1.0, -0.9, ..., 7.0`` (pixels in [0, 255])
PAPER_LAMS = 10.0 ** np.round(np.arange(-1.0, 7.0 + 1e-9, 0.1), 1)


def default_lams(n_lams=81):
    """``n_lams`` values log-spaced over the paper's range ``[1e-1, 1e7]``.

    The range suits pixels in [0, 255]; data scaled by a factor ``c`` needs
    ``lam`` scaled by ``c**2`` for the same solutions (up to the scale of ``w``).

    Parameters
    ----------
    n_lams : int, default=81
        Number of values; 81 gives exactly the paper's grid :data:`PAPER_LAMS`
        (``10**a``, ``a = -1.0, -0.9, ..., 7.0``).

    Returns
    -------
    lams : ndarray of shape (n_lams,)
        Increasing values of ``lam``.

    Examples
    --------
    >>> from sklearn_tilt.linear_model import default_lams
    >>> default_lams(5)
    array([1.e-01, 1.e+01, 1.e+03, 1.e+05, 1.e+07])
    """
    n_lams = int(n_lams)
    if n_lams < 1:
        raise ValueError(f"n_lams must be a positive integer, got {n_lams}")
    if n_lams == 81:
        return PAPER_LAMS.copy()
    return np.logspace(-1.0, 7.0, n_lams)


def _check_lams(lams, n_lams):
    if lams is None:
        return default_lams(n_lams)
    lams = np.asarray(lams, dtype=np.float64).ravel()
    if lams.size == 0:
        raise ValueError("lams is empty")
    if not np.all(np.isfinite(lams)) or np.any(lams <= 0):
        raise ValueError("every value of lams must be a finite number > 0")
    return lams


def _check_Xy(X, y):
    X = check_array(
        X, accept_sparse="csr", dtype=[np.float64, np.float32], order="C", accept_large_sparse=False
    )
    y = column_or_1d(y, warn=True)
    check_consistent_length(X, y)
    check_classification_targets(y)
    return X, y


def _binary_problem(X, y, sample_weight, check_input):
    if check_input:
        X, y = _check_Xy(X, y)
    classes = np.unique(y)
    if classes.shape[0] != 2:
        raise ValueError(
            f"scaled_loss_path needs a binary target with exactly 2 classes, got {classes.shape[0]}"
            " (use fit_paths for all pairs of a multiclass target)"
        )
    sw = effective_sample_weight(sample_weight, y, None, X)
    y_pm = np.where(y == classes[1], 1.0, -1.0)
    return as_solver_input(X), y_pm, sw, classes


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "lams": ["array-like", None],
        "n_lams": N_LAMS_CONSTRAINT,
        "loss": LOSS_CONSTRAINT,
        "tol": TOL_CONSTRAINT,
        "max_iter": MAX_ITER_CONSTRAINT,
        "coef_init": ["array-like", None],
        "intercept_init": [Real, None],
        "sample_weight": ["array-like", None],
        "fit_intercept": ["boolean"],
        "return_gaps": ["boolean"],
        "verbose": ["verbose"],
        "check_input": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def scaled_loss_path(
    X,
    y,
    *,
    lams=None,
    n_lams=81,
    loss="hinge",
    tol=1e-7,
    max_iter=1000,
    coef_init=None,
    intercept_init=None,
    sample_weight=None,
    fit_intercept=True,
    return_gaps=False,
    verbose=0,
    check_input=True,
):
    """Regularisation path of the scaled-loss objective for a binary target.

    Solves ``min_{w, b} (1/S) sum_i s_i f(y_i (w.x_i + b)) + lam ||w||^2`` for every
    ``lam`` of the path, from strong to weak regularisation, each solution
    warm-starting the next inside the numba solver.

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data (float32 or float64 are kept).
    y : array-like of shape (n_samples,)
        Binary target; ``classes[1]`` (in sorted order) is coded +1.
    lams : array-like of shape (n_lams,), default=None
        Values of ``lam > 0``, in any order; results follow this order. Default:
        the paper's grid (see ``n_lams``).
    n_lams : int, default=81
        Number of values when ``lams`` is None: ``n_lams`` log-spaced values
        over ``[1e-1, 1e7]`` (81 gives exactly the paper's ``10**a``,
        ``a = -1.0, -0.9, ..., 7.0``, suited to pixels in [0, 255]).
    loss : {"hinge", "softplus"}, default="hinge"
        The loss ``f``.
    tol : float, default=1e-7
        Target relative duality gap ``> 0`` at every ``lam``.
    max_iter : int, default=1000
        Maximum number of solver iterations per ``lam``.
    coef_init : array-like of shape (n_features,), default=None
        Starting point for the first (largest) ``lam``.
    intercept_init : float, default=None
        Starting intercept for the first ``lam``.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative sample weights.
    fit_intercept : bool, default=True
        Whether to fit the unpenalised intercept.
    return_gaps : bool, default=False
        Also return the certified relative duality gap at each ``lam``.
    verbose : int, default=0
        Print one line per ``lam``.
    check_input : bool, default=True
        False skips the validation of ``X`` and ``y`` (finite float32/float64 array
        or CSR matrix, consistent lengths) and the range check of the problem's
        scale, for callers that have done them.

    Returns
    -------
    lams : ndarray of shape (n_lams,)
        The values of ``lam``.
    coefs : ndarray of shape (n_lams, n_features)
        ``w`` at each ``lam`` (dtype of ``X``).
    intercepts : ndarray of shape (n_lams,)
        ``b`` at each ``lam``.
    n_iters : ndarray of shape (n_lams,)
        Solver iterations at each ``lam``.
    gaps : ndarray of shape (n_lams,)
        Only if ``return_gaps``: relative duality gaps.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_tilt import scaled_loss_path
    >>> X, y = load_digits(n_class=2, return_X_y=True)
    >>> lams, coefs, intercepts, n_iters = scaled_loss_path(X, y, n_lams=9)
    >>> coefs.shape
    (9, 64)
    """
    lams = _check_lams(lams, n_lams)
    Xs, y_pm, sw, _ = _binary_problem(X, y, sample_weight, check_input)
    if check_input:
        check_problem_scale(Xs, float(lams.min()))
    if coef_init is not None:
        coef_init = np.asarray(coef_init, dtype=np.float64).ravel()
        if coef_init.shape[0] != Xs.shape[1]:
            raise ValueError(
                f"coef_init has {coef_init.shape[0]} values, X has {Xs.shape[1]} features"
            )
    results = solve_path(
        Xs,
        y_pm,
        sw,
        lams,
        loss,
        tol=float(tol),
        max_iter=int(max_iter),
        fit_intercept=fit_intercept,
        coef_init=coef_init,
        intercept_init=intercept_init,
        check_input=False,
    )
    coefs = np.array([r.coef for r in results], dtype=np.float64).astype(Xs.dtype, copy=False)
    intercepts = np.array([r.intercept for r in results], dtype=np.float64)
    n_iters = np.array([r.n_iter for r in results], dtype=np.int64)
    if verbose:
        for lam, r in zip(lams, results):
            print(f"[scaled_loss_path] lam={lam:.4g}: {r.n_iter} iterations, gap {r.gap:.3g}")
    if not all(r.converged for r in results):
        bad = [
            (float(lam), r.message or f"stopped at max_iter={max_iter}; increase max_iter")
            for lam, r in zip(lams, results)
            if not r.converged
        ]
        detail = "; ".join(f"lam={lam:g}: {why}" for lam, why in bad)
        warnings.warn(
            f"the path solver did not reach tol={tol:g} at {len(bad)} lam(s): {detail}",
            ConvergenceWarning,
            stacklevel=2,
        )
    if return_gaps:
        # the gap of each point as returned (coefs in the dtype of X)
        gaps = np.array(
            [
                certify_stored(Xs, y_pm, sw, lam, loss, r, c, r.intercept)[0]
                for lam, r, c in zip(lams, results, coefs)
            ],
            dtype=np.float64,
        )
        return lams, coefs, intercepts, n_iters, gaps
    return lams, coefs, intercepts, n_iters


def _check_pairs(pairs, classes):
    if isinstance(pairs, str):
        if pairs != "all":
            raise ValueError(f"pairs must be 'all' or a list of (a, b) label pairs, got {pairs!r}")
        return list(combinations(classes.tolist(), 2))
    out = []
    known = set(classes.tolist())
    for pair in pairs:
        if len(pair) != 2 or pair[0] == pair[1]:
            raise ValueError(f"each pair must hold two different labels, got {pair!r}")
        missing = [c for c in pair if c not in known]
        if missing:
            raise ValueError(f"label(s) {missing} of pair {tuple(pair)} are not in y")
        out.append(tuple(pair))
    if not out:
        raise ValueError("pairs is empty")
    return out


@validate_params(
    {
        "X": ["array-like", "sparse matrix"],
        "y": ["array-like"],
        "pairs": [StrOptions({"all"}), "array-like"],
        "lams": ["array-like", None],
        "n_lams": N_LAMS_CONSTRAINT,
        "loss": LOSS_CONSTRAINT,
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
    },
    prefer_skip_nested_validation=True,
)
def fit_paths(
    X, y, *, pairs="all", lams=None, n_lams=81, loss="hinge", n_jobs=None, verbose=0, **path_kwargs
):
    """Regularisation paths of many binary problems (pairs of classes), in parallel.

    Each pair ``(a, b)`` is the binary problem restricted to the samples of
    classes ``a`` (coded -1) and ``b`` (coded +1). Jobs run through
    :class:`joblib.Parallel`, so the work scales out on any joblib backend, for
    example a ``dask.distributed`` or ``ray`` cluster::

        from joblib import parallel_config
        with parallel_config(backend="dask"):
            paths = fit_paths(X, y, n_jobs=-1)

    Parameters
    ----------
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Data.
    y : array-like of shape (n_samples,)
        Class labels (at least 2 classes).
    pairs : "all" or list of (label, label), default="all"
        The binary problems: all ``K (K - 1) / 2`` pairs of classes, or the given ones.
    lams : array-like, default=None
        Values of ``lam`` (see :func:`scaled_loss_path`).
    n_lams : int, default=81
        Number of values when ``lams`` is None.
    loss : {"hinge", "softplus"}, default="hinge"
        The loss.
    n_jobs : int, default=None
        Number of parallel jobs (joblib semantics).
    verbose : int, default=0
        joblib verbosity.
    **path_kwargs
        Passed to :func:`scaled_loss_path` (``tol``, ``max_iter``, ``return_gaps``, ...).

    Returns
    -------
    paths : dict
        ``{(a, b): (lams, coefs, intercepts, n_iters[, gaps])}`` in the order of ``pairs``.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_tilt import fit_paths
    >>> X, y = load_digits(n_class=3, return_X_y=True)
    >>> paths = fit_paths(X, y, n_lams=5)
    >>> sorted(paths)
    [(0, 1), (0, 2), (1, 2)]
    >>> paths[(0, 1)][1].shape
    (5, 64)
    """
    X, y = _check_Xy(X, y)
    classes = np.unique(y)
    if classes.shape[0] < 2:
        raise ValueError(
            f"fit_paths needs at least 2 classes in y, got {classes.shape[0]}"
            + (f" ({classes[0]!r})" if classes.shape[0] else "")
        )
    pair_list = _check_pairs(pairs, classes)
    lams = _check_lams(lams, n_lams)
    if "check_input" in path_kwargs:
        raise TypeError("fit_paths validates its input itself: check_input is not accepted")
    sample_weight = path_kwargs.pop("sample_weight", None)
    sw = (
        None
        if sample_weight is None
        else _check_sample_weight(sample_weight, X, dtype=np.float64, ensure_non_negative=True)
    )
    check_problem_scale(X, float(lams.min()))

    def tasks():
        # slice in the parent so that each job ships only its own pair's rows
        for a, b in pair_list:
            mask = (y == a) | (y == b)
            yb = np.where(y[mask] == b, 1, -1)
            swb = None if sw is None else sw[mask]
            yield delayed(scaled_loss_path)(
                X[mask],
                yb,
                lams=lams,
                loss=loss,
                sample_weight=swb,
                check_input=False,
                **path_kwargs,
            )

    results = Parallel(n_jobs=n_jobs, verbose=verbose)(tasks())
    return dict(zip(pair_list, results))
