"""DREAM's model switching: the whole-model variant combinations a job may run.

DREAM switches a model to a lighter sub-network of its supernet when a frame is urgent. Here
the counterpart of a sub-network is an admissible combination of layer variants from the
plan's accuracy tables (the same sets Terastal draws from, under the same accuracy limit): a
job picks one combination when its first layer is dispatched and runs every layer of it as
the variant. The rule and its reasons are in ``docs/design.md`` ("DREAM").
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from terastal.model.costs import TaskCosts


class Combo(NamedTuple):
    """One whole-model version of a task: which layers run as their variant.

    ``min_lat`` / ``min_energy`` are per layer the lowest latency / energy over accelerators
    of the version that layer runs as, and ``rem[l]`` is the sum of ``min_lat`` over layers
    ``l..n-1`` (``rem[n] = 0``), as ``TaskCosts.rem_min`` is for the original model.
    """

    layers: frozenset[int]
    flags: tuple[bool, ...]
    loss: float
    min_lat: tuple[float, ...]
    min_energy: tuple[float, ...]
    rem: tuple[float, ...]


def original(costs: TaskCosts) -> Combo:
    """The original model: no variant."""
    n = costs.num_layers
    return Combo(frozenset(), (False,) * n, 0.0, costs.min_lat, costs.min_energy, costs.rem_min)


def _combo(costs: TaskCosts, layers: frozenset[int], loss: float) -> Combo:
    flags = tuple(i in layers for i in range(costs.num_layers))
    lat = [min(costs.var_lat[i]) if f else costs.min_lat[i] for i, f in enumerate(flags)]
    energy = [min(costs.var_energy[i]) if f else costs.min_energy[i] for i, f in enumerate(flags)]
    rem = [0.0] * (len(lat) + 1)
    for i in range(len(lat) - 1, -1, -1):
        rem[i] = rem[i + 1] + lat[i]
    return Combo(layers, flags, loss, tuple(lat), tuple(energy), tuple(rem))


class TaskVersions:
    """The versions a task's jobs may run, lightest-first lookups precomputed.

    Parameters
    ----------
    costs : TaskCosts
        The task's costs (variant columns included when the tables were built with the plan's
        variant shapes).
    plan_task : TaskPlan or None
        The task's plan; without one (or with switching off) only the original exists.

    Attributes
    ----------
    base : Combo
        The original model.
    lighter : tuple of Combo
        Admissible combinations whose best-case time is below the original's, by accuracy
        loss (then best-case time, then layers): the order switching tries them in.
    lightest : Combo
        The version with the lowest best-case time (``base`` when nothing is lighter).
    """

    __slots__ = ("base", "lighter", "lightest")

    def __init__(self, costs: TaskCosts, plan_task: Any = None) -> None:
        self.base = original(costs)
        found = []
        if plan_task is not None:
            for layers in plan_task.admissible:
                if not layers or any(costs.var_lat[i] is None for i in layers):
                    continue  # the tables lack this variant: the version cannot run
                acc = plan_task.accuracy_of(layers)
                loss = math.inf if acc is None else 1.0 - acc
                c = _combo(costs, frozenset(layers), loss)
                if c.rem[0] < self.base.rem[0]:
                    found.append(c)
        found.sort(key=lambda c: (c.loss, c.rem[0], sorted(c.layers)))
        self.lighter = tuple(found)
        self.lightest = min(found, key=lambda c: (c.rem[0], c.loss), default=self.base)

    def choose(self, slack: float, threshold: float) -> Combo:
        """The version a job starting with ``slack`` seconds to its deadline runs.

        The original while its urgency ``rem/slack`` stays at most ``threshold``; otherwise
        the least lossy lighter version within it; if none is, the lightest.
        """
        if not self.lighter:
            return self.base
        if slack > 0:
            budget = threshold * slack
            if self.base.rem[0] <= budget:
                return self.base
            for c in self.lighter:
                if c.rem[0] <= budget:
                    return c
        return self.lightest
