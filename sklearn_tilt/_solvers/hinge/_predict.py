"""Path predictor: the warm start of the next ``lam`` and its ``w``.

The optimal ``alpha`` is piecewise affine in ``C`` (Hastie et al. 2004): from
two previous solutions the next one is extrapolated linearly in ``C``,
clipped to the box and made feasible with as local a change as possible;
``w`` is rebuilt from it as ``c U + sum_free a_i y_i x_i`` with ``U``, the sum
over the samples on their upper bound, kept up to date.
"""

from .._common import FASTMATH, row_axpy
from .._jit import njit
from ._certificate import UROUND, gamma, norm_up


@njit(cache=True)
def fix_equality(y, C, alpha, act, nact):
    """Restore ``sum a_i y_i = 0`` with as local a change as possible.

    The free samples move first (each in proportion to its room); if they
    cannot absorb the residual, every sample that can reduce it moves in
    proportion to its room (always enough: the heavier side can go to zero).
    """
    r = 0.0
    asum = 0.0
    for k in range(nact):
        i = act[k]
        r += alpha[i] * y[i]
        asum += alpha[i]
    if abs(r) <= 1e-12 * asum:
        # rounding residue of the solver: harmless, and leaving it keeps
        # alpha (hence w and the scores) unchanged between lams when nothing
        # else moves
        return
    for stage in range(2):
        room = 0.0
        for k in range(nact):
            i = act[k]
            a = alpha[i]
            if stage == 0 and not (a > 0.0 and a < C[i]):
                continue
            if (r > 0.0) == (y[i] > 0.0):
                room += a
            else:
                room += C[i] - a
        if room <= 0.0:
            continue
        frac = min(1.0, abs(r) / room)
        moved = 0.0
        for k in range(nact):
            i = act[k]
            a = alpha[i]
            if stage == 0 and not (a > 0.0 and a < C[i]):
                continue
            if (r > 0.0) == (y[i] > 0.0):
                new = a - frac * a
            else:
                new = a + frac * (C[i] - a)
                if new > C[i]:
                    new = C[i]
            alpha[i] = new
            moved += (new - a) * y[i]
        r += moved
        if abs(r) <= 1e-14 * asum:
            return


@njit(cache=True, fastmath=FASTMATH)
def rebuild_w(X, data, C, c, alpha, U, inU, w, err, tol):
    """``w = c U + sum_{free} a_i y_i x_i`` with ``U = sum_{a_i = C_i} s_i y_i x_i``;
    returns a bound of ``||w - X^T (alpha y)||``.

    ``U`` is kept up to date incrementally (``inU`` flags what it holds), so a
    change of ``lam`` costs a pass over the free samples only.  Its rounding
    error is tracked (``err.U``, a :class:`._records.Rounding`): ``c`` grows
    without bound as ``lam`` goes to 0, and so does ``c`` times the residue
    that samples leaving ``U`` leave behind.  ``U`` is set to exactly 0 when
    it holds no sample, and is summed again from scratch when its error could
    show at ``tol``.
    """
    is_sparse, Xd, xdata, indices, indptr = X
    y, s, act, nact, rn = data.y, data.s, data.act, data.nact, data.rn
    eU = err.U[0]
    uabs = 0.0
    nmem = 0
    for k in range(nact):
        i = act[k]
        if inU[i]:
            uabs += s[i] * rn[i]
            nmem += 1
    run = uabs
    for k in range(nact):
        i = act[k]
        atb = alpha[i] >= C[i]
        if atb != inU[i]:
            v = s[i] * y[i]
            if not atb:
                v = -v
            row_axpy(is_sparse, Xd, xdata, indices, indptr, i, v, U)
            inU[i] = atb
            run += s[i] * rn[i]
            eU += UROUND * (run + eU + 2.0 * s[i] * rn[i])
            nmem += 1 if atb else -1
    uabs = 0.0
    afree = 0.0
    nfree = 0
    for k in range(nact):
        i = act[k]
        if inU[i]:
            uabs += s[i] * rn[i]
        elif alpha[i] > 0.0:
            afree += alpha[i] * rn[i]
            nfree += 1
    uabs *= 1.0 + gamma(nact + 2)
    afree *= 1.0 + gamma(nact + 2)
    if nmem == 0:
        U[:] = 0.0
        eU = 0.0
    for rep in range(2):
        for j in range(w.shape[0]):
            w[j] = c * U[j]
        for k in range(nact):
            i = act[k]
            a = alpha[i]
            if a > 0.0 and a < C[i]:
                row_axpy(is_sparse, Xd, xdata, indices, indptr, i, a * y[i], w)
        cu = c * (uabs + eU)
        # c U: its error, the rounding of c U and of C_i = s_i c; then the sum
        # of the free terms into it
        ew = c * eU + 2.0 * UROUND * cu + gamma(nfree + 2) * (cu + afree)
        if rep == 1 or nmem == 0 or ew <= 1e-3 * tol * norm_up(w):
            break
        fresh = gamma(nmem + 2) * uabs
        if fresh >= 0.25 * eU:
            break
        # sum U again from scratch
        U[:] = 0.0
        for k in range(nact):
            i = act[k]
            if inU[i]:
                row_axpy(is_sparse, Xd, xdata, indices, indptr, i, s[i] * y[i], U)
        eU = fresh
    err.U[0] = eU
    return ew


@njit(cache=True)
def predict(data, out, a_cur, a_prev, have_prev, c_cur, c_prev, c_new, Cnew):
    """Warm start at ``c_new`` from the solutions at ``c_cur`` (and ``c_prev``).

    The optimal ``alpha`` is piecewise affine in ``C`` (Hastie et al. 2004):
    with two previous solutions the start is their linear extrapolation in
    ``C`` (exact when no sample changes status in between); with one, samples
    on the upper bound follow the bound and the others keep their value.
    Then clipped to the box (values within 1e-12 of a bound snap to it) and
    made feasible.
    """
    s, y, act, nact = data.s, data.y, data.act, data.nact
    if have_prev and c_cur != c_prev:
        t = (c_new - c_cur) / (c_cur - c_prev)
        for q in range(nact):
            i = act[q]
            da = a_cur[i] - a_prev[i]
            # differences at the rounding level are not a trend: extrapolating
            # them would amplify them by t at every lam
            if abs(da) <= 1e-10 * s[i] * c_cur:
                out[i] = a_cur[i]
            else:
                out[i] = a_cur[i] + t * da
    else:
        for q in range(nact):
            i = act[q]
            out[i] = Cnew[i] if a_cur[i] >= s[i] * c_cur else a_cur[i]
    for q in range(nact):
        i = act[q]
        a = out[i]
        if not (a > 1e-12 * Cnew[i]):
            out[i] = 0.0
        elif a >= Cnew[i] * (1.0 - 1e-12):
            out[i] = Cnew[i]
    if data.fit_intercept:
        fix_equality(y, Cnew, out, act, nact)
