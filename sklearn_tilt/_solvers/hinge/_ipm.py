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

Memory: the active rows as a dense float64 array (``n d``) plus O(n + d^2);
:func:`interior_point_fits` says when that and the O(n d^2) iterations are
cheap.
"""

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from .._common import SolverResult
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
# iterations without halving the complementarity after which the interior
# point is taken as stalled (digits' one-vs-rest problems at lam=1e-3 need 20:
# the complementarity grows while the intercept moves, then falls in a few steps)
_STALL = 40


def interior_point_fits(X, n_active=None):
    """Whether the interior-point method suits ``X`` (see :data:`MAX_WORK`)."""
    n, d = X.shape
    n = n if n_active is None else n_active
    return n <= MAX_SAMPLES and n * (d + 1) ** 2 <= MAX_WORK and n * d <= MAX_ENTRIES


class _Rows:
    """The active rows of a :class:`..._problem.Problem` as dense float64, their
    labels and weights."""

    def __init__(self, problem):
        X, y, s, S = problem.X, problem.y, problem.s, problem.S
        self.n, self.d = X.shape
        self.act = problem.act
        Xa = X[self.act]
        Xa = Xa.toarray() if sp.issparse(Xa) else Xa
        self.X = np.ascontiguousarray(Xa, dtype=np.float64)
        self.y = y[self.act]
        self.p = s[self.act] / S
        self.fi = problem.fit_intercept
        # the certificate reads X as given
        self.ka = problem.ka
        self.yall, self.s, self.S = y, s, S
        self.rn = np.empty(self.n)
        self.kmax = row_norms(*self.ka, self.n, self.rn)
        self.tbuf = np.empty(self.n)


def _newton_matrix(prob, lam, D):
    """``[X 1]^T D [X 1] + 2 lam diag(1, ..., 1, 0)``, Cholesky-factored."""
    X, d = prob.X, prob.d
    k = d + 1 if prob.fi else d
    A = np.empty((k, k))
    XD = X * D[:, None]
    A[:d, :d] = X.T @ XD
    A[np.arange(d), np.arange(d)] += 2.0 * lam
    if prob.fi:
        A[:d, d] = A[d, :d] = XD.sum(axis=0)
        A[d, d] = D.sum()
    scale = max(float(np.max(np.abs(np.diag(A)))), 1e-300)
    ridge = 0.0
    while True:
        try:
            return scipy.linalg.cho_factor(A, check_finite=False)
        except np.linalg.LinAlgError:
            ridge = 1e-14 * scale if ridge == 0.0 else 100.0 * ridge
            A[np.arange(k), np.arange(k)] += ridge
            if ridge > 1e-4 * scale:
                raise


def _direction(prob, cho, st, res, rc1, rc2):
    """The Newton direction for the complementarity right-hand sides ``rc1``
    (margin constraints) and ``rc2`` (``xi >= 0``)."""
    w, b, xi, r, u, v = st
    rw, rb, rx, rp = res
    X, y, d = prob.X, prob.y, prob.d
    q = rx + rc2 / xi
    g = r / u
    h = v / xi
    e = -rp - rc1 / u - g * q
    D = h / (1.0 + g * h)
    k = q + D * e
    yk = y * k
    rhs = X.T @ yk - rw
    if prob.fi:
        rhs = np.append(rhs, yk.sum() - rb)
    sol = scipy.linalg.cho_solve(cho, rhs, check_finite=False)
    dw = sol[:d]
    db = float(sol[d]) if prob.fi else 0.0
    t = y * (X @ dw + db)
    du = k - D * t
    dxi = (e - t) / (1.0 + g * h)
    dv = -(rc2 + v * dxi) / xi
    dr = -(rc1 + r * du) / u
    return dw, db, dxi, dr, du, dv


def _max_step(x, dx):
    """The largest ``a`` with ``x + a dx >= 0`` (``inf`` when there is none)."""
    neg = dx < 0.0
    if not neg.any():
        return np.inf
    return float(np.min(-x[neg] / dx[neg]))


def _residuals(prob, lam, st):
    w, b, xi, r, u, v = st
    X, y = prob.X, prob.y
    rw = 2.0 * lam * w - X.T @ (y * u)
    rb = -float(y @ u) if prob.fi else 0.0
    rx = prob.p - u - v
    rp = y * (X @ w + b) + xi - 1.0 - r
    return rw, rb, rx, rp


def _ipm_steps(prob, lam, st):
    """Mehrotra's predictor-corrector; yields ``(state, mu / primal)`` after each step."""
    m = prob.X.shape[0]
    while True:
        w, b, xi, r, u, v = st
        res = _residuals(prob, lam, st)
        mu = (float(r @ u) + float(xi @ v)) / (2 * m)
        D = 1.0 / (xi / v + r / u)
        cho = _newton_matrix(prob, lam, D)
        aff = _direction(prob, cho, st, res, r * u, xi * v)
        _, _, dxi, dr, du, dv = aff
        a = min(1.0, _max_step(xi, dxi), _max_step(r, dr), _max_step(u, du), _max_step(v, dv))
        mu_aff = (float((r + a * dr) @ (u + a * du)) + float((xi + a * dxi) @ (v + a * dv))) / (
            2 * m
        )
        sigma = (mu_aff / mu) ** 3 if mu > 0.0 else 0.0
        dw, db, dxi, dr, du, dv = _direction(
            prob,
            cho,
            st,
            res,
            r * u + aff[3] * aff[4] - sigma * mu,
            xi * v + aff[2] * aff[5] - sigma * mu,
        )
        a = min(
            1.0,
            _STEP * min(_max_step(xi, dxi), _max_step(r, dr), _max_step(u, du), _max_step(v, dv)),
        )
        st = (w + a * dw, b + a * db, xi + a * dxi, r + a * dr, u + a * du, v + a * dv)
        w, b, xi, r, u, v = st
        pobj = float(prob.p @ xi) + lam * float(w @ w)
        mu = (float(r @ u) + float(xi @ v)) / (2 * m)
        yield st, 2 * m * mu / max(pobj, 1e-300)


def _start(prob):
    m = prob.X.shape[0]
    p = prob.p
    return (np.zeros(prob.d), 0.0, np.ones(m), np.ones(m), 0.5 * p, 0.5 * p)


def interior_point_solve(problem, lam):
    """Solve the hinge problem of a :class:`..._problem.Problem` for one ``lam``.

    ``problem.max_iter`` bounds the interior-point iterations.  Returns a
    :class:`~sklearn_tilt._solvers.SolverResult` (``dual`` is ``alpha``).
    Problems of at most :data:`ONE_THREAD_WORK` run with one BLAS thread.
    """
    n, d = problem.act.shape[0], problem.X.shape[1]
    if n * (d + 1) ** 2 > ONE_THREAD_WORK:
        return _solve(problem, lam)
    with threadpool_limits(limits=1, user_api="blas"):
        return _solve(problem, lam)


def _solve(problem, lam):
    tol, max_iter = problem.tol, problem.max_iter
    prob = _Rows(problem)
    best = None
    n_iter = 0
    st = start = _start(prob)
    last_try = np.inf
    status = "max_iter"
    record, since = np.inf, 0
    if max_iter > 0:
        for st, rel_mu in _ipm_steps(prob, lam, start):
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
                best, _ = finish(prob, lam, tol, partition(prob, st), best)
                status = "stalled"
                break
            if rel_mu <= _MU_FINISH and rel_mu <= 0.1 * last_try:
                last_try = rel_mu
                best, k = finish(prob, lam, tol, partition(prob, st), best)
                if best[0] <= tol:
                    break
            if rel_mu <= _MU_STOP:
                status = "stalled"
                break
            if n_iter >= max_iter:
                break
    if best is None or best[0] > tol:
        w, b, xi, r, u, v = st
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
