"""The shape shared by the priority-list schedulers (fcfs, edf, rm, lst): a priority key and
a layer-to-accelerator mapping."""

from __future__ import annotations

from typing import Any, ClassVar

from terastal.model.contract import SimView
from terastal.schedulers._mapping import MAPPINGS, PreferredQueues, mapper
from terastal.schedulers.base import Scheduler
from terastal.schedulers.options import Option


class ListScheduler(Scheduler):
    """Ready jobs in ``priority`` order, each given its lowest ready layer by ``mapping``.

    Subclasses set ``priority(job) -> sortable`` (smaller first, unique per job: end it with
    the job's id): a C-level getter or static function, or a method when it needs per-run
    state, which the subclass's ``reset`` sets before calling ``super().reset(view)``.

    Options
    -------
    mapping : {"preferred", "earliest_finish"}
        Layer-to-accelerator mapping (see :mod:`terastal.schedulers._mapping`).
    """

    options: ClassVar[dict[str, Any]] = {"mapping": Option("preferred", choices=MAPPINGS)}

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._map = mapper(self.mapping)
        # The preferred mapping keeps per-eligible-set heaps once many jobs are ready.
        self._queues = PreferredQueues(self.priority) if self.mapping == "preferred" else None

    def priority(self, job: Any) -> Any:
        """The job's priority (smaller first); set by each subclass."""
        raise NotImplementedError

    def reset(self, view: SimView) -> None:
        """Start a run with empty queues."""
        if self._queues is not None:
            self._queues.reset(view)

    def decide(self, view: SimView) -> list[tuple]:
        """Map the ready jobs in priority order."""
        if self._queues is not None:
            return self._queues.decide(view)
        ready = view.ready_jobs
        # One ready job (the common case below saturation) needs no sort.
        return self._map(view, ready if len(ready) == 1 else sorted(ready, key=self.priority))
