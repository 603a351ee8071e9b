"""DREAM (Kim et al., ASPLOS 2023), as documented in ``docs/design.md`` ("Baseline schedulers").

DREAM has no public code; this is an interpretation of its published description: a MapScore
per (job, accelerator) from urgency, fairness and energy/affinity, with weights adapted
online from observed deadline misses and energy, dispatch in layer blocks, and frame drops.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from terastal.schedulers.base import Scheduler
from terastal.sim.job import IN_TIME, Job
from terastal.sim.view import SimView


class DREAM(Scheduler):
    """MapScore scheduling with adaptive weights, layer blocks and frame drops.

    Options
    -------
    w_urgency, w_fairness, w_energy : float
        Initial MapScore weights (normalized to sum 1).
    adapt : bool
        Adapt the weights online every ``window`` ended jobs.
    window : int
        Jobs per adaptation window.
    eta : float
        Adaptation step.
    target_miss, target_energy_excess : float
        Miss ratio and relative energy excess over the per-layer minimum that the adaptation
        steers towards.
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
        Drop jobs that cannot meet their deadline even on the fastest accelerators (only when
        the late policy allows drops).
    """

    name = "dream"
    options: ClassVar[dict[str, Any]] = {
        "w_urgency": 0.5,
        "w_fairness": 0.25,
        "w_energy": 0.25,
        "adapt": True,
        "window": 32,
        "eta": 1.0,
        "target_miss": 0.05,
        "target_energy_excess": 0.10,
        "min_weight": 0.05,
        "block": 4,
        "max_slowdown": 1.5,
        "drop": True,
    }

    def reset(self, view: SimView) -> None:
        """Start a run with the initial weights and no open blocks."""
        total = self.w_urgency + self.w_fairness + self.w_energy
        self.weights = [self.w_urgency / total, self.w_fairness / total, self.w_energy / total]
        self._block_job: list[Job | None] = [None] * view.num_accelerators
        self._block_left = [0] * view.num_accelerators
        self._win_jobs = self._win_miss = 0
        self._win_energy = self._win_best = 0.0
        self.history: list[tuple[float, float, float, float]] = []  # (t, w_u, w_f, w_e)

    # ------------------------------------------------------------------------------------------
    def _admissible(
        self, view: SimView, free: tuple[float, ...], job: Job, layer: int, now: float
    ) -> list[float]:
        """Per accelerator, the finish time if dispatched now, or ``inf`` if not admissible."""
        costs = job.costs
        lat = costs.lat[layer]
        n = len(lat)
        if costs.is_chain:
            # Only the previous layer's output may move: cheaper than asking the view per core.
            src = job.layer_accelerator(layer - 1) if layer else -1
            move = costs.out_bytes[layer - 1] / view.transfer_bytes_per_s if src >= 0 else 0.0
            xfer = [0.0 if a == src else move for a in range(n)]
        else:
            xfer = [view.transfer_s(job, layer, a) for a in range(n)]
        finish = [now + xfer[a] + lat[a] for a in range(n)]
        best = min(free[a] - now + finish[a] for a in range(n))
        limit = now + self.max_slowdown * (best - now) + 1e-15
        return [f if free[a] <= now and f <= limit else math.inf for a, f in enumerate(finish)]

    def decide(self, view: SimView) -> list[tuple]:
        """Drop hopeless jobs, continue open blocks, then map by MapScore."""
        now = view.now
        out: list[tuple] = []
        taken: set[Job] = set()
        if self.drop and view.may_drop:
            for job in view.ready_jobs:
                if now + job.costs.rem_min[job.next_layer] > job.deadline:
                    out.append((job,))
                    taken.add(job)
        idle = list(view.idle_flags)
        free = view.free_at
        # Continue open blocks: the block's job keeps its accelerator while layers remain.
        for a, job in enumerate(self._block_job):
            if job is None or not idle[a]:
                continue
            layer = job.next_layer
            ok = (
                self._block_left[a] > 0
                and not job.finished
                and job not in taken
                and layer >= 0
                and self._admissible(view, free, job, layer, now)[a] < math.inf
            )
            if ok:
                out.append((job, layer, a, False))
                taken.add(job)
                idle[a] = False
                self._block_left[a] -= 1
            else:
                self._block_job[a] = None
        candidates = [j for j in view.ready_jobs if j not in taken]
        if not candidates or not any(idle):
            return out
        w_u, w_f, w_e = self.weights
        scored = []
        for job in candidates:
            c = job.costs
            layer = job.next_layer
            slack = job.deadline - now
            urgency = min(1.0, c.rem_min[layer] / slack) if slack > 0 else 1.0
            wait = now - job.ready_since
            fairness = wait / (wait + c.min_lat[layer]) if wait > 0 else 0.0
            base = w_u * urgency + w_f * fairness
            finish = self._admissible(view, free, job, layer, now)
            for a, f in enumerate(finish):
                if f == math.inf or not idle[a]:
                    continue
                run = f - now
                speed = c.min_lat[layer] / run if run > 0 else 1.0
                en = c.energy[layer][a]
                thrift = c.min_energy[layer] / en if en > 0 else 1.0
                score = base + w_e * 0.5 * (speed + thrift)
                scored.append((-score, job.id, a, job, layer))
        scored.sort(key=lambda s: s[:3])
        for _, _, a, job, layer in scored:
            if idle[a] and job not in taken:
                out.append((job, layer, a, False))
                taken.add(job)
                idle[a] = False
                self._block_job[a] = job
                self._block_left[a] = self.block - 1
        return out

    # ------------------------------------------------------------------------------------------
    def on_job_end(self, job: Job, view: SimView) -> None:
        """Accumulate the window's misses and energy; adapt the weights when it is full."""
        if not self.adapt:
            return
        self._win_jobs += 1
        self._win_miss += job.status != IN_TIME
        c = job.costs
        best = 0.0
        for layer in range(c.num_layers):
            if job.layer_accelerator(layer) >= 0:
                row = c.var_energy[layer] if layer in job.variants else c.energy[layer]
                best += min(row)
        self._win_energy += job.energy_j
        self._win_best += best
        if self._win_jobs < self.window:
            return
        miss = self._win_miss / self._win_jobs
        excess = self._win_energy / self._win_best - 1.0 if self._win_best > 0 else 0.0
        w = self.weights
        w[0] *= math.exp(self.eta * (miss - self.target_miss))
        w[2] *= math.exp(self.eta * (excess - self.target_energy_excess))
        w[:] = [max(self.min_weight, x) for x in w]
        total = sum(w)
        w[:] = [x / total for x in w]
        self.history.append((view.now, *w))
        self._win_jobs = self._win_miss = 0
        self._win_energy = self._win_best = 0.0
