"""Earliest-finish mapping whose per-dispatch cost does not grow with the ready set.

:func:`~terastal.schedulers._mapping.map_earliest_finish` scores every ready job on every
accelerator at every call; under overload without drops the ready set grows for the whole
run, so each call walks the whole backlog. :class:`FinishQueues` makes the same decisions
from one priority queue per *placement class* and compares only the queues' heads.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

from terastal.model.contract import SimView
from terastal.model.job import Job
from terastal.schedulers._mapping import map_earliest_finish


class FinishQueues:
    """Priority order plus earliest-finish mapping, incremental once the ready set is large.

    ``decide(view)`` returns exactly ``map_earliest_finish(view, sorted(view.ready_jobs,
    key=key))``.

    Parameters
    ----------
    key : callable
        ``key(job) -> sortable``: the scheduler's priority (smaller first), unique per job
        (end it with ``job.id``), depending only on the job and its next layer.
    small : int
        Up to this many ready jobs, sort them and scan; above it, use the queues.

    Notes
    -----
    Why the heads suffice. The finish time of a job's next layer ``l`` on accelerator ``a``,
    ``free[a] + transfer + latency[l][a]``, depends on the job only through its task, ``l``
    and the accelerators that ran ``l``'s predecessors (the transfer rule reads nothing
    else; for a chain, the one accelerator of layer ``l - 1``). Jobs sharing that *class*
    have the same finish times on every accelerator, computed by the same floating-point
    operations, hence the same best accelerator; so in a class only its highest-priority job
    can be the next one dispatched.

    Why one pass over the classes per dispatch is the scan. The scan gives each job, in
    priority order, its best accelerator if that one is idle and skips it otherwise. A
    dispatch makes an idle accelerator busy and can only raise its free time, so a skipped
    job (whose best accelerator is busy, and keeps its free time) stays skipped, and a job
    whose best accelerator was not the one just taken keeps its best. The next dispatch of
    the scan is therefore the highest-priority job whose best accelerator is idle: the best
    head among the classes whose best is idle. After a dispatch on ``b`` only the classes
    whose best was ``b`` (and the class that lost its head) are scored again.

    A call costs O((changes + dispatches) log n + classes x accelerators). Entries of jobs
    that left the ready set or changed their next layer are skipped when they surface.
    """

    def __init__(self, key: Callable[[Job], Any], small: int = 8) -> None:
        self.key = key
        self.small = small
        self._preds: list[tuple[tuple[int, ...], ...] | None] = []
        self._heaps: dict[tuple, list] = {}  # class -> heap of (*priority, layer, job)
        self._entry: dict[Job, tuple] = {}
        self._active = False

    def reset(self, view: SimView) -> None:
        """Per task, its layers' predecessors (None for a chain)."""
        self._preds = [None if c.is_chain else c.preds for c in view.costs]
        self._clear()

    def _clear(self) -> None:
        self._heaps, self._entry = {}, {}
        self._active = False

    def _push(self, jobs) -> None:
        """Queue each ready job whose entry is missing or out of date under its class."""
        key, entries, heaps, preds = self.key, self._entry, self._heaps, self._preds
        for job in jobs:
            layer = job.next_layer
            old = entries.get(job)
            if old is not None and old[-2] == layer:
                continue  # its entry is current
            p = preds[job.task_index]
            if p is None:
                src = job.layer_accelerator(layer - 1) if layer else -1
            else:
                src = tuple([job.layer_accelerator(q) for q in p[layer]])
            cls = (job.task_index, layer, src)
            k = key(job)
            entry = entries[job] = (*k, layer, job) if type(k) is tuple else (k, layer, job)
            heap = heaps.get(cls)
            if heap is None:
                heap = heaps[cls] = []
            heappush(heap, entry)

    def decide(self, view: SimView, skip: frozenset[Job] | set[Job] = frozenset()) -> list[tuple]:
        """The decisions of ``map_earliest_finish(view, sorted(view.ready_jobs, key=key))``.

        Jobs in ``skip`` (being dropped in this call) get nothing and leave the queues.
        """
        ready = view.ready_jobs
        if len(ready) <= self.small:
            if self._active:  # back to few jobs: drop the queues
                self._clear()
            jobs = [job for job in ready if job not in skip] if skip else ready
            return map_earliest_finish(view, jobs if len(jobs) == 1 else sorted(jobs, key=self.key))
        if self._active:
            self._push([job for job in view.ready_changes if job in ready])
        else:
            self._active = True
            self._push(ready)
        entries = self._entry
        for job in skip:
            entries.pop(job, None)  # its entries go stale and are skipped
        free = list(view.free_at)
        idle = list(view.idle_flags)
        left = sum(idle)
        # Score every non-empty class once: [head entry, best accelerator, its finish, heap, cls]
        scored = []
        heaps = self._heaps
        empty = []
        for cls, heap in heaps.items():
            head = _live_head(heap, entries, ready)
            if head is None:
                empty.append(cls)
            else:
                best, best_f = self._best(view, cls, head[-1], free)
                scored.append([head, best, best_f, heap, cls])
        for cls in empty:
            del heaps[cls]
        out: list[tuple] = []
        while left:
            pick = None
            for s in scored:
                if idle[s[1]] and (pick is None or s[0] < pick[0]):
                    pick = s
            if pick is None:
                break
            head, b, f, heap, _ = pick
            heappop(heap)
            job = head[-1]
            del entries[job]
            out.append((job, head[-2], b, False))
            idle[b] = False
            free[b] = f
            left -= 1
            if not left:
                break
            # Only the classes whose best was b can change their choice (and the picked one
            # its head); the others' finish times on their best are untouched.
            keep = []
            for s in scored:
                if s[1] == b:
                    if s is pick:
                        nxt = _live_head(heap, entries, ready)
                        if nxt is None:
                            continue
                        s[0] = nxt
                    s[1], s[2] = self._best(view, s[4], s[0][-1], free)
                keep.append(s)
            scored = keep
        return out

    def _best(self, view: SimView, cls: tuple, job: Job, free: list[float]) -> tuple[int, float]:
        """The accelerator where the class's next layer finishes first (lowest index on ties),
        by the same operations as :func:`map_earliest_finish`."""
        layer = cls[1]
        costs = job.costs
        lat = costs.lat[layer]
        best, best_f = -1, float("inf")
        if costs.is_chain:
            src = cls[2]
            move = costs.chain_move_s[layer]
            for a in range(len(free)):
                f = free[a] + (0.0 if a == src else move) + lat[a]
                if f < best_f:
                    best, best_f = a, f
        else:
            transfer = view.transfer_s
            for a in range(len(free)):
                f = free[a] + transfer(job, layer, a) + lat[a]
                if f < best_f:
                    best, best_f = a, f
        return best, best_f


def _live_head(heap: list, entries: dict, ready) -> tuple | None:
    """The heap's first current entry, popping stale ones; None when none is left."""
    while heap:
        head = heap[0]
        job = head[-1]
        cur = entries.get(job)
        if cur is head and job in ready:
            return head
        heappop(heap)
        if cur is head:
            del entries[job]
    return None
