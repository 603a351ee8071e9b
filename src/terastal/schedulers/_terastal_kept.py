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
``gap`` (the default)
    ``busy``, only when the layer would delay that job by more than ``kept_ratio`` x the
    time the core idles if the layer waits: from its end until the layer's end, against
    from now until its end. Waiting costs the kept parent that idle time, and the running
    job no more than the layer's overhang; the rule trades one for the other.
``late``
    ``busy``, only when waiting for this layer would leave that job less slack than
    ``kept_slack`` x its relative deadline: the layer's end plus the successor's best
    remaining time passes the job's deadline less that margin (``kept_slack`` 0, the default:
    only when waiting would make the job hopeless).
``stay``
    ``busy``, only when that job misses the same mark staying on its own core: the rest of
    a chain job run there from when its layer ends (a DAG job: as ``busy``).
``need``
    ``late`` and ``stay`` both: the job misses the mark both waiting and staying.
"""

from __future__ import annotations

from terastal.model.job import Job
from terastal.schedulers._terastal_ahead import blocks_release
from terastal.schedulers.options import Option

KEPT_CORE = ("any", "known", "busy", "gap", "late", "stay", "need")
OPTIONS = {
    "kept_core": Option("gap", choices=KEPT_CORE),
    "kept_ratio": Option(1.0, lo=0.0, help="gap: the delay against the idle time it saves"),
    "kept_slack": Option(0.0, lo=0.0, help="late/stay/need: slack kept, x the deadline"),
}
_WAIT = ("late", "need")  # the forms that test the job's end waiting for the layer
_STAY = ("stay", "need")  # the forms that test the job's end staying on its own core


def waits(pol, job: Job, layer: int, a: int, f: float, free, idle) -> bool:
    """Whether the kept parent ``job``'s ``layer`` leaves the idle core ``a`` (where it would
    end at ``f``) to a job that needs it sooner (see the module's rules)."""
    mode = pol.kept_core
    if mode == "any":
        return False
    if mode != "known":  # the loop first: a few cores, no walk of the active jobs
        late, now = pol._late, pol._view.now
        for b, on in enumerate(pol._on):
            if b == a or idle[b] or on is None or free[b] >= f:
                continue
            other, done = on
            if other is job or other in late or other.finished:
                continue
            if mode == "gap" and f - free[b] <= pol.kept_ratio * (free[b] - now):
                continue  # the core would idle longer than the job would wait
            if _needs(pol, other, done, a, b, f, free[b], mode):
                return True
    # Second, as its answer is only OR-ed with the loop's: it walks the active jobs
    # (Releases.saw). Skipping it when the loop says yes skips no note that matters: a job
    # it would have noted is noted by a later call (still active) or as it ends
    # (Terastal.on_job_end), before any answer reads the notes.
    return blocks_release(pol, pol._view, job, layer, a)


def _needs(pol, other: Job, done: int, a: int, b: int, f: float, ends: float, mode) -> bool:
    """Whether a successor of ``other``'s layer ``done`` (on core ``b`` until ``ends``) runs
    faster on ``a`` and, as the form asks, ``other`` misses its mark (deadline less
    ``kept_slack`` x its relative deadline) waiting until ``f`` and/or staying on ``b``."""
    c = other._costs
    lat, rem = c.latency_s, c.rem_min_s
    due = other._deadline - pol.kept_slack * (other._deadline - other._release)
    wait = mode in _WAIT
    stay = pol._fits[other.task_index].rem_on if mode in _STAY else None
    for s in c.succs[done]:
        if lat[s][a] >= lat[s][b] or (wait and f + rem[s] <= due):
            continue
        if stay is None or ends + stay[b][s] > due:
            return True
    return False
