"""Rate monotonic: the task with the shortest period first (static priorities)."""

from __future__ import annotations

from typing import Any, ClassVar

from terastal.schedulers._mapping import mapper
from terastal.schedulers.base import Scheduler
from terastal.sim.view import SimView


class RM(Scheduler):
    """Jobs by task period (ties: release order); preferred accelerator by default.

    A cascaded task's period is ``1 / fps`` of its own task, as declared in the scenario.

    Options
    -------
    mapping : {"preferred", "earliest_finish"}
        Layer-to-accelerator mapping (see :mod:`terastal.schedulers._mapping`).
    """

    name = "rm"
    options: ClassVar[dict[str, Any]] = {"mapping": "preferred"}

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._map = mapper(self.mapping)
        self._period: tuple[float, ...] = ()

    def reset(self, view: SimView) -> None:
        """Cache the static priorities."""
        self._period = tuple(t.period_s for t in view.scenario.tasks)

    def decide(self, view: SimView) -> list[tuple]:
        """Map ready jobs by period."""
        period = self._period
        ready = view.ready_jobs
        if len(ready) == 1:
            return self._map(view, ready)
        return self._map(view, sorted(ready, key=lambda j: (period[j.task_index], j.id)))
