"""Online schedulers (one module each) and their registry.

Schedulers are written against the run contract (:mod:`terastal.model`: the view, jobs,
decisions), re-exported here; the conformance suite is :mod:`terastal.testing`.

Writing a scheduler::

    from terastal.schedulers import Scheduler

    class Greedy(Scheduler):
        name = "greedy"

        def decide(self, view):
            out, free = [], set(view.idle_accelerators)
            for job in sorted(view.ready_jobs, key=lambda j: (j.deadline_s, j.id)):
                acc = job.costs.preferred[job.next_layer]
                if acc in free:
                    free.discard(acc)
                    out.append((job, job.next_layer, acc, False))
            return out
"""

from terastal.model.contract import Decision, Dispatch, Drop, SimView
from terastal.schedulers.base import Scheduler, SchedulerProtocol
from terastal.schedulers.options import Option
from terastal.schedulers.registry import (
    ENTRY_POINT_GROUP,
    SchedulerInfo,
    available_schedulers,
    get_factory,
    make_scheduler,
    register_scheduler,
    scheduler_info,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "Decision",
    "Dispatch",
    "Drop",
    "Option",
    "Scheduler",
    "SchedulerInfo",
    "SchedulerProtocol",
    "SimView",
    "available_schedulers",
    "get_factory",
    "make_scheduler",
    "register_scheduler",
    "scheduler_info",
]
