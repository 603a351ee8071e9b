"""First-come first-served: ready jobs in release order."""

from __future__ import annotations

try:
    import cython  # the compiler needs this exact import
except ModuleNotFoundError:  # pragma: no cover - Cython is an optional extra
    from terastal._accel import _shadow as cython

from terastal.model.job import Job
from terastal.schedulers._list import ListScheduler


# Reads the job's slot (``job.id``): compiled, a C member of the Job's struct (fcfs.pxd,
# model/job.pxd), cheaper than a property lookup by ``attrgetter``.
@cython.locals(job=Job)
def _id_key(job):
    return job._id


class FCFS(ListScheduler):
    """Jobs in release order; layers on their preferred accelerator by default.

    Options
    -------
    mapping : {"preferred", "earliest_finish"}
        Layer-to-accelerator mapping (see :mod:`terastal.schedulers._mapping`).
    drop : {"never", "deadline", "hopeless"}
        Drop rule for ready jobs when the late policy allows drops (see
        :mod:`terastal.schedulers._hopeless`); ``never`` by default.
    """

    name = "fcfs"
    # ids increase in release order, so the id is (release, tie-break)
    priority = staticmethod(_id_key)
