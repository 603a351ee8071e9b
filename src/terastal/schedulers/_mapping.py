"""Layer-to-accelerator mappings shared by the priority-list schedulers.

Each takes the ready jobs already in priority order and assigns at most one layer per job
(its lowest-index ready layer) and one layer per idle accelerator. Cost is
O(jobs x accelerators); the loop stops as soon as no accelerator is left idle.
"""

from __future__ import annotations

from collections.abc import Iterable

from terastal.sim.job import Job
from terastal.sim.view import SimView

MAPPINGS = ("preferred", "earliest_finish")


def map_preferred(view: SimView, jobs: Iterable[Job]) -> list[tuple]:
    """Each layer goes only to its preferred (lowest-latency) accelerator or an identical one.

    A job whose preferred accelerator is busy, or already taken by a higher-priority job in
    this call, waits; lower-priority jobs preferring another idle accelerator still run, so
    each accelerator serves its own queue in priority order.
    """
    idle = list(view.idle_flags)
    left = sum(idle)
    accs = range(len(idle))
    out = []
    for job in jobs:
        layer = job.next_layer
        acc = job.costs.preferred[layer]
        if not idle[acc]:
            # Identical cores (same latency) are all preferred: take any idle one.
            row = job.costs.lat[layer]
            best = row[acc] * (1 + 1e-9)
            acc = next((a for a in accs if idle[a] and row[a] <= best), -1)
            if acc < 0:
                continue
        out.append((job, layer, acc, False))
        idle[acc] = False
        left -= 1
        if not left:
            break
    return out


def map_earliest_finish(view: SimView, jobs: Iterable[Job]) -> list[tuple]:
    """Each layer goes to the accelerator where it would finish first.

    Finish = max(free time, now) + transfer + latency, counting accelerators taken earlier in
    this call as busy until their new layer ends. A job whose best accelerator is busy waits
    for it (the next completion is a scheduling point) rather than taking a worse idle one.
    """
    free = list(view.free_at)
    idle = list(view.idle_flags)
    left = sum(idle)
    accs = range(len(free))
    transfer = view.transfer_s
    out = []
    for job in jobs:
        layer = job.next_layer
        lat = job.costs.lat[layer]
        best, best_f = -1, float("inf")
        for a in accs:
            f = free[a] + transfer(job, layer, a) + lat[a]
            if f < best_f:
                best, best_f = a, f
        if idle[best]:
            out.append((job, layer, best, False))
            idle[best] = False
            free[best] = best_f
            left -= 1
            if not left:
                break
    return out


def mapper(name: str):
    """Return the mapping function called ``name``."""
    from terastal.errors import InputError

    if name == "preferred":
        return map_preferred
    if name == "earliest_finish":
        return map_earliest_finish
    raise InputError(f"mapping must be one of {', '.join(MAPPINGS)}, got {name!r}")
