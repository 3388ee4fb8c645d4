"""The warm-started path of the decomposition method."""

import numpy as np

from .._jit import njit
from ._certificate import UROUND, norm_up, score_error
from ._gram import new_cache
from ._predict import predict, rebuild_w
from ._records import N_STATS, LookAhead, PathState, Point, Rounding
from ._solve import solve


def path_kernel(X, data, lams, alpha, lim, q_max, cap, stats):
    """Solve for every ``lams[k]`` (sorted decreasingly), warm-starting each.

    The optimal ``alpha`` is piecewise affine in ``C`` (Hastie et al. 2004), so
    from the third ``lam`` on the start is the linear extrapolation of the two
    previous solutions in ``C`` (exact when no sample changes status in
    between), clipped to the box and made feasible; for the second, samples on
    the upper bound follow the bound and the others keep their value.

    A Python loop over two kernels per ``lam``, :func:`start_lam` and
    :func:`._solve.solve`: numba links every kernel that a kernel calls into its
    own module and optimises it again there, so a compiled loop around ``solve``
    would compile all of ``solve`` a second time, for a saving of two calls per
    ``lam``.

    Returns ``(coefs, alphas, out, counts)``: per ``lam`` its coefficients,
    its dual, ``(b, P, gap, n_iter, status)`` and the counters of ``stats`` (a
    :class:`._records.Stats`, added to) after it.
    """
    n = data.y.shape[0]
    d = X[1].shape[1]
    L = lams.shape[0]
    S = data.S
    coefs = np.empty((L, d))
    alphas = np.empty((L, n))
    out = np.empty((L, 5))  # b, P, gap, n_iter, status
    counts = np.zeros((L, N_STATS), dtype=np.int64)
    cache = new_cache(n, d, cap, q_max)
    st = PathState(
        np.empty(n),  # C
        np.zeros(d),  # U
        np.zeros(n, dtype=np.bool_),  # inU
        np.zeros(n),  # a1: solution at the previous lam
        np.zeros(n),  # a2: and the one before
        np.zeros(n),  # look-ahead: prediction for the next lam,
        np.zeros(d),  # its w and its scores, computed by solve in the
        np.zeros(n),  # same sweeps over X as the current scores
        np.empty(n),  # box of the next lam
    )
    pt = Point(alpha, np.zeros(d), np.zeros(n))
    err = Rounding(np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1))
    next_ok = False
    c1 = 0.0
    c2 = 0.0
    for k in range(L):
        lam = float(lams[k])
        c = 1.0 / (2.0 * lam * S)
        f_ok = start_lam(X, data, k, c, c1, c2, next_ok, pt, st, err, lim.tol)
        c_next = 1.0 / (2.0 * float(lams[k + 1]) * S) if k + 1 < L else 0.0
        look = LookAhead(
            k + 1 < L,
            st.a1,
            k >= 1,
            c1,
            c,
            c_next,
            st.Cnext,
            st.U,
            st.inU,
            st.alpha_next,
            st.w_next,
            st.f_next,
        )
        b, P, gap, it, status, next_ok, t = solve(
            X, data, lam, st.C, pt, f_ok, cache, look, err, lim, stats
        )
        np.multiply(pt.w, t, out=coefs[k])
        alphas[k] = alpha
        out[k] = (t * b, P, gap, it, status)
        counts[k] = [v[0] for v in stats]
        st.a2[:] = st.a1
        st.a1[:] = alpha
        c2 = c1
        c1 = c
    return coefs, alphas, out, counts


@njit(cache=True)
def start_lam(X, data, k, c, c1, c2, next_ok, pt, st, err, tol):
    """The box ``st.C = s c``, the start ``pt`` and its ``w`` for the ``k``-th ``lam``
    of a path (``c1``, ``c2``: ``C / s`` at the two previous ones); returns whether
    the scores ``pt.f`` are already those of the start.

    ``next_ok``: the previous solve already predicted this ``lam`` and computed its
    scores (``st.alpha_next``, ``st.w_next``, ``st.f_next``). Else the start is
    predicted (:func:`._predict.predict`) and ``w`` rebuilt from it; the scores
    need no pass when ``w`` only scales (every sample on a bound, same sets: the
    large-``lam`` closed form) or does not change (no sample on the upper bound,
    same ``alpha``: hard margin), and their error bound grows by the difference
    of the two ``w``'s.
    """
    y, s, S, act, nact, rn, kmax, fit_intercept = data
    alpha, w, f = pt
    C = st.C
    for i in range(y.shape[0]):
        C[i] = s[i] * c
    if k >= 1 and not next_ok:
        predict(data, alpha, st.a1, st.a2, k >= 2, c1, c2, c, C)
    f_ok = False
    ew_prev = err.w[0]
    ef_prev = err.f[0]
    rescale = 0.0
    if next_ok:
        # loops, not slice assignments: those compile the formatting of their
        # shape-mismatch error, for nothing
        for i in range(alpha.shape[0]):
            alpha[i] = st.alpha_next[i]
            f[i] = st.f_next[i]
        for j in range(w.shape[0]):
            w[j] = st.w_next[j]
        err.w[0] = err.w_next[0]
        err.f[0] = score_error(kmax, norm_up(w))
        return True
    if k >= 1:
        rescale, f_ok = _score_shortcut(data, alpha, st.a1, C, c, c1, f)
    err.w[0] = rebuild_w(X, data, C, c, alpha, st.U, st.inU, w, err, tol)
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
    return f_ok


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
