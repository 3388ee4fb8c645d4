"""Dense Cholesky factor of the free-set Hessian with O(m^2) up- and downdates.

Used by the active-set subproblem solver (:mod:`._qp`): one
factorisation per subproblem, then a row appended when a sample joins the
free set and a Givens-style rank-1 update when one leaves it.  Numerically
dependent variables are dropped (their row and column replaced by the
identity, ``keep`` False), so a degenerate Gram matrix never breaks a step.
"""

import numpy as np

from .._common import FASTMATH
from .._jit import njit


@njit(cache=True, fastmath=FASTMATH)
def cholesky_inplace(A, m, keep):
    """Lower Cholesky factor of ``A[:m, :m]`` in place (row-oriented), with
    dependent variables dropped.

    A pivot below ``1e-10`` of its diagonal entry means that variable is (to
    working precision) a combination of the previous ones: its row and column
    are replaced by the identity and ``keep`` is False there, so the factor is
    that of the principal submatrix of the kept variables.  Solves with it set
    the dropped unknowns to zero: the Newton step is then the exact minimiser
    over the kept variables (still a descent step; never an exception).
    """
    for j in range(m):
        keep[j] = True
        djj = A[j, j]
        for k in range(j + 1):
            if k < j and not keep[k]:
                A[j, k] = 0.0
                continue
            acc = A[j, k]
            for q in range(k):
                acc -= A[j, q] * A[k, q]
            if k < j:
                A[j, k] = acc / A[k, k]
            else:
                if not (acc > 1e-10 * djj):
                    keep[j] = False
                    for q in range(j):
                        A[j, q] = 0.0
                    A[j, j] = 1.0
                else:
                    A[j, j] = np.sqrt(acc)


@njit(cache=True, fastmath=FASTMATH)
def chol_solve(L, m, keep, r):
    """Solve ``L L^T x = r`` in place (dropped unknowns are set to zero)."""
    for j in range(m):
        if not keep[j]:
            r[j] = 0.0
            continue
        acc = r[j]
        for q in range(j):
            acc -= L[j, q] * r[q]
        r[j] = acc / L[j, j]
    for j in range(m - 1, -1, -1):
        if not keep[j]:
            r[j] = 0.0
            continue
        acc = r[j]
        for q in range(j + 1, m):
            acc -= L[q, j] * r[q]
        r[j] = acc / L[j, j]


@njit(cache=True, fastmath=FASTMATH)
def chol_append(L, nf, keep, h, hpp, l):
    """Append a variable to the factor of ``L[:nf, :nf]`` (``h``: its column of H).

    Returns True if it was kept (independent of the previous kept ones)."""
    s2 = 0.0
    for c in range(nf):
        if not keep[c]:
            l[c] = 0.0
            continue
        acc = h[c]
        for q in range(c):
            acc -= L[c, q] * l[q]
        lc = acc / L[c, c]
        l[c] = lc
        s2 += lc * lc
    dd = hpp - s2
    if dd > 1e-10 * hpp:
        for c in range(nf):
            L[nf, c] = l[c]
        L[nf, nf] = np.sqrt(dd)
        keep[nf] = True
    else:
        for c in range(nf):
            L[nf, c] = 0.0
        L[nf, nf] = 1.0
        keep[nf] = False
    return keep[nf]


@njit(cache=True, fastmath=FASTMATH)
def chol_delete(L, nf, keep, j, x):
    """Remove variable ``j`` from the factor of ``L[:nf, :nf]`` (rank-1 update)."""
    m = nf - 1 - j
    for k in range(m):
        x[k] = L[j + 1 + k, j] if keep[j] else 0.0
    # shift rows and columns up/left
    for r in range(j, nf - 1):
        for c in range(j):
            L[r, c] = L[r + 1, c]
        for c in range(j, r + 1):
            L[r, c] = L[r + 1, c + 1]
        keep[r] = keep[r + 1]
    # L33 L33^T + x x^T
    for k in range(m):
        kk = j + k
        if not keep[kk]:
            continue
        xk = x[k]
        if xk == 0.0:
            continue
        lkk = L[kk, kk]
        r = np.sqrt(lkk * lkk + xk * xk)
        cc = r / lkk
        ss = xk / lkk
        L[kk, kk] = r
        for i2 in range(k + 1, m):
            ii = j + i2
            if keep[ii]:
                lv = (L[ii, kk] + ss * x[i2]) / cc
                L[ii, kk] = lv
                x[i2] = cc * x[i2] - ss * lv
