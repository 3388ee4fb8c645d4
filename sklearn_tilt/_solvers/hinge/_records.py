"""The named records that the active-set kernels pass whole.

Each is a NamedTuple of arrays and scalars (numba compiles them as tuples).
Values that a kernel changes in place are one-element arrays (``r.f[0]``):
a tuple itself is immutable.

* :class:`Data`: what does not change with ``lam``;
* :class:`Point`: the iterate ``alpha``, its ``w`` and its scores ``f = X w``;
* :class:`Limits`: ``tol`` and ``max_iter``;
* :class:`WorkingSet`: a subproblem;
* :class:`Rounding`: the rounding bounds that the certificate needs;
* :class:`LookAhead`: the path's prediction of the next ``lam``;
* :class:`PathState`: what a path carries from one ``lam`` to the next;
* :class:`Stats`: counters of the work done, returned in the result.

The Gram cache has its own record, :class:`._gram.GramCache`.
"""

from typing import NamedTuple

import numpy as np


class Data(NamedTuple):
    """What does not change with ``lam``."""

    y: np.ndarray  # (n,) +-1
    s: np.ndarray  # (n,) sample weights
    S: float  # sum(s), correctly rounded
    act: np.ndarray  # samples with a positive weight
    nact: int
    rn: np.ndarray  # (n,) upper bounds of ||x_i||
    kmax: int  # most stored entries in a row
    fit_intercept: bool


class Point(NamedTuple):
    """The iterate, updated in place."""

    alpha: np.ndarray  # (n,) dual variables in [0, C_i]
    w: np.ndarray  # (d,) sum_i alpha_i y_i x_i, kept up to date
    f: np.ndarray  # (n,) scores X w


class Limits(NamedTuple):
    """When a solve stops."""

    tol: float  # certified relative duality gap
    max_iter: int  # outer iterations (subproblems)


class Rounding(NamedTuple):
    """Rounding bounds, each a one-element array updated in place."""

    w: np.ndarray  # ||w - X^T (alpha y)||
    f: np.ndarray  # score error |f_i - x_i.w| per unit ||x_i||
    w_next: np.ndarray  # the same as ``w`` for the look-ahead's w_next
    U: np.ndarray  # error of the upper-bound sum U of the path


class WorkingSet(NamedTuple):
    """A subproblem: the working set and its Gram matrix."""

    B: np.ndarray  # (nB,) samples
    nB: int
    sl: np.ndarray  # (nB,) row/column of B[p] in K
    K: np.ndarray  # (nB, nB) Gram matrix
    G: np.ndarray  # (nB,) dual gradient y_i f_i - 1, kept up to date
    L: np.ndarray  # room for the Cholesky factor of the active-set method


class LookAhead(NamedTuple):
    """The path's prediction of the next ``lam`` (``active`` False: none)."""

    active: bool
    a_prev: np.ndarray  # solution at the previous lam
    have_prev: bool
    c_prev: float  # C / s at the previous, current and next lam
    c_cur: float
    c_next: float
    Cnext: np.ndarray  # box of the next lam (filled by solve)
    U: np.ndarray  # sum of s_i y_i x_i over the samples on their upper bound
    inU: np.ndarray  # which samples U holds
    alpha_next: np.ndarray  # prediction, its w and its scores (outputs)
    w_next: np.ndarray
    f_next: np.ndarray


class PathState(NamedTuple):
    """The arrays a path carries from one ``lam`` to the next."""

    C: np.ndarray  # (n,) box of the current lam
    U: np.ndarray  # (d,) sum of s_i y_i x_i over the samples on their upper bound
    inU: np.ndarray  # (n,) which samples U holds
    a1: np.ndarray  # (n,) solution at the previous lam
    a2: np.ndarray  # (n,) and the one before
    alpha_next: np.ndarray  # (n,) look-ahead: the prediction of the next lam,
    w_next: np.ndarray  # (d,) its w
    f_next: np.ndarray  # (n,) and its scores
    Cnext: np.ndarray  # (n,) box of the next lam


class Stats(NamedTuple):
    """Counters of the work done, each a one-element int64 array."""

    subproblems: np.ndarray  # outer iterations
    smo_steps: np.ndarray  # steps of SMO and of coordinate descent in the subproblems
    newton_steps: np.ndarray  # iterations of the active-set subproblem method
    factor_work: np.ndarray  # sum of |F|^3 / 1e6 over the Cholesky factorisations
    passes: np.ndarray  # sweeps over X for the scores
    gram_rows: np.ndarray  # rows copied into the Gram cache (evicted rows count again)
    gram_pairs: np.ndarray  # Gram entries computed one at a time
    gram_entries: np.ndarray  # Gram entries computed in blocks
    intercept_searches: np.ndarray  # quickselects for the optimal intercept
    w_fresh: np.ndarray  # w recomputed from alpha from scratch
    w_accurate: np.ndarray  # w and the scores in compensated arithmetic


N_STATS = len(Stats._fields)


def no_look_ahead():
    """A :class:`LookAhead` that is not active (single fits)."""
    e_n = np.zeros(0)
    return LookAhead(
        False, e_n, False, 0.0, 0.0, 0.0, e_n, e_n, np.zeros(0, dtype=np.bool_), e_n, e_n, e_n
    )


def new_rounding(ew):
    """A :class:`Rounding` with ``ew`` as the bound of ``w`` and the others 0."""
    return Rounding(np.full(1, ew), np.zeros(1), np.zeros(1), np.zeros(1))


def new_stats():
    """A :class:`Stats` with every counter at 0."""
    return Stats(*(np.zeros(1, dtype=np.int64) for _ in Stats._fields))


def stats_dict(row):
    """The counters of a :class:`Stats`, or of a row of them in its order, by name."""
    return {name: int(np.ravel(v)[0]) for name, v in zip(Stats._fields, row)}
