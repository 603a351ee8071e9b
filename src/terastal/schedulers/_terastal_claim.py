"""Terastal: a busy core is claimed by the job running on it (option ``claim``).

A layer that waits for a busy core expects it at that core's free time. When the job
running there sorts ahead of the waiting one and has a layer left, that layer becomes ready
when the core frees and takes the core first: the waiting layer gets it one layer later.
The spare-core test (``Terastal._spare``) compares an idle core against that later time.
Reasons and measurements: docs/design.md, "A busy core is claimed by the job on it".
"""

from __future__ import annotations

from terastal.model.job import ACTIVE, Job
from terastal.schedulers._terastal_state import order_key


def _key(opts, job: Job, layer: int) -> float:
    """``job``'s order key for its ``layer``, as ``ReadyOrder._renew`` computes it (without
    the demotion of kept hopeless parents); a running job's next layer counts as started."""
    over = opts._over is not None and opts._over.over
    boost = opts._no_boost if opts._fair is None else opts._fair.boost
    committed = over and opts.overload_commit and bool(job.done_count or layer)
    st = opts._tasks[job.task_index]
    return order_key(st, layer, job.release, boost[job.task_index], over, committed)


def claimed_wait(opts, a: int, job: Job, layer: int, f_wait: float) -> float:
    """When the waiting ``layer`` of ``job`` would end on busy core ``a``: ``f_wait``, plus the
    next layer of the job running on ``a`` there when that job sorts ahead and is a chain
    with a layer left (it takes the core first once its running layer ends)."""
    on = opts._on[a]
    if on is None or opts.claim == "off":
        return f_wait
    other, done = on
    if other is job or other.status != ACTIVE:
        return f_wait
    st = opts._tasks[other.task_index]
    nxt = done + 1
    if not st.chain or nxt >= len(st.lat) or other in opts._late:
        return f_wait
    if _key(opts, other, nxt) >= _key(opts, job, layer):
        return f_wait
    more = st.lat[nxt][a]
    if opts.claim == "short" and opts._tasks[job.task_index].rem_best[layer] > more:
        return f_wait  # only a nearly finished job (less work left than that layer) moves
    return f_wait + more
