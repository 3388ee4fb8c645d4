"""Turn ``benchmarks/results/`` into reStructuredText for the benchmarks page.

The benchmark scripts write their results as CSV tables, markdown reports and PNG
figures. At ``builder-inited`` this hook writes ``docs/generated/benchmarks.rst.inc``,
which ``benchmarks.rst`` includes:

- every ``*.csv`` becomes a table (title: the file name), except the machine-readable
  companions of a markdown report (``<report>*.csv`` beside ``<report>.md``), which
  are only named under that report;
- every ``*.md`` is converted conservatively (headings, pipe tables, paragraphs,
  bullet lists, code spans; all other markup is shown literally);
- every ``*.png`` / ``*.svg`` is copied next to the generated file and shown;
- ``README.md`` (the folder's index) is skipped.

Absent or empty results give a short note instead, never a warning.
"""

import csv
import re
import shutil
from pathlib import Path

_HEADING_CHARS = '=-~^"'


def _escape(text):
    """Escape reST inline markup, then turn markdown code spans into literals."""
    parts = re.split(r"(`[^`]+`)", text)
    out = []
    for part in parts:
        if len(part) > 2 and part.startswith("`") and part.endswith("`"):
            code = part[1:-1].strip()
            out.append(f"\\ ``{code}``\\ " if code else "")
        else:
            part = re.sub(r"\*\*(.+?)\*\*", r"\1", part)  # drop markdown bold
            part = part.replace("\\", "\\\\")
            for ch in "*`|_[]<>":
                part = part.replace(ch, "\\" + ch)
            out.append(part)
    return "".join(out).strip()


def _underline(title, level):
    return [title, _HEADING_CHARS[min(level, len(_HEADING_CHARS) - 1)] * max(len(title), 3), ""]


def _list_table(rows, title=None):
    n = max(len(r) for r in rows)
    rows = [list(r) + [""] * (n - len(r)) for r in rows]
    lines = [
        f".. list-table:: {_escape(title)}" if title else ".. list-table::",
        "   :header-rows: 1",
        "   :class: benchmark-table",
        "",
    ]
    for row in rows:
        for k, cell in enumerate(row):
            cell = _escape(str(cell)) or " "
            lines.append(f"   {'* -' if k == 0 else '  -'} {cell}")
    lines.append("")
    return lines


def _csv_lines(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if r]
    if not rows:
        return []
    if len(rows) > 201:  # keep the page readable
        rows = rows[:201]
    return _list_table(rows, title=path.name)


def _md_lines(path, base_level):
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    out, table, para, in_code = [], [], [], False
    depth = [0]  # current heading depth below the file's own title (no level is skipped)

    def flush_para():
        if para:
            out.extend([" ".join(_escape(p) for p in para), ""])
            para.clear()

    def flush_table():
        if table:
            rows = [
                [c.strip() for c in line.strip().strip("|").split("|")]
                for line in table
                if not re.fullmatch(r"\s*\|?[\s:|-]+\|?\s*", line)
            ]
            if rows:
                out.extend(_list_table(rows))
            table.clear()

    for line in text:
        if line.strip().startswith("```"):
            flush_para()
            flush_table()
            in_code = not in_code
            if in_code:
                out.extend([".. code-block:: text", ""])
            else:
                out.append("")
            continue
        if in_code:
            out.append("   " + line)
            continue
        if line.strip().startswith("|"):
            flush_para()
            table.append(line)
            continue
        flush_table()
        m = re.match(r"^(#+)\s+(.*)$", line)
        if m:
            flush_para()
            title = _escape(m.group(2))
            if title:
                depth[0] = min(len(m.group(1)), depth[0] + 1)
                out.extend(_underline(title, base_level + depth[0]))
            continue
        m = re.match(r"^\s*!\[([^\]]*)\]\(([^)]+)\)\s*$", line)
        if m:  # images are shown from the copied files below
            flush_para()
            continue
        m = re.match(r"^\s*[-*]\s+(.*)$", line)
        if m:
            flush_para()
            out.extend([f"- {_escape(m.group(1))}", ""])
            continue
        if not line.strip():
            flush_para()
            continue
        para.append(line.strip())
    flush_para()
    flush_table()
    if in_code:
        out.append("")
    return out


def write_benchmark_tables(results_dir, target):
    """Write the reST for ``results_dir`` into ``target`` (only when it changed)."""
    results_dir, target = Path(results_dir), Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    img_dir = target.parent / "benchmark_images"
    lines = []
    files = sorted(p for p in results_dir.glob("*") if p.is_file()) if results_dir.is_dir() else []
    files = [p for p in files if p.name != "README.md"]  # the folder's index, not a report
    reports = [p.stem for p in files if p.suffix.lower() == ".md"]

    def companions(stem):
        return [p for p in files if p.suffix.lower() == ".csv" and p.stem.startswith(stem)]

    for path in files:
        suffix = path.suffix.lower()
        if suffix == ".md":
            lines.extend(_underline(_escape(path.stem.replace("_", " ").capitalize()), 1))
            lines.extend(_md_lines(path, base_level=1))
            extra = companions(path.stem)
            if extra:
                names = ", ".join(f"``benchmarks/results/{p.name}``" for p in extra)
                lines.extend([f"Machine-readable tables: {names}.", ""])
        elif suffix == ".csv":
            if any(path.stem.startswith(stem) for stem in reports):
                continue
            lines.extend(_csv_lines(path))
        elif suffix in (".png", ".svg"):
            img_dir.mkdir(exist_ok=True)
            shutil.copyfile(path, img_dir / path.name)
            lines.extend(
                [
                    f".. figure:: /generated/benchmark_images/{path.name}",
                    "   :width: 80%",
                    "",
                    f"   ``{path.name}``",
                    "",
                ]
            )
    if not lines:
        lines = [
            ".. note::",
            "",
            "   No benchmark results are available in ``benchmarks/results/`` for this",
            "   build. Run the scripts in ``benchmarks/`` to produce them.",
            "",
        ]
    text = "\n".join(lines) + "\n"
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return target
