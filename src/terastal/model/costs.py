"""Per-task costs as plain Python tuples, built once per run for the engine's hot loop.

A cost table (:class:`~terastal.cost.tables.TaskCostTable`) holds numpy arrays; indexing a
numpy array from Python costs far more than indexing a tuple, so the engine and the
schedulers read tuples instead (the table's ``rows``, which a table read back from the on-disk
cache holds without numpy). They are immutable, so sharing them with schedulers is safe. This
module only needs the table's shape (:class:`CostTable`), so the run contract does not depend
on the cost layer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Protocol

from terastal.model.workload import Task

#: Relative tolerance under which two latencies count as equal (identical cores): an
#: accelerator within ``latency * (1 + IDENTICAL_REL_TOL)`` of the fastest is also preferred.
IDENTICAL_REL_TOL = 1e-9


class CostTable(Protocol):
    """What :class:`TaskCosts` reads of a cost table: its ``rows``, tuples of floats.

    ``rows.latency_s[layer][acc]`` (likewise ``energy_j``, ``var_latency_s`` and
    ``var_energy_j``, nan in rows of layers without a variant) and ``rows.out_bytes``, one
    entry per layer (:class:`~terastal.cost.tables.TableRows`).
    """

    rows: Any


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
    latency_s, energy_j : tuple of tuple of float
        ``latency_s[layer][acc]`` seconds and ``energy_j[layer][acc]`` joules of the original
        layer.
    var_latency_s, var_energy_j : tuple of (tuple of float or None)
        The same for the layer's variant; ``None`` where the layer has no variant.
    out_bytes : tuple of float
        Bytes of each layer's output activation (what a move between accelerators carries).
    preferred : tuple of int
        Per layer, the accelerator with the lowest original latency (lowest index on ties).
    min_latency_s, min_energy_j : tuple of float
        Per layer, the lowest original latency / energy over accelerators.
    rem_min_s : tuple of float
        ``rem_min_s[l]`` = sum of ``min_latency_s`` over layers ``l..n-1``; ``rem_min_s[n] = 0``.
    rem_mean_s : tuple of float
        Suffix sums of the mean latency over accelerators (HEFT's upward rank of a chain).
    preds, succs : tuple of tuple of int
        Layer dependencies of the model.
    has_variants : bool
        Whether any layer has a variant.
    is_chain : bool
        Whether the model is a chain (layer ``i`` depends exactly on ``i - 1``), which lets the
        engine skip dependency counting.
    chain_move_s : tuple of float or None
        Of a chain, per layer, the seconds to move its input onto an accelerator other than
        the one that ran the previous layer (0 for the first layer), by the one transfer rule
        (:func:`input_transfer_s`), so that schedulers scoring every accelerator read it
        instead of recomputing it. ``None`` for other models or without a bandwidth.

    ``lat``, ``energy``, ``var_lat``, ``var_energy``, ``min_lat``, ``min_energy``, ``rem_min``
    and ``rem_mean`` are deprecated aliases of the unit-suffixed names (the same tuples, so
    reading either costs the same).
    """

    __slots__ = (
        "chain_move_s",
        "energy",
        "energy_j",
        "has_variants",
        "index",
        "is_chain",
        "lat",
        "latency_s",
        "min_energy",
        "min_energy_j",
        "min_lat",
        "min_latency_s",
        "num_layers",
        "out_bytes",
        "preds",
        "preferred",
        "rem_mean",
        "rem_mean_s",
        "rem_min",
        "rem_min_s",
        "succs",
        "task",
        "var_energy",
        "var_energy_j",
        "var_lat",
        "var_latency_s",
    )

    def __init__(
        self,
        task: Task,
        index: int,
        table: CostTable,
        num_accelerators: int,
        bytes_per_s: float | None = None,
    ):
        # The table's shape and values are checked by whoever builds the costs (the engine's
        # ``build_task_costs``), which can raise the package's input errors.
        n = len(task.model.layers)
        rows = table.rows
        lat = rows.latency_s
        self.task = task
        self.index = index
        self.num_layers = n
        self.latency_s = self.lat = tuple(tuple(row) for row in lat)
        self.energy_j = self.energy = tuple(tuple(row) for row in rows.energy_j)
        self.var_latency_s = self.var_lat = tuple(
            None if math.isnan(row[0]) else tuple(row) for row in rows.var_latency_s
        )
        self.var_energy_j = self.var_energy = tuple(
            None if math.isnan(row[0]) else tuple(row) for row in rows.var_energy_j
        )
        self.has_variants = any(v is not None for v in self.var_latency_s)
        self.out_bytes = tuple(float(b) for b in rows.out_bytes)
        self.preferred = tuple(min(range(num_accelerators), key=row.__getitem__) for row in lat)
        self.min_latency_s = self.min_lat = tuple(min(row) for row in lat)
        self.min_energy_j = self.min_energy = tuple(min(row) for row in self.energy_j)
        self.rem_min_s = self.rem_min = _suffix_sums(self.min_latency_s)
        self.rem_mean_s = self.rem_mean = _suffix_sums([sum(row) / num_accelerators for row in lat])
        self.preds = task.model.predecessors()
        succs: list[list[int]] = [[] for _ in range(n)]
        for p, row in enumerate(self.preds):
            for q in row:
                succs[q].append(p)
        self.succs = tuple(tuple(s) for s in succs)
        self.is_chain = all(p == ((i - 1,) if i else ()) for i, p in enumerate(self.preds))
        self.chain_move_s = None
        if self.is_chain and bytes_per_s:
            ob = self.out_bytes
            self.chain_move_s = (0.0, *(_move_s(ob[i - 1], bytes_per_s) for i in range(1, n)))

    def __repr__(self) -> str:
        return f"TaskCosts({self.task.name!r}, layers={self.num_layers})"


def _suffix_sums(values) -> tuple[float, ...]:
    out = [0.0] * (len(values) + 1)
    for i in range(len(values) - 1, -1, -1):
        out[i] = out[i + 1] + values[i]
    return tuple(out)


def input_transfer_s(
    bytes_per_s: float, costs: TaskCosts, acc_of: Sequence[int], layer: int, accelerator: int
) -> float:
    """Seconds to move the inputs of ``layer`` that were produced elsewhere onto ``accelerator``.

    The one transfer rule: each predecessor layer that ran on another accelerator
    (``acc_of[p] != accelerator``) sends its output activation (``out_bytes[p]``) over the
    link of ``bytes_per_s``; in a chain only the previous layer's output can have to move.
    0 when every input is already there. The engine applies it, the view hands it out
    (:func:`terastal.model.job.transfer_s`), :attr:`TaskCosts.chain_move_s` tabulates it for
    chains and the bound's replay uses it.
    """
    if costs.is_chain:
        if layer and acc_of[layer - 1] != accelerator:
            return _move_s(costs.out_bytes[layer - 1], bytes_per_s)
        return 0.0
    nbytes = 0.0
    for p in costs.preds[layer]:
        if acc_of[p] != accelerator:
            nbytes += costs.out_bytes[p]
    return _move_s(nbytes, bytes_per_s)


def _move_s(nbytes: float, bytes_per_s: float) -> float:
    """Seconds to send ``nbytes`` over the link."""
    return nbytes / bytes_per_s if nbytes else 0.0
