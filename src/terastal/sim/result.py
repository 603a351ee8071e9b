"""The outcome of one simulation run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from terastal.model import Job, Platform, Scenario, TaskCosts


class DispatchRecord(NamedTuple):
    """One layer dispatch of a run's log.

    The accelerator is reserved from ``dispatch_s``; the activation transfer (if any) occupies
    ``[dispatch_s, start_s)`` and the layer computes in ``[start_s, end_s)``.
    """

    accelerator: int
    job_id: int
    layer: int
    dispatch_s: float
    start_s: float
    end_s: float
    variant: bool


@dataclass
class SimResult:
    """Everything a run produced; metrics and outputs are computed from it.

    Attributes
    ----------
    scheduler : str
        Name of the scheduler.
    seed : int
        The run's seed.
    late_policy : str
        ``keep``, ``drop`` or ``scheduler``.
    horizon_s : float
        Release horizon.
    end_s : float
        Time of the last event (the drain ends here).
    scenario, platform : Scenario, Platform
        What was simulated.
    costs : tuple of TaskCosts
        Per-task cost tuples used by the run.
    jobs : list of Job
        Every released job, in release order (``jobs[i].id == i``).
    log : list of DispatchRecord
        One record per layer dispatch, in dispatch order (empty when the run did not record).
    dispatches : int
        Number of layer dispatches.
    decision_ns : list of int
        Wall time of every scheduler call in nanoseconds.
    busy_s, reserved_s : tuple of float
        Per accelerator, total time spent computing, and computing or waiting for an incoming
        transfer (the accelerator is reserved from dispatch).
    wall_s : float
        Wall time of the whole run.
    """

    scheduler: str
    seed: int
    late_policy: str
    horizon_s: float
    end_s: float
    scenario: Scenario = field(repr=False)
    platform: Platform = field(repr=False)
    costs: tuple[TaskCosts, ...] = field(repr=False)
    jobs: list[Job] = field(repr=False)
    log: list[DispatchRecord] = field(repr=False)
    dispatches: int
    decision_ns: list[int] = field(repr=False)
    busy_s: tuple[float, ...]
    reserved_s: tuple[float, ...]
    wall_s: float

    @property
    def accelerator_names(self) -> tuple[str, ...]:
        """Accelerator names in index order."""
        return tuple(a.name for a in self.platform.accelerators)
