"""First-come first-served: ready jobs in release order."""

from __future__ import annotations

from operator import attrgetter

from terastal.schedulers._list import ListScheduler


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
    # ids increase in release order, so the id is (release, tie-break); a C-level getter
    priority = attrgetter("id")
