"""Pre-drawn arrivals: release times and cascade trigger draws of every (task, frame).

All random numbers of a run are drawn here, before the first event, in an order that depends
only on the scenario, the horizon and the seed. Periodic releases are drawn over the whole
measurement window (:mod:`terastal.model.window`): the frames released before the horizon
are counted, the later ones, up to the end of the releases, are load only. Schedulers
therefore see identical periodic arrivals, and a cascaded job of frame ``f`` is triggered by
the same uniform draw whichever scheduler runs, so that its release differs between
schedulers only through the upstream job's completion (or drop).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from terastal._memo import IdentityMemo
from terastal.model import Scenario
from terastal.model.window import releases_end_s
from terastal.sim._pcg64 import spawn


@dataclass(frozen=True)
class Arrivals:
    """Release plan of one run.

    Attributes
    ----------
    releases : tuple of tuple of (float, int)
        Per task (scenario order), ``(release_time_s, frame)`` of its periodic releases before
        the end of the releases, sorted by time. Empty for cascaded tasks.
    counted : tuple of int
        Per task, how many of its releases are counted: those before the horizon, a prefix
        of ``releases`` (0 for cascaded tasks; their jobs are counted with their root's
        frame). The rest are load only.
    trigger_u : tuple of tuple of float
        Per task, one uniform draw in [0, 1) per frame of its root task (counted or not); a
        cascaded job of frame ``f`` is released when ``trigger_u[task][f] < task.probability``.
    dependents : tuple of tuple of int
        Per task, the indices of the tasks that depend on it.
    horizon_s, end_s : float
        The horizon (counted releases are before it) and the end of the releases.
    """

    releases: tuple[tuple[tuple[float, int], ...], ...]
    counted: tuple[int, ...]
    trigger_u: tuple[tuple[float, ...], ...]
    dependents: tuple[tuple[int, ...], ...]
    horizon_s: float
    end_s: float

    def counted_releases(self, task: int) -> tuple[tuple[float, int], ...]:
        """The counted releases of a task: ``releases[task][:counted[task]]``."""
        return self.releases[task][: self.counted[task]]


def _num_frames(phase: float, fps: float, horizon: float) -> int:
    """Number of frames whose nominal release ``phase + f / fps`` is before ``horizon``."""
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
        Frames released before it are counted; periodic releases go on until
        :func:`~terastal.model.window.releases_end_s` of it (load only).
    seed : int
        The run's only seed.

    Returns
    -------
    Arrivals
    """
    tasks = scenario.tasks
    index = {t.name: i for i, t in enumerate(tasks)}
    streams = spawn(seed, len(tasks))
    end_s = releases_end_s(horizon_s)
    frames = {t.name: _num_frames(t.phase_s, t.fps, end_s) for t in tasks}
    releases: list[tuple[tuple[float, int], ...]] = []
    counted: list[int] = []
    triggers: list[tuple[float, ...]] = []
    for task, rng in zip(tasks, streams, strict=True):
        n = frames[scenario.root(task.name).name]
        if task.depends_on is None:
            jitter = [u * task.jitter_s for u in rng.random(n)] if task.jitter_s > 0 else [0.0] * n
            times = [(task.phase_s + f / task.fps + jitter[f], f) for f in range(n)]
            # Jitter can push a release past the end (or, when larger than a period, past the
            # next frame's release): keep only releases before the end, in time order, so
            # that each task's next release is never earlier than the current one. Jitter is
            # >= 0, so a frame released before the horizon has its nominal release before it
            # too: the counted frames are those a run of this horizon alone would release.
            rel = tuple(sorted(r for r in times if r[0] < end_s))
            releases.append(rel)
            counted.append(sum(1 for r in rel if r[0] < horizon_s))
        else:
            releases.append(())
            counted.append(0)
        triggers.append(tuple(rng.random(n)))
    dependents: list[list[int]] = [[] for _ in tasks]
    for i, t in enumerate(tasks):
        if t.depends_on is not None:
            dependents[index[t.depends_on]].append(i)
    return Arrivals(
        tuple(releases), tuple(counted), tuple(triggers), tuple(tuple(d) for d in dependents),
        float(horizon_s), end_s,
    )  # fmt: skip


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
