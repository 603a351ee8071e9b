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
    dispatched (``job`` ``None``: one not released yet). ``jobs``: the jobs active at the
    last search; ``on``: whether its schedule is followed. ``alone``: per task, whether
    the search may place its jobs (see :func:`searchable`).
    """

    __slots__ = (
        "ahead", "alone", "drops", "group", "jobs", "mode", "nodes", "on", "queue", "spread"
    )

    def __init__(self, group, mode, ahead, spread, nodes, alone, num_accelerators) -> None:
        self.group = group
        self.nodes = nodes
        self.mode = mode
        self.ahead = ahead
        self.spread = spread
        self.queue: list[list] = [[] for _ in range(num_accelerators)]
        self.jobs: set = set()
        self.on = False  # whether a schedule is followed
        self.alone = alone  # per task, whether the search may place its jobs
        self.drops: list = []  # the schedule's give-ups, dropped at the next call

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
        active = view.active_jobs
        if len(active) > self.group or not view.may_drop:
            self.clear()
            return False
        jobs = self.jobs
        if any(j not in jobs for j in active):
            self.on = self._search(active, view, pol._ahead)
            self.jobs = set(active)
        if not self.on:
            return False
        if self._follow(pol, view, out):
            return True
        self.clear()  # the schedule waits for nothing that will come: the rules decide
        return False

    def _items(self, active, view, rel) -> list | None:
        """The search's items: the active jobs and the coming ones (``rel``: the known
        releases, :class:`~terastal.schedulers._terastal_ahead.Releases`, or ``None``);
        ``None`` with a job that is not a chain, or too many."""
        now, free = view.now, view.free_at
        items = []
        alone = self.alone
        for job in active:
            costs = job.costs
            if not alone[job.task_index]:
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
                # only a job sure to come (its latest release before the horizon) holds cores
                if release <= now + self.ahead * period and release + task.jitter_s < rel.horizon:
                    release = max(now, release + self.spread * task.jitter_s)
                    d = release + task.relative_deadline_s
                    items.append(Item(d, 0, release, -1, False, costs, None))
        return items if len(items) <= self.group else None

    def _search(self, active, view, rel) -> bool:
        """Search schedules of the ``active`` and coming jobs; keep the best one if the
        mode asks for it (returns whether one is kept)."""
        self.clear()
        items = self._items(active, view, rel)
        if items is None:
            return False
        items.sort(key=_deadline)
        found = _search(items, view.now, view.free_at, self.nodes)
        if found is None:
            return False
        greedy_misses, misses, placed, dropped = found
        if self.mode != "always" and not misses < greedy_misses:
            return False
        for start, job, layer, a in sorted(placed, key=_first):
            self.queue[a].append((start, job, layer))
        self.drops = dropped
        return True

    def _follow(self, pol, view, out: list) -> bool:
        """Drop the schedule's give-ups; dispatch, on each idle core, its next planned layer
        once that layer is ready. ``False`` when that leaves every core idle with no job to
        come (nothing would wake the schedule up)."""
        active = view.active_jobs
        if self.drops:
            for job in self.drops:
                if job in active:
                    out.append((job,))
                    pol._gone.append(job)
            self.drops = []
        ready = view.ready_jobs
        waits = coming = False
        for a, idle in enumerate(view.idle_flags):
            q = self.queue[a]
            while q and q[0][1] is not None and q[0][1] not in active:
                q.pop(0)  # ended (late or dropped elsewhere)
            if not idle:
                waits = True
                continue
            if not q:
                continue
            _, job, layer = q[0]
            if job is None:
                coming = True
            elif job in ready and job.next_layer == layer:
                q.pop(0)
                out.append((job, layer, a, False))
                pol._gone.append(job)
                pol._on[a] = (job, layer)
                waits = True
        return waits or coming or not view.ready_jobs


def searchable(pol, view) -> list[bool]:
    """Per task, whether the search may place its jobs: chains that run originals only (no
    variant the policy could use) and neither release nor are released by another task's
    jobs (the search places the jobs it knows of, originals only)."""
    parents = {c.task.depends_on for c in view.costs}
    return [
        c.is_chain
        and c.task.depends_on is None
        and c.task.name not in parents
        and not (pol.variants and pol.plan is not None and c.has_variants)
        for c in view.costs
    ]


def _deadline(item) -> float:
    return item[0]


def _first(item) -> float:
    return item[0]


def _search(items, now: float, free, nodes: int):
    """Depth-first search over dispatch sequences of ``items`` (see the module docstring):
    ``(greedy misses, misses, placed, dropped)`` of the best schedule found within
    ``nodes`` expansions, ``placed`` the ``(start, job, layer, core)`` of the jobs kept and
    ``dropped`` the released jobs given up; ``None`` when no schedule was completed."""
    n = len(items)
    lb = [it.ready + it.costs.rem_min_s[it.first] for it in items]
    # a job that cannot end in time even alone is a miss whatever the order
    hopeless = [lb[i] > items[i].deadline for i in range(n)]
    sure = sum(hopeless)
    state = _State(items, now, free, nodes)
    state.run(hopeless, True)
    greedy = state.greedy_misses + sure
    # fewest give-ups first: none, then each single job, then each pair ...
    for k in range(n - sure + 1):
        for out in _subsets([i for i in range(n) if not hopeless[i]], k):
            skip = [hopeless[i] or i in out for i in range(n)]
            if any(skip[i] and items[i].running for i in range(n) if not hopeless[i]):
                continue  # a started job is not given up for another
            got = state.run(skip)
            if got is not None:
                placed = [(s, items[i].job, layer, a) for i, layer, a, s in got]
                dropped = [
                    items[i].job for i in range(n)
                    if skip[i] and items[i].job is not None and not items[i].running
                ]  # fmt: skip
                return greedy, k + sure, placed, dropped
            if state.left <= 0:
                return None
    return None


def _subsets(pool: list, k: int):
    """The ``k``-element subsets of ``pool``, the latest deadlines first."""
    if k == 0:
        yield ()
        return
    for i in range(len(pool) - 1, k - 2, -1):
        for rest in _subsets(pool[:i], k - 1):
            yield (*rest, pool[i])


class _State:
    """One depth-first search of :func:`_search`, sharing its node budget."""

    __slots__ = ("greedy_misses", "items", "left", "now", "free")

    def __init__(self, items, now, free, nodes) -> None:
        self.items = items
        self.now = now
        self.free = [max(f, now) for f in free]
        self.left = nodes
        self.greedy_misses = 0

    def run(self, skip, greedy: bool = False):
        """A schedule in which every job not in ``skip`` ends by its deadline: its
        ``(item, layer, core, start)`` list, or ``None``. ``greedy``: the first choice at
        every step, a job that can no longer end in time given up (counted in
        ``greedy_misses``)."""
        items = self.items
        nxt = [len(it.costs.latency_s) if skip[i] else it.first for i, it in enumerate(items)]
        rdy = [it.ready for it in items]
        src = [it.src for it in items]
        path: list[tuple] = []
        if self._dfs(nxt, rdy, src, list(self.free), path, greedy):
            return path
        return None

    def _dfs(self, nxt, rdy, src, cfree, path, greedy) -> bool:
        self.left -= 1
        items = self.items
        cand = []
        fmin = _INF
        for i, it in enumerate(items):
            layer = nxt[i]
            costs = it.costs
            if layer >= len(costs.latency_s):
                continue
            lat, move, rem = costs.latency_s[layer], costs.chain_move_s, costs.rem_min_s
            dl = it.deadline - rem[layer + 1]  # this layer's end that keeps the job in time
            n0 = len(cand)
            for a in range(len(cfree)):
                s = cfree[a] if cfree[a] > rdy[i] else rdy[i]
                f = s + lat[a] + (move[layer] if move and src[i] >= 0 and src[i] != a else 0.0)
                if f <= dl:
                    cand.append((it.deadline, f, s, i, a))
                    if f < fmin:
                        fmin = f
            if len(cand) == n0:  # the job can no longer end in time
                if greedy:  # the greedy pass: a miss, it carries on without the job
                    self.greedy_misses += 1
                    nxt[i] = len(costs.latency_s)
                    return self._dfs(nxt, rdy, src, cfree, path, greedy)
                return False
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
            if self._dfs(nxt, rdy, src, cfree, path, greedy) or greedy:
                return True
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
