"""Layer-to-accelerator mappings shared by the priority-list schedulers.

Each takes the ready jobs already in priority order and assigns at most one layer per job
(its lowest-index ready layer) and one layer per idle accelerator. Cost is
O(jobs x accelerators); the loop stops as soon as no accelerator is left idle.

:class:`PreferredQueues` makes the same decisions as sorting the ready jobs and calling
:func:`map_preferred`, without touching every ready job at every call: once many jobs are
ready (an overloaded platform builds an unbounded backlog), it keeps them in one heap per
*eligible set* (the accelerators a layer may use under the preferred mapping) and updates
the heaps from :attr:`~terastal.model.SimView.ready_changes`.
:class:`~terastal.schedulers._finish_queues.FinishQueues` does the same for
:func:`map_earliest_finish`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from heapq import heappop, heappush
from typing import Any

try:
    import cython  # the compiler needs this exact import
except ModuleNotFoundError:  # pragma: no cover - Cython is an optional extra
    from terastal._accel import _shadow as cython

from terastal.model.contract import SimView
from terastal.model.costs import IDENTICAL_REL_TOL
from terastal.model.job import Job

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
            best = row[acc] * (1 + IDENTICAL_REL_TOL)
            acc = next((a for a in accs if idle[a] and row[a] <= best), -1)
            if acc < 0:
                continue
        out.append((job, layer, acc, False))
        idle[acc] = False
        left -= 1
        if not left:
            break
    return out


# Compiled (docs/design.md, "Compiled accelerator"), a job is the Job's struct
# (_mapping.pxd, model/job.pxd): the mappings read its slots (``job._ready``, ``job._costs``)
# as C members where a property would be a generic attribute lookup.
@cython.locals(free=list, idle=list, left=cython.Py_ssize_t, n=cython.Py_ssize_t, job=Job,
               layer=cython.Py_ssize_t, lat=tuple, best=cython.Py_ssize_t, a=cython.Py_ssize_t,
               best_f=cython.double, f=cython.double, move=cython.double, t0=cython.double,
               t1=cython.double, t2=cython.double, src=cython.Py_ssize_t, ready_layers=list,
               out=list)  # fmt: skip
def map_earliest_finish(view: SimView, jobs: Iterable[Job]) -> list[tuple]:
    """Each layer goes to the accelerator where it would finish first.

    Finish = max(free time, now) + transfer + latency, counting accelerators taken earlier in
    this call as busy until their new layer ends. A job whose best accelerator is busy waits
    for it (the next completion is a scheduling point) rather than taking a worse idle one.
    Compiled, the sums are C doubles: the same IEEE operations, in the same order, as on the
    floats the times, transfers and latencies are.
    """
    free = list(view.free_at)
    idle = list(view.idle_flags)
    left = sum(idle)
    n = len(free)
    transfer = view.transfer_s
    out = []
    for job in jobs:
        ready_layers = job._ready
        layer = ready_layers[0] if ready_layers else -1  # job.next_layer
        costs = job._costs
        lat = costs.lat[layer]
        best, best_f = -1, float("inf")
        if costs.is_chain:
            # Only the previous layer's output may move: read the rule's table, not per core.
            src = job._acc_of[layer - 1] if layer else -1
            move = costs.chain_move_s[layer]
            for a in range(n):
                t0, t1 = free[a], lat[a]
                f = t0 + (0.0 if a == src else move) + t1
                if f < best_f:
                    best, best_f = a, f
        else:
            for a in range(n):
                t0, t1, t2 = free[a], transfer(job, layer, a), lat[a]
                f = t0 + t1 + t2
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


class PreferredQueues:
    """Priority order plus preferred mapping, incremental once the ready set is large.

    ``decide(view)`` returns exactly ``map_preferred(view, sorted(view.ready_jobs, key=key))``.

    Parameters
    ----------
    key : callable
        ``key(job) -> sortable``: the scheduler's priority of a ready job (smaller first). It
        must be unique per job (end it with ``job.id``) and may depend only on the job and its
        next layer, which is what :attr:`SimView.ready_changes` reports changes of.
    small : int
        Up to this many ready jobs, sort them; above it, use the heaps.

    Notes
    -----
    Equivalence with the sorted scan: :func:`map_preferred` gives each job, in priority
    order, an idle accelerator of its eligible set ``E`` (the preferred one if idle, else
    the lowest-index idle one) and skips it if none is idle. ``E`` (a bitmask here) and the
    preferred accelerator depend only on the task and the layer, so they are computed once
    per run. Idle accelerators are only taken, never freed, during a call, so a skipped job
    stays skipped, and the next job to get one is the highest-priority job whose ``E`` still
    meets the idle set. With the ready jobs grouped by ``E`` (each group a heap), that is the
    best head among the groups meeting the idle set. A call therefore costs
    O((changes + dispatches) log n + groups) instead of O(n log n): the ready jobs are
    touched only through the changes since the last call. Heap entries of jobs that left
    the ready set, or whose next layer changed, are skipped when they surface (lazy
    deletion).
    """

    def __init__(self, key: Callable[[Job], Any], small: int = 8) -> None:
        self.key = key
        self.small = small
        self._eligible: list[list[tuple[int, int]]] = []
        self._groups: list[tuple[int, list]] = []  # (eligible mask, heap of entries)
        self._heap_of: dict[int, list] = {}
        self._entry: dict[Job, tuple] = {}  # the current entry of each queued job
        self._active = False
        self._idle_mask: dict[tuple[bool, ...], int] = {}

    def reset(self, view: SimView) -> None:
        """Per (task, layer): the eligible-set bitmask and the preferred accelerator."""
        self._eligible = []
        for c in view.costs:
            rows = []
            for layer, row in enumerate(c.lat):
                acc = c.preferred[layer]
                best = row[acc] * (1 + IDENTICAL_REL_TOL)
                mask = 0
                for a, v in enumerate(row):
                    if v <= best:
                        mask |= 1 << a
                rows.append((mask, acc))
            self._eligible.append(rows)
        self._clear()
        self._idle_mask = {}

    def _clear(self) -> None:
        self._groups, self._heap_of, self._entry = [], {}, {}
        self._active = False

    @cython.locals(job=Job, layer=cython.Py_ssize_t, old=tuple, eligible=list, entries=dict,
                   heap_of=dict, heap=list)  # fmt: skip
    def _enqueue(self, jobs: Iterable[Job]) -> None:
        """Give each job an entry (see :func:`_entry`) for its next layer."""
        eligible, key, entries, heap_of = self._eligible, self.key, self._entry, self._heap_of
        for job in jobs:
            layer = job._ready[0]  # job.next_layer: the job is ready
            old = entries.get(job)
            if old is not None and old[-3] == layer:
                continue  # its entry is current
            mask, acc = eligible[job._costs.index][layer]  # job.task_index
            entry = _entry(key(job), layer, job, acc)
            entries[job] = entry
            heap = heap_of.get(mask)
            if heap is None:
                heap = heap_of[mask] = []
                self._groups.append((mask, heap))
            heappush(heap, entry)

    def requeue(self, view: SimView, jobs) -> None:
        """Queue ``jobs`` again under their current keys (their old entries go stale)."""
        if self._active:
            for job in jobs:
                self._entry.pop(job, None)
            self._enqueue([job for job in jobs if job in view.ready_jobs])

    @cython.locals(job=Job, layer=cython.Py_ssize_t, old=tuple, eligible=list, entries=dict,
                   heap_of=dict, heap=list, out=list, groups=list, live=list, group=tuple,
                   head=tuple, best=tuple, best_heap=list)  # fmt: skip
    def decide(self, view: SimView, skip: frozenset[Job] | set[Job] = frozenset()) -> list[tuple]:
        """The decisions of ``map_preferred(view, sorted(view.ready_jobs, key=key))``.

        Jobs in ``skip`` (being dropped in this call) get nothing and leave the queues.
        """
        ready = view.ready_jobs
        idle = view.idle_flags
        free = self._idle_mask.get(idle)
        if free is None:
            free = self._idle_mask[idle] = sum(1 << a for a, f in enumerate(idle) if f)
        out: list[tuple] = []
        if len(ready) <= self.small:
            if self._active:  # back to few jobs: drop the heaps
                self._clear()
            eligible = self._eligible
            if skip:
                ready = [job for job in ready if job not in skip]
            for job in ready if len(ready) == 1 else sorted(ready, key=self.key):
                layer = job._ready[0]  # job.next_layer: the job is ready
                mask, acc = eligible[job._costs.index][layer]  # job.task_index
                if not free >> acc & 1:
                    can = mask & free
                    if not can:
                        continue
                    acc = (can & -can).bit_length() - 1  # lowest idle eligible accelerator
                out.append((job, layer, acc, False))
                free &= ~(1 << acc)
                if not free:
                    break
            return out
        if self._active:
            # Inlined _enqueue of the jobs whose next layer changed (usually one).
            eligible, key, entries, heap_of = self._eligible, self.key, self._entry, self._heap_of
            for job in view.ready_changes:
                if job not in ready:
                    continue
                layer = job._ready[0]  # job.next_layer: the job is ready
                old = entries.get(job)
                if old is not None and old[-3] == layer:
                    continue
                mask, acc = eligible[job._costs.index][layer]  # job.task_index
                k = key(job)
                entry = entries[job] = (
                    (*k, layer, job, acc) if type(k) is tuple else (k, layer, job, acc)
                )
                heap = heap_of.get(mask)
                if heap is None:
                    heap = heap_of[mask] = []
                    self._groups.append((mask, heap))
                heappush(heap, entry)
        else:
            self._active = True
            self._enqueue(ready)
        entries = self._entry
        for job in skip:
            entries.pop(job, None)  # its heap entries go stale and are skipped
        groups = self._groups
        while free:
            best = best_heap = None
            live = []  # groups that can still serve: the next pass looks only at these
            for group in groups:
                mask, heap = group
                if not mask & free or not heap:
                    continue
                head = heap[0]
                while entries.get(head[-2]) is not head or head[-2] not in ready:
                    heappop(heap)  # stale: the job left the ready set or was re-queued
                    if entries.get(head[-2]) is head:
                        del entries[head[-2]]
                    if not heap:
                        break
                    head = heap[0]
                else:
                    live.append(group)
                    if best is None or head < best:
                        best, best_heap = head, heap
            if best is None:
                break
            heappop(best_heap)
            layer, job, acc = best[-3:]
            del entries[job]
            if not free >> acc & 1:
                can = free & self._eligible[job._costs.index][layer][0]
                acc = (can & -can).bit_length() - 1  # lowest idle eligible accelerator
            out.append((job, layer, acc, False))
            free &= ~(1 << acc)
            groups = live
        return out


def _entry(priority: Any, layer: int, job: Job, acc: int) -> tuple:
    """A heap entry ``(*priority, layer, job, preferred accelerator)``.

    A tuple priority is flattened so that heap comparisons stay one level deep; the priority
    is unique per job and the layer orders two entries of one job, so a Job is never compared.
    Entries stay raw tuples, read from the end (``[-3]`` layer, ``[-2]`` job, ``[-1]``
    accelerator) and only inside :class:`PreferredQueues`: the priority prefix has a
    per-scheduler length no NamedTuple can declare, and they are built once per ready change.
    """
    if type(priority) is tuple:
        return (*priority, layer, job, acc)
    return (priority, layer, job, acc)


def mapper(name: str):
    """Return the mapping function called ``name``."""
    from terastal.errors import InputError

    if name == "preferred":
        return map_preferred
    if name == "earliest_finish":
        return map_earliest_finish
    raise InputError(f"mapping must be one of {', '.join(MAPPINGS)}, got {name!r}")
