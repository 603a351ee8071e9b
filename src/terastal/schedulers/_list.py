"""The shape shared by the priority-list schedulers (fcfs, edf, rm, lst, heft): a priority
key, a layer-to-accelerator mapping and a drop rule."""

from __future__ import annotations

from typing import Any, ClassVar

from terastal.model.contract import SimView
from terastal.schedulers._finish_queues import FinishQueues
from terastal.schedulers._hopeless import DROP_RULES, DropQueue, parents_option
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
    drop : {"never", "deadline", "hopeless"}
        Which ready jobs to drop when the late policy allows it: none; those already past
        their deadline; or those that cannot end in time even on their fastest remaining
        path (the test Terastal uses; see :mod:`terastal.schedulers._hopeless`).
    parents : {"keep", "drop"}
        ``keep``: a job the drop rule would drop whose model has cascaded children is kept
        (also after the horizon) and goes behind every other job, since its
        completion, however late, still releases its children with deadlines of their own.
        ``drop``: dropped like any other job.
    """

    options: ClassVar[dict[str, Any]] = {
        "mapping": Option("preferred", choices=MAPPINGS, help="layer-to-accelerator mapping"),
        "drop": Option("never", choices=DROP_RULES, help="which ready jobs to drop"),
        "parents": parents_option(),
    }

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        mapper(self.mapping)  # checks the name
        # Both mappings keep priority queues once many jobs are ready, so that a call does
        # not walk the whole backlog (per eligible set / per placement class).
        queues = PreferredQueues if self.mapping == "preferred" else FinishQueues
        self._queues = queues(self.priority)
        self._drops: DropQueue | None = None

    def priority(self, job: Any) -> Any:
        """The job's priority (smaller first); set by each subclass."""
        raise NotImplementedError

    def reset(self, view: SimView) -> None:
        """Start a run with empty queues."""
        self._queues.reset(view)
        self._queues.key = self.priority
        self._drops = None
        if self.drop != "never" and view.may_drop:
            self._drops = DropQueue(self.drop, self.parents == "keep")
            self._drops.reset(view)
            if self._drops.keeps_any:
                late, key = self._drops.late, self.priority
                # a kept hopeless parent goes behind every job that may still be in time
                self._queues.key = lambda job: (job in late, key(job))

    def decide(self, view: SimView) -> list[tuple]:
        """Drop what the drop rule drops, then map the other ready jobs in priority order."""
        drops = self._drops
        dropped = drops.due(view) if drops is not None else None
        if drops is not None and drops.demoted:
            self._queues.requeue(view, drops.demoted)
        if dropped:
            out: list[tuple] = [(job,) for job in dropped]
            return out + self._queues.decide(view, set(dropped))
        return self._queues.decide(view)
