"""numba's cache and the kernels' input types: canonical arrays, the cold-cache
notice, the cross-process compile lock, the fallback cache folder and
``sklearn-tilt compile``.

The subprocess tests run with an empty temporary ``NUMBA_CACHE_DIR`` and compile the
package's tiny ``_probe`` kernel so that they stay fast; the ones that compile a
whole solver are marked slow.
"""

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification

from sklearn_tilt import ScaledLossLinearClassifier
from sklearn_tilt._solvers import _canonical, _jit, _jit_cache, kernel_arrays, solve_binary

ROOT = Path(__file__).resolve().parents[2]


def _python(code, cache_dir, *args, timeout=600, jit="always", **popen):
    # "always": these tests are about compiling (small problems would otherwise run
    # their kernels as Python on a cold cache, see tests/solvers/test_interpret.py)
    env = dict(
        os.environ, PYTHONPATH=str(ROOT), NUMBA_CACHE_DIR=str(cache_dir), SKLEARN_TILT_JIT=jit
    )
    cmd = [sys.executable, "-c", textwrap.dedent(code), *map(str, args)]
    if popen:
        return subprocess.Popen(
            cmd, env=env, cwd=ROOT, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
    return subprocess.run(cmd, env=env, cwd=ROOT, text=True, capture_output=True, timeout=timeout)


def _notices(stderr):
    return [ln for ln in stderr.splitlines() if ln.startswith("sklearn_tilt: compiling")]


# ---------------------------------------------------------------------------
# canonical kernel arrays


def test_small_inputs_become_float64_large_keep_their_dtype():
    X = np.arange(12, dtype=np.float32).reshape(3, 4)
    is_sparse, Xd, data, indices, indptr = kernel_arrays(X)
    assert not is_sparse and Xd.dtype == np.float64 and Xd.flags.c_contiguous
    np.testing.assert_array_equal(Xd, X)
    assert data.dtype == np.float64 and indices.dtype == np.int32 and indptr.dtype == np.int32
    big = np.ones((_canonical.SMALL_INPUT // 16 + 1, 16), dtype=np.float32)
    assert kernel_arrays(big)[1].dtype == np.float32
    assert kernel_arrays(np.asfortranarray(big))[1].flags.c_contiguous


def test_csr_indices_int32_when_they_fit():
    X = sp.random(30, 10, density=0.3, format="csr", random_state=0, dtype=np.float32)
    X.indices = X.indices.astype(np.int64)
    X.indptr = X.indptr.astype(np.int64)
    is_sparse, Xd, data, indices, indptr = kernel_arrays(X)
    assert is_sparse and Xd.shape == (0, 10) and Xd.dtype == data.dtype == np.float64
    assert indices.dtype == indptr.dtype == np.int32
    np.testing.assert_array_equal(
        sp.csr_matrix((data, indices, indptr), shape=X.shape).toarray(), X.toarray()
    )
    # an index that needs 64 bits keeps them
    ind, ptr = _canonical.csr_index(np.zeros(1, np.int64), np.array([0, 1], np.int64), 2**31)
    assert ind.dtype == ptr.dtype == np.int64


def test_read_only_input_is_aliased_not_copied(tmp_path):
    X = np.random.RandomState(0).rand(_canonical.SMALL_INPUT // 8 + 1, 8)
    path = tmp_path / "X.npy"
    np.save(path, X)
    Xm = np.load(path, mmap_mode="r")
    assert not Xm.flags.writeable
    Xd = kernel_arrays(Xm)[1]
    assert Xd.flags.writeable and np.shares_memory(Xd, Xm)
    np.testing.assert_array_equal(Xd, X)
    Xs = sp.csr_matrix(X)
    for a in (Xs.data, Xs.indices, Xs.indptr):
        a.flags.writeable = False
    _, _, data, indices, indptr = kernel_arrays(Xs)
    assert data.flags.writeable and indices.flags.writeable and indptr.flags.writeable
    assert np.shares_memory(data, Xs.data)


def _signature_counts():
    return {
        f"{d.py_func.__module__}.{d.py_func.__qualname__}": len(d.signatures)
        for d in _jit.kernels()
    }


@pytest.mark.parametrize("loss", ["hinge", "softplus"])
def test_input_variants_share_the_float64_kernels(loss, tmp_path):
    """float32, CSR (int32 or int64 indices), Fortran-ordered and read-only inputs
    compile no new specialisation of the kernels that the dense float64 fit used
    (hinge: both kernel methods; the interior point runs no kernel)."""
    X, y = make_classification(120, 10, random_state=0)
    yy = np.where(y == 1, 1.0, -1.0)

    def fit(Xv):
        if loss == "softplus":
            ScaledLossLinearClassifier(loss=loss).fit(Xv, y)
        else:
            for method in ("active_set", "dcd"):
                solve_binary(
                    Xv, yy, np.ones(len(y)), 0.1, loss, tol=1e-6, max_iter=1000, method=method
                )

    fit(X)
    before = _signature_counts()
    assert sum(before.values()) > 0
    np.save(tmp_path / "X.npy", X)
    X64 = sp.csr_matrix(X)
    X64.indices, X64.indptr = X64.indices.astype(np.int64), X64.indptr.astype(np.int64)
    for Xv in (
        X.astype(np.float32),
        sp.csr_matrix(X),
        sp.csr_matrix(X.astype(np.float32)),
        np.asfortranarray(X),
        np.load(tmp_path / "X.npy", mmap_mode="r"),
    ):
        fit(Xv)
    # int64 CSR indices, through the solver (the estimator's validation may refuse them)
    solve_binary(X64, yy, np.ones(len(y)), 0.1, loss, tol=1e-6, max_iter=1000)
    after = _signature_counts()
    # kernels that only sparse input needs compile when it first arrives: fine
    grown = {k: (before[k], v) for k, v in after.items() if before.get(k, 0) and v > before[k]}
    assert not grown, f"new kernel specialisations: {grown}"


LITERAL_CHILD = """
import sys
if sys.argv[1] == "guard":
    from sklearn_tilt._solvers._probe import probe, probe_calls
else:  # the same kernels under plain numba
    from numba import njit
    probe = njit(lambda x: x + 1)
    probe_calls = njit(lambda x: probe(x) + probe(1))
assert probe_calls(3) == 6
print("SIGNATURES", [str(s) for s in probe.signatures])
"""


@pytest.mark.parametrize("guard", [True, False])
def test_constant_arguments_compile_no_literal_copy(tmp_path, guard):
    """A kernel called with a constant and with a variable compiles once, for int64
    (numba alone compiles a ``Literal[int](1)`` copy too: the control case)."""
    proc = _python(LITERAL_CHILD, tmp_path, "guard" if guard else "none")
    assert proc.returncode == 0, proc.stderr
    sigs = proc.stdout.split("SIGNATURES")[-1].strip()
    if guard:
        assert sigs == "['(int64,)']", sigs
    else:
        assert "Literal" in sigs, sigs


# ---------------------------------------------------------------------------
# the notice

NOTICE_CHILD = """
from sklearn_tilt._solvers import _probe
for _ in range(2):  # two specialisations compiled (or loaded), twice
    assert _probe.probe(1.5) == 2.5 and _probe.probe(2) == 3
"""


def test_notice_once_per_process_and_only_on_a_cold_cache(tmp_path):
    first = _python(NOTICE_CHILD, tmp_path)
    assert first.returncode == 0, first.stderr
    notices = _notices(first.stderr)
    assert len(notices) == 1, first.stderr  # two kernels compiled, one line
    assert str(tmp_path) in notices[0] and "sklearn-tilt compile" in notices[0]
    assert list(tmp_path.rglob("*.nbi")), "numba wrote no cache index"
    second = _python(NOTICE_CHILD, tmp_path)
    assert second.returncode == 0, second.stderr
    assert _notices(second.stderr) == [], second.stderr


def test_notice_goes_through_logging(caplog):
    """The line is a ``logging`` record of the ``sklearn_tilt`` logger (silenced
    like any other logger)."""
    from numba import njit

    from sklearn_tilt._solvers import _probe

    notice = _jit_cache._CompileNotice()
    listener = _jit_cache._listener(notice)

    class Event:
        def __init__(self, disp, is_start):
            self.data = {"dispatcher": disp}
            self.is_start = is_start

    foreign = njit(lambda x: x)  # another package's function: no notice
    with caplog.at_level("WARNING", logger="sklearn_tilt"):
        for disp in (foreign, _probe.probe, _probe.probe):
            listener.notify(Event(disp, True))
            listener.notify(Event(disp, False))
    assert notice.compiled == 2
    records = [r for r in caplog.records if r.name == "sklearn_tilt"]
    assert len(records) == 1 and records[0].levelname == "WARNING"
    assert records[0].getMessage().startswith("sklearn_tilt: compiling the numba kernels")


# ---------------------------------------------------------------------------
# one compile per machine

LOCK_CHILD = """
import os, sys, time
import numpy as np
from numba.core import event
from sklearn_tilt._solvers import _jit_cache, _probe
_jit_cache.guard_kernels()
compiled = []
class L(event.Listener):
    def on_start(self, e):
        if _jit_cache._ours(e.data["dispatcher"]):
            compiled.append(e.data["dispatcher"].py_func.__name__)
    def on_end(self, e):
        pass
event.register("numba:compile", L())
go = sys.argv[1]
while not os.path.exists(go):  # start together
    time.sleep(0.01)
assert _probe.probe(1.5) == 2.5
print("COMPILED", len(compiled))
"""


def test_workers_starting_together_compile_once(tmp_path):
    cache, go = tmp_path / "cache", tmp_path / "go"
    procs = [_python(LOCK_CHILD, cache, go, popen=True) for _ in range(2)]
    import time

    time.sleep(3)  # both import numba and the package, then wait for "go"
    go.touch()
    outs = [p.communicate(timeout=600) for p in procs]
    counts = []
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        counts.append(int(out.split("COMPILED")[-1]))
    assert sorted(counts) == [0, 1], (counts, [e for _, e in outs])
    assert list(cache.rglob("*.lock")), "no lock file next to the cache"


def test_guard_wraps_every_kernel_once():
    _jit_cache.guard_kernels()
    from sklearn_tilt._solvers import _probe

    wrapped = _probe.probe.compile
    assert getattr(wrapped, "_sklearn_tilt_guarded", False)
    _jit_cache._guard(_probe.probe)
    assert _probe.probe.compile is wrapped


# ---------------------------------------------------------------------------
# a cache folder that exists


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX only")
def test_fallback_locator_is_private_and_only_for_this_package(tmp_path, monkeypatch):
    import tempfile

    from sklearn_tilt._solvers import _probe

    _jit.materialize()  # installs the locator
    locator = _jit_cache.locator_class()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    loc = locator.from_function(_probe.probe.py_func, _probe.__file__)
    root = Path(_jit_cache._fallback_root())
    assert loc is not None and Path(loc.get_cache_path()).parent == root
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    # another package's file: not ours to place
    assert locator.from_function(np.add, np.__file__) is None
    # a folder others can write into is refused (it could hold planted code)
    root.chmod(0o777)
    assert locator.from_function(_probe.probe.py_func, _probe.__file__) is None
    assert locator in _jit_cache._caching_classes()[1]._locator_classes


# ---------------------------------------------------------------------------
# sklearn-tilt compile


def test_compile_command_parses():
    from sklearn_tilt.experiments._cli import build_parser

    args = build_parser().parse_args(["compile", "--loss", "hinge", "--dtype", "float64"])
    assert (args.command, args.loss, args.dtype) == ("compile", "hinge", "float64")


FIT_CHILD = """
from numba.core import event
from sklearn.datasets import make_classification
from sklearn_tilt import ScaledLossLinearClassifier, scaled_loss_path
from sklearn_tilt._solvers import _jit_cache
n = []
class L(event.Listener):
    def on_start(self, e):
        n.append(_jit_cache._ours(e.data["dispatcher"]))
    def on_end(self, e):
        pass
event.register("numba:compile", L())
X, y = make_classification(200, 20, random_state=0)
for loss in ("hinge", "softplus"):
    ScaledLossLinearClassifier(loss=loss).fit(X, y)
    scaled_loss_path(X, y, loss=loss, lams=[10.0, 0.1])
print("COMPILED", sum(n))
import importlib, pkgutil
from numba.core import types
from numba.core.registry import CPUDispatcher
import sklearn_tilt._solvers as pkg
literal = []
for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
    for name, obj in vars(importlib.import_module(info.name)).items():
        if isinstance(obj, CPUDispatcher):
            literal += [name for sig in obj.signatures
                        if any(isinstance(a, types.Literal) for a in sig)]
print("LITERAL", len(literal))
"""


@pytest.mark.slow
def test_compile_command_fills_the_cache(tmp_path):
    env = dict(
        os.environ, PYTHONPATH=str(ROOT), NUMBA_CACHE_DIR=str(tmp_path), SKLEARN_TILT_JIT="auto"
    )  # the command compiles whatever the mode
    proc = subprocess.run(
        [sys.executable, "-m", "sklearn_tilt", "compile", "--dtype", "float64"],
        env=env,
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=1800,
    )
    assert proc.returncode == 0, proc.stderr
    assert "compiled" in proc.stdout and str(tmp_path) in proc.stdout
    assert _notices(proc.stderr) == []  # the command reports itself
    after = _python(FIT_CHILD, tmp_path)
    assert after.returncode == 0, after.stderr
    assert after.stdout.split("COMPILED")[-1].split()[0] == "0", after.stdout
    assert _notices(after.stderr) == []


@pytest.mark.slow
def test_real_first_fits_give_one_notice(tmp_path):
    first = _python(FIT_CHILD, tmp_path)
    assert first.returncode == 0, first.stderr
    assert int(first.stdout.split("COMPILED")[-1].split()[0]) > 0
    assert first.stdout.split("LITERAL")[-1].strip() == "0", first.stdout  # none compiled
    assert len(_notices(first.stderr)) == 1, first.stderr
    second = _python(FIT_CHILD, tmp_path)
    assert second.stdout.split("COMPILED")[-1].split()[0] == "0"
    assert _notices(second.stderr) == []


def test_warm_up_names_bad_arguments():
    from sklearn_tilt import warm_up

    with pytest.raises(ValueError, match="losses must be"):
        warm_up(losses=("squared",))
    with pytest.raises(ValueError, match="dtypes must be"):
        warm_up(dtypes=())


def test_warm_up_is_quiet_and_counts(capsys, caplog):
    """On kernels already compiled in this process: every step loads, nothing is
    compiled, no notice; ``verbose`` prints a line per step and the cache folder."""
    from sklearn_tilt import warm_up
    from sklearn_tilt._solvers import cache_folder

    warm_up(losses=("softplus",), dtypes=("float64",))
    with caplog.at_level("WARNING", logger="sklearn_tilt"):
        steps = warm_up(losses=("softplus",), dtypes=("float64",), verbose=True)
    assert [s["compiled"] for s in steps] == [0] * len(steps) == [0] * 5
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 6 and "loaded from the cache" in out[0]
    assert out[-1].endswith(str(cache_folder() or "nowhere (numba's cache is off)"))
    assert not [r for r in caplog.records if r.name == "sklearn_tilt"]
