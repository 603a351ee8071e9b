"""Which job a conflict sacrifices: by the metric's weight of a frame, not by laxity alone.

The metric is the mean over models of each model's miss rate: a frame of a model counts
``1 / its frames``, so a frame of a rare model (a cascaded child triggered on a third of its
parent's frames, say) is worth several frames of a frequent one. The long-job rule (option
``laxity_above``: a job whose best case left is above that share of its relative deadline
sorts by least laxity, deadline less that best case) lets a long job of a frequent model
overtake a rare model's job due earlier; when both need the same core and cannot both end in
time, the rare job is the one dropped as hopeless, after its work was spent.

The rule (option ``value_yield``, :class:`ValueYield`): such a long job leaves its turn to a
job later in the order that is due before it and whose model is released ``value_yield`` x
less often (each of its frames weighs that much more), when the two conflict. Decided when
a long job's layer is about to take an idle core, by one pass over the jobs after it in the
order; a run with no two models ``value_yield`` x apart in rate pays nothing.
Reasons, forms tried and measurements: ``docs/design.md``, "Which job a conflict sacrifices".
"""

from __future__ import annotations

from typing import Any

from terastal.schedulers import _terastal_admit
from terastal.schedulers.options import Option

#: The options of the rule, merged into ``Terastal.options``.
OPTIONS: dict[str, Any] = {
    "value_yield": Option(1.5, lo=0.0),
}


def apply(sched, view) -> tuple[list[float] | None, list[bool]]:
    """At reset of ``sched`` (a Terastal, task states made): its metric weights
    (:func:`~terastal.schedulers._terastal_admit.metric_weights`, returned) and its
    :class:`ValueYield` (``sched._value``, ``None`` when off); with ``admit_running="core"``
    the cores each task's rest needs (``sched._need``,
    :func:`~terastal.schedulers._terastal_admit.core_needs`)."""
    sched._value = ValueYield.make(sched, view)
    core = sched.admit_running in ("core", "need")
    sched._need = _terastal_admit.core_needs(sched._tasks) if core else None
    return _terastal_admit.metric_weights(sched, view)


class ValueYield:
    """Option ``value_yield`` (ratio ``k``; 0: off): a job whose layer is long (its best
    case left above ``laxity_above`` x its relative deadline: the order keys it by least
    laxity) leaves its turn to a job later in the order that is due before it, of a model
    released ``k`` x less often or less (each of its frames weighs ``k`` x more in the
    metric), when the two conflict: the later job can still end in time now, but on no core
    other than the one where the first job's work left is least, nor on that one after the
    first job's long layers (those it runs ahead by laxity; after them its key is its
    deadline, and the later job, due first, goes ahead). Work on a core: the layers'
    latencies there (a DAG's best case left, on every core)."""

    __slots__ = ("ahead", "k", "lax", "low", "rates", "rem_on")

    def __init__(self, lax: list[list[bool]], rates: list[float], k: float,
                 rem_on: list[list[list[float]]]) -> None:  # fmt: skip
        self.lax = lax  # per task and layer, whether its key is the long-job rule's
        self.rates = rates  # per task, releases per second
        self.k = k
        self.low = k * min(rates)  # a job of a model released less often weighs no k x more
        self.rem_on = rem_on  # per task, layer and core: the work left, all on that core
        # per task, layer and core: the work of the long layers from this one on
        self.ahead = [_long_part(f, on) for f, on in zip(lax, rem_on, strict=True)]

    @staticmethod
    def make(sched, view) -> ValueYield | None:
        """The rule of ``sched`` (a Terastal, task states made), or ``None`` when it is off
        or no model weighs ``k`` x another."""
        k = sched.value_yield
        if not k or sched.priority != "deadline" or not sched.laxity_above:
            return None
        rates = _terastal_admit.task_rates(view.costs)
        if not rates or max(rates) < k * min(rates):
            return None
        lax, rem_on = [], []
        cores = view.num_accelerators
        for c, st in zip(view.costs, sched._tasks, strict=True):
            bar = sched.laxity_above * c.task.relative_deadline_s
            lax.append([r > bar for r in st.rem_best])
            rem_on.append(_rem_on(st, cores))
        return ValueYield(lax, rates, k, rem_on)

    def gives_way(self, order: list[tuple], pos: int, now: float) -> bool:
        """Whether the job of ``order[pos]`` leaves its turn (see the class)."""
        x = order[pos]
        ti = x[2]._costs.index
        rates = self.rates
        rate = rates[ti]
        if rate < self.low or not self.lax[ti][x[3]]:
            return False  # nobody weighs k x more, or its key is its deadline (plain EDF)
        x_dl, k = x[6], self.k
        c = _least(self.rem_on[ti][x[3]])
        x_ahead = self.ahead[ti][x[3]][c]
        for i in range(pos + 1, len(order)):
            s = order[i]
            dl = s[6]
            tj = s[2]._costs.index
            if dl >= x_dl or rates[tj] * k > rate or now + s[5] > dl:
                continue  # due later, weighs less than k x more, or hopeless already
            theirs = self.rem_on[tj][s[3]]
            if now + x_ahead + theirs[c] <= dl:
                continue  # in time after the long job's long layers
            if all(now + theirs[b] > dl for b in range(len(theirs)) if b != c):
                return True
        return False


def _least(values: list[float]) -> int:
    best = 0
    for i in range(1, len(values)):
        if values[i] < values[best]:
            best = i
    return best


def _rem_on(st, cores: int) -> list[list[float]]:
    """Per layer of task state ``st``, its chain's work left if every layer ran on each core
    (originals); a DAG: its best case left on every core."""
    if not st.chain:
        return [[r] * cores for r in st.rem_best]
    out, acc = [], [0.0] * cores
    for row in reversed(st.lat):
        acc = [acc[a] + row[a] for a in range(cores)]
        out.append(acc)
    out.reverse()
    return out


def _long_part(flags: list[bool], rem_on: list[list[float]]) -> list[list[float]]:
    """Per long layer (``flags``) and core, the work left on that core (``rem_on``) up to
    the first layer that is not long (along a chain the best case left falls: the long
    layers come first); 0 for the others."""
    if not rem_on:
        return []
    end = flags.index(False) if False in flags else len(flags)
    tail = rem_on[end] if end < len(rem_on) else [0.0] * len(rem_on[0])
    return [
        [a - b for a, b in zip(row, tail, strict=True)] if i < end else [0.0] * len(row)
        for i, row in enumerate(rem_on)
    ]
