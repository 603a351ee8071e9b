"""One-call entry point: :func:`simulate`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from terastal.cost.tables import TaskCostTable
from terastal.model import Platform, Scenario
from terastal.sim.engine import Simulator
from terastal.sim.result import SimResult


def simulate(
    scenario: Scenario,
    platform: Platform,
    tables: Mapping[str, TaskCostTable],
    scheduler: Any,
    *,
    duration_s: float = 1.0,
    seed: int = 0,
    late: str = "scheduler",
    record: bool = True,
    progress: Callable[[float], None] | None = None,
) -> SimResult:
    """Run one simulation of ``scheduler``, a scheduler object (see :class:`Simulator`).

    The engine knows no scheduler by name: :mod:`terastal.experiment` builds the policy from
    a registered name (or use :func:`terastal.schedulers.make_scheduler`).
    """
    if isinstance(scheduler, str):
        raise TypeError(
            f"simulate() takes a scheduler object, not the name {scheduler!r}: "
            "use terastal.schedulers.make_scheduler(name, **options)"
        )
    sim = Simulator(
        scenario,
        platform,
        tables,
        scheduler,
        duration_s=duration_s,
        seed=seed,
        late=late,
        record=record,
        progress=progress,
    )
    return sim.run()
