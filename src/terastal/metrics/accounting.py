"""Which frames count as released: the same for every scheduler run on the same seed.

The engine releases a cascaded job only when its upstream job completes (in time or late,
before the horizon or after it), so a scheduler that drops upstream jobs would
make the child's frames vanish from its denominator. The accounting here does not depend on
what the scheduler did: a frame of a task counts as released when its root task's frame was
released before the horizon and every cascade trigger on the way down fired (the draws are
made up front from the seed, see :mod:`terastal.sim.arrivals`). A counted frame that never
ran, because an upstream job on its way down was dropped, counts as missed
(``docs/design.md``, "Scheduler-independent accounting"). Nothing here special-cases the
horizon beyond the root's release: a parent completing after the horizon releases its child,
which runs to its end like every other counted job, under the load of the releases that go
on after the horizon and are not counted (``docs/design.md``, "Measurement window").
"""

from __future__ import annotations

from terastal._memo import IdentityMemo
from terastal.model import Scenario
from terastal.sim.arrivals import Arrivals, shared_arrivals


def triggered_frames(scenario: Scenario, arrivals: Arrivals) -> list[frozenset[int]]:
    """Per task (scenario order), the frames that count as released.

    Parameters
    ----------
    scenario : Scenario
        The tasks.
    arrivals : Arrivals
        The run's pre-drawn releases and trigger draws.

    Returns
    -------
    list of frozenset of int
        Root tasks: the frames released before the horizon. Cascaded tasks: the frames of
        their upstream's set whose trigger draw is below the task's probability.
    """
    tasks = scenario.tasks
    index = {t.name: i for i, t in enumerate(tasks)}
    out: list[frozenset[int] | None] = [None] * len(tasks)

    def frames(i: int) -> frozenset[int]:
        got = out[i]
        if got is None:
            task = tasks[i]
            if task.depends_on is None:
                got = frozenset(f for _, f in arrivals.counted_releases(i))
            else:
                u, p = arrivals.trigger_u[i], task.probability
                got = frozenset(f for f in frames(index[task.depends_on]) if u[f] < p)
            out[i] = got
        return got

    return [frames(i) for i in range(len(tasks))]


# Counts by (scenario identity, horizon, seed): every scheduler of a suite point is run on the
# same scenario object and seeds, and the draws are a fifth of a short run's metrics (the
# arrivals themselves are the engine's draw, shared_arrivals).
_COUNTS = IdentityMemo(32)


def released_counts(scenario: Scenario, horizon_s: float, seed: int) -> list[int]:
    """Per task, how many frames count as released in a run of this horizon and seed."""
    hit = _COUNTS.get((scenario,), (horizon_s, seed))
    if hit is None:
        frames = triggered_frames(scenario, shared_arrivals(scenario, horizon_s, seed))
        hit = _COUNTS.put((scenario,), (horizon_s, seed), tuple(len(f) for f in frames))
    return list(hit)
