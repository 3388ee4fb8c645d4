"""The finish and the certificate of the interior-point hinge method (:mod:`._ipm`).

Finish: from the sets that an interior point suggests (``beta_i = 0``, ``beta_i = 1``,
free), the optimality conditions are a square linear system in ``(w, b, u_F)``
(:func:`_kkt_solve`); the partition is updated by the rule of Hintermueller, Ito &
Kunisch (2002) until it repeats, which gives the exact minimiser.  Certificate: the
rounding-safe bounds of :mod:`._certificate`, from scratch, as NumPy code.
"""

import numpy as np
import scipy.linalg
import scipy.sparse as sp

from ._certificate import (
    dual_lower,
    gamma,
    make_feasible,
    norm_up,
    primal_upper,
    relative_gap,
    scaled_margin_candidate,
    score_error,
)
from ._intercept import canonical_intercept

# the finish solves dense systems of d + 1 + |F| unknowns: not beyond this |F|,
# nor beyond _FREE_PER_UNKNOWN (d + 1). A system with |F| > d + 1 is singular (rank
# at most 2 (d + 1)) and goes to least squares, at O((d + 1 + |F|)^3): data in general
# position have at most d + 1 samples on the margin, so such a partition says that
# the interior point is not yet close enough, and it goes on instead (degenerate
# data, duplicates on the margin, keep room up to twice d + 1)
_MAX_FREE = 1500
_FREE_PER_UNKNOWN = 2
# partitions tried by one finish (it stops earlier when a partition repeats)
_FINISH_STEPS = 30


def partition(prob, st):
    """Sets from an interior point: 0 (``beta = 0``), 1 (``beta = 1``), 2 (free)."""
    w, b, xi, r, u, v = st
    beta = u / prob.p
    vb = v / prob.p
    part = np.full(beta.shape, 2, dtype=np.int8)
    lo = r > beta
    hi = xi > vb
    both = lo & hi
    lo_wins = r / np.maximum(beta, 1e-300) >= xi / np.maximum(vb, 1e-300)
    part[lo & ~both] = 0
    part[hi & ~both] = 1
    part[both & lo_wins] = 0
    part[both & ~lo_wins] = 1
    return part


def _kkt_solve(prob, lam, part):
    """``(w, b, beta)`` that solve the optimality conditions for the partition.

    With the signed rows ``Y = y [X 1]`` of :class:`._ipm._Rows` the margin rows read
    ``Y_F [w, b] = 1`` (``x_i.w + b = y_i`` times ``y_i``)."""
    Y, p, d, k = prob.Y, prob.p, prob.d, prob.k
    F = np.flatnonzero(part == 2)
    U = part == 1
    f = F.shape[0]
    if f > _MAX_FREE or f > _FREE_PER_UNKNOWN * k:
        return None
    A = np.zeros((k + f, k + f))
    rhs = np.zeros(k + f)
    YF = Y[F]
    A[np.arange(d), np.arange(d)] = 2.0 * lam
    A[:k, k:] = -YF.T
    rhs[:k] = Y[U].T @ p[U]
    A[k:, :k] = YF
    rhs[k:] = 1.0
    sol = _solve_or_lstsq(A, rhs)
    w = sol[:d]
    b = float(sol[d]) if prob.fi else 0.0
    beta = U.astype(np.float64)
    beta[F] = sol[k:] / p[F]
    return w, b, beta


def _solve_or_lstsq(A, rhs):
    """``A^-1 rhs`` by LU where ``A`` is well conditioned, else the least-squares
    solution of least norm: repeated samples in the free set make the system
    singular, and their weights are then shared equally (``w`` and ``b`` are
    unique all the same)."""
    lu, piv, info = scipy.linalg.lapack.dgetrf(A)
    if info == 0:
        anorm = float(np.abs(A).sum(axis=0).max())
        rcond, info = scipy.linalg.lapack.dgecon(lu, anorm, norm="1")
        if info == 0 and rcond > A.shape[0] * np.finfo(np.float64).eps:
            sol, info = scipy.linalg.lapack.dgetrs(lu, piv, rhs)
            if info == 0 and np.all(np.isfinite(sol)):
                return sol
    return scipy.linalg.lstsq(A, rhs, check_finite=False)[0]


def finish(prob, lam, tol, part, best):
    """Partition updates (Hintermueller, Ito & Kunisch) from ``part``; ``best``
    is the best certified point so far, ``(gap, ...)`` or ``None``; returns the
    best one and the number of linear systems solved.

    The solution of the partition that repeats (the exact minimiser) is
    certified first; the solutions of the partitions on the way are certified
    only when it is not within ``tol`` (or when no partition repeats)."""
    seen = set()
    steps = 0
    sols = []
    exact = False
    for _ in range(_FINISH_STEPS):
        key = part.tobytes()
        if key in seen:
            break
        seen.add(key)
        sol = _kkt_solve(prob, lam, part)
        if sol is None:
            break
        sols.append(sol)
        w, b, beta = sol
        steps += 1
        # on to the partition that repeats (the exact solution), not only to tol:
        # problems that are equal (a weight of 2 or a repeated sample) then give
        # equal solutions, as an exact solver should
        margin = prob.Y[:, : prob.d] @ w + (b * prob.y if prob.fi else 0.0)
        val = beta + (1.0 - margin)
        new = np.full(part.shape, 2, dtype=np.int8)
        new[val < 0.0] = 0
        new[val > 1.0] = 1
        if np.array_equal(new, part):
            exact = True
            break
        part = new
    if exact:
        sols.insert(0, sols.pop())
    for k, (w, b, beta) in enumerate(sols):
        cert = certify(prob, lam, w, beta, b)
        if best is None or cert[0] < best[0]:
            best = cert
        if k == 0 and exact and best[0] <= tol:
            break
    return best, steps


def certify(prob, lam, w, beta, b_hint):
    """``(gap, coef, b, P, alpha)``: the certificate of the primal ``w`` (at its
    best intercept) and of the dual ``alpha = C beta``, from scratch."""
    act, nact, y, s, S, fi = prob.act, prob.act.shape[0], prob.yall, prob.s, prob.S, prob.fi
    n = prob.n
    C = s * (1.0 / (2.0 * lam * S))
    alpha = np.zeros(n)
    alpha[act] = np.clip(beta, 0.0, 1.0) * C[act]
    make_feasible(y, C, alpha, act, nact, fi)
    ay = alpha * y
    Xk = prob.ka[1] if not prob.ka[0] else None
    wa = Xk.T @ ay if Xk is not None else _csr(prob).T @ ay
    wa = np.asarray(wa, dtype=np.float64)
    ew = gamma(nact + 8) * float(np.dot(alpha[act], prob.rn[act])) * (1.0 + gamma(nact))
    _, D_low = dual_lower(y, C, alpha, act, nact, lam, norm_up(wa), ew, prob.rn, fi)
    best = None
    for coef in (np.ascontiguousarray(w, dtype=np.float64), wa):
        f = np.asarray(Xk @ coef if Xk is not None else _csr(prob) @ coef, dtype=np.float64)
        wnorm = norm_up(coef)
        ef = score_error(prob.kmax, wnorm)
        b = canonical_intercept(f, y, s, act, nact, b_hint, prob.tbuf)[0] if fi else 0.0
        P, P_up = primal_upper(f, ef, prob.rn, y, s, act, nact, b, lam, wnorm, S)
        c = coef
        if relative_gap(P_up, D_low) > 0.0:
            tk, P_up_t = scaled_margin_candidate(f, ef, prob.rn, y, act, nact, b, lam, wnorm)
            if P_up_t < P_up:
                c, b, P_up = tk * coef, tk * b, P_up_t
                P = lam * float(np.dot(c, c))
        gap = relative_gap(P_up, D_low)
        if best is None or gap < best[0]:
            best = (float(gap), c, float(b), float(P), alpha)
    return best


def _csr(prob):
    _, Xd, data, indices, indptr = prob.ka
    return sp.csr_matrix((data, indices, indptr), shape=(prob.n, prob.d))
