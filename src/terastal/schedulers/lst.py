"""Least slack time first."""

from __future__ import annotations

from typing import Any, ClassVar

from terastal.schedulers._mapping import PreferredQueues, mapper
from terastal.schedulers.base import Scheduler
from terastal.sim.view import SimView


def _slack_key(job):
    # slack = deadline - now - remaining work; ``now`` is common to all jobs of one call, so
    # it is left out. Remaining work is the sum of the fastest latency of every layer from the
    # next ready one on (exact for chains; for a DAG it counts every later layer index).
    return (job.deadline - job.costs.rem_min[job.next_layer], job.id)


class LST(Scheduler):
    """Jobs by least slack (deadline minus remaining best-case work); preferred accelerator.

    Options
    -------
    mapping : {"preferred", "earliest_finish"}
        Layer-to-accelerator mapping (see :mod:`terastal.schedulers._mapping`).
    """

    name = "lst"
    options: ClassVar[dict[str, Any]] = {"mapping": "preferred"}

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._map = mapper(self.mapping)
        # The preferred mapping keeps per-eligible-set heaps once many jobs are ready.
        self._queues = PreferredQueues(_slack_key) if self.mapping == "preferred" else None

    def reset(self, view: SimView) -> None:
        """Start a run with empty queues."""
        if self._queues is not None:
            self._queues.reset(view)

    def decide(self, view: SimView) -> list[tuple]:
        """Map ready jobs by slack."""
        if self._queues is not None:
            return self._queues.decide(view)
        ready = view.ready_jobs
        # One ready job (the common case below saturation) needs no sort.
        return self._map(view, ready if len(ready) == 1 else sorted(ready, key=_slack_key))
