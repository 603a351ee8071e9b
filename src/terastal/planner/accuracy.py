"""Accuracy of layer-variant combinations: the table type and its parsers.

An :class:`AccuracyTable` maps every measured combination of active variants (a frozenset of
layer names; the empty set is the baseline) to the value of a higher-is-better metric (top-5,
mAP, delta1, ...). Normalized accuracy = metric(combination) / metric(baseline).

Parsers:

* :func:`parse_summary` - the paper's text summaries (``Model: Converted: a, b`` blocks with
  ``Top-1``/``Top-5`` or ``mAP`` lines).
* :func:`parse_combination_csv` - the paper's Sp2Dense CSV (``layers_list`` joined by ``|``).
* :func:`load_accuracy_tables` - the generic user format, CSV (``model,variants,<metric>``
  with variants joined by ``;``, empty = baseline) or YAML.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from terastal.errors import InputError
from terastal.planner.frozen import FrozenDict

__all__ = [
    "AccuracyTable",
    "load_accuracy_tables",
    "parse_combination_csv",
    "parse_summary",
]


@dataclass(frozen=True)
class AccuracyTable:
    """Measured metric of every combination of active layer variants of one model.

    Parameters
    ----------
    model : str
        Model the table belongs to.
    metric : str
        Name of the (higher-is-better) metric, e.g. ``"top5"``.
    values : mapping of frozenset of str to float
        Metric per combination; must contain the baseline ``frozenset()`` with a value > 0.
    source : str or None
        File the table was read from.
    """

    model: str
    metric: str
    values: Mapping[frozenset[str], float]
    source: str | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        vals = {frozenset(k): float(v) for k, v in self.values.items()}
        if frozenset() not in vals:
            raise InputError(
                f"accuracy table of {self.model!r} has no baseline (empty combination)",
                file=self.source,
            )
        if not vals[frozenset()] > 0:
            raise InputError(f"baseline of {self.model!r} must be > 0", file=self.source)
        object.__setattr__(self, "values", FrozenDict(vals))

    @property
    def baseline(self) -> float:
        """Metric of the model without variants."""
        return self.values[frozenset()]

    @property
    def layers(self) -> tuple[str, ...]:
        """Every layer that appears in some combination, sorted."""
        return tuple(sorted(set().union(*self.values)))

    def normalized(self, combination: Iterable[str]) -> float | None:
        """Normalized accuracy of ``combination``, or ``None`` when it was not measured."""
        v = self.values.get(frozenset(combination))
        return None if v is None else v / self.baseline

    def normalized_all(self) -> dict[frozenset[str], float]:
        """Normalized accuracy of every measured combination."""
        b = self.baseline
        return {k: v / b for k, v in self.values.items()}

    def renamed(self, mapping: Mapping[str, str], model: str | None = None) -> AccuracyTable:
        """Copy with layer names translated by ``mapping`` (names not in it are kept)."""
        vals = {frozenset(mapping.get(n, n) for n in k): v for k, v in self.values.items()}
        return AccuracyTable(model or self.model, self.metric, vals, self.source)


# --------------------------------------------------------------------- paper summaries

_MODEL_RE = re.compile(r"^\s*Model:\s*(.*?)\s*$")
_VALUE_RE = re.compile(r"^\s*>\s*(.*?):\s*(\S+)\s*$")
_FACTOR_RE = re.compile(r"\s*\(R=\d+\)\s*$")
_METRIC_KEYS = {
    "top-1 accuracy": "top1",
    "top-5 accuracy": "top5",
    "average precision across all classes (map)": "map",
}


def parse_summary(
    path: str | Path, metric: str = "top5", model: str | None = None
) -> AccuracyTable:
    """Parse one of the paper's ``Model: ...`` combination summaries.

    Parameters
    ----------
    path : str or Path
        The summary text file.
    metric : {"top5", "top1", "map"}
        Which value of each block to keep.
    model : str, optional
        Model name; default the file's stem.

    Returns
    -------
    AccuracyTable
        Layer names exactly as in the file (``(R=n)`` suffixes removed).

    Raises
    ------
    InputError
        Unreadable file, a value outside a block, a duplicate combination, a block without
        ``metric`` or no baseline; the message names the file and line.
    """
    path = Path(path)
    src = str(path)
    lines = _read_lines(path)
    values: dict[frozenset[str], float] = {}
    current: frozenset[str] | None = None
    start = 0
    found = False

    def close(lineno: int) -> None:
        if current is not None and not found:
            raise InputError(f"combination has no {metric!r} value", file=src, line=lineno)

    for no, raw in enumerate(lines, 1):
        m = _MODEL_RE.match(raw)
        if m:
            close(start)
            label = m.group(1)
            if label.lower().startswith("converted:"):
                names = [_FACTOR_RE.sub("", s).strip() for s in label.split(":", 1)[1].split(",")]
                if any(not n for n in names):
                    raise InputError("empty layer name in combination", file=src, line=no)
                current = frozenset(names)
            elif "baseline" in label.lower():
                current = frozenset()
            else:
                raise InputError(f"unrecognized model label {label!r}", file=src, line=no)
            if current in values:
                raise InputError("duplicate combination", file=src, line=no)
            start, found = no, False
            continue
        v = _VALUE_RE.match(raw)
        if not v:
            continue
        key = _METRIC_KEYS.get(v.group(1).strip().lower())
        if key is None:
            continue
        if current is None:
            raise InputError("value before any 'Model:' line", file=src, line=no)
        if key == metric:
            values[current] = _number(v.group(2), src, no, key)
            found = True
    close(start)
    if frozenset() not in values:
        raise InputError("no baseline ('Original ... (Baseline)') block", file=src)
    return AccuracyTable(model or path.stem, metric, values, src)


def parse_combination_csv(
    path: str | Path,
    metric: str = "delta1",
    model: str | None = None,
    *,
    layers_column: str = "layers_list",
    separator: str = "|",
) -> AccuracyTable:
    """Parse the paper's Sp2Dense combination CSV (one row per combination).

    Parameters
    ----------
    path : str or Path
        CSV with a header; ``layers_column`` holds the layers joined by ``separator`` or
        ``baseline``.
    metric : str
        Column to keep (higher is better, e.g. ``delta1``).
    model : str, optional
        Model name; default the file's stem.
    layers_column, separator : str
        Where and how the combination is written.

    Returns
    -------
    AccuracyTable

    Raises
    ------
    InputError
        Missing column, bad number or duplicate row; names file, line and field.
    """
    path = Path(path)
    src = str(path)
    rows = list(csv.reader(_read_lines(path)))
    if not rows:
        raise InputError("empty file", file=src)
    header = [h.strip() for h in rows[0]]
    for col in (layers_column, metric):
        if col not in header:
            raise InputError(f"missing column {col!r}", file=src, line=1, field=col)
    li, mi = header.index(layers_column), header.index(metric)
    values: dict[frozenset[str], float] = {}
    for no, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise InputError(f"expected {len(header)} columns, got {len(row)}", file=src, line=no)
        cell = row[li].strip()
        combo = (
            frozenset()
            if cell.lower() in ("", "baseline")
            else frozenset(s.strip() for s in cell.split(separator))
        )
        if combo in values:
            raise InputError("duplicate combination", file=src, line=no, field=layers_column)
        values[combo] = _number(row[mi], src, no, metric)
    return AccuracyTable(model or path.stem, metric, values, src)


# --------------------------------------------------------------------- generic user tables


def load_accuracy_tables(path: str | Path) -> dict[str, AccuracyTable]:
    """Read a user accuracy table (CSV or YAML); see :mod:`terastal.planner.user_tables`."""
    from terastal.planner.user_tables import load_accuracy_tables as load

    return load(path)


# --------------------------------------------------------------------- helpers


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("not a UTF-8 text file", file=str(path)) from None


def _number(text: str, src: str, line: int | None, fieldname: str) -> float:
    try:
        v = float(str(text).strip().rstrip("%"))
    except ValueError:
        raise InputError(f"not a number: {text!r}", file=src, line=line, field=fieldname) from None
    if not math.isfinite(v) or v < 0:
        raise InputError(
            f"must be a finite number >= 0, got {text!r}", file=src, line=line, field=fieldname
        )
    return v


def _split_variants(cell: str, src: str, line: int) -> frozenset[str]:
    cell = cell.strip()
    if not cell:
        return frozenset()
    names = [s.strip() for s in cell.split(";")]
    if any(not n for n in names):
        raise InputError("empty layer name in variants", file=src, line=line, field="variants")
    if len(set(names)) != len(names):
        raise InputError("layer listed twice in variants", file=src, line=line, field="variants")
    return frozenset(names)
