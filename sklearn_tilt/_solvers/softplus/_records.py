"""The records the softplus kernels exchange, and the kernels' status codes.

The Newton iterations (Python, :mod:`._newton`) pass them whole; the compiled kernels
(:mod:`._passes`) take their fields as flat arguments. Arrays inside a record are
written in place; scalars come back in a new record.
"""

from typing import NamedTuple

import numpy as np

# why a Newton solve returned (``Outcome.status``)
CONVERGED = 0
MAX_ITER = 1
NEED_FACTOR = 2  # the conjugate gradients slowed down: refresh the Cholesky factor
STALLED = 3
NONFINITE = 4


class Design(NamedTuple):
    """The design matrix as the kernels read it (the five arrays of :mod:`.._common`)."""

    is_sparse: bool
    dense: np.ndarray  # (n, d) C-contiguous, or (0, d) for CSR input
    data: np.ndarray  # CSR values (empty for dense input)
    indices: np.ndarray  # CSR column indices, unsigned
    indptr: np.ndarray


class Samples(NamedTuple):
    """Labels and normalised weights (``sum c = 1``)."""

    y: np.ndarray  # float64, +-1
    c: np.ndarray  # float64, >= 0
    fit_intercept: bool


class Buffers(NamedTuple):
    """The arrays a Newton solve updates in place: the point and its last gradient pass.

    ``a = c y sigmoid(-y z)`` (minus the loss's slope, signed), ``v = sum a x`` (the data
    part of the gradient in ``w``, negated), ``cD`` the Hessian weights ``c f''(y z)``;
    ``acc[:, 1:3]`` the diagonal sums ``(sum cD x_k, sum cD x_k^2)`` (``acc[:, 0]``:
    ``v`` as the fused pass forms it).
    """

    w: np.ndarray  # (d,)
    z: np.ndarray  # (n,) scores X w + b
    v: np.ndarray  # (d,)
    a: np.ndarray  # (n,)
    cD: np.ndarray  # (n,)
    acc: np.ndarray  # (d, 3)


class Sums(NamedTuple):
    """The scalar output of a gradient pass (it does not depend on ``lam``)."""

    loss: float  # sum c f(y z)
    pos: float  # sum_{y=+1} c u
    neg: float  # sum_{y=-1} c u
    curv: float  # sum cD


class Bound(NamedTuple):
    """A certificate: the primal value, the duality gap and the feasible dual point's
    per-class factors ``1 - eps`` (see :mod:`._certificate`)."""

    primal: float
    gap: float
    scale_neg: float
    scale_pos: float


class Settings(NamedTuple):
    """What one Newton solve is asked to do."""

    lam: float
    tol: float
    max_iter: int
    precond: int  # a mode of :mod:`._precond`
    factor: np.ndarray  # upper Cholesky factor (Fortran order) for ``PREC_CHOLESKY``
    refresh_after: int  # PCG iterations per step beyond which a new factor is wanted


class Start(NamedTuple):
    """The scalars a Newton solve starts from (the arrays are in :class:`Buffers`)."""

    intercept: float
    sums: Sums  # valid for the buffers' point where ``grad_ok``
    grad_ok: bool  # the buffers hold the gradient pass of their point: skip the first
    diag_ok: bool  # ... and its diagonal sums
    iterations: int  # Newton steps already done (``max_iter`` counts them)


class Outcome(NamedTuple):
    """What a Newton solve returns besides the arrays it updated."""

    status: int
    intercept: float
    sums: Sums
    diag_ok: bool  # ``acc[:, 2:4]`` holds the diagonal sums of the returned point
    bound: Bound  # the last certificate (from scratch at every exit)
    iterations: int  # Newton steps, ``Start.iterations`` included
    pcg_iterations: int  # in this call
    passes: int  # other passes over X in this call (gradients, diagonals)


class Preconditioner(NamedTuple):
    """``M`` of the conjugate gradients (see :mod:`._precond`)."""

    mode: int
    factor: np.ndarray  # upper Cholesky factor, Fortran order (PREC_CHOLESKY)
    diag: np.ndarray  # (d + 1,) diagonal (PREC_SCALAR, PREC_JACOBI)
    mu: np.ndarray  # (d,) curvature-weighted mean row (PREC_JACOBI with an intercept)


class Krylov(NamedTuple):
    """Scratch vectors of the conjugate gradients, and the step they build."""

    p: np.ndarray  # (d + 1,) the step (w part, then b)
    r: np.ndarray  # (d + 1,) residual
    s: np.ndarray  # (d + 1,) preconditioned residual
    q: np.ndarray  # (d + 1,) search direction
    Hq: np.ndarray  # (d + 1,)
    dz: np.ndarray  # (n,) X p, accumulated from the products
    dots: np.ndarray  # (n,) X q of the last product
    tmp: np.ndarray  # (n,) cD X q of the last product


EMPTY_FACTOR = np.empty((0, 0), order="F")
