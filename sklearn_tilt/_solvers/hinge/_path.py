"""The warm-started path of the decomposition method, inside numba."""

import numpy as np
from numba import njit

from ._certificate import UROUND, norm_up, score_error
from ._gram import new_cache
from ._predict import predict, rebuild_w
from ._records import N_STATS, LookAhead, Point, Rounding, stats_row
from ._solve import solve


@njit(cache=True)
def path_kernel(X, data, lams, alpha, lim, q_max, cap, stats):
    """Solve for every ``lams[k]`` (sorted decreasingly), warm-starting each.

    The optimal ``alpha`` is piecewise affine in ``C`` (Hastie et al. 2004), so
    from the third ``lam`` on the start is the linear extrapolation of the two
    previous solutions in ``C`` (exact when no sample changes status in
    between), clipped to the box and made feasible; for the second, samples on
    the upper bound follow the bound and the others keep their value.

    Returns ``(coefs, alphas, out, counts)``: per ``lam`` its coefficients,
    its dual, ``(b, P, gap, n_iter, status)`` and the counters of ``stats`` (a
    :class:`._records.Stats`, added to) after it.
    """
    y, s, S, act, nact, rn, kmax, fit_intercept = data
    n = y.shape[0]
    d = X[1].shape[1]
    L = lams.shape[0]
    coefs = np.empty((L, d))
    alphas = np.empty((L, n))
    out = np.empty((L, 5))  # b, P, gap, n_iter, status
    counts = np.zeros((L, N_STATS), dtype=np.int64)
    cache = new_cache(n, d, cap, q_max)
    C = np.empty(n)
    U = np.zeros(d)
    inU = np.zeros(n, dtype=np.bool_)
    w = np.zeros(d)
    a1 = np.zeros(n)  # solution at the previous lam
    a2 = np.zeros(n)  # and the one before
    f = np.zeros(n)  # scores X w of the previous solution
    alpha_next = np.zeros(n)  # look-ahead: prediction for the next lam,
    w_next = np.zeros(d)  # its w and its scores, computed by solve in the
    f_next = np.zeros(n)  # same sweeps over X as the current scores
    Cnext = np.empty(n)
    pt = Point(alpha, w, f)
    err = Rounding(np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1))
    next_ok = False
    c1 = 0.0
    c2 = 0.0
    for k in range(L):
        lam = lams[k]
        c = 1.0 / (2.0 * lam * S)
        for i in range(n):
            C[i] = s[i] * c
        if k >= 1 and not next_ok:
            predict(data, alpha, a1, a2, k >= 2, c1, c2, c, C)
        # the scores need no pass when w only scales (every sample on a
        # bound, same sets: the large-lam closed form) or does not change
        # (no sample on the upper bound, same alpha: hard margin); their
        # error bound grows by the difference of the two w's
        f_ok = False
        ew_prev = err.w[0]
        ef_prev = err.f[0]
        rescale = 0.0
        if next_ok:
            # the previous solve already predicted this lam and computed its scores
            _copy(alpha_next, alpha)
            _copy(w_next, w)
            _copy(f_next, f)
            err.w[0] = err.w_next[0]
            err.f[0] = score_error(kmax, norm_up(w))
            f_ok = True
        elif k >= 1:
            rescale, f_ok = _score_shortcut(data, alpha, a1, C, c, c1, f)
        if not next_ok:
            err.w[0] = rebuild_w(X, data, C, c, alpha, U, inU, w, err, lim.tol)
            if f_ok:
                # |x.(w - r w_prev)| <= ||x|| (ew + r ew_prev + rounding of alpha = r a_prev)
                asr = 0.0
                for q in range(nact):
                    i = act[q]
                    asr += alpha[i] * rn[i]
                err.f[0] = (
                    rescale * ef_prev * (1.0 + 2.0 * UROUND)
                    + err.w[0]
                    + rescale * ew_prev
                    + 4.0 * UROUND * asr
                    + 2.0 * UROUND * norm_up(w)
                )
        c_next = 1.0 / (2.0 * lams[k + 1] * S) if k + 1 < L else 0.0
        look = LookAhead(
            k + 1 < L, a1, k >= 1, c1, c, c_next, Cnext, U, inU, alpha_next, w_next, f_next
        )
        b, P, gap, it, status, next_ok, t = solve(
            X, data, lam, C, pt, f_ok, cache, look, err, lim, stats
        )
        for j in range(d):
            coefs[k, j] = t * w[j]
        _copy(alpha, alphas[k])
        out[k, 0] = t * b
        out[k, 1] = P
        out[k, 2] = gap
        out[k, 3] = it
        out[k, 4] = status
        stats_row(stats, counts[k])
        _copy(a1, a2)
        _copy(alpha, a1)
        c2 = c1
        c1 = c
    return coefs, alphas, out, counts


@njit(cache=True)
def _copy(src, dst):
    """``dst[:] = src`` (same length) as a loop: an array slice assignment
    compiles the formatting of its shape-mismatch error, for nothing."""
    for i in range(src.shape[0]):
        dst[i] = src[i]


@njit(cache=True)
def _score_shortcut(data, alpha, a1, C, c, c1, f):
    """Whether the scores ``f`` of the previous solution ``a1`` (box ``s c1``)
    serve the start ``alpha`` (box ``C = s c``): ``(rescale, ok)``.

    When every sample is on a bound with the same sets (the large-``lam``
    closed form), ``w`` scales by ``c / c1``: ``f`` is rescaled in place;
    when no sample is on its upper bound and ``alpha`` did not change (hard
    margin), ``w`` is the same (``rescale = 1``).
    """
    y, s, S, act, nact, rn, kmax, fit_intercept = data
    same_bound = True
    same_alpha = True
    any_free = False
    any_bound = False
    for q in range(nact):
        i = act[q]
        b1 = a1[i] >= s[i] * c1
        b0 = alpha[i] >= C[i]
        if b1 != b0:
            same_bound = False
        if b1 or b0:
            any_bound = True
        if (a1[i] > 0.0 and not b1) or (alpha[i] > 0.0 and not b0):
            any_free = True
        if alpha[i] != a1[i]:
            same_alpha = False
    if same_bound and not any_free:
        rescale = c / c1
        for q in range(nact):
            f[act[q]] *= rescale
        return rescale, True
    if same_alpha and not any_bound:
        return 1.0, True
    return 0.0, False
