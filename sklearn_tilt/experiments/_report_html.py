"""report.html: the interactive companion of report.md (one self-contained file)."""

import base64
import html
import re
from pathlib import Path

import numpy as np

from ..metrics._path_geometry import PATH_CURVES
from ..plotting._explore import REPORT_EXTRA_MESSAGE, TiltExplorer, compute_problem
from ._io import read_csv, read_manifest, write_text
from ._svm import load_svm_results, pair_data

#: Training and test points drawn in the plane: pairs with figures, other pairs.
DETAIL_POINTS = (300, 150)
OVERVIEW_POINTS = (60, 40)
#: Embedded (base64) images of report.md; the SVM figures are replaced by the page.
EMBEDDED_PARTS = ("toy", "lenet")


def _inline(text):
    text = html.escape(text, quote=False)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", text)
    text = re.sub(r"(?<![\w*])\*([^*]+)\*(?![\w*])", r"<i>\1</i>", text)
    return text


def _image_tag(out_dir, alt, src):
    path = Path(out_dir) / src
    part = Path(src).parts[0] if Path(src).parts else ""
    if part in EMBEDDED_PARTS and path.is_file():
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        return (
            f'<figure><img alt="{html.escape(alt)}" style="max-width:100%" '
            f'src="data:image/png;base64,{data}"><figcaption>{html.escape(alt)}'
            "</figcaption></figure>"
        )
    return f'<p><a href="{html.escape(src)}">{html.escape(alt)}</a> (PNG beside this page)</p>'


def markdown_to_html(text, out_dir):
    """The subset of Markdown that report.md uses (headings, tables, images, paragraphs)."""
    out, table, para = [], [], []

    def flush():
        if para:
            out.append("<p>" + _inline(" ".join(para)) + "</p>")
            para.clear()
        if table:
            rows = [r for r in table if not re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", r)]
            cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows]
            body = ['<table class="claims">']
            for i, r in enumerate(cells):
                tag = "th" if i == 0 else "td"
                body.append("<tr>" + "".join(f"<{tag}>{_inline(c)}</{tag}>" for c in r) + "</tr>")
            body.append("</table>")
            out.append("\n".join(body))
            table.clear()

    for line in text.splitlines():
        s = line.strip()
        if not s:
            flush()
            continue
        if s.startswith("|"):
            if para:
                flush()
            table.append(s)
            continue
        if table:
            flush()
        m = re.fullmatch(r"(#{1,6})\s+(.*)", s)
        if m:
            flush()
            level = min(len(m.group(1)) + 1, 6)
            out.append(f"<h{level}>{_inline(m.group(2))}</h{level}>")
            continue
        m = re.fullmatch(r"!\[([^\]]*)\]\(([^)]+)\)", s)
        if m:
            flush()
            out.append(_image_tag(out_dir, m.group(1), m.group(2)))
            continue
        para.append(s)
    flush()
    return "\n".join(out)


_STYLE = """<style>
table.claims, table.lenet {border-collapse: collapse; font-size: 13px; margin: 6px 0 14px 0}
table.claims td, table.claims th, table.lenet td, table.lenet th {border: 1px solid #ccc;
  padding: 3px 6px; vertical-align: top}
table.claims th, table.lenet th {background: #f0f0f0}
</style>"""


def _lenet_html(out_dir):
    d = Path(out_dir) / "lenet"
    man = read_manifest(out_dir, "lenet")
    if man is None or not (d / "lenet_summary.csv").is_file():
        reason = (man or {}).get("skipped") or "not run (sklearn-tilt lenet)"
        return f"<p>The LeNet part is absent: {html.escape(str(reason))}.</p>"
    parts = []
    s = read_csv(d / "lenet_summary.csv")
    cols = [
        c
        for c in (
            "network",
            "weight_decay",
            "epochs",
            "train_error",
            "test_error",
            "weight_rms",
            "rms_conv1",
            "rms_conv2",
            "rms_conv3",
            "rms_conv4",
            "temperature",
            "d_adv_first_order",
            "attack_success_rate",
            "median_perturbation_norm_common",
        )
        if c in s
    ]
    rows = ["<tr>" + "".join(f"<th>{html.escape(c)}</th>" for c in cols) + "</tr>"]
    for i in range(len(s[cols[0]])):
        rows.append("<tr>" + "".join(f"<td>{_cell(s[c][i])}</td>" for c in cols) + "</tr>")
    parts.append(
        "<h3>Summary per network (lenet_summary.csv)</h3><table class='lenet'>"
        + "".join(rows)
        + "</table>"
    )
    if (d / "lenet_attack.csv").is_file():
        a = read_csv(d / "lenet_attack.csv")
        nets = list(dict.fromkeys(np.asarray(a["network"]).astype(str)))
        digits = list(dict.fromkeys(np.asarray(a["digit"]).tolist()))
        head = (
            "<tr><th>digit &rarr; target</th>"
            + "".join(f"<th>{html.escape(n)}: L2 norm (success)</th>" for n in nets)
            + "</tr>"
        )
        body = []
        for dg in digits:
            cells = []
            for n in nets:
                m = (np.asarray(a["network"]).astype(str) == n) & (np.asarray(a["digit"]) == dg)
                if not np.any(m):
                    cells.append("<td>&mdash;</td>")
                    continue
                i = int(np.flatnonzero(m)[0])
                ok = str(a["success"][i]) == "True"
                cells.append(
                    f"<td>{_cell(a['perturbation_norm'][i])} ({'yes' if ok else 'no'})</td>"
                )
            tgt = a["target"][int(np.flatnonzero(np.asarray(a["digit"]) == dg)[0])]
            body.append(f"<tr><td>{dg} &rarr; {tgt}</td>" + "".join(cells) + "</tr>")
        parts.append(
            "<h3>Targeted attack: perturbation norms per image</h3>"
            "<table class='lenet'>" + head + "".join(body) + "</table>"
        )
    for name, alt in (
        ("lenet_filters.png", "filters, low vs high weight decay"),
        ("lenet_adversarial.png", "adversarial examples and perturbation norms"),
        ("lenet_curves.png", "train and test error per epoch"),
    ):
        if (d / name).is_file():
            parts.append(_image_tag(out_dir, alt, f"lenet/{name}"))
    return "\n".join(parts)


def _cell(v):
    try:
        f = float(v)
    except (TypeError, ValueError):
        return html.escape(str(v))
    if np.isnan(f):
        return "n/a"
    return f"{f:.4g}"


def svm_page_problems(res, data, figure_pairs):
    """The problems of the interactive page, from the in-memory results of the SVM part.

    Parameters
    ----------
    res : Bunch
        The result of :func:`~sklearn_tilt.experiments.run_svm`.
    data : Bunch
        Its data (``X_train``, ``y_train``, ``X_test``, ``y_test``).
    figure_pairs : list of (int, int)
        Pairs drawn in detail (more points, images at every ``lam``).

    Returns
    -------
    problems : list of dict
        One per pair and loss, in the order of the table (see
        :func:`~sklearn_tilt.plotting._explore.compute_problem`).
    """
    t = res.table
    losses = list(dict.fromkeys(lo for lo, _, _ in res.coefs))
    problems = []
    for loss, a, b in res.coefs:
        m = (t["pair"] == f"{a}-{b}") & (t["loss"] == loss)
        lams = t["lam"][m]
        X, y = pair_data(data.X_train, data.y_train, a, b)
        Xt, yt = pair_data(data.X_test, data.y_test, a, b)
        detail = (a, b) in figure_pairs or (a, b) == (3, 5)
        decades = np.flatnonzero(np.abs(np.log10(lams) - np.round(np.log10(lams))) < 1e-6)
        problems.append(
            compute_problem(
                X,
                y,
                lams,
                res.coefs[(loss, a, b)],
                res.intercepts[(loss, a, b)],
                X_test=Xt,
                y_test=yt,
                name=f"{a}-{b}" if len(losses) == 1 else f"{a}-{b} {loss}",
                class_names=(str(min(a, b)), str(max(a, b))),
                curves={k: t[k][m] for k in PATH_CURVES},
                n_points=DETAIL_POINTS if detail else OVERVIEW_POINTS,
                n_images=1,
                image_lams=None if detail else decades,
            )
        )
    return problems


def write_report_html(out_dir, *, log=print):
    """Write ``out_dir/report.html`` from the outputs present (after report.md).

    The interactive SVM part comes from the saved results of the SVM part
    (:func:`~sklearn_tilt.experiments._svm.load_svm_results`), which hold its
    problems ready to draw.

    Parameters
    ----------
    out_dir : path-like
        A results folder of :func:`~sklearn_tilt.experiments.reproduce`.
    log : callable, default=print

    Returns
    -------
    path : Path or None
        None when Bokeh (the extra ``report``) is not installed.
    """
    try:
        import bokeh  # noqa: F401 - optional dependency (extra "report")
    except ImportError:
        log(f"[report] report.html skipped: {REPORT_EXTRA_MESSAGE}")
        return None
    out_dir = Path(out_dir)
    report_md = out_dir / "report.md"
    text = report_md.read_text(encoding="utf-8") if report_md.is_file() else ""
    res = load_svm_results(out_dir)
    problems = None if res is None else res["problems"]
    reason = "The SVM part has not been run (sklearn-tilt svm)."
    sections = [
        ("LeNet, low vs high weight decay", _STYLE + _lenet_html(out_dir)),
        (
            "report.md: claims of the paper and measured values",
            _STYLE + markdown_to_html(text, out_dir),
        ),
    ]
    title = "A New Angle on L2 Regularization: interactive report"
    if problems is None:
        # optional dependency (extra "report"), checked above
        from bokeh.embed import file_html
        from bokeh.layouts import column
        from bokeh.models import Div
        from bokeh.resources import INLINE

        blocks = [Div(text=f"<h1>{html.escape(title)}</h1><p>{html.escape(reason)}</p>")]
        blocks += [
            Div(text=f"<h2>{html.escape(t)}</h2>{b}", sizing_mode="stretch_width")
            for t, b in sections
        ]
        page = file_html(column(*blocks, sizing_mode="stretch_width"), INLINE, title=title)
    else:
        names = [p["name"] for p in problems]
        default = "3-5" if "3-5" in names else names[0]
        overview = None
        if len(problems) > 1:
            pairs = [n.split()[0] for n in names]
            overview = {
                "pair": names,
                "class_i": [q.split("-")[0] for q in pairs],
                "class_j": [q.split("-")[1] for q in pairs],
            }
        page = TiltExplorer(
            problems, default=default, overview=overview, sections=sections, title=title
        ).to_html()
    path = out_dir / "report.html"
    write_text(path, page)
    return path
