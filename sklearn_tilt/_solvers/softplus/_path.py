"""The Python drivers: one ``lam`` (:func:`solve`), a path of them (:func:`path`).

Python throughout, like the Newton iterations (:func:`._newton.newton`): the compiled
code is the passes over the data (:mod:`._passes`), and the (rare) factorisations call
scipy's BLAS/LAPACK.
"""

import numpy as np

from .._common import SolverResult
from .._problem import check_lam
from . import _precond
from ._certificate import final_dual
from ._newton import newton
from ._problem import Problem, check_stop
from ._records import CONVERGED, EMPTY_FACTOR, MAX_ITER, NEED_FACTOR, NONFINITE, Settings
from ._state import init_state

#: degree of the polynomial (in log lam) that predicts the next solution of a path
PREDICTOR_ORDER = 2
#: ``refresh_after`` that never asks for a new factor
_NEVER = 10**9


def solve_at(prob, lam, tol, max_iter, state, refresh=True):
    """Newton-PCG for one ``lam`` from the state's point (updated in place).

    ``refresh=False`` keeps the current factor whatever the PCG iterations.
    Returns a :class:`.._common.SolverResult` whose ``stats`` count the Newton steps,
    the conjugate-gradient iterations, the other passes over ``X`` and the
    factorisations.
    """
    pmode = _precond.choose(prob, lam)
    status = MAX_ITER
    it = pcg = passes = factors = 0
    out = None
    for _ in range(max_iter + 2):
        if pmode == _precond.PREC_CHOLESKY and state.L is None:
            state.L = _precond.factor(prob, state.buf.z, lam)
            factors += 1
            if state.L is None:  # not positive definite in floating point
                pmode = _precond.PREC_JACOBI
        use_L = pmode == _precond.PREC_CHOLESKY
        opts = Settings(
            lam,
            tol,
            max_iter,
            pmode,
            state.L if use_L else EMPTY_FACTOR,
            state.refresh_after() if use_L and refresh else _NEVER,
        )
        out = newton(prob, opts, state.buf, state.start(it))
        it, pcg, passes = out.iterations, pcg + out.pcg_iterations, passes + out.passes
        status = out.status
        state.b, state.sums = out.intercept, out.sums
        state.grad_ok = status != NEED_FACTOR
        state.diag_ok = state.grad_ok and out.diag_ok
        if status != NEED_FACTOR:
            break
        state.L = None  # refactorise at the current point
    dual = np.zeros(prob.n)
    final_dual(prob, state.buf.z, out.bound, lam, dual)
    b_out = float(state.b) if prob.fit_intercept else 0.0
    P, gap = float(out.bound.primal), float(out.bound.gap)
    rel = gap / P if P > 0 else (0.0 if gap == 0 else np.inf)
    stats = {
        "newton_steps": int(it),
        "pcg_iterations": int(pcg),
        "other_passes": int(passes),
        "factorisations": factors,
    }
    return SolverResult(
        coef=prob.expand(state.buf.w),
        intercept=b_out,
        dual=dual,
        n_iter=int(it),
        gap=rel,
        primal=P,
        converged=bool(status == CONVERGED),
        message=_stop_message(status, max_iter, rel),
        stats=stats,
    )


def _stop_message(status, max_iter, rel):
    """Why a solve stopped short of ``tol`` (empty when it converged)."""
    if status == CONVERGED:
        return ""
    if status == MAX_ITER:
        return (
            f"stopped at max_iter={max_iter} with a relative duality gap of {rel:.3g}; "
            "increase max_iter"
        )
    if status == NONFINITE:
        return "the objective or its gap overflowed (not finite); rescale X or use a larger lam"
    return (
        f"no further decrease of the objective at the limit of floating point "
        f"(certified relative duality gap {rel:.3g}); a smaller tol is not reachable, "
        "raising max_iter does not help"
    )


def _merged_stats(a, b):
    return {k: a[k] + b[k] for k in a}


def solve(
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
    """Minimise ``sum_i c_i log(1 + exp(-y_i (w.x_i + b))) + lam ||w||^2``.

    Parameters
    ----------
    X : ndarray of shape (n, d), float32 or float64, or CSR matrix
    y : ndarray of shape (n,) with values +-1.0
    sample_weight : ndarray of shape (n,), non-negative, or None
    lam : float > 0
    tol : float
        Target relative duality gap ``(P - D) / P`` (certified: :mod:`._certificate`).
    max_iter : int
        Maximum number of Newton iterations.
    fit_intercept : bool, default=True
    coef_init, intercept_init : warm start (optional)
    dual_init : ignored
    check_input : bool, default=True
        False skips the scans of ``X``, ``y`` and the weights (validated by the caller).

    Returns
    -------
    SolverResult
        ``converged`` is False when ``max_iter`` was reached first.
    """
    lam = check_lam(lam)
    tol, max_iter = check_stop(tol, max_iter)
    prob = Problem(X, y, sample_weight, fit_intercept, check_input)
    state = init_state(prob, coef_init, intercept_init)
    res = solve_at(prob, lam, tol, max_iter, state)
    if (
        not res.converged
        or res.gap == 0.0
        or res.n_iter >= max_iter
        or _precond.choose(prob, lam) == _precond.PREC_JACOBI
    ):
        return res
    # One more Newton step past the certificate (within max_iter, and never
    # refreshing the factor): from a point within ``tol`` of the optimum, Newton's
    # quadratic convergence lands at rounding level, so that a single fit is
    # reproducible to machine precision whatever the representation of the data
    # (weights vs repeated rows, dense vs CSR). Paths skip this step, and so does the
    # diagonal preconditioner (large d), whose conjugate gradients would need many
    # passes over X for it (a large share of a fit on text-like CSR data).
    polished = solve_at(prob, lam, 0.0, 1, state, refresh=False)
    best = polished if polished.gap <= res.gap else res
    return best._replace(
        n_iter=res.n_iter + polished.n_iter,
        converged=True,
        message="",
        stats=_merged_stats(res.stats, polished.stats),
    )


def path(
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
    """Solutions for every ``lam`` in ``lams`` (returned in that order).

    Steps:

    1. validate the input once (:class:`._problem.Problem`);
    2. visit ``lams`` from the largest to the smallest;
    3. from the third ``lam`` on, predict the solution by polynomial extrapolation
       in ``log(lam)`` of the last converged solutions and their scores (linear from
       two, quadratic from three: :func:`_predict`), kept only if it lowers the
       objective at the new ``lam``; otherwise start at the previous solution, whose
       gradient pass does not depend on ``lam`` and is reused, so the first Newton
       step is the tangent predictor;
    4. run Newton-PCG to the certified ``tol`` (:func:`solve_at`); the Cholesky
       preconditioner (small ``d``) is shared along the path and refreshed only when
       the conjugate gradients slow down;
    5. a solve that does not converge clears the predictor's history.
    """
    lams = np.asarray(lams, dtype=np.float64).ravel()
    for lam in lams:
        check_lam(lam)
    tol, max_iter = check_stop(tol, max_iter)
    prob = Problem(X, y, sample_weight, fit_intercept, check_input)
    state = init_state(prob, coef_init, intercept_init)
    results = [None] * len(lams)
    hist = []  # (log lam, w, b, z) of the last converged solutions, newest last
    for k in np.argsort(-lams, kind="stable"):
        lam = float(lams[k])
        if len(hist) >= 2:
            _predict(prob, lam, state, hist)
        res = solve_at(prob, lam, tol, max_iter, state)
        results[k] = res
        if res.converged:
            hist.append((np.log(lam), state.buf.w.copy(), float(state.b), state.buf.z.copy()))
            del hist[: -(PREDICTOR_ORDER + 1)]
        else:
            hist = []
    return results


def _predict(prob, lam, state, hist):
    """Polynomial extrapolation in ``log(lam)`` of the last solutions (and of their
    scores, which are linear in ``(w, b)``); kept only if it lowers the objective."""
    x = np.log(lam)
    pts = hist[-(PREDICTOR_ORDER + 1) :] if len(hist) > PREDICTOR_ORDER else hist
    xs = [h[0] for h in pts]
    if len(set(xs)) < len(xs) or x in xs:
        return
    # Lagrange weights
    coefs = []
    for i, xi in enumerate(xs):
        wgt = 1.0
        for j, xj in enumerate(xs):
            if j != i:
                wgt *= (x - xj) / (xi - xj)
        coefs.append(wgt)
    w = sum(a * h[1] for a, h in zip(coefs, pts))
    b = sum(a * h[2] for a, h in zip(coefs, pts))
    z = sum(a * h[3] for a, h in zip(coefs, pts))
    y, c = prob.y, prob.c
    buf = state.buf
    f_old = np.dot(c, np.logaddexp(0.0, -y * buf.z)) + lam * np.dot(buf.w, buf.w)
    f_new = np.dot(c, np.logaddexp(0.0, -y * z)) + lam * np.dot(w, w)
    if f_new < f_old:
        buf.w[:] = w
        state.b = b
        buf.z[:] = z
        state.grad_ok = False
