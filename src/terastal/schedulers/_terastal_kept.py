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
    ``busy``, only when waiting for this layer would make that job hopeless: the layer's end
    plus the successor's best remaining time passes the job's deadline.
"""

from __future__ import annotations

from terastal.model.job import Job
from terastal.schedulers._terastal_ahead import blocks_release
from terastal.schedulers.options import Option

KEPT_CORE = ("any", "known", "busy", "late")
OPTIONS = {"kept_core": Option("any", choices=KEPT_CORE)}


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
    for b, on in enumerate(pol._on):
        if b == a or idle[b] or on is None or free[b] >= f:
            continue
        other, done = on
        if other is job or other in late or other.finished:
            continue
        c = other._costs
        lat, rem = c.latency_s, c.rem_min_s
        for s in c.succs[done]:
            if lat[s][a] < lat[s][b] and (mode == "busy" or f + rem[s] > other._deadline):
                return True
    return False
