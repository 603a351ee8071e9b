"""Earliest deadline first."""

from __future__ import annotations

from operator import attrgetter

from terastal.schedulers._list import ListScheduler


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
    # (deadline, id): a C-level getter, so sorting and queueing call no Python key function
    priority = attrgetter("deadline", "id")
