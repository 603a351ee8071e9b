"""Table backend: per-layer costs measured or simulated elsewhere, read from a CSV file.

The CSV has a header with (at least) the columns ``model,layer,accelerator,latency_s,energy_j``
-- the format ``terastal profile --out`` writes. Costs are looked up by (layer name,
accelerator name). When several models of the file have a layer of that name on that
accelerator with different costs, the call is attributed to the model with the fewest rows
among those that cover every layer of the call (a whole model's layer list picks that model).
"""

from __future__ import annotations

import csv
import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from terastal.cost.base import LayerCosts
from terastal.errors import InputError
from terastal.model import Accelerator, Layer

__all__ = ["COLUMNS", "TableCostModel"]

COLUMNS = ("model", "layer", "accelerator", "latency_s", "energy_j")


class TableCostModel:
    """Costs from a CSV table (name ``"table"``).

    Parameters
    ----------
    path : str or path
        The CSV file.

    Raises
    ------
    InputError
        On a missing file, a missing column, a malformed row (file, line and field), or a
        duplicated (model, layer, accelerator) row.
    """

    name = "table"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        if os.fspath(path) == "":  # Path("") is ".": it was read as a directory
            raise InputError("cost model 'table': path is empty", field="cost_model")
        self.path = Path(path)
        # (layer, accelerator) -> {model: (latency_s, energy_j)}
        self._rows: dict[tuple[str, str], dict[str, tuple[float, float]]] = {}
        self._accelerators: set[str] = set()
        self._sizes: dict[tuple[str, str], int] = {}  # (model, accelerator) -> rows
        self._load()

    def __repr__(self) -> str:
        return f"TableCostModel({str(self.path)!r})"

    def _load(self) -> None:
        file = str(self.path)
        try:
            fh = self.path.open(newline="", encoding="utf-8")
        except OSError as exc:
            raise InputError(f"cannot read cost table: {exc.strerror or exc}", file=file) from None
        with fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                raise InputError("empty cost table (expected a header row)", file=file, line=1)
            header = [h.strip() for h in header]
            for col in COLUMNS:
                if col not in header:
                    raise InputError(
                        f"missing column; the header must contain {', '.join(COLUMNS)}",
                        file=file,
                        line=1,
                        field=col,
                    )
            pos = {col: header.index(col) for col in COLUMNS}
            for row in reader:
                line = reader.line_num
                if not row or all(not cell.strip() for cell in row):
                    continue
                self._add(row, pos, len(header), file, line)

    def _add(self, row: list[str], pos: dict[str, int], width: int, file: str, line: int) -> None:
        if len(row) != width:
            raise InputError(f"expected {width} fields, got {len(row)}", file=file, line=line)
        model, layer, acc = (row[pos[c]].strip() for c in ("model", "layer", "accelerator"))
        for col, value in (("model", model), ("layer", layer), ("accelerator", acc)):
            if not value:
                raise InputError("empty value", file=file, line=line, field=col)
        values = []
        for col in ("latency_s", "energy_j"):
            text = row[pos[col]].strip()
            where = {"file": file, "line": line, "field": col}
            try:
                v = float(text)
            except ValueError:
                raise InputError(f"not a number: {text!r}", **where) from None
            if not math.isfinite(v) or v < 0:
                raise InputError(f"must be finite and >= 0, got {text}", **where)
            values.append(v)
        entry = self._rows.setdefault((layer, acc), {})
        if model in entry:
            raise InputError(
                f"duplicate row for model {model!r}, layer {layer!r}, accelerator {acc!r}",
                file=file,
                line=line,
            )
        entry[model] = (values[0], values[1])
        self._accelerators.add(acc)
        self._sizes[model, acc] = self._sizes.get((model, acc), 0) + 1

    def evaluate(self, layers: Sequence[Layer], acc: Accelerator) -> LayerCosts:
        """Return the tabulated costs of ``layers`` on ``acc``.

        Raises
        ------
        InputError
            If the table has no row for a (layer, accelerator) pair, or the rows of several
            models disagree and none of them covers every layer of the call.
        """
        names = [ly.name for ly in layers]
        entries = []
        for name in names:
            entry = self._rows.get((name, acc.name))
            if entry is None:
                known = ", ".join(sorted(self._accelerators)) or "none"
                raise InputError(
                    f"no cost row for layer {name!r} on accelerator {acc.name!r} "
                    f"(accelerators in the table: {known})",
                    file=str(self.path),
                    field="layer",
                )
            entries.append(entry)
        model = self._pick_model(names, entries, acc.name)
        out = np.array(
            [e[model] if model is not None else next(iter(e.values())) for e in entries], float
        ).reshape(len(names), 2)
        lat, en = out[:, 0].copy(), out[:, 1].copy()
        # a table knows only latency: its cycles are latency x clock, its DRAM traffic unknown (0)
        return LayerCosts(lat, en, lat * acc.clock_hz, np.zeros(len(names)))

    def _pick_model(self, names: list[str], entries: list[dict], acc: str) -> str | None:
        """``None`` if every layer's rows agree, else the one model covering all layers."""
        if all(len(set(e.values())) == 1 for e in entries):
            return None
        common = set.intersection(*(set(e) for e in entries))
        if common:
            fewest = min(self._sizes[m, acc] for m in common)
            best = sorted(m for m in common if self._sizes[m, acc] == fewest)
            if all(len({e[m] for m in best}) == 1 for e in entries):
                return best[0]
        layer = next(n for n, e in zip(names, entries, strict=True) if len(set(e.values())) > 1)
        raise InputError(
            f"layer {layer!r} on accelerator {acc!r} has different costs in models "
            f"{', '.join(sorted(self._rows[(layer, acc)]))} and the call does not single out one",
            file=str(self.path),
            field="layer",
        )
