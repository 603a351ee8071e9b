"""DREAM (Kim et al., ASPLOS 2023), as documented in ``docs/design.md`` ("DREAM").

DREAM has no public code; this is an interpretation of its published description: a MapScore
per (job, accelerator) from urgency, fairness (job waiting and per-task starvation) and
energy/affinity, with weights adapted online from observed misses, starvation and energy,
dispatch in layer blocks, frame drops, and model switching to a lighter admissible variant
combination (the counterpart of DREAM's supernet sub-networks) when a frame is urgent.
:data:`PAPER_OPTIONS` restores the first, paper-protocol interpretation.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

try:
    import cython  # the compiler needs this exact import
except ModuleNotFoundError:  # pragma: no cover - Cython is an optional extra
    from terastal._accel import _shadow as cython

from terastal.errors import InputError
from terastal.model.contract import SimView
from terastal.model.costs import TaskCosts
from terastal.model.job import ACTIVE, IN_TIME, Job
from terastal.schedulers._dream_adapt import AdaptWindow
from terastal.schedulers._dream_due import DueQueue
from terastal.schedulers._dream_models import Combo, TaskVersions
from terastal.schedulers._dream_preset import DREAM_OPTIONS, PAPER_OPTIONS
from terastal.schedulers._hopeless import cascade_parents
from terastal.schedulers.base import Scheduler

_INF = math.inf
#: Taken off a kept hopeless parent's score: more than any score (each term is at most 1).
_LATE = 10.0


class DREAM(Scheduler):
    """MapScore scheduling with adaptive weights, layer blocks, frame drops and switching.

    Options
    -------
    preset : {None, "paper"}
        ``"paper"``: every option not given explicitly takes its :data:`PAPER_OPTIONS` value.
    plan : terastal.planner.Plan or None
        Offline plan; DREAM reads only its admissible variant combinations and their accuracy
        (for switching and :meth:`accuracy_loss`). Without one, no switching.
    w_urgency, w_fairness, w_energy : float
        Initial MapScore weights (normalized to sum 1).
    urgency : {"ratio", "slack", "laxity"}
        Urgency of a job with slack ``S`` = deadline - now and best-case remaining time ``R``:
        ``min(1, R/S)`` (``ratio``), ``exp(-S/tau)`` (``slack``, an EDF order) or
        ``exp(-(S-R)/tau)`` (``laxity``, a least-laxity order), each 1 when the argument is
        not positive.
    urgency_scale : float
        ``tau`` = this x the median relative deadline of the tasks.
    task_fairness : float
        Share of the fairness term given to the job's task's recent miss ratio (an
        exponential average over its last ~``task_window`` ended jobs); the rest is the job's
        own waiting time ``w / (w + L_min)``. 0 = job-level fairness only.
    task_window : int
        Averaging length of the per-task miss ratio.
    adapt : bool
        Adapt the weights online every ``window`` ended jobs.
    adapt_fairness : bool
        Also adapt the fairness weight, from the spread of per-task miss ratios.
    window : int
        Jobs per adaptation window.
    eta : float
        Adaptation step.
    target_miss, target_energy_excess, target_spread : float
        Miss ratio, relative energy excess over the per-layer minimum, and spread (worst task
        minus mean task miss ratio) that the adaptation steers towards.
    min_weight : float
        Lower bound of each weight before normalization.
    block : int
        Layers per block: a job mapped to an accelerator keeps it for up to this many
        consecutive layers.
    max_slowdown : float
        A job may use an accelerator only if its layer would finish there no later than
        ``now + max_slowdown x (best finish - now)``, the best over all accelerators
        counting their busy time (so a very slow idle core is not taken blindly).
    drop : bool
        Drop frames that cannot make their deadline (only when the late policy allows drops).
    drop_slack : float
        A frame is dropped when ``now + R`` passes its deadline, ``R`` its best-case remaining
        time (its lightest admissible version before it starts), or, once it has waited since
        its layer became ready, when ``now + drop_slack x R`` does; 1.0 drops only frames that
        cannot make it even alone on the fastest accelerators.
    switching : bool
        Model switching: a job whose urgency ``R/S`` at its first dispatch exceeds
        ``switch_urgency`` runs a lighter admissible variant combination (needs a plan).
    switch_urgency : float
        Urgency above which a job switches; 0 = every job runs its lightest version.
    parents : {"keep", "drop"}
        ``keep``: a frame the drop test gives up whose model has cascaded children is kept
        (also after the horizon) and scores last, since its completion still
        releases them; the
        paper preset drops it.

    The defaults are tuned (``benchmarks/tune_dream.py``); ``preset="paper"`` gives the
    paper-protocol values.
    """

    name = "dream"
    #: Takes the offline plan (for model switching) when a caller has one.
    needs_plan = True
    # Tuned defaults (benchmarks/tune_dream.py on benchmarks/dream_tuning.yaml; docs/design.md).
    options: ClassVar[dict[str, Any]] = DREAM_OPTIONS

    def __init__(self, **options: Any) -> None:
        if options.get("preset") == "paper":
            options = {**PAPER_OPTIONS, **options}
        super().__init__(**options)
        if self.w_urgency + self.w_fairness + self.w_energy <= 0:
            raise InputError(
                "scheduler 'dream' option w_urgency: the three weights must not all be 0"
            )

    def reset(self, view: SimView) -> None:
        """Start a run with the initial weights, no open blocks and no task history."""
        plan = self.plan if self.switching else None
        if plan is not None:
            plan.check(view.scenario, view.platform)
        self._versions = [
            TaskVersions(c, None if plan is None else plan.task(c.task.name)) for c in view.costs
        ]
        self._chosen: dict[int, Combo] = {}  # job id -> version, fixed at its first dispatch
        total = self.w_urgency + self.w_fairness + self.w_energy
        self.weights = [self.w_urgency / total, self.w_fairness / total, self.w_energy / total]
        self._block_job: list[Job | None] = [None] * view.num_accelerators
        self._block_left = [0] * view.num_accelerators
        ntasks = len(view.costs)
        self._task_miss = [0.0] * ntasks
        self._win = AdaptWindow(ntasks)
        self.history: list[tuple[float, float, float, float]] = []  # (t, w_u, w_f, w_e)
        self._accs = range(view.num_accelerators)
        self._bw = view.transfer_bytes_per_s
        deadlines = sorted(c.task.relative_deadline_s for c in view.costs)
        self._tau = self.urgency_scale * (deadlines[len(deadlines) // 2] if deadlines else 1.0)
        # Per task and layer, the lowest variant energy (None without a variant).
        self._min_var_energy = [
            tuple(None if row is None else min(row) for row in c.var_energy) for c in view.costs
        ]
        self._due = DueQueue(self.drop_slack)
        # Jobs with cascaded children kept past the drop test (they score last).
        self._late: set[Job] = set()
        keep = self.parents == "keep"
        self._parent = cascade_parents(view) if keep else [False] * ntasks
        # What _score reads on every call, as one attribute (cheaper, compiled, than a dozen
        # attribute reads of this Python object): values fixed for the run, and containers
        # only ever updated in place.
        self._per_call = (
            self._chosen, self._versions, self.weights, self._task_miss, self._late,
            self.task_fairness, self.switch_urgency, self.urgency == "ratio",
            self.urgency == "slack", self._tau, self._accs, self.max_slowdown,
        )  # fmt: skip
        # The same for decide and _drops.
        self._per_decide = (
            self.drop, self._chosen, len(self._accs), self.max_slowdown, self._block_job,
            self._block_left, self.block - 1,
        )  # fmt: skip
        self._per_drops = (
            self._chosen, self._versions, self.drop_slack, self._due, self._late, self._parent,
        )  # fmt: skip

    def accuracy_loss(self, task: str, variant_layers: frozenset[int]) -> float:
        """Normalized accuracy loss of a job of ``task`` that ran ``variant_layers``.

        Read from the plan's accuracy table; ``nan`` for an unmeasured combination.
        """
        if not variant_layers:
            return 0.0
        return float("nan") if self.plan is None else self.plan.loss_of(task, variant_layers)

    # ------------------------------------------------------------------------------------------
    # Compiled (docs/design.md, "Compiled accelerator"), a job is the Job's struct (dream.pxd,
    # model/job.pxd): its slots are read as C members, and the scores' arithmetic is on C
    # doubles (the same IEEE operations, in the same order, as on the floats they all are).
    @cython.locals(job=Job, ready_layers=list)
    def _drops(self, view: SimView, now: float) -> list[Job]:
        """Ready jobs that cannot, or (queued) are not expected to, make their deadline.

        The ``drop_slack`` margin applies only to a job that has waited since its layer
        became ready: a job that could still run now is not given up on a prediction.
        """
        chosen, versions, k, due, late, parent = self._per_drops
        out = []
        if not due.due(view, now, chosen, versions):
            return out
        for job in view.ready_jobs:
            if job in late:
                continue
            combo = chosen.get(job._id) or versions[job._costs.index].lightest
            ready_layers = job._ready
            rem = combo.rem[ready_layers[0] if ready_layers else -1]  # at job.next_layer
            deadline = job._deadline
            if now + rem > deadline or (
                k != 1.0 and now > job._ready_since and now + k * rem > deadline
            ):
                if parent[job._costs.index]:
                    late.add(job)  # its completion still releases its children
                    continue
                out.append(job)
        return out

    @cython.locals(job=Job, c=TaskCosts, a=cython.Py_ssize_t, layer=cython.Py_ssize_t,
                   ready_layers=list, ok=cython.bint, finish=list, limit=cython.double,
                   n=cython.Py_ssize_t, ms=cython.double)  # fmt: skip
    def decide(self, view: SimView) -> list[tuple]:
        """Drop hopeless jobs, continue open blocks, then map by MapScore."""
        now = view.now
        out: list[tuple] = []
        taken: set[Job] = set()
        drop, chosen, n, ms, block_job, block_left, block_more = self._per_decide
        if drop and view.may_drop:
            for job in self._drops(view, now):
                out.append((job,))
                taken.add(job)
        idle = list(view.idle_flags)
        free = view.free_at
        busy = [f - now for f in free]
        # Continue open blocks: the block's job keeps its accelerator while layers remain.
        for a, job in enumerate(block_job):
            if job is None or not idle[a]:
                continue
            # job.next_layer and job.finished, from the slots
            ready_layers = job._ready
            layer = ready_layers[0] if ready_layers else -1
            ok = (
                block_left[a] > 0
                and not (job._status != ACTIVE or job._doomed)
                and job not in taken
                and layer >= 0
            )
            if ok:
                var = chosen[job._id].flags[layer]
                c = job._costs
                finish = []
                limit = _reach(view, job, layer, now, (c.var_lat if var else c.lat)[layer], busy,
                               finish, n, ms)  # fmt: skip
                ok = finish[a] <= limit
            if ok:
                out.append((job, layer, a, var))
                taken.add(job)
                idle[a] = False
                block_left[a] -= 1
            else:
                block_job[a] = None
        if True not in idle:
            return out
        ready = view.ready_jobs
        candidates = [j for j in ready if j not in taken] if taken else ready
        if not candidates:
            return out
        scored = self._score(view, candidates, idle, free, busy, now)
        scored.sort()
        for _, _, a, job, layer, combo in scored:
            if idle[a] and job not in taken:
                out.append((job, layer, a, combo.flags[layer]))
                taken.add(job)
                idle[a] = False
                block_job[a] = job
                block_left[a] = block_more
                chosen.setdefault(job._id, combo)
        return out

    @cython.locals(job=Job, layer=cython.Py_ssize_t, now=cython.double, usable=list,
                   scored=list, finish=list, energy=tuple, a=cython.Py_ssize_t,
                   f=cython.double, limit=cython.double, run=cython.double, speed=cython.double,
                   en=cython.double, thrift=cython.double, min_lat=cython.double,
                   min_energy=cython.double, base=cython.double, half_e=cython.double,
                   w_u=cython.double, w_f=cython.double, w_e=cython.double,
                   urgency=cython.double, wait=cython.double, fairness=cython.double,
                   t0=cython.double, tf=cython.double, task_miss=list,
                   ready_layers=list, c=TaskCosts, slack=cython.double, rem=cython.double,
                   x=cython.double, tau=cython.double, ratio=cython.bint, by_slack=cython.bint,
                   n=cython.Py_ssize_t, ms=cython.double)  # fmt: skip
    def _score(self, view: SimView, candidates, idle, free, busy, now: float) -> list[tuple]:
        """``(-MapScore, job id, accelerator, job, layer, version)`` of every admissible pair."""
        # ratio, by_slack: DREAM's urgency (the ``urgency`` option), computed in the loop
        (chosen, versions, weights, task_miss, late, tf, threshold, ratio, by_slack, tau, accs,
         ms) = self._per_call  # fmt: skip
        w_u, w_f, w_e = weights
        half_e = w_e * 0.5
        n = len(accs)
        exp = math.exp
        # the cores a pair may use: idle, and free (the first two admissibility tests)
        usable = [a for a in accs if idle[a] and not free[a] > now]
        scored = []
        for job in candidates:
            jid = job._id
            ready_layers = job._ready
            layer = ready_layers[0] if ready_layers else -1  # job.next_layer
            c = job._costs
            t0 = job._deadline
            slack = t0 - now
            combo = chosen.get(jid)
            if combo is None:
                combo = versions[c.index].choose(slack, threshold)
            rem = combo.rem[layer]
            if ratio:
                urgency = 1.0
                if slack > 0:
                    x = rem / slack
                    if x < 1.0:  # min(1.0, rem / slack)
                        urgency = x
            else:
                x = slack if by_slack else slack - rem
                urgency = exp(-x / tau) if x > 0 else 1.0
            t0 = job._ready_since
            wait = now - t0
            min_lat = combo.min_lat[layer]
            fairness = wait / (wait + min_lat) if wait > 0 else 0.0
            if tf:
                t0 = task_miss[c.index]
                fairness = (1.0 - tf) * fairness + tf * t0
            base = w_u * urgency + w_f * fairness
            if job in late:
                base -= _LATE  # a kept hopeless parent: after every job still in time
            var = combo.flags[layer]
            energy = (c.var_energy if var else c.energy)[layer]
            min_energy = combo.min_energy[layer]
            finish = []
            limit = _reach(view, job, layer, now, (c.var_lat if var else c.lat)[layer], busy,
                           finish, n, ms)  # fmt: skip
            for a in usable:
                # admissible: idle, and not much later than the best finish counting busy time
                f = finish[a]
                if f > limit:
                    continue
                run = f - now
                speed = min_lat / run if run > 0 else 1.0
                en = energy[a]
                thrift = min_energy / en if en > 0 else 1.0
                # (-score, job id, accelerator) is unique, so the sort never compares jobs
                scored.append((-(base + half_e * (speed + thrift)), jid, a, job, layer, combo))
        return scored

    # ------------------------------------------------------------------------------------------
    def on_job_end(self, job: Job, view: SimView) -> None:
        """Update the task's miss ratio and the window; adapt the weights when it is full."""
        self._chosen.pop(job.id, None)
        self._late.discard(job)
        missed = job.status != IN_TIME
        ti = job.task_index
        alpha = 1.0 / self.task_window
        self._task_miss[ti] += alpha * (missed - self._task_miss[ti])
        if not self.adapt:
            return
        win = self._win
        win.add(job, missed, self._min_var_energy[job.costs.index])
        if win.jobs >= self.window:
            win.step(self.weights, self)  # then a new window
            self.history.append((view.now, *self.weights))


# A C function when compiled: a method called per candidate costs a Python call.
@cython.cfunc
@cython.locals(job=Job, layer=cython.Py_ssize_t, now=cython.double, lat=tuple, busy=list,
               finish=list, n=cython.Py_ssize_t, ms=cython.double, c=TaskCosts,
               src=cython.Py_ssize_t, move=cython.double, best=cython.double,
               a=cython.Py_ssize_t, f=cython.double, t0=cython.double)  # fmt: skip
def _reach(
    view: SimView, job: Job, layer: int, now: float, lat, busy, finish, n, ms
) -> cython.double:
    """Fill ``finish`` for ``layer`` (latency row ``lat``) started now; return the limit.

    ``finish[a]``: when it would finish on accelerator ``a`` of the ``n``. The limit: the
    latest admissible finish, ``ms`` (``max_slowdown``) times the best finish counting busy
    time (``busy[a]`` = the accelerator's free time - now). For a chain the minimum is taken
    in the loop that fills ``finish`` (cheaper than ``min`` of a second list over a few
    accelerators; the same sums, the same minimum).
    """
    c = job._costs
    best = _INF
    if c.is_chain:
        # Only the previous layer's output may move: cheaper than asking the view per core.
        src = job._acc_of[layer - 1] if layer else -1
        move = c.chain_move_s[layer]
        for a in range(n):
            t0 = lat[a]
            f = now + (0.0 if a == src else move) + t0
            finish.append(f)
            t0 = busy[a]
            f = t0 + f
            if f < best:
                best = f
    else:
        transfer = view.transfer_s
        for a in range(n):
            finish.append(now + transfer(job, layer, a) + lat[a])
        best = min([busy[a] + f for a, f in enumerate(finish)])
    return now + ms * (best - now) + 1e-15
