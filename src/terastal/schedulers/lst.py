"""Least slack time first."""

from __future__ import annotations

try:
    import cython  # the compiler needs this exact import
except ModuleNotFoundError:  # pragma: no cover - Cython is an optional extra
    from terastal._accel import _shadow as cython

from terastal.model.job import Job
from terastal.schedulers._list import ListScheduler


# Reads the job's slots: compiled, C members of the Job's struct (lst.pxd, model/job.pxd).
@cython.locals(job=Job, ready=list)
def _slack_key(job):
    # slack = deadline - now - remaining work; ``now`` is common to all jobs of one call, so
    # it is left out. Remaining work is the sum of the fastest latency of every layer from the
    # next ready one on (exact for chains; for a DAG it counts every later layer index).
    ready = job._ready
    return (job._deadline - job._costs.rem_min[ready[0] if ready else -1], job._id)


class LST(ListScheduler):
    """Jobs by least slack (deadline minus remaining best-case work); preferred accelerator.

    Options
    -------
    mapping : {"preferred", "earliest_finish"}
        Layer-to-accelerator mapping (see :mod:`terastal.schedulers._mapping`).
    drop : {"never", "deadline", "hopeless"}
        Drop rule for ready jobs when the late policy allows drops (see
        :mod:`terastal.schedulers._hopeless`); ``never`` by default.
    """

    name = "lst"
    priority = staticmethod(_slack_key)
