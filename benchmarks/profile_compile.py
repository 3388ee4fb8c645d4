"""Where the cold-start time goes: numba compile time per kernel.

Runs, in this process, one first fit per requested configuration (default: dense
float64 hinge, then softplus) with an empty temporary ``NUMBA_CACHE_DIR`` (set
before numba is imported), and records every ``numba:compile`` event of the
package's dispatchers (``numba.core.event``): inclusive time (the kernel and every
callee it compiled on the way), exclusive time (its own typing, lowering and LLVM
optimisation), and the type signatures each dispatcher ended with
(``dispatcher.signatures``). Times are CPU seconds of this process (compiling
is single-threaded), so a loaded machine does not inflate them; numba's own LLVM
timer (``llvm_lock``, wall clock) is shown as a share of each top-level compile.

Configurations: ``<loss>-<layout>-<dtype>`` fits ``make_classification(200, 20)``;
``<loss>-digits-float64`` all of scikit-learn's digits (ten classes, one-vs-rest);
``hinge-mc20000-float64`` ``make_classification(20000, 100)``;
``<loss>-path3000-<dtype>`` a three-``lam`` path on ``make_classification(3000, 784)``
(the paper's path size: the active-set path kernels), ``<loss>-fit3000-<dtype>`` one fit
on the same data (the active-set single fit); ``compile`` runs
:func:`sklearn_tilt.warm_up` (what ``sklearn-tilt compile`` does, every loss and dtype),
``compile-<loss>`` the same for one loss. The fits compile
(``SKLEARN_TILT_JIT=always``: small problems would otherwise run their kernels as
Python on a cold cache), so the table is the compile cost itself.

Usage: ``python benchmarks/profile_compile.py [hinge-dense-float64 softplus-digits-float64 ...]
[--top N]``; prints a markdown table per configuration, then the totals.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if "--keep-cache" not in sys.argv:
    os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="tilt_profile_")
os.environ["SKLEARN_TILT_JIT"] = "always"

import numba.core.event as ev  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from numba.core.registry import CPUDispatcher  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402


class Recorder(ev.Listener):
    def __init__(self):
        self.stack = []
        self.records = []  # (qualname, args, inclusive, exclusive)

    def on_start(self, event):
        self.stack.append([event.data["dispatcher"], event.data["args"], time.process_time(), 0.0])

    def on_end(self, event):
        disp, args, t0, child = self.stack.pop()
        incl = time.process_time() - t0
        if self.stack:
            self.stack[-1][3] += incl
        mod = getattr(disp.py_func, "__module__", "")
        self.records.append(
            (
                f"{mod.rsplit('.', 1)[-1]}.{disp.py_func.__qualname__}",
                tuple(args),
                incl,
                incl - child,
            )
        )


def package_dispatchers():
    from sklearn_tilt._solvers import _jit

    _jit.materialize()  # the kernels are proxies until numba is loaded
    out = {}
    for name, mod in list(sys.modules.items()):
        if name.startswith("sklearn_tilt._solvers") and mod is not None:
            for _attr, obj in vars(mod).items():
                if isinstance(obj, CPUDispatcher):
                    out[f"{name.rsplit('.', 1)[-1]}.{obj.py_func.__qualname__}"] = obj
    return out


def main():
    argv = sys.argv[1:]
    top = 40
    if "--top" in argv:
        i = argv.index("--top")
        top = int(argv[i + 1])
        del argv[i : i + 2]
    args = [a for a in argv if not a.startswith("--")]
    configs = args or ["hinge-dense-float64", "softplus-dense-float64"]
    from sklearn_tilt import ScaledLossLinearClassifier

    X0, y0 = make_classification(200, 20, random_state=0)
    print(f"NUMBA_CACHE_DIR={os.environ.get('NUMBA_CACHE_DIR')}")
    totals = []
    for cfg in configs:
        if cfg.startswith("compile"):
            loss, layout, dtype = (cfg.split("-", 1) + ["all"])[1], "compile", "all"
        else:
            loss, layout, dtype = cfg.split("-")
        X, y = X0, y0
        if layout == "compile":
            pass
        elif layout == "digits":
            from sklearn.datasets import load_digits

            X, y = load_digits(return_X_y=True)
        elif layout == "mc20000":
            X, y = make_classification(20000, 100, random_state=0)
        elif layout in ("path3000", "fit3000"):
            X, y = make_classification(3000, 784, n_informative=50, random_state=0)
        if dtype != "all":
            X = X.astype(dtype)
        if layout == "csr":
            X = sp.csr_matrix(X)
        rec = Recorder()
        ev.register("numba:compile", rec)
        t, c = time.perf_counter(), time.process_time()
        if layout == "compile":
            from sklearn_tilt import warm_up

            warm_up(n_jobs=1, **({} if loss == "all" else {"losses": (loss,)}))
        elif layout == "path3000":
            from sklearn_tilt.linear_model import scaled_loss_path

            scaled_loss_path(X, y, loss=loss, lams=[1e2, 1.0, 1e-2])
        else:
            ScaledLossLinearClassifier(loss=loss).fit(X, y)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        ev.unregister("numba:compile", rec)
        recs = [r for r in rec.records if not r[0].startswith(("dispatcher.", "<"))]
        excl_total = sum(r[3] for r in rec.records)
        ours = [r for r in recs if r[0].split(".")[0].startswith("_")]
        totals.append((cfg, wall, cpu, len(rec.records), len(ours), len({r[0] for r in ours})))
        print(
            f"\n### {cfg}: first call {wall:.2f} s (CPU {cpu:.2f} s), {len(rec.records)} compiles, "
            f"exclusive compile time {excl_total:.2f} s\n"
        )
        disp = package_dispatchers()
        walls = {}
        for k, d in disp.items():
            for cres in d.overloads.values():
                t = cres.metadata.get("timers", {}) if cres.metadata else {}
                walls[k] = walls.get(k, 0.0) + t.get("compiler_lock", 0.0)
        llvm = {}
        for k, d in disp.items():
            for cres in d.overloads.values():
                t = cres.metadata.get("timers", {}) if cres.metadata else {}
                llvm[k] = llvm.get(k, 0.0) + t.get("llvm_lock", 0.0)
        print(
            "| kernel | signatures compiled | exclusive CPU s | inclusive CPU s "
            "| LLVM share of its compile |"
        )
        print("|---|---|---|---|---|")
        agg = {}
        for name, _a, incl, excl in recs:
            g = agg.setdefault(name, [0, 0.0, 0.0])
            g[0] += 1
            g[1] += excl
            g[2] = max(g[2], incl)
        for name, (cnt, excl, incl) in sorted(agg.items(), key=lambda kv: -kv[1][1])[:top]:
            lv = ""
            if name in llvm and name in walls and walls[name] > 0:
                lv = f"{min(llvm[name] / walls[name], 1.0):.0%}"
            print(f"| {name} | {cnt} | {excl:.2f} | {incl:.2f} | {lv} |")
        print()
        multi = {k: d.signatures for k, d in package_dispatchers().items() if len(d.signatures) > 1}
        for k, sigs in multi.items():
            print(f"- {k}: {len(sigs)} signatures so far")
            for s in sigs:
                print(f"    {s}")
    print(
        "\n| configuration | first call, wall s | CPU s | compiles (numba's own included) "
        "| package specialisations | package kernels |"
    )
    print("|---|---|---|---|---|---|")
    for cfg, wall, cpu, n_all, n_ours, n_kernels in totals:
        print(f"| {cfg} | {wall:.2f} | {cpu:.2f} | {n_all} | {n_ours} | {n_kernels} |")


if __name__ == "__main__":
    main()
