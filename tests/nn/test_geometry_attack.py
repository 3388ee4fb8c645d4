"""Input-gradient geometry, temperature calibration, the attack, weight statistics."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn_tilt import _geometry  # noqa: E402
from sklearn_tilt.metrics import tilting_angle  # noqa: E402
from sklearn_tilt.nn import (  # noqa: E402
    AttackResult,
    LeNetClassifier,
    calibrate_temperature,
    filter_grid,
    high_confidence_attack,
    input_gradients,
    local_tilting_angle,
    weight_rms,
)


@pytest.fixture(scope="module")
def data(mnist_5k):
    X, y = mnist_5k
    rng = np.random.RandomState(1)
    idx = rng.permutation(len(X))
    return X[idx[:1000]], y[idx[:1000]], X[idx[4000:4200]], y[idx[4000:4200]]


@pytest.fixture(scope="module")
def net(data):
    """A LeNet trained for 3 short epochs on 1000 real images (about 90 % accurate)."""
    Xtr, ytr, _, _ = data
    return LeNetClassifier(
        max_epochs=3, batch_size=50, lr=0.003, random_state=0, verbose=0, train_split=None
    ).fit(Xtr, ytr)


@pytest.fixture(scope="module")
def correct(net, data):
    """20 test images the network classifies correctly."""
    _, _, Xte, yte = data
    ok = np.flatnonzero(net.predict(Xte) == yte)[:20]
    return Xte[ok], yte[ok]


def test_trained_fixture_learns(net, data):
    _, _, Xte, yte = data
    assert np.mean(net.predict(Xte) == yte) > 0.8


# ---------------------------------------------------------------- margins and gradients


def test_margin_protocol(net, data):
    _, _, Xte, yte = data
    X, y = Xte[:50], yte[:50]
    m, g = net.margin_and_input_gradient(X, y)
    assert m.shape == (50,) and g.shape == (50, 784)
    assert m.dtype == g.dtype == np.float64
    z = net.decision_function(X)
    zt = z[np.arange(50), y]
    other = np.where(np.eye(10, dtype=bool)[y], -np.inf, z).max(axis=1)
    np.testing.assert_allclose(m, zt - other, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(m < 0, net.predict(X) != y)
    m0, g0 = net.margin_and_input_gradient(X)
    assert (m0 >= 0).all()
    ok = net.predict(X) == y
    np.testing.assert_allclose(m0[ok], m[ok])
    np.testing.assert_allclose(g0[ok], g[ok])
    # the layout of X does not matter: (n, 1, 28, 28) gives the same flattened gradients
    m4, g4 = net.margin_and_input_gradient(X.reshape(-1, 1, 28, 28), y)
    np.testing.assert_array_equal(m4, m)
    np.testing.assert_array_equal(g4, g)
    # the functional form and unseen labels
    mf, gf = input_gradients(net, X, y, batch_size=7)
    np.testing.assert_allclose(mf, m, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gf, g, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="not in classes_"):
        net.margin_and_input_gradient(X[:2], [0, 11])


def test_gradient_matches_finite_differences(net, correct):
    """The network is piecewise linear in x: central differences are exact off the kinks."""
    X, y = correct
    rng = np.random.RandomState(0)
    v = rng.choice([-1.0, 1.0], size=X.shape)  # X + eps v is exact in float32 (pixels <= 255)
    eps = 2.0**-10
    _, g = net.margin_and_input_gradient(X, y)
    mp, _ = net.margin_and_input_gradient(X + eps * v, y)
    mm, _ = net.margin_and_input_gradient(X - eps * v, y)
    fd = (mp - mm) / (2 * eps)
    exact = np.einsum("ij,ij->i", g, v)
    rel = np.abs(fd - exact) / np.abs(exact)
    assert np.mean(rel < 1e-6) >= 0.8
    assert np.median(rel) < 1e-8


def test_first_order_distance_points_to_the_boundary(net, correct):
    X, y = correct
    m, g = net.margin_and_input_gradient(X, y)
    d = _geometry.first_order_distance(m, g)
    assert (d > 0).all() and np.isfinite(d).all()
    # the projection x - d g/||g|| (the linear formula, row-wise normals) lands near the boundary
    Xp = _geometry.reflect(X, d, g, 1.0)
    mp, _ = net.margin_and_input_gradient(Xp, y)
    assert np.median(np.abs(mp) / m) < 0.5
    # and twice as far is (mostly) on the other side: the first-order mirror image
    Xm = _geometry.reflect(X, d, g, 2.0)
    assert np.mean(net.predict(Xm) != y) >= 0.5


def test_binary_margin_is_the_signed_raw_score(data):
    Xtr, ytr, Xte, yte = data
    mask, tmask = np.isin(ytr, (3, 5)), np.isin(yte, (3, 5))
    bnet = LeNetClassifier(
        max_epochs=2, batch_size=50, lr=0.003, random_state=0, verbose=0, train_split=None
    ).fit(Xtr[mask], ytr[mask])
    X, y = Xte[tmask], yte[tmask]
    s = bnet.decision_function(X)
    m, g = bnet.margin_and_input_gradient(X, y)
    ypm = np.where(y == 5, 1.0, -1.0)
    np.testing.assert_allclose(m, ypm * s, rtol=1e-4, atol=1e-4)
    # the first-order signed distance y d(x), as for a linear model
    d = _geometry.first_order_distance(m, g)
    np.testing.assert_array_equal(d > 0, bnet.predict(X) == y)
    theta = local_tilting_angle(bnet, X, y)
    z, _ = _geometry.centroid_direction(X.reshape(len(X), -1), ypm)
    gsign = g * ypm[:, None]  # the normal of the raw score, towards class +1
    np.testing.assert_allclose(theta, [_geometry.angle_between(v, z) for v in gsign], rtol=1e-12)
    # one answer to one question: the metric averages the same local angles
    assert tilting_angle(bnet, X, y) == pytest.approx(theta.mean(), rel=1e-9)


def test_local_tilting_angle(net, data):
    Xtr, ytr, Xte, yte = data
    X, y = Xte[:30], yte[:30]
    theta = local_tilting_angle(net, X, y, X_ref=Xtr, y_ref=ytr)
    assert theta.shape == (30,)
    # by hand for each image: gradient of z_c - z_k against the centroid k -> c
    m, g = net.margin_and_input_gradient(X, y)
    logits = net.decision_function(X)
    for i in range(len(X)):
        k = int(np.argmax(np.where(np.arange(10) == y[i], -np.inf, logits[i])))
        pair = np.isin(ytr, (y[i], k))
        direction, _ = _geometry.centroid_direction(Xtr[pair], np.where(ytr[pair] == y[i], 1, -1))
        assert theta[i] == pytest.approx(_geometry.angle_between(g[i], direction), rel=1e-9)
    with pytest.raises(ValueError, match="labels"):
        local_tilting_angle(net, X)


# ---------------------------------------------------------------- calibration and attack


def test_calibrate_temperature(net, data):
    _, _, Xte, _ = data
    saved = net.temperature
    try:
        T = calibrate_temperature(net, Xte, median_confidence=0.95)
        assert net.temperature == T > 0
        assert np.median(net.predict_proba(Xte).max(axis=1)) == pytest.approx(0.95, abs=1e-9)
        T2 = calibrate_temperature(net, Xte, median_confidence=0.5)
        assert T2 > T  # less confidence, higher temperature
        for bad in (0.05, 1.0):
            with pytest.raises(ValueError, match="median_confidence"):
                calibrate_temperature(net, Xte, median_confidence=bad)
    finally:
        net.set_params(temperature=saved)


@pytest.fixture(scope="module")
def calibrated(net, data):
    """A copy of the trained net, calibrated to a median confidence of 0.95 on the test set."""
    import copy

    _, _, Xte, _ = data
    cnet = copy.deepcopy(net)
    calibrate_temperature(cnet, Xte, 0.95)
    return cnet


def test_cyclic_attack_reaches_the_target_confidence(calibrated, correct):
    X, y = correct
    X, y = X[:10], y[:10]
    res = high_confidence_attack(calibrated, X, "cyclic", y=y, step=8.0, max_iter=600)
    assert isinstance(res, AttackResult)
    np.testing.assert_array_equal(res.target, (y + 1) % 10)
    assert res.X_adv.shape == X.shape and res.X_adv.dtype == np.float32
    assert res.success.mean() >= 0.9 and res.success_rate == res.success.mean()
    ok = res.success
    p = calibrated.predict_proba(res.X_adv)
    assert (p[ok, res.target[ok]] >= 0.95 - 1e-4).all()
    np.testing.assert_array_equal(calibrated.predict(res.X_adv[ok]), res.target[ok])
    np.testing.assert_allclose(res.confidence[ok], p[ok, res.target[ok]], rtol=1e-4)
    assert res.X_adv.min() >= 0.0 and res.X_adv.max() <= 255.0
    assert (res.n_iter[ok] >= 1).all() and (res.n_iter <= 600).all()
    norms = np.linalg.norm(res.X_adv.astype(np.float64) - X, axis=1)
    np.testing.assert_allclose(res.perturbation_norm, norms, rtol=1e-6)
    assert (res.perturbation_norm <= 8.0 * res.n_iter + 1e-3).all()
    # statistics over all images, failures counted as infinite
    np.testing.assert_allclose(res.norms_with_failures, np.where(ok, norms, np.inf), rtol=1e-12)
    assert res.median_perturbation_norm == np.median(np.where(ok, res.perturbation_norm, np.inf))
    # without y, "cyclic" starts from the predicted class (the same here: all correct)
    res_pred = high_confidence_attack(calibrated, X[:3], "cyclic", step=4.0, max_iter=3)
    np.testing.assert_array_equal(res_pred.target, (y[:3] + 1) % 10)


def test_one_attack_step_is_the_normalised_probability_gradient(calibrated, correct):
    X, y = correct
    X = X[:5]
    target = (y[:5] + 3) % 10
    res = high_confidence_attack(calibrated, X, target, step=1.0, clip=None, max_iter=1)
    assert (res.n_iter == 1).all() and not res.success.any()
    np.testing.assert_allclose(res.perturbation_norm, 1.0, rtol=1e-5)
    _, g = input_gradients(calibrated, X, output="proba", target=target)
    ghat = g / np.linalg.norm(g, axis=1, keepdims=True)
    step = res.X_adv.astype(np.float64) - X
    np.testing.assert_allclose(step, ghat, atol=2e-4)
    # the (log-)probability outputs agree with predict_proba
    lp, _ = input_gradients(calibrated, X, output="log_proba", target=target)
    p = calibrated.predict_proba(X)[np.arange(5), target]
    np.testing.assert_allclose(np.exp(lp), p, rtol=1e-5)


def test_attack_is_batched_and_batch_independent(calibrated, correct):
    X, y = correct
    X = X[:6].reshape(-1, 1, 28, 28)
    a = high_confidence_attack(calibrated, X, "cyclic", step=4.0, max_iter=25)
    b = high_confidence_attack(calibrated, X, "cyclic", step=4.0, max_iter=25, batch_size=4)
    assert a.X_adv.shape == (6, 1, 28, 28)
    np.testing.assert_allclose(a.X_adv, b.X_adv, atol=1e-3)
    np.testing.assert_array_equal(a.n_iter, b.n_iter)
    # an image already at the target confidence needs no step
    pred = calibrated.predict(X)
    conf = calibrated.predict_proba(X).max(axis=1)
    c = high_confidence_attack(calibrated, X, pred, confidence=float(conf.min()) * 0.999)
    assert (c.n_iter == 0).all() and c.success.all()
    np.testing.assert_array_equal(c.X_adv, X.astype(np.float32))
    with pytest.raises(ValueError, match="confidence"):
        high_confidence_attack(calibrated, X, "cyclic", confidence=1.0)
    with pytest.raises(ValueError, match="target"):
        high_confidence_attack(calibrated, X, "sideways")
    with pytest.raises(ValueError, match="one label per image"):
        high_confidence_attack(calibrated, X, [1, 2])


def test_mirror_images_go_to_the_runner_up(calibrated, correct):
    X, y = correct
    X = X[:6]
    z = calibrated.decision_function(X)
    runner_up = np.argsort(z, axis=1)[:, -2]
    Xm = calibrated.mirror_images(X, step=8.0, max_iter=600)
    assert Xm.shape == X.shape
    p = calibrated.predict_proba(Xm)
    reached = p[np.arange(6), runner_up] >= 0.95 - 1e-4
    assert reached.mean() >= 0.8
    np.testing.assert_array_equal(calibrated.predict(Xm)[reached], runner_up[reached])
    Xc = calibrated.mirror_images(X[:2], target="cyclic", y=y[:2], step=4.0, max_iter=2)
    assert Xc.shape == (2, 784)


def test_calibration_of_huge_logits_never_sees_nan(net, data):
    """Logits so large that a float32 forward pass overflows (brentq saw NaN here)."""
    import copy

    _, _, Xte, _ = data
    big = copy.deepcopy(net)
    with torch.no_grad():
        big.module_.conv4.weight.mul_(1e38)
        big.module_.conv4.bias.mul_(1e38)
    z32 = big.decision_function(Xte[:20])
    assert not np.isfinite(z32).all()  # the float32 logits overflow
    T = calibrate_temperature(big, Xte, median_confidence=0.95)
    assert np.isfinite(T) and T > 0
    # the calibrated temperature scales with the logits: 1e38 times that of the net
    T0 = calibrate_temperature(copy.deepcopy(net), Xte, median_confidence=0.95)
    assert T / T0 == pytest.approx(1e38, rel=1e-5)


def test_temperature_from_logits_is_robust():
    from sklearn_tilt.nn._attack import _temperature_from_logits

    rng = np.random.default_rng(0)
    z = rng.normal(size=(101, 10))
    T = _temperature_from_logits(z, 0.95)
    p = np.exp(z / T - np.log(np.exp(z / T).sum(axis=1, keepdims=True)))
    assert np.median(p.max(axis=1)) == pytest.approx(0.95, abs=1e-9)
    # scale invariance over 600 orders of magnitude, no overflow or NaN
    for scale in (1e-300, 1e-30, 1e30, 1e300):
        Ts = _temperature_from_logits(z * scale, 0.95)
        assert Ts / T == pytest.approx(scale, rel=1e-7)
    # a huge constant offset changes nothing
    assert _temperature_from_logits(z + 1e6, 0.95) == pytest.approx(T, rel=1e-6)
    # unreachable targets get a clear error, not a numerical one
    tied = np.zeros((5, 10))
    tied[:, :2] = 1.0  # every image has two tied top logits: p_top <= 0.5 for every T
    with pytest.raises(ValueError, match="no temperature reaches.*tied top logits"):
        _temperature_from_logits(tied, 0.95)
    assert _temperature_from_logits(tied, 0.4) > 0  # reachable: p_top goes from 0.5 to 0.1
    with pytest.raises(ValueError, match="NaN or infinity"):
        _temperature_from_logits(np.array([[0.0, np.inf]]), 0.9)
    with pytest.raises(ValueError, match="median_confidence"):
        _temperature_from_logits(z, 0.05)
    with pytest.raises(ValueError, match="shape"):
        _temperature_from_logits(np.zeros((3, 1)), 0.9)


def test_attack_stops_images_pinned_by_the_clipping(calibrated, correct):
    """A clipped step that does not move the image ends its attack as a failure."""
    X, y = correct
    X = np.zeros_like(X[:3])  # black images, clip range [0, 0]: nothing can move
    res = high_confidence_attack(calibrated, X, "cyclic", y=y[:3], clip=(0.0, 0.0), max_iter=10000)
    assert not res.success.any()
    assert (res.n_iter == 1).all()  # one (null) step, then stopped
    np.testing.assert_array_equal(res.perturbation_norm, 0.0)
    assert np.isinf(res.norms_with_failures).all() and res.median_perturbation_norm == np.inf


def test_attack_defaults_follow_the_paper():
    import inspect

    sig = inspect.signature(high_confidence_attack).parameters
    assert sig["step"].default == 1.0 and sig["clip"].default == (0.0, 255.0)
    assert sig["confidence"].default == 0.95 and sig["max_iter"].default >= 5000


# ---------------------------------------------------------------- weights


def test_weight_rms_and_filter_grid(net):
    rms = weight_rms(net)
    assert list(rms) == ["conv1", "conv2", "conv3", "conv4"]
    w1 = net.module_.conv1.weight.detach().double().numpy()
    assert rms["conv1"] == pytest.approx(np.sqrt(np.mean(w1**2)), rel=1e-12)
    assert weight_rms(net.module_) == rms
    assert filter_grid(net).shape == (4 * 6 - 1, 5 * 6 - 1)  # 20 filters: 4 rows of 5
    grid = filter_grid(net, n_cols=6)
    assert grid.shape == (4 * 6 - 1, 6 * 6 - 1)
    np.testing.assert_array_equal(grid[:5, :5], w1[0, 0])
    np.testing.assert_array_equal(grid[6:11, 6:11], w1[7, 0])  # filter 7: row 1, column 1
    assert np.isnan(grid[5]).all() and np.isnan(grid[:, 5]).all()
    assert np.isnan(grid[18:, 12:]).all()  # the last row holds filters 18 and 19 only
    g = filter_grid(net, normalize="filter", padding=0, n_cols=20)
    assert g.shape == (5, 100)
    np.testing.assert_allclose(np.abs(g.reshape(5, 20, 5)).max(axis=(0, 2)), 1.0)
    assert np.nanmax(np.abs(filter_grid(net, normalize="grid"))) == pytest.approx(1.0)
    assert filter_grid(net, "conv2", in_channel=19, pad_value=0.0).shape == (7 * 6 - 1, 8 * 6 - 1)
    with pytest.raises(ValueError, match="Conv2d"):
        filter_grid(net, "pool1")
    with pytest.raises(ValueError, match="in_channel"):
        filter_grid(net, in_channel=1)
    with pytest.raises(TypeError, match="LeNetClassifier"):
        weight_rms("net")


def test_high_weight_decay_shrinks_weights(data):
    """Even a short run shows it when the decay is strong enough per step."""
    Xtr, ytr, _, _ = data
    kw = dict(max_epochs=1, batch_size=50, lr=0.003, random_state=0, verbose=0, train_split=None)
    low = LeNetClassifier(lam=1e-4, **kw).fit(Xtr[:500], ytr[:500])
    high = LeNetClassifier(lam=5.0, **kw).fit(Xtr[:500], ytr[:500])
    rl, rh = weight_rms(low), weight_rms(high)
    assert all(rh[k] < rl[k] for k in rl)


# ---------------------------------------------------------------- docs (the examples
# themselves run with the package's other docstring examples: --doctest-modules)


def test_every_public_name_has_an_example():
    import sklearn_tilt.nn as nn

    for name in nn.__all__:
        assert "Examples\n" in (getattr(nn, name).__doc__ or ""), name


@pytest.mark.slow
def test_default_attack_succeeds_on_both_weight_decays(data):
    """The attack with its defaults (unit steps, 10000-step budget) turns >= 95 % of images.

    Both networks are trained as in the experiment (same seed, biases decayed,
    learning rate matched to the paper's decay exponent) on 1000 images; the
    attacked images and targets are the same for both.
    """
    from sklearn_tilt.experiments import matched_learning_rate

    Xtr, ytr, Xte, yte = data
    lr = matched_learning_rate(len(ytr), 10, 50)
    X, y = Xte[::10], yte[::10]  # 20 images, fixed before training
    for lam in (1e-4, 1e-1):
        net = LeNetClassifier(
            lam=lam,
            decay_bias=True,
            lr=lr,
            batch_size=50,
            max_epochs=10,
            random_state=0,
            verbose=0,
            train_split=None,
        ).fit(Xtr, ytr)
        calibrate_temperature(net, Xte)
        res = high_confidence_attack(net, X, "cyclic", y=y)
        assert res.success_rate >= 0.95, (lam, res.success_rate)
        ok = res.success
        p = net.predict_proba(res.X_adv[ok])
        assert (p[np.arange(ok.sum()), res.target[ok]] >= 0.95 - 1e-4).all()
        # each image stops at its own success: one step fewer would not have reached it
        assert (res.perturbation_norm[ok] <= res.n_iter[ok] + 1e-3).all()
        assert np.isfinite(res.median_perturbation_norm)
