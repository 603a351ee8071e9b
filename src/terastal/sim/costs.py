"""Per-task costs as plain Python tuples, built once per run for the engine's hot loop.

:class:`~terastal.cost.tables.TaskCostTable` holds numpy arrays; indexing a numpy array from
Python costs far more than indexing a tuple, so the engine and the schedulers read these
tuple copies instead. They are immutable, so sharing them with schedulers is safe.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from terastal.cost.tables import TaskCostTable
from terastal.errors import InputError
from terastal.model import Platform, Scenario, Task


class TaskCosts:
    """Costs and structure of one task's model on one platform.

    Attributes
    ----------
    task : Task
        The task.
    index : int
        Its index in the scenario.
    num_layers : int
        Layers of its model.
    lat, energy : tuple of tuple of float
        ``lat[layer][acc]`` seconds and ``energy[layer][acc]`` joules of the original layer.
    var_lat, var_energy : tuple of (tuple of float or None)
        The same for the layer's variant; ``None`` where the layer has no variant.
    out_bytes : tuple of float
        Bytes of each layer's output activation (what a move between accelerators carries).
    preferred : tuple of int
        Per layer, the accelerator with the lowest original latency (lowest index on ties).
    min_lat, min_energy : tuple of float
        Per layer, the lowest original latency / energy over accelerators.
    rem_min : tuple of float
        ``rem_min[l]`` = sum of ``min_lat`` over layers ``l..n-1``; ``rem_min[n] = 0``.
    rem_mean : tuple of float
        Suffix sums of the mean latency over accelerators (HEFT's upward rank of a chain).
    preds, succs : tuple of tuple of int
        Layer dependencies of the model.
    has_variants : bool
        Whether any layer has a variant.
    is_chain : bool
        Whether the model is a chain (layer ``i`` depends exactly on ``i - 1``), which lets the
        engine skip dependency counting.
    """

    __slots__ = (
        "energy",
        "has_variants",
        "index",
        "is_chain",
        "lat",
        "min_energy",
        "min_lat",
        "num_layers",
        "out_bytes",
        "preds",
        "preferred",
        "rem_mean",
        "rem_min",
        "succs",
        "task",
        "var_energy",
        "var_lat",
    )

    def __init__(self, task: Task, index: int, table: TaskCostTable, num_accelerators: int):
        n = len(task.model.layers)
        if table.latency_s.shape != (n, num_accelerators):
            raise InputError(
                f"cost table of task {task.name!r} has shape {table.latency_s.shape}, "
                f"expected ({n}, {num_accelerators})"
            )
        lat = table.latency_s.tolist()
        for row in lat:
            if not all(math.isfinite(v) and v >= 0 for v in row):
                raise InputError(f"cost table of task {task.name!r}: latencies must be >= 0")
        self.task = task
        self.index = index
        self.num_layers = n
        self.lat = tuple(tuple(row) for row in lat)
        self.energy = tuple(tuple(row) for row in table.energy_j.tolist())
        self.var_lat = tuple(
            None if math.isnan(row[0]) else tuple(row) for row in table.var_latency_s.tolist()
        )
        self.var_energy = tuple(
            None if math.isnan(row[0]) else tuple(row) for row in table.var_energy_j.tolist()
        )
        self.has_variants = any(v is not None for v in self.var_lat)
        self.out_bytes = tuple(float(b) for b in table.out_bytes.tolist())
        self.preferred = tuple(min(range(num_accelerators), key=row.__getitem__) for row in lat)
        self.min_lat = tuple(min(row) for row in lat)
        self.min_energy = tuple(min(row) for row in self.energy)
        self.rem_min = _suffix_sums(self.min_lat)
        self.rem_mean = _suffix_sums([sum(row) / num_accelerators for row in lat])
        self.preds = task.model.predecessors()
        succs: list[list[int]] = [[] for _ in range(n)]
        for p, row in enumerate(self.preds):
            for q in row:
                succs[q].append(p)
        self.succs = tuple(tuple(s) for s in succs)
        self.is_chain = all(p == ((i - 1,) if i else ()) for i, p in enumerate(self.preds))

    def __repr__(self) -> str:
        return f"TaskCosts({self.task.name!r}, layers={self.num_layers})"


def _suffix_sums(values) -> tuple[float, ...]:
    out = [0.0] * (len(values) + 1)
    for i in range(len(values) - 1, -1, -1):
        out[i] = out[i + 1] + values[i]
    return tuple(out)


def build_task_costs(
    scenario: Scenario, platform: Platform, tables: Mapping[str, TaskCostTable]
) -> tuple[TaskCosts, ...]:
    """Convert the cost tables of every task (scenario order) into :class:`TaskCosts`."""
    out = []
    for i, task in enumerate(scenario.tasks):
        if task.name not in tables:
            raise InputError(f"no cost table for task {task.name!r}")
        out.append(TaskCosts(task, i, tables[task.name], len(platform.accelerators)))
    return tuple(out)
