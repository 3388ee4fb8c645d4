"""LeNetClassifier: architecture, scikit-learn compatibility, training, input handling."""

import pickle
import subprocess
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from sklearn.utils._param_validation import InvalidParameterError  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from sklearn_tilt.nn import LeNet, LeNetClassifier  # noqa: E402

# ---------------------------------------------------------------- import guard


def _run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_import_sklearn_tilt_does_not_import_torch():
    out = _run("import sys, sklearn_tilt; print('torch' in sys.modules, 'skorch' in sys.modules)")
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("missing", ["torch", "skorch"])
def test_missing_extra_names_the_nn_extra(missing):
    # a finder that makes the package look uninstalled (like a real missing install)
    out = _run(
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path, target=None):\n"
        f"        if name.split('.')[0] == {missing!r}:\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "try:\n"
        "    import sklearn_tilt.nn\n"
        "except ImportError as e:\n"
        "    print(e)\n"
    )
    assert out.returncode == 0, out.stderr
    assert "pip install 'sklearn-tilt[nn]'" in out.stdout
    assert missing in out.stdout


# ---------------------------------------------------------------- the module


def test_lenet_architecture():
    net = LeNet()
    convs = [
        (m.in_channels, m.out_channels, m.kernel_size)
        for m in (net.conv1, net.conv2, net.conv3, net.conv4)
    ]
    assert convs == [(1, 20, (5, 5)), (20, 50, (5, 5)), (50, 500, (4, 4)), (500, 10, (1, 1))]
    assert net.pool1.kernel_size == net.pool2.kernel_size == 2
    # MatConvNet's LeNet: 431,080 parameters; biases start at zero
    assert sum(p.numel() for p in net.parameters()) == 431080
    assert all(not b.detach().any() for n, b in net.named_parameters() if n.endswith("bias"))
    # the only non-linearity besides pooling is the ReLU after conv3
    assert [type(m).__name__ for m in net.children()] == [
        "Conv2d",
        "MaxPool2d",
        "Conv2d",
        "MaxPool2d",
        "Conv2d",
        "ReLU",
        "Conv2d",
    ]
    x = torch.rand(3, 1, 28, 28) * 255
    with torch.no_grad():
        z = net(x)
        assert z.shape == (3, 10)
        torch.testing.assert_close(net(x.reshape(3, 784)), z)
        # the mean buffer is subtracted from the input
        net.mean.fill_(7.0)
        torch.testing.assert_close(net(x + 7.0), z, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- estimator checks

_SHAPE = (
    "fixed input shape: LeNet only takes 28x28 images (784 features or (n, 1, 28, 28)); "
    "the check fits on data with a few features and gets a ValueError that says so"
)
EXPECTED_FAILED_CHECKS = {
    "check_no_attributes_set_in_init": (
        "skorch's NeuralNet.__init__ sets history_, initialized_ and virtual_params_ "
        "(its own bookkeeping) before any fit"
    ),
    **{
        name: _SHAPE
        for name in [
            "check_fit_score_takes_y",
            "check_estimators_overwrite_params",
            "check_dont_overwrite_parameters",
            "check_estimators_fit_returns_self",
            "check_readonly_memmap_input",
            "check_n_features_in_after_fitting",
            "check_positive_only_tag_during_fit",
            "check_estimators_dtypes",
            "check_dtype_object",
            "check_pipeline_consistency",
            "check_estimators_nan_inf",
            "check_estimators_pickle",
            "check_f_contiguous_array_estimator",
            "check_classifier_data_not_an_array",
            "check_classifiers_one_label_sample_weights",
            "check_classifiers_classes",
            "check_estimators_partial_fit_n_features",
            "check_classifiers_train",
            "check_supervised_y_2d",
            "check_decision_proba_consistency",
            "check_methods_sample_order_invariance",
            "check_methods_subset_invariance",
            "check_dict_unchanged",
            "check_fit_idempotent",
            "check_fit_check_is_fitted",
            "check_n_features_in",
            "check_fit2d_predict1d",
        ]
    },
}


# skorch re-initialises its callbacks inside set_params, so check_set_params's fuzz
# values (callbacks=inf) raise TypeError there: the check passes with a warning.
@pytest.mark.filterwarnings("ignore:.*occurred during set_params:UserWarning")
@parametrize_with_checks(
    [LeNetClassifier(max_epochs=1, batch_size=32, verbose=0, random_state=0)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# The checks that fail only for the input shape, redone on 28x28 images below.


@pytest.fixture(scope="module")
def small(mnist_5k):
    """300 training and 100 test images, stratified, pixels in [0, 255], float64."""
    X, y = mnist_5k
    rng = np.random.RandomState(0)
    idx = np.concatenate([rng.choice(np.flatnonzero(y == c), 40, replace=False) for c in range(10)])
    rng.shuffle(idx)
    return X[idx[:300]], y[idx[:300]], X[idx[300:]], y[idx[300:]]


def _tiny(**kw):
    params = dict(
        max_epochs=2, batch_size=50, lr=0.002, verbose=0, random_state=0, train_split=None
    )
    params.update(kw)
    return LeNetClassifier(**params)


@pytest.fixture(scope="module")
def tiny_fitted(small):
    Xtr, ytr, _, _ = small
    return _tiny().fit(Xtr, ytr)


def test_defaults_are_the_papers():
    net = LeNetClassifier()
    assert (net.batch_size, net.lr, net.momentum, net.max_epochs) == (300, 0.0005, 0.9, 50)
    assert net.lam == 1e-4 and net.temperature == 1.0
    assert net.module is LeNet


def test_fit_predict_shapes_dtypes_and_layouts(small, tiny_fitted):
    Xtr, ytr, Xte, _ = small
    net = tiny_fitted
    assert net.n_features_in_ == 784
    np.testing.assert_array_equal(net.classes_, np.arange(10))
    p = net.predict_proba(Xte)
    assert p.shape == (100, 10) and p.dtype == np.float64
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    pred = net.predict(Xte)
    np.testing.assert_array_equal(pred, net.classes_[p.argmax(axis=1)])
    z = net.decision_function(Xte)
    assert z.shape == (100, 10)
    # flat rows, (n, 1, 28, 28), (n, 28, 28), float32, int pixels and a list: same outputs
    for Xv in (Xte.reshape(-1, 1, 28, 28), Xte.reshape(-1, 28, 28), Xte.astype(np.float32)):
        np.testing.assert_allclose(net.predict_proba(Xv), p, rtol=1e-6)
    np.testing.assert_array_equal(
        net.predict(np.round(Xte).astype(np.uint8)), net.predict(np.round(Xte))
    )
    np.testing.assert_allclose(net.predict_proba(Xte[:3].tolist()), p[:3], rtol=1e-6)
    # prediction does not depend on the batch (subset and order invariance)
    np.testing.assert_allclose(net.predict_proba(Xte[::-1]), p[::-1], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(net.predict_proba(Xte[:7]), p[:7], rtol=1e-5, atol=1e-7)
    # a read-only / Fortran-ordered input is fine
    Xro = np.asfortranarray(Xte)
    Xro.flags.writeable = False
    np.testing.assert_allclose(net.predict_proba(Xro), p, rtol=1e-6)


def test_any_label_type_and_binary(small):
    Xtr, ytr, Xte, yte = small
    names = np.array(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    )
    net = _tiny(max_epochs=1).fit(Xtr, names[ytr])
    assert set(net.predict(Xte)) <= set(names)
    assert net.score(Xte, names[yte]) == pytest.approx(np.mean(net.predict(Xte) == names[yte]))
    # two classes: decision_function is the raw score s(x) = z_1 - z_0
    mask = ytr < 2
    bnet = _tiny(max_epochs=1).fit(Xtr[mask], np.where(ytr[mask] == 1, "b", "a"))
    s = bnet.decision_function(Xte)
    assert s.shape == (100,)
    np.testing.assert_array_equal(bnet.predict(Xte), np.where(s > 0, "b", "a"))
    assert bnet.predict_proba(Xte).shape == (100, 2)


def test_reproducible_and_leaves_global_rng_alone(small):
    Xtr, ytr, Xte, _ = small
    state = torch.random.get_rng_state()
    a = _tiny(max_epochs=1, random_state=3).fit(Xtr, ytr)
    assert torch.equal(torch.random.get_rng_state(), state)
    b = _tiny(max_epochs=1, random_state=3).fit(Xtr, ytr)
    c = _tiny(max_epochs=1, random_state=4).fit(Xtr, ytr)
    for (_, pa), (_, pb) in zip(a.module_.named_parameters(), b.module_.named_parameters()):
        torch.testing.assert_close(pa, pb, rtol=0, atol=0)
    np.testing.assert_array_equal(a.predict_proba(Xte), b.predict_proba(Xte))
    assert not np.allclose(a.predict_proba(Xte), c.predict_proba(Xte))
    # fit is idempotent: refitting restarts from the seed
    np.testing.assert_array_equal(a.fit(Xtr, ytr).predict_proba(Xte), b.predict_proba(Xte))


def test_weight_decay_on_weights_only(small):
    Xtr, ytr, _, _ = small
    net = _tiny(lam=0.1, max_epochs=1).fit(Xtr, ytr)
    groups = net.optimizer_.param_groups
    named = dict(net.module_.named_parameters())
    ids = {id(p): n for n, p in named.items()}
    decayed = {ids[id(p)] for g in groups if g["weight_decay"] == 0.1 for p in g["params"]}
    free = {ids[id(p)] for g in groups if g["weight_decay"] == 0.0 for p in g["params"]}
    assert decayed == {f"conv{i}.weight" for i in range(1, 5)}
    assert free == {f"conv{i}.bias" for i in range(1, 5)}
    assert all(g["momentum"] == 0.9 and g["lr"] == 0.002 for g in groups)
    # and it acts: one SGD step with a zero loss gradient shrinks the weights by
    # (1 - lr * lam) and leaves the biases alone
    w = named["conv1.weight"].detach().clone()
    b = named["conv1.bias"].detach().clone()
    for p in net.module_.parameters():
        p.grad = torch.zeros_like(p)
    for g in groups:
        for p in g["params"]:
            net.optimizer_.state[p].pop("momentum_buffer", None)
    net.optimizer_.step()
    torch.testing.assert_close(named["conv1.weight"].detach(), w * (1 - 0.002 * 0.1))
    torch.testing.assert_close(named["conv1.bias"].detach(), b)


def test_history_records_paper_curves(small):
    Xtr, ytr, Xte, yte = small
    net = _tiny(max_epochs=2).fit(Xtr, ytr, X_val=Xte, y_val=yte)
    tr, va = net.history[:, "train_error"], net.history[:, "valid_error"]
    assert len(tr) == len(va) == 2
    assert all(0 <= e <= 1 for e in tr + va)
    # the validation error of the last epoch is the error of the fitted net on (X_val, y_val)
    assert va[-1] == pytest.approx(np.mean(net.predict(Xte) != yte))
    assert net.history[-1, "train_batch_count"] == 6 and net.history[-1, "valid_batch_count"] == 2
    # the default internal split holds out a stratified fifth
    net = _tiny(max_epochs=1, train_split=LeNetClassifier().train_split).fit(Xtr, ytr)
    assert net.history[-1, "valid_batch_count"] == 2  # 60 images, batches of 50
    assert "valid_error" in net.history[-1]
    with pytest.raises(ValueError, match="X_val"):
        _tiny().fit(Xtr, ytr, X_val=Xte)


def test_temperature_scales_probabilities_only(tiny_fitted, small):
    _, _, Xte, _ = small
    net = tiny_fitted
    z = net.decision_function(Xte)
    p1 = net.predict_proba(Xte)
    pred = net.predict(Xte)
    net.set_params(temperature=3.0)
    try:
        p3 = net.predict_proba(Xte)
        np.testing.assert_array_equal(net.predict(Xte), pred)
        np.testing.assert_array_equal(net.decision_function(Xte), z)
        e = np.exp(z / 3.0 - (z / 3.0).max(axis=1, keepdims=True))
        np.testing.assert_allclose(p3, e / e.sum(axis=1, keepdims=True), rtol=1e-10)
        assert np.median(p3.max(axis=1)) < np.median(p1.max(axis=1))
    finally:
        net.set_params(temperature=1.0)


def test_clone_pickle_gridsearch_pipeline(small, tiny_fitted):
    Xtr, ytr, Xte, yte = small
    net = tiny_fitted
    c = clone(net)
    assert c.get_params(deep=False).keys() == net.get_params(deep=False).keys()
    assert c.lam == net.lam and not hasattr(c, "classes_inferred_")
    restored = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(restored.predict_proba(Xte), net.predict_proba(Xte))
    torch.testing.assert_close(restored.module_.mean, net.module_.mean)
    # in a pipeline (flat rows in), with a grid search over the weight decay
    pipe = make_pipeline(
        FunctionTransformer(lambda X: X, feature_names_out="one-to-one"), _tiny(max_epochs=1)
    )
    search = GridSearchCV(pipe, {"lenetclassifier__lam": [1e-4, 1e-1]}, cv=2)
    search.fit(Xtr[:200], ytr[:200])
    assert search.best_params_["lenetclassifier__lam"] in (1e-4, 1e-1)
    assert len(search.cv_results_["mean_test_score"]) == 2
    assert search.predict(Xte).shape == (100,)


def test_partial_fit_and_warm_start(small):
    Xtr, ytr, Xte, _ = small
    net = _tiny(max_epochs=1)
    net.partial_fit(Xtr[:50], ytr[:50], classes=np.arange(10))
    np.testing.assert_array_equal(net.classes_, np.arange(10))
    w0 = net.module_.conv1.weight.detach().clone()
    net.partial_fit(Xtr[50:100], ytr[50:100])
    assert len(net.history) == 2
    assert not torch.equal(w0, net.module_.conv1.weight)
    warm = _tiny(max_epochs=1, warm_start=True).fit(Xtr, ytr)
    mean = warm.module_.mean.clone()
    warm.fit(Xtr[:100] + 10, ytr[:100])
    assert len(warm.history) == 2
    torch.testing.assert_close(warm.module_.mean, mean)  # the mean of the first fit stays
    with pytest.raises(ValueError, match="not in classes_"):
        _tiny(max_epochs=1).partial_fit(Xtr[:50], ytr[:50] % 5).partial_fit(Xtr[:50], ytr[:50])


def test_input_errors(small, tiny_fitted):
    Xtr, ytr, Xte, _ = small
    net = tiny_fitted
    bad = Xtr.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        _tiny().fit(bad, ytr)
    with pytest.raises(ValueError, match="infinity"):
        net.predict(np.where(np.arange(784) == 3, np.inf, Xte))
    with pytest.raises(ValueError, match="28x28"):
        _tiny().fit(Xtr[:, :100], ytr)
    with pytest.raises(ValueError, match="784 features"):
        net.predict(Xte[:, :100])
    with pytest.raises(ValueError, match=r"\(n, 1, 28, 28\)"):
        net.predict(Xte.reshape(-1, 2, 14, 28))
    with pytest.raises(ValueError, match="2 classes"):
        _tiny().fit(Xtr, np.zeros(len(Xtr)))
    with pytest.raises(ValueError, match="Unknown label type"):
        _tiny().fit(Xtr, np.linspace(0, 1, len(Xtr)))
    with pytest.raises(ValueError, match="y is None"):
        _tiny().fit(Xtr, None)
    with pytest.raises(InvalidParameterError, match="lam"):
        _tiny(lam=-1.0).fit(Xtr, ytr)
    with pytest.raises(InvalidParameterError, match="temperature"):
        _tiny(temperature=0.0).fit(Xtr, ytr)
    with pytest.raises(ValueError, match="unexpected argument"):
        _tiny(iterator_train_shuffle=True).fit(Xtr, ytr)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        _tiny().predict(Xte)


def test_shuffles_training_batches_by_default(small):
    Xtr, ytr, _, _ = small
    seen = []

    class Spy(torch.utils.data.DataLoader):
        def __init__(self, *args, **kwargs):
            seen.append(kwargs.get("shuffle"))
            super().__init__(*args, **kwargs)

    _tiny(max_epochs=1, iterator_train=Spy).fit(Xtr[:60], ytr[:60])
    _tiny(max_epochs=1, iterator_train=Spy, iterator_train__shuffle=False).fit(Xtr[:60], ytr[:60])
    assert seen == [True, False]


@pytest.mark.slow
def test_paper_setting_learns_mnist(mnist_5k):
    """The paper's hyper-parameters (lr 5e-4, batch 300) on the 5000 images, 10 epochs."""
    X, y = mnist_5k
    rng = np.random.RandomState(0)
    idx = rng.permutation(len(X))
    tr, te = idx[:4000], idx[4000:]
    for lam in (1e-4, 1e-1):
        net = LeNetClassifier(lam=lam, max_epochs=10, random_state=0, verbose=0)
        net.fit(X[tr], y[tr], X_val=X[te], y_val=y[te])
        assert net.history[-1, "valid_error"] < 0.1
