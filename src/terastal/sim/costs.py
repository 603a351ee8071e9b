"""Building the per-task cost tuples of a run (:class:`~terastal.model.costs.TaskCosts`)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from terastal.cost.tables import TaskCostTable
from terastal.errors import InputError
from terastal.model import Platform, Scenario
from terastal.model.costs import TaskCosts


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
        # on the rows (tuples of floats): a table read from the on-disk cache needs no numpy
        if not all(math.isfinite(v) and v >= 0 for row in table.rows.latency_s for v in row):
            raise InputError(f"cost table of task {task.name!r}: latencies must be >= 0")
        out.append(TaskCosts(task, i, table, num_acc, bw))
    return tuple(out)
