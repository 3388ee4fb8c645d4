"""Exact solver for the hinge loss with an unpenalised intercept.

Primal (``S = sum(s)``)::

    P(w, b) = sum_i s_i max(0, 1 - y_i (w.x_i + b)) / S + lam ||w||^2

Dual (after dividing by ``2 lam``), ``C_i = s_i / (2 lam S)``::

    max_a  sum_i a_i - 0.5 ||sum_i a_i y_i x_i||^2,   0 <= a_i <= C_i,
           sum_i a_i y_i = 0            (only with an intercept)

    w = sum_i a_i y_i x_i,   D(a) = 2 lam (sum_i a_i - 0.5 ||w||^2) <= P(w, b).

Modules (each one role): :mod:`._certificate` (bounds of the objectives,
relative gap; with :mod:`._rounding`, the summation bounds, and :mod:`._feasible`,
the feasible dual point), :mod:`._intercept` (the best intercept), :mod:`._gram` (Gram cache),
:mod:`._cholesky` (factor up/downdates), :mod:`._qp` (SMO and
active-set subproblems), :mod:`._select` (``I_up``/``I_low``, working
set), :mod:`._predict` (path predictor), :mod:`._passes` (passes
over ``X``), :mod:`._solve` (the outer loop and the path), :mod:`._api` (the
Python entry points of the active-set and interior-point methods); the coordinate
descent in :mod:`._dcd` (entry points, starts), :mod:`._dcd_workspace` (outer
iterations, certificate), :mod:`._dcd_kernels` (its passes) and :mod:`._free_set`
(the second-order step on small free sets).

Methods: ``solve``/``path`` (the active-set method below), ``ipm_solve``/``ipm_path``
(:mod:`._ipm`, for few features; its finish and certificate in :mod:`._ipm_finish`) and
``dcd_solve``/``dcd_path`` (dual coordinate
descent at O(nnz) per pass, :mod:`._dcd`, its kernels in :mod:`._dcd_kernels`).

Active-set method: a decomposition method (Joachims 1999) with ``w`` kept explicitly.

* Outer iteration: one sweep over ``X`` gives the scores ``f_i = w.x_i``;
  the certificate is the relative duality gap ``(P - D) / P`` with ``P`` at
  the optimal intercept for the current ``w`` (the 1-D piecewise-linear
  problem in ``b``, solved exactly: an O(n) optimality check of the KKT
  intercept, else a weighted quickselect over the breakpoints; when the
  minimiser is an interval, its midpoint), both objectives bounded with
  allowances for rounding so that the gap is a true bound (see
  :mod:`._certificate`).  Converged when the gap is at most ``tol``.
* Working set ``B``: every free sample and every sample that violates its
  KKT condition at that intercept, or nearly does (a band of 0.01 in margin
  units); beyond ``q_max`` candidates, the most violating ones of both sides
  of the equality constraint.
* Subproblem: the dual restricted to ``B`` (others fixed) is solved exactly,
  on the ``|B| x |B|`` Gram matrix: SMO with second-order working-set
  selection (Fan, Chen & Lin 2005) while the free set moves a lot (cheap
  steps, what a cold start needs), then a primal active-set method (Newton
  steps on the free set, one Cholesky factorisation, O(|F|^2) up/downdates
  when a sample joins or leaves the free set) that lands on the exact
  minimiser (what a warm start needs).  Numerically dependent free samples
  are dropped from the factor (pivot below 1e-10 of its diagonal), so a
  degenerate Gram matrix never breaks a step.
* Gram entries: a bounded cache (``cap`` rows, least recently used evicted;
  never the ``n x n`` matrix) of float64 copies of the rows and of the inner
  products that were ever needed; missing ones are computed by BLAS on rows
  gathered to float64, one code path for dense and CSR input of either
  dtype.  ``w`` is updated with the changed ``a_i`` only.

Path (largest ``lam`` first): the first ``lam`` starts from the large-``lam``
closed form (every ``a_i = C_i``, ``w`` parallel to the weighted
class-centroid difference ``j - i``), confirmed by the certificate in one
sweep while it holds.  The optimal ``a`` is piecewise affine in ``C``
(Hastie et al. 2004), so every later ``lam`` starts from the linear
extrapolation in ``C`` of the two previous solutions, clipped to the box and
made feasible; ``w`` is rebuilt from it as ``c U + sum_free a_i y_i x_i``
with ``U = sum_{a_i = C_i} s_i y_i x_i`` kept up to date.  ``c`` grows without
bound as ``lam`` goes to 0 and multiplies the rounding residue that samples
leaving ``U`` leave behind, so that residue is tracked: ``U`` is set to exactly
0 when it holds no sample and summed afresh when its error could show in the
certificate (the same holds for ``w`` within a solve: its drift is bounded
and ``w`` is recomputed from ``alpha`` when the bound could matter).  After
each subproblem the next ``lam``'s start is predicted from the tentative
solution and its scores are computed in the same sweep over ``X`` (two dot
products per row, memory bound), so a ``lam`` that is certified right after
its subproblem hands the next one its scores for free; when ``w`` only
scales (closed form) or does not change (hard margin), the scores are
rescaled or reused, their error bound carried along.  The loop over ``lam``
is Python around two kernels per ``lam`` (:func:`._path.start_lam` and
:func:`._solve.solve`): a compiled loop would link all of ``solve`` into its own
module and compile it a second time.

Input types: the kernels read inputs of up to
:data:`.._canonical.FLOAT64_ROWS` rows as float64 (the Gram cache holds float64
rows anyway), so that float32 input shares their one compiled specialisation.
"""

from ._api import active_set_fits, ipm_path, ipm_solve, path, solve, solve_problem
from ._dcd import dcd_path, dcd_solve
from ._ipm import interior_point_fits

__all__ = [
    "active_set_fits",
    "dcd_path",
    "dcd_solve",
    "interior_point_fits",
    "ipm_path",
    "ipm_solve",
    "path",
    "solve",
    "solve_problem",
]
