"""First-come first-served: ready jobs in release order."""

from __future__ import annotations

from operator import attrgetter
from typing import Any, ClassVar

from terastal.schedulers._mapping import PreferredQueues, mapper
from terastal.schedulers.base import Scheduler
from terastal.sim.view import SimView

# ids increase in release order, so the id is (release, tie-break); a C-level getter
_release_key = attrgetter("id")


class FCFS(Scheduler):
    """Jobs in release order; layers on their preferred accelerator by default.

    Options
    -------
    mapping : {"preferred", "earliest_finish"}
        Layer-to-accelerator mapping (see :mod:`terastal.schedulers._mapping`).
    """

    name = "fcfs"
    options: ClassVar[dict[str, Any]] = {"mapping": "preferred"}

    def __init__(self, **options) -> None:
        super().__init__(**options)
        self._map = mapper(self.mapping)
        # The preferred mapping keeps per-eligible-set heaps once many jobs are ready.
        self._queues = PreferredQueues(_release_key) if self.mapping == "preferred" else None

    def reset(self, view: SimView) -> None:
        """Start a run with empty queues."""
        if self._queues is not None:
            self._queues.reset(view)

    def decide(self, view: SimView) -> list[tuple]:
        """Map ready jobs in release order."""
        if self._queues is not None:
            return self._queues.decide(view)
        ready = view.ready_jobs
        # One ready job (the common case below saturation) needs no sort.
        return self._map(view, ready if len(ready) == 1 else sorted(ready, key=_release_key))
