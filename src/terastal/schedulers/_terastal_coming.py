"""Jobs about to be released, in the group search (option ``group_coming``).

A periodic task's next job is released no earlier than ``phase + frame / fps`` and no later
than ``jitter_s`` after that; both bounds are part of the task set a policy is given (the
draw is not). Once the earliest release of a task's next job has passed and the job is not
out yet, it is coming within the rest of that window. The group search
(:mod:`terastal.schedulers._terastal_search`) then plans it with the jobs at hand, under three
assumptions tried in turn, each followed only if it gives up no job:

1. **sure**: ready at its latest release, due by its deadline from now (the earliest release
   left): a schedule found holds whenever the job comes;
2. **late**: ready and due as if released at its latest release;
3. **early**: ready now, due by its deadline from now.

When none holds, the search plans the jobs at hand alone, as without this rule. A core
planned for a coming job waits idle for it; the job's arrival makes the search run again
with its true release. Reasons, forms tried and measurements: ``docs/design.md``, "Coming
jobs in the group search".
"""

from __future__ import annotations

# (ready, deadline base) of each assumption: 0 now, 1 the latest release
ASSUMPTIONS = ((1, 0), (1, 1), (0, 0))


class Coming:
    """Per task the search may place (``codes``, from ``searchable``) and released
    periodically, the timing of its next job; ``seen``: per task, the highest frame known
    released (the active jobs when the search looks, each ended job as it ends)."""

    __slots__ = ("first", "horizon", "jitter", "period", "seen", "tasks")

    def __init__(self, costs, codes, horizon: float) -> None:
        n = len(costs)
        self.horizon = horizon
        self.seen = [-1] * n
        self.first = [c.task.phase_s for c in costs]
        self.period = [c.task.period_s for c in costs]
        self.jitter = [c.task.jitter_s for c in costs]
        self.tasks = [t for t, c in enumerate(costs) if codes[t] and c.task.depends_on is None]

    def ended(self, job) -> None:
        """Note ``job``'s frame as released."""
        t = job.task_index
        if job.frame > self.seen[t]:
            self.seen[t] = job.frame

    def due(self, now: float, active) -> list[tuple[float, int]]:
        """``(latest release, task)`` of each next job whose earliest release has passed,
        not out yet, and sure to come before the horizon."""
        for job in active:
            self.ended(job)
        out = []
        for t in self.tasks:
            earliest = self.first[t] + (self.seen[t] + 1) * self.period[t]
            latest = earliest + self.jitter[t]
            if earliest <= now < latest < self.horizon:
                out.append((latest, t))
        return out


def assumed(due, now: float, ready_at: int, due_from: int, costs, item) -> list:
    """The search items of the ``due`` jobs under one assumption (see the module docstring;
    ``item``: the search's item type, ``costs``: per task)."""
    out = []
    for latest, t in due:
        c = costs[t]
        ready = latest if ready_at else now
        base = latest if due_from else now
        out.append(item(base + c.task.relative_deadline_s, 0, ready, -1, False, c, None))
    return out


def coming_state(pol, view, codes) -> Coming | None:
    """The policy's :class:`Coming`, or ``None`` (option off, or no task it could look at)."""
    if not pol.group_coming:
        return None
    coming = Coming(view.costs, codes, view.horizon_s)
    return coming if coming.tasks else None
