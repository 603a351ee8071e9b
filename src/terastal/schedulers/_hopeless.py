"""The drop rules every policy shares, and the one provable "hopeless" test behind them.

A job is *hopeless* at time ``now`` when even its fastest remaining path cannot end by its
deadline: ``now + best remaining time > deadline``. The best remaining time of a layer is
the longest path, from that layer to the job's end, of the fastest option of every layer
(the lowest latency over accelerators, or the layer's variant where the policy may run it),
ignoring transfers and contention. It is optimistic, so a hopeless job is one that no
schedule could still finish in time: dropping it only frees cores for jobs that can.

Drop rules (option ``drop`` of the list schedulers; Terastal always uses ``hopeless``):

``never``
    Keep every job (late work runs to completion unless the late policy drops it).
``deadline``
    Drop a ready job once its deadline has passed: the hopeless test with no remaining work.
``hopeless``
    Drop a ready job as soon as the hopeless test holds.

Drops need the late policy to allow them (:attr:`SimView.may_drop`); jobs are tested at
scheduling points, when they have a ready layer (a job with a layer in flight is tested
again once that layer completes).
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush

try:
    import cython  # the compiler needs this exact import
except ModuleNotFoundError:  # pragma: no cover - Cython is an optional extra
    from terastal._accel import _shadow as cython

from terastal.model.contract import SimView
from terastal.model.job import Job
from terastal.schedulers.options import Option

DROP_RULES = ("never", "deadline", "hopeless")
#: What a drop rule does with a job whose model has cascaded children (option ``parents``).
PARENT_RULES = ("keep", "drop")
#: Tolerance of the test: a job whose best case ends exactly at its deadline is kept.
EPS = 1e-12


def is_hopeless(now: float, remaining_s: float, deadline_s: float) -> bool:
    """Whether a job with best-case ``remaining_s`` left cannot end by ``deadline_s``."""
    return now + remaining_s > deadline_s + EPS


def parents_option() -> Option:
    """The ``parents`` option every dropping policy takes (default ``keep``)."""
    return Option(
        "keep",
        choices=PARENT_RULES,
        help="keep jobs with cascaded children that the drop rule would drop, last",
    )


def cascade_parents(view: SimView) -> list[bool]:
    """Per task (in ``view.costs`` order), whether its jobs may release cascaded children:
    some task depends on it with a trigger probability above 0."""
    index = {c.task.name: i for i, c in enumerate(view.costs)}
    parent = [False] * len(index)
    for task in view.scenario.tasks:
        if task.depends_on in index and task.probability > 0.0:
            parent[index[task.depends_on]] = True
    return parent


def fastest_s(costs, variant_bits: Sequence[int] | None = None) -> list[float]:
    """Per layer, its fastest option: the lowest latency of the original or, where
    ``variant_bits[layer]`` is nonzero and the layer has one, of its variant."""
    lat, var_lat = costs.lat, costs.var_lat
    best = []
    for i in range(costs.num_layers):
        b = min(lat[i])
        if variant_bits is not None and variant_bits[i] and var_lat[i] is not None:
            b = min(b, min(var_lat[i]))
        best.append(b)
    return best


def best_remaining(costs, variant_bits: Sequence[int] | None = None) -> list[float]:
    """Per layer, the best-case time from its start to the job's end.

    Parameters
    ----------
    costs : TaskCosts
        The task's cost tuples.
    variant_bits : sequence of int, optional
        Per layer, nonzero where the policy may run the layer's variant (then the faster of
        the original and the variant counts). None: originals only.

    Returns
    -------
    list of float
        ``rem[i]`` = fastest option of layer ``i`` plus the longest best-case path of its
        successors (for a chain, the suffix sum of the fastest latencies).
    """
    best = fastest_s(costs, variant_bits)
    n = costs.num_layers
    rem = [0.0] * n
    for i in range(n - 1, -1, -1):
        tail = max((rem[s] for s in costs.succs[i]), default=0.0)
        rem[i] = best[i] + tail
    return rem


def remaining_of(job: Job, rem: Sequence[float], chain: bool) -> float:
    """Best-case remaining time of a ready job: ``rem`` at its ready layer(s)."""
    if chain:
        return rem[job.next_layer]
    return max(rem[i] for i in job.ready_layers)


class DropQueue:
    """Ready jobs ordered by when a drop rule starts to hold, kept up to date incrementally.

    ``due(view)`` returns the ready jobs the rule drops now. The jobs sit in one heap keyed by
    ``deadline - remaining`` (the latest start that keeps them feasible) and are updated from
    :attr:`SimView.ready_changes`, so a call costs O((changes + drops) log n) rather than a
    scan of every ready job; stale entries (jobs that left the ready set or whose ready
    layers changed) are skipped when they surface. The heap only orders the candidates: the
    decision is :func:`is_hopeless` itself (inlined, the same comparison).

    Parameters
    ----------
    rule : {"deadline", "hopeless"}
        The drop rule.
    keep_parents : bool
        A job the rule would drop whose task has cascaded children is kept instead (also in
        the drain after the horizon: its completion, however late, still releases them) and
        listed in :attr:`demoted` by the call that finds it; it is never tested again.
    """

    def __init__(self, rule: str, keep_parents: bool = False) -> None:
        if rule not in DROP_RULES[1:]:
            raise ValueError(f"no drop queue for rule {rule!r}")
        self.rule = rule
        self.keep_parents = keep_parents
        self._parent: list[bool] = []
        #: Jobs kept although the rule holds (see ``keep_parents``), and the last call's.
        self.late: set[Job] = set()
        self.demoted: list[Job] = []
        self._rem: list[list[float] | None] = []
        self._chain: list[bool] = []
        self._heap: list[tuple] = []
        self._entry: dict[Job, tuple] = {}

    def reset(self, view: SimView) -> None:
        """Per task, the best remaining times (none under the ``deadline`` rule)."""
        hopeless = self.rule == "hopeless"
        self._rem = [best_remaining(c) if hopeless else None for c in view.costs]
        self._chain = [c.is_chain for c in view.costs]
        self._heap, self._entry = [], {}
        self._parent = cascade_parents(view) if self.keep_parents else [False] * len(view.costs)
        self.late, self.demoted = set(), []

    @property
    def keeps_any(self) -> bool:
        """Whether this run has a task whose jobs the queue would keep (set by reset)."""
        return any(self._parent)

    # Compiled (docs/design.md, "Compiled accelerator"), the queue and the jobs are structs
    # (_hopeless.pxd, model/job.pxd): the job's slots are read as C members, and the test's
    # sums are C doubles (the same IEEE operations, in the same order, as on the floats).
    @cython.locals(job=Job, heap=list, entries=dict, rems=list, chains=list, late=set,
                   old=tuple, entry=tuple, out=list, chain=cython.bint, now_d=cython.double,
                   r_d=cython.double, d_d=cython.double, eps=cython.double)  # fmt: skip
    def due(self, view: SimView) -> list[Job]:
        """The ready jobs to drop now, most urgent first."""
        ready = view.ready_jobs
        heap, entries = self._heap, self._entry
        rems, chains = self._rem, self._chain
        late = self.late
        for job in view.ready_changes:
            if job not in ready or job in late:
                continue
            ti = job._costs.index  # job.task_index
            chain = chains[ti]
            # job.next_layer (the job is ready) or job.ready_layers
            key = job._ready[0] if chain else tuple(job._ready)
            old = entries.get(job)
            if old is not None and old[3] == key:
                continue
            rem = rems[ti]
            # remaining_of, inlined for chains (the common case; one call per ready change)
            r = 0.0 if rem is None else rem[key] if chain else remaining_of(job, rem, False)
            deadline = job._deadline
            entry = entries[job] = (deadline - r, job._id, job, key, r, deadline)
            heappush(heap, entry)
        # is_hopeless(now, r, deadline), inlined: the head is tested at every call
        now = view.now
        now_d, eps = now, EPS
        out = []
        if self.demoted:
            self.demoted = []
        while heap:
            entry = heap[0]
            job = entry[2]
            if entries.get(job) is not entry or job not in ready:
                heappop(heap)  # stale, or the job has no ready layer: it returns as a change
                if entries.get(job) is entry:
                    del entries[job]
                continue
            r_d, d_d = entry[4], entry[5]
            if not now_d + r_d > d_d + eps:
                break
            heappop(heap)
            del entries[job]
            if self._parent[job._costs.index]:
                late.add(job)  # kept: its completion still releases its children
                self.demoted.append(job)
                continue
            out.append(job)
        return out
