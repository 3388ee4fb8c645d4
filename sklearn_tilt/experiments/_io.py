"""Atomic writes, CSV tables and the manifest that makes runs restartable.

A *table* is a dict of equal-length 1-D arrays (column name -> values), like
scikit-learn's ``cv_results_``; ``pandas.DataFrame(table)`` turns it into a frame.

Every output file is written to a temporary file in the same folder and renamed
into place, so an interrupted run never leaves a partial file under a final
name. A part of an experiment is complete when its manifest (written last)
records the same parameters and all its outputs exist.
"""

import contextlib
import csv
import hashlib
import json
import os
import pickle
import tempfile
import time
from pathlib import Path

import numpy as np

MANIFEST_DIR = ".sklearn_tilt"


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to ``path``; rename it to ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".part" + path.suffix, dir=path.parent
    )
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600 files
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path, text):
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as f:
        f.write(text)


def save_figure(fig, path, dpi=110):
    """Save a matplotlib figure as PNG atomically and close it."""
    import matplotlib.pyplot as plt  # start-up time: pyplot only when a figure is saved

    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    plt.close(fig)


def save_npz(path, **arrays):
    """``np.savez_compressed`` atomically."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, **arrays)


def save_pickle(path, obj):
    """Pickle ``obj`` to ``path`` atomically (a results file of this package, read back by it)."""
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        pickle.dump(obj, f, protocol=4)


def load_pickle(path):
    """The object saved by :func:`save_pickle`, or None when ``path`` is missing or unreadable.

    Only for the files this package writes in its own results folder: unpickling runs code,
    so never point it at a file of unknown origin.
    """
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return None


def table_length(table):
    lengths = {len(v) for v in table.values()}
    if len(lengths) > 1:
        raise ValueError(f"table columns have different lengths: {sorted(lengths)}")
    return lengths.pop() if lengths else 0


def _fmt(v):
    if isinstance(v, (float, np.floating)):
        return "" if np.isnan(v) else repr(float(v))
    if isinstance(v, (np.integer,)):
        return str(int(v))
    if isinstance(v, (np.bool_, bool)):
        return str(bool(v))
    return str(v)


def write_csv(path, table):
    """Write a table (dict of columns) as CSV atomically (NaN as an empty field)."""
    n = table_length(table)
    cols = list(table)
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(cols)
        for i in range(n):
            w.writerow([_fmt(table[c][i]) for c in cols])


def _parse_column(values):
    for conv in (int, float):
        try:
            return np.array([conv(v) if v != "" else np.nan for v in values])
        except ValueError:
            continue
    if set(values) <= {"True", "False"}:
        return np.array([v == "True" for v in values])
    return np.array(values, dtype=object)


def read_csv(path):
    """Read a CSV written by :func:`write_csv` back into a table of numpy arrays."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise ValueError(f"{path} is empty")
    header, body = rows[0], rows[1:]
    return {c: _parse_column([r[k] for r in body]) for k, c in enumerate(header)}


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    return obj


def params_key(params):
    """A short stable hash of a JSON-able parameter dict."""
    blob = json.dumps(_jsonable(params), sort_keys=True).encode()
    return hashlib.sha1(blob).hexdigest()[:12]


def data_fingerprint(*arrays):
    """A short hash of the contents of some arrays (to detect changed data)."""
    h = hashlib.sha1()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(str((a.dtype.str, a.shape)).encode())
        h.update(memoryview(a).cast("B"))
    return h.hexdigest()[:12]


def manifest_path(out_dir, part):
    return Path(out_dir) / MANIFEST_DIR / f"{part}.json"


def is_complete(out_dir, part, params):
    """Whether ``part`` finished in ``out_dir`` with the same ``params`` and all outputs."""
    path = manifest_path(out_dir, part)
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError):
        return False
    if manifest.get("key") != params_key(params):
        return False
    return all((Path(out_dir) / p).is_file() for p in manifest.get("outputs", []))


def read_manifest(out_dir, part):
    """The manifest of ``part`` (dict) or None."""
    try:
        with open(manifest_path(out_dir, part), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def write_manifest(out_dir, part, params, outputs, **extra):
    """Record ``part`` as complete: written last, atomically."""
    out_dir = Path(out_dir)
    rel = [str(Path(p).resolve().relative_to(out_dir.resolve())) for p in outputs]
    manifest = {
        "part": part,
        "key": params_key(params),
        "params": _jsonable(params),
        "outputs": rel,
        "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
        **_jsonable(extra),
    }
    write_text(manifest_path(out_dir, part), json.dumps(manifest, indent=1, sort_keys=True))


def invalidate(out_dir, part):
    """Remove the manifest of ``part`` (its outputs no longer count as complete)."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(manifest_path(out_dir, part))
