"""Earliest-finish mapping whose per-dispatch cost does not grow with the ready set.

:func:`~terastal.schedulers._mapping.map_earliest_finish` scores every ready job on every
accelerator at every call; under overload without drops the ready set grows for the whole
run, so each call walks the whole backlog. :class:`FinishQueues` makes the same decisions
from one priority queue per *placement class* and compares only the queues' heads.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heapify, heappop, heappush
from typing import Any

try:
    import cython  # the compiler needs this exact import
except ModuleNotFoundError:  # pragma: no cover - Cython is an optional extra
    from terastal._accel import _shadow as cython

from terastal.model.contract import SimView
from terastal.model.job import Job
from terastal.schedulers._mapping import map_earliest_finish


class _Class:
    """One placement class: its heap of ``(*priority, layer, job)`` entries, the per-core
    transfer ``xs`` and latency ``lat`` of its layer, and the busy core it waits for
    (``wait_core``, -1 for none) with that core's free time then (``wait_free``)."""

    __slots__ = ("heap", "lat", "wait_core", "wait_free", "xs")

    def __init__(self, xs: tuple, lat: tuple) -> None:
        self.heap: list[tuple] = []
        self.xs, self.lat = xs, lat
        self.wait_core, self.wait_free = -1, 0.0


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
        Up to this many ready jobs, sort them and scan (the scan usually stops early, and
        with drops the ready set stays small); above it, use the queues. 32 measured
        cheaper than 8 on the quick suite for every earliest-finish label.

    Notes
    -----
    Why the heads suffice. The finish time of a job's next layer ``l`` on accelerator ``a``,
    ``free[a] + transfer + latency[l][a]``, depends on the job only through its task, ``l``
    and the accelerators that ran ``l``'s predecessors (the transfer rule reads nothing
    else; for a chain, the one accelerator of layer ``l - 1``). Jobs sharing that *class*
    have the same finish times on every accelerator, computed by the same floating-point
    operations, hence the same best accelerator; so in a class only its highest-priority job
    can be the next one dispatched.

    Why visiting the class heads in priority order is the scan. The scan gives each job, in
    priority order, its best accelerator if that one is idle and skips it otherwise. A
    dispatch makes an idle accelerator busy and can only raise its free time, so a skipped
    job's best accelerator (busy, its free time unchanged) stays its best: once a class's
    head is skipped, every later job of the class is skipped too. Visiting the heads in
    priority order, and putting a class back with its next head after a dispatch from it,
    therefore meets every job the scan dispatches, in the scan's order and with the same
    free times, and scores each class at most once per dispatch.

    Why a waiting class need not be scored again while its core stays busy. Free times
    never go down in a non-preemptive run (a busy core's is its finish time, an idle one's
    is ``now``), within a call or across calls. If a class's best core ``c`` was busy with
    free time ``F`` and now is busy with the same ``F``, its finish on ``c`` is the same
    and on every other core no earlier, so ``c`` is still its best (ties included) and it
    still waits. The class remembers ``(c, F)``; if free times ever went down between two
    calls the memo is dropped.

    A call costs O((changes + dispatches) log n + classes) plus classes x accelerators for
    the classes scored, at worst all of them. Entries of jobs that left the ready set
    or changed their next layer are skipped when they surface.
    """

    def __init__(self, key: Callable[[Job], Any], small: int = 32) -> None:
        self.key = key
        self.small = small
        self._preds: list[tuple[tuple[int, ...], ...] | None] = []
        self._classes: dict[tuple, _Class] = {}  # the classes with a heap
        self._entry: dict[Job, tuple] = {}
        self._last: list[float] = []  # free times at the end of the previous call
        self._active = False

    def reset(self, view: SimView) -> None:
        """Per task, its layers' predecessors (None for a chain)."""
        self._preds = [None if c.is_chain else c.preds for c in view.costs]
        self._clear()

    def _clear(self) -> None:
        self._classes, self._entry, self._last = {}, {}, []
        self._active = False

    # Compiled (docs/design.md, "Compiled accelerator"), the queues, their classes and the
    # jobs are structs (_finish_queues.pxd, model/job.pxd): the job's slots are read as C
    # members, which is why the hot paths read ``job._ready`` and the like, not properties.
    @cython.locals(job=Job, layer=cython.Py_ssize_t, old=tuple, entries=dict, classes=dict,
                   preds=list, c=_Class)  # fmt: skip
    def _push(self, view: SimView, jobs) -> None:
        """Queue each ready job whose entry is missing or out of date under its class."""
        key, entries, classes, preds = self.key, self._entry, self._classes, self._preds
        for job in jobs:
            layer = job._ready[0]  # job.next_layer: the job is ready
            old = entries.get(job)
            if old is not None and old[-2] == layer:
                continue  # its entry is current
            ti = job._costs.index  # job.task_index
            p = preds[ti]
            acc_of = job._acc_of
            if p is None:
                src = acc_of[layer - 1] if layer else -1
            else:
                src = tuple([acc_of[q] for q in p[layer]])
            cls = (ti, layer, src)
            k = key(job)
            entry = entries[job] = (*k, layer, job) if type(k) is tuple else (k, layer, job)
            c = classes.get(cls)
            if c is None:
                c = classes[cls] = _Class(*_class_cost(view, job, layer, src))
            heappush(c.heap, entry)

    def requeue(self, view: SimView, jobs) -> None:
        """Queue ``jobs`` again under their current keys (their old entries go stale)."""
        if self._active:
            for job in jobs:
                self._entry.pop(job, None)
            self._push(view, [job for job in jobs if job in view.ready_jobs])

    @cython.locals(entries=dict, classes=dict, free=list, idle=list, left=cython.Py_ssize_t,
                   heads=list, empty=list, out=list, c=_Class, heap=list, head=tuple, job=Job,
                   nxt=tuple, xs=tuple, lat=tuple, w=cython.Py_ssize_t, b=cython.Py_ssize_t,
                   a=cython.Py_ssize_t, n=cython.Py_ssize_t, f=cython.double, fa=cython.double,
                   t0=cython.double, t1=cython.double, t2=cython.double)  # fmt: skip
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
            self._push(view, [job for job in view.ready_changes if job in ready])
        else:
            self._active = True
            self._push(view, ready)
        entries = self._entry
        for job in skip:
            entries.pop(job, None)  # its entries go stale and are skipped
        free = list(view.free_at)
        idle = list(view.idle_flags)
        left = sum(idle)
        classes = self._classes
        if not all(map(float.__ge__, free, self._last)):
            # free times went down (not in a non-preemptive run): no memo
            for c in classes.values():
                c.wait_core = -1
        self._last = free
        # The scan over classes instead of jobs: class heads in priority order.
        heads = []
        empty = []
        for cls, c in classes.items():
            heap = c.heap
            head = heap[0] if heap else None
            if head is None or entries.get(head[-1]) is not head or head[-1] not in ready:
                head = _live_head(heap, entries, ready)  # pops the stale entries on top
            if head is None:
                empty.append(cls)
            else:
                heads.append((head, c))  # heads are unique: c is never compared
        for cls in empty:
            del classes[cls]
        heapify(heads)
        out = []
        n = len(free)
        while heads:
            head, c = heappop(heads)
            w = c.wait_core
            if w >= 0 and not idle[w] and free[w] == c.wait_free:
                continue  # still waiting for the same busy core (see Notes)
            # map_earliest_finish's (free + transfer) + latency, first minimum on ties (a
            # plain loop: cheaper than map/min/index over a few cores). Compiled, the terms
            # and sums are C doubles: the same IEEE operations, in the same order, as on the
            # floats (which they all are: free times, transfers and latencies).
            xs, lat = c.xs, c.lat
            t0, t1, t2 = free[0], xs[0], lat[0]
            b, f = 0, t0 + t1 + t2
            for a in range(1, n):
                t0, t1, t2 = free[a], xs[a], lat[a]
                fa = t0 + t1 + t2
                if fa < f:
                    b, f = a, fa
            if not idle[b]:
                c.wait_core, c.wait_free = b, free[b]
                continue  # the whole class waits: its best core is busy for this call
            heap = c.heap
            heappop(heap)  # the head
            job = head[-1]
            del entries[job]
            out.append((job, head[-2], b, False))
            idle[b] = False
            free[b] = f
            left -= 1
            if not left:
                break
            nxt = _live_head(heap, entries, ready)
            if nxt is not None:
                heappush(heads, (nxt, c))
        return out


def _class_cost(view: SimView, job: Job, layer: int, src) -> tuple:
    """Per core, the transfer and the latency of ``layer`` for ``job``'s placement class:
    the terms :func:`map_earliest_finish` adds to each core's free time."""
    costs = job.costs
    accs = range(view.num_accelerators)
    if costs.is_chain:
        move = costs.chain_move_s[layer]
        xs = tuple([0.0 if a == src else move for a in accs])
    else:
        transfer = view.transfer_s
        xs = tuple([transfer(job, layer, a) for a in accs])
    return xs, costs.lat[layer]


@cython.locals(head=tuple, cur=tuple)
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
