"""report.md: the paper's claims next to the measured figures."""

from pathlib import Path

import numpy as np

from ._io import read_csv, read_manifest
from ._svm import load_svm_results


def _f(v, fmt="{:.3g}"):
    try:
        v = float(v)
    except (TypeError, ValueError):
        return str(v)
    return "n/a" if np.isnan(v) else fmt.format(v)


def _pct(v):
    return _f(100 * float(v), "{:.1f}%")


def _deg(v):
    return _f(v, "{:.1f}°")


def _lam(v):
    """Compact value of lam: 1e3, 2.5e2, 0.1 -> 1e-1."""
    v = float(v)
    a = np.log10(v)
    if abs(a - round(a)) < 1e-9:
        return f"1e{round(a):d}"
    text = f"{v:.2g}"
    return text.replace("e+0", "e").replace("e-0", "e-").replace("e+", "e")


def _median_lam(lams):
    return 10.0 ** np.round(np.median(np.log10(lams)), 1)


def _lam_range(lo, hi):
    return _lam(lo) if lo == hi else f"{_lam(lo)}–{_lam(hi)}"


def _ok(flag):
    if flag is None:
        return "—"
    return "yes" if flag else "**no**"


def _md_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _col(table, name):
    return np.asarray(table[name], dtype=np.float64)


def _toy_section(out_dir):
    path = out_dir / "toy" / "toy.csv"
    if read_manifest(out_dir, "toy") is None or not path.is_file():
        return ["## Toy problem", "", "Not run (`sklearn-tilt toy`)."]
    t = read_csv(path)
    rows = []
    for loss in dict.fromkeys(t["loss"].astype(str)):
        m = t["loss"].astype(str) == loss
        lam, th = _col(t, "lam")[m], _col(t, "theta_deg")[m]
        fits = np.asarray(t["fits_noisy_point"])[m].astype(str) == "True"
        md = _col(t, "mirror_distance")[m]
        lo, hi = int(np.argmin(lam)), int(np.argmax(lam))
        rows.append(
            [
                f"{loss}: small λ tilts the boundary to fit the noisy point p; large λ does not "
                "tilt (θ → 0)",
                f"θ={_deg(th[lo])} at λ={_lam(lam[lo])} "
                f"(p {'fitted' if fits[lo] else 'not fitted'}); "
                f"θ={_deg(th[hi])} at λ={_lam(lam[hi])}",
                _ok(bool(fits[lo] and th[lo] > 45 and th[hi] < 5)),
            ]
        )
        rows.append(
            [
                f"{loss}: the mirror image of x comes close to x when θ is large",
                f"‖x − x_m‖ = {_f(md[lo])} at λ={_lam(lam[lo])}, {_f(md[hi])} at λ={_lam(lam[hi])}",
                _ok(bool(md[lo] < md[hi])),
            ]
        )
    return [
        "## Toy problem",
        "",
        _md_table(["claim (paper)", "measured", "agrees"], rows),
        "",
        "![mirror image against θ](toy/toy_mirror_angles.png)",
        "![noisy point and regularisation](toy/toy_regularisation.png)",
    ]


def _svm_section(out_dir):
    res = load_svm_results(out_dir)
    if res is None:
        return ["## SVM on pairs of MNIST digits", "", "Not run (`sklearn-tilt svm`)."]
    t, s = res["table"], res["summary"]
    lines = ["## SVM on pairs of MNIST digits", ""]
    pair_col = t["pair"].astype(str)
    loss_col = t["loss"].astype(str)
    n_pairs = len(dict.fromkeys(pair_col))
    lams = np.unique(_col(t, "lam"))
    lines.append(
        f"{n_pairs} pairs × {len(lams)} values of λ (from {_lam(lams.min())} to "
        f"{_lam(lams.max())}), {int(np.max(_col(t, 'n_train')))} training images per pair "
        f"at most; losses: {', '.join(dict.fromkeys(loss_col))}. "
        f"Data: {res['data_description']}."
    )
    lines.append("")
    rows = []
    for loss in dict.fromkeys(loss_col):
        m = s["loss"].astype(str) == loss
        th01 = _col(s, "theta_deg@1e-01")[m]
        th3 = _col(s, "theta_deg@1e+03")[m]
        thmax = _col(s, "theta_deg@max_lam")[m]
        da01 = _col(s, "d_adv@1e-01")[m]
        da7 = _col(s, "d_adv@1e+07")[m]
        lam_best = _col(s, "lam_min_test_error")[m]
        best = _col(s, "min_test_error")[m]
        inner = np.mean(
            (best < _col(s, "test_error@min_lam")[m]) & (best < _col(s, "test_error@max_lam")[m])
        )
        tm = loss_col == loss
        lo_lam = _col(t, "lam")[tm] == lams.min()
        hi_lam = _col(t, "lam")[tm] == lams.max()
        tr_lo = np.median(_col(t, "train_error")[tm][lo_lam])
        tr_hi = np.median(_col(t, "train_error")[tm][hi_lam])
        dev = np.abs(_col(t, "d_adv")[tm] - _col(t, "d_adv_centroid")[tm]) / np.maximum(
            np.abs(_col(t, "centroid_distance")[tm]), 1e-300
        )
        rows += [
            [
                f"{loss}: small λ gives a strongly tilted boundary (large θ)",
                f"median θ over pairs: {_deg(np.median(th01))} at λ=0.1, "
                f"{_deg(np.median(th3))} at λ=1e3, "
                f"{_deg(np.median(thmax))} at λ={_lam(lams.max())}",
                _ok(bool(np.median(th01) > np.median(thmax) + 10)),
            ],
            [
                f"{loss}: large λ brings the boundary parallel to the nearest-centroid classifier"
                + (" (hinge: θ = 0 exactly, w ∥ j − i)" if loss == "hinge" else " (θ → 0)"),
                f"θ at λ={_lam(lams.max())}: max over pairs {_deg(np.max(thmax))}",
                _ok(bool(np.max(thmax) < (0.5 if loss == "hinge" else 5.0))),
            ],
            [
                f"{loss}: d_adv is small for small λ and maximal for large λ",
                f"median d_adv: {_f(np.median(da01), '{:.0f}')} px at λ=0.1, "
                f"{_f(np.median(da7), '{:.0f}')} px at "
                f"λ=1e7; larger at 1e7 for {np.mean(da7 > da01) * 100:.0f}% of pairs",
                _ok(bool(np.mean(da7 > da01) > 0.9)),
            ],
            [
                f"{loss}: the train error is minimised at small λ (the goals conflict)",
                f"median train error {_pct(tr_lo)} at λ={_lam(lams.min())}, {_pct(tr_hi)} at "
                f"λ={_lam(lams.max())}",
                _ok(bool(tr_lo <= tr_hi)),
            ],
            [
                f"{loss}: the test error is minimised at an intermediate λ",
                f"the best test error is lower than at both ends of the grid for "
                f"{inner * 100:.0f}% of pairs; median best λ {_lam(_median_lam(lam_best))}; "
                f"median best test error {_pct(np.nanmedian(best))}",
                _ok(bool(inner > 0.5)),
            ],
            [
                f"{loss}: d_adv = ½‖j − i‖ cos θ (balanced classes)",
                f"max over all fits of abs(d_adv − ½‖j − i‖ cos θ) / ‖j − i‖: {_f(np.nanmax(dev))}",
                _ok(bool(np.nanmax(dev) < 1e-6)),
            ],
        ]
    lines += [_md_table(["claim (paper)", "measured", "agrees"], rows), ""]
    lines += [
        "### Per-pair summary",
        "",
        "θ in degrees, d_adv in pixels, errors on the test images of the pair.",
        "",
    ]
    head = [
        "pair",
        "loss",
        "θ @ λ=0.1",
        "θ @ λ=1e3",
        f"θ @ λ={_lam(lams.max())}",
        "d_adv @ λ=0.1",
        "d_adv @ λ=1e7",
        "min test error",
        "at λ",
    ]
    show = {f"{a}-{b}" for a, b in res["figure_pairs"]}
    rows = []
    for k in range(len(s["pair"])):
        p = str(s["pair"][k])
        if n_pairs > 12 and p not in show:
            continue
        rows.append(
            [
                p,
                s["loss"][k],
                _deg(s["theta_deg@1e-01"][k]),
                _deg(s["theta_deg@1e+03"][k]),
                _deg(s["theta_deg@max_lam"][k]),
                _f(s["d_adv@1e-01"][k], "{:.0f}"),
                _f(s["d_adv@1e+07"][k], "{:.0f}"),
                _pct(s["min_test_error"][k]),
                _lam_range(s["lam_min_test_error"][k], s["lam_min_test_error_max"][k]),
            ]
        )
    lines.append(_md_table(head, rows))
    if n_pairs > 12:
        lines += ["", "All pairs: `svm/svm_summary.csv`; every pair and λ: `svm/svm.csv`."]
    lines.append("")
    lines.append("![all pairs](svm/svm_all_pairs.png)")
    for f in sorted((out_dir / "svm").glob("svm_*_path.png"))[:4]:
        lines.append(f"![{f.stem}](svm/{f.name})")
    for f in sorted((out_dir / "svm").glob("svm_*_tilting_plane.png"))[:2]:
        lines.append(f"![{f.stem}](svm/{f.name})")
    return lines


def _p(v):
    v = float(v)
    if np.isnan(v):
        return "n/a"
    if v == 0.0:
        return "< 1e-300"  # below the smallest double the test reports
    return f"{v:.2g}" if v >= 1e-3 else f"{v:.1e}"


def _plural(n, word):
    return f"{n} {word}" + ("" if n == 1 else "s")


def _coarse_text(coarse):
    if coarse is None:
        return ""
    return (
        f" (steps of {_f(coarse)} until p_target first reaches 0.95, then back one "
        "step and on with unit steps: the reported norm is that of the first unit-step "
        "iterate past the threshold)"
    )


def _lenet_section(out_dir):
    title = "## LeNet, low vs high weight decay"
    path = out_dir / "lenet" / "lenet_summary.csv"
    cpath = out_dir / "lenet" / "lenet_comparison.csv"
    man = read_manifest(out_dir, "lenet")
    if man is None or man.get("skipped") or not path.is_file():
        why = (man or {}).get("skipped") or "not run (`sklearn-tilt lenet`)"
        return [title, "", f"Skipped: {why}."]
    s = read_csv(path)
    names = np.asarray(s["network"]).astype(str)
    if "low" not in names or "high" not in names or not cpath.is_file():
        return ["## LeNet", "", "Summary: `lenet/lenet_summary.csv`."]
    c = read_csv(cpath)
    settings = man.get("settings", {})
    seeds = np.asarray(s["seed"]).astype(int)
    lo0 = int(np.flatnonzero(names == "low")[0])
    hi0 = int(np.flatnonzero(names == "high")[0])
    expo = settings.get("decay_exponent", {})
    bias = settings.get("decay_bias")
    lines = [
        title,
        "",
        f"Weight decays {_f(s['weight_decay'][lo0])} (low) and "
        f"{_f(s['weight_decay'][hi0])} (high); seeds {sorted(set(seeds.tolist()))}; "
        f"{_plural(int(np.max(_col(s, 'epochs'))), 'epoch')} of "
        f"{settings.get('n_train', '?')} "
        f"training images in batches of {settings.get('batch_size', '?')} "
        f"({settings.get('n_steps', '?')} SGD steps), learning rate "
        f"{_f(settings.get('lr', np.nan), '{:.4g}')}, momentum "
        f"{settings.get('momentum', '?')}. Decay exponent lr·λ·steps/(1 − momentum): "
        f"{_f(expo.get('high', np.nan))} (high), {_f(expo.get('low', np.nan))} (low); "
        "the paper's 50 epochs of 60000 images in batches of 300 at lr 0.0005 give "
        "5 and 0.005 (the default learning rate, `--lr auto`, keeps the paper's "
        "exponent when the run is shorter, up to a rate of 0.005).",
        "",
        (
            "Biases are decayed too, as in the paper's MatConvNet baseline (`cnn_train` "
            "decays every parameter of a layer without a `weightDecay` field, and "
            "`cnn_mnist_init` sets none); `LeNetClassifier` itself decays the weights "
            "only unless `decay_bias=True`."
            if bias
            else "Biases are not decayed (the paper's MatConvNet baseline decays them: "
            "`cnn_train` decays every parameter of a layer without a `weightDecay` "
            "field, and `cnn_mnist_init` sets none)."
        )
        if bias is not None
        else "",
        "",
        f"Attack: the paper's rule x ← clip[0,255](x + 1·g/‖g‖), g = ∇ₓ p_target, until "
        f"p_target ≥ 0.95 at the temperature that sets the median test confidence to "
        f"0.95, at most {settings.get('attack_max_iter', '?')} steps, each image stopped "
        f"at its own success{_coarse_text(settings.get('attack_coarse_step'))}; the same "
        f"{settings.get('n_attacked', '?')} "
        f"test images ({settings.get('n_attack_per_class', '?')} per class, drawn before "
        "training) and cyclic targets 0→1, …, 9→0 for every network.",
        "",
    ]
    all_rows = np.asarray(c["seed"]).astype(str) == "all"
    measures = np.asarray(c["measure"]).astype(str)
    verdicts = np.asarray(c["verdict"]).astype(str)
    vd = {m: v for m, v, a in zip(measures, verdicts, all_rows) if a}
    lines += [
        f"**Verdict on the paper's claim (perturbation norms, paired over images, "
        f"every seed at level {settings.get('alpha', 0.05)}): "
        f"{vd.get('perturbation_norm', 'n/a')}.** First-order distances to the "
        f"boundary: {vd.get('first_order_distance', 'n/a')}.",
        "",
    ]
    head = [
        "network",
        "seed",
        "test error",
        "train error",
        "weight RMS",
        "T",
        "attack success",
        "median ‖perturbation‖ (failures = ∞)",
        "median first-order distance",
    ]
    rows = []
    for k in range(len(names)):
        rows.append(
            [
                names[k],
                int(seeds[k]),
                _pct(s["test_error"][k]),
                _pct(s["train_error"][k]),
                _f(s["weight_rms"][k], "{:.4f}"),
                _f(s["temperature"][k]),
                _pct(s["attack_success_rate"][k]),
                _f(s["median_perturbation_norm"][k], "{:.0f}"),
                _f(s["median_first_order_distance"][k], "{:.0f}"),
            ]
        )
    lines += [_md_table(head, rows), ""]
    head = [
        "seed",
        "measure",
        "pairs",
        "median ratio high/low [95% CI]",
        "high > low",
        "p (high > low)",
        "p (high < low)",
        "verdict",
    ]
    rows = []
    label = {
        "perturbation_norm": "perturbation norm (attacked images)",
        "first_order_distance": "first-order distance (test images both classify correctly)",
    }
    for k in np.flatnonzero(~all_rows):
        rows.append(
            [
                c["seed"][k],
                label.get(measures[k], measures[k]),
                int(c["n_pairs"][k]),
                f"{_f(c['median_ratio'][k])} [{_f(c['ratio_ci_low'][k])}, "
                f"{_f(c['ratio_ci_high'][k])}]",
                _pct(c["frac_high_greater"][k]),
                _p(c["p_greater"][k]),
                _p(c["p_less"][k]),
                verdicts[k],
            ]
        )
    lines += [
        _md_table(head, rows),
        "",
        "Ratios are per image, high over low; a failed attack counts as an infinite "
        "norm (a tie when both fail); p-values are one-sided Wilcoxon signed-rank tests "
        "on the log-ratios; the interval is a percentile bootstrap over images.",
        "",
    ]
    rows = []
    for seed in sorted(set(seeds.tolist())):
        lo = int(np.flatnonzero((names == "low") & (seeds == seed))[0])
        hi = int(np.flatnonzero((names == "high") & (seeds == seed))[0])
        rows += [
            [
                "high decay has a lower test error (paper: 1.2% vs 1.6%)",
                seed,
                f"{_pct(s['test_error'][hi])} vs {_pct(s['test_error'][lo])}",
                _ok(bool(s["test_error"][hi] < s["test_error"][lo])),
            ],
            [
                "high decay is less overfitted (test − train error)",
                seed,
                f"{_pct(s['test_error'][hi] - s['train_error'][hi])} vs "
                f"{_pct(s['test_error'][lo] - s['train_error'][lo])}",
                _ok(
                    bool(
                        s["test_error"][hi] - s["train_error"][hi]
                        < s["test_error"][lo] - s["train_error"][lo]
                    )
                ),
            ],
            [
                "high decay gives weights of lower RMS",
                seed,
                f"{_f(s['weight_rms'][hi], '{:.4f}')} vs {_f(s['weight_rms'][lo], '{:.4f}')}",
                _ok(bool(s["weight_rms"][hi] < s["weight_rms"][lo])),
            ],
        ]
    lines += [
        _md_table(["other claims (paper)", "seed", "high vs low", "agrees"], rows),
        "",
        "![error curves](lenet/lenet_curves.png)",
        "![filters](lenet/lenet_filters.png)",
        "![adversarial examples](lenet/lenet_adversarial.png)",
        "![paired perturbation norms](lenet/lenet_paired.png)",
    ]
    return lines


def make_report(out_dir, *, data_description=None, configuration=None, timings=None):
    """The text of report.md for the results in ``out_dir`` (whatever parts exist).

    Parameters
    ----------
    out_dir : str or path-like
        The output folder of :func:`sklearn_tilt.experiments.reproduce`.
    data_description : str, default=None
        One line on the data used.
    configuration : str, default=None
        One line on the parameters of the run.
    timings : dict part -> seconds, default=None
        Default: the compute times recorded in the parts' manifests.

    Returns
    -------
    text : str
        Markdown.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn_tilt.experiments import make_report
    >>> print(make_report(tempfile.mkdtemp()).splitlines()[0])
    # Reproduction of "A New Angle on L2 Regularization" (Tanay & Griffin, 2018)
    """
    out_dir = Path(out_dir)
    lines = [
        '# Reproduction of "A New Angle on L2 Regularization" (Tanay & Griffin, 2018)',
        "",
        "Generated by `sklearn-tilt reproduce`. Each table puts a claim of the paper next "
        "to what this run measured; *agrees* is a simple automatic check of the claim's "
        "direction, not a statistical test.",
        "",
    ]
    if data_description:
        lines += [f"Data: {data_description}", ""]
    if configuration:
        lines += [f"Configuration: {configuration}", ""]
    if timings is None:
        timings = {
            part: man["seconds"]
            for part in ("toy", "svm", "lenet")
            if (man := read_manifest(out_dir, part)) and "seconds" in man
        }
    if timings:
        lines += [
            "Compute time of each part (wall clock, when it was computed): "
            + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()),
            "",
        ]

    for section in (_toy_section, _svm_section, _lenet_section):
        lines += section(out_dir) + [""]
    return "\n".join(lines)
