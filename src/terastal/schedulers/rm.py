"""Rate monotonic: the task with the shortest period first (static priorities)."""

from __future__ import annotations

from typing import Any, ClassVar

from terastal.schedulers._mapping import PreferredQueues, mapper
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
        # The preferred mapping keeps per-eligible-set heaps once many jobs are ready.
        self._queues = PreferredQueues(self._key) if self.mapping == "preferred" else None

    def reset(self, view: SimView) -> None:
        """Cache the static priorities; start with empty queues."""
        self._period = tuple(t.period_s for t in view.scenario.tasks)
        if self._queues is not None:
            self._queues.reset(view)

    def _key(self, job) -> tuple[float, int]:
        return (self._period[job.task_index], job.id)

    def decide(self, view: SimView) -> list[tuple]:
        """Map ready jobs by period."""
        if self._queues is not None:
            return self._queues.decide(view)
        ready = view.ready_jobs
        if len(ready) == 1:
            return self._map(view, ready)
        return self._map(view, sorted(ready, key=self._key))
