"""A short exact search over the few jobs released together (``group``).

With a handful of active jobs, a greedy order can lose a job that another order would meet:
three jobs released within a fraction of a millisecond on two cores leave no room for a
wrong first layer. When at most ``group`` jobs are active or about to be released, all of
them chains, the search tries every priority order of them (at most ``group!``): each order
places the jobs one after another, each layer where it ends first (waiting for a busy core
included, in a gap left by the jobs before it when one is long enough), and gives up a job
that would end past its deadline before it takes any core time. A periodic task's next job
is released no earlier than ``phase + frame / fps`` and at most its declared jitter later:
one whose earliest release is at most ``ahead`` x its period away enters the search as
released ``spread`` x its jitter after that (its layers hold their cores until it comes).
The best order (fewest misses, then the earliest time every core is free, then the least
total finish) is the group's schedule: its give-ups are dropped at once and every core runs
the layers planned on it, in planned order, until a job arrives (the search runs again) or
more than ``group`` jobs are active (Terastal's rules take over). ``mode="miss"`` keeps the
schedule only when the deadline order would miss a job that the best order meets;
``"always"`` keeps it whenever it is found. Reasons and measurements: ``docs/design.md``,
"Jobs released together".
"""

from __future__ import annotations

from itertools import permutations
from typing import NamedTuple

_INF = float("inf")


class Item(NamedTuple):
    """A job as the search sees it: the first layer to place, when and where its input is
    ready (``src`` -1: nowhere yet), its deadline, whether a layer of it runs, and the job
    (``None`` for one not released yet, of task ``task``)."""

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
    dispatched (``job`` ``None``: one not released yet). ``jobs``: the jobs the schedule
    covers.
    """

    __slots__ = ("ahead", "drops", "group", "jobs", "mode", "queue", "spread")

    def __init__(self, group, mode, ahead, spread, num_accelerators) -> None:
        self.group = group
        self.mode = mode
        self.ahead = ahead
        self.spread = spread
        self.queue: list[list] = [[] for _ in range(num_accelerators)]
        self.jobs: set = set()
        self.drops: list = []  # the schedule's give-ups, dropped at the next call

    def clear(self) -> None:
        """Forget the schedule: Terastal's own rules decide."""
        self.jobs = set()
        self.drops = []
        for q in self.queue:
            q.clear()

    def take(self, pol, view, out: list) -> bool:
        """Whether the group's schedule decides this call; if so its dispatches and drops
        are appended to ``out`` (``pol``: the policy, told of each decision)."""
        active = view.active_jobs
        if len(active) > self.group or not view.may_drop:
            if self.jobs:
                self.clear()
            return False
        jobs = self.jobs
        if any(j not in jobs for j in active):
            if not self._search(active, view, pol._ahead):
                return False
        elif not jobs:
            return False
        self._follow(pol, view, out)
        return True

    def _items(self, active, view, rel) -> list | None:
        """The search's items: the active jobs and the coming ones (``rel``: the known
        releases, :class:`~terastal.schedulers._terastal_ahead.Releases`, or ``None``);
        ``None`` with a job that is not a chain, or too many."""
        now, free = view.now, view.free_at
        items = []
        for job in active:
            costs = job.costs
            if not costs.is_chain:
                return None
            first = job.done_count + job.running_count
            ready, src = now, -1
            if first:
                src = job.layer_accelerator(first - 1)
                if job.running_count:
                    ready = free[src]
            items.append(Item(job.deadline, first, ready, src, bool(job.running_count), costs, job))
        if self.ahead > 0 and rel is not None:
            rel.saw(active)
            costs_of = view.costs
            for t in rel.tasks:
                costs = costs_of[t]
                task = costs.task
                period = task.period_s
                release = rel.next_release(t)
                if release <= now + self.ahead * period and release < rel.horizon:
                    release = max(now, release + self.spread * task.jitter_s)
                    d = release + task.relative_deadline_s
                    items.append(Item(d, 0, release, -1, False, costs, None))
        return items if len(items) <= self.group else None

    def _search(self, active, view, rel) -> bool:
        """Search the orders of the ``active`` and coming jobs; keep the best schedule if
        the mode asks for it (returns whether one is kept)."""
        self.clear()
        items = self._items(active, view, rel)
        if items is None:
            return False
        now, free = view.now, view.free_at
        items.sort(key=_deadline)
        base = best = _schedule(items, now, free)
        if base[0][0] or self.mode == "always":
            for perm in permutations(items):
                got = _schedule(perm, now, free)
                if got[0] < best[0]:
                    best = got
        if self.mode != "always" and not (best[0][0] < base[0][0]):
            return False
        _, placed, dropped = best
        for start, job, layer, a in sorted(placed, key=_first):
            self.queue[a].append((start, job, layer))
        self.jobs = set(active)
        self.drops = dropped
        return True

    def _follow(self, pol, view, out: list) -> None:
        """Drop the schedule's give-ups; dispatch, on each idle core, its next planned layer
        once that layer is ready."""
        active = view.active_jobs
        if self.drops:
            for job in self.drops:
                if job in active:
                    out.append((job,))
                    pol._gone.append(job)
            self.drops = []
        ready = view.ready_jobs
        for a, idle in enumerate(view.idle_flags):
            q = self.queue[a]
            while q and q[0][1] is not None and q[0][1] not in active:
                q.pop(0)  # ended (late or dropped elsewhere)
            if not idle or not q:
                continue
            _, job, layer = q[0]
            if job is not None and job in ready and job.next_layer == layer:
                q.pop(0)
                out.append((job, layer, a, False))
                pol._gone.append(job)
                pol._on[a] = (job, layer)


def _deadline(item) -> float:
    return item[0]


def _first(item) -> float:
    return item[0]


def _schedule(items, now: float, free) -> tuple:
    """Place ``items`` one after another (see the module docstring): ``(score, placed,
    dropped)``, ``score = (misses, every core free, total finish)``, ``placed`` the
    ``(start, job, layer, core)`` of the jobs kept, ``dropped`` the released jobs given up."""
    cores = range(len(free))
    busy = [[(now, f)] if f > now else [] for f in free]
    placed: list[tuple] = []
    dropped: list = []
    total = 0.0
    misses = 0
    for deadline, first, ready, src, running, costs, job in items:
        lat, move = costs.latency_s, costs.chain_move_s
        mine = []
        for layer in range(first, costs.num_layers):
            best_f, best = _INF, None
            for a in cores:
                dur = lat[layer][a] + (move[layer] if src >= 0 and a != src and move else 0.0)
                s = _gap(busy[a], ready, dur)
                if s + dur < best_f:
                    best_f, best = s + dur, (s, a)
            mine.append((best[0], layer, best[1], best_f))
            ready, src = best_f, best[1]
        if ready > deadline:
            misses += 1
            if not running:  # a started layer is not taken back
                if job is not None:
                    dropped.append(job)
                continue
        total += ready
        for s, layer, a, f in mine:
            _insert(busy[a], s, f)
            placed.append((s, job, layer, a))
    end = max((b[-1][1] for b in busy if b), default=now)
    return (misses, end, total), placed, dropped


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
