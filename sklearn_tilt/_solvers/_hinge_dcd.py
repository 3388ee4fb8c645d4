"""Exact hinge solver at O(nnz) per pass: dual coordinate descent on an
augmented Lagrangian of the intercept's equality constraint.

Primal (``S = sum(s)``, ``C_i = s_i / (2 lam S)``)::

    P(w, b) = sum_i s_i max(0, 1 - y_i (w.x_i + b)) / S + lam ||w||^2

Dual (over ``2 lam``): ``max sum_i a_i - 0.5 ||w(a)||^2``, ``w(a) = sum_i a_i y_i x_i``,
``0 <= a_i <= C_i``, ``t(a) = sum_i a_i y_i = 0``.

Method (the proximal point method on the intercept, seen from the dual):

* Inner problem, for a centre ``c`` and a weight ``rho > 0``::

      max_a  sum_i a_i - 0.5 ||w(a)||^2 - c t(a) - 0.5 rho t(a)^2,   0 <= a_i <= C_i

  is the dual of ``min_{w,b} P(w, b) + (b - c)^2 / (2 rho S')`` (a strongly
  convex problem in ``(w, b)``: its ``w`` and ``b = c + rho t`` are unique).
  It has no equality constraint, so liblinear's dual coordinate descent
  (Hsieh et al. 2008) solves it with O(nnz(x_i)) per coordinate: the current
  intercept ``b = c + rho t`` moves with every update of ``t``, the diagonal
  is ``||x_i||^2 + rho``; samples stuck at a bound are shrunk (Joachims 1999,
  liblinear's rule) and the pass order is random.
* Outer iteration: the new centre is the current ``b`` (method of multipliers),
  accelerated by a safeguarded secant step on the monotone residual ``t(c)``
  (the gradient of the Moreau envelope of the value function ``v(b)``, which is
  Lipschitz even where ``v`` has a kink); where ``t(c)`` hardly moves (samples
  pinned at their bounds cap the step at ``rho sum_i C_i``: large ``lam``,
  unbalanced classes) the steps grow by factors of 4, or jump to the best
  intercept of the current ``w``.  Each inner solve is warm-started and its
  tolerance tightens with the outer iterations; after a small move of the
  centre it starts from the samples near their KKT conditions (scored by the
  last certificate), the others joining when they violate.
* Certificate, from scratch after every inner solve, with the rounding-safe
  bounds of ``_hinge_certificate`` (one certificate for both hinge methods):
  ``w_+ = sum_{y_i>0} a_i x_i`` and ``w_- = sum_{y_i<0} a_i x_i`` by one pass
  over the rows with ``a_i > 0``; the heavier side is scaled down so that
  ``t = 0`` (a feasible dual point: lower bound ``D``); ``w = w_+ - w_-``, its
  scores by one more pass, the primal ``P`` at the best intercept for this
  ``w`` (the midpoint of the exact 1-D minimisers), or near the hard margin at
  ``w`` scaled until every margin is provably at least 1.  Stop when the
  relative gap of the bounds is at most ``tol``.

* Ill-conditioned free set (an inner solve needs more than ``_STALL``
  passes): a second-order step on the free samples with the bounds fixed, the
  equality-constrained system of their margins solved matrix-free by projected
  conjugate gradient (:mod:`._hinge_cg`, O(nnz of the free rows) per iteration)
  and projected onto the box, kept where it gains; coordinate descent then
  checks every sample and corrects the partition.  Once CG fails to converge
  within its budget at a lam (a degenerate free set, as near-duplicate rows of
  text make), coordinate descent alone finishes that lam.
* Large C (mean ``C_i ||x_i||^2`` above ``_CONT_HARD``) on a large problem: a
  single fit goes through a short warm-started path from a larger ``lam``.

Start: far from the large-``lam`` closed form (``sum_i C_i ||x_i||^2 > 1``)
from ``a = 0`` as liblinear, else from the closed form (every ``a_i = C_i``).
Path: largest ``lam`` first, each start the previous dual times the ratio of
the box bounds, certified as it stands (where the scaled dual stays optimal,
as at large ``lam``, no pass is needed), else the centre at the best intercept
of its ``w``.

Memory: ``X`` plus O(n + d) (plus a float64 copy of the free rows, at most
``_CG_MAX_ENTRIES`` floats when dense); no n x n Gram matrix.  Dense and CSR input (int32 or int64
indices), float32 or float64 values, are read as given.
"""

import numpy as np
from numba import njit

from ._common import SolverResult, kernel_arrays, row_axpy, row_dot
from ._hinge_cg import _CG_MAX, box_candidates, dual_gain, free_rows, free_set_step
from ._problem import check_classes as _check_classes
from ._problem import check_lam as _check_lam
from ._problem import validate as _validate
from ._problem import validate_path as _validate_path
from .hinge._certificate import (
    dual_lower,
    gamma,
    make_feasible,
    norm_up,
    primal_upper,
    relative_gap,
    row_norms,
    scaled_margin_candidate,
    score_error,
)
from .hinge._intercept import canonical_intercept

_FM = {"reassoc", "contract", "arcp", "nsz"}
_INF = np.inf

# an inner solve of coordinate descent that has not converged after _STALL passes
# (coordinate descent finds the samples at a bound fast but is slow on an
# ill-conditioned free set) is followed by a conjugate-gradient step on the free
# set (at most _CG_STEPS per lam; dense rows copied only up to _CG_MAX_ENTRIES
# floats), coordinate descent in between
_STALL = 20
_CG_STEPS = 50
_CG_MAX_ENTRIES = 5 * 10**7
# one CG step costs at most _CG_PASSES passes over X (two products with the free
# rows per iteration), with at least _CG_MIN_ITER iterations (and at most
# ._hinge_cg._CG_MAX)
_CG_PASSES = 5.0
_CG_MIN_ITER = 10
# single fits of more than _CONT_MIN_SAMPLES samples whose mean C_i ||x_i||^2
# exceeds _CONT_HARD (large C: slow from a cold start) go through a short
# warm-started path from the lam where it is _CONT_START
_CONT_MIN_SAMPLES = 1500
_CONT_HARD = 30.0
_CONT_START = 10.0
# the row cache of the active-set method (routing in ._dispatch)
_CACHE_ROWS = 2000
_CACHE_MAX_BYTES = 256 * 2**20
# after a warm start or a move of the centre by at most _SELECT_MOVE (margin
# units), the next inner solve starts from the samples that are free or within
# max(_BAND, 10 eps, _BAND_MOVE * move) of violating their KKT condition; the
# others join when they violate (fewer passes over samples that stay at a bound)
_BAND = 1e-3
_SELECT_MOVE = 0.05
_BAND_MOVE = 4.0
# weight of the intercept in the inner problem, in units of the mean ||x_i||^2
# (the bias feature liblinear appends, in the units of the data)
_RHO = 0.3
# cold single fits of sparse data with at least _SUB_MIN samples take their
# first centre from a _SUB_FRACTION subsample solved to _SUB_TOL (the first
# inner solves then run near the right intercept; not used on dense data)
_SUB_FRACTION = 0.1
_SUB_MIN = 50_000
_SUB_TOL = 1e-3


def active_set_fits(X):
    """Whether the active-set method's row cache (dense float64 rows) for ``X`` fits."""
    n, d = X.shape
    return 8 * min(n, _CACHE_ROWS) * d <= _CACHE_MAX_BYTES


@njit(cache=True, inline="always")
def _step(is_sparse, Xd, data, indices, indptr, i, yi, a, Ci, G, q, alpha, w):
    """One coordinate step of sample ``i`` (gradient ``G``, curvature ``q``):
    ``a_i`` to its minimiser in ``[0, C_i]``, ``w`` updated; returns the change
    of ``t = sum a_i y_i``."""
    if q > 0.0:
        an = min(max(a - G / q, 0.0), Ci)
    else:
        an = Ci if G < 0.0 else 0.0
    da = (an - a) * yi
    if da != 0.0:
        alpha[i] = an
        row_axpy(is_sparse, Xd, data, indices, indptr, i, da, w)
    return da


@njit(cache=True, fastmath=_FM)
def _cd(
    is_sparse,
    Xd,
    data,
    indices,
    indptr,
    y,
    C,
    qd,
    act,
    nsel,
    alpha,
    w,
    t_in,
    c,
    rho,
    eps,
    max_passes,
    seed,
):
    """Dual CD with shrinking on the augmented inner problem.

    ``act`` (the samples with ``C_i > 0``) is permuted in place.  The passes
    visit ``act[:nsel]`` (the caller's selection: the samples expected to
    move), shrinking as liblinear does; when they have converged, one pass
    over the others admits those that violate their KKT condition by more
    than ``eps / 2`` (and updates them), and the passes go on over the grown
    selection.  Returns ``(t, passes, viol)``: ``t = sum a_i y_i`` as
    tracked, the number of passes and the last pass's maximal KKT violation
    over the selection (margin units).  Converged when ``viol <= eps`` on a
    pass over the whole selection that no other sample joins.
    """
    # a private Park-Miller generator for the visiting order: no global random
    # state is read or changed, and the order is the same compiled or not
    state = seed % 2147483646 + 1
    ntot = act.shape[0]
    nact = min(max(nsel, 0), ntot)
    t = t_in
    active = nact
    pg_max_old = _INF
    pg_min_old = -_INF
    passes = 0
    scans = 0
    viol = _INF
    while passes < max_passes:
        # random order of the active part
        for k in range(active - 1, 0, -1):
            state = state * 48271 % 2147483647
            j = state % (k + 1)
            tmp = act[k]
            act[k] = act[j]
            act[j] = tmp
        pg_max = -_INF
        pg_min = _INF
        s = 0
        while s < active:
            i = act[s]
            b = c + rho * t
            yi = y[i]
            G = yi * (row_dot(is_sparse, Xd, data, indices, indptr, i, w) + b) - 1.0
            a = alpha[i]
            Ci = C[i]
            pg = 0.0
            if a <= 0.0:
                if G > pg_max_old:
                    active -= 1
                    act[s] = act[active]
                    act[active] = i
                    continue
                elif G < 0.0:
                    pg = G
            elif a >= Ci:
                if G < pg_min_old:
                    active -= 1
                    act[s] = act[active]
                    act[active] = i
                    continue
                elif G > 0.0:
                    pg = G
            else:
                pg = G
            if pg > pg_max:
                pg_max = pg
            if pg < pg_min:
                pg_min = pg
            if pg != 0.0:
                t += _step(is_sparse, Xd, data, indices, indptr, i, yi, a, Ci, G, qd[i], alpha, w)
            s += 1
        passes += 1
        if pg_max < pg_min:
            viol = 0.0
        else:
            viol = pg_max - pg_min
        if viol <= eps:
            if active == nact:
                if nact == ntot or passes >= max_passes:
                    break
                # the samples outside the selection: admit those within eps
                # of violating their KKT condition (after a second scan that
                # admits any, every sample)
                admitted = 0
                scans += 1
                for k in range(nact, ntot):
                    i = act[k]
                    yi = y[i]
                    G = (
                        yi * (row_dot(is_sparse, Xd, data, indices, indptr, i, w) + c + rho * t)
                        - 1.0
                    )
                    a = alpha[i]
                    Ci = C[i]
                    if (a <= 0.0 and G < eps) or (a >= Ci and G > -eps) or (0.0 < a < Ci):
                        act[k] = act[nact]
                        act[nact] = i
                        nact += 1
                        admitted += 1
                        t += _step(
                            is_sparse, Xd, data, indices, indptr, i, yi, a, Ci, G, qd[i], alpha, w
                        )
                passes += 1
                if admitted == 0:
                    break
                if scans >= 2:
                    nact = ntot
            active = nact
            pg_max_old = _INF
            pg_min_old = -_INF
            continue
        pg_max_old = pg_max
        pg_min_old = pg_min
        if pg_max_old <= 0.0:
            pg_max_old = _INF
        if pg_min_old >= 0.0:
            pg_min_old = -_INF
    return t, passes, viol


@njit(cache=True, fastmath=_FM)
def _sides(is_sparse, Xd, data, indices, indptr, y, alpha, act, wpos, wneg):
    """``w_+ = sum_{y_i>0} a_i x_i``, ``w_- = sum_{y_i<0} a_i x_i`` from scratch;
    returns ``(A_+, A_-)``, the sums of ``a`` over each class."""
    wpos[:] = 0.0
    wneg[:] = 0.0
    ap = 0.0
    an = 0.0
    for k in range(act.shape[0]):
        i = act[k]
        a = alpha[i]
        if a != 0.0:
            if y[i] > 0.0:
                ap += a
                row_axpy(is_sparse, Xd, data, indices, indptr, i, a, wpos)
            else:
                an += a
                row_axpy(is_sparse, Xd, data, indices, indptr, i, a, wneg)
    return ap, an


@njit(cache=True, fastmath=_FM)
def _scores(is_sparse, Xd, data, indices, indptr, n, w, f):
    for i in range(n):
        f[i] = row_dot(is_sparse, Xd, data, indices, indptr, i, w)


def _sqnorms(ka, n):
    is_sparse, Xd, data, indices, indptr = ka
    if is_sparse:
        rows = np.repeat(np.arange(n), np.diff(indptr))
        return np.bincount(rows, weights=np.square(data, dtype=np.float64), minlength=n)
    return np.einsum("ij,ij->i", Xd, Xd, dtype=np.float64)


class _Problem:
    """Arrays of one problem, shared by the fits of a path."""

    def __init__(self, X, y, s, S, fit_intercept):
        self.X = X
        self.ka = kernel_arrays(X)
        self.n, self.d = X.shape
        self.y, self.s, self.S = y, s, S
        self.fit_intercept = fit_intercept
        self.cg_steps = 0  # conjugate-gradient steps taken (statistics)
        self.cg_failed = False  # CG did not converge at this lam: no more CG steps
        self.act = np.flatnonzero(s > 0).astype(np.int64)
        self.sq = _sqnorms(self.ka, self.n)
        self.f = np.zeros(self.n)
        self.rn = np.empty(self.n)
        self.kmax = row_norms(*self.ka, self.n, self.rn)
        self.tbuf = np.empty(self.n)
        self.wpos = np.zeros(self.d)
        self.wneg = np.zeros(self.d)
        sq_act = self.sq[self.act]
        # weight of the intercept in the inner problem: that of a typical
        # feature vector (the bias feature liblinear would append, in the
        # units of the data)
        m = float(np.mean(sq_act)) if sq_act.size else 0.0
        self.rho = _RHO * m if m > 0 else 1.0

    def certificate(self, alpha, lam, b_hint):
        """From scratch: ``(coef, b, P, gap, t)`` (see the module docstring).

        ``coef`` is ``w(a)`` or, near the hard margin, ``w(a)`` scaled so that
        every margin is provably at least 1 (:func:`scaled_margin_candidate`);
        ``P`` the primal at ``(coef, b)``; ``gap`` the relative gap of the
        rounding-safe bounds of ``_hinge_certificate``; ``t = sum a_i y_i``.
        """
        y, s, S, act = self.y, self.s, self.S, self.act
        nact = act.shape[0]
        fi = self.fit_intercept
        C = s * (1.0 / (2.0 * lam * S))
        ap, an = _sides(*self.ka, y, alpha, act, self.wpos, self.wneg)
        w = self.wpos - self.wneg
        # dual: the heavier side scaled down to sum a_i y_i = 0 (in place on a
        # copy), X^T (a y) formed from the two sides; its rounding error is at
        # most gamma_(n+8) sum_i a_i ||x_i||
        af = alpha.copy()
        make_feasible(y, C, af, act, nact, fi)
        rp = 1.0
        rn = 1.0
        if fi and ap > an:
            rp = an / ap if ap > 0.0 else 0.0
        elif fi and an > ap:
            rn = ap / an if an > 0.0 else 0.0
        wf = rp * self.wpos - rn * self.wneg
        ew = gamma(nact + 8) * float(np.dot(alpha[act], self.rn[act])) * (1.0 + gamma(nact))
        D, D_low = dual_lower(y, C, af, act, nact, lam, norm_up(wf), ew, self.rn, fi)
        # primal: scores of w by one plain pass, the best intercept
        _scores(*self.ka, self.n, w, self.f)
        wnorm = norm_up(w)
        ef = score_error(self.kmax, wnorm)
        if fi:
            b, _ = canonical_intercept(self.f, y, s, act, nact, b_hint, self.tbuf)
        else:
            b = 0.0
        P, P_up = primal_upper(self.f, ef, self.rn, y, s, act, nact, b, lam, wnorm, S)
        self.b_w = float(b)  # the best intercept for w(a), whose scores self.f holds
        coef = w
        if relative_gap(P_up, D_low) > 0.0:
            tk, P_up_t = scaled_margin_candidate(self.f, ef, self.rn, y, act, nact, b, lam, wnorm)
            if P_up_t < P_up:
                coef = tk * w
                b = tk * b
                P = lam * float(np.dot(coef, coef))
                P_up = P_up_t
        gap = relative_gap(P_up, D_low)
        return coef, float(b), float(P), float(gap), ap - an

    def cg_fits(self, alpha, C):
        """Whether the free rows fit :meth:`cg_free`'s copy (always for CSR)."""
        if self.ka[0]:
            return True
        a = alpha[self.act]
        m = int(np.count_nonzero((a > 0.0) & (a < C[self.act])))
        return m * self.d <= _CG_MAX_ENTRIES

    def cg_free(self, alpha, w, C, t, c, rho):
        """One second-order step on the free samples ``F`` (``0 < a_i < C_i``), the
        others fixed: the solution of ``y_i (x_i.w + b) = 1`` on ``F`` (and
        ``sum a_i y_i = 0`` with an intercept, ``t`` the current sum) by projected
        conjugate gradient (:func:`._hinge_cg.free_set_step`), projected onto the box.
        ``alpha`` and ``w`` are updated in place; returns the step's intercept (``c``
        without one, or where CG has not converged), or ``None`` when ``F`` is
        empty, too large to copy, or no candidate gains in the inner (augmented)
        objective.
        """
        act, y = self.act, self.y
        a = alpha[act]
        F = act[(a > 0.0) & (a < C[act])]
        m = F.shape[0]
        if m == 0 or (not self.ka[0] and m * self.d > _CG_MAX_ENTRIES):
            return None
        XF = free_rows(self.X, F)
        yF = y[F]
        fF = np.asarray(XF @ w).ravel()
        # CG iterations capped so that one step costs at most _CG_PASSES passes
        nnz_f = XF.nnz if self.ka[0] else m * self.d
        nnz_all = self.ka[2].shape[0] if self.ka[0] else self.n * self.d
        its = int(max(_CG_MIN_ITER, _CG_PASSES * nnz_all / max(2 * nnz_f, 1)))
        delta, bn, _, conv = free_set_step(XF, yF, fF, self.sq[F], t, max_iter=min(its, _CG_MAX))
        if not conv:
            # CG did not solve the system within its budget (an ill-conditioned or
            # degenerate free set, as of near-duplicate text rows): no more CG steps
            # for this lam, coordinate descent goes on
            self.cg_failed = True
        if not np.all(np.isfinite(delta)):
            return None
        if t is None or not conv or not np.isfinite(bn):
            # the intercept of a system that CG has not solved is not kept
            bn = c
        aF = alpha[F]
        best = None
        for new in box_candidates(aF, C[F], delta):
            # the gain in the inner (augmented) objective of the next inner solve
            # (centre bn)
            gain, dw = dual_gain(XF, yF, fF, aF, new, t, bn, rho)
            if gain > 0.0 and (best is None or gain > best[0]):
                best = (gain, new, dw)
        if best is None:
            return None
        _, new, dw = best
        w += dw
        alpha[F] = new
        self.cg_steps += 1
        return bn

    def select(self, alpha, C, b, band):
        """The visiting order of the next inner solve, from the scores of the
        last certificate (``self.f``, of the current ``w``) at intercept ``b``:
        first the free samples and those at a bound whose KKT condition is
        violated or within ``band`` (margin units) of it, then the others
        (shrunk from the start; :func:`_cd` scans them when the selection has
        converged and admits those near a violation).  Returns ``(rows, nsel,
        viol)`` with ``viol`` the KKT violation over all samples (the spread of
        the projected gradient)."""
        act = self.act
        a = alpha[act]
        G = self.y[act] * (self.f[act] + b) - 1.0
        lo = a <= 0.0
        hi = a >= C[act]
        keep = ~(lo | hi) | (lo & (G < band)) | (hi & (G > -band))
        pg = np.where(lo, np.minimum(G, 0.0), np.where(hi, np.maximum(G, 0.0), G))
        viol = float(pg.max() - pg.min()) if pg.size else 0.0
        rows = np.concatenate((act[keep], act[~keep]))
        return rows, int(np.count_nonzero(keep)), viol

    def solve(self, alpha, w, lam, c, tol, max_passes, stall=None, seed=0, warm=False):
        """Run the outer iterations from ``alpha`` (``w`` its ``w(a)``) and centre ``c``.

        Returns ``(w, b, P, gap, passes, converged)``; ``alpha`` is updated in
        place.  With ``stall``, an inner solve that has not converged after that
        many passes is followed by a conjugate-gradient step on the free set
        (:meth:`cg_free`); where that does not apply or gains nothing,
        coordinate descent goes on without that limit.
        """
        C = self.s * (1.0 / (2.0 * lam * self.S))
        fi = self.fit_intercept
        rho = self.rho if fi else 0.0
        c = float(c) if fi else 0.0
        qd = self.sq + rho
        eps = 0.1
        passes = 0
        outer = 0
        hist = []  # (c, t) pairs of converged inner solves
        cg_steps = 0
        self.cg_failed = False
        grow = 1.0  # multiplies the proximal step while t(c) hardly moves
        if warm:
            # a warm start (the path's previous dual, scaled): certified as it
            # stands, or the centre moves to the best intercept of its w and the
            # first inner solve visits the samples near their KKT conditions
            wc, b, P, gap, t = self.certificate(alpha, lam, c)
            np.subtract(self.wpos, self.wneg, out=w)
            if gap <= tol:
                return wc, b, P, gap, passes, True
            if fi:
                c = self.b_w
            rows, nsel, viol = self.select(alpha, C, c + rho * t, _BAND)
            eps = min(0.1, max(0.1 * viol, 1e-12))
        else:
            t = float(np.dot(alpha[self.act], self.y[self.act]))
            rows = self.act
            nsel = rows.shape[0]
        while True:
            cap = max(max_passes - passes, 1)
            if stall is not None and (
                cg_steps >= _CG_STEPS or self.cg_failed or not self.cg_fits(alpha, C)
            ):
                # no second-order step applies: no reason to cut the inner solve short
                stall = None
            if stall is not None:
                cap = min(cap, stall)
            t, p, viol = _cd(
                *self.ka, self.y, C, qd, rows, nsel, alpha, w, t, c, rho, eps, cap, seed + outer
            )
            passes += p
            outer += 1
            b_in = c + rho * t
            wc, b, P, gap, t = self.certificate(alpha, lam, b_in)
            # w(a) from scratch (drops the drift of the updates)
            np.subtract(self.wpos, self.wneg, out=w)
            if gap <= tol or passes >= max_passes:
                break
            if viol > eps:
                # the inner solve stopped at its pass budget: a conjugate-gradient
                # step on the free samples (bounds fixed), then coordinate descent
                # again, which corrects the partition
                bn = self.cg_free(alpha, w, C, t if fi else None, c, rho)
                cg_steps += 1
                if bn is None:
                    # no gain on this free set: coordinate descent goes on
                    # without the pass limit
                    stall = None
                    nsel = rows.shape[0]
                    continue
                passes += 1
                c = bn
                t = float(np.dot(alpha[self.act], self.y[self.act]))
                nsel = rows.shape[0]
                continue
            # new centre: the proximal step, or a secant step on t(c)
            c_new = c + grow * rho * t
            hist.append((c, t))
            if len(hist) >= 2:
                (c0, t0), (c1, t1) = hist[-2], hist[-1]
                if (t0 > 0) != (t1 > 0):
                    grow = 1.0
                elif abs(t1) > 0.5 * abs(t0):
                    # t(c) hardly moves (samples pinned at their bounds, the
                    # step capped by rho sum C_i): larger steps, or straight
                    # to the best intercept of the current w where that lies
                    # beyond
                    grow *= 4.0
                    c_new = c + grow * rho * t
                    if (self.b_w - c) * t > 0.0 and abs(self.b_w - c) > abs(c_new - c):
                        c_new = self.b_w
                if t1 != t0 and (t0 > 0) != (t1 > 0) or (abs(t1) < abs(t0) and t1 != t0):
                    c_sec = c1 - t1 * (c1 - c0) / (t1 - t0)
                    lo, hi = sorted((c1, c1 + 20.0 * (c_new - c1)))
                    if np.isfinite(c_sec) and lo <= c_sec <= hi:
                        c_new = c_sec
            moved = abs(c_new - c)
            c = c_new
            eps = max(eps * 0.1, 1e-12)
            if moved <= _SELECT_MOVE:
                # a small move of the centre: the next inner solve starts from
                # the samples near their KKT conditions
                band = max(_BAND, 10.0 * eps, _BAND_MOVE * moved)
                rows, nsel, _ = self.select(alpha, C, c + rho * t, band)
            else:
                nsel = rows.shape[0]
        return wc, b, P, gap, passes, gap <= tol


def _fit(prob, alpha, w, lam, c, tol, max_iter, warm=False):
    """One ``lam``: coordinate descent with conjugate-gradient steps on the free set where an
    inner solve stalls; the certificate is computed from scratch at the returned point."""
    return prob.solve(alpha, w, lam, c, tol, max_iter, _STALL, warm=warm)


def _start(prob, X, y, s, S, lam, coef_init, intercept_init, dual_init):
    n = prob.n
    C = s * (1.0 / (2.0 * lam * S))
    if dual_init is not None:
        alpha = np.array(dual_init, dtype=np.float64, copy=True).reshape(-1)
        if alpha.shape != (n,):
            raise ValueError(f"dual_init has shape {alpha.shape}, expected ({n},)")
        alpha[~np.isfinite(alpha)] = 0.0
        alpha = np.clip(alpha, 0.0, C)
    elif coef_init is not None:
        coef = np.ascontiguousarray(coef_init, dtype=np.float64).reshape(-1)
        if coef.shape != (prob.d,):
            raise ValueError(f"coef_init has shape {coef.shape}, expected ({prob.d},)")
        b0 = float(intercept_init) if (intercept_init is not None and prob.fit_intercept) else 0.0
        _scores(*prob.ka, n, coef, prob.f)
        alpha = np.where(y * (prob.f + b0) < 1.0, C, 0.0)
    elif float(np.dot(C, prob.sq)) > 1.0:
        # far from the large-lam closed form (its margins reach beyond 1):
        # from a = 0, as liblinear
        alpha = np.zeros(n)
    else:
        # the large-lam closed form
        alpha = C.copy()
    alpha[s == 0] = 0.0
    if intercept_init is not None and prob.fit_intercept:
        c0 = float(intercept_init)
    elif dual_init is not None and prob.fit_intercept:
        # the best intercept for the w of the given dual
        _scores(*prob.ka, n, _w_of(prob, alpha), prob.f)
        c0, _ = canonical_intercept(prob.f, y, s, prob.act, prob.act.shape[0], 0.0, prob.tbuf)
    else:
        c0 = 0.0
    return alpha, float(c0)


def _w_of(prob, alpha):
    _sides(*prob.ka, prob.y, alpha, prob.act, prob.wpos, prob.wneg)
    return prob.wpos - prob.wneg


def hinge_dcd_solve(
    X,
    y,
    sample_weight,
    lam,
    *,
    tol,
    max_iter,
    fit_intercept=True,
    coef_init=None,
    intercept_init=None,
    dual_init=None,
    check_input=True,
):
    """Solve the hinge problem for one ``lam`` by dual coordinate descent.

    See the module docstring.  ``max_iter`` bounds the number of passes of
    coordinate descent over the samples plus the conjugate-gradient steps
    (``n_iter`` in the result).  Without a warm start, a
    large problem with large ``C_i ||x_i||^2`` is solved through a short
    warm-started path from a larger ``lam`` (factors of 3).  Returns a
    :class:`~sklearn_tilt._solvers.SolverResult` whose ``gap`` is the relative
    duality gap at the returned point, computed from scratch.
    """
    X, y, s, S, tol, max_iter = _validate(X, y, sample_weight, tol, max_iter, check_input)
    lam = _check_lam(lam)
    fit_intercept = bool(fit_intercept)
    _check_classes(y, s, fit_intercept)
    prob = _Problem(X, y, s, S, fit_intercept)
    max_iter = max(max_iter, 1)
    lams = [lam]
    if dual_init is None and coef_init is None and prob.n > _CONT_MIN_SAMPLES:
        # continuation on a large, hard problem: from the lam at which the
        # mean of C_i ||x_i||^2 is _CONT_START down to lam by factors of 3
        act = prob.act
        hard = float(np.mean(prob.s[act] * prob.sq[act])) / (2.0 * lam * S)
        if hard > _CONT_HARD:
            lam_k = lam * hard / _CONT_START
            seq = []
            while lam_k > lam * 1.5:
                seq.append(lam_k)
                lam_k /= 3.0
            lams = seq + [lam]
    alpha, c = _start(prob, X, y, s, S, lams[0], coef_init, intercept_init, dual_init)
    if (
        prob.ka[0]
        and fit_intercept
        and dual_init is None
        and coef_init is None
        and intercept_init is None
        and prob.act.shape[0] >= _SUB_MIN
    ):
        # a cold start on a large sparse problem: the first centre is the
        # intercept of the same problem on a fixed random subsample, solved
        # loosely (the first inner solves then run near the right intercept)
        rng = np.random.RandomState(0)
        sub = np.sort(
            rng.choice(prob.act, size=int(_SUB_FRACTION * prob.act.shape[0]), replace=False)
        )
        if np.any(y[sub] > 0) and np.any(y[sub] < 0):
            r = hinge_dcd_solve(
                X[sub], y[sub], s[sub], lams[0], tol=_SUB_TOL, max_iter=max_iter, check_input=False
            )
            c = float(r.intercept)
    w = _w_of(prob, alpha)
    passes = 0
    prev = lams[0]
    for lam_k in lams:
        if lam_k != prev:
            alpha *= prev / lam_k
            w *= prev / lam_k
        warm = lam_k != lams[0] or dual_init is not None
        w_k, b, P, gap, p, conv = _fit(
            prob, alpha, w, lam_k, c, tol, max(max_iter - passes, 1), warm
        )
        passes += p
        c = b
        prev = lam_k
    w = w_k
    return SolverResult(
        coef=w,
        intercept=b,
        dual=alpha,
        n_iter=int(passes),
        gap=float(gap),
        primal=float(P),
        converged=bool(conv),
    )


def hinge_dcd_path(
    X,
    y,
    sample_weight,
    lams,
    *,
    tol,
    max_iter,
    fit_intercept=True,
    coef_init=None,
    intercept_init=None,
    check_input=True,
):
    """Warm-started solutions for every ``lam`` in ``lams`` (results in that order).

    Solved from the largest ``lam`` down; each start is the previous dual
    scaled by the ratio of the box bounds (``lam_prev / lam``) and the previous
    intercept as the centre.  Every result carries its own certificate.
    """
    X, y, s, S, tol, max_iter, lams, fit_intercept = _validate_path(
        X, y, sample_weight, lams, tol, max_iter, fit_intercept, check_input
    )
    if lams.size == 0:
        return []
    order = np.argsort(-lams, kind="stable")
    prob = _Problem(X, y, s, S, fit_intercept)
    alpha, c = _start(prob, X, y, s, S, lams[order[0]], coef_init, intercept_init, None)
    w = _w_of(prob, alpha)
    results = [None] * lams.size
    prev = None
    for pos in order:
        lam = float(lams[pos])
        if prev is not None and prev != lam:
            r = prev / lam
            alpha *= r
            w *= r
        wk, b, P, gap, passes, conv = _fit(
            prob, alpha, w, lam, c, tol, max(max_iter, 1), prev is not None
        )
        results[pos] = SolverResult(
            coef=wk.copy(),
            intercept=b,
            dual=alpha.copy(),
            n_iter=int(passes),
            gap=float(gap),
            primal=float(P),
            converged=bool(conv),
        )
        c = b
        prev = lam
    return results
