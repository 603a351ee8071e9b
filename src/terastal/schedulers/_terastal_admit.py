"""Terastal's admission under overload: a fresh job starts only if it fits behind the
started jobs' work.

Under overload with commit (``_terastal_guards.OverloadDetector``, option
``overload_commit``), every started job sorts ahead of every job not started, so a fresh
job's layers run only in the gaps the started ones leave. The hopeless test (and
``start_slack``) checks the fresh job against its own best case alone: it starts, its layers
are interleaved with the started jobs', and it is dropped half done, its core time lost.
Here a job none of whose layers has started is dropped once ``now + its best case (with
start_slack) + admit x (best case left of the started jobs ahead of it) / cores`` passes its
deadline. A model the fairness guard boosts (or, ``admit_fair="mean"``, one missing more
than the mean) is exempt, so that the test sheds load without starving one model.
Reasons and measurements: ``docs/design.md``, "Admission under overload".
"""

from __future__ import annotations


def admission(sched, ahead_all: bool, free: list, now: float) -> tuple[float, list | None, list]:
    """``(factor, exempt, lanes)`` of this call: ``factor`` multiplies the wait (0: no test);
    ``exempt[task]`` says a task's jobs skip it (``None``: none do); ``lanes``: per core, the
    time from ``now`` it is taken (``"lanes"``: its free time, and each started job's best
    case left goes to the earliest lane; ``"spread"``: one lane, all of it over the cores)."""
    if not ahead_all or not sched.admit:
        return 0.0, None, []
    cores = len(free)
    if sched.admit_form == "lanes":
        factor, lanes = sched.admit, [f - now for f in free]
    else:
        factor, lanes = sched.admit / cores, [0.0]
    fair, ratio = sched._fair, sched.admit_fair
    if fair is None or not ratio:
        return factor, None, lanes
    rates = [m / e if e else 0.0 for m, e in zip(fair.missed, fair.ended, strict=True)]
    bar = ratio * sum(rates) / len(rates)
    return factor, [r > bar for r in rates], lanes
