"""Terastal: joint accelerator and layer-variant choice under virtual deadlines.

The policy (documented with its reasons in ``docs/design.md``, "Terastal online scheduler"):

1. A hopeless job (even the fastest remaining path, variants included, ends after its
   deadline) is dropped when the late policy allows it, freeing the cores for jobs that can
   still make it.
2. Ready jobs are served by absolute deadline (option ``priority="virtual"``: by the virtual
   deadline of their next layer).
3. Each layer has a *home* class of cores: where the plan's load-balanced mapping runs it.
   For the job's next layer every option ``(accelerator, original | variant)`` gets a finish
   time ``max(free, now) + transfer + latency``. If the home class meets the layer's virtual
   deadline (release + cumulative plan budget), the layer goes there, waiting for it if it is
   busy. Otherwise it takes, among idle cores, the option that meets the virtual deadline at
   the least accuracy cost (original before variant, then earliest finish); a variant is
   allowed only while the job's set of variants stays admissible. If nothing meets it, the
   earliest-finishing option wins (a variant only if strictly earlier than every original).
"""

from __future__ import annotations

from typing import Any, ClassVar

from terastal.model.contract import SimView
from terastal.model.costs import IDENTICAL_REL_TOL
from terastal.model.job import Job
from terastal.schedulers._hopeless import (
    best_remaining,
    fastest_s,
    is_hopeless,
    remaining_of,
)
from terastal.schedulers.base import Scheduler
from terastal.schedulers.options import Option

_INF = float("inf")
_EPS = 1e-12


class _TaskState:
    """Per-task constants precomputed at reset (plain lists for the hot loop)."""

    __slots__ = (
        "admissible",
        "bits",
        "chain",
        "dag",
        "home",
        "home_var",
        "lat",
        "offset",
        "prio",
        "rem_after",
        "rem_best",
        "var_lat",
        "vd_off",
    )  # fmt: skip

    def __init__(
        self,
        costs,
        plan_task,
        use_budgets: bool,
        use_variants: bool,
        classes: list[int],
        opts,
    ) -> None:
        n = costs.num_layers
        lat = costs.lat
        deadline = costs.task.relative_deadline_s
        if plan_task is not None and use_budgets:
            offs = [float(v) for v in plan_task.deadline_offsets_s]
            # Plans are made for one deadline; rescale if the task's deadline differs.
            scale = deadline / offs[-1] if offs[-1] > 0 else 1.0
            self.offset = [o * scale for o in offs]
        elif use_budgets:
            # No plan: budgets proportional to the preferred (lowest) latency.
            total = sum(costs.min_lat) or 1.0
            acc, self.offset = 0.0, []
            for v in costs.min_lat:
                acc += v
                self.offset.append(deadline * acc / total)
        else:
            self.offset = [deadline] * n
        if plan_task is not None and use_variants and plan_task.variant_layers:
            self.bits = [
                b if costs.var_lat[i] is not None else 0
                for i, b in enumerate(plan_task.variant_bits)
            ]
            self.admissible = plan_task.admissible_masks
        else:
            self.bits = [0] * n
            self.admissible = frozenset({0})
        # Best-case time from the start of a layer to the job's end (the shared hopeless
        # test's; variants included where the plan allows them: optimistic, so drops are safe).
        best = fastest_s(costs, self.bits)
        rem = best_remaining(costs, self.bits)
        self.rem_best = rem
        # check="remaining": a layer's latest finish leaves the best-case time of what follows.
        self.rem_after = None
        if opts.check == "remaining":
            self.rem_after = [deadline - (rem[i] - best[i]) for i in range(n)]
        self.prio = self.offset if opts.priority == "virtual" else [deadline] * n
        # A layer's virtual deadline, relative to the job's release.
        self.vd_off = self.offset if self.rem_after is None else self.rem_after
        self.dag = any(len(s) > 1 for s in costs.succs)
        self.chain = costs.is_chain
        self.lat, self.var_lat = lat, costs.var_lat
        # Home class of each layer: where the plan's load-balanced mapping runs it most
        # (all cores of that class), else the fastest class. The home variant flag says
        # whether the plan runs the layer mostly as its variant.
        self.home, self.home_var = [], []
        for i, row in enumerate(lat):
            fast = tuple(a for a, v in enumerate(row) if v <= min(row) * (1 + IDENTICAL_REL_TOL))
            home, var = fast, False
            if plan_task is not None and opts.home == "plan":
                lp = plan_task.layers[i]
                per_class: dict[int, float] = {}
                for a, sh in enumerate(lp.share):
                    per_class[classes[a]] = per_class.get(classes[a], 0.0) + sh
                if per_class and max(per_class.values()) > 0:
                    top = max(per_class, key=per_class.__getitem__)
                    home = tuple(a for a in range(len(row)) if classes[a] == top)
                    var = bool(self.bits[i]) and lp.variant_share > 0.5
            self.home.append(home)
            self.home_var.append(var)


class Terastal(Scheduler):
    """Layer-variant-aware scheduling under virtual deadlines (see module docstring).

    Options
    -------
    plan : terastal.planner.Plan or None
        Offline plan (virtual budgets, variants, admissible combinations). Without one, the
        budgets are proportional to the preferred latencies and no variant is used.
    variants : bool
        Allow layer variants (ablation: ``False``).
    budgets : bool
        Use per-layer virtual deadlines (ablation: ``False`` = the job's deadline for every
        layer, i.e. plain EDF deadlines).
    drops : bool
        Drop hopeless jobs when the late policy allows it (ablation: ``False``).
    drop_slack : float
        A job is hopeless when ``now + drop_slack x best-case remaining time`` passes its
        deadline; 1.0 drops only jobs that cannot make it under any schedule.
    priority : {"deadline", "virtual"}
        Order of ready jobs: absolute deadline, or virtual deadline of the next layer.
    check : {"virtual", "remaining"}
        A layer's mapping test: its virtual deadline, or the job's deadline minus the
        best-case time of the layers after it.
    home : {"plan", "fastest"}
        Home class of a layer: the plan's load-balanced mapping, or the fastest cores.
    variant_first : bool
        When the home class misses the virtual deadline, try the home class's variant before
        moving the layer to another core.
    """

    name = "terastal"
    needs_plan = True
    options: ClassVar[dict[str, Any]] = {
        "plan": None,
        "variants": True,
        "budgets": True,
        "drops": True,
        "drop_slack": Option(1.0, lo=0.0, lo_inclusive=False),
        "priority": Option("deadline", choices=("deadline", "virtual")),
        "check": Option("virtual", choices=("virtual", "remaining")),
        "home": Option("plan", choices=("plan", "fastest")),
        "variant_first": False,
    }

    def reset(self, view: SimView) -> None:
        """Precompute per-task budgets, variant bits and best-case remaining times."""
        plan = self.plan
        if plan is not None:
            plan.check(view.scenario, view.platform)
        classes = _classes(view.costs, view.num_accelerators)
        self._tasks = [
            _TaskState(
                c,
                plan.task(c.task.name) if plan is not None else None,
                self.budgets,
                self.variants,
                classes,
                self,
            )
            for c in view.costs
        ]
        # Each job's combination of variants so far, as a bitmask.
        self._mask: dict[int, int] = {}
        # The ready jobs' order, kept between calls (see _ordered).
        self._order: list[tuple] = []
        self._entries: dict[Job, tuple] = {}

    def accuracy_loss(self, task: str, variant_layers: frozenset[int]) -> float:
        """Normalized accuracy loss of a job of ``task`` that ran ``variant_layers``.

        Read from the plan's accuracy table; ``nan`` for an unmeasured combination.
        """
        if not variant_layers:
            return 0.0
        acc = None if self.plan is None else self.plan.task(task).accuracy_of(variant_layers)
        return float("nan") if acc is None else 1.0 - acc

    def on_job_end(self, job: Job, view: SimView) -> None:
        """Forget the ended job's variant mask."""
        self._mask.pop(job.id, None)

    def _ordered(self, view: SimView) -> list[tuple]:
        """Ready jobs as sorted tuples ``(priority, id, job, layer, state, ...)``.

        Each entry also carries what a visit needs and what stays fixed while the layer
        waits: the drop test's terms, the layer's virtual deadline and, for chains, where
        its input is and how long moving it takes.

        The order is kept between calls: entries of jobs that left the ready set or changed
        are filtered out, the changed jobs (:attr:`SimView.ready_changes`) get new entries at
        the end, and the sort (Timsort) merges that short tail into the long sorted run with
        O(n) work for n ready jobs, instead of sorting from scratch. ``(priority, id)`` is
        unique, so entries never compare beyond it.
        """
        ready = view.ready_jobs
        entries = self._entries
        tasks = self._tasks
        slack = self.drop_slack
        fresh = []
        for job in view.ready_changes:
            if job not in ready:
                continue
            layer = job.next_layer
            st = tasks[job.task_index]
            rem = remaining_of(job, st.rem_best, not st.dag)
            release = job.release
            if st.chain:
                # Only the previous layer's output may move, and where it ran is fixed now.
                src = job.layer_accelerator(layer - 1) if layer else -1
                move = job.costs.chain_move_s[layer]
            else:
                src, move = None, 0.0
            entry = (release + st.prio[layer], job.id, job, layer, st, rem * slack,
                     job.deadline, release + st.vd_off[layer] + _EPS, src, move)  # fmt: skip
            entries[job] = entry
            fresh.append(entry)
        order = []
        for entry in self._order:
            job = entry[2]
            if job not in ready:
                entries.pop(job, None)
            elif entries[job] is entry:
                order.append(entry)
        if fresh:
            order += fresh
            order.sort()
        self._order = order
        return order

    def decide(self, view: SimView) -> list[tuple]:
        """Drop hopeless jobs, then map ready layers in virtual-deadline order."""
        idle = list(view.idle_flags)
        left = idle.count(True)
        may_drop = self.drops and view.may_drop
        # The order is brought up to date even when nothing can be decided, so that the
        # changes reported to this call are not lost.
        order = self._ordered(view)
        out: list[tuple] = []
        if not order or (not left and not may_drop):
            return out
        now = view.now
        free = list(view.free_at)  # each max(free time, now)
        transfer = view.transfer_s
        masks = self._mask
        accs = range(len(free))
        for _, jid, job, layer, st, drop_rem, deadline, vde, src, move in order:
            if may_drop and is_hopeless(now, drop_rem, deadline):
                out.append((job,))
                continue
            if not left:
                if not may_drop:
                    break
                continue
            lat = st.lat[layer]
            bit = st.bits[layer]
            mask = masks.get(jid, 0) if bit else 0
            vlat = st.var_lat[layer] if bit and (mask | bit) in st.admissible else None
            if src is None:
                starts = [free[a] + transfer(job, layer, a) for a in accs]
            elif move:
                starts = [f + move for f in free]
                starts[src] = free[src]  # the input is already there
            else:
                starts = free  # read-only below, until the choice is made
            # 1. the home class meets the virtual deadline: use it (or wait for it)
            home_var = st.home_var[layer] and vlat is not None
            home = st.home[layer]
            a_best = home[0] if len(home) == 1 else min(home, key=starts.__getitem__)
            f_best = starts[a_best] + (vlat if home_var else lat)[a_best]
            choice = None
            if f_best <= vde:
                choice = (a_best, home_var, f_best)
            elif (
                self.variant_first
                and vlat is not None
                and not home_var
                and starts[a_best] + vlat[a_best] <= vde
            ):
                # 1b. the home class meets it as the variant: less work than moving away
                choice = (a_best, True, starts[a_best] + vlat[a_best])
            if choice is None and f_best > vde:
                # 2. an idle core meeting the virtual deadline, least accuracy cost first
                f_any, any_choice = _INF, None
                for a in accs:
                    f = starts[a] + lat[a]
                    if idle[a] and f <= vde and (choice is None or f < choice[2]):
                        choice = (a, False, f)
                    if f < f_any:
                        f_any, any_choice = f, (a, False, f)
                if choice is None and vlat is not None:
                    for a in accs:
                        f = starts[a] + vlat[a]
                        if idle[a] and f <= vde and (choice is None or f < choice[2]):
                            choice = (a, True, f)
                        # 3. nothing meets it: a variant only if strictly earliest overall
                        if f < f_any - _EPS:
                            f_any, any_choice = f, (a, True, f)
                if choice is None:
                    choice = any_choice
            a, use_var, f = choice
            if not idle[a]:
                continue  # wait for the chosen core; its completion is a scheduling point
            out.append((job, layer, a, use_var))
            idle[a] = False
            free[a] = f
            left -= 1
            if use_var:
                masks[jid] = mask | bit
        return out


def _classes(costs, num_accelerators: int) -> list[int]:
    """Class id per accelerator: cores with identical latency columns share a class."""
    cols = [tuple(c.lat[i][a] for c in costs for i in range(c.num_layers)) for a in
            range(num_accelerators)]  # fmt: skip
    reps: list[tuple] = []
    out = []
    for col in cols:
        if col not in reps:
            reps.append(col)
        out.append(reps.index(col))
    return out
