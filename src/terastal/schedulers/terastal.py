"""Terastal: joint accelerator and layer-variant choice under virtual deadlines.

At every scheduling point: drop hopeless jobs (:func:`_hopeless`, when the late policy allows
it); order ready jobs by absolute deadline, a long job (best case left above half its
deadline) by least laxity, and under overload (``_terastal_guards.OverloadDetector``) towards
first come, first served with started jobs first; map each job's next layer to an
``(accelerator, original | variant)`` option that meets its virtual deadline
(:mod:`terastal.schedulers._terastal_map`): originals first and variants on demand, or the
plan's variants when a backlog builds up; variants within the admissible combinations or the
model's accuracy budget; cores nobody chose go to layers waiting for a busy core, when they
finish earlier there; under overload a job that would barely fit is given up before it starts;
otherwise a job not started leaves a core to a started one that waiting would make hopeless;
once a job missed, a job with little slack left maps by earliest finish.
Reasons and measurements: ``docs/design.md``, the sections from "Terastal online scheduler" on.
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

from terastal.model.contract import SimView
from terastal.model.job import DROPPED, IN_TIME, Job
from terastal.schedulers import _terastal_admit, _terastal_kept, _terastal_slowvar, _terastal_value
from terastal.schedulers._hopeless import cascade_parents
from terastal.schedulers._terastal_affinity import affine_homes
from terastal.schedulers._terastal_ahead import ahead_state, keep_core, pay_core
from terastal.schedulers._terastal_core import CoreFit, CoreRule
from terastal.schedulers._terastal_groups import FallbackGroups, scan_grouped
from terastal.schedulers._terastal_guards import given_up, make_guards
from terastal.schedulers._terastal_map import (
    allowed_variant,
    core_classes,
    map_layer,
    on_demand,
    planned,
    spare_core,
    spare_variant,
)
from terastal.schedulers._terastal_options import OPTIONS
from terastal.schedulers._terastal_order import ReadyOrder, yields
from terastal.schedulers._terastal_search import group_search
from terastal.schedulers._terastal_state import TaskState
from terastal.schedulers._terastal_tight import NO_VDE, early_slack, tight_slack
from terastal.schedulers.base import Scheduler


class Terastal(ReadyOrder, Scheduler):
    """Layer-variant-aware scheduling under virtual deadlines (see module docstring).

    Options
    -------
    plan : terastal.planner.Plan or None
        Offline plan (budgets, variants, accuracy). Without one: budgets proportional to the
        preferred latencies, no variants.
    variants, budgets, drops : bool
        Ablations: no variants; the job's deadline for every layer; no hopeless drops.
    drop_slack, wait_slack, demand : float, float, bool
        Hopeless when ``now + drop_slack x best-case remaining time`` passes the deadline.
        Early sacrifice of a job that has waited (``_terastal_guards.given_up``): dropped when
        ``now + wait_slack x`` its best-case remaining time, or (``demand``) the jobs' ahead of
        it and its own spread over every core, pass its deadline (off: 1.0, False).
    priority : {"deadline", "virtual", "laxity"}
        Order: absolute deadline, next layer's virtual deadline, or least laxity.
    laxity_above, value_yield : float, float
        With ``priority="deadline"``, a layer whose job still needs more than this share of
        its relative deadline at best sorts by least laxity (deadline less that best case; 0:
        never), unless a job due earlier of a model ``value_yield`` x rarer would miss (0: off).
    overload_scale, overload_on, overload_off, overload_window : float, float, float, int
        Overload order (``overload_scale=1``: off): once the miss fraction of ended jobs,
        smoothed over about ``overload_window`` of them, passes ``overload_on`` (until it falls
        below ``overload_off``), the order's deadline term is scaled by ``overload_scale``
        (0: first come, first served).
    overload_commit : bool
        Under overload, jobs already started go ahead of every job not started yet.
    commit_laxity : {"light", "long", "all", "off"}
        Started jobs under overload by least laxity: long ones (``laxity_above``) of models
        loading the cores less than the mean, long ones, all, none (docs/design.md, "Admission
        by the metric's weights").
    check : {"virtual", "remaining"}
        Layer test: its virtual deadline, or the deadline less the best case after it.
    home : {"plan", "fastest"}
        Home class of a layer: the plan's load-balanced mapping, or the fastest cores.
    variant_first : bool
        Try the home class's variant before moving the layer to another core.
    on_demand : bool
        A layer runs its variant only when its original meets the virtual deadline on no
        core (idle, or busy but free soon enough); ``False``: the plan's variants.
    backlog : int
        With at least ``backlog`` x cores ready jobs, the plan's variants (0: never).
    accuracy : {"budget", "static", "pooled"}
        ``static``: admissible combinations only. ``budget``: also measured ones losing up
        to ``job_ceiling`` while the model's mean loss over its last ``budget_window``
        completed jobs and over the run stays within ``accuracy_limit`` (``None``: the
        plan's ``accuracy_loss``); ``pooled``: the mean over models of those means does
        (:mod:`~terastal.schedulers._terastal_pool`).
    fair_ratio, fair_min, fair_boost, fair_after : float, float, float, int
        Fairness guard (``fair_ratio=0`` turns it off): a model missing more than
        ``fair_ratio`` x the mean and the mean + ``fair_min`` (once ``fair_after`` of its jobs
        ended) sorts ``fair_boost`` x its relative deadline earlier (docs/design.md, "The
        worst model: the fairness guard on").
    parents : {"keep", "drop"}
        ``keep``: a hopeless job whose model has cascaded children is kept (also in
        the drain after the horizon) behind every other job, since its completion still
        releases them (:func:`~terastal.schedulers._hopeless.cascade_parents`).
    spare : bool
        A core that no ready layer chose in a call goes to a layer waiting (within its virtual
        deadline) for a busy core, in order, when the layer's original finishes earlier
        there (docs/design.md, "Spare cores"). ``False``: such a layer waits.
    start_slack : float
        Under overload, a job none of whose layers has started is dropped once ``now +
        start_slack x drop_slack x`` its best-case time passes its deadline (1: the hopeless
        test alone; docs/design.md, "Sacrifice before starting"), and (``admit*``, 0: off)
        after the started jobs ahead (:mod:`~terastal.schedulers._terastal_admit`, weighed by
        the model's load with ``admit_value``; the running jobs' rest, ``admit_running``).
    protect : {"either", "any", "shorter", "fits", "off"}
        Outside overload, a job none of whose layers has started leaves an idle core to a
        started job later in the order that could still meet its deadline but not after
        waiting for that core (:func:`~terastal.schedulers._terastal_order.yields`): to any
        such job, to one with less work left (``shorter``), to one whose next layer still
        leaves the fresh job in time (``fits``), or either of the two (docs/design.md,
        "Started jobs protected"). ``off``: the order alone decides.
    core_yield, yield_need, slow_ratio : int, float, float
        Which job pays for a slower core (docs/design.md, "Which job pays for the slow
        core"): a layer about to wait for its busy fast core takes an idle core where it is
        at most ``slow_ratio`` x slower when its job still ends in time there and a job among
        the ``core_yield`` behind it in order, or one running, needs the fast core more than
        ``yield_need`` x as much (slow-core penalty over slack). 0: off.
    spare_fit : bool
        A waiting layer does not take a spare core up to ``slow_ratio`` x slower when its job
        would not end in time staying there, the move gains less than the layer loses, and
        the job on a faster core needs its core less and fits on the spare one.
    spare_variant : {"over", "off", "always", "missed"}
        With spare cores, a waiting layer for which no idle core finishes its original
        earlier takes the idle core where its variant finishes first, when that is earlier
        than waiting and the job may run it: while the overload detector is on (``"over"``),
        never (``"off"``), at every load (``"always"``) or once a job of the run missed
        (``"missed"``) (docs/design.md, "Variants on spare cores under overload").
    lookahead, hold_ratio, group_ahead : float, float, bool
        If a job that may come before ``lookahead`` x a layer's time on its idle fast core needs
        that core ``yield_need`` x more, the layer takes an idle core up to ``slow_ratio`` x
        slower (its job in time there) or waits for a busy one within ``hold_ratio`` x (0: off);
        a waiting layer leaves a spare core to one that can wait for no core; the group search
        leaves a layer to the rules if one sure to come while it runs needs it (``group_ahead``;
        with ``group_ahead_fit`` only a layer another core ends within that x its time;
        docs/design.md, "Known releases in the core choice", "... under the group search").
    claim : {"short", "any", "off"}
        Spare cores: a layer waits for a busy core until after the next layer of the job there
        if that sorts ahead (and, ``short``, is longer than the waiting job's work left)
        (docs/design.md, "A busy core is claimed by the job on it"). ``off``: it does not wait.
    affinity : {"noplan", "always", "off"}
        A task that a partition of the tasks over the core classes (comparative advantage,
        :mod:`~terastal.schedulers._terastal_affinity`) moves off its fastest class gets that
        class as home of its layers at most ``slow_ratio`` x slower there, unless a layer's
        input lies outside it: without a plan (``noplan``), always, or never.
    risk, ties : {"exact", "best"}, {"short", "id"}
        ``protect``'s risk by the next layer's finish / best case; equal deadlines: less work first.
    tight, tight_always : float, bool
        Once a job of the run has missed (``tight_always``: from the start), a job whose
        slack (deadline less now and its best case left) is below ``tight`` x its relative
        deadline maps its layer by earliest finish instead of to its home class
        (:mod:`~terastal.schedulers._terastal_tight`; docs/design.md, "Tight jobs: earliest
        finish"). 0: off. ``tight_early`` > 0: before that miss, the tasks whose best case
        is ``tight_born`` x their deadline or more, lightest first while their load on
        their fastest class stays within ``tight_early``, are tight by the same test.
    group, group_nodes, group_light : int, int, float
        At most ``group`` jobs active: a search (``group_nodes`` backtracks) may plan them all.
    group_coming : bool
        The search also plans the jobs about to be released (docs/design.md, "Coming jobs in
        the group search").
    group_margin : float
        The search first looks for a schedule leaving every job this share of its relative
        deadline (then half, a quarter) before taking its first one (docs/design.md, "A
        margin in the group search's schedule"). 0: the first schedule.
    """

    name = "terastal"
    needs_plan = True
    options: ClassVar[dict[str, Any]] = OPTIONS

    def reset(self, view: SimView) -> None:
        """Precompute per-task budgets, variant bits and best-case remaining times."""
        plan = self.plan
        if plan is not None:
            plan.check(view.scenario, view.platform)
        classes = core_classes(view.costs, view.num_accelerators)
        self._tasks = [
            TaskState(c, plan.task(c.task.name) if plan is not None else None, self.budgets,
                      self.variants, classes, self)
            for c in view.costs
        ]  # fmt: skip
        if self.affinity == "always" or (self.affinity == "noplan" and plan is None):
            affine_homes(self._tasks, view.costs, classes, self.slow_ratio)  # whole-task homes
        # Each job's combination of variants so far, as a bitmask.
        self._mask: dict[int, int] = {}
        # The ready jobs' order, kept between calls (see _ordered).
        self._order: list[tuple] = []
        self._entries: dict[Job, tuple] = {}
        # Jobs that may have left the ready set since the last call: dispatched, ended.
        self._gone: list[Job] = []
        # Without drops: chain layers past their virtual deadline, out of the order.
        self._groups = None if self.drops else FallbackGroups()
        deadlines = [c.task.relative_deadline_s for c in view.costs]
        # the fairness, overload and accuracy-budget guards (_terastal_guards), None when off
        self._fair, self._over, self._budget = make_guards(self, deadlines)
        self._no_boost = [0.0] * len(deadlines)
        # Hopeless jobs kept because their completion still releases cascaded children.
        self._late: set[Job] = set()
        keep = self.parents == "keep"
        self._parent = cascade_parents(view) if keep else [False] * len(deadlines)
        self._rekey = False
        self._variant = functools.partial(allowed_variant, self._mask, self._budget)
        # Which job pays for a slower core (_terastal_core): per task, time left on each core.
        self._fits = [CoreFit(c, view.num_accelerators, self.slow_ratio) for c in view.costs]
        self._rule = CoreRule(self.core_yield, self.yield_need, self.slow_ratio)
        self._on: list = [None] * view.num_accelerators  # per core, (job, layer) last run
        # known releases (_terastal_ahead); per task and layer, whether pay_core may move it
        self._ahead, self._pays = ahead_state(self, view)
        self._now, self._search = 0.0, group_search(self, view)  # _terastal_search: few jobs
        self._missed = False  # whether a job ended late or dropped (_terastal_tight)
        self._tight_s = tight_slack(view.costs, self.tight)
        self._tight_pre = early_slack(view.costs, classes, self.tight, self.tight_early,
                                      self.tight_born)  # before the first miss, or None
        self._admit_w, self._light = _terastal_admit.metric_weights(self, view)  # per task
        self._value = _terastal_value.ValueYield.make(self, view)  # the conflict rule, or None
        self._need = _terastal_admit.core_needs(self._tasks, self.admit_running)  # or None

    def accuracy_loss(self, task: str, variant_layers: frozenset[int]) -> float:
        """Normalized accuracy loss of a job of ``task`` that ran ``variant_layers``.

        Read from the plan's accuracy table; ``nan`` for an unmeasured combination.
        """
        if not variant_layers:
            return 0.0
        return float("nan") if self.plan is None else self.plan.loss_of(task, variant_layers)

    def on_job_end(self, job: Job, view: SimView) -> None:
        """Forget the ended job's variant mask; a completed job's loss enters the budget."""
        self._mask.pop(job.id, None)
        self._gone.append(job)
        if job.status != IN_TIME:
            self._missed = True  # tight jobs map by earliest finish from now on
        self._late.discard(job)
        if self._ahead is not None:
            self._ahead.saw((job,))  # its frame was released
        if self._search.coming is not None:
            self._search.coming.ended(job)  # the same, for the group search (_terastal_coming)
        if self._budget is not None:
            self._budget.end(job.task_index, job.id, job.status != DROPPED)
        if self._fair is not None and self._fair.end(job.task_index, job.status != IN_TIME):
            self._rekey = True  # priorities changed: every ready job gets a new entry
        if self._over is not None and self._over.end(job.status != IN_TIME):
            self._rekey = True  # the order switched between deadline and overload keys

    def _dispatched(self, out, job, jid, layer, st, a, use_var, new, f, idle, free, memo):
        """Record the dispatch of ``job``'s ``layer`` on ``a`` (finishing at ``f``): a
        variant enters the job's mask and the model's budget; the scan's core state moves
        on (``a`` busy until ``f``, the memo forgotten). Returns the new earliest free time."""
        out.append((job, layer, a, use_var))
        self._gone.append(job)
        self._on[a] = (job, layer)
        if use_var:
            self._mask[jid] = new
            if self._budget is not None:
                self._budget.reserve(job.task_index, jid, st.loss.get(new, 0.0))
        idle[a] = False
        free[a] = f
        memo.clear()  # free and idle changed
        return min(free)

    def decide(self, view: SimView) -> list[tuple]:
        """Drop hopeless jobs, then map ready layers in deadline order."""
        idle = list(view.idle_flags)
        left = idle.count(True)
        may_drop = self.drops and view.may_drop
        # The order is brought up to date even when nothing can be decided, so that the
        # changes reported to this call are not lost.
        self._view = view  # the known releases' rule reads its active jobs (_terastal_ahead)
        order = self._ordered(view)
        waiting = len(order) + (self._groups.size if self._groups is not None else 0)
        out: list[tuple] = []
        if not waiting or (not left and not may_drop) or self._search.take(self, view, out):
            return out  # (take: a few jobs released together follow the group's schedule)
        now = self._now = view.now
        free = list(view.free_at)  # each max(free time, now)
        transfer = view.transfer_s
        # few jobs waiting: variants only on demand; a backlog: the plan's variants
        few = self.on_demand and (not self.backlog or waiting < self.backlog * len(free))
        choose = _terastal_slowvar.wrap(self, on_demand if few else planned)  # slow_variant
        if self._groups is not None:
            return scan_grouped(self, order, idle, left, free, transfer, choose, out)
        # Layers waiting for a busy core that meet their virtual deadline there (for _spare):
        waits: list[tuple] | None = [] if self.spare else None
        variant, variant_first = self._variant, self.variant_first
        # Within one call, between two dispatches (free and idle unchanged): the choice of a
        # chain layer that no option can get done by its virtual deadline, per key (see
        # _terastal_map.fallback). low + min_opt[layer] bounds every candidate finish from below.
        memo: dict[tuple, tuple] = {}
        low = min(free)
        ahead, cores, demand = 0.0, len(free), self.demand and may_drop  # kept jobs' work
        # With wait_slack 1 and no demand term, given_up holds only once now passes the
        # deadline, when the hopeless test already holds: it need not run.
        sacrifice = demand or self.wait_slack != 1.0
        late: list[Job] = []
        horizon, value = view.horizon_s, self._value  # value: _terastal_value.ValueYield
        # Fresh jobs leave a core to a started job that waiting would make hopeless (not under
        # overload with commit, every started job is ahead already): "Started jobs protected".
        ahead_all = self.overload_commit and self._over is not None and self._over.over
        protect = self.protect if may_drop and not ahead_all else "off"
        pays, adm = self._pays, _terastal_admit.admission(self, ahead_all, free, now)
        # tight jobs (_terastal_tight) once a job missed (before: tight_early's tasks only)
        tight = self._tight_s if self.tight_always or self._missed else self._tight_pre
        for pos, entry in enumerate(order):
            _, jid, job, layer, st, drop_rem, dl_eps, vde, src, move, rem, wrem, since = entry
            if may_drop:
                # is_hopeless(now, drop_rem, deadline), inlined; a fresh job's wait (admission)
                if now + drop_rem + (adm.wait(job) if adm else 0.0) > dl_eps or (
                    sacrifice
                    and given_up(
                        now, since, wrem, (ahead + rem) / cores if demand else 0.0, job._deadline
                    )
                ):
                    if not self._parent[job._costs.index]:
                        out.append((job,))
                        self._gone.append(job)
                        continue
                    if job not in self._late:
                        late.append(job)  # kept: its completion still releases its children
                        if now < horizon:
                            continue  # behind every other job from the next call on
                        # in the drain no release calls again: it maps now, or idles forever
                ahead += adm.take(job, rem) if adm else rem
            if not left:
                if not may_drop:
                    break
                continue
            if tight is not None and now + rem + tight[job._costs.index] > dl_eps:
                # little slack left (_terastal_tight.tight_slack): no option meets the virtual
                # deadline, so the mapping takes the earliest finish
                vde = NO_VDE
            (a, use_var, f), new, past = map_layer(
                choose, variant, variant_first, memo, job, layer, st, vde, src, move, free,
                idle, low, transfer,
            )  # fmt: skip
            if not (use_var or past) and f <= vde and pays[job._costs.index][layer]:
                # should a slower idle core be this job's? (_terastal_ahead.pay_core)
                a, f = pay_core(self, order, pos, job, layer, st, a, f, vde, src, move, free, idle)
            if not idle[a]:
                if waits is not None and f <= vde:
                    waits.append((job, jid, layer, st, src, move, self._wait(a, job, layer, f)))
                continue  # wait for the chosen core; its completion is a scheduling point
            if (
                protect != "off"
                and not (job._done or job._running)
                and yields(order, pos, now, a, f, free, protect, self.risk == "exact")
            ) or (value is not None and value.gives_way(order, pos, now)):
                continue  # value: a weightier job due earlier goes first (_terastal_value)
            if job in self._late and _terastal_kept.waits(self, job, layer, a, f, free, idle):
                continue  # a kept parent may leave an idle core to a job (option kept_core)
            low = self._dispatched(out, job, jid, layer, st, a, use_var, new, f, idle, free, memo)
            left -= 1
        if waits and left:
            self._spare(out, waits, idle, left, free, transfer, memo)
        if late:
            self._demote(late, view.ready_jobs)
        return out

    def _spare(self, out, waits, idle, left, free, transfer, memo) -> None:
        """Give the cores nobody chose to layers that wait for a busy core, in order, each to
        the idle core where its original finishes first, when that is earlier than waiting
        (:func:`~terastal.schedulers._terastal_map.spare_core`), unless the job on a faster
        core should pay for that one or a job about to be released needs it
        (:func:`~terastal.schedulers._terastal_ahead.keep_core`); else (``spare_variant``)
        where its variant does (:func:`~terastal.schedulers._terastal_map.spare_variant`)."""
        mode = self.spare_variant
        # variants too: at every load, or while the overload detector is on
        var = mode == "always" or (mode == "over" and self._over is not None and self._over.over)
        var = var or (mode == "missed" and self._missed)  # once a job of the run missed
        for job, jid, layer, st, src, move, f_wait in waits:
            a, f = spare_core(job, layer, st, src, move, free, idle, f_wait, transfer)
            if a >= 0 and keep_core(self, job, layer, st, a, f, f_wait, idle, free):
                continue  # a job on a faster core, or one about to be released, needs it more
            new = 0
            if a < 0 and var and st.bits[layer]:
                a, f, new = spare_variant(
                    self._variant, job, layer, st, src, move, free, idle, f_wait, transfer
                )
            if a >= 0:
                self._dispatched(out, job, jid, layer, st, a, new != 0, new, f, idle, free, memo)
                left -= 1
                if not left:
                    return
