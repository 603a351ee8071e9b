"""DREAM's online weight adaptation (docs/design.md, "DREAM"): the jobs ended since the last
step, and the step that moves the three MapScore weights towards their targets."""

from __future__ import annotations

import math

from terastal.model.job import Job


class AdaptWindow:
    """Jobs ended since the last adaptation: their number and misses (also per task), the
    energy they used and the energy their run layers would have used at the cheapest."""

    def __init__(self, ntasks: int) -> None:
        self.task = [[0, 0] for _ in range(ntasks)]  # (ended, missed) per task
        self.jobs = self.miss = 0
        self.energy = self.best = 0.0

    def add(self, job: Job, missed: bool, min_var) -> None:
        """Count an ended job (``min_var``: its task's lowest variant energy per layer)."""
        self.jobs += 1
        self.miss += missed
        row = self.task[job.task_index]
        row[0] += 1
        row[1] += missed
        self.energy += job.energy_j
        c = job.costs
        variants = job.variants
        min_energy = c.min_energy
        best = 0.0
        for layer in range(c.num_layers):
            if job.layer_accelerator(layer) >= 0:
                best += min_var[layer] if layer in variants else min_energy[layer]
        self.best += best

    def step(self, w: list[float], s) -> None:
        """Move the weights ``w`` (urgency, fairness, energy) in place towards the targets of
        the scheduler ``s`` (``eta``, ``target_*``, ``min_weight``, ``adapt_fairness``),
        normalize them, and start a new window."""
        miss = self.miss / self.jobs
        excess = self.energy / self.best - 1.0 if self.best > 0 else 0.0
        w[0] *= math.exp(s.eta * (miss - s.target_miss))
        if s.adapt_fairness:
            ratios = [m / n for n, m in self.task if n]
            spread = max(ratios) - sum(ratios) / len(ratios)
            w[1] *= math.exp(s.eta * (spread - s.target_spread))
        w[2] *= math.exp(s.eta * (excess - s.target_energy_excess))
        w[:] = [max(s.min_weight, x) for x in w]
        total = sum(w)
        w[:] = [x / total for x in w]
        self.jobs = self.miss = 0
        self.energy = self.best = 0.0
        for row in self.task:
            row[0] = row[1] = 0
