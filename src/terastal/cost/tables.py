"""Per-task cost tables over a platform: what the simulator and schedulers read."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from terastal.cost.base import CostModel
from terastal.model import Layer, Platform, Scenario

if TYPE_CHECKING:
    import numpy as np

__all__ = ["TABLE_FIELDS", "TableRows", "TaskCostTable", "build_cost_tables"]

#: The per-task arrays of a table, in the order of the constructor.
TABLE_FIELDS = ("latency_s", "energy_j", "out_bytes", "var_latency_s", "var_energy_j")

Row = tuple[float, ...]


class TableRows(NamedTuple):
    """A table's values as tuples of floats (the same floats as the arrays' ``tolist()``).

    ``latency_s[layer][acc]``; ``var_*`` rows hold nan where the layer has no variant;
    ``out_bytes`` one float per layer. What the engine reads (:class:`TaskCosts`) and what
    the on-disk cache stores: neither needs numpy.
    """

    latency_s: tuple[Row, ...]
    energy_j: tuple[Row, ...]
    out_bytes: Row
    var_latency_s: tuple[Row, ...]
    var_energy_j: tuple[Row, ...]


class TaskCostTable:
    """Costs of one task's layers on every accelerator of a platform.

    Arrays are indexed ``[layer, accelerator]``; variant arrays hold ``nan`` where a layer has
    no variant. Arrays are made read-only so that schedulers cannot mutate them.

    A table is made from arrays (:func:`build_cost_tables`) or from its rows
    (:meth:`from_rows`, a table read back from the on-disk cache); either form is derived
    from the other on first access, so a run that only reads :attr:`rows` imports no numpy.
    Tables are immutable.
    """

    __slots__ = ("_arrays", "_rows", "_width", "task")

    def __init__(
        self,
        task: str,
        latency_s: np.ndarray,
        energy_j: np.ndarray,
        out_bytes: np.ndarray,
        var_latency_s: np.ndarray,
        var_energy_j: np.ndarray,
    ) -> None:
        arrays = (latency_s, energy_j, out_bytes, var_latency_s, var_energy_j)
        for a in arrays:
            a.setflags(write=False)
        _set(self, task, arrays, None, latency_s.shape[-1])

    @classmethod
    def from_rows(cls, task: str, rows: TableRows, num_accelerators: int) -> TaskCostTable:
        """A table of ``rows`` on ``num_accelerators`` (its arrays are made on first access)."""
        table = cls.__new__(cls)
        _set(table, task, None, TableRows(*rows), num_accelerators)
        return table

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __repr__(self) -> str:
        return f"TaskCostTable({self.task!r}, layers={self.num_layers})"

    def __reduce__(self):
        if self._arrays is not None:
            return (TaskCostTable, (self.task, *self._arrays))
        return (TaskCostTable.from_rows, (self.task, self._rows, self._width))

    @property
    def rows(self) -> TableRows:
        """The values as tuples of floats (``tolist()`` of the arrays)."""
        rows = self._rows
        if rows is None:
            rows = TableRows(
                *(
                    tuple(map(tuple, a.tolist())) if a.ndim == 2 else tuple(a.tolist())
                    for a in self._arrays
                )
            )
            object.__setattr__(self, "_rows", rows)
        return rows

    def _array(self, i: int) -> np.ndarray:
        arrays = self._arrays
        if arrays is None:
            arrays = _rows_to_arrays(self._rows, self._width)
            object.__setattr__(self, "_arrays", arrays)
        return arrays[i]

    @property
    def latency_s(self) -> np.ndarray:
        """Seconds of each original layer on each accelerator, ``(layers, accelerators)``."""
        return self._array(0)

    @property
    def energy_j(self) -> np.ndarray:
        """Joules of each original layer on each accelerator, ``(layers, accelerators)``."""
        return self._array(1)

    @property
    def out_bytes(self) -> np.ndarray:
        """Bytes of each layer's output activation, ``(layers,)``."""
        return self._array(2)

    @property
    def var_latency_s(self) -> np.ndarray:
        """Seconds of each layer's variant (nan without one), ``(layers, accelerators)``."""
        return self._array(3)

    @property
    def var_energy_j(self) -> np.ndarray:
        """Joules of each layer's variant (nan without one), ``(layers, accelerators)``."""
        return self._array(4)

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of :attr:`latency_s` (``(layers, accelerators)``)."""
        if self._arrays is not None:
            return tuple(self._arrays[0].shape)
        return (len(self._rows.latency_s), self._width)

    @property
    def num_layers(self) -> int:
        """Number of layers."""
        return self.shape[0]

    def has_variant(self, layer: int) -> bool:
        """Whether ``layer`` has a variant."""
        return not math.isnan(self.rows.var_latency_s[layer][0])

    @property
    def preferred(self) -> np.ndarray:
        """Per layer, the index of the accelerator with the lowest original latency."""
        import numpy as np

        return np.argmin(self.latency_s, axis=1)


def _set(table: TaskCostTable, task: str, arrays: Any, rows: Any, width: int) -> None:
    for name, value in (("task", task), ("_arrays", arrays), ("_rows", rows), ("_width", width)):
        object.__setattr__(table, name, value)


def _rows_to_arrays(rows: TableRows, width: int) -> tuple:
    import numpy as np

    out = []
    for i, values in enumerate(rows):
        a = np.array(values, dtype=float)
        if i != 2:  # (layers, accelerators), also without layers
            a = a.reshape(len(values), width)
        a.setflags(write=False)
        out.append(a)
    return tuple(out)


def build_cost_tables(
    scenario: Scenario,
    platform: Platform,
    cost_model: CostModel,
    variant_shapes: Mapping[str, Mapping[int, Layer]] | None = None,
) -> dict[str, TaskCostTable]:
    """Evaluate every task's layers (and variants) on every accelerator.

    Parameters
    ----------
    scenario, platform : Scenario, Platform
        What runs where.
    cost_model : CostModel
        Backend.
    variant_shapes : mapping, optional
        ``{task_name: {layer_index: variant_layer_shape}}``.

    Returns
    -------
    dict of str to TaskCostTable
    """
    import numpy as np

    variant_shapes = variant_shapes or {}
    out: dict[str, TaskCostTable] = {}
    bpe = platform.bytes_per_elem
    for task in scenario.tasks:
        layers = task.model.layers
        n, a = len(layers), len(platform.accelerators)
        lat = np.empty((n, a))
        en = np.empty((n, a))
        vlat = np.full((n, a), np.nan)
        ven = np.full((n, a), np.nan)
        vmap = dict(variant_shapes.get(task.name, {}))
        vidx = sorted(vmap)
        for j, acc in enumerate(platform.accelerators):
            c = cost_model.evaluate(layers, acc)
            lat[:, j] = c.latency_s
            en[:, j] = c.energy_j
            if vidx:
                vc = cost_model.evaluate([vmap[i] for i in vidx], acc)
                vlat[vidx, j] = vc.latency_s
                ven[vidx, j] = vc.energy_j
        out_bytes = np.array([layer.output_elems * bpe for layer in layers], dtype=float)
        out[task.name] = TaskCostTable(task.name, lat, en, out_bytes, vlat, ven)
    return out
