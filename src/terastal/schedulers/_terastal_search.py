"""A short exact search over the few jobs released together (option ``group``).

With a handful of active jobs, a greedy order can lose a job that another order would meet:
three jobs released within a fraction of a millisecond on two cores leave no room for a
wrong first layer. When a job arrives and at most ``group`` jobs are active, all of them
chains of tasks the search may place (:func:`searchable`; variant tasks only at light
load), a depth-first search over dispatch sequences looks for a schedule in which every job
ends by its deadline: at each step, the next layer of some job on some core, started once
both are free (an active choice: it starts before any other choice would end), in deadline
then finish order, a branch cut as soon as a job can no longer end in time; when none is
found within ``nodes`` backtracks, it looks for one giving up a single job (the latest
deadline first), then two, and so on (not with variant tasks); before the first schedule
without give-ups, one leaving every job ``margin`` of its relative deadline (then half, a
quarter) is looked for, so that the next arrival finds room. The schedule found is
followed: its give-ups are dropped at once and every core runs the layers planned on it in
planned order, until the next job arrives (the search runs again) or more than ``group``
jobs are active (Terastal's rules decide).
Reasons, forms tried and measurements: ``docs/design.md``, "Jobs released together" and "A
margin in the group search's schedule".
"""

from __future__ import annotations

from typing import NamedTuple

from terastal.schedulers._terastal_coming import ASSUMPTIONS, assumed, coming_state
from terastal.schedulers._terastal_handover import hands_over
from terastal.schedulers.options import Option

_INF = float("inf")
# Terastal's options of the search (0 jobs: off); docs/design.md, "Jobs released together"
GROUP_OPTIONS = {
    "group": Option(4, lo=0),
    "group_nodes": Option(300, lo=1),
    "group_light": Option(0.7, lo=0.0),
    "group_coming": True,  # jobs about to be released (_terastal_coming)
    "group_ahead": False,  # a known release the next planned layer would block (_terastal_ahead)
    # least slack a schedule without give-ups keeps, x each job's relative deadline
    "group_margin": Option(0.1, lo=0.0, hi=1.0, hi_inclusive=False),
}
_PLACED, _LOSSLESS = 1, 2  # searchable() codes: placed; placed, and no give-up for it
_LEVELS = 3  # margins tried before the first schedule: group_margin, its half, its quarter


class Item(NamedTuple):
    """A job as the search sees it: its deadline, the first layer to place, when and where
    its input is ready (``src`` -1: nowhere yet), whether a layer of it runs, its costs and
    the job."""

    deadline: float
    first: int
    ready: float
    src: int
    running: bool
    costs: object
    job: object


class GroupSearch:
    """The search's state: the schedule being followed, per core, and the jobs it covers.

    ``queue[a]``: ``(start, job, layer)`` planned on core ``a``, in start order, not yet
    dispatched. ``jobs``: the jobs active at the last search; ``on``: whether its schedule
    is followed. ``alone``: per task, whether the search may place its jobs. ``coming``: the
    tasks' next releases (:class:`~terastal.schedulers._terastal_coming.Coming`) or ``None``.
    """

    __slots__ = (
        "alone", "coming", "drops", "group", "jobs", "lossless", "margin", "nodes", "on", "queue",
    )  # fmt: skip

    def __init__(self, group: int, nodes: int, alone: list, num_accelerators: int,
                 coming=None, margin: float = 0.0) -> None:  # fmt: skip
        self.coming = coming
        self.margin = margin
        self.group = group
        self.nodes = nodes
        self.alone = alone
        self.queue: list[list] = [[] for _ in range(num_accelerators)]
        self.jobs: set = set()
        self.on = False
        self.drops: list = []  # the schedule's give-ups, dropped at the next call
        self.lossless = False  # whether the last search gave up no job (see searchable)

    def clear(self) -> None:
        """Forget the schedule: Terastal's own rules decide."""
        self.on = False
        self.drops = []
        for q in self.queue:
            q.clear()

    def take(self, pol, view, out: list) -> bool:
        """Whether the group's schedule decides this call; if so its dispatches and drops
        are appended to ``out`` (``pol``: the policy, told of each decision). The search
        runs when a job not searched yet is active."""
        if not self.group:
            return False
        active = view.active_jobs
        if len(active) > self.group or not view.may_drop:
            self.clear()
            return False
        jobs = self.jobs
        if any(j not in jobs for j in active):
            self.on = self._search(active, view)
            self.jobs = set(active)
        if not self.on:
            return False
        if self._follow(pol, view, out):
            return True
        self.clear()  # the schedule waits for nothing that will come: the rules decide
        return False

    def _items(self, active, view) -> list | None:
        """The search's items, one per active job; ``None`` with a job of a task the
        search may not place."""
        now, free, alone = view.now, view.free_at, self.alone
        items = []
        self.lossless = False
        for job in active:
            code = alone[job.task_index]
            if not code:
                return None
            if code == _LOSSLESS:
                self.lossless = True
            first = job.done_count + job.running_count
            ready, src = now, -1
            if first:
                src = job.layer_accelerator(first - 1)
                if job.running_count:
                    ready = free[src]
            running = bool(job.running_count)
            items.append(Item(job.deadline, first, ready, src, running, job.costs, job))
        return items

    def _search(self, active, view) -> bool:
        """Search schedules of the ``active`` jobs; keep the one found (returns whether
        one is)."""
        self.clear()
        items = self._items(active, view)
        if items is None:
            return False
        items.sort(key=_deadline)
        placed = self._with_coming(items, active, view)
        if placed is None:
            placed = _search(items, view.now, view.free_at, self.nodes, self.lossless, self.margin)
        if placed is None:
            return False
        placed, self.drops = placed
        for start, job, layer, a in sorted(placed, key=_first):
            self.queue[a].append((start, job, layer))
        return True

    def _with_coming(self, items, active, view):
        """A schedule of ``items`` and the jobs coming (:mod:`~terastal.schedulers.
        _terastal_coming`) that gives up no job, under the first assumption that has one;
        ``None`` when none has, or no job is coming, or they would be more than ``group``."""
        coming = self.coming
        if coming is None:
            return None
        now = view.now
        due = coming.due(now, active)
        if not due or len(items) + len(due) > self.group:
            return None
        costs = view.costs
        for ready_at, due_from in ASSUMPTIONS:
            both = items + assumed(due, now, ready_at, due_from, costs, Item)
            both.sort(key=_deadline)
            placed = _search(both, now, view.free_at, self.nodes, True)  # no margin: cost
            if placed is not None:
                return placed
        return None

    def _follow(self, pol, view, out: list) -> bool:
        """Drop the schedule's give-ups; dispatch, on each idle core, its next planned layer
        once that layer is ready. ``False`` (and nothing decided) when that would leave every
        core idle while a layer is ready: nothing would wake the schedule up."""
        active, ready = view.active_jobs, view.ready_jobs
        go = []
        waits = False
        for a, idle in enumerate(view.idle_flags):
            q = self.queue[a]
            while q and q[0][1] is not None and q[0][1] not in active:
                q.pop(0)  # ended (late or dropped elsewhere); None: a job coming
            if not idle:
                waits = True
            elif q:
                _, job, layer = q[0]
                if job is None:
                    waits = True  # the core waits for a job coming: its release wakes us
                elif job in ready and job.next_layer == layer:
                    if pol.group_ahead and hands_over(pol, view, job, layer, a):
                        return False  # the rules decide, with the release in view
                    go.append(a)
        if not (go or waits or not ready):
            return False
        for job in self.drops:
            if job in active:
                out.append((job,))
                pol._gone.append(job)
        self.drops = []
        for a in go:
            _, job, layer = self.queue[a].pop(0)
            out.append((job, layer, a, False))
            pol._gone.append(job)
            pol._on[a] = (job, layer)
        return True


def group_search(pol, view) -> GroupSearch:
    """The policy's search (``pol.group`` jobs at most, ``pol.group_nodes`` backtracks)."""
    alone = searchable(pol, view) if pol.group else []
    coming = coming_state(pol, view, alone) if pol.group else None
    return GroupSearch(
        pol.group, pol.group_nodes, alone, view.num_accelerators, coming, pol.group_margin
    )


def searchable(pol, view) -> list[int]:
    """Per task, whether the search may place its jobs (it places the jobs it knows of, as
    originals): 0 for a task that is not a chain or releases or is released by another
    task's jobs; for one with variants (whether or not the policy runs them), 0 unless the
    task set's load (its best-case work per second, over the cores) is at most
    ``pol.group_light``, and then ``_LOSSLESS``: the search gives up no job to place it
    (the variants might have saved that job); else ``_PLACED``."""
    costs = view.costs
    parents = {c.task.depends_on for c in costs}
    load = sum(c.rem_min_s[0] / c.task.period_s for c in costs) / view.num_accelerators
    light = load <= pol.group_light
    codes = []
    for c in costs:
        code = _PLACED
        if not c.is_chain or c.task.depends_on is not None or c.task.name in parents:
            code = 0
        elif c.has_variants:
            # Judged by the task, not by whether this policy runs its variants: the
            # no-variants ablation must differ from Terastal in the variants alone.
            code = _LOSSLESS if light else 0
        codes.append(code)
    return codes


def _deadline(item) -> float:
    return item[0]


def _first(item) -> float:
    return item[0]


def _search(items, now: float, free, nodes: int, lossless: bool = False, margin: float = 0.0):
    """Depth-first search over dispatch sequences of ``items`` (see the module docstring):
    ``(placed, dropped)`` of the first schedule found with the fewest give-ups within
    ``nodes`` backtracks, ``placed`` the ``(start, job, layer, core)`` of the jobs kept and
    ``dropped`` the jobs given up that no layer of runs; ``None`` when none was found
    (``lossless``: or one would give up a job). With ``margin``, a schedule without give-ups
    in which every job ends ``margin`` x its relative deadline before its deadline comes
    first (its own ``nodes`` backtracks; then half and a quarter of it): the first schedule
    if it leaves that much, else the first one that does."""
    n = len(items)
    # a job that cannot end in time even alone is a miss whatever the order
    hopeless = [it.ready + it.costs.rem_min_s[it.first] > it.deadline for it in items]
    pool = [i for i in range(n) if not hopeless[i] and not items[i].running]
    if lossless and any(hopeless):
        return None
    m = margin
    for _ in range(_LEVELS if margin > 0.0 else 0):  # the margin, then half, a quarter
        state = _State(items, now, free, nodes, m)
        got = state.run(hopeless)
        if got is not None:
            return _found(items, got, hopeless)
        m /= 2
    state = _State(items, now, free, nodes)
    for k in range(1 if lossless else len(pool) + 1):  # fewest give-ups first: none, one ...
        for out in _subsets(pool, k):
            skip = [hopeless[i] or i in out for i in range(n)]
            got = state.run(skip)
            if got is not None:
                return _found(items, got, skip)
            if state.left <= 0:
                return None
    return None


def _found(items, got, skip):
    """``(placed, dropped)`` of a schedule :meth:`_State.run` found: the ``(start, job,
    layer, core)`` it places and the jobs it skipped that no layer of runs."""
    placed = [(s, items[i].job, layer, a) for i, layer, a, s in got]
    return placed, [it.job for i, it in enumerate(items) if skip[i] and not it.running]


def _subsets(pool: list, k: int):
    """The ``k``-element subsets of ``pool``, the latest deadlines first."""
    if k == 0:
        yield ()
        return
    for i in range(len(pool) - 1, k - 2, -1):
        for rest in _subsets(pool[:i], k - 1):
            yield (*rest, pool[i])


class _State:
    """The depth-first searches of :func:`_search`, sharing its node budget (``left``)."""

    __slots__ = ("due", "free", "items", "left")

    def __init__(self, items, now, free, nodes, margin: float = 0.0) -> None:
        self.items = items
        self.free = [max(f, now) for f in free]
        self.left = nodes
        # per item, the end it must keep (its deadline, less the margin's share of it)
        self.due = [it.deadline - margin * it.costs.task.relative_deadline_s for it in items]

    def run(self, skip):
        """A schedule in which every job not in ``skip`` ends by its deadline: its
        ``(item, layer, core, start)`` list, or ``None``."""
        items = self.items
        nxt = [len(it.costs.latency_s) if skip[i] else it.first for i, it in enumerate(items)]
        rdy = [it.ready for it in items]
        src = [it.src for it in items]
        path: list[tuple] = []
        return path if self._dfs(nxt, rdy, src, list(self.free), path) else None

    def _dfs(self, nxt, rdy, src, cfree, path) -> bool:
        """Extend ``path`` (next layer per item ``nxt``, its input ready at ``rdy`` on
        ``src``, cores free at ``cfree``) to a schedule meeting every deadline. The budget
        counts backtracks, so that a long model's path costs nothing while it succeeds."""
        cand = []
        fmin = _INF
        due = self.due
        for i, it in enumerate(self.items):
            layer = nxt[i]
            costs = it.costs
            if layer >= len(costs.latency_s):
                continue
            lat, move, rem = costs.latency_s[layer], costs.chain_move_s, costs.rem_min_s
            dl = due[i] - rem[layer + 1]  # this layer's end that keeps the job in time
            n0 = len(cand)
            for a in range(len(cfree)):
                s = cfree[a] if cfree[a] > rdy[i] else rdy[i]
                f = s + lat[a] + (move[layer] if move and src[i] >= 0 and src[i] != a else 0.0)
                if f <= dl:
                    cand.append((it.deadline, f, s, i, a))
                    if f < fmin:
                        fmin = f
            if len(cand) == n0:
                return False  # the job can no longer end in time
        if not cand:
            return True
        cand.sort()
        for _, f, s, i, a in cand:
            if s >= fmin:
                continue  # not an active choice: another layer ends before this one starts
            if self.left <= 0:
                return False
            layer, r0, s0, c0 = nxt[i], rdy[i], src[i], cfree[a]
            nxt[i], rdy[i], src[i], cfree[a] = layer + 1, f, a, f
            path.append((i, layer, a, s))
            if self._dfs(nxt, rdy, src, cfree, path):
                return True
            self.left -= 1  # a backtrack: the budget counts these
            path.pop()
            nxt[i], rdy[i], src[i], cfree[a] = layer, r0, s0, c0
        return False


def _gap(busy: list, ready: float, dur: float) -> float:
    """The earliest start at or after ``ready`` of ``dur`` seconds between the sorted
    ``(start, end)`` intervals of ``busy``."""
    t = ready
    for s, e in busy:
        if e <= t:
            continue
        if s >= t + dur:
            break
        t = e
    return t


def _insert(busy: list, s: float, e: float) -> None:
    i = len(busy)
    while i and busy[i - 1][0] > s:
        i -= 1
    busy.insert(i, (s, e))
