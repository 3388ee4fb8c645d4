import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from sklearn_tilt import _geometry as geo
from sklearn_tilt.datasets import make_tilt_toy
from sklearn_tilt.metrics import adversarial_distance, signed_distance, tilting_angle
from sklearn_tilt.metrics._path_geometry import path_metrics
from sklearn_tilt.plotting import (
    AdversarialExampleDisplay,
    FilterGridDisplay,
    ImageGridDisplay,
    MirrorImageDisplay,
    RegularizationPathDisplay,
    ScaledLossDisplay,
    TiltingPlaneDisplay,
    TiltToyDisplay,
)


def _reference_quantities(w, b, X, y_pm):
    """Independent computation of the geometry of one boundary (no display code)."""
    s = X @ w + b
    d = s / np.linalg.norm(w)
    m = y_pm * d
    z = X[y_pm > 0].mean(0) - X[y_pm < 0].mean(0)
    z /= np.linalg.norm(z)
    return {
        "train_error": np.mean(np.sign(s) != y_pm),
        "d_adv": m.mean(),
        "d_err": np.mean(np.where(m <= 0, -m, 0)),
        "theta": np.arccos(np.clip(w @ z / np.linalg.norm(w), -1, 1)),
    }


def test_path_quantities_match_definitions(pair_path):
    lams, coefs, intercepts, X, y, Xt, yt = pair_path
    q = path_metrics(coefs, intercepts, X, y, Xt, yt)
    y_pm = np.where(y == 5, 1.0, -1.0)
    for k in range(len(lams)):
        ref = _reference_quantities(coefs[k].astype(float), intercepts[k], X, y_pm)
        for key, v in ref.items():
            assert q[key][k] == pytest.approx(v, rel=1e-9, abs=1e-9), key
    # the identity d_adv = 0.5 ||j - i|| cos(theta) on balanced classes
    np.testing.assert_allclose(q["d_adv"], q["d_adv_centroid"], rtol=1e-9)
    assert q["test_error"].shape == (len(lams),)
    with pytest.raises(ValueError, match="not among the classes"):
        path_metrics(coefs, intercepts, X, y, Xt, np.where(yt == 3, 3, 4))
    # the paper's trend: theta goes to 0, d_adv grows with lam
    assert q["theta"][0] > np.radians(20) and q["theta"][-1] < np.radians(0.5)
    assert q["d_adv"][-1] > q["d_adv"][0]


def test_path_display(pair_path):
    lams, coefs, intercepts, X, y, Xt, yt = pair_path
    disp = RegularizationPathDisplay.from_path(lams, coefs, intercepts, X, y, Xt, yt, name="3 vs 5")
    assert isinstance(disp.figure_, plt.Figure)
    assert disp.ax_.shape == (4,)
    assert all(a.get_xscale() == "log" for a in disp.ax_)
    np.testing.assert_allclose(disp.lines_["theta"].get_ydata(), np.degrees(disp.theta))
    assert set(disp.lines_) == {"train_error", "test_error", "d_adv", "d_err", "theta", "norm_w"}
    # drawing again into given axes
    fig, axes = plt.subplots(2, 2)
    again = disp.plot(ax=axes)
    assert again is disp and disp.figure_ is fig
    with pytest.raises(ValueError, match="4 Axes"):
        disp.plot(ax=axes[0])


def test_path_display_from_estimator_and_no_test_data():
    X, y = make_tilt_toy(noisy_point=True)
    disp = RegularizationPathDisplay.from_estimator(
        SVC(kernel="linear"), X, y, lams=[1e-2, 1.0, 1e2], param_name="C"
    )
    assert np.all(np.isnan(disp.test_error))
    assert "test_error" not in disp.lines_


def test_path_display_from_pipeline_measures_in_input_space():
    """Through an affine pipeline the path is measured where the metric functions measure."""
    X, y = make_tilt_toy(noisy_point=True)
    X = X * [1.0, 5.0]  # anisotropic: the scaled space differs from the input space
    Cs = [1e-2, 1.0, 1e2]
    disp = RegularizationPathDisplay.from_estimator(
        make_pipeline(StandardScaler(), SVC(kernel="linear")), X, y, lams=Cs, param_name="svc__C"
    )
    for k, C in enumerate(Cs):
        pipe = make_pipeline(StandardScaler(), SVC(kernel="linear", C=C)).fit(X, y)
        assert disp.d_adv[k] == pytest.approx(adversarial_distance(pipe, X, y), rel=1e-9)
        assert disp.theta[k] == pytest.approx(tilting_angle(pipe, X, y), rel=1e-9)
    # not the numbers of the standardised space
    scaled = StandardScaler().fit_transform(X)
    svc = SVC(kernel="linear", C=Cs[0]).fit(scaled, y)
    assert disp.d_adv[0] != pytest.approx(adversarial_distance(svc, scaled, y), rel=1e-3)


@pytest.mark.parametrize("loss", ["hinge", "softplus"])
def test_scaled_loss_display(pair_path, loss):
    lams, coefs, intercepts, X, y, _, _ = pair_path
    disp = ScaledLossDisplay.from_path(lams, coefs, intercepts, X, y, lam=1e3, loss=loss)
    k = 1
    w = coefs[k].astype(float)
    y_pm = np.where(y == 5, 1.0, -1.0)
    np.testing.assert_allclose(disp.margins, y_pm * (X @ w + intercepts[k]) / np.linalg.norm(w))
    assert disp.scale == pytest.approx(np.linalg.norm(w))
    zz, ff = disp.line_.get_data()
    np.testing.assert_allclose(ff, geo.scaled_loss(zz, disp.scale, loss))
    assert disp.counts_.max() == 1.0
    assert disp.lam == lams[k]
    assert disp.ax_.figure is disp.figure_


def test_scaled_loss_from_estimator_pipeline_and_errors():
    X, y = make_tilt_toy(noisy_point=True)
    X = X * [1.0, 5.0]  # anisotropic: the scaled space differs from the input space
    pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    disp = ScaledLossDisplay.from_estimator(pipe, X, y, loss="softplus")
    Xs = pipe[0].transform(X)
    clf = pipe[-1]
    y_pm = np.where(y == 1, 1, -1)
    # distances in input space, as the metric functions measure them
    np.testing.assert_allclose(disp.margins, y_pm * signed_distance(pipe, X))
    assert disp.margins.mean() == pytest.approx(adversarial_distance(pipe, X, y), rel=1e-12)
    w_input = clf.coef_.ravel() / pipe[0].scale_
    np.testing.assert_allclose(disp.scale, np.linalg.norm(w_input))
    assert not np.isclose(disp.scale, np.linalg.norm(clf.coef_))
    # the loss itself does not depend on the space: ||w|| y d(x) = y s(x)
    np.testing.assert_allclose(disp.margins * disp.scale, y_pm * pipe.decision_function(X))
    with pytest.raises(ValueError, match="loss must be one of"):
        ScaledLossDisplay.from_estimator(pipe[-1], Xs, y)  # LogisticRegression has no loss
    with pytest.raises(ValueError, match="binary"):
        ScaledLossDisplay.from_estimator(pipe, X, np.arange(len(y)) % 3, loss="hinge")
    with pytest.raises(TypeError, match="coef_"):
        ScaledLossDisplay.from_estimator(StandardScaler().fit(X), X, y, loss="hinge")


def test_scaled_loss_from_our_estimator():
    from sklearn_tilt import ScaledLossLinearClassifier

    X, y = make_tilt_toy(noisy_point=True)
    clf = ScaledLossLinearClassifier(loss="hinge", lam=0.1).fit(X, y)
    fig, ax = plt.subplots()
    disp = ScaledLossDisplay.from_estimator(clf, X, y, ax=ax)
    assert disp.loss == "hinge" and disp.lam == 0.1 and disp.ax_ is ax


def test_tilting_plane_display(pair_path):
    lams, coefs, intercepts, X, y, _, _ = pair_path
    disp = TiltingPlaneDisplay.from_path(lams, coefs, intercepts, X, y, lam=0.1)
    w, b = coefs[0].astype(float), intercepts[0]
    z, _ = geo.centroid_direction(X, np.where(y == 5, 1, -1))
    zz, n_hat = geo.tilting_plane_basis(w, z)
    np.testing.assert_allclose(disp.coords, X @ np.column_stack([zz, n_hat]))
    assert disp.theta == pytest.approx(geo.angle_between(w, z))
    # w lies in the plane: its plane coordinates keep its norm
    assert np.linalg.norm(disp.w_plane) == pytest.approx(np.linalg.norm(w))
    # mirror images: same distance to the boundary, opposite side
    d_img = (disp.images @ w + b) / np.linalg.norm(w)
    d_mir = (disp.mirrors @ w + b) / np.linalg.norm(w)
    np.testing.assert_allclose(d_mir, -d_img, atol=1e-8)
    # the centroids project to points whose difference is along z only
    diff = disp.centroids[1] - disp.centroids[0]
    assert abs(diff[1]) < 1e-8 and diff[0] > 0
    assert disp.class_names == ("3", "5")


def test_tilting_plane_degenerate_uses_data_spread(pair_path):
    lams, coefs, intercepts, X, y, _, _ = pair_path
    y_pm = np.where(y == 5, 1, -1)
    z, _ = geo.centroid_direction(X, y_pm)
    # w exactly parallel to z: the plane is not defined by w
    zz, n_hat = geo.tilting_plane_basis(3.0 * z, z, X)
    assert abs(n_hat @ z) < 1e-10 and np.linalg.norm(n_hat) == pytest.approx(1.0)
    assert np.std(X @ n_hat) > 10  # not a constant coordinate
    disp = TiltingPlaneDisplay.from_path([1.0], [3.0 * z], [0.0], X, y, lam=1.0)
    assert disp.theta == pytest.approx(0.0, abs=1e-7)


def test_tilting_plane_from_estimator_with_indices():
    X, y = make_tilt_toy(noisy_point=True)
    clf = SVC(kernel="linear", C=1e3).fit(X, y)
    fig, ax = plt.subplots()
    disp = TiltingPlaneDisplay.from_estimator(
        clf, X, y, indices=(0, 20), ax=ax, class_names=("I", "J")
    )
    np.testing.assert_array_equal(disp.images, X[[0, 20]])
    assert disp.ax_ is ax and disp.figure_ is fig


def test_mirror_image_display(pair_path):
    lams, coefs, intercepts, X, y, _, _ = pair_path
    disp = MirrorImageDisplay.from_path(lams, coefs, intercepts, X, y, lams_to_show=[0.1, 1e7])
    assert disp.images.shape == (2, 4, 28, 28) and disp.ax_.shape == (2, 4)
    i0, j0 = disp.indices_
    assert y[i0] == 3 and y[j0] == 5
    for r, k in enumerate([0, 3]):
        w = coefs[k].astype(float)
        d = (X[[i0, j0]] @ w + intercepts[k]) / np.linalg.norm(w)
        np.testing.assert_allclose(disp.distances_[r], d)
        expected = X[i0] - 2 * d[0] * w / np.linalg.norm(w)
        np.testing.assert_allclose(disp.images[r, 1].ravel(), expected)
    # with large lam the mirror is far from the image; with small lam it is closer
    gap = [np.linalg.norm(disp.images[r, 0] - disp.images[r, 1]) for r in range(2)]
    assert gap[0] < gap[1]
    svc = SVC(kernel="linear").fit(X, y)
    one = MirrorImageDisplay.from_estimator(svc, X, y, indices=(i0, j0))
    assert one.images.shape == (1, 4, 28, 28)


def test_image_grid_and_errors():
    disp = ImageGridDisplay(
        np.zeros((2, 3, 5, 5)),
        row_labels=["a", "b"],
        col_labels=["x", "y", "z"],
        signed=[False, True],
    ).plot()
    assert disp.ax_.shape == (2, 3) and disp.ax_[0, 0].get_ylabel() == "a"
    with pytest.raises(ValueError, match="square"):
        ImageGridDisplay(np.zeros((1, 2, 7))).plot()
    with pytest.raises(ValueError, match="dimensions"):
        ImageGridDisplay(np.zeros((4, 4))).plot()


def test_adversarial_display():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 255, size=(4, 784))
    low = X + rng.normal(0, 1, size=X.shape)
    high = X.copy()
    high[1] = np.nan  # a failed attack is left blank
    high[[0, 2, 3]] += 3.0
    disp = AdversarialExampleDisplay.from_arrays(
        X, {"low": low, "high": high}, labels=[0, 1, 2, 3], targets=[1, 2, 3, 4]
    )
    assert disp.ax_.shape == (5, 4)
    assert disp.row_labels == ["OI", "AE low", "Pert low", "AE high", "Pert high"]
    np.testing.assert_allclose(disp.norms_["low"], np.linalg.norm(low - X, axis=1))
    assert np.isnan(disp.norms_["high"][1])
    assert disp.norms_["high"][0] == pytest.approx(3.0 * 28)
    assert disp.col_labels[0] == "0→1"
    np.testing.assert_allclose(disp.images[2].reshape(4, -1), low - X)


def test_filter_grid_display():
    rng = np.random.default_rng(0)
    w = {"conv1": rng.normal(size=(20, 1, 5, 5)), "conv4": rng.normal(size=(10, 500, 1, 1))}
    disp = FilterGridDisplay.from_weights(w, n_filters=6)
    assert disp.images.shape == (2, 6, 5, 5)
    assert disp.rms_["conv1"] == pytest.approx(np.sqrt(np.mean(w["conv1"] ** 2)))
    # the 1x1 filters are padded with NaN
    assert np.all(np.isnan(disp.images[1, :, 1:, :]))


def test_filter_grid_accepts_torch():
    torch = pytest.importorskip("torch")
    disp = FilterGridDisplay.from_weights({"c": torch.zeros(3, 1, 5, 5)}, n_filters=2)
    assert disp.rms_["c"] == 0.0


def test_toy_display_mirror_geometry():
    X, y = make_tilt_toy()
    dists = []
    for deg in (0, 30, 60, 85):
        disp = TiltToyDisplay.from_angle(np.radians(deg), X, y)
        assert np.degrees(disp.theta) == pytest.approx(deg)
        w, b = disp.coef, disp.intercept
        d = (disp.image @ w + b) / np.linalg.norm(w)
        assert (disp.mirror @ w + b) / np.linalg.norm(w) == pytest.approx(-d)
        dists.append(disp.mirror_distance_)
    # the mirror image approaches the image as the boundary tilts
    assert np.all(np.diff(dists) < 0)
    # at theta=0 the mirror of the image nearest to centroid i lands near centroid j
    disp = TiltToyDisplay.from_angle(0.0, X, y)
    np.testing.assert_allclose(disp.mirror, [1.0, 0.0], atol=0.05)


def test_toy_display_from_estimator_and_path():
    X, y = make_tilt_toy(noisy_point=True)
    disp = TiltToyDisplay.from_estimator(SVC(kernel="linear", C=1e4).fit(X, y), X, y)
    assert np.degrees(disp.theta) > 45
    disp2 = TiltToyDisplay.from_path(
        [1e-3, 1e2], [[1.0, 0.0], [1.0, 2.0]], [0.0, 0.0], X, y, lam=1e-3
    )
    assert disp2.theta < disp.theta
    with pytest.raises(ValueError, match="2 features"):
        Xw = np.hstack([X, X])
        TiltToyDisplay.from_estimator(SVC(kernel="linear").fit(Xw, y), Xw, y)


# --------------------------------------------------------------------------- #
# the scikit-learn Display conventions: plot(ax=None, *, name=None, **kwargs)
# --------------------------------------------------------------------------- #
@pytest.fixture(scope="module")
def digits_8x8():
    """Digits 0 vs 1 of scikit-learn's 8x8 digits, in their own units (0..16)."""
    from sklearn.datasets import load_digits

    X, y = load_digits(n_class=2, return_X_y=True)
    return X, y, SVC(kernel="linear", C=1e-3).fit(X, y)


def _labels(ax):
    return [ax.get_xlabel(), ax.get_ylabel(), ax.get_title()]


def test_plot_passes_kwargs_and_name(pair_path):
    lams, coefs, intercepts, X, y, Xt, yt = pair_path
    disp = ScaledLossDisplay.from_path(lams, coefs, intercepts, X, y, lam=1e3)
    disp.plot(name="three/five", color="tab:green", lw=3.5)
    assert disp.line_.get_color() == "tab:green" and disp.line_.get_linewidth() == 3.5
    assert disp.ax_.get_title().startswith("three/five")

    path = RegularizationPathDisplay.from_path(
        lams, coefs, intercepts, X, y, Xt, yt, marker="x", lw=0.5, name="first"
    )
    assert all(
        line.get_marker() == "x" and line.get_linewidth() == 0.5 for line in path.lines_.values()
    )
    assert path.figure_._suptitle.get_text() == "first"
    path.plot(name="second")
    assert path.figure_._suptitle.get_text() == "second"

    plane = TiltingPlaneDisplay.from_path(lams, coefs, intercepts, X, y, lam=1e3, s=30, name="pair")
    sizes = {float(c.get_sizes()[0]) for c in plane.ax_.collections}
    assert sizes == {30.0}
    assert plane.ax_.get_title().startswith("pair, ")

    toy_X, toy_y = make_tilt_toy()
    toy = TiltToyDisplay.from_angle(0.3, toy_X, toy_y, color="tab:purple", name="toy")
    boundary = [ln for ln in toy.ax_.lines if ln.get_label().startswith("boundary")]
    assert len(boundary) == 1 and boundary[0].get_color() == "tab:purple"
    assert toy.ax_.get_title() == "toy"

    grid = ImageGridDisplay(np.zeros((1, 2, 5, 5))).plot(interpolation="bilinear", name="g")
    assert grid.ax_[0, 0].images[0].get_interpolation() == "bilinear"
    assert grid.figure_._suptitle.get_text() == "g"


def test_path_display_axes_and_figure(pair_path):
    lams, coefs, intercepts, X, y, _, _ = pair_path
    disp = RegularizationPathDisplay.from_path(lams, coefs, intercepts, X, y)
    assert disp.axes_.shape == (4,) and disp.ax_ is disp.axes_
    assert all(a.figure is disp.figure_ for a in disp.axes_)
    grid = ImageGridDisplay(np.zeros((2, 3, 5, 5))).plot()
    assert grid.axes_.shape == (2, 3) and grid.axes_[1, 2].figure is grid.figure_


def test_thumbnails_scaled_from_the_data(digits_8x8):
    """On 0..16 digits the thumbnails show ink (a fixed 0..255 scale drew them blank)."""
    X, y, clf = digits_8x8
    plane = TiltingPlaneDisplay.from_estimator(clf, X, y)
    assert plane.grey_range_ == (float(plane.images.min()), float(plane.images.max()))
    assert plane.grey_range_[1] <= 16
    thumbs = [a for a in plane.ax_.artists if hasattr(a, "offsetbox")]
    assert len(thumbs) == 4
    for ab in thumbs:
        image = ab.offsetbox.get_children()[0]
        levels = image.norm(np.asarray(image.get_array(), dtype=float))
        assert levels.max() - levels.min() > 0.5  # visible ink, not a blank square

    mirror = MirrorImageDisplay.from_estimator(clf, X, y)
    assert (mirror.vmin_, mirror.vmax_) == (0.0, 16.0)
    for a in mirror.ax_.ravel():
        assert a.images[0].get_clim() == (0.0, 16.0)
    # a plain grid takes the range of its images
    grid = ImageGridDisplay(np.linspace(-3, 2, 50).reshape(1, 2, 5, 5)).plot()
    assert (grid.vmin_, grid.vmax_) == (-3.0, 2.0)


def test_no_pixel_units_in_labels(digits_8x8, pair_path):
    X, y, clf = digits_8x8
    lams, coefs, intercepts, Xp, yp, _, _ = pair_path
    axes = [
        ScaledLossDisplay.from_estimator(clf, X, y, loss="hinge").ax_,
        TiltingPlaneDisplay.from_estimator(clf, X, y).ax_,
        *RegularizationPathDisplay.from_path(lams, coefs, intercepts, Xp, yp).axes_,
    ]
    labels = [text for ax in axes for text in _labels(ax)]
    assert labels and not [t for t in labels if "pixel" in t]


def test_legend_names_image_and_mirror(pair_path):
    lams, coefs, intercepts, X, y, _, _ = pair_path
    plane = TiltingPlaneDisplay.from_path(lams, coefs, intercepts, X, y, lam=0.1)
    handles, labels = plane.ax_.get_legend_handles_labels()
    markers = dict(zip(labels, (getattr(h, "get_marker", lambda: None)() for h in handles)))
    assert markers[r"image $x$"] == "o" and markers[r"its mirror $x_m$"] == "s"
    assert markers["class centroid"] == "X"
    legend = [t.get_text() for t in plane.ax_.get_legend().get_texts()]
    assert r"image $x$" in legend and r"its mirror $x_m$" in legend
    toy_X, toy_y = make_tilt_toy()
    toy = TiltToyDisplay.from_angle(0.3, toy_X, toy_y)
    legend = [t.get_text() for t in toy.ax_.get_legend().get_texts()]
    assert r"image $x$" in legend and r"its mirror $x_m$" in legend


def test_from_estimator_accepts_wrapped_and_rejects_bad_labels(digits_8x8):
    from sklearn.frozen import FrozenEstimator

    X, y, clf = digits_8x8
    a = ScaledLossDisplay.from_estimator(FrozenEstimator(clf), X, y, loss="hinge")
    b = ScaledLossDisplay.from_estimator(clf, X, y, loss="hinge")
    np.testing.assert_array_equal(a.margins, b.margins)
    with pytest.raises(ValueError, match="not among the classes"):
        ScaledLossDisplay.from_estimator(clf, X, y + 5, loss="hinge")
    pipe = make_pipeline(StandardScaler(), SVC(kernel="linear", C=1e-2)).fit(X, y)
    mirror = MirrorImageDisplay.from_estimator(pipe, X, y)
    # mirrors through the input-space boundary: same distance, other side
    from sklearn_tilt.preprocessing import MirrorImage

    expected = MirrorImage(FrozenEstimator(pipe)).fit(X, y).transform(X[list(mirror.indices_)])
    np.testing.assert_allclose(mirror.images[0, [1, 3]].reshape(2, -1), expected, atol=1e-8)


def _all_displays():
    X, y = make_tilt_toy(noisy_point=True)
    clf = SVC(kernel="linear", C=10.0).fit(X, y)
    lams = [0.01, 1.0]
    coefs = np.array([[1.0, 1.0], [1.0, 0.1]])
    return {
        "path": RegularizationPathDisplay.from_path(lams, coefs, [0.0, 0.0], X, y),
        "loss": ScaledLossDisplay.from_estimator(clf, X, y, loss="hinge"),
        "plane": TiltingPlaneDisplay.from_estimator(clf, X, y),
        "toy": TiltToyDisplay.from_estimator(clf, X, y),
        "grid": ImageGridDisplay(np.zeros((1, 2, 5, 5))).plot(),
    }


def test_displays_share_one_base_and_keep_data_once():
    from sklearn_tilt.plotting._common import DisplayMixin

    for key, disp in _all_displays().items():
        assert isinstance(disp, DisplayMixin), key
        assert disp.figure_ is np.ravel(disp.ax_)[0].figure, key
        # the older names with a trailing underscore are the same objects, not copies
        for attr in type(disp)._data_names:
            assert getattr(disp, attr + "_") is getattr(disp, attr), (key, attr)
            assert attr + "_" not in vars(disp), (key, attr)
    disp = RegularizationPathDisplay(
        lams=[0.1, 1.0],
        train_error=[0, 0],
        test_error=[0, 0],
        d_adv=[1, 2],
        d_err=[0, 0],
        theta=[1, 0],
        norm_w=[2, 1],
    )
    assert disp.lams.dtype == np.float64 and disp.lams_ is disp.lams
    with pytest.raises(AttributeError):
        disp.lams_ = np.ones(2)  # read-only: the data live under one name


def test_displays_draw_on_given_axes_and_take_the_name():
    X, y = make_tilt_toy(noisy_point=True)
    clf = SVC(kernel="linear", C=10.0).fit(X, y)
    fig, ax = plt.subplots()
    disp = ScaledLossDisplay.from_estimator(clf, X, y, loss="hinge", name="toy", ax=ax)
    assert disp.ax_ is ax and disp.figure_ is fig
    assert disp.ax_.get_title().startswith("toy")
    assert disp.plot(name="other").ax_.get_title().startswith("other")
    plane = TiltingPlaneDisplay.from_estimator(clf, X, y, name="p")
    assert plane.ax_.get_title().startswith("p, ")
    fig, axes = plt.subplots(1, 3)
    with pytest.raises(ValueError, match="4 Axes"):
        RegularizationPathDisplay.from_path([1.0], [[1.0, 0.0]], [0.0], X, y, ax=axes)
    with pytest.raises(ValueError, match="2 Axes"):
        ImageGridDisplay(np.zeros((1, 2, 5, 5))).plot(ax=axes)
    plt.close("all")
