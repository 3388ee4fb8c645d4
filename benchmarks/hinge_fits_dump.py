"""Dump or compare a fixed set of hinge fits, to check that a change keeps the numerics.

    python benchmarks/hinge_fits_dump.py dump OUT.npz     # with the checkout to measure
    python benchmarks/hinge_fits_dump.py compare A.npz B.npz

The set: 120 x 6 Gaussian data, dense, separable, CSR (40% zeros), float32 dense and
CSR; unit weights and positive weights with five zeros; the active-set,
interior-point and coordinate-descent methods at lam = 1e-9 .. 1e12 (coordinate
descent from 1e-6), warm-started paths of 13 lams (active set and coordinate
descent), and a fit without an intercept.  Each fit stores its coefficients,
intercept, gap, primal and n_iter; ``max_iter=200`` (fits that stop there are
compared as they stand).  Run with ``SKLEARN_TILT_JIT=always`` on both sides so that
both use the compiled kernels.
"""

import sys
import warnings

import numpy as np
import scipy.sparse as sp


def dump(out):
    from sklearn_tilt._solvers import solve_binary, solve_path

    rng = np.random.RandomState(0)
    n, d = 120, 6
    X = rng.randn(n, d)
    y = np.where(X[:, 0] + 0.5 * rng.randn(n) > 0, 1.0, -1.0)
    Xsep = X.copy()
    Xsep[:, 0] += 3 * y
    w = rng.rand(n) + 0.2
    w[:5] = 0.0
    Xs = X.copy()
    Xs[rng.rand(n, d) < 0.5] = 0.0
    lams = [1e-9, 1e-6, 1e-3, 1e-1, 1e1, 1e4, 1e12]
    probs = {
        "dense": X,
        "sep": Xsep,
        "csr": sp.csr_matrix(Xs),
        "f32": X.astype(np.float32),
        "csr32": sp.csr_matrix(Xs.astype(np.float32)),
    }
    res = {}

    def keep(key, r):
        res[key] = np.r_[r.coef, r.intercept, r.gap, r.primal, r.n_iter]

    warnings.simplefilter("ignore")
    for pname, A in probs.items():
        for wname, s in (("u", np.ones(n)), ("w", w)):
            for meth in ("active_set", "interior_point", "dcd"):
                for lam in lams:
                    if meth == "dcd" and lam < 1e-6:
                        continue
                    keep(
                        f"{pname}/{wname}/{meth}/{lam:g}",
                        solve_binary(A, y, s, lam, "hinge", tol=1e-8, max_iter=200, method=meth),
                    )
            for meth in ("active_set", "dcd"):
                grid = np.logspace(3, -3, 13)
                for k, r in enumerate(
                    solve_path(A, y, s, grid, "hinge", tol=1e-8, max_iter=200, method=meth)
                ):
                    keep(f"path/{pname}/{wname}/{meth}/{k}", r)
        keep(
            f"noint/{pname}",
            solve_binary(
                A,
                y,
                np.ones(n),
                1e-2,
                "hinge",
                tol=1e-8,
                max_iter=200,
                fit_intercept=False,
                method="active_set",
            ),
        )
    np.savez(out, **res)
    print(len(res), "fits")


def compare(fa, fb):
    a, b = np.load(fa), np.load(fb)
    if set(a.files) != set(b.files):
        raise SystemExit(f"different fits: {sorted(set(a.files) ^ set(b.files))}")
    same = [k for k in a.files if np.array_equal(a[k], b[k])]
    worst = 0.0
    for k in sorted(set(a.files) - set(same)):
        x, z = a[k][:-1], b[k][:-1]
        rel = float(np.max(np.abs(x - z) / np.maximum(np.abs(x), 1e-300)))
        worst = max(worst, rel)
        print(f"  {k}: relative difference {rel:.3g}, n_iter {a[k][-1]:g} vs {b[k][-1]:g}")
    print(
        f"{len(same)}/{len(a.files)} fits bitwise identical; worst relative difference "
        f"of the others {worst:.3g}"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["dump"] and len(sys.argv) == 3:
        dump(sys.argv[2])
    elif sys.argv[1:2] == ["compare"] and len(sys.argv) == 4:
        compare(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
