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


def admission(sched, ahead_all: bool, cores: int) -> tuple[float, list | None]:
    """``(factor, exempt)`` of this call: ``factor`` multiplies the started jobs' best case
    left (0: no test); ``exempt[task]`` says a task's jobs skip it (``None``: none do)."""
    if not ahead_all or not sched.admit:
        return 0.0, None
    fair = sched._fair
    mode = sched.admit_fair
    if fair is None or mode == "off":
        return sched.admit / cores, None
    if mode == "boost":
        return sched.admit / cores, [b > 0.0 for b in fair.boost]
    rates = [m / e if e else 0.0 for m, e in zip(fair.missed, fair.ended, strict=True)]
    mean = sum(rates) / len(rates)
    return sched.admit / cores, [r > mean for r in rates]
