"""DREAM (Kim et al., ASPLOS 2023), as documented in ``docs/design.md`` ("Baseline schedulers").

DREAM has no public code; this is an interpretation of its published description: a MapScore
per (job, accelerator) from urgency, fairness and energy/affinity, with weights adapted
online from observed deadline misses and energy, dispatch in layer blocks, and frame drops.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from terastal.model.contract import SimView
from terastal.model.job import IN_TIME, Job
from terastal.schedulers.base import Scheduler

_INF = math.inf


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
        self._accs = range(view.num_accelerators)
        self._bw = view.transfer_bytes_per_s
        # Per task and layer, the lowest variant energy (None without a variant).
        self._min_var_energy = [
            tuple(None if row is None else min(row) for row in c.var_energy) for c in view.costs
        ]

    # ------------------------------------------------------------------------------------------
    def _finish(self, view: SimView, job: Job, layer: int, now: float) -> list[float]:
        """Per accelerator, when ``layer`` would finish if it started there now."""
        costs = job.costs
        lat = costs.lat[layer]
        if costs.is_chain:
            # Only the previous layer's output may move: cheaper than asking the view per core.
            src = job.layer_accelerator(layer - 1) if layer else -1
            move = costs.chain_move_s[layer]
            return [now + (0.0 if a == src else move) + lat[a] for a in self._accs]
        transfer = view.transfer_s
        return [now + transfer(job, layer, a) + lat[a] for a in self._accs]

    def _limit(self, free: tuple[float, ...], finish: list[float], now: float) -> float:
        """Latest admissible finish: ``max_slowdown`` times the best finish counting busy time."""
        best = min([free[a] - now + f for a, f in enumerate(finish)])
        return now + self.max_slowdown * (best - now) + 1e-15

    def _admissible(
        self, view: SimView, free: tuple[float, ...], job: Job, layer: int, now: float
    ) -> list[float]:
        """Per accelerator, the finish time if dispatched now, or ``inf`` if not admissible."""
        finish = self._finish(view, job, layer, now)
        limit = self._limit(free, finish, now)
        return [f if free[a] <= now and f <= limit else _INF for a, f in enumerate(finish)]

    def decide(self, view: SimView) -> list[tuple]:
        """Drop hopeless jobs, continue open blocks, then map by MapScore."""
        now = view.now
        out: list[tuple] = []
        taken: set[Job] = set()
        ready = view.ready_jobs
        if self.drop and view.may_drop:
            for job in ready:
                if now + job.costs.rem_min[job.next_layer] > job.deadline:
                    out.append((job,))
                    taken.add(job)
        idle = list(view.idle_flags)
        free = view.free_at
        admissible = self._admissible
        # Continue open blocks: the block's job keeps its accelerator while layers remain.
        block_job, block_left = self._block_job, self._block_left
        for a, job in enumerate(block_job):
            if job is None or not idle[a]:
                continue
            layer = job.next_layer
            ok = (
                block_left[a] > 0
                and not job.finished
                and job not in taken
                and layer >= 0
                and admissible(view, free, job, layer, now)[a] < _INF
            )
            if ok:
                out.append((job, layer, a, False))
                taken.add(job)
                idle[a] = False
                block_left[a] -= 1
            else:
                block_job[a] = None
        if True not in idle:
            return out
        candidates = [j for j in ready if j not in taken] if taken else ready
        if not candidates:
            return out
        finish_of, limit_of = self._finish, self._limit
        w_u, w_f, w_e = self.weights
        half_e = w_e * 0.5
        scored = []
        for job in candidates:
            c = job.costs
            layer = job.next_layer
            slack = job.deadline - now
            urgency = min(1.0, c.rem_min[layer] / slack) if slack > 0 else 1.0
            wait = now - job.ready_since
            min_lat = c.min_lat[layer]
            fairness = wait / (wait + min_lat) if wait > 0 else 0.0
            base = w_u * urgency + w_f * fairness
            energy = c.energy[layer]
            min_energy = c.min_energy[layer]
            jid = job.id
            finish = finish_of(view, job, layer, now)
            limit = limit_of(free, finish, now)
            for a, f in enumerate(finish):
                # admissible (see _admissible) and idle
                if not idle[a] or f > limit or free[a] > now:
                    continue
                run = f - now
                speed = min_lat / run if run > 0 else 1.0
                en = energy[a]
                thrift = min_energy / en if en > 0 else 1.0
                # (-score, job id, accelerator) is unique, so the sort never compares jobs
                scored.append((-(base + half_e * (speed + thrift)), jid, a, job, layer))
        scored.sort()
        for _, _, a, job, layer in scored:
            if idle[a] and job not in taken:
                out.append((job, layer, a, False))
                taken.add(job)
                idle[a] = False
                block_job[a] = job
                block_left[a] = self.block - 1
        return out

    # ------------------------------------------------------------------------------------------
    def on_job_end(self, job: Job, view: SimView) -> None:
        """Accumulate the window's misses and energy; adapt the weights when it is full."""
        if not self.adapt:
            return
        self._win_jobs += 1
        self._win_miss += job.status != IN_TIME
        c = job.costs
        variants = job.variants
        min_var = self._min_var_energy[c.index]
        min_energy = c.min_energy
        best = 0.0
        for layer in range(c.num_layers):
            if job.layer_accelerator(layer) >= 0:
                best += min_var[layer] if layer in variants else min_energy[layer]
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
