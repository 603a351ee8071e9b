"""Pre-drawn arrivals: release times and cascade trigger draws of every (task, frame).

All random numbers of a run are drawn here, before the first event, in an order that depends
only on the scenario, the horizon and the seed. Schedulers therefore see identical periodic
arrivals, and a cascaded job of frame ``f`` is triggered by the same uniform draw whichever
scheduler runs, so that its release differs between schedulers only through the upstream
job's completion (or drop).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from terastal._memo import IdentityMemo
from terastal.model import Scenario
from terastal.sim._pcg64 import spawn


@dataclass(frozen=True)
class Arrivals:
    """Release plan of one run.

    Attributes
    ----------
    releases : tuple of tuple of (float, int)
        Per task (scenario order), ``(release_time_s, frame)`` of its periodic releases before
        the horizon, sorted by time. Empty for cascaded tasks.
    trigger_u : tuple of tuple of float
        Per task, one uniform draw in [0, 1) per frame of its root task; a cascaded job of
        frame ``f`` is released when ``trigger_u[task][f] < task.probability``.
    dependents : tuple of tuple of int
        Per task, the indices of the tasks that depend on it.
    """

    releases: tuple[tuple[tuple[float, int], ...], ...]
    trigger_u: tuple[tuple[float, ...], ...]
    dependents: tuple[tuple[int, ...], ...]


def _num_frames(phase: float, fps: float, horizon: float) -> int:
    """Number of frames whose nominal release ``phase + f / fps`` is before the horizon."""
    if phase >= horizon:
        return 0
    n = math.ceil((horizon - phase) * fps) + 1
    while n > 0 and phase + (n - 1) / fps >= horizon:
        n -= 1
    return n


def draw_arrivals(scenario: Scenario, horizon_s: float, seed: int) -> Arrivals:
    """Draw every random number of a run.

    One child stream per task (numpy's ``SeedSequence(seed).spawn``, drawn with
    :mod:`terastal.sim._pcg64`, the same numbers without importing numpy) keeps each task's
    draws independent of the other tasks; within a stream the jitter of all frames is drawn
    first, then the trigger uniforms.

    Parameters
    ----------
    scenario : Scenario
        The tasks.
    horizon_s : float
        No periodic job is released at or after this time (cascaded children of jobs that
        complete in the drain are, by the engine).
    seed : int
        The run's only seed.

    Returns
    -------
    Arrivals
    """
    tasks = scenario.tasks
    index = {t.name: i for i, t in enumerate(tasks)}
    streams = spawn(seed, len(tasks))
    frames = {t.name: _num_frames(t.phase_s, t.fps, horizon_s) for t in tasks}
    releases: list[tuple[tuple[float, int], ...]] = []
    triggers: list[tuple[float, ...]] = []
    for task, rng in zip(tasks, streams, strict=True):
        n = frames[scenario.root(task.name).name]
        if task.depends_on is None:
            jitter = [u * task.jitter_s for u in rng.random(n)] if task.jitter_s > 0 else [0.0] * n
            times = [(task.phase_s + f / task.fps + jitter[f], f) for f in range(n)]
            # Jitter can push a release past the horizon (or, when larger than a period,
            # past the next frame's release): keep only releases before the horizon, in time
            # order, so that each task's next release is never earlier than the current one.
            releases.append(tuple(sorted(r for r in times if r[0] < horizon_s)))
        else:
            releases.append(())
        triggers.append(tuple(rng.random(n)))
    dependents: list[list[int]] = [[] for _ in tasks]
    for i, t in enumerate(tasks):
        if t.depends_on is not None:
            dependents[index[t.depends_on]].append(i)
    return Arrivals(tuple(releases), tuple(triggers), tuple(tuple(d) for d in dependents))


# Arrivals by (scenario identity, horizon, seed): every scheduler of a suite point runs on the
# same scenario object and seeds, and the draws are immutable, so those runs (and their
# metrics) share one copy.
_DRAWN = IdentityMemo(32)


def shared_arrivals(scenario: Scenario, horizon_s: float, seed: int) -> Arrivals:
    """:func:`draw_arrivals`, drawn once for the runs of one scenario, horizon and seed."""
    hit = _DRAWN.get((scenario,), (horizon_s, seed))
    if hit is not None:
        return hit
    return _DRAWN.put((scenario,), (horizon_s, seed), draw_arrivals(scenario, horizon_s, seed))
