"""Least slack time first."""

from __future__ import annotations

from terastal.schedulers._list import ListScheduler


def _slack_key(job):
    # slack = deadline - now - remaining work; ``now`` is common to all jobs of one call, so
    # it is left out. Remaining work is the sum of the fastest latency of every layer from the
    # next ready one on (exact for chains; for a DAG it counts every later layer index).
    return (job.deadline - job.costs.rem_min[job.next_layer], job.id)


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
