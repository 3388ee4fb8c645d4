"""The Newton kernel: damped Newton on ``theta = (w, b)``, steps by preconditioned CG.

Each Newton system ``H p = -g`` is solved by preconditioned conjugate gradients
(:mod:`._precond`) with O(nnz) Hessian-vector products. They stop on the Euclidean
residual (the certificate is Euclidean) at a forcing term chosen so that one step
reaches ``tol`` from close by, or, with the diagonal preconditioners, earlier where
the next gap is predicted below ``tol`` (the residual of the linear model with a 25%
margin, plus the nonlinear part measured at the previous step). A backtracking line
search on the exact objective globalises the method; ``X p`` for it is accumulated
from the products the conjugate gradients already formed (no extra pass). Between
Newton steps the scores are updated (``z + t X p``); they are recomputed from scratch
(one more pass) where the certificate may stop, and every exit certifies recomputed
scores.

The iterations are Python over NumPy vectors of length ``d + 1`` (and ``n`` for the
scores); every pass over ``X`` or over the samples is one compiled kernel of
:mod:`._passes`. A first fit thus compiles a few short loops, not the iteration
logic, and a call costs microseconds against the milliseconds of a pass.
"""

import math

import numpy as np

from ._certificate import certificate
from ._passes import grad_pass, hessvec, line_values
from ._precond import CURVATURE_FLOOR, PREC_CHOLESKY, PREC_JACOBI, centred_diag, precondition
from ._records import (
    CONVERGED,
    MAX_ITER,
    NEED_FACTOR,
    NONFINITE,
    STALLED,
    Krylov,
    Outcome,
    Preconditioner,
)

#: conjugate-gradient iterations per Newton step
PCG_MAX = 60
#: sufficient decrease of the line search
ARMIJO = 1e-4
#: Newton steps without progress before stopping as stalled
STALL_STEPS = 5


def newton(prob, opts, buf, start):
    """Newton-PCG iterations until converged / max_iter / a new factor is wanted.

    ``prob`` the :class:`._problem.Problem`, ``opts`` the :class:`._records.Settings`;
    the point and the output of its last gradient pass are in the
    :class:`._records.Buffers` ``buf`` (updated in place), the scalars in the
    :class:`._records.Start` ``start``. Returns an :class:`._records.Outcome`.
    """
    S, ops = prob.samples, prob.ops
    fit_intercept = prob.fit_intercept
    w, z = buf.w, buf.z
    lam, tol, max_iter, pmode = opts.lam, opts.tol, opts.max_iter, opts.precond
    n, d = z.shape[0], w.shape[0]
    lam2 = 2.0 * lam
    g = np.empty(d + 1)
    M = Preconditioner(pmode, opts.factor, np.empty(d + 1), np.zeros(d))
    K = Krylov(*(np.zeros(d + 1) for _ in range(5)), np.zeros(n), np.zeros(n), np.zeros(n))
    b, sums, it = start.intercept, start.sums, start.iterations
    npcg_all = passes = 0
    status = MAX_ITER
    fresh = start.grad_ok
    diag_ok = start.grad_ok and start.diag_ok
    # lack of progress: neither the gap halves nor the objective moves beyond
    # rounding for STALL_STEPS Newton steps (tol below what floating point allows)
    best_gap, P_last, stall = np.inf, np.inf, 0
    # the relative gap that the last step's linear model predicted, and the gap before
    # it (their difference, over the square of the latter, estimates the nonlinear
    # part of the next gap)
    pred_prev, rho_prev = -1.0, 0.0
    # the gradient of the current point is from scores recomputed from scratch (the
    # reused one of start.grad_ok always is); every exit certifies such a gradient
    scratch_now = scratch_next = True
    last_expected = False
    while True:
        if not fresh:
            # (no diagonal where this point is predicted to be the last)
            want = pmode == PREC_JACOBI and not last_expected
            b, sums = grad_pass(ops, S, buf, b, want, scratch_next)
            scratch_now = scratch_next
            passes += 1
            diag_ok = want
        hbb = sums.curv if sums.curv > 0.0 else CURVATURE_FLOOR
        bound = certificate(prob, buf, sums, lam, g, 0.0 if scratch_now else tol)
        P, gap = bound.primal, bound.gap
        finite = np.isfinite(P) and np.isfinite(gap)
        if not scratch_now and (gap <= tol * P or it >= max_iter or not finite):
            scratch_next = True  # an exit: certify from scores recomputed from scratch
            fresh = False
            continue
        if not finite:
            status = NONFINITE
            break
        if gap <= tol * P:
            status = CONVERGED
            break
        if it >= max_iter:
            status = MAX_ITER
            break
        if gap < 0.5 * best_gap:
            best_gap, stall = gap, 0
        elif P_last - P <= 1e-15 * abs(P):
            stall += 1
        else:
            stall = 0
        P_last = P
        if stall >= STALL_STEPS:
            status = STALLED
            break
        rho = gap / P
        # ---- the preconditioner (Hessian weights cD from the gradient pass)
        if pmode == PREC_JACOBI:
            if not diag_ok:  # the reused gradient pass did not form the diagonal
                ops.grad_diag(buf.a, buf.cD, buf.acc)
                passes += 1
            centred_diag(buf.acc, hbb, lam2, fit_intercept, M.diag, M.mu)
        else:
            M.diag[:d] = lam2
            M.diag[d] = hbb
        fresh = False
        diag_ok = False  # (for the next point)
        # ---- PCG on H p = -g (Euclidean residual; forcing term from the gap)
        eta = min(0.5, max(math.sqrt(0.1 * tol / rho), math.sqrt(rho)))
        nl = 1.0  # nonlinear part of the next relative gap, in units of rho^2
        if pred_prev >= 0.0 and rho_prev > 0.0:
            nl = max(rho - pred_prev, 0.0) / (rho_prev * rho_prev)
        nl *= rho * rho
        npcg, pred = _pcg(ops, buf.cD, lam2, fit_intercept, M, g, (eta, P, tol, nl), K)
        npcg_all += npcg
        # the next gradient from scratch if this step is predicted to reach tol (the
        # residual of the linear model is the next gradient, up to the polish of b)
        last_expected = 1.25 * pred + nl <= tol
        pred_prev, rho_prev = pred, rho
        scratch_next = last_expected or it + 1 >= max_iter
        # ---- line search on the exact objective
        t = _line_search(S, buf, K, g, lam, sums.loss, P)
        if t < 0.0:
            status = STALLED
            break
        w += t * K.p[:d]
        if fit_intercept:
            b += t * K.p[d]
        z += t * K.dz
        it += 1
        if t != 1.0:
            scratch_next = it >= max_iter
            last_expected = False
            pred_prev = -1.0
        if npcg > opts.refresh_after:
            status = NEED_FACTOR
            break
    if status == STALLED and not scratch_now:
        # certify the point of a stalled line search from scratch
        b, sums = grad_pass(ops, S, buf, b, False, True)
        passes += 1
        bound = certificate(prob, buf, sums, lam, g, 0.0)
        if bound.gap <= tol * bound.primal:
            status = CONVERGED
        diag_ok = False
    return Outcome(status, b, sums, diag_ok, bound, it, npcg_all, passes)


def _pcg(ops, cD, lam2, fit_intercept, M, g, targets, K):
    """Conjugate gradients on ``H p = -g`` from ``p = 0`` into ``K.p`` (and ``X p``
    into ``K.dz``); ``targets = (eta, P, tol, nl)``. Returns the iterations and the
    relative gap that the linear model predicts for the step."""
    eta, P, tol, nl = targets
    d = g.shape[0] - 1
    pvec, r, s, q, Hq, dz, dots, tmp = K
    np.negative(g, out=r)
    pvec[:] = 0.0
    gnorm2 = g @ g
    # relative target, or small enough for the certificate by itself
    target = max(eta * eta * gnorm2, 0.05 * tol * P * 2.0 * lam2)
    if not fit_intercept:
        r[d] = 0.0
    precondition(M, fit_intercept, r, s)
    q[:] = s
    rs = r @ s
    dz[:] = 0.0
    npcg = 0
    rr = 0.0
    while npcg < PCG_MAX:
        hessvec(ops, cD, lam2, q, Hq, dots, tmp)
        if not fit_intercept:
            Hq[d] = 0.0
        qHq = q @ Hq
        npcg += 1
        if not qHq > 0.0:
            break
        alpha = rs / qHq
        pvec += alpha * q
        r -= alpha * Hq
        rr = r @ r
        # X p accumulates from the products already computed
        dz += alpha * dots
        # stop at the forcing term, or where the next gap (the linear model's
        # residual, 25% margin, plus the nonlinear part) is predicted below tol.
        # (Not with the Cholesky factor: there the extra iteration is cheap, and the
        # overshoot keeps fits of different representations of the same data, e.g.
        # zero weights vs removed rows, equal far below tol.)
        pred = (rr - r[d] * r[d]) / (2.0 * lam2) / P
        if rr <= target or (M.mode != PREC_CHOLESKY and 1.25 * pred + nl <= tol):
            break
        precondition(M, fit_intercept, r, s)
        rs_new = r @ s
        beta = rs_new / rs
        rs = rs_new
        q *= beta
        q += s
    return npcg, (rr - r[d] * r[d]) / (2.0 * lam2) / P


def _line_search(S, buf, K, g, lam, f0, P):
    """Backtracking (safeguarded quadratic interpolation) along the step ``K.p`` from
    the point of ``buf`` with loss ``f0``; the step length, or -1 where ``K.p`` is
    not a descent direction or no length is accepted."""
    y, c, _fit_intercept = S
    w = buf.w
    d = w.shape[0]
    pw = K.p[:d]
    wp = float(w @ pw)
    pp = float(pw @ pw)
    df0 = float(g @ K.p)
    if not df0 < 0.0:
        return -1.0
    t = 1.0
    for _ in range(60):
        ft, dft = line_values(y, c, buf.z, K.dz, t, lam, wp, pp)
        if ft <= f0 + ARMIJO * t * df0:
            return t
        # within rounding of f0: accept if the slope shrank in magnitude
        if ft - f0 <= 1e-14 * abs(P) and abs(dft) <= abs(df0):
            return t
        # safeguarded quadratic interpolation
        denom = 2.0 * (ft - f0 - t * df0)
        tn = -df0 * t * t / denom if denom > 0.0 else 0.5 * t
        t = min(0.5 * t, max(0.1 * t, tn))
    return -1.0
