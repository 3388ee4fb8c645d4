"""Interactive, self-contained HTML pages: move ``lam`` and watch the boundary tilt.

The page is made with Bokeh (optional extra ``report``) in its standalone form:
the Bokeh library and every number are embedded in one HTML file that opens from
disk with no server and no network. All numbers are computed in Python through
the package's geometry (:func:`~sklearn_tilt.metrics.tilting_plane`,
:class:`~sklearn_tilt.preprocessing.MirrorImage`, the path quantities that also
produce the experiment tables); the page's scripts only select which
precomputed arrays are shown.
"""

import html as _html
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.frozen import FrozenEstimator
from sklearn.utils.validation import check_array, check_X_y

from .. import _geometry as geo
from ..linear_model import scaled_loss_path
from ..metrics import tilting_plane
from ..metrics._path_geometry import PATH_CURVES, binary_labels, path_curves
from ..preprocessing import MirrorImage
from ._common import image_shape

REPORT_EXTRA_MESSAGE = (
    "the interactive HTML pages need Bokeh, an optional dependency: install it with "
    "pip install 'sklearn-tilt[report]'"
)


def _require_bokeh():
    try:
        import bokeh  # noqa: F401 - optional dependency (extra "report")
    except ImportError as exc:  # pragma: no cover - exercised without the extra
        raise ImportError(REPORT_EXTRA_MESSAGE) from exc


class _PathBoundary(ClassifierMixin, BaseEstimator):
    """The linear classifier ``(coef, intercept)`` of one value of ``lam`` on a path.

    It lets the path's boundaries go through the package's public geometry
    (:func:`~sklearn_tilt.metrics.tilting_plane`, :class:`MirrorImage`).
    """

    def __init__(self, coef=None, intercept=0.0, classes=None):
        self.coef = coef
        self.intercept = intercept
        self.classes = classes

    def fit(self, X=None, y=None):
        self.coef_ = np.asarray(self.coef, dtype=np.float64).reshape(1, -1)
        self.intercept_ = np.array([float(self.intercept)])
        self.classes_ = np.asarray(self.classes)
        self.n_features_in_ = self.coef_.shape[1]
        return self

    def decision_function(self, X):
        return np.asarray(X, dtype=np.float64) @ self.coef_[0] + self.intercept_[0]

    def predict(self, X):
        return self.classes_[(self.decision_function(X) > 0).astype(int)]


def _lam_text(lam):
    a = np.log10(lam)
    if abs(a - round(a)) < 1e-9:
        return f"1e{int(round(a))}"
    return f"{lam:.3g}"


def _subsample(y_pm, n, rng):
    """Up to ``n`` indices, balanced between the two classes, sorted."""
    idx = []
    for label in (-1.0, 1.0):
        cls = np.flatnonzero(y_pm == label)
        k = min(len(cls), max(1, n // 2))
        idx.append(rng.choice(cls, size=k, replace=False))
    return np.sort(np.concatenate(idx))


def _image_indices(X, y_pm, n_images, rng):
    """Per class: the image nearest to its centroid, then random ones."""
    first = geo.nearest_to_centroids(X, y_pm)
    out = []
    for label, i0 in zip((-1.0, 1.0), first):
        rest = np.setdiff1d(np.flatnonzero(y_pm == label), [i0])
        extra = rng.choice(rest, size=min(len(rest), n_images - 1), replace=False)
        out += [int(i0)] + [int(i) for i in extra]
    return out


def _to_uint8(images, lo, hi):
    """Images scaled to 0..255 over the data range ``[lo, hi]`` (out-of-range clipped)."""
    scale = 255.0 / (hi - lo) if hi > lo else 1.0
    return np.clip(np.rint((np.asarray(images, dtype=np.float64) - lo) * scale), 0, 255).astype(
        np.uint8
    )


def _composite(rows, shape, gap=2):
    """Tile images ``rows[r][c]`` (flat) into one uint8 array, first row on top."""
    h, w = shape
    n_r, n_c = len(rows), len(rows[0])
    out = np.zeros((n_r * (h + gap) - gap, n_c * (w + gap) - gap), dtype=np.uint8)
    for r, row in enumerate(rows):
        for c, img in enumerate(row):
            out[r * (h + gap) : r * (h + gap) + h, c * (w + gap) : c * (w + gap) + w] = np.asarray(
                img
            ).reshape(h, w)
    return out[::-1].copy()  # Bokeh's image glyph draws row 0 at the bottom


def compute_problem(
    X,
    y,
    lams,
    coefs,
    intercepts,
    *,
    X_test=None,
    y_test=None,
    name="",
    class_names=None,
    curves=None,
    n_points=(300, 150),
    n_images=2,
    image_lams=None,
    random_state=0,
):
    """All the arrays that the interactive page shows for one binary problem.

    Parameters
    ----------
    X, y : training data of a binary problem (any two labels; the larger is +1).
    lams, coefs, intercepts : a regularisation path, as returned by
        :func:`~sklearn_tilt.scaled_loss_path`.
    X_test, y_test : optional test data.
    name : str
        Key of the problem in the page.
    class_names : pair of str, default=None
        Names of the classes (default: the labels).
    curves : dict, default=None
        Precomputed ``theta_deg``, ``d_adv``, ``d_err``, ``train_error``,
        ``test_error`` along ``lams`` (e.g. read from the experiment's table);
        computed with the path quantities when None.
    n_points : (int, int), default=(300, 150)
        Training and test points drawn in the plane (balanced subsample).
    n_images : int, default=2
        Images per class shown with their projected and mirror images.
    image_lams : array-like of int, default=None
        Indices of ``lams`` at which the images are stored (default: all); the
        page shows the images of the nearest stored value.
    random_state : int, default=0

    Returns
    -------
    problem : dict
        Plain arrays (float32 coordinates, uint8 images) ready for the page.
    """
    X = np.asarray(X, dtype=np.float64)
    classes, y_pm = binary_labels(y)
    lams = np.asarray(lams, dtype=np.float64).ravel()
    coefs = np.atleast_2d(np.asarray(coefs, dtype=np.float64))
    intercepts = np.asarray(intercepts, dtype=np.float64).ravel()
    if not (len(lams) == len(coefs) == len(intercepts)):
        raise ValueError(
            f"lams, coefs and intercepts have different lengths "
            f"({len(lams)}, {len(coefs)}, {len(intercepts)})"
        )
    if coefs.shape[1] != X.shape[1]:
        raise ValueError(f"coefs have {coefs.shape[1]} features, X has {X.shape[1]}")
    order = np.argsort(lams)
    lams, coefs, intercepts = lams[order], coefs[order], intercepts[order]
    if curves is None:
        curves = path_curves(coefs, intercepts, X, y, X_test, y_test)
    else:
        curves = {k: np.asarray(curves[k], dtype=np.float64)[order] for k in PATH_CURVES}
    rng = np.random.default_rng(random_state)
    tr = _subsample(y_pm, n_points[0], rng)
    has_test = X_test is not None and y_test is not None and len(y_test) > 0
    if has_test:
        X_test = np.asarray(X_test, dtype=np.float64)
        y_test_pm = np.where(np.asarray(y_test) == classes[1], 1.0, -1.0)
        te = _subsample(y_test_pm, n_points[1], rng)
        P = np.vstack([X[tr], X_test[te]])
        labels = np.concatenate([y_pm[tr], y_test_pm[te]])
        split = np.array(["train"] * len(tr) + ["test"] * len(te))
    else:
        P, labels, split = X[tr], y_pm[tr], np.array(["train"] * len(tr))
    img_idx = _image_indices(X, y_pm, n_images, rng)
    images = X[img_idx]
    shape = image_shape(X.shape[1])
    lo, hi = float(X.min()), float(X.max())
    image_lams = (
        np.arange(len(lams)) if image_lams is None else np.unique(np.asarray(image_lams, dtype=int))
    )

    n_l = len(lams)
    # z depends on the data only through the two class centroids: the plane of each
    # boundary is computed on them (the same z as on all of X, at a fraction of the
    # cost), and the drawn points are mapped with the plane's basis
    C = np.vstack(geo.class_centroids(X, y_pm))
    C_labels = np.asarray(classes)
    u = None
    v = np.zeros((n_l, len(P)), dtype=np.float32)
    w_plane = np.zeros((n_l, 2))
    b_plane = np.zeros(n_l)
    centroids = np.zeros((n_l, 2, 2))
    fallback = None
    mirrors, projections = [], []
    for k in range(n_l):
        est = _PathBoundary(coefs[k], intercepts[k], classes).fit()
        if not np.any(coefs[k]):
            raise ValueError(f"w = 0 at lam={lams[k]:g}: the boundary is undefined")
        plane = tilting_plane(est, C, C_labels)
        z, n_hat = plane.z, plane.n_hat
        if abs(plane.coef[1]) <= 1e-4 * np.linalg.norm(plane.coef):
            # w parallel to z: the plane is not defined by w; show the data's spread
            if fallback is None:
                fallback = geo.tilting_plane_basis(z, z, X[tr])[1]
            n_hat = fallback
        coords = geo.plane_coordinates(P, z, n_hat)
        if u is None:
            u = coords[:, 0].astype(np.float32)
        v[k] = coords[:, 1]
        w_plane[k] = geo.plane_coordinates(coefs[k][None, :], z, n_hat)[0]
        b_plane[k] = plane.intercept
        centroids[k] = (
            plane.coordinates if n_hat is plane.n_hat else geo.plane_coordinates(C, z, n_hat)
        )
        if k in image_lams:
            frozen = FrozenEstimator(est)
            mirrors.append(MirrorImage(frozen, kind="mirror").fit(C, C_labels).transform(images))
            projections.append(
                MirrorImage(frozen, kind="projection").fit(C, C_labels).transform(images)
            )
    names = tuple(str(c) for c in (class_names if class_names is not None else classes))
    img_labels = [names[int(y_pm[i] > 0)] for i in img_idx]
    problem = {
        "name": str(name),
        "class_names": list(names),
        "lams": lams,
        "lam_text": [_lam_text(lam) for lam in lams],
        "curves": curves,
        "u": u,
        "v": v,
        "labels": labels.astype(np.int8),
        "split": split,
        "w_plane": w_plane,
        "b_plane": b_plane,
        "centroids": centroids,
        "image_lams": image_lams,
        "image_labels": img_labels,
        "shape": shape,
        "n_features": X.shape[1],
    }
    if shape is not None:
        orig8 = _to_uint8(images, lo, hi)
        stacks = []
        for m, p in zip(mirrors, projections):
            m8, p8 = _to_uint8(m, lo, hi), _to_uint8(p, lo, hi)
            stacks.append(_composite([[orig8[r], p8[r], m8[r]] for r in range(len(images))], shape))
        problem["images"] = np.stack(stacks)
    else:
        problem["profiles"] = {
            "x": np.asarray(images, dtype=np.float32),
            "projection": np.stack(projections).astype(np.float32),
            "mirror": np.stack(mirrors).astype(np.float32),
        }
    return problem


def _boundary_segment(w, b, box):
    """End points of the line ``w[0] u + w[1] v + b = 0`` inside ``box`` (for drawing)."""
    (u0, u1), (v0, v1) = box
    if abs(w[1]) >= abs(w[0]):
        us = np.array([u0, u1])
        return us, -(w[0] * us + b) / w[1]
    vs = np.array([v0, v1])
    return -(w[1] * vs + b) / w[0], vs


def _plane_frames(prob):
    """Per lam: the boundary segment and the ``z``, ``w`` arrows in plane coordinates."""
    u, v = prob["u"].astype(np.float64), prob["v"].astype(np.float64)
    n_l = len(prob["lams"])
    seg = np.zeros((n_l, 4), dtype=np.float32)
    arrows = np.zeros((n_l, 2, 4), dtype=np.float32)
    for k in range(n_l):
        pad_u = 0.1 * (u.max() - u.min() + 1e-12)
        pad_v = 0.1 * (v[k].max() - v[k].min() + 1e-12)
        box = ((u.min() - pad_u, u.max() + pad_u), (v[k].min() - pad_v, v[k].max() + pad_v))
        us, vs = _boundary_segment(prob["w_plane"][k], prob["b_plane"][k], box)
        seg[k] = [us[0], us[1], vs[0], vs[1]]
        ci, cj = prob["centroids"][k]
        mid = 0.5 * (ci + cj)
        length = 0.5 * np.linalg.norm(cj - ci)
        wdir = prob["w_plane"][k] / np.linalg.norm(prob["w_plane"][k])
        arrows[k, 0] = [mid[0], mid[1], mid[0] + length, mid[1]]  # z is the first axis
        arrows[k, 1] = [mid[0], mid[1], mid[0] + length * wdir[0], mid[1] + length * wdir[1]]
    return seg, arrows


def _js_problem(prob):
    """The arrays of one problem as the page stores them."""
    seg, arrows = _plane_frames(prob)
    n_l = len(prob["lams"])
    img_map = np.array(
        [int(prob["image_lams"][np.argmin(np.abs(prob["image_lams"] - k))]) for k in range(n_l)]
    )
    pos = {int(k): i for i, k in enumerate(prob["image_lams"])}
    out = {
        "lams": prob["lams"].astype(np.float64),
        "lam_text": list(prob["lam_text"]),
        "class_names": list(prob["class_names"]),
        "u": prob["u"],
        "v": prob["v"].ravel(),
        "n_points": int(len(prob["u"])),
        "labels": prob["labels"].astype(np.int8),
        "split": [str(s) for s in prob["split"]],
        "seg": seg.ravel(),
        "arrows": arrows.ravel(),
        "centroids": prob["centroids"].astype(np.float32).ravel(),
        "image_slot": np.array([pos[int(k)] for k in img_map], dtype=np.int32),
        "image_lam_text": [prob["lam_text"][int(k)] for k in img_map],
    }
    for key, val in prob["curves"].items():
        out[key] = np.asarray(val, dtype=np.float64)
    if "images" in prob:
        imgs = prob["images"]
        out["images"] = [np.ascontiguousarray(a) for a in imgs]
        out["image_hw"] = [int(imgs.shape[1]), int(imgs.shape[2])]
    else:
        pr = prob["profiles"]
        out["profile_x"] = pr["x"].ravel()
        out["profile_p"] = pr["projection"].ravel()
        out["profile_m"] = pr["mirror"].ravel()
        out["n_features"] = int(prob["n_features"])
        out["n_images"] = int(pr["x"].shape[0])
    return out


_CALLBACK = """
const G = (m, k) => (m instanceof Map ? m.get(k) : m[k]);
const H = (m, k) => (m instanceof Map ? m.has(k) : (k in m));
const P0 = G(problems, select.value);
const P = P0 instanceof Map ? P0 : new Map(Object.entries(P0));
const k = Math.max(0, Math.min(Math.round(slider.value), P.get('lams').length - 1));
const n = P.get('n_points');
const lab = P.get('labels'), split = P.get('split'), u = P.get('u'), v = P.get('v');
const xs = {}, ys = {};
for (const key of ['train_-1', 'train_1', 'test_-1', 'test_1']) { xs[key] = []; ys[key] = []; }
for (let i = 0; i < n; i++) {
  const key = split[i] + '_' + lab[i];
  xs[key].push(u[i]); ys[key].push(v[k * n + i]);
}
for (const [key, src] of point_sources) { src.data = {x: xs[key], y: ys[key]}; }
const seg = P.get('seg');
boundary.data = {x: [seg[4*k], seg[4*k+1]], y: [seg[4*k+2], seg[4*k+3]]};
const ar = P.get('arrows');
arrows.data = {x0: [ar[8*k], ar[8*k+4]], y0: [ar[8*k+1], ar[8*k+5]],
               x1: [ar[8*k+2], ar[8*k+6]], y1: [ar[8*k+3], ar[8*k+7]],
               name: ['z', 'w']};
const c = P.get('centroids');
const names = P.get('class_names');
centroids.data = {x: [c[4*k], c[4*k+2]], y: [c[4*k+1], c[4*k+3]],
                  name: ['centroid ' + names[0], 'centroid ' + names[1]]};
const lams = Array.from(P.get('lams'));
const keys = ['theta_deg', 'd_adv', 'd_err', 'train_error', 'test_error'];
const curve = {lam: lams};
for (const key of keys) { curve[key] = Array.from(P.get(key)); }
curves.data = curve;
const mark = {lam: [lams[k]]};
for (const key of keys) { mark[key] = [P.get(key)[k]]; }
marker.data = mark;
for (const s of spans) { s.location = lams[k]; }
const lt = P.get('lam_text')[k];
const fmt = (x, d) => (x === null || Number.isNaN(x)) ? 'n/a' : x.toFixed(d);
lam_div.text = '<b>&lambda; = <span class="lam-value">' + lt + '</span></b> &nbsp; (' +
  (k + 1) + ' of ' + lams.length + ') &nbsp; problem <b class="pair-value">' + select.value +
  '</b> (' + names[0] + ' = -1, ' + names[1] + ' = +1): &theta; = ' +
  fmt(P.get('theta_deg')[k], 1) + '&deg;, d_adv = ' + fmt(P.get('d_adv')[k], 3) +
  ', d_err = ' + fmt(P.get('d_err')[k], 3) + ', train error = ' +
  fmt(100 * P.get('train_error')[k], 1) + '%, test error = ' +
  fmt(100 * P.get('test_error')[k], 1) + '%';
const slot = P.get('image_slot')[k];
if (H(P, 'images') && image_source !== null) {
  const hw = P.get('image_hw');
  image_source.data = {image: [P.get('images')[slot]], dw: [hw[1]], dh: [hw[0]]};
  image_title.text = 'original | projected | mirror, at \\u03bb = ' + P.get('image_lam_text')[k];
}
if (H(P, 'profile_x') && profile_sources !== null) {
  const d = P.get('n_features'), m = P.get('n_images');
  const idx = Array.from({length: d}, (_, i) => i);
  for (let r = 0; r < Math.min(m, profile_sources.length); r++) {
    const o = (slot * m + r) * d;
    profile_sources[r].data = {
      feature: idx, x: Array.from(P.get('profile_x').slice(r * d, (r + 1) * d)),
      projection: Array.from(P.get('profile_p').slice(o, o + d)),
      mirror: Array.from(P.get('profile_m').slice(o, o + d))};
  }
  image_title.text = 'profiles: original, projected, mirror, at \\u03bb = ' +
    P.get('image_lam_text')[k];
}
if (overview !== null) {
  const ov = overview.data, th = [];
  for (let i = 0; i < ov.pair.length; i++) {
    const Q = G(problems, ov.pair[i]);
    th.push(Q === undefined ? NaN : G(Q, 'theta_deg')[Math.min(k, G(Q, 'lams').length - 1)]);
  }
  overview.data = Object.assign({}, ov, {theta: th,
    line: ov.pair.map((p) => p === select.value ? 3 : 0.5)});
}
"""


def _initial_state(js, k):
    """The sources' data at lam index ``k`` (what the page's callback also sets)."""
    n = js["n_points"]
    pts = {}
    for split in ("train", "test"):
        for lab in (-1, 1):
            m = (np.asarray(js["split"]) == split) & (js["labels"] == lab)
            pts[f"{split}_{lab}"] = {
                "x": js["u"][m].tolist(),
                "y": js["v"][k * n : (k + 1) * n][m].tolist(),
            }
    seg, ar, c = js["seg"], js["arrows"], js["centroids"]
    names = js["class_names"]
    keys = ("theta_deg", "d_adv", "d_err", "train_error", "test_error")
    state = {
        "points": pts,
        "boundary": {"x": [seg[4 * k], seg[4 * k + 1]], "y": [seg[4 * k + 2], seg[4 * k + 3]]},
        "arrows": {
            "x0": [ar[8 * k], ar[8 * k + 4]],
            "y0": [ar[8 * k + 1], ar[8 * k + 5]],
            "x1": [ar[8 * k + 2], ar[8 * k + 6]],
            "y1": [ar[8 * k + 3], ar[8 * k + 7]],
            "name": ["z", "w"],
        },
        "centroids": {
            "x": [c[4 * k], c[4 * k + 2]],
            "y": [c[4 * k + 1], c[4 * k + 3]],
            "name": [f"centroid {names[0]}", f"centroid {names[1]}"],
        },
        "curves": {"lam": js["lams"].tolist(), **{key: js[key].tolist() for key in keys}},
        "marker": {"lam": [js["lams"][k]], **{key: [js[key][k]] for key in keys}},
    }
    slot = int(js["image_slot"][k])
    if "images" in js:
        state["image"] = js["images"][slot]
    return state


_TAP = """
const i = source.selected.indices;
if (i.length > 0) {
  const name = source.data.pair[i[0]];
  if (select.options.includes(name)) { select.value = name; }
}
"""


class TiltExplorer:
    """An interactive, self-contained HTML page of regularisation paths.

    A slider over the values of ``lam`` and a selector of the problem drive
    together the tilting-plane scatter (training and test points, the boundary,
    the ``z`` and ``w`` directions), images with their projected and mirror
    images (or feature profiles when the features are not a square image), and
    the curves of ``theta``, ``d_adv``, ``d_err`` and the errors with a marker
    at the current ``lam``. Optional parts: an overview of many problems (click
    one to select it) and extra HTML sections.

    Create it with :func:`explore`; the page is written by :meth:`save`. It
    needs the optional extra ``report`` (Bokeh).

    Parameters
    ----------
    problems : list of dict
        As returned by :func:`compute_problem`.
    default : str, default=None
        Name of the problem shown first (default: the first).
    overview : dict, default=None
        ``{"pair": [...], "class_i": [...], "class_j": [...]}``: problems laid on
        a grid (class_i, class_j), coloured by ``theta`` at the current ``lam``;
        clicking a cell selects its problem.
    sections : list of (str, str), default=()
        Extra ``(title, html)`` blocks placed after the interactive part.
    title : str, default="sklearn_tilt explorer"

    Attributes
    ----------
    problems_ : dict
        Name -> problem arrays.

    See Also
    --------
    explore : Build the page for a binary problem.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_tilt.plotting import explore
    >>> X, y = load_digits(n_class=2, return_X_y=True)
    >>> page = explore(X, y, lams=np.logspace(-3, 3, 7))
    >>> html = page.to_html()
    >>> "bokeh" in html and len(html) > 100_000
    True
    """

    def __init__(
        self, problems, *, default=None, overview=None, sections=(), title="sklearn_tilt explorer"
    ):
        if not problems:
            raise ValueError("at least one problem is needed")
        self.problems_ = {p["name"]: p for p in problems}
        self.default = default if default is not None else problems[0]["name"]
        if self.default not in self.problems_:
            raise ValueError(
                f"default problem {self.default!r} is not among {list(self.problems_)}"
            )
        self.overview = overview
        self.sections = list(sections)
        self.title = title

    def _layout(self):
        _require_bokeh()
        # optional dependency (extra "report"), checked above
        from bokeh.layouts import column, row
        from bokeh.models import (
            Arrow,
            BasicTicker,
            ColorBar,
            ColumnDataSource,
            CustomJS,
            Div,
            LinearColorMapper,
            NormalHead,
            Select,
            Slider,
            Span,
            TapTool,
        )
        from bokeh.palettes import Greys256, Viridis256
        from bokeh.plotting import figure

        first = self.problems_[self.default]
        n_l = len(first["lams"])
        k0 = 0  # the page opens at the smallest lam: the most tilted boundary
        problems = {name: _js_problem(p) for name, p in self.problems_.items()}
        names = list(self.problems_)

        slider = Slider(
            start=0,
            end=max(n_l - 1, 1),
            value=k0,
            step=1,
            title="lam (drag, or arrow keys)",
            show_value=False,
            width=520,
            name="lam_slider",
            disabled=n_l == 1,
        )
        select = Select(
            title="problem", value=self.default, options=names, width=160, name="pair_select"
        )
        lam_div = Div(text="", name="lam_display", width=900, styles={"font-size": "14px"})

        plane = figure(
            width=520,
            height=500,
            title="tilting plane (x.z, x.n_hat)",
            match_aspect=True,
            name="plane",
            tools="pan,wheel_zoom,box_zoom,reset,save",
        )
        plane.xaxis.axis_label = "x . z  (nearest-centroid direction)"
        plane.yaxis.axis_label = "x . n_hat  (part of w orthogonal to z)"
        colors = {"-1": "#1f77b4", "1": "#d62728"}
        point_sources = []
        cn = first["class_names"]
        for split, marker_kind, alpha in (("train", "circle", 0.55), ("test", "triangle", 0.8)):
            for lab, _cname in (("-1", cn[0]), ("1", cn[1])):
                src = ColumnDataSource({"x": [], "y": []}, name=f"points_{split}_{lab}")
                plane.scatter(
                    "x",
                    "y",
                    source=src,
                    marker=marker_kind,
                    size=5,
                    color=colors[lab],
                    alpha=alpha,
                    legend_label=f"{split} class {'-1' if lab == '-1' else '+1'}",
                )
                point_sources.append((f"{split}_{lab}", src))
        boundary = ColumnDataSource({"x": [], "y": []}, name="boundary")
        plane.line(
            "x",
            "y",
            source=boundary,
            color="black",
            line_width=2,
            legend_label="boundary w.x + b = 0",
        )
        centroids = ColumnDataSource({"x": [], "y": [], "name": []}, name="centroids")
        plane.scatter("x", "y", source=centroids, marker="x", size=14, color="black", line_width=3)
        arrows = ColumnDataSource(
            {"x0": [], "y0": [], "x1": [], "y1": [], "name": []}, name="arrows"
        )
        plane.add_layout(
            Arrow(
                source=arrows,
                x_start="x0",
                y_start="y0",
                x_end="x1",
                y_end="y1",
                line_color="#2ca02c",
                line_width=2,
                end=NormalHead(size=10, fill_color="#2ca02c", line_color="#2ca02c"),
            )
        )
        plane.text(
            "x1",
            "y1",
            text="name",
            source=arrows,
            text_color="#2ca02c",
            text_font_size="13px",
            x_offset=4,
        )
        plane.legend.click_policy = "hide"
        plane.legend.label_text_font_size = "10px"
        plane.legend.orientation = "horizontal"
        plane.legend.spacing = 2
        plane.legend.padding = 2
        plane.add_layout(plane.legend[0], "below")

        image_source, profile_sources = None, None
        image_title = Div(text="", name="image_title")
        if "images" in problems[self.default]:
            hw = problems[self.default]["image_hw"]
            image_source = ColumnDataSource(
                {"image": [np.zeros(hw, dtype=np.uint8)], "dw": [hw[1]], "dh": [hw[0]]},
                name="images",
            )
            scale = max(1.0, min(330 / hw[1], 300 / hw[0]))
            img_fig = figure(
                width=int(hw[1] * scale),
                height=int(hw[0] * scale),
                x_range=(0, hw[1]),
                y_range=(0, hw[0]),
                tools="",
                toolbar_location=None,
                name="image_plot",
            )
            img_fig.axis.visible = False
            img_fig.grid.visible = False
            img_fig.image(
                image="image",
                x=0,
                y=0,
                dw="dw",
                dh="dh",
                source=image_source,
                color_mapper=LinearColorMapper(palette=Greys256[::-1], low=0, high=255),
            )
            image_box = column(image_title, img_fig)
        else:
            profile_sources, figs = [], []
            n_img = problems[self.default]["n_images"]
            for r in range(n_img):
                src = ColumnDataSource(
                    {"feature": [], "x": [], "projection": [], "mirror": []}, name=f"profile_{r}"
                )
                f = figure(
                    width=420,
                    height=150,
                    tools="xpan,xwheel_zoom,reset",
                    title=f"image {r + 1} (class {first['image_labels'][r]})",
                )
                f.vbar(
                    x="feature", top="x", source=src, width=0.8, color="#999999", legend_label="x"
                )
                f.scatter(
                    "feature",
                    "projection",
                    source=src,
                    marker="dash",
                    size=9,
                    color="#2ca02c",
                    legend_label="projected",
                )
                f.scatter(
                    "feature",
                    "mirror",
                    source=src,
                    marker="circle",
                    size=4,
                    color="#d62728",
                    legend_label="mirror",
                )
                f.legend.label_text_font_size = "9px"
                f.legend.location = "top_left"
                profile_sources.append(src)
                figs.append(f)
            image_box = column(image_title, *figs)

        curves = ColumnDataSource(
            {
                "lam": [],
                "theta_deg": [],
                "d_adv": [],
                "d_err": [],
                "train_error": [],
                "test_error": [],
            },
            name="curves",
        )
        marker = ColumnDataSource(
            {
                "lam": [],
                "theta_deg": [],
                "d_adv": [],
                "d_err": [],
                "train_error": [],
                "test_error": [],
            },
            name="marker",
        )
        spans, curve_figs = [], []
        for title, series in (
            ("tilting angle theta (degrees)", (("theta_deg", "#9467bd"),)),
            ("distances (mean over training data)", (("d_adv", "#1f77b4"), ("d_err", "#ff7f0e"))),
            ("error", (("train_error", "#7f7f7f"), ("test_error", "#d62728"))),
        ):
            f = figure(
                width=300,
                height=230,
                x_axis_type="log",
                title=title,
                tools="pan,wheel_zoom,reset",
                toolbar_location=None,
            )
            f.xaxis.axis_label = "lam"
            for key, color in series:
                kw = {"legend_label": key} if len(series) > 1 else {}
                f.line("lam", key, source=curves, color=color, line_width=2, **kw)
                f.scatter("lam", key, source=marker, size=9, color=color)
            if len(series) > 1:
                f.legend.label_text_font_size = "9px"
                f.legend.location = "top_left"
                f.legend.background_fill_alpha = 0.6
            span = Span(
                location=float(first["lams"][k0]),
                dimension="height",
                line_color="black",
                line_dash="dashed",
            )
            f.add_layout(span)
            spans.append(span)
            curve_figs.append(f)

        overview_src, ov_fig = None, None
        if self.overview is not None:
            ov = self.overview
            overview_src = ColumnDataSource(
                {
                    "pair": list(ov["pair"]),
                    "class_i": [str(c) for c in ov["class_i"]],
                    "class_j": [str(c) for c in ov["class_j"]],
                    "theta": [
                        float(problems[p]["theta_deg"][0]) if p in problems else np.nan
                        for p in ov["pair"]
                    ],
                    "line": [0.5] * len(ov["pair"]),
                },
                name="overview",
            )
            cats_i = sorted({str(c) for c in ov["class_i"]}, key=_natural)
            cats_j = sorted({str(c) for c in ov["class_j"]}, key=_natural)
            mapper = LinearColorMapper(palette=Viridis256, low=0, high=90, nan_color="#eeeeee")
            ov_fig = figure(
                width=360,
                height=330,
                x_range=cats_j,
                y_range=cats_i[::-1],
                title="theta (degrees) at this lam; click a pair",
                tools="tap,hover",
                toolbar_location=None,
                name="overview_plot",
                tooltips=[("pair", "@pair"), ("theta", "@theta{0.0}")],
            )
            ov_fig.rect(
                "class_j",
                "class_i",
                width=0.95,
                height=0.95,
                source=overview_src,
                fill_color={"field": "theta", "transform": mapper},
                line_color="#ff7f0e",
                line_width="line",
                selection_fill_alpha=1.0,
                nonselection_fill_alpha=1.0,
            )
            ov_fig.xaxis.axis_label = "class +1"
            ov_fig.yaxis.axis_label = "class -1"
            ov_fig.add_layout(
                ColorBar(color_mapper=mapper, ticker=BasicTicker(), width=10), "right"
            )
            overview_src.selected.js_on_change(
                "indices", CustomJS(args={"source": overview_src, "select": select}, code=_TAP)
            )
            ov_fig.select(TapTool).behavior = "select"

        init = _initial_state(problems[self.default], k0)
        for key, src in point_sources:
            src.data = init["points"][key]
        for src, key in (
            (boundary, "boundary"),
            (arrows, "arrows"),
            (centroids, "centroids"),
            (curves, "curves"),
            (marker, "marker"),
        ):
            src.data = init[key]
        if image_source is not None:
            image_source.data = {
                "image": [init["image"]],
                "dw": [init["image"].shape[1]],
                "dh": [init["image"].shape[0]],
            }
        args = {
            "problems": problems,
            "select": select,
            "slider": slider,
            "point_sources": [(k, s) for k, s in point_sources],
            "boundary": boundary,
            "arrows": arrows,
            "centroids": centroids,
            "curves": curves,
            "marker": marker,
            "spans": spans,
            "lam_div": lam_div,
            "image_source": image_source,
            "image_title": image_title,
            "profile_sources": profile_sources,
            "overview": overview_src,
        }
        callback = CustomJS(args=args, code=_CALLBACK)
        slider.js_on_change("value", callback)
        select.js_on_change("value", callback)

        controls = row(slider, select)
        top = [controls, lam_div, row(plane, image_box)]
        bottom = row(*curve_figs)
        if ov_fig is not None:
            top = [controls, lam_div, row(plane, column(image_box, ov_fig))]
        blocks = [Div(text=f"<h1>{_html.escape(self.title)}</h1>"), *top, bottom]
        for title, body in self.sections:
            blocks.append(
                Div(text=f"<h2>{_html.escape(title)}</h2>{body}", sizing_mode="stretch_width")
            )
        root = column(*blocks)
        # run the callback once at load time so that the page opens on the default state
        from bokeh.document import Document  # optional dependency (extra "report")

        doc = Document()
        doc.add_root(root)
        doc.js_on_event("document_ready", callback)
        return doc

    def to_html(self):
        """The page as one self-contained HTML string (Bokeh embedded inline).

        Returns
        -------
        html : str
        """
        _require_bokeh()
        # optional dependency (extra "report"), checked above
        from bokeh.embed import file_html
        from bokeh.resources import INLINE

        doc = self._layout()
        return file_html(doc, INLINE, title=self.title)

    def save(self, filename):
        """Write the page to ``filename``.

        Parameters
        ----------
        filename : str or path-like

        Returns
        -------
        self : TiltExplorer
        """
        text = self.to_html()
        path = Path(filename)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        return self


def _natural(s):
    try:
        return (0, float(s), s)
    except ValueError:
        return (1, 0.0, s)


def explore(
    X,
    y,
    *,
    lams=None,
    loss="hinge",
    path=None,
    X_test=None,
    y_test=None,
    class_names=None,
    n_points=(300, 150),
    n_images=2,
    tol=1e-6,
    random_state=0,
    title=None,
):
    """An interactive page of the regularisation path of a binary problem.

    Fits the exact path of :func:`~sklearn_tilt.scaled_loss_path` (or takes the
    one given), then builds a :class:`TiltExplorer`: move ``lam`` with a slider
    and watch the boundary tilt in the tilting plane, the projected and mirror
    images change, and ``theta``, ``d_adv``, ``d_err`` and the errors move.
    Features that form a square grid are shown as images, others as profiles.
    Save the page with ``.save("tilt.html")``: one file, no server, no network.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Training data (dense).
    y : array-like of shape (n_samples,)
        Binary target (the larger label is class +1).
    lams : array-like, default=None
        Values of ``lam`` (default: the 81 values of the paper's grid, suited to
        pixels in [0, 255]). Ignored when ``path`` is given.
    loss : {"hinge", "softplus"}, default="hinge"
    path : tuple (lams, coefs, intercepts), default=None
        A path computed beforehand (e.g. by ``scaled_loss_path`` or any solver),
        used as is.
    X_test, y_test : array-like, default=None
        Test data shown in the plane and in the test-error curve.
    class_names : pair of str, default=None
    n_points : (int, int), default=(300, 150)
        Training and test points drawn in the plane.
    n_images : int, default=2
        Images per class shown with their projected and mirror images.
    tol : float, default=1e-6
        Relative duality gap of the path's fits.
    random_state : int, default=0
        Seed of the subsampling of points and images.
    title : str, default=None

    Returns
    -------
    page : TiltExplorer

    Raises
    ------
    ImportError
        If Bokeh (the optional extra ``report``) is not installed.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_tilt.plotting import explore
    >>> X, y = load_digits(n_class=2, return_X_y=True)
    >>> page = explore(X, y, lams=np.logspace(-3, 3, 7))
    >>> sorted(page.problems_)
    ['0 vs 1']
    """
    _require_bokeh()
    X, y = check_X_y(X, y, dtype=np.float64)
    classes, _ = binary_labels(y)
    if X_test is not None or y_test is not None:
        if X_test is None or y_test is None:
            raise ValueError("give both X_test and y_test, or neither")
        X_test = check_array(X_test, dtype=np.float64)
        if X_test.shape[1] != X.shape[1]:
            raise ValueError(f"X_test has {X_test.shape[1]} features, X has {X.shape[1]}")
        y_test = np.asarray(y_test)
        if not np.all(np.isin(y_test, classes)):
            raise ValueError("y_test has labels that are not in y")
    if path is None:
        lams, coefs, intercepts = scaled_loss_path(X, y, lams=lams, loss=loss, tol=tol)[:3]
    else:
        try:
            lams, coefs, intercepts = path[:3]
        except (TypeError, ValueError):
            raise ValueError("path must be a tuple (lams, coefs, intercepts)") from None
    names = tuple(str(c) for c in (class_names if class_names is not None else classes))
    if len(names) != 2:
        raise ValueError(f"class_names must name 2 classes, got {class_names!r}")
    name = f"{names[0]} vs {names[1]}"
    prob = compute_problem(
        X,
        y,
        lams,
        coefs,
        intercepts,
        X_test=X_test,
        y_test=y_test,
        name=name,
        class_names=names,
        n_points=n_points,
        n_images=n_images,
        random_state=random_state,
    )
    return TiltExplorer([prob], title=title or f"sklearn_tilt explorer: {name}")
