"""Terastal's admission under overload: a job starts only if it fits behind the started jobs.

Under overload with commit (``_terastal_guards.OverloadDetector``, option
``overload_commit``) every started job sorts ahead of every job not started, so a fresh job's
layers run only where the started ones leave room. The hopeless test (with ``start_slack``)
checks a fresh job against its own best case alone: it starts, its layers are interleaved with
the started jobs', it falls behind and is dropped half done, and the core time it took is
lost (on ``vr_plus`` / Dual_4K/WS_OS at U 1.0, a fifth of the fast core's time went to jobs
that missed).

The rule (option ``admit``): while the order puts started jobs first, a job none of whose
layers has started is dropped once ``now + its best case left (with start_slack) + admit x
wait`` passes its deadline. ``wait`` is when the started jobs ahead of it leave a core free:
``"lanes"`` (default) gives each core a lane from its free time and adds each started job's
best case left to the earliest lane (a chain job holds one core at a time), the wait is the
earliest lane; ``"spread"`` spreads their best case left over every core. A model missing more
than ``admit_fair`` x the mean of the models' miss rates so far is exempt, so that the test
sheds load without starving one model (0: none exempt).

``admit_value`` weighs the wait by what a frame of the model is worth to the metric (the mean
over models of each model's miss rate): a model's frame counts ``1 / its releases``, so per
second of core time a frame of a model that loads the cores less is worth more. The test's
factor for a model is ``admit x min(1, (its load / the mean load over models) **
admit_value)``, its load being its release rate times its best case (0: one factor for all).
``admit_running`` ``"ahead"`` (default ``"off"``: it was better on the bundled suite and
worse on the random mixes, ``docs/design.md``) adds to a core's lane the best case left after the
layer a chain job is running there: the job sorts ahead of every fresh one (it has started)
and its next layers follow, so the core's free time alone underestimates the wait. A kept
hopeless cascade parent (``Terastal._late``) is left out: it sorts behind every fresh job and
takes a core only when none wants it. ``"all"`` counts it too; ``"off"`` counts no running
job's rest. ``"core"`` counts as ``ahead`` but per core class: each started job's best case
left goes to the earliest lane of the cores its rest needs (:func:`core_needs`: the home class
holding most of its best-case work from its next layer on; a running job's to its own core's
lane when that is one of them), and a fresh job waits for the earliest lane; ``"need"`` makes a
fresh job wait for the earliest lane of the cores its own rest needs. Both off by default:
``core`` helps the bundled suite and costs development draws, ``need`` refuses too much
(``docs/design.md``, "The admission wait by core class").
Reasons and measurements: ``docs/design.md``, "Admission under overload", "Admission by the
metric's weights" and "The running jobs' rest in the admission wait".
"""

from __future__ import annotations

from typing import Any

from terastal.model import release_rates
from terastal.schedulers.options import Option

#: The options of the rule, merged into ``Terastal.options``.
OPTIONS: dict[str, Any] = {
    "admit": Option(2.0, lo=0.0),
    "admit_fair": Option(2.5, lo=0.0),
    "admit_form": Option("lanes", choices=("lanes", "spread")),
    "admit_running": Option("off", choices=("off", "ahead", "all", "core", "need")),
    "admit_value": Option(1.0, lo=0.0),
}


class Admission:
    """One call's admission test: the started jobs' lanes and the exempt models (worked out
    at the first fresh job that would wait: most calls never need them).

    Reads the job's slots (``done_count``, ``running_count``, ``task_index``): compiled, C
    members of the Job's struct (_terastal_admit.pxd, model/job.pxd), called at C level from
    ``Terastal.decide``, once per kept job of every call under overload."""

    __slots__ = ("exempt", "factor", "fresh", "lanes", "need", "sched", "wait_s", "weight")

    def __init__(self, factor: float, lanes: list[float], exempt: list[bool] | None = None,
                 sched=None, weight: list[float] | None = None,
                 need: list[list[tuple]] | None = None, fresh: bool = False) -> None:  # fmt: skip
        self.factor, self.lanes, self.exempt, self.sched = factor, lanes, exempt, sched
        self.weight = weight  # per task, a factor on the wait (value_weights), or None
        # per task and layer, the cores its rest needs (core_needs), or None: any core
        self.need = need
        # whether a fresh job waits for the cores it needs (else for any core)
        self.fresh = fresh and need is not None
        self.wait_s = 0.0
        self._bound()

    def _bound(self) -> None:
        # the wait of every fresh job, or (fresh) a bound of it: zero, nobody waits
        self.wait_s = self.factor * (max(self.lanes) if self.fresh else min(self.lanes))

    def wait(self, job) -> float:
        """How long ``job`` waits for the started jobs ahead of it, times the factor: 0 for a
        started job (the hopeless test alone decides for it) or one of an exempt model."""
        if job._done or job._running or not self.wait_s:
            return 0.0
        exempt = self.exempt
        if exempt is None:
            exempt = self.exempt = _exempt(self.sched)
        if exempt and exempt[job._costs.index]:
            return 0.0
        wait = self.wait_s
        if self.fresh:
            wait = self.factor * _low(self.lanes, self.need[job._costs.index][0])
        if self.weight is not None:
            return wait * self.weight[job._costs.index]
        return wait

    def take(self, job, rem: float) -> float:
        """A kept job ahead of the rest: a started one's best case left ``rem`` takes the
        earliest lane. Returns ``rem``."""
        if job._done or job._running:
            lanes = self.lanes
            if self.need is not None:
                # the earliest lane of the cores its rest needs (a DAG's count of done
                # layers stands for its next layer)
                need = self.need[job._costs.index]
                cores = need[min(job._done, len(need) - 1)]
                i = _earliest_of(lanes, cores)
                lanes[i] = lanes[i] + rem
                self._bound()
                return rem
            i = _earliest(lanes)
            lanes[i] = lanes[i] + rem
            self.wait_s = self.factor * lanes[_earliest(lanes)]
        return rem


def _earliest(lanes: list[float]) -> int:
    """Index of the first of the lowest ``lanes``, as ``lanes.index(min(lanes))`` (a loop:
    compiled, ``min`` parses its keyword arguments on every call)."""
    best = 0
    for i in range(1, len(lanes)):
        if lanes[i] < lanes[best]:
            best = i
    return best


def _earliest_of(lanes: list[float], cores: tuple) -> int:
    """Index of the first of the lowest ``lanes`` among ``cores`` (in their order)."""
    best = cores[0]
    for i in cores:
        if lanes[i] < lanes[best]:
            best = i
    return best


def _low(lanes: list[float], cores: tuple) -> float:
    """The lowest of ``lanes`` among ``cores``."""
    return lanes[_earliest_of(lanes, cores)]


def core_needs(tasks, mode: str = "core") -> list[list[tuple]] | None:
    """Per task state and layer ``i``, the cores the job's rest from ``i`` needs: of the
    layers' home classes (``TaskState.home``), the one whose layers ``i..`` take the most
    best-case time (``min_opt``; the first of equals, from the end). ``None`` unless ``mode``
    (option ``admit_running``) is ``"core"`` or ``"need"``: the wait then uses any core."""
    if mode not in ("core", "need"):
        return None
    out = []
    for st in tasks:
        acc: dict[tuple, float] = {}
        need: list[tuple] = [()] * len(st.home)
        top = None
        for i in range(len(st.home) - 1, -1, -1):
            h = st.home[i]
            acc[h] = acc.get(h, 0.0) + st.min_opt[i]
            if top is None or acc[h] > acc[top]:
                top = h
            need[i] = top
        out.append(need)
    return out


def _exempt(sched) -> list[bool]:
    """Per task, whether its model misses more than ``admit_fair`` x the mean of the models'
    miss rates so far (the fairness guard's counts); ``[]``: nobody is exempt."""
    fair, ratio = None if sched is None else sched._fair, 0.0 if sched is None else sched.admit_fair
    if fair is None or not ratio:
        return []
    rates = [m / e if e else 0.0 for m, e in zip(fair.missed, fair.ended, strict=True)]
    bar = ratio * sum(rates) / len(rates)
    return [r > bar for r in rates]


def admission(sched, ahead_all: bool, free: list[float], now: float) -> Admission | None:
    """This call's :class:`Admission` of ``sched`` (a Terastal), or ``None`` when the order
    does not put started jobs first (``ahead_all`` false) or the rule is off."""
    if not ahead_all or not sched.admit:
        return None
    if sched.admit_form == "lanes":
        factor, lanes = sched.admit, [f - now for f in free]
    else:
        factor, lanes = sched.admit / len(free), [0.0]
    mode = sched.admit_running
    need = sched._need if mode in ("core", "need") and len(lanes) > 1 else None
    if mode != "off":
        # a chain job running a layer: the rest of it follows on that core's lane, unless
        # (``ahead``, ``core``) it is a kept hopeless parent, which sorts behind every fresh job
        tasks, one = sched._tasks, len(lanes) == 1
        late = sched._late if mode != "all" else ()
        for a, on in enumerate(sched._on):
            if on is not None and free[a] > now and not on[0].finished and on[0] not in late:
                st, nxt = tasks[on[0].task_index], on[1] + 1
                rest = st.rem_best[nxt] if st.chain and nxt < len(st.rem_best) else 0.0
                if need is not None and rest and a not in need[on[0].task_index][nxt]:
                    # ``core``: its rest needs other cores; the earliest of their lanes
                    lanes[_earliest_of(lanes, need[on[0].task_index][nxt])] += rest
                else:
                    lanes[0 if one else a] += rest
    return Admission(factor, lanes, None, sched, sched._admit_w, need, mode == "need")


def value_weights(loads: list[float], power: float) -> list[float] | None:
    """Per task, the weight of its admission wait: its load (:func:`task_loads`) over the
    mean load of the run's tasks, to the ``power``, at most 1 (``None`` when ``power`` is 0
    or no task loads anything: one factor for all).

    The metric counts a frame of a model as ``1 / its releases``; per second of core time a
    frame of a model that loads the cores ``k`` x the mean is worth ``1 / k`` of the mean's."""
    mean = _mean(loads)
    if not power or mean <= 0.0:
        return None
    # a model loading the cores less than the mean waits less; none waits more than the
    # factor says (weights above 1 starved the heavier model: docs/design.md)
    return [min(1.0, (x / mean) ** power) for x in loads]


def task_rates(costs) -> list[float]:
    """Per task (``view.costs`` order), its expected releases per second
    (:func:`terastal.model.release_rates`): a frame weighs ``1 / rate`` in the metric."""
    return list(release_rates(c.task for c in costs).values())


def task_loads(costs, rem_best: list[float]) -> list[float]:
    """Per task, the load it puts on the cores at best: its expected releases per second
    (:func:`task_rates`) times ``rem_best``, its job's best case."""
    return [r * b for r, b in zip(task_rates(costs), rem_best, strict=True)]


def light_tasks(loads: list[float]) -> list[bool]:
    """Per task, whether its load (:func:`task_loads`) is below the mean of the run's tasks:
    per second of core time its frames count more in the mean over models of each model's
    miss rate."""
    mean = _mean(loads)
    return [x < mean for x in loads]


def _mean(loads: list[float]) -> float:
    return sum(loads) / len(loads) if loads else 0.0


def metric_weights(sched, view) -> tuple[list[float] | None, list[bool]]:
    """Per task of ``sched`` (a Terastal, after its task states are made): the weights of its
    admission wait (:func:`value_weights`, ``admit_value``) and whether its long started jobs
    go by least laxity under overload (:func:`light_tasks`, option ``commit_laxity``), from
    one :func:`task_loads` of each job's best case."""
    loads = task_loads(view.costs, [max(st.rem_best) for st in sched._tasks])
    return value_weights(loads, sched.admit_value), light_tasks(loads)
