"""Where a kept hopeless cascade parent may run (option ``kept_core``).

A hopeless job whose model has cascaded children is kept, behind every other job
(``Terastal._late``): its completion still releases them. Behind in the order, it still takes
a core nobody chose, and its layers are not preempted: a long one started on an idle core
just before another job needs that core delays that job by up to the layer's time
(docs/design.md, "Kept parents on idle cores").

``any``
    A kept parent's layer takes any idle core nobody chose (the rule every policy uses).
``known``
    Not when the next job of another task, sure to be released before the layer ends, needs
    that core (:func:`~terastal.schedulers._terastal_ahead.blocks_release`).
``busy``
    Nor when a job (not kept) running on another core ends its layer before this layer
    would end, and a successor of its layer runs faster on this core.
``late``
    ``busy``, only when waiting for this layer would leave that job less slack than
    ``kept_slack`` x its relative deadline: the layer's end plus the successor's best
    remaining time passes the job's deadline less that margin (``kept_slack`` 0, the default:
    only when waiting would make the job hopeless).
``need``
    ``late``, only when that job also misses the same mark staying on its own core: the
    rest of a chain job run there from when its layer ends (for a DAG job, as ``late``).
"""

from __future__ import annotations

from terastal.model.job import Job
from terastal.schedulers._terastal_ahead import blocks_release
from terastal.schedulers.options import Option

KEPT_CORE = ("any", "known", "busy", "late", "need", "stay", "gap")
OPTIONS = {
    "kept_core": Option("any", choices=KEPT_CORE),
    "kept_ratio": Option(1.0, lo=0.0, help="gap: how much more than the idle gap the delay is"),
    "kept_slack": Option(0.0, lo=0.0, help="late: the slack a waited-for job keeps, x its deadline"),
}


def waits(pol, job: Job, layer: int, a: int, f: float, free, idle) -> bool:
    """Whether the kept parent ``job``'s ``layer`` leaves the idle core ``a`` (where it would
    end at ``f``) to a job that needs it sooner (see the module's rules)."""
    if pol.kept_core == "any":
        return False
    if blocks_release(pol, pol._view, job, layer, a):
        return True
    mode = pol.kept_core
    if mode == "known":
        return False
    late = pol._late
    # with kept_slack 0 (late) or no margin test at all (busy): the deadline itself
    margin = 0.0 if mode == "busy" else pol.kept_slack
    now = pol._view.now
    for b, on in enumerate(pol._on):
        if b == a or idle[b] or on is None or free[b] >= f:
            continue
        if mode == "gap" and f - free[b] <= pol.kept_ratio * (free[b] - now):
            continue
        other, done = on
        if other is job or other in late or other.finished:
            continue
        c = other._costs
        lat, rem = c.latency_s, c.rem_min_s
        # the latest end of the successor's best remaining time that leaves the margin
        due = other._deadline - margin * (other._deadline - other._release)
        stay = pol._fits[other.task_index].rem_on if mode in ("need", "stay") else None
        for s in c.succs[done]:
            if lat[s][a] < lat[s][b] and (mode in ("busy", "stay", "gap") or f + rem[s] > due):
                if stay is None or free[b] + stay[b][s] > due:
                    return True
    return False
