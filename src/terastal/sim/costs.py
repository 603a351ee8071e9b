"""Building the per-task cost tuples of a run (:class:`~terastal.model.costs.TaskCosts`)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from terastal._memo import IdentityMemo
from terastal.cost.tables import TaskCostTable
from terastal.errors import InputError
from terastal.model import Platform, Scenario
from terastal.model.costs import TaskCosts

# Cost tuples by (task, index, table, accelerators, bandwidth), the task and table by identity.
# Every scheduler and seed of a suite point runs on the same scenario and table objects, and
# converting the tables was a twentieth of a short run. The tuples are immutable, so runs can
# share them.
_MEMO = IdentityMemo(256)


def build_task_costs(
    scenario: Scenario, platform: Platform, tables: Mapping[str, TaskCostTable]
) -> tuple[TaskCosts, ...]:
    """Check the cost table of every task and convert it into :class:`TaskCosts` (scenario order).

    Raises
    ------
    InputError
        A task has no table, a table has the wrong shape, or a latency is negative or not
        finite.
    """
    out = []
    num_acc = len(platform.accelerators)
    bw = float(platform.transfer_bytes_per_s)
    for i, task in enumerate(scenario.tasks):
        if task.name not in tables:
            raise InputError(f"no cost table for task {task.name!r}")
        table = tables[task.name]
        shape = (len(task.model.layers), num_acc)
        if table.shape != shape:
            raise InputError(
                f"cost table of task {task.name!r} has shape {table.shape}, expected {shape}"
            )
        hit = _MEMO.get((task, table), (i, num_acc, bw))
        if hit is not None:
            out.append(hit)
            continue
        # on the rows (tuples of floats): a table read from the on-disk cache needs no numpy
        if not all(math.isfinite(v) and v >= 0 for row in table.rows.latency_s for v in row):
            raise InputError(f"cost table of task {task.name!r}: latencies must be >= 0")
        costs = TaskCosts(task, i, table, num_acc, bw)
        out.append(_MEMO.put((task, table), (i, num_acc, bw), costs))
    return tuple(out)
