"""Exact solver for the softplus (logistic) problem with an unpenalised intercept.

Problem
-------
``P(w, b) = sum_i c_i log(1 + exp(-y_i (w.x_i + b))) + lam ||w||^2`` with
``c_i = s_i / sum(s)``; ``b = 0`` when ``fit_intercept=False``.

Method
------
Damped Newton on ``theta = (w, b)`` whose steps are solved by preconditioned
conjugate gradients with O(nnz) Hessian-vector products, stopped by a certified
duality gap. Every gradient pass first polishes the intercept by a safeguarded 1-D
Newton iteration (O(n)) and evaluates loss, slope and curvature from one exponential
per sample. The cold start ``w = 0`` needs no pass at all: all scores equal ``b``, so
its gradient is formed from class sums that the setup scan of CSR input collects.

Path: ``lam`` decreasing; each solve starts from a quadratic extrapolation in
``log(lam)`` of the last three solutions ``(w, b)`` (linear from the first two) and of
their scores, kept only when it lowers the objective; otherwise from the previous
solution, whose gradient pass (which does not depend on ``lam``) is reused. Along the
81-value MNIST path this takes about one Newton step per ``lam`` and a few
factorisations in all.

Modules
-------
* :mod:`._problem`: the input validated and stored once per fit (dropped columns,
  lossless narrow storage), the checks of ``lam``, ``tol`` and ``max_iter``;
* :mod:`._records`: the NamedTuples the kernels exchange, the status codes;
* :mod:`._passes`: the compiled code: short kernels for the passes over ``X`` (one
  set per layout, dense or CSR) and over the samples (loss parts, intercept polish,
  line values);
* :mod:`._precond`: the three preconditioners and the choice between them;
* :mod:`._certificate`: the duality gap and the dual point;
* :mod:`._newton`: the Newton-PCG iterations (Python over NumPy vectors; a first fit
  compiles only the passes);
* :mod:`._state`: the current point, reused along a path;
* :mod:`._path`: the drivers :func:`solve` and :func:`path`.
"""

from ._path import path, solve

__all__ = ["path", "solve"]
