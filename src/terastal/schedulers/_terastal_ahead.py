"""Known releases in the core choice: a layer leaves the fast core to a job about to arrive.

A periodic task's next job is released no earlier than ``phase + frame / fps`` (its jitter
only delays it), and the task set declares that timing: a policy may use it without knowing
any random draw. :func:`ahead_core` (docs/design.md, "Known releases in the core choice") is
the yield of :mod:`terastal.schedulers._terastal_core` for a layer whose fast core is *idle*:
the layer takes an idle slower core instead when a job of another task may be released
before the layer would end on the fast core, that job needs the fast core ``need`` times more
than the layer's job (slow-core penalty over slack, at its release), and the layer's job
still ends in time staying on the slower core. With the same test against a release *sure* to
come while the layer runs (jitter included), :func:`blocks_release` makes the group search
leave a planned layer to the rules (``group_ahead``) and :func:`hold_core` holds a layer for a
busy core that frees soon (``hold_ratio``; docs/design.md, "Known releases under the group
search").
"""

from __future__ import annotations

from terastal.schedulers._terastal_core import (
    keep_waiting,
    need,
    need_ratio,
    slower_idle,
    yield_core,
)
from terastal.schedulers._terastal_map import earliest_free, layer_starts

_INF = float("inf")


class Releases:
    """Per task, the earliest release of its next job and its need of each core pair then.

    ``need0[t][a][b]``: the need of a fresh job of task ``t`` for core ``a`` against ``b``
    (what running all of it on ``b`` adds, over its relative deadline less its time on
    ``a``; ``-1`` if ``b`` is no slower, ``inf`` without slack). Cascaded tasks (released by
    another job's completion) and DAG tasks have none: they are never looked at. ``seen``:
    per task, the highest frame known released (:meth:`saw`: the ended jobs as they end,
    the active ones when the rule looks).
    """

    __slots__ = (
        "close", "first", "horizon", "jitter", "need0", "period", "seen", "slack0", "slow",
        "sure", "tasks",
    )  # fmt: skip

    def __init__(self, costs, fits, num_accelerators: int, slow: float, horizon: float) -> None:
        n = len(costs)
        self.horizon = horizon
        self.slow = slow
        self.seen = [-1] * n
        self.first = [0.0] * n
        self.period = [0.0] * n
        self.need0 = [None] * n
        self.slack0 = [0.0] * n
        self.jitter = [c.task.jitter_s for c in costs]
        self.sure: list | None = None  # (latest release, task) of the next jobs (:meth:`latest`)
        self.tasks: list[int] = []  # the periodic chain tasks, looked at by the rule
        # per task and layer: a core within ``slow`` x of another (equal included) where the
        # job's rest takes longer (else the rule has nothing to weigh)
        self.close = [_close(c.lat, fits[t].rem_on, slow) for t, c in enumerate(costs)]
        cores = range(num_accelerators)
        for t, c in enumerate(costs):
            task, rem_on = c.task, fits[t].rem_on
            self.first[t], self.period[t] = task.phase_s, task.period_s
            if rem_on is None or task.depends_on is not None:
                continue
            d = task.relative_deadline_s
            self.need0[t] = [
                [need_ratio(rem_on[a][0], rem_on[b][0], d) for b in cores] for a in cores
            ]
            self.slack0[t] = d - min(rem_on[a][0] for a in cores)
            self.tasks.append(t)

    def saw(self, jobs) -> None:
        """Note the frames of ``jobs`` as released (the active ones, and each as it ends)."""
        seen = self.seen
        for job in jobs:
            t = job.task_index
            if job.frame > seen[t]:
                seen[t] = job.frame
                self.sure = None

    def latest(self, active) -> list:
        """``(latest release, task)`` of each task's next job not known released (jitter
        included), soonest first, once the frames of the ``active`` jobs are noted (rebuilt
        only when a frame is)."""
        self.saw(active)
        if self.sure is None:
            jitter = self.jitter
            self.sure = sorted((self.next_release(t) + jitter[t], t) for t in self.tasks)
        return self.sure

    def next_release(self, t: int) -> float:
        """The earliest release of task ``t``'s next job not known released."""
        return self.first[t] + (self.seen[t] + 1) * self.period[t]

    def coming(self, skip: int, a: int, b: int, until: float, active=()) -> float:
        """The largest need of ``a`` against ``b`` among the next jobs of tasks other than
        ``skip`` that may be released before ``until`` (``-1``: none), once the frames of the
        ``active`` jobs are noted (:meth:`saw`)."""
        self.saw(active)
        most = -1.0
        for t in self.tasks:
            if t == skip:
                continue
            release = self.next_release(t)
            if release < until and release < self.horizon:
                most = max(most, self.need0[t][a][b])
        return most


def _close(lat, rem_on, slow) -> list[bool]:
    if rem_on is None:
        return [False] * len(lat)
    cores = range(len(rem_on))
    return [
        any(row[a] <= row[b] <= row[a] * slow and rem_on[b][i] > rem_on[a][i]
            for a in cores for b in cores)
        for i, row in enumerate(lat)
    ]  # fmt: skip


def ahead_core(rel, need_x, window, rem_on, job, layer, lat, a, starts, idle, vde, now, active):
    """An idle core ``b`` other than the idle ``a`` for ``job``'s ``layer``, if a job of
    another task may be released before ``window`` x the layer's time on ``a`` has passed and
    needs ``a`` more than ``need_x`` x as much as ``job``: ``(b, finish)``, or ``(-1, 0.0)``.

    ``b``: the idle core where the layer ends first among those at most ``slow`` x slower for
    it where the job's rest takes longer (a job that loses nothing on ``b`` gives the need no
    ratio to weigh: it is left to the mapping), when the layer meets ``vde`` there and the
    job its deadline staying there. ``active``: the jobs released and not ended.
    """
    b, f_b = slower_idle(rem_on, layer, lat, a, starts, idle, vde, job.deadline, rel.slow, True)
    if b < 0:
        return -1, 0.0
    theirs = rel.coming(job.task_index, a, b, starts[a] + lat[a] * window, active)
    if theirs <= 0.0:
        return -1, 0.0
    if theirs > need(rem_on, job, layer, a, b, now) * need_x:
        return b, f_b
    return -1, 0.0


def hold_core(rel, ratio, need_x, rem_on, job, layer, lat, a, f, starts, idle, vde, now, active):
    """A busy core ``b`` for ``job``'s ``layer`` to wait for rather than run on the idle ``a``
    (ending at ``f`` there), if a job of another task may be released before ``f`` and needs
    ``a`` more than ``need_x`` x as much as ``job`` needs ``a`` against ``b``: ``(b, finish)``,
    or ``(-1, 0.0)``.

    ``b``: the busy core where the layer ends first, when it meets ``vde`` there and its time
    from ``now`` to that end is at most ``ratio`` x its time to ``f`` (docs/design.md, "Known
    releases under the group search", option ``hold_ratio``).
    """
    b, f_b, most = -1, _INF, ratio * (f - now)
    for c in range(len(starts)):
        if c != a and not idle[c]:
            fc = starts[c] + lat[c]
            if fc <= vde and fc - now <= most and fc < f_b:
                b, f_b = c, fc
    if b >= 0 and _needed(rel, job, rem_on, layer, a, b, f, need_x, now, active):
        return b, f_b
    return -1, 0.0


def _needed(rel, job, rem_on, layer, a, b, f, need_x, now, active) -> bool:
    """Whether the next job of a task other than ``job``'s, sure to be released before ``f``
    (its latest release, jitter included), needs ``a`` against ``b`` more than ``need_x`` x as
    much as ``job`` does."""
    skip, most = job.task_index, -1.0
    for release, t in rel.latest(active):
        if release >= f:
            break
        # a latest release already past with the job unseen: it will not come (the releases
        # ended); waiting for it would hold the core with nothing left to wake the policy
        if t != skip and release >= now:
            most = max(most, rel.need0[t][a][b])
    return most > 0.0 and most > need(rem_on, job, layer, a, b, now) * need_x


def blocks_release(pol, view, job, layer, a) -> bool:
    """Whether ``job``'s ``layer``, planned by the group search on the idle core ``a``, would
    still run there when the next job of another task may be released, and that job needs
    ``a`` against some other core more than ``yield_need`` x as much as ``job``
    (:func:`_needed`; docs/design.md, "Known releases under the group search")."""
    rel = pol._ahead
    if rel is None:
        return False
    now, active = view.now, view.active_jobs
    end = now + job.costs.latency_s[layer][a]
    sure = rel.latest(active)
    rem_on = pol._fits[job.task_index].rem_on
    if not sure or sure[0][0] >= end or rem_on is None:
        return False  # (the usual case: no release sure to come while the layer runs)
    return any(
        b != a and _needed(rel, job, rem_on, layer, a, b, end, pol.yield_need, now, active)
        for b in range(view.num_accelerators)
    )


def ahead_state(pol, view) -> tuple:
    """The policy's :class:`Releases` (``None`` when ``lookahead`` is 0 or no task is a
    periodic chain) and, per task and layer, whether :func:`pay_core` may move it (the
    yield's ``CoreFit.near``, :attr:`Releases.close`, or any layer with ``hold_ratio``)."""
    fits = pol._fits
    rel = None
    if pol.lookahead > 0:
        n, h = view.num_accelerators, view.horizon_s
        rel = Releases(view.costs, fits, n, pol.slow_ratio, h)
        if not rel.tasks:
            rel = None  # no periodic chain task: the rules could never act
    hold = rel is not None and pol.hold_ratio > 0.0
    pays = [
        [bool(pol.core_yield and near) or hold or (rel is not None and rel.close[t][i])
         for i, near in enumerate(fit.near)]
        for t, fit in enumerate(fits)
    ]  # fmt: skip
    pol._held = (-1.0, set())  # (when, jobs): layers held for a busy core in that call
    return rel, pays


def pay_core(pol, order, pos, job, layer, st, a, f, vde, src, move, free, idle) -> tuple:
    """Terastal's choice ``(a, f)`` for a chain ``layer`` meeting ``vde``, or a slower idle
    core this job should pay for: :func:`~terastal.schedulers._terastal_core.yield_core` when
    ``a`` is busy, :func:`ahead_core` when it is idle (``pol``: the policy's state)."""
    fit = pol._fits[job.task_index]
    if fit.rem_on is None:
        return a, f
    if idle[a]:
        rel = pol._ahead
        if rel is None or (pol._over is not None and pol._over.over):
            return a, f  # (under overload jobs wait anyway)
        close = rel.close[job.task_index][layer]
        hold = pol.hold_ratio > 0.0 and not all(idle)
        if not (close or hold):
            return a, f  # neither rule can move it: no start times to compute
        starts = layer_starts(job, layer, src, move, free, None)
        b = -1
        if close:
            b, f_b = ahead_core(
                rel, pol.yield_need, pol.lookahead, fit.rem_on, job, layer, st.lat[layer], a,
                starts, idle, vde, pol._now, pol._view.active_jobs,
            )  # fmt: skip
        if b < 0 and hold:
            b, f_b = hold_core(
                rel, pol.hold_ratio, pol.yield_need, fit.rem_on, job, layer, st.lat[layer], a, f,
                starts, idle, vde, pol._now, pol._view.active_jobs,
            )  # fmt: skip
        if b >= 0 and not idle[b]:  # held: the spare cores' pass leaves it waiting
            if pol._held[0] != pol._now:
                pol._held = (pol._now, set())
            pol._held[1].add(job)
    elif pol.core_yield and fit.near[layer]:
        # about to wait for a busy core: should an idle slower one be this job's?
        starts = layer_starts(job, layer, src, move, free, None)
        b, f_b = yield_core(
            pol._rule, pol._fits, order, pos, pol._on, job, layer, st, a, starts, idle, vde,
            pol._now,
        )  # fmt: skip
    else:
        return a, f
    return (b, f_b) if b >= 0 else (a, f)


def ahead_wait(rel, job, layer, st, b, f, f_wait, free, now, active) -> bool:
    """Whether ``job``'s ``layer``, waiting for a busy core (ending at ``f_wait`` there),
    should leave the spare core ``b`` (where it would end at ``f``) to the next job of another
    task: one that may be released before ``f`` and could not wait, from its earliest release,
    for ``b`` or for any other core to free (its relative deadline less its best time), when
    the job itself still ends in time at best after waiting (``active``: as in
    :func:`ahead_core`)."""
    rem = st.rem_best
    if f_wait + (rem[layer + 1] if layer + 1 < len(rem) else 0.0) > job.deadline:
        return False
    other = earliest_free(free, b, f)
    if not _rushed(rel, job.task_index, f, other, now):
        return False
    rel.saw(active)  # the frames known out only grow: read the active jobs for a candidate
    return _rushed(rel, job.task_index, f, other, now)


def _rushed(rel, skip: int, f: float, other: float, now: float) -> bool:
    """Whether the next job of a task other than ``skip`` may be released before ``f`` and
    could not wait, from its earliest release, until ``other``."""
    for t in rel.tasks:
        if t != skip:
            release = rel.next_release(t)
            if release < f and release < rel.horizon and max(release, now) + rel.slack0[t] < other:
                return True
    return False


def keep_core(pol, job, layer, st, b, f, f_wait, idle, free) -> bool:
    """Whether a layer waiting for a busy core should not take the spare core ``b`` after
    all: the job on a faster core should pay for ``b`` (``spare_fit``,
    :func:`~terastal.schedulers._terastal_core.keep_waiting`), or a job about to be released
    needs it (:func:`ahead_wait`)."""
    now = pol._now
    if pol._held[0] == now and job in pol._held[1]:
        return True  # held for its busy core (hold_core)
    if (
        pol.spare_fit
        and pol._fits[job.task_index].near[layer]
        and keep_waiting(
            pol._rule, pol._fits, pol._on, job, layer, st, b, f, f_wait, idle, free, now
        )
    ):
        return True
    rel = pol._ahead
    return rel is not None and ahead_wait(
        rel, job, layer, st, b, f, f_wait, free, now, pol._view.active_jobs
    )
