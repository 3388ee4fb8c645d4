"""report.md: the paper's claims next to the measured figures."""

from pathlib import Path

import numpy as np

from ._io import read_csv, read_manifest


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
        rows.append([
            f"{loss}: small λ tilts the boundary to fit the noisy point p; large λ does not "
            "tilt (θ → 0)",
            f"θ={_deg(th[lo])} at λ={_lam(lam[lo])} (p {'fitted' if fits[lo] else 'not fitted'}); "
            f"θ={_deg(th[hi])} at λ={_lam(lam[hi])}",
            _ok(bool(fits[lo] and th[lo] > 45 and th[hi] < 5)),
        ])
        rows.append([
            f"{loss}: the mirror image of x comes close to x when θ is large",
            f"‖x − x_m‖ = {_f(md[lo])} at λ={_lam(lam[lo])}, {_f(md[hi])} at λ={_lam(lam[hi])}",
            _ok(bool(md[lo] < md[hi])),
        ])
    return ["## Toy problem", "",
            _md_table(["claim (paper)", "measured", "agrees"], rows), "",
            "![mirror image against θ](toy/toy_mirror_angles.png)",
            "![noisy point and regularisation](toy/toy_regularisation.png)"]


def _svm_section(out_dir):
    path = out_dir / "svm" / "svm.csv"
    if read_manifest(out_dir, "svm") is None or not path.is_file():
        return ["## SVM on pairs of MNIST digits", "", "Not run (`sklearn-tilt svm`)."]
    t = read_csv(path)
    s = read_csv(out_dir / "svm" / "svm_summary.csv")
    man = read_manifest(out_dir, "svm") or {}
    params = man.get("params", {})
    lines = ["## SVM on pairs of MNIST digits", ""]
    pair_col = t["pair"].astype(str)
    loss_col = t["loss"].astype(str)
    n_pairs = len(dict.fromkeys(pair_col))
    lams = np.unique(_col(t, "lam"))
    lines.append(
        f"{n_pairs} pairs × {len(lams)} values of λ (from {_lam(lams.min())} to "
        f"{_lam(lams.max())}), {int(np.max(_col(t, 'n_train')))} training images per pair "
        f"at most; losses: {', '.join(dict.fromkeys(loss_col))}. "
        f"Data: {man.get('data_description', 'see the manifest')}.")
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
        inner = np.mean((best < _col(s, "test_error@min_lam")[m])
                        & (best < _col(s, "test_error@max_lam")[m]))
        tm = loss_col == loss
        lo_lam = _col(t, "lam")[tm] == lams.min()
        hi_lam = _col(t, "lam")[tm] == lams.max()
        tr_lo = np.median(_col(t, "train_error")[tm][lo_lam])
        tr_hi = np.median(_col(t, "train_error")[tm][hi_lam])
        dev = np.abs(_col(t, "d_adv")[tm] - _col(t, "d_adv_centroid")[tm]) / np.maximum(
            np.abs(_col(t, "centroid_distance")[tm]), 1e-300)
        rows += [
            [f"{loss}: small λ gives a strongly tilted boundary (large θ)",
             f"median θ over pairs: {_deg(np.median(th01))} at λ=0.1, "
             f"{_deg(np.median(th3))} at λ=1e3, {_deg(np.median(thmax))} at λ={_lam(lams.max())}",
             _ok(bool(np.median(th01) > np.median(thmax) + 10))],
            [f"{loss}: large λ brings the boundary parallel to the nearest-centroid classifier"
             + (" (hinge: θ = 0 exactly, w ∥ j − i)" if loss == "hinge" else " (θ → 0)"),
             f"θ at λ={_lam(lams.max())}: max over pairs {_deg(np.max(thmax))}",
             _ok(bool(np.max(thmax) < (0.5 if loss == "hinge" else 5.0)))],
            [f"{loss}: d_adv is small for small λ and maximal for large λ",
             f"median d_adv: {_f(np.median(da01), '{:.0f}')} px at λ=0.1, "
             f"{_f(np.median(da7), '{:.0f}')} px at "
             f"λ=1e7; larger at 1e7 for {np.mean(da7 > da01) * 100:.0f}% of pairs",
             _ok(bool(np.mean(da7 > da01) > 0.9))],
            [f"{loss}: the train error is minimised at small λ (the goals conflict)",
             f"median train error {_pct(tr_lo)} at λ={_lam(lams.min())}, {_pct(tr_hi)} at "
             f"λ={_lam(lams.max())}",
             _ok(bool(tr_lo <= tr_hi))],
            [f"{loss}: the test error is minimised at an intermediate λ",
             f"the best test error is lower than at both ends of the grid for "
             f"{inner * 100:.0f}% of pairs; median best λ {_lam(_median_lam(lam_best))}; "
             f"median best test error {_pct(np.nanmedian(best))}",
             _ok(bool(inner > 0.5))],
            [f"{loss}: d_adv = ½‖j − i‖ cos θ (balanced classes)",
             f"max over all fits of abs(d_adv − ½‖j − i‖ cos θ) / ‖j − i‖: {_f(np.nanmax(dev))}",
             _ok(bool(np.nanmax(dev) < 1e-6))],
        ]
    lines += [_md_table(["claim (paper)", "measured", "agrees"], rows), ""]
    lines += ["### Per-pair summary", "",
              "θ in degrees, d_adv in pixels, errors on the test images of the pair.", ""]
    head = ["pair", "loss", "θ @ λ=0.1", "θ @ λ=1e3", f"θ @ λ={_lam(lams.max())}",
            "d_adv @ λ=0.1", "d_adv @ λ=1e7", "min test error", "at λ"]
    show = params.get("figure_pairs") or []
    show = {f"{a}-{b}" for a, b in show}
    rows = []
    for k in range(len(s["pair"])):
        p = str(s["pair"][k])
        if n_pairs > 12 and p not in show:
            continue
        rows.append([p, s["loss"][k], _deg(s["theta_deg@1e-01"][k]),
                     _deg(s["theta_deg@1e+03"][k]), _deg(s["theta_deg@max_lam"][k]),
                     _f(s["d_adv@1e-01"][k], "{:.0f}"), _f(s["d_adv@1e+07"][k], "{:.0f}"),
                     _pct(s["min_test_error"][k]),
                     _lam_range(s["lam_min_test_error"][k], s["lam_min_test_error_max"][k])])
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


def _lenet_section(out_dir):
    path = out_dir / "lenet" / "lenet_summary.csv"
    man = read_manifest(out_dir, "lenet")
    if man is None or man.get("skipped") or not path.is_file():
        why = (man or {}).get("skipped") or "not run (`sklearn-tilt lenet`)"
        return ["## LeNet, low vs high weight decay", "", f"Skipped: {why}."]
    s = read_csv(path)
    names = list(s["network"].astype(str))
    if "low" not in names or "high" not in names:
        return ["## LeNet", "", "Summary: `lenet/lenet_summary.csv`."]
    lo, hi = names.index("low"), names.index("high")
    epochs = int(np.max(_col(s, "epochs")))
    params = (man or {}).get("params", {})
    rows = [
        ["high decay has a lower test error (paper: 1.2% vs 1.6% after 50 epochs)",
         f"{_pct(s['test_error'][hi])} (high) vs {_pct(s['test_error'][lo])} (low) after "
         f"{epochs} epochs",
         _ok(bool(s["test_error"][hi] < s["test_error"][lo]))],
        ["high decay is less overfitted (train error ≈ test error)",
         f"test − train error (after training): "
         f"{_pct(s['test_error'][hi] - s['train_error'][hi])} (high), "
         f"{_pct(s['test_error'][lo] - s['train_error'][lo])} (low)",
         _ok(bool(s["test_error"][hi] - s["train_error"][hi]
                  < s["test_error"][lo] - s["train_error"][lo]))],
        ["high decay gives weights of much lower RMS",
         f"RMS of all weights {_f(s['weight_rms'][hi])} (high) vs {_f(s['weight_rms'][lo])} (low)",
         _ok(bool(s["weight_rms"][hi] < s["weight_rms"][lo]))],
        ["high decay: larger distances to the boundary (first-order d_adv on test images)",
         f"d_adv = {_f(s['d_adv_first_order'][hi], '{:.0f}')} (high) vs "
         f"{_f(s['d_adv_first_order'][lo], '{:.0f}')} (low) pixels",
         _ok(bool(s["d_adv_first_order"][hi] > s["d_adv_first_order"][lo]))],
    ]
    n_common = int(s["n_common_successes"][hi])
    succ = (f"success {_pct(s['attack_success_rate'][hi])} (high), "
            f"{_pct(s['attack_success_rate'][lo])} (low)")
    if n_common:
        rows.append([
            "high decay needs adversarial perturbations of larger L2 norm",
            f"median norm on the {n_common} images both attacks turned around: "
            f"{_f(s['median_perturbation_norm_common'][hi], '{:.0f}')} (high) vs "
            f"{_f(s['median_perturbation_norm_common'][lo], '{:.0f}')} (low); {succ}",
            _ok(bool(s["median_perturbation_norm_common"][hi]
                     > s["median_perturbation_norm_common"][lo]))])
    else:
        rows.append(["high decay needs adversarial perturbations of larger L2 norm",
                     f"no image was turned around by both attacks ({succ}); raise "
                     "--attack-max-iter", _ok(None)])
    lines = ["## LeNet, low vs high weight decay", "",
             f"Weight decays {_f(s['weight_decay'][lo])} (low) and {_f(s['weight_decay'][hi])} "
             f"(high), {epochs} epochs, batch size {params.get('batch_size', '?')}, "
             f"learning rate {params.get('lr', '?')}, "
             f"{params.get('n_train_images', '?')} training images; softmax temperatures "
             f"calibrated to a median confidence of 0.95 on the test set "
             f"(T = {_f(s['temperature'][lo])} low, {_f(s['temperature'][hi])} high).", "",
             _md_table(["claim (paper)", "measured", "agrees"], rows), "",
             "![error curves](lenet/lenet_curves.png)",
             "![filters](lenet/lenet_filters.png)",
             "![adversarial examples](lenet/lenet_adversarial.png)"]
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
    lines = ['# Reproduction of "A New Angle on L2 Regularization" (Tanay & Griffin, 2018)', "",
             "Generated by `sklearn-tilt reproduce`. Each table puts a claim of the paper next "
             "to what this run measured; *agrees* is a simple automatic check of the claim's "
             "direction, not a statistical test.", ""]
    if data_description:
        lines += [f"Data: {data_description}", ""]
    if configuration:
        lines += [f"Configuration: {configuration}", ""]
    if timings is None:
        timings = {part: man["seconds"] for part in ("toy", "svm", "lenet")
                   if (man := read_manifest(out_dir, part)) and "seconds" in man}
    if timings:
        lines += ["Compute time of each part (wall clock, when it was computed): "
                  + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()), ""]

    for section in (_toy_section, _svm_section, _lenet_section):
        lines += section(out_dir) + [""]
    return "\n".join(lines)
