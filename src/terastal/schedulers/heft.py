"""HEFT (Topcuoglu et al., 2002) adapted to online multi-DNN scheduling."""

from __future__ import annotations

from terastal.model.contract import SimView
from terastal.schedulers._mapping import map_earliest_finish
from terastal.schedulers.base import Scheduler


def _rank_key(job):
    # Upward rank of the next ready layer: mean latency over accelerators of it and every
    # later layer (the critical path of a chain); the largest rank goes first.
    return (-job.costs.rem_mean[job.next_layer], job.id)


class HEFT(Scheduler):
    """Ready jobs by decreasing upward rank, each layer on its earliest-finish accelerator.

    Earliest finish counts the accelerator's busy time, the activation transfer and the
    layer's latency; a job whose best accelerator is busy waits for it.
    """

    name = "heft"

    def decide(self, view: SimView) -> list[tuple]:
        """Map ready jobs by rank."""
        return map_earliest_finish(view, sorted(view.ready_jobs, key=_rank_key))
