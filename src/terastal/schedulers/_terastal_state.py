"""Terastal's per-task constants: budgets, variant bits, order keys, home cores.

Computed once per run at :meth:`terastal.schedulers.terastal.Terastal.reset` and kept as
plain lists for the hot loop of its ``decide``.
"""

from __future__ import annotations

from terastal.model.costs import IDENTICAL_REL_TOL
from terastal.schedulers._hopeless import best_remaining, fastest_s


class TaskState:
    """Per-task constants precomputed at reset (plain lists for the hot loop)."""

    __slots__ = (
        "admissible",
        "away",
        "bits",
        "chain",
        "dag",
        "home",
        "home_var",
        "lat",
        "loss",
        "min_opt",
        "move_s",
        "offset",
        "prio",
        "prio_over",
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
            offs = [float(lp.deadline_offset_s) for lp in plan_task.layers]
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
        # Best-case time from the start of a layer to the job's end (the shared hopeless
        # test's). It counts the variants every job may run, those of admissible
        # combinations (optimistic, so drops are safe); the budget's stronger ones are not
        # always available.
        static = set().union(*plan_task.admissible) if self.loss else set()
        drop_bits = [b if i in static else 0 for i, b in enumerate(self.bits)]
        best = fastest_s(costs, drop_bits)
        rem = best_remaining(costs, drop_bits)
        self.rem_best = rem
        # check="remaining": a layer's latest finish leaves the best-case time of what follows.
        self.rem_after = None
        if opts.check == "remaining":
            self.rem_after = [deadline - (rem[i] - best[i]) for i in range(n)]
        self.prio = self.offset if opts.priority == "virtual" else [deadline] * n
        if opts.priority == "laxity":
            # least laxity first: the deadline less the best-case time still needed
            self.prio = [deadline - r for r in rem]
        # Under overload (OverloadDetector) the order's deadline term shrinks towards first
        # come, first served: docs/design.md, "Overload order".
        self.prio_over = [v * opts.overload_scale for v in self.prio]
        if opts.priority == "deadline" and opts.laxity_above > 0:
            # a long job (best case left above a share of its deadline) sorts by least laxity,
            # or the short jobs' deadlines delay each of its layers: docs/design.md, "Overload
            # order", long jobs
            self.prio = [
                deadline - r if r > opts.laxity_above * deadline else p
                for p, r in zip(self.prio, rem, strict=True)
            ]
        if opts.ties == "short":
            # of two jobs with the same deadline, the one with less work left sorts first
            self.prio = [p + r * TIE for p, r in zip(self.prio, rem, strict=True)]
            self.prio_over = [p + r * TIE for p, r in zip(self.prio_over, rem, strict=True)]
        # A layer's virtual deadline, relative to the job's release.
        self.vd_off = self.offset if self.rem_after is None else self.rem_after
        self.dag = any(len(s) > 1 for s in costs.succs)
        self.chain = costs.is_chain
        self.move_s = costs.chain_move_s
        self.lat, self.var_lat = lat, costs.var_lat
        # Per layer, the lowest latency of any option the mapping may consider.
        self.min_opt = [
            min(min(row), min(costs.var_lat[i])) if self.bits[i] else min(row)
            for i, row in enumerate(lat)
        ]
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
        # Per layer, the home a layer whose input lies outside its home takes instead, or None
        # (set by the core affinity, _terastal_affinity.affine_homes).
        self.away = None


#: Longer than any relative deadline: subtracted from a started job's key under overload with
#: commit, so it sorts ahead of every job not started (docs/design.md, "Overload order").
COMMIT_S = 1e3
#: With ``ties="short"``, seconds added to a priority per second of best-case work left: of two
#: jobs with the same deadline the one with less work left sorts first (docs/design.md,
#: "Equal deadlines: less work first"); keys further apart than 30 ns keep their order.
TIE = 1e-6


def order_key(st: TaskState, layer: int, release: float, boost: float, over: bool,
              committed: bool) -> float:  # fmt: skip
    """The ready order's key of a job's ``layer`` (task state ``st``, its release, its task's
    fairness boost): its priority, the overload one when ``over``, and ``committed`` (a
    started job under overload with commit) ahead of every job not started."""
    key = release + (st.prio_over if over else st.prio)[layer] - boost
    if committed:
        key -= COMMIT_S
    return key
