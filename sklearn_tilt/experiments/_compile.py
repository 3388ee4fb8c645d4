"""Fill numba's cache ahead of time (``sklearn-tilt compile``)."""

import sys
import time

import numpy as np
import scipy.sparse as sp
from numba.core import event as _event

LOSSES = ("hinge", "softplus")
DTYPES = ("float64", "float32")


def _data(kind, dtype, rng):
    """Small data (the canonical float64 kernels) or data just above
    ``SMALL_INPUT`` (the kernels of its own dtype; ``pixels``: integer values in
    [0, 255], which the softplus solver reads as uint8)."""
    from .._solvers._canonical import SMALL_INPUT

    n, d = (60, 8) if kind.startswith("small") else (SMALL_INPUT // 64 + 40, 64)
    y = np.repeat([0, 1], n // 2)
    X = rng.rand(n, d) + 0.7 * y[:, None] * (rng.rand(d) > 0.5)
    if kind == "pixels":
        X = np.round(X * 127)
    X = X.astype(dtype)
    if kind.endswith("csr"):
        X[X < 0.3 * X.max()] = 0
        X = sp.csr_matrix(X)
    return X, y


def compile_kernels(dtypes=DTYPES, losses=LOSSES, verbose=True, file=None):
    """Compile the solver kernels for the common input types, or load them from the cache.

    Runs one small fit and one short ``lam`` path per loss for each kind of input
    the kernels distinguish: dense and CSR data, float64 (which small inputs of any
    dtype use) and, for larger inputs, float32 and integer-valued pixels. numba
    saves what it compiles in its cache (``NUMBA_CACHE_DIR``, else next to the
    package or in the user's cache folder), so later processes start at once.

    Parameters
    ----------
    dtypes : tuple of {"float64", "float32"}
        Which large-input dtypes to prepare besides float64.
    losses : tuple of {"hinge", "softplus"}
    verbose : bool
        Print one line per step (what was compiled, how long it took).
    file : file-like, default=None
        Where to print (default: ``sys.stdout``).

    Returns
    -------
    steps : list of dict
        One entry per step: ``loss``, ``what``, ``input``, ``compiled`` (kernel
        specialisations compiled; 0 when everything came from the cache) and
        ``seconds``.
    """
    from .._solvers import _interpret, _jit_cache
    from ..linear_model import ScaledLossLinearClassifier, scaled_loss_path

    out = sys.stdout if file is None else file
    inputs = [("small", "float64"), ("small-csr", "float64")]
    if "float32" in dtypes:
        inputs += [("large", "float32"), ("large-csr", "float32")]
    inputs += [("pixels", "float64")]
    rng = np.random.RandomState(0)
    data = {key: _data(*key, rng) for key in inputs}
    counter = _Counter()
    _jit_cache.notice.shown = True  # this command says what it compiles itself
    _event.register("numba:compile", counter)
    steps = []
    t_all = time.perf_counter()
    try:
        # the small inputs too: compiled, never run as Python (_solvers._interpret)
        with _interpret.jit_mode("always"):
            for loss in losses:
                for key in inputs:
                    if key[0] == "pixels" and loss != "softplus":
                        continue  # the hinge solver reads pixels as float64: done above
                    X, y = data[key]
                    for what in ("fit", "path"):
                        counter.n = 0
                        t = time.perf_counter()
                        if what == "fit":
                            ScaledLossLinearClassifier(loss=loss, lam=1.0).fit(X, y)
                        else:
                            scaled_loss_path(X, y, loss=loss, lams=[1e2, 1.0])
                        step = {"loss": loss, "what": what,
                                "input": f"{key[0]} {X.dtype} {X.shape[0]}x{X.shape[1]}",
                                "compiled": counter.n, "seconds": time.perf_counter() - t}
                        steps.append(step)
                        if verbose:
                            k = step["compiled"]
                            done = (f"compiled {k} kernel specialisation{'s' * (k != 1)}"
                                    if k else "loaded from the cache")
                            print(f"{loss:8s} {what:4s} {step['input']:28s} {done} in "
                                  f"{step['seconds']:.1f} s", file=out, flush=True)
    finally:
        _event.unregister("numba:compile", counter)
    if verbose:
        from .._solvers import _probe

        where = _jit_cache.cache_dir(_probe.probe) or "nowhere (numba's cache is off)"
        total = sum(s["compiled"] for s in steps)
        print(f"done in {time.perf_counter() - t_all:.1f} s: {total} kernel specialisations "
              f"compiled; cache: {where}", file=out, flush=True)
    return steps


class _Counter(_event.Listener):
    """numba ``numba:compile`` listener counting this package's compiles."""

    def __init__(self):
        self.n = 0

    def on_start(self, event):
        from .._solvers._jit_cache import _ours

        if _ours(event.data.get("dispatcher")):
            self.n += 1

    def on_end(self, event):
        pass
