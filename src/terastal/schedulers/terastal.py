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

from terastal.errors import InputError
from terastal.schedulers._accuracy_budget import AccuracyBudget
from terastal.schedulers.base import Scheduler
from terastal.sim.job import DROPPED, IN_TIME, Job
from terastal.sim.view import SimView

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
        "loss",
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
            # Every measured combination of the plan's variant layers within the per-job
            # ceiling, by bitmask -> normalized loss (for the accuracy budget).
            pos = {layer: k for k, layer in enumerate(plan_task.variant_layers)}
            self.loss = {}
            for combo, acc in plan_task.accuracy.items():
                usable = combo and all(i in pos and self.bits[i] for i in combo)
                if usable and 1.0 - acc <= opts.job_ceiling + 1e-12:
                    self.loss[sum(1 << pos[i] for i in combo)] = 1.0 - acc
        else:
            self.bits = [0] * n
            self.admissible = frozenset({0})
            self.loss = {}
        # The drop test counts the variants every job may run (those of admissible
        # combinations); the budget's stronger ones are not always available.
        static = set().union(*plan_task.admissible) if self.loss else set()
        best, rem = _best_remaining(
            costs, [b if i in static else 0 for i, b in enumerate(self.bits)]
        )
        self.rem_best = rem
        # check="remaining": a layer's latest finish leaves the best-case time of what follows.
        self.rem_after = None
        if opts.check == "remaining":
            self.rem_after = [deadline - (rem[i] - best[i]) for i in range(n)]
        self.prio = self.offset if opts.priority == "virtual" else [deadline] * n
        if opts.priority == "laxity":
            # least laxity first: the deadline less the best-case time still needed
            self.prio = [deadline - r for r in rem]
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
            fast = tuple(a for a, v in enumerate(row) if v <= min(row) * (1 + 1e-9))
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
        moving the layer to another core (only with ``on_demand=False``).
    on_demand : bool
        Variants on demand: a layer runs as its variant only when its original meets the
        virtual deadline on no core (idle, or busy but free soon enough). ``False``: the
        plan's mapping decides, so a layer the plan runs mostly as its variant always does.
    accuracy : {"budget", "static"}
        ``static``: every job's combination must be admissible (loss within the plan's
        limit). ``budget``: a job may also run a measured combination losing up to
        ``job_ceiling`` while the model's mean loss over its last ``budget_window``
        completed jobs and over the run stays within the limit.
    accuracy_limit : float or None
        Limit of the mean loss per model (``None``: the plan's ``accuracy_loss``).
    job_ceiling : float
        Hard ceiling of a single job's normalized loss under the budget.
    budget_window : int
        Completed jobs per model in the budget's sliding window.
    """

    name = "terastal"
    _CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {
        "priority": ("deadline", "virtual", "laxity"),
        "check": ("virtual", "remaining"),
        "home": ("plan", "fastest"),
        "accuracy": ("budget", "static"),
    }

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        for key, allowed in self._CHOICES.items():
            if getattr(self, key) not in allowed:
                raise InputError(
                    f"scheduler 'terastal': {key} must be one of {', '.join(allowed)}, "
                    f"got {getattr(self, key)!r}",
                    field=key,
                )
        if not self.drop_slack > 0:
            raise InputError("scheduler 'terastal': drop_slack must be > 0", field="drop_slack")
        for key in ("job_ceiling",) + (() if self.accuracy_limit is None else ("accuracy_limit",)):
            if not 0.0 <= getattr(self, key) < 1.0:
                raise InputError(f"scheduler 'terastal': {key} must be in [0, 1)", field=key)
        if not (isinstance(self.budget_window, int) and self.budget_window >= 1):
            raise InputError(
                "scheduler 'terastal': budget_window must be an integer >= 1",
                field="budget_window",
            )

    options: ClassVar[dict[str, Any]] = {
        "plan": None,
        "variants": True,
        "budgets": True,
        "drops": True,
        "drop_slack": 1.0,
        "priority": "deadline",
        "check": "virtual",
        "home": "plan",
        "variant_first": False,
        "on_demand": True,
        "accuracy": "budget",
        "accuracy_limit": None,
        "job_ceiling": 0.08,
        "budget_window": 50,
        "backlog": 1,
        "fair_ratio": 2.0,
        "fair_min": 0.1,
        "fair_boost": 0.5,
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
        # Fairness guard: per task, jobs ended and missed, and the priority boost.
        nt = len(self._tasks)
        self._ended, self._missed, self._boost = [0] * nt, [0] * nt, [0.0] * nt
        self._rekey = False
        self._budget = None
        if self.accuracy == "budget" and plan is not None:
            limit = plan.accuracy_loss if self.accuracy_limit is None else self.accuracy_limit
            self._budget = AccuracyBudget(len(self._tasks), limit, self.budget_window)

    def accuracy_loss(self, task: str, variant_layers: frozenset[int]) -> float:
        """Normalized accuracy loss of a job of ``task`` that ran ``variant_layers``.

        Read from the plan's accuracy table; ``nan`` for an unmeasured combination.
        """
        if not variant_layers:
            return 0.0
        acc = None if self.plan is None else self.plan.task(task).accuracy_of(variant_layers)
        return float("nan") if acc is None else 1.0 - acc

    def on_job_end(self, job: Job, view: SimView) -> None:
        """Forget the ended job's variant mask; a completed job's loss enters the budget."""
        self._mask.pop(job.id, None)
        if self._budget is not None:
            self._budget.end(job.task_index, job.id, job.status != DROPPED)
        if self.fair_ratio > 0:
            self._fairness(job, view)

    def _fairness(self, job: Job, view: SimView) -> None:
        """Boost the tasks whose running miss rate runs away from the mean.

        A task is starving when its miss rate exceeds both ``fair_ratio`` x the mean over
        tasks and the mean plus ``fair_min``; its jobs then sort as if their deadlines were
        ``fair_boost`` x its relative deadline earlier. A change re-keys the kept order.
        """
        ti = job.task_index
        self._ended[ti] += 1
        if job.status != IN_TIME:
            self._missed[ti] += 1
        rates = [m / e if e else 0.0 for m, e in zip(self._missed, self._ended, strict=True)]
        mean = sum(rates) / len(rates)
        for t, r in enumerate(rates):
            starving = r > self.fair_ratio * mean and r > mean + self.fair_min
            b = self.fair_boost * view.costs[t].task.relative_deadline_s if starving else 0.0
            if b != self._boost[t]:
                self._boost[t] = b
                self._rekey = True

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
        changes = view.ready_changes
        if self._rekey:
            # priorities changed (fairness guard): every ready job gets a new entry
            self._rekey = False
            self._order, self._entries, changes = [], {}, ready
        entries = self._entries
        tasks = self._tasks
        slack = self.drop_slack
        boost = self._boost
        bw = view.transfer_bytes_per_s
        fresh = []
        for job in changes:
            if job not in ready:
                continue
            layer = job.next_layer
            st = tasks[job.task_index]
            rem = st.rem_best[layer]
            if st.dag:
                rem = max(st.rem_best[i] for i in job.ready_layers)
            release = job.release
            if st.chain:
                # Only the previous layer's output may move, and where it ran is fixed now.
                src = job.layer_accelerator(layer - 1) if layer else -1
                nbytes = job.costs.out_bytes[layer - 1] if src >= 0 else 0.0
                move = nbytes / bw if nbytes else 0.0
            else:
                src, move = None, 0.0
            key = release + st.prio[layer] - boost[job.task_index]
            entry = (key, job.id, job, layer, st, rem * slack,
                     job.deadline + _EPS, release + st.vd_off[layer] + _EPS, src, move)  # fmt: skip
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
        """Drop hopeless jobs, then map ready layers in deadline order."""
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
        accs = range(len(free))
        choose = self._planned
        if self.on_demand and (not self.backlog or len(order) < self.backlog * len(free)):
            # few jobs waiting: variants only on demand; a backlog: the plan's variants
            choose = self._on_demand
        for _, jid, job, layer, st, drop_rem, deadline, vde, src, move in order:
            if may_drop and _hopeless(now, drop_rem, deadline):
                out.append((job,))
                continue
            if not left:
                if not may_drop:
                    break
                continue
            if src is None:
                starts = [free[a] + transfer(job, layer, a) for a in accs]
            elif move:
                starts = [f + move for f in free]
                starts[src] = free[src]  # the input is already there
            else:
                starts = free  # read-only below, until the choice is made
            (a, use_var, f), new = choose(job, layer, st, starts, idle, vde)
            if not idle[a]:
                continue  # wait for the chosen core; its completion is a scheduling point
            out.append((job, layer, a, use_var))
            idle[a] = False
            free[a] = f
            left -= 1
            if use_var:
                self._mask[jid] = new
                if self._budget is not None:
                    self._budget.reserve(job.task_index, jid, st.loss.get(new, 0.0))
        return out

    def _variant(self, job: Job, layer: int, st: _TaskState) -> tuple[Any, int]:
        """The layer's variant latencies and the job's new mask, or ``(None, 0)``."""
        bit = st.bits[layer]
        if not bit:
            return None, 0
        new = self._mask.get(job.id, 0) | bit
        if new in st.admissible:
            return st.var_lat[layer], new
        budget = self._budget
        if budget is not None:
            loss = st.loss.get(new)
            if loss is not None and budget.room(job.task_index, job.id, loss):
                return st.var_lat[layer], new
        return None, 0

    def _on_demand(self, job, layer, st, starts, idle, vde) -> tuple[tuple, int]:
        """Originals first: home class, then any core meeting ``vde``; variants only then."""
        lat = st.lat[layer]
        home = st.home[layer]
        a_h = home[0] if len(home) == 1 else min(home, key=starts.__getitem__)
        f_h = starts[a_h] + lat[a_h]
        if f_h <= vde:
            return (a_h, False, f_h), 0
        vlat, new = self._variant(job, layer, st)
        if self.variant_first and vlat is not None:
            f = starts[a_h] + vlat[a_h]
            if f <= vde:
                # the home class meets it as the variant: less work than moving away
                return (a_h, True, f), new
        fits, f_any, any_choice = _fitting(starts, lat, idle, vde, False, _INF, None)
        if fits is not None:
            return fits, 0
        if vlat is not None:
            fits, f_any, any_choice = _fitting(starts, vlat, idle, vde, True, f_any, any_choice)
            if fits is not None:
                return fits, new
        return any_choice, new if any_choice[1] else 0

    def _planned(self, job, layer, st, starts, idle, vde) -> tuple[tuple, int]:
        """The plan's mapping first (variants where the plan runs them), then any idle core."""
        lat = st.lat[layer]
        vlat, new = self._variant(job, layer, st)
        home_var = st.home_var[layer] and vlat is not None
        home = st.home[layer]
        a_best = home[0] if len(home) == 1 else min(home, key=starts.__getitem__)
        f_best = starts[a_best] + (vlat if home_var else lat)[a_best]
        if f_best <= vde:
            return (a_best, home_var, f_best), new
        if self.variant_first and vlat is not None and starts[a_best] + vlat[a_best] <= vde:
            # the home class meets it as the variant: less work than moving away
            return (a_best, True, starts[a_best] + vlat[a_best]), new
        choice, f_any, any_choice = None, _INF, None
        for a in range(len(starts)):
            f = starts[a] + lat[a]
            if idle[a] and f <= vde and (choice is None or f < choice[2]):
                choice = (a, False, f)
            if f < f_any:
                f_any, any_choice = f, (a, False, f)
        if choice is None and vlat is not None:
            for a in range(len(starts)):
                f = starts[a] + vlat[a]
                if idle[a] and f <= vde and (choice is None or f < choice[2]):
                    choice = (a, True, f)
                # nothing meets it: a variant only if strictly earliest overall
                if f < f_any - _EPS:
                    f_any, any_choice = f, (a, True, f)
        return choice or any_choice, new


def _fitting(starts, lat, idle, vde, var, f_any, any_choice):
    """Earliest option meeting ``vde`` (an idle core, else a busy one to wait for).

    Also folds the options into the earliest-finishing one overall (``f_any``,
    ``any_choice``); a variant replaces it only when strictly earlier.
    """
    c_idle = c_busy = None
    tol = _EPS if var else 0.0
    for a in range(len(starts)):
        f = starts[a] + lat[a]
        if f <= vde:
            if idle[a]:
                if c_idle is None or f < c_idle[2]:
                    c_idle = (a, var, f)
            elif c_busy is None or f < c_busy[2]:
                c_busy = (a, var, f)
        if f < f_any - tol:
            f_any, any_choice = f, (a, var, f)
    return c_idle or c_busy, f_any, any_choice


# --- The hopeless test (one rule; drops only jobs no schedule can save) ---------------------


def _best_remaining(costs, bits) -> tuple[list[float], list[float]]:
    """Per layer: fastest option, and best-case time from its start to the job's end.

    The longest path of the fastest option per layer (variants included: optimistic, so a
    job found hopeless is hopeless under any schedule).
    """
    n = costs.num_layers
    best = []
    for i in range(n):
        b = min(costs.lat[i])
        if bits[i]:
            b = min(b, min(costs.var_lat[i]))
        best.append(b)
    rem = [0.0] * n
    for i in range(n - 1, -1, -1):
        tail = max((rem[s] for s in costs.succs[i]), default=0.0)
        rem[i] = best[i] + tail
    return best, rem


def _hopeless(now: float, remaining: float, deadline: float) -> bool:
    """Whether a job needing at least ``remaining`` from ``now`` misses ``deadline``."""
    return now + remaining > deadline


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
