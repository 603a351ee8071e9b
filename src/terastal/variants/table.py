"""Accuracy tables in the planner's CSV format.

One header line ``model,variants,metric`` then one row per combination of active variants:
``variants`` is the layer names joined by ``;`` (empty for the baseline) and ``metric`` the
measured accuracy in percent. :func:`terastal.planner.accuracy.load_accuracy_tables` reads it
(``terastal plan --accuracy-table``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from pathlib import Path

from terastal._files import atomic_write
from terastal.errors import TerastalError

HEADER = ("model", "variants", "metric")


def format_table(model: str, rows: Iterable[tuple[Sequence[str], float]]) -> str:
    """CSV text of ``rows`` (``(active layers, accuracy %)``) for ``model``."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(HEADER)
    seen: set[frozenset[str]] = set()
    for combo, value in rows:
        names = list(combo)
        if any(not n or ";" in n or "," in n for n in names):
            raise TerastalError(f"layer names may not be empty or hold ';' or ',': {names}")
        key = frozenset(names)
        if key in seen:
            raise TerastalError(f"combination {names} listed twice")
        seen.add(key)
        w.writerow((model, ";".join(names), f"{value:.2f}"))
    if frozenset() not in seen:
        raise TerastalError("an accuracy table needs the baseline (no variant) row")
    return buf.getvalue()


def write_table(path: str | Path, model: str, rows: Iterable[tuple[Sequence[str], float]]) -> Path:
    """Write the accuracy table of ``model`` to ``path`` and return the path."""
    path = Path(path)
    atomic_write(path, format_table(model, rows))  # an interrupt leaves no half a table
    return path


def read_table(path: str | Path) -> dict[str, dict[frozenset[str], float]]:
    """Read a table written by :func:`write_table`: model → combination → accuracy."""
    out: dict[str, dict[frozenset[str], float]] = {}
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != HEADER:
            raise TerastalError(f"{path}: header must be {','.join(HEADER)}")
        for row in reader:
            if not row:
                continue
            model, variants, value = row
            combo = frozenset(v for v in variants.split(";") if v)
            out.setdefault(model, {})[combo] = float(value)
    return out
