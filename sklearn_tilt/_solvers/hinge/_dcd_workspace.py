"""The outer iterations of the hinge dual coordinate descent, and its certificate.

:class:`Workspace` holds the arrays of one problem that the fits of a path share and
runs one ``lam`` (:meth:`Workspace.solve`); the method is described in :mod:`._dcd`.
"""

import numpy as np

from .._canonical import exact_float32
from .._common import kernel_arrays
from .._problem import sq_norms
from ._certificate import (
    UROUND,
    dual_lower,
    gamma,
    make_feasible,
    norm_up,
    primal_upper,
    relative_gap,
    row_norms_from_squares,
    scaled_margin_candidate,
    score_error,
)
from ._dcd_kernels import LOCAL_BYTES, Coords, Inner, cd, scores, sides
from ._feasible import equality_correction
from ._free_set import (
    MAX_FREE,
    box_candidates,
    dual_gain,
    free_rows,
    free_set_step,
    rows_t_dot,
)
from ._intercept import canonical_intercept
from ._restricted import finish_due, restricted_finish

# an inner solve is certified after _CHECK passes, then after twice as many each time
_CHECK = 20
# at most _FREE_STEPS second-order steps on the free set per lam (._free_set)
_FREE_STEPS = 50
# a cut inner solve moves the centre where the gap is at most _MOVE_GAP
_MOVE_GAP = 1e-3
# after a warm start or a move of the centre by at most _SELECT_MOVE (margin
# units), the next inner solve starts from the samples that are free or within
# max(_BAND, 10 eps, _BAND_MOVE * move) of violating their KKT condition; the
# others join when they violate (fewer passes over samples that stay at a bound)
_BAND = 1e-3
_SELECT_MOVE = 0.05
_BAND_MOVE = 4.0
# weight of the intercept in the inner problem, in units of the mean ||x_i||^2
# (the bias feature liblinear appends, in the units of the data)
_RHO = 0.3
# free sets larger than _free_set.MAX_FREE: a second-order step on the _BLOCK free
# samples that violate their margins most, each time an inner solve is cut (the slow
# modes of coordinate descent, near-duplicate rows, get their exact curvature)
_BLOCK = 512
# after _NARROW_PASSES passes over X in one workspace, float64 data that float32 holds
# exactly are read as float32 from then on (half the memory per pass; the copy costs
# as much as tens of passes, most of it the first touch of its memory, so short fits
# keep X as given)
_NARROW_PASSES = 200
# an inner solve cut on few rows (its row visits, passes times rows, at most 1 /
# _SKIP_ESTIMATE of the samples) goes to the free-set step without an estimate, whose
# pass over every row would cost more than the inner solve
_SKIP_ESTIMATE = 8
# an inner solve is certified when the estimate of the gap at the tracked w
# (Workspace.estimate, one pass for the scores) is at most _ESTIMATE tol; the
# certificate costs about two passes more
_ESTIMATE = 1.5


class Workspace:
    """The arrays of one problem (a :class:`.._problem.Problem`) that the fits of a
    path share, and the certificate."""

    def __init__(self, problem):
        self.problem = problem
        self.ka = problem.ka
        self.n, self.d = problem.n, problem.d
        self.y, self.s, self.S, self.act = problem.y, problem.s, problem.S, problem.act
        self.fit_intercept = problem.fit_intercept
        self.sq = sq_norms(self.ka, self.n)
        self.f = np.zeros(self.n)
        # rn[i] >= ||x_i|| from the squares above (one pass less than row_norms)
        is_sparse, Xd, _, _, indptr = self.ka
        self.kmax = int(np.max(np.diff(indptr))) if is_sparse and self.n else Xd.shape[1]
        self.rn = row_norms_from_squares(self.sq, self.kmax)
        self.tbuf = np.empty(self.n)
        self.wpos = np.zeros(self.d)
        self.wneg = np.zeros(self.d)
        sq_act = self.sq[self.act]
        m = float(np.mean(sq_act)) if sq_act.size else 0.0
        self.rho = _RHO * m if m > 0 else 1.0
        self.b_w = 0.0  # the best intercept of the last certificate's w(a)
        self.passes = 0  # over all the solves of this workspace
        self.narrowed = False  # whether X was tried as float32 (_count)
        # counters of the work done (SolverResult.stats)
        self.stats = {
            "certificates": 0,
            "estimates": 0,
            "free_steps": 0,
            "block_steps": 0,
            "finishes": 0,
            "finish_rounds": 0,
        }

    def _count(self, p):
        """Count ``p`` more passes; after :data:`_NARROW_PASSES`, read ``X`` as float32
        if it holds the same numbers (:func:`.._canonical.exact_float32`)."""
        self.passes += p
        if self.narrowed or self.passes < _NARROW_PASSES:
            return
        self.narrowed = True
        X = exact_float32(self.problem.X)
        if X is not self.problem.X:
            self.problem = self.problem._replace(X=X, ka=kernel_arrays(X))
            self.ka = self.problem.ka

    def bounds(self, lam):
        """The box bounds ``C_i`` at ``lam``."""
        return self.s * (1.0 / (2.0 * lam * self.S))

    def w_of(self, alpha):
        """``w(a)`` from scratch (also leaves ``w_+`` and ``w_-`` in the workspace)."""
        sides(*self.ka, self.y, alpha, self.act, self.wpos, self.wneg)
        return self.wpos - self.wneg

    def certificate(self, alpha, lam, b_hint, tracked=None):
        """From scratch: ``(coef, b, P, gap, t)`` (see the module docstring).

        ``tracked``: the ``w`` of the coordinate descent when :meth:`estimate` has
        just left its scores and best intercept; the primal is then taken there.
        ``coef`` is that ``w`` or ``w(a)``, or near the hard margin, it scaled so that
        every margin is provably at least 1 (:func:`scaled_margin_candidate`);
        ``P`` the primal at ``(coef, b)``; ``gap`` the relative gap of the
        rounding-safe bounds of :mod:`._certificate`; ``t = sum a_i y_i``.
        """
        y, s, S, act = self.y, self.s, self.S, self.act
        nact = act.shape[0]
        fi = self.fit_intercept
        C = self.bounds(lam)
        ap, an = sides(*self.ka, y, alpha, act, self.wpos, self.wneg)
        w = self.wpos - self.wneg
        if tracked is None:
            # primal: scores of w by one plain pass, the best intercept
            wp = w
            scores(*self.ka, self.n, wp, self.f)
            b = 0.0
            if fi:
                b, _ = canonical_intercept(self.f, y, s, act, nact, b_hint, self.tbuf)
        else:
            # primal at the tracked w (any w is a primal point), whose scores (one
            # plain pass) and best intercept the estimate left
            wp = tracked.copy()
            b = self.b_w if fi else 0.0
        wnorm = norm_up(wp)
        ef = score_error(self.kmax, wnorm)
        P, P_up = primal_upper(self.f, ef, self.rn, y, s, act, nact, b, lam, wnorm, S)
        self.b_w = float(b)
        # dual: a feasible point next to a, X^T (a y) formed from the two sides
        # (rounding error at most gamma_(n+8) sum_i a_i ||x_i||)
        ew = gamma(nact + 8) * float(np.dot(alpha[act], self.rn[act])) * (1.0 + gamma(nact))
        af, wf, ew = self._feasible(alpha, C, w, b, ap, an, ew)
        _, D_low = dual_lower(y, C, af, act, nact, lam, norm_up(wf), ew, self.rn, fi)
        coef = wp
        if relative_gap(P_up, D_low) > 0.0:
            tk, P_up_t = scaled_margin_candidate(self.f, ef, self.rn, y, act, nact, b, lam, wnorm)
            if P_up_t < P_up:
                coef = tk * wp
                b = tk * b
                P = lam * float(np.dot(coef, coef))
                P_up = P_up_t
        gap = relative_gap(P_up, D_low)
        return coef, float(b), float(P), float(gap), ap - an

    def _feasible(self, alpha, C, w, b, ap, an, ew):
        """The dual point of the certificate: ``(a', w', ew')`` with ``a'`` feasible
        up to the rounding residual that :func:`dual_lower` pays for, ``w'`` its
        ``X^T (a' y)`` and ``ew'`` the bound of the error of ``w'``.

        With an intercept, ``t = sum a_i y_i`` is moved to 0 where it costs least to
        first order (:func:`equality_correction`, from the scores of ``w`` at the
        best intercept ``b``), on few samples: ``w'`` is ``w`` plus their rows.  When
        ``a`` is not inside its box (it always is after coordinate descent), or no
        correction applies: the heavier side scaled down (:func:`make_feasible`),
        ``w'`` formed from the two sides."""
        act = self.act
        a = alpha[act]
        inside = bool(np.all((a >= 0.0) & (a <= C[act])))
        if inside and not self.fit_intercept:
            return alpha, w, ew
        if inside:
            fix = equality_correction(self.y, C, alpha, act, self.f, b)
            if fix is not None:
                idx, new = fix
                af = alpha.copy()
                af[idx] = new
                delta = af[idx] - alpha[idx]
                wf = w + rows_t_dot(self.ka, idx, delta * self.y[idx], self.d)
                m = idx.shape[0]
                # the rows' sum (m terms, the rounding of delta and the sum of
                # the blocks within gamma_(2m+3)), then one rounding of each entry
                # of w + that sum
                ew_f = ew + gamma(2 * m + 3) * float(np.dot(np.abs(delta), self.rn[idx]))
                ew_f += 2.0 * UROUND * norm_up(wf)
                return af, wf, ew_f
        af = alpha.copy()
        make_feasible(self.y, C, af, act, act.shape[0], self.fit_intercept)
        rp = 1.0
        rn = 1.0
        if self.fit_intercept and ap > an:
            rp = an / ap if ap > 0.0 else 0.0
        elif self.fit_intercept and an > ap:
            rn = ap / an if an > 0.0 else 0.0
        # w' is formed from the sides of a scaled; a' differs from that by the clipping,
        # the snap onto C_i and the rounding residual moved onto one sample
        scale = np.where(self.y[act] > 0.0, rp, rn)
        moved = float(np.dot(np.abs(af[act] - scale * alpha[act]), self.rn[act]))
        ew = ew + moved * (1.0 + gamma(act.shape[0] + 2))
        return af, rp * self.wpos - rn * self.wneg, ew

    def estimate(self, alpha, w, lam, b_hint):
        """An estimate, not a bound, of the relative gap at the tracked ``w``, for
        deciding whether a certificate is worth its cost: ``(gap, t, P)``, ``P`` the
        primal estimated (plain floating point, no allowances).

        One pass for the scores (left in ``self.f``, the best intercept in
        ``self.b_w``, as a certificate leaves them); the primal at the best
        intercept, or at ``w`` scaled until every margin is 1 where that is lower;
        the dual of ``a`` to first order after ``t = sum a_i y_i`` is moved to 0 on
        samples at no cost (free samples on their margins): ``2 lam (sum a - 0.5
        ||w||^2 - b t)``."""
        y, s, S, act = self.y, self.s, self.S, self.act
        nact = act.shape[0]
        scores(*self.ka, self.n, w, self.f)
        b = 0.0
        if self.fit_intercept:
            b, _ = canonical_intercept(self.f, y, s, act, nact, b_hint, self.tbuf)
        self.b_w = float(b)
        ya = y[act]
        a = alpha[act]
        t = float(np.dot(a, ya))
        m = ya * (self.f[act] + b)
        ww = float(np.dot(w, w))
        P = float(np.dot(s[act], np.maximum(1.0 - m, 0.0))) / S + lam * ww
        mmin = float(np.min(m)) if nact else 0.0
        if mmin > 0.0:
            P = min(P, lam * ww / (mmin * mmin))
        D = 2.0 * lam * (float(np.sum(a)) - 0.5 * ww - b * t)
        return (P - D) / max(P, 1e-300), t, P

    def _free(self, alpha, C):
        """The free samples ``F`` (``0 < a_i < C_i``)."""
        a = alpha[self.act]
        return self.act[(a > 0.0) & (a < C[self.act])]

    def _take_step(self, alpha, w, C, F, XF, fF, delta, t, c, rho):
        """The best of the projected points along ``delta`` (:func:`box_candidates`) by
        its gain in the inner objective at centre ``c`` (``t`` ``None`` without an
        intercept); ``alpha[F]`` and ``w`` updated in place when one gains.  Returns
        whether one did."""
        yF = self.y[F]
        aF = alpha[F]
        best = None
        for new in box_candidates(aF, C[F], delta):
            gain, dw = dual_gain(XF, yF, fF, aF, new, t, c, rho)
            if gain > 0.0 and (best is None or gain > best[0]):
                best = (gain, new, dw)
        if best is None:
            return False
        _, new, dw = best
        w += dw
        alpha[F] = new
        return True

    def free_step(self, alpha, w, C, t, c, rho):
        """The second-order step on the free samples ``F`` (``0 < a_i < C_i``), the
        others fixed (:mod:`._free_set`), projected onto the box; ``alpha`` and ``w``
        are updated in place.  Returns the step's intercept (``c`` without one), or
        ``None`` when ``F`` is empty or larger than :data:`._free_set.MAX_FREE`, or no
        candidate gains in the inner objective."""
        F = self._free(alpha, C)
        if F.shape[0] == 0 or F.shape[0] > MAX_FREE:
            return None
        XF = free_rows(self.problem.X, F)
        fF = np.asarray(XF @ w).ravel()
        delta, bn, ok = free_set_step(XF, self.y[F], fF, t)
        if not ok:
            return None
        if t is None:
            bn = c
        # the gain in the inner objective of the next inner solve (centre bn)
        if not self._take_step(alpha, w, C, F, XF, fF, delta, t, bn, rho):
            return None
        return bn

    def block_step(self, alpha, w, C, t, c, rho, size):
        """A Newton step of the inner problem (centre ``c``, weight ``rho``: its
        curvature ``Y X_B X_B^T Y + rho y_B y_B^T``) on the block ``B`` of the
        ``size`` free samples that violate their margins most (by the scores of the
        last certificate), the others fixed; projected onto the box and kept only if
        it gains in the inner objective (:mod:`._free_set`).  ``alpha`` and ``w`` are
        updated in place.  Returns whether a step was taken (none when the free set
        has at most ``size`` samples: :meth:`free_step` covers those)."""
        F = self._free(alpha, C)
        if F.shape[0] <= size:
            return False
        y = self.y
        b = c + rho * t
        G = np.abs(y[F] * (self.f[F] + b) - 1.0)
        F = np.sort(F[np.argpartition(-G, size)[:size]])
        XF = free_rows(self.problem.X, F)
        fF = np.asarray(XF @ w).ravel()
        delta, _, ok = free_set_step(XF, y[F], fF + b, None, rho)
        if not ok:
            return False
        t_in = t if self.fit_intercept else None
        return self._take_step(alpha, w, C, F, XF, fF, delta, t_in, c, rho)

    def select(self, alpha, C, b, band):
        """The visiting order of the next inner solve, from the scores of the
        last certificate (``self.f``, of the current ``w``) at intercept ``b``:
        first the free samples and those at a bound whose KKT condition is
        violated or within ``band`` (margin units) of it, then the others
        (shrunk from the start; :func:`._dcd_kernels.cd` scans them when the
        selection has converged and admits those near a violation).  Returns
        ``(rows, nsel, viol)`` with ``viol`` the KKT violation over all samples
        (the spread of the projected gradient)."""
        act = self.act
        a = alpha[act]
        G = self.y[act] * (self.f[act] + b) - 1.0
        lo = a <= 0.0
        hi = a >= C[act]
        keep = ~(lo | hi) | (lo & (G < band)) | (hi & (G > -band))
        pg = np.where(lo, np.minimum(G, 0.0), np.where(hi, np.maximum(G, 0.0), G))
        viol = float(pg.max() - pg.min()) if pg.size else 0.0
        rows = np.concatenate((act[keep], act[~keep]))
        return rows, int(np.count_nonzero(keep)), viol

    def solve(self, alpha, w, lam, c, tol, max_passes, warm=False):
        """Run the outer iterations from ``alpha`` (``w`` its ``w(a)``) and centre ``c``.

        Returns ``(w, b, P, gap, passes, converged)``; ``alpha`` is updated in place.
        """
        C = self.bounds(lam)
        fi = self.fit_intercept
        rho = self.rho if fi else 0.0
        c = float(c) if fi else 0.0
        coords = Coords(self.y, C, self.sq + rho)
        eps = 0.1
        passes = 0
        outer = 0
        check = _CHECK
        hist = []  # (c, t) pairs of converged inner solves
        grow = 1.0  # multiplies the proximal step while t(c) hardly moves
        if warm:
            # a warm start (the path's previous dual, scaled): certified as it
            # stands, or the centre moves to the best intercept of its w and the
            # first inner solve visits the samples near their KKT conditions
            wc, b, P, gap, t = self.certificate(alpha, lam, c)
            np.subtract(self.wpos, self.wneg, out=w)
            if gap <= tol:
                return wc, b, P, gap, passes, True
            if fi:
                c = self.b_w
            rows, nsel, viol = self.select(alpha, C, c + rho * t, _BAND)
            eps = min(0.1, max(0.1 * viol, 1e-12))
        else:
            t = float(np.dot(alpha[self.act], self.y[self.act]))
            rows = self.act
            nsel = rows.shape[0]
        free = True  # the free-set step may still apply at this lam
        free_steps = 0
        tried = None  # passes at the last finish
        estimates = []  # (passes, estimated gap)
        while True:
            cap = min(max(max_passes - passes, 1), check)
            inner = Inner(
                float(c), float(rho), float(eps), int(cap), int(outer), float(LOCAL_BYTES)
            )
            t, p, viol, left = cd(self.ka, coords, inner, rows, nsel, alpha, w, t)
            passes += p
            self._count(p)
            outer += 1
            cheap = (
                viol > eps
                and free
                and free_steps < _FREE_STEPS
                and passes < max_passes
                and _SKIP_ESTIMATE * p * max(nsel, left) <= self.act.shape[0]
                and self._free(alpha, C).shape[0] <= _BLOCK
            )
            if cheap:
                # a cut inner solve on a few rows, cheaper than the estimate's pass over
                # every row: straight to the second-order step on the free set below
                # (small enough for it), which reads no scores; the next estimate
                # follows the next inner solve
                t = float(np.dot(alpha[self.act], self.y[self.act]))
            else:
                gap, t, _ = self.estimate(alpha, w, lam, c + rho * t)
                self.stats["estimates"] += 1
                estimates.append((passes, gap))
                if finish_due(self.d, estimates, tol, tried) and passes < max_passes:
                    # a slow tail: the second-order finish on the samples near their
                    # margins (._restricted); it certifies, or its point is a new start
                    tried = passes
                    self.stats["finishes"] += 1
                    f_w, b_w = self.f.copy(), self.b_w  # the estimate's, for the steps below
                    out = restricted_finish(self, alpha, lam, tol, passes)
                    if out is not None and out[1][3] < gap:
                        alpha[:] = out[0]
                        wc, b, P, gap, t = out[1]
                        if gap <= tol:
                            break
                        np.copyto(w, self.w_of(alpha))
                        c = b if fi else 0.0
                        t = float(np.dot(alpha[self.act], self.y[self.act]))
                        rows, nsel, _ = self.select(alpha, C, c, _BAND)
                        continue
                    # its certificates left the scores of other points: those of w back
                    np.copyto(self.f, f_w)
                    self.b_w = b_w
                if gap <= _ESTIMATE * tol or passes >= max_passes:
                    wc, b, P, gap, t = self.certificate(alpha, lam, c + rho * t, tracked=w)
                    self.stats["certificates"] += 1
                    # w(a) from scratch (drops the drift of the updates)
                    np.subtract(self.wpos, self.wneg, out=w)
                    if gap <= tol or passes >= max_passes:
                        break
                if (
                    viol > eps
                    and free_steps < _FREE_STEPS
                    and self.block_step(alpha, w, C, t, c, rho, _BLOCK)
                ):
                    # the inner solve was cut at its check: a block step, then
                    # coordinate descent again over its whole selection (the block
                    # step moves w along many rows, and shrunk samples may violate
                    # again), checked after as many passes
                    free_steps += 1
                    self.stats["block_steps"] += 1
                    t = float(np.dot(alpha[self.act], self.y[self.act]))
                    continue
            if viol > eps and free and free_steps < _FREE_STEPS:
                # the inner solve was cut at its check: a second-order step on a
                # small free set (it moves free samples only), then coordinate
                # descent again from the rows it had not shrunk, which corrects
                # the partition (and scans the shrunk ones when it converges)
                free_steps += 1
                bn = self.free_step(alpha, w, C, t if fi else None, c, rho)
                nsel = left
                if bn is None:
                    # no step applies, or none gains: no more for this lam
                    free = False
                    continue
                self.stats["free_steps"] += 1
                c = bn
                t = float(np.dot(alpha[self.act], self.y[self.act]))
                continue
            if viol > eps:
                # the inner solve was cut at its check: it goes on from the rows
                # it had not shrunk, checked after twice as many passes; near the
                # solution (gap below _MOVE_GAP), where the centre rather than the
                # inner solve limits the gap, from the centre moved by the
                # proximal step
                check *= 2
                if gap <= _MOVE_GAP:
                    c += rho * t
                nsel = left
                continue
            c_new, grow = self._next_centre(c, t, rho, grow, hist)
            moved = abs(c_new - c)
            c = c_new
            eps = max(eps * 0.1, 1e-12)
            if moved <= _SELECT_MOVE:
                # a small move of the centre: the next inner solve starts from
                # the samples near their KKT conditions
                band = max(_BAND, 10.0 * eps, _BAND_MOVE * moved)
                rows, nsel, _ = self.select(alpha, C, c + rho * t, band)
            else:
                nsel = rows.shape[0]
        return wc, b, P, gap, passes, gap <= tol

    def _next_centre(self, c, t, rho, grow, hist):
        """The centre after a converged inner solve at ``c`` with residual ``t``: the
        proximal step, or a secant step on ``t(c)`` (``hist``: the ``(c, t)`` of the
        converged inner solves, appended to).  Returns ``(centre, grow)``."""
        c_new = c + grow * rho * t
        hist.append((c, t))
        if len(hist) >= 2:
            c0, t0 = hist[-2]
            if (t0 > 0) != (t > 0):
                grow = 1.0
            elif abs(t) > 0.5 * abs(t0):
                # t(c) hardly moves (samples pinned at their bounds, the step
                # capped by rho sum C_i): larger steps, or straight to the best
                # intercept of the current w where that lies beyond
                grow *= 4.0
                c_new = c + grow * rho * t
                if (self.b_w - c) * t > 0.0 and abs(self.b_w - c) > abs(c_new - c):
                    c_new = self.b_w
            if t != t0 and (t0 > 0) != (t > 0) or (abs(t) < abs(t0) and t != t0):
                c_sec = c - t * (c - c0) / (t - t0)
                lo, hi = sorted((c, c + 20.0 * (c_new - c)))
                if np.isfinite(c_sec) and lo <= c_sec <= hi:
                    c_new = c_sec
        return c_new, grow
