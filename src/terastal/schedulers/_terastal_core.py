"""Which job pays for a slower core: Terastal's core choice between competing jobs.

The mapping (:mod:`terastal.schedulers._terastal_map`) looks at one layer at a time: a layer
goes to its home (the fastest class) when that meets its virtual deadline, waiting for it if
it is busy, and a core nobody chose goes to a waiting layer when the layer ends earlier there.
Neither asks which of two jobs that want the fast core should run on the slower one. Both
rules here (docs/design.md, "Which job pays for the slow core") compare the jobs' *need* of
the fast core ``a`` against a slower core ``b``: what running the rest of the job on ``b``
adds to running it on ``a`` (``CoreFit.rem_on``), over the job's slack on ``a``.

- :func:`yield_core`: a layer about to wait for its busy fast core takes an idle slower core
  instead when the job still ends in time there (its layer by its virtual deadline, the whole
  job by its deadline if it stays there), and a job behind it in the order, or one running
  now, needs the fast core ``need`` times more.
- :func:`keep_waiting`: a layer waiting for a busy core does not take a spare slower core
  when the job would not end in time staying there, the move gains less than the layer loses
  there, and the job now on a faster core could pay for ``b`` (it needs its core less and
  fits its deadline on ``b``).

Both consider a slower core only when the layer's latency there is at most ``slow`` times
that on the faster one: a job pays a small slowdown, never a large one.
"""

from __future__ import annotations

from typing import NamedTuple

_INF = float("inf")


class CoreRule(NamedTuple):
    """The rules' settings (Terastal's options ``core_yield``, ``yield_need``, ``slow_ratio``)."""

    look: int  # order entries behind a job examined for a competitor (0: yield off)
    need: float  # a competitor needs the fast core this many times more than the job
    slow: float  # a slower core is considered up to this latency ratio for the layer


class CoreFit:
    """Per task: ``rem_on[a][i]``, the time of layers ``i..`` run one after the other on ``a``.

    Exact for a chain that stays on ``a`` (no moves); ``None`` for a DAG task (the rules
    leave its layers alone). ``near[i]``: whether layer ``i`` has a core slower than another
    by at most ``slow`` x (else the rules have nothing to weigh for it; all ``False`` for a
    DAG task).
    """

    __slots__ = ("near", "rem_on")

    def __init__(self, costs, num_accelerators: int, slow: float = 1.0) -> None:
        self.rem_on = None
        lat = costs.lat
        self.near = [False] * len(lat)
        if not costs.is_chain:
            return
        self.near = [any(x < y <= x * slow for x in row for y in row) for row in lat]
        rem_on = []
        for a in range(num_accelerators):
            acc, suffix = 0.0, [0.0] * (len(lat) + 1)
            for i in range(len(lat) - 1, -1, -1):
                acc += lat[i][a]
                suffix[i] = acc
            rem_on.append(suffix)
        self.rem_on = rem_on


def need_ratio(on_a, on_b, time_left) -> float:
    """The need of core ``a`` rather than ``b`` of work taking ``on_a`` there and ``on_b`` on
    ``b`` with ``time_left`` to its deadline: what ``b`` adds, over the slack on ``a`` (``inf``
    without slack; ``-1`` if ``b`` is no slower)."""
    pen = on_b - on_a
    if pen <= 0.0:
        return -1.0
    slack = time_left - on_a
    return pen / slack if slack > 0.0 else _INF


def need(rem_on, job, layer, a, b, now) -> float:
    """How much ``job`` (next ``layer``) needs core ``a`` rather than ``b``: what running its
    rest on ``b`` adds, over its slack on ``a`` (:func:`need_ratio`)."""
    return need_ratio(rem_on[a][layer], rem_on[b][layer], job.deadline - now)


def slower_idle(rem_on, layer, lat, a, starts, idle, vde, deadline, slow, equal):
    """The idle core other than ``a`` where ``layer`` (latencies ``lat``) ends first among
    those slower than ``a`` for it by at most ``slow`` x (``equal``: or as fast, and then
    only where the job's rest takes longer than on ``a``), when the layer meets ``vde``
    there and the job its ``deadline`` staying there: ``(b, finish)``, or ``(-1, inf)``."""
    la = lat[a]
    b, f_b = -1, _INF
    for c in range(len(starts)):
        if c == a or not idle[c]:
            continue
        if equal:
            if not (la <= lat[c] <= la * slow and rem_on[c][layer] > rem_on[a][layer]):
                continue
        elif not la < lat[c] <= la * slow:
            continue
        f = starts[c] + lat[c]
        if f <= vde and f < f_b and starts[c] + rem_on[c][layer] <= deadline:
            b, f_b = c, f
    return b, f_b


def _next_of(fits, run, job):
    """The ``rem_on`` table and next layer of the job in ``run`` (``(job, layer)`` a core
    runs), or ``(None, 0)`` if it is ``job`` itself, a DAG job or at its last layer."""
    other, kl = run
    r = fits[other.task_index].rem_on
    if r is None or other is job or kl + 1 >= len(r[0]) - 1:
        return None, 0
    return r, kl + 1


def yield_core(rule, fits, order, i, running, job, layer, st, a, starts, idle, vde, now):
    """An idle core slower than the busy ``a`` for ``job``'s ``layer``, if it should take it.

    ``fits``: the tasks' :class:`CoreFit`; ``order[i]`` is the job's entry; ``running``: per
    core, the ``(job, layer)`` it runs (or ran last; only busy cores are read). Returns
    ``(b, finish)``, or ``(-1, 0.0)`` to keep ``a``.
    """
    rem_on = fits[job.task_index].rem_on
    if rem_on is None or idle[a]:
        return -1, 0.0
    b, f_b = slower_idle(
        rem_on, layer, st.lat[layer], a, starts, idle, vde, job.deadline, rule.slow, False
    )
    if b < 0:
        return -1, 0.0
    mine = need(rem_on, job, layer, a, b, now) * rule.need
    for k in range(i + 1, min(len(order), i + 1 + rule.look)):
        entry = order[k]
        other = entry[2]
        r = fits[other.task_index].rem_on
        if r is not None and other is not job and need(r, other, entry[3], a, b, now) > mine:
            return b, f_b  # it needs the fast core more: this job pays for the slow one
    for c in range(len(running)):
        if running[c] is not None and not idle[c]:
            r, kl = _next_of(fits, running[c], job)
            if r is not None and need(r, running[c][0], kl, a, b, now) > mine:
                return b, f_b
    return -1, 0.0


def keep_waiting(rule, fits, running, job, layer, st, b, f_b, f_wait, idle, free, now) -> bool:
    """Whether ``job``'s ``layer``, waiting for a busy core (ending at ``f_wait`` there),
    should not take the spare core ``b`` (ending at ``f_b``) after all."""
    rem_on = fits[job.task_index].rem_on
    lat = st.lat[layer]
    lb = lat[b]
    if rem_on is None or f_b - lb + rem_on[b][layer] <= job.deadline:
        return False  # the job ends in time staying on b
    if f_wait - f_b >= lb - min(lat):
        return False  # the move gains at least what the layer loses on b
    for c in range(len(running)):
        if running[c] is None or idle[c] or not lat[c] < lb <= lat[c] * rule.slow:
            continue
        r, kl = _next_of(fits, running[c], job)
        if r is None:
            continue
        other = running[c][0]
        theirs = need(r, other, kl, c, b, now)
        if 0.0 <= theirs < need(rem_on, job, layer, c, b, now) and (
            free[c] + r[b][kl] <= other.deadline
        ):
            return True  # the job on c needs it less and fits on b: it pays for b
    return False
