"""Compile the solver kernels ahead of time: :func:`warm_up` (``sklearn-tilt compile``)."""

import sys
import time

import numpy as np
import scipy.sparse as sp

from ._solvers._losses import LOSSES

DTYPES = ("float64", "float32")


def _data(kind, dtype, rng):
    """Small data (the canonical float64 kernels), data just above the small-input
    size (the kernels of its own dtype; ``pixels``: integer values in [0, 255], which
    the softplus solver stores as uint8) or ``tall`` data, with enough samples for
    the hinge solver's coordinate-descent method."""
    from ._solvers import SMALL_INPUT, hinge_method

    n, d = (60, 8) if kind.startswith("small") else (SMALL_INPUT // 64 + 40, 64)
    if kind == "tall":
        d = 4
        n = max(SMALL_INPUT // d + 2, 10_002) if dtype == "float32" else 10_002
        while hinge_method(np.empty((n, d))) != "dcd" and n < 10**7:
            n *= 2
    y = np.repeat([0, 1], n // 2)
    X = rng.rand(n, d) + 0.7 * y[:, None] * (rng.rand(d) > 0.5)
    if kind == "pixels":
        X = np.round(X * 127)
    X = X.astype(dtype)
    if kind.endswith("csr"):
        X[X < 0.3 * X.max()] = 0
        X = sp.csr_matrix(X)
    return X, y


def warm_up(losses=LOSSES, dtypes=DTYPES, *, verbose=False, file=None):
    """Compile the solver kernels for the common input types, or load them from the cache.

    The solvers are numba kernels: the first fit in a fresh environment compiles the
    kernels it needs (seconds), and numba keeps them in its on-disk cache
    (``NUMBA_CACHE_DIR`` if set, else next to the package or in the user's cache
    folder), from which later processes load them in milliseconds. ``warm_up`` does
    that compiling ahead of time, for instance while building a Docker image or at
    the start of a CI job, so that no later fit waits. ``sklearn-tilt compile`` calls
    it.

    It runs one small fit and one short ``lam`` path per loss for each kind of input
    the kernels distinguish: dense and CSR data, float64 (which small inputs of any
    dtype use) and, for larger inputs, float32 and integer-valued pixels; and for the
    hinge loss, enough samples for its coordinate-descent method. The softplus solver's
    kernels are called directly for each type it stores ``X`` in (a ``"kernels"``
    step), then one small fit and path check the rest. On a warm cache it takes a few
    seconds.

    Parameters
    ----------
    losses : tuple of {"hinge", "softplus"}, default=("hinge", "softplus")
        The losses whose kernels to prepare.
    dtypes : tuple of {"float64", "float32"}, default=("float64", "float32")
        The dtypes of large inputs to prepare; ``("float64",)`` prepares the kernels
        that float64 data and every small input use.
    verbose : bool, default=False
        Print one line per step (what was compiled, how long it took) and a summary.
    file : file-like, default=None
        Where to print (default: ``sys.stdout``).

    Returns
    -------
    steps : list of dict
        One entry per step: ``loss``, ``what`` ("fit", "path" or "kernels"), ``input``,
        ``compiled`` (kernel specialisations compiled; 0 when everything came from
        the cache, None where numba does not report compiles) and ``seconds``.

    Examples
    --------
    >>> from sklearn_tilt import warm_up
    >>> steps = warm_up(losses=("softplus",), dtypes=("float64",))
    >>> [(s["what"], s["input"]) for s in steps][1:3]
    [('fit', 'small float64 60x8'), ('path', 'small float64 60x8')]
    """
    from ._solvers import cache_folder, compile_count, jit_mode, quiet_notice
    from .linear_model import ScaledLossLinearClassifier, scaled_loss_path

    losses, dtypes = tuple(losses), tuple(dtypes)
    for name, given, allowed in (("losses", losses, LOSSES), ("dtypes", dtypes, DTYPES)):
        bad = [v for v in given if v not in allowed]
        if bad or not given:
            raise ValueError(f"{name} must be a non-empty tuple of {allowed}, got {given!r}")
    out = sys.stdout if file is None else file
    inputs = [("small", "float64"), ("small-csr", "float64"), ("tall", "float64")]
    if "float32" in dtypes:
        inputs += [("large", "float32"), ("large-csr", "float32"), ("tall", "float32")]
    inputs += [("pixels", "float64")]
    rng = np.random.RandomState(0)
    data = {key: _data(*key, rng) for key in inputs}
    steps = []
    t_all = time.perf_counter()
    # compiled, never run as Python (small problems would be: see _solvers/_interpret.py);
    # no "compiling" notice: the steps say what was compiled
    with jit_mode("always"), quiet_notice():
        for loss in losses:
            if loss == "softplus":
                steps.append(_softplus_kernels(dtypes))
                if verbose:
                    print(_describe(steps[-1]), file=out, flush=True)
            for key in inputs:
                if key[0] == "pixels" and loss != "softplus":
                    continue  # the hinge solver reads pixels as float64: done above
                if key[0] == "tall" and loss != "hinge":
                    continue  # one softplus method at every size: done above
                if loss == "softplus" and not key[0].startswith("small"):
                    continue  # its kernels for every stored type: done above
                X, y = data[key]
                for what in ("fit", "path"):
                    before, t = compile_count(), time.perf_counter()
                    if what == "fit":
                        ScaledLossLinearClassifier(loss=loss, lam=1.0).fit(X, y)
                    else:
                        scaled_loss_path(X, y, loss=loss, lams=[1e2, 1.0])
                    after = compile_count()
                    step = {
                        "loss": loss,
                        "what": what,
                        "input": f"{key[0]} {X.dtype} {X.shape[0]}x{X.shape[1]}",
                        "compiled": None if before is None or after is None else after - before,
                        "seconds": time.perf_counter() - t,
                    }
                    steps.append(step)
                    if verbose:
                        print(_describe(step), file=out, flush=True)
    if verbose:
        where = cache_folder() or "nowhere (numba's cache is off)"
        total = sum(s["compiled"] or 0 for s in steps)
        print(
            f"done in {time.perf_counter() - t_all:.1f} s: {total} kernel specialisations "
            f"compiled; cache: {where}",
            file=out,
            flush=True,
        )
    return steps


def _softplus_kernels(dtypes):
    """Every softplus kernel for the types the solver stores ``dtypes`` in: float64 data
    as float64 or, integer-valued in [0, 255] (pixels), as uint8; float32 as float32."""
    import numpy as np

    from ._solvers import compile_count
    from ._solvers.softplus._warm import compile_kernels

    values = [np.uint8, np.float64] + ([np.float32] if "float32" in dtypes else [])
    before, t = compile_count(), time.perf_counter()
    done = compile_kernels(values)
    after = compile_count()
    return {
        "loss": "softplus",
        "what": "kernels",
        "input": "dense+csr " + "/".join(sorted({dt for _layout, dt in done})),
        "compiled": None if before is None or after is None else after - before,
        "seconds": time.perf_counter() - t,
    }


def _describe(step):
    k = step["compiled"]
    if k is None:
        done = "compiled or loaded"
    elif k:
        done = f"compiled {k} kernel specialisation{'s' * (k != 1)}"
    else:
        done = "loaded from the cache"
    return (
        f"{step['loss']:8s} {step['what']:7s} {step['input']:28s} {done} in {step['seconds']:.1f} s"
    )
