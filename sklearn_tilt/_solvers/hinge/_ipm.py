"""Exact hinge solver for problems with few features: an interior-point method
on the primal, finished by a primal-dual active-set method on the KKT system.

Problem, over the samples of positive weight (``p_i = s_i / S``)::

    min_{w, b, xi}  sum_i p_i xi_i + lam ||w||^2
    s.t.  y_i (w.x_i + b) + xi_i >= 1,   xi_i >= 0

Its multipliers are ``u_i = p_i beta_i`` with ``beta_i in [0, 1]``; at the
optimum ``2 lam w = sum_i u_i y_i x_i`` and ``sum_i u_i y_i = 0`` (the hinge
dual of :mod:`sklearn_tilt._solvers.hinge` has ``alpha = C beta``, ``C_i = s_i / (2 lam S)``).

* Interior point: Mehrotra's predictor-corrector on the primal-dual
  equations.  Each iteration solves one symmetric positive definite system of
  size ``d + 1``, ``[X 1]^T D [X 1] + 2 lam diag(1, ..., 1, 0)`` with ``D``
  diagonal, at O(n d^2): the number of iterations hardly depends on ``lam``,
  where coordinate methods slow down as ``C = 1 / (2 n lam)`` grows.
* Finish: the interior point suggests which samples have ``beta_i = 0``
  (margin above 1), ``beta_i = 1`` (below 1) or lie on the margin (free).
  For such a partition the optimality conditions are a square linear system
  in ``(w, b, u_F)``::

      2 lam w - X_F^T (y u)_F = X_U^T (y p)_U,   (y u)_F . 1 = -(y p)_U . 1,
      x_i.w + b = y_i  (i in F)

  whose unknowns are of order 1 at any ``lam`` (nothing is divided by
  ``lam``, no sum of terms of size ``C`` cancels), so it stays well
  conditioned at the hard-margin end.  The partition is then updated by the
  rule of Hintermueller, Ito & Kunisch (2002) until it repeats, which gives
  the exact minimiser.
* Certificate (with the finish in :mod:`._ipm_finish`): the rounding-safe
  bounds of :mod:`._certificate`,
  computed from scratch at the returned ``(w, b)`` and ``alpha``; the result
  is converged only when their relative gap is at most ``tol``.  They run as
  NumPy code here: the method compiles nothing.
* Threads: the iterations are BLAS calls on small matrices, for which BLAS's
  threads cost more than they save (many times more on a busy machine), so
  problems of at most :data:`ONE_THREAD_WORK` run with one BLAS thread.
* Precision: the Newton matrices of the early iterations (complementarity above
  :data:`_MU_LOW` of the primal objective) are formed in float32 arithmetic; the
  later ones, the finish and the certificate in float64.

Memory: the active rows as a dense float64 array (``n d``) and a float32 copy
of them with a float32 buffer (another ``n d`` float64's worth) plus O(n + d^2);
:func:`interior_point_fits` says when that and the O(n d^2) iterations are
cheap.
"""

import numpy as np
import scipy.sparse as sp
from scipy.linalg.blas import dsyrk, ssyrk
from scipy.linalg.lapack import dpotrf, dpotrs

from .._common import SolverResult
from .._threads import one_blas_thread
from ._certificate import row_norms
from ._ipm_finish import certify, finish, partition

# the method applies when n (d + 1)^2, the cost of one iteration, is at most
# this, and so does the dense copy of the rows
MAX_WORK = 2 * 10**8
MAX_ENTRIES = 10**7
MAX_SAMPLES = 5000
# problems whose iteration cost n (d + 1)^2 is at most this run with one BLAS
# thread (benchmarks/results/cold_start_cert.md measures it)
ONE_THREAD_WORK = 5 * 10**7
# fraction of the step to the boundary of the positive orthant
_STEP = 0.995
# the finish is tried once the mean complementarity is below this fraction of
# the primal objective; the interior point stops when it is below _MU_STOP of it
_MU_FINISH = 1e-4
_MU_STOP = 1e-14
# the Newton matrix is formed in float32 while the complementarity is above
# this fraction of the primal objective (the certificate never uses it)
_MU_LOW = 1e-2
# iterations without halving the complementarity after which the interior
# point is taken as stalled (digits' one-vs-rest problems at lam=1e-3 need 20:
# the complementarity grows while the intercept moves, then falls in a few steps)
_STALL = 40


def interior_point_fits(X, n_active=None):
    """Whether the interior-point method suits ``X`` (see :data:`MAX_WORK`)."""
    n, d = X.shape
    n = n if n_active is None else n_active
    return n <= MAX_SAMPLES and n * (d + 1) ** 2 <= MAX_WORK and n * d <= MAX_ENTRIES


def signed_rows(X, y, rows, fit_intercept):
    """``(Y, Y32, buf32)``: the rows ``rows`` of ``X`` (every row where ``rows`` is
    ``None``) as dense float64, signed by their labels ``y[rows]``, with the intercept
    column: ``Y[i] = y_i [x_i, 1]`` (``[x_i]`` without an intercept); a float32 copy for
    the Newton matrices of the early iterations and a buffer of its shape (both ``None``
    where an entry does not fit in float32)."""
    d = X.shape[1]
    Xr = X if rows is None else X[rows]
    Xr = Xr.toarray() if sp.issparse(Xr) else Xr
    yr = y if rows is None else y[rows]
    Y = np.empty((yr.shape[0], d + 1 if fit_intercept else d))
    np.multiply(Xr, yr[:, None], out=Y[:, :d])
    if fit_intercept:
        Y[:, d] = yr
    with np.errstate(over="ignore"):
        Y32 = Y.astype(np.float32)
    if not np.isfinite(Y32).all():
        return Y, None, None
    return Y, Y32, np.empty_like(Y32)


class _Rows:
    """The active rows of a :class:`..._problem.Problem` as :func:`signed_rows` gives
    them (``Y``, ``Y32``, ``buf32``), and their weights."""

    def __init__(self, problem):
        X, y, s, S = problem.X, problem.y, problem.s, problem.S
        self.n, self.d = X.shape
        self.act = problem.act
        self.fi = problem.fit_intercept
        self.k = self.d + 1 if self.fi else self.d
        every = self.act.shape[0] == self.n
        self.Y, self.Y32, self.buf32 = signed_rows(X, y, None if every else self.act, self.fi)
        self.y = y[self.act]
        self.p = s[self.act] / S
        # the certificate reads X as given
        self.ka = problem.ka
        self.yall, self.s, self.S = y, s, S
        self.rn = np.empty(self.n)
        self.kmax = row_norms(*self.ka, self.n, self.rn)
        self.tbuf = np.empty(self.n)


def _newton_matrix(prob, reg, D, buf, low):
    """``Y^T D Y + diag(reg)`` (its upper triangle, which is what the Cholesky
    factorisation reads), in float32 arithmetic where ``low`` (``D`` scaled by its
    largest entry, so that nothing overflows; ``None`` when that cannot be done).

    Formed as ``B^T B`` with ``B = sqrt(D) Y`` by ``?syrk``, which computes one
    triangle: about half the work of the general product (``D > 0`` inside the
    interior)."""
    if low:
        dmax = float(np.max(D))
        if prob.Y32 is None or not 0.0 < dmax < np.inf:
            return None
        root = np.sqrt(D * (1.0 / dmax)).astype(np.float32)
        np.multiply(prob.Y32, root[:, None], out=prob.buf32)
        A = ssyrk(1.0, prob.buf32.T).astype(np.float64)
        A *= dmax
    else:
        np.multiply(prob.Y, np.sqrt(D)[:, None], out=buf)
        A = dsyrk(1.0, buf.T)
    A.flat[:: prob.k + 1] += reg
    return A


def _newton_factor(prob, reg, D, buf, low=False):
    """The Cholesky factor (upper) of ``Y^T D Y + diag(reg)``; ``buf`` is an
    array of the shape of ``Y``.

    ``low``: the matrix is formed in float32 arithmetic (faster than the float64
    product, which is most of an iteration: see
    benchmarks/results/cold_start_readme.md).  Only the search direction depends
    on it, never the certificate; where that matrix is not positive definite in
    floating point, the float64 one is formed instead."""
    if low:
        A = _newton_matrix(prob, reg, D, buf, True)
        if A is not None:
            c, info = dpotrf(A, lower=0, clean=0, overwrite_a=0)
            if info == 0:
                return c
    A = _newton_matrix(prob, reg, D, buf, False)
    scale = max(float(np.max(np.abs(np.diagonal(A)))), 1e-300)
    ridge = 0.0
    while True:
        c, info = dpotrf(A, lower=0, clean=0, overwrite_a=0)
        if info == 0:
            return c
        if info < 0:  # pragma: no cover - an argument error, not a matrix
            raise ValueError(f"dpotrf: illegal argument {-info}")
        ridge = 1e-14 * scale if ridge == 0.0 else 100.0 * ridge
        if ridge > 1e-4 * scale:
            raise np.linalg.LinAlgError("the Newton matrix is not positive definite")
        A.flat[:: prob.k + 1] += ridge


def _direction(prob, cho, Z, res, fac, rc, rcq, dZ):
    """The Newton direction ``(dwb, dZ)`` for the complementarity right-hand sides
    ``rc = [rc1, rc2]`` (margin constraints, ``xi >= 0``) and ``rcq = rc / [u, xi]``.

    The state is ``Z = [r, v, u, xi]``: slack of the margins, multiplier of
    ``xi >= 0``, multiplier of the margins, ``xi``; ``dZ`` is overwritten."""
    rwb, rx, rp = res
    iq, g, c, D = fac
    q = rx + rcq[1]
    en = rp + rcq[0]
    en += g * q  # -e
    kk = q - D * en
    rhs = prob.Y.T @ kk
    rhs -= rwb
    dwb, info = dpotrs(cho, rhs, lower=0)
    t = prob.Y @ dwb
    np.subtract(kk, D * t, out=dZ[2])  # du
    en += t
    np.multiply(en, c, out=dZ[3])
    np.negative(dZ[3], out=dZ[3])  # dxi
    # [dr, dv] = -(rc + [r, v] [du, dxi]) / [u, xi]
    np.multiply(Z[:2], dZ[2:], out=dZ[:2])
    dZ[:2] += rc
    dZ[:2] *= iq
    np.negative(dZ[:2], out=dZ[:2])
    return dwb


def _max_step(Z, dZ):
    """The largest ``a`` with ``Z + a dZ >= 0`` for ``Z > 0`` (``inf`` when there is none)."""
    low = float(np.min(dZ / Z))
    return -1.0 / low if low < 0.0 else np.inf


def _ipm_steps(prob, lam, wb, Z, lin=None):
    """Mehrotra's predictor-corrector from ``(wb, Z)`` (updated in place); yields
    ``mu / primal`` after each step.

    ``lin``: ``None``, or ``(q, p0)`` for the objective plus ``p0 - q.[w, b]`` (the
    samples held at a bound by :mod:`._restricted`); ``prob`` is any object with the
    fields of :class:`_Rows` that this reads (``Y``, ``p``, ``d``, ``k``, ``Y32``,
    ``buf32``)."""
    m = Z.shape[1]
    Y, p, d = prob.Y, prob.p, prob.d
    q, p0 = lin if lin is not None else (None, 0.0)
    reg = np.zeros(prob.k)
    reg[:d] = 2.0 * lam
    buf = np.empty_like(Y)
    dZ = np.empty_like(Z)
    r, v, u, xi = Z
    rel = np.inf
    while True:
        rwb = reg * wb
        rwb -= Y.T @ u
        if q is not None:
            rwb -= q
        rx = p - u
        rx -= v
        rp = Y @ wb
        rp += xi
        rp -= r
        rp -= 1.0
        res = (rwb, rx, rp)
        PQ = Z[:2] * Z[2:]
        mu = float(PQ.sum()) / (2 * m)
        iq = 1.0 / Z[2:]
        GH = Z[:2] * iq
        g, h = GH
        c = 1.0 / (1.0 + g * h)
        D = h * c
        cho = _newton_factor(prob, reg, D, buf, rel > _MU_LOW)
        fac = (iq, g, c, D)
        # predictor (affine scaling): rc = PQ, rc / [u, xi] = [r, v]
        dwb = _direction(prob, cho, Z, res, fac, PQ, Z[:2], dZ)
        a = min(1.0, _max_step(Z, dZ))
        Za = Z + a * dZ
        mu_aff = float(np.vdot(Za[:2], Za[2:])) / (2 * m)
        sigma = (mu_aff / mu) ** 3 if mu > 0.0 else 0.0
        # corrector
        rc = dZ[:2] * dZ[2:]
        rc += PQ
        rc -= sigma * mu
        dwb = _direction(prob, cho, Z, res, fac, rc, rc * iq, dZ)
        a = min(1.0, _STEP * _max_step(Z, dZ))
        wb += a * dwb
        Z += a * dZ
        w = wb[:d]
        pobj = float(p @ xi) + lam * float(w @ w)
        if q is not None:
            pobj += p0 - float(q @ wb)
        mu = float(np.vdot(Z[:2], Z[2:])) / (2 * m)
        rel = 2 * m * mu / max(pobj, 1e-300)
        yield rel


def _start(prob):
    """``(wb, Z)``: ``w = 0``, ``b = 0``, ``r = xi = 1``, ``u = v = p / 2``."""
    m = prob.Y.shape[0]
    Z = np.empty((4, m))
    Z[0] = 1.0
    Z[1] = 0.5 * prob.p
    Z[2] = 0.5 * prob.p
    Z[3] = 1.0
    return np.zeros(prob.k), Z


def _point(prob, wb, Z):
    """``(w, b, xi, r, u, v)`` of a state (copies)."""
    b = float(wb[prob.d]) if prob.fi else 0.0
    return (wb[: prob.d].copy(), b, Z[3].copy(), Z[0].copy(), Z[2].copy(), Z[1].copy())


def interior_point_solve(problem, lam):
    """Solve the hinge problem of a :class:`..._problem.Problem` for one ``lam``.

    ``problem.max_iter`` bounds the interior-point iterations.  Returns a
    :class:`~sklearn_tilt._solvers.SolverResult` (``dual`` is ``alpha``).
    Problems of at most :data:`ONE_THREAD_WORK` run with one BLAS thread.
    """
    n, d = problem.act.shape[0], problem.X.shape[1]
    if n * (d + 1) ** 2 > ONE_THREAD_WORK:
        return _solve(problem, lam)
    with one_blas_thread():
        return _solve(problem, lam)


def _solve(problem, lam):
    tol, max_iter = problem.tol, problem.max_iter
    prob = _Rows(problem)
    best = None
    n_iter = 0
    wb, Z = _start(prob)
    last_try = np.inf
    status = "max_iter"
    record, since = np.inf, 0
    if max_iter > 0:
        for rel_mu in _ipm_steps(prob, lam, wb, Z):
            n_iter += 1
            if not np.isfinite(rel_mu):
                status = "breakdown"
                break
            if rel_mu < 0.5 * record:
                record, since = rel_mu, 0
            else:
                since += 1
            if since >= _STALL:
                # no progress in floating point: the finish from where it stands
                best, _ = finish(prob, lam, tol, partition(prob, _point(prob, wb, Z)), best)
                status = "stalled"
                break
            if rel_mu <= _MU_FINISH and rel_mu <= 0.1 * last_try:
                last_try = rel_mu
                best, k = finish(prob, lam, tol, partition(prob, _point(prob, wb, Z)), best)
                if best is not None and best[0] <= tol:
                    break
            if rel_mu <= _MU_STOP:
                status = "stalled"
                break
            if n_iter >= max_iter:
                break
    if best is None or best[0] > tol:
        w, b, xi, r, u, v = _point(prob, wb, Z)
        cand = certify(prob, lam, w, u / prob.p, b)
        if best is None or cand[0] < best[0]:
            best = cand
    gap, coef, b, P, alpha = best
    converged = gap <= tol
    message = ""
    if not converged:
        if status == "max_iter":
            message = (
                f"stopped at max_iter={max_iter} interior-point iterations with a "
                f"certified relative duality gap of {gap:.3g}; increase max_iter"
            )
        else:
            message = (
                f"the interior-point method reached the limit of floating point "
                f"at a certified relative duality gap of {gap:.3g} (raising "
                f"max_iter will not help, a larger tol will)"
            )
    return SolverResult(
        coef=np.asarray(coef, dtype=np.float64),
        intercept=float(b),
        dual=alpha,
        n_iter=int(n_iter),
        gap=float(gap),
        primal=float(P),
        converged=bool(converged),
        message=message,
    )
