"""Rate monotonic: the task with the shortest period first (static priorities)."""

from __future__ import annotations

from typing import Any

try:
    import cython  # the compiler needs this exact import
except ModuleNotFoundError:  # pragma: no cover - Cython is an optional extra
    from terastal._accel import _shadow as cython

from terastal.model.contract import SimView
from terastal.model.job import Job
from terastal.schedulers._list import ListScheduler


class RM(ListScheduler):
    """Jobs by task period (ties: release order); preferred accelerator by default.

    A cascaded task's period is ``1 / fps`` of its own task, as declared in the scenario.

    Options
    -------
    mapping : {"preferred", "earliest_finish"}
        Layer-to-accelerator mapping (see :mod:`terastal.schedulers._mapping`).
    drop : {"never", "deadline", "hopeless"}
        Drop rule for ready jobs when the late policy allows drops (see
        :mod:`terastal.schedulers._hopeless`); ``never`` by default.
    """

    name = "rm"

    def __init__(self, **options: Any) -> None:
        self._period: tuple[float, ...] = ()
        super().__init__(**options)

    def reset(self, view: SimView) -> None:
        """Cache the static priorities; start with empty queues."""
        self._period = tuple(t.period_s for t in view.scenario.tasks)
        super().reset(view)

    # Reads the job's slots: compiled, C members of the Job's struct (rm.pxd, model/job.pxd).
    @cython.locals(job=Job)
    def priority(self, job) -> tuple[float, int]:
        """(task period, job id)."""
        return (self._period[job._costs.index], job._id)
