"""The exact arrival trace the simulator uses, as a fixed list of (potential) jobs.

Periodic jobs are taken verbatim from :func:`terastal.sim.arrivals.draw_arrivals` (same
scenario, horizon and seed give the same release times and frames as every simulation): its
counted releases, those before the horizon. The releases after it are load only in a
simulation (docs/design.md, "Measurement window"); the trace leaves them out, which keeps
the bound a lower bound: an optimum may ignore load, removing jobs never adds a miss to the
counted ones.

Cascaded jobs are the subtle part. In the simulator a cascaded job of frame ``f`` is released
when its upstream job of frame ``f`` *completes* (in time or late; before the horizon or
after it), and only if the pre-drawn uniform ``trigger_u[task][f]`` is below the
task's probability. The trigger draws are identical for every scheduler, so the trace lists
exactly the cascaded jobs whose draw fires, each linked to its upstream job; whether such a
job *exists* in a schedule still depends on that schedule (upstream dropped: no release). The
offline model keeps this dependence exactly: a cascaded job's release is its upstream's
completion-time variable, its deadline that completion plus the relative deadline, and its
existence a Boolean tied to the upstream's outcome (see :mod:`terastal.bound.model`).
Untriggered frames never produce a job under any schedule and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from terastal.model import Scenario
from terastal.sim.arrivals import draw_arrivals


@dataclass(frozen=True)
class TraceJob:
    """One job that is (periodic) or may be (cascaded) released in the trace.

    Attributes
    ----------
    id : int
        Index in :attr:`Trace.jobs`; upstream jobs always come before their dependents.
    task : int
        Task index in the scenario.
    frame : int
        Frame number (a cascaded job shares its upstream's frame).
    release_s : float or None
        Release time of a periodic job; ``None`` for a cascaded job (released at its
        upstream's completion).
    deadline_rel_s : float
        Relative deadline of the task.
    upstream : int or None
        Trace id of the upstream job of a cascaded job.
    depth : int
        0 for periodic jobs, 1 + the upstream's depth for cascaded jobs.
    """

    id: int
    task: int
    frame: int
    release_s: float | None
    deadline_rel_s: float
    upstream: int | None = None
    depth: int = 0

    @property
    def cascaded(self) -> bool:
        """Whether the job is released by its upstream's completion."""
        return self.upstream is not None


@dataclass(frozen=True)
class Trace:
    """All jobs of one run (scenario, horizon, seed), periodic ones first.

    Attributes
    ----------
    scenario : Scenario
        The scenario.
    horizon_s : float
        Horizon of the counted releases (no periodic job of the trace is released at or
        after it).
    seed : int
        Seed of the arrivals.
    jobs : tuple of TraceJob
        Periodic jobs by release time, then cascaded jobs level by level.
    dependents : tuple of tuple of int
        Per job, the trace ids of the cascaded jobs it may release.
    """

    scenario: Scenario
    horizon_s: float
    seed: int
    jobs: tuple[TraceJob, ...]
    dependents: tuple[tuple[int, ...], ...]

    def __len__(self) -> int:
        return len(self.jobs)

    def key(self, job: TraceJob) -> tuple[int, int]:
        """``(task, frame)``: what identifies a job across schedules."""
        return (job.task, job.frame)

    @property
    def num_periodic(self) -> int:
        """Number of periodic jobs."""
        return sum(1 for j in self.jobs if not j.cascaded)

    @property
    def num_cascaded(self) -> int:
        """Number of potential cascaded jobs (trigger draw fired)."""
        return sum(1 for j in self.jobs if j.cascaded)


def build_trace(scenario: Scenario, duration_s: float, seed: int) -> Trace:
    """Build the trace the simulator would release for ``scenario``, ``duration_s``, ``seed``.

    Parameters
    ----------
    scenario : Scenario
        The tasks.
    duration_s : float
        Release horizon in seconds.
    seed : int
        The run's seed (jitter and trigger draws).

    Returns
    -------
    Trace
    """
    arr = draw_arrivals(scenario, duration_s, seed)
    tasks = scenario.tasks
    periodic = [
        (t_rel, ti, frame)
        for ti in range(len(tasks))
        for t_rel, frame in arr.counted_releases(ti)
    ]  # fmt: skip
    # Ties (equal release times) by task index; the order among them does not matter.
    periodic.sort(key=lambda x: (x[0], x[1]))
    jobs: list[TraceJob] = []
    for t_rel, ti, frame in periodic:
        jobs.append(TraceJob(len(jobs), ti, frame, t_rel, tasks[ti].relative_deadline_s))
    level = list(jobs)
    while level:
        nxt: list[TraceJob] = []
        for up in level:
            for di in arr.dependents[up.task]:
                task = tasks[di]
                if arr.trigger_u[di][up.frame] < task.probability:
                    job = TraceJob(
                        len(jobs) + len(nxt), di, up.frame, None, task.relative_deadline_s,
                        upstream=up.id, depth=up.depth + 1,
                    )  # fmt: skip
                    nxt.append(job)
        jobs.extend(nxt)
        level = nxt
    deps: list[list[int]] = [[] for _ in jobs]
    for j in jobs:
        if j.upstream is not None:
            deps[j.upstream].append(j.id)
    return Trace(scenario, float(duration_s), int(seed), tuple(jobs), tuple(map(tuple, deps)))
