"""Earliest deadline first."""

from __future__ import annotations

try:
    import cython  # the compiler needs this exact import
except ModuleNotFoundError:  # pragma: no cover - Cython is an optional extra
    from terastal._accel import _shadow as cython

from terastal.model.job import Job
from terastal.schedulers._list import ListScheduler


# Reads the job's slots (``job.deadline_s``, ``job.id``): compiled, C members of the Job's
# struct (edf.pxd, model/job.pxd), cheaper than two property lookups by ``attrgetter``.
@cython.locals(job=Job)
def _deadline_key(job):
    return (job._deadline, job._id)


class EDF(ListScheduler):
    """Jobs by absolute deadline (ties: release order); preferred accelerator by default.

    Options
    -------
    mapping : {"preferred", "earliest_finish"}
        Layer-to-accelerator mapping (see :mod:`terastal.schedulers._mapping`).
    drop : {"never", "deadline", "hopeless"}
        Drop rule for ready jobs when the late policy allows drops (see
        :mod:`terastal.schedulers._hopeless`); ``never`` by default.
    """

    name = "edf"
    priority = staticmethod(_deadline_key)  # (deadline, id)
