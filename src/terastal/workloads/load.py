"""Utilization and skew of a scenario on a platform (definitions in ``docs/design.md``).

- A task's *rate* is its fps times the product of the trigger probabilities up its cascade.
- *Utilization* ``U = sum_tasks rate * sum_layers min_a latency[l, a] / |A|``: the load the
  task set puts on the platform if every layer ran at its fastest latency and the load were
  perfectly balanced. ``U > 1`` is overload for every scheduler.
- Accelerators with identical latency columns form a *class* (e.g. both WS cores of a quad
  WS_OS_WS_OS). *Skew* is the share of the demand (rate x fastest latency) whose preferred
  accelerator lies in the most-demanded class: 1/#classes = balanced, 1.0 = everything
  prefers one class. *Class load* is that class's preferred demand per core; under a
  preferred-accelerator mapping it is the utilization of the busiest cores.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from terastal.cost.tables import TaskCostTable
from terastal.errors import InputError
from terastal.model import IDENTICAL_REL_TOL, Scenario, release_rates


@dataclass(frozen=True)
class WorkloadLoad:
    """Load characterization of a scenario on a platform.

    Attributes
    ----------
    utilization : float
        Balanced utilization at fastest latencies (see module docstring).
    skew : float
        Share of demand preferring the most-demanded accelerator class.
    preferred_load : tuple of float
        Per accelerator, its utilization if every layer ran on its preferred class (demand
        spread evenly over the class's cores).
    rates_hz : dict of str to float
        Effective release rate per task.
    """

    utilization: float
    skew: float
    preferred_load: tuple[float, ...]
    rates_hz: dict[str, float]


def accelerator_classes(tables: Mapping[str, TaskCostTable]) -> list[int]:
    """Class id per accelerator: accelerators with identical latency columns share one."""
    cols = np.concatenate([t.latency_s for t in tables.values()], axis=0)
    ids: list[int] = []
    reps: list[int] = []
    for a in range(cols.shape[1]):
        for k, r in enumerate(reps):
            if np.allclose(cols[:, a], cols[:, r], rtol=IDENTICAL_REL_TOL, atol=0.0):
                ids.append(k)
                break
        else:
            reps.append(a)
            ids.append(len(reps) - 1)
    return ids


def measure_load(scenario: Scenario, tables: Mapping[str, TaskCostTable]) -> WorkloadLoad:
    """Utilization, skew and per-accelerator preferred load of ``scenario``."""
    rates = release_rates(scenario.tasks)
    classes = accelerator_classes(tables)
    n_acc = len(classes)
    n_cls = max(classes) + 1
    members = np.bincount(classes, minlength=n_cls)
    demand = np.zeros(n_cls)
    total = 0.0
    for t in scenario.tasks:
        lat = tables[t.name].latency_s
        best = lat.min(axis=1)
        pref_cls = np.asarray(classes)[np.argmin(lat, axis=1)]
        np.add.at(demand, pref_cls, rates[t.name] * best)
        total += rates[t.name] * best.sum()
    per_core = demand / members
    return WorkloadLoad(
        utilization=float(total / n_acc),
        skew=float(demand.max() / total) if total > 0 else 0.0,
        preferred_load=tuple(float(per_core[c]) for c in classes),
        rates_hz=rates,
    )


def scale_rates(scenario: Scenario, factor: float) -> Scenario:
    """The scenario with every task's fps multiplied by ``factor`` (deadlines stay one period
    when they were one period)."""
    if not factor > 0:
        raise InputError(f"load scale must be > 0, got {factor}", field="load_scale")
    tasks = tuple(dataclasses.replace(t, fps=t.fps * factor) for t in scenario.tasks)
    return dataclasses.replace(scenario, tasks=tasks)


def scale_to_utilization(
    scenario: Scenario,
    tables: Mapping[str, TaskCostTable],
    target: float,
    shares: str = "nominal",
) -> Scenario:
    """The scenario with its fps set so that its utilization equals ``target``.

    Parameters
    ----------
    scenario, tables
        Workload and its cost tables on the platform.
    target : float
        Utilization to reach.
    shares : {"nominal", "equal"}
        ``nominal`` scales every fps by one factor (keeps the scenario's rate ratios);
        ``equal`` gives every stream (a root task with its cascade) the same share of the
        demand, so that no stream is denser than ``target x |A| / #streams`` (a chain cannot
        use two cores at once, so a task denser than 1 misses under any scheduler); cascaded
        tasks take their root's fps.
    """
    if not target > 0:
        raise InputError(f"utilization must be > 0, got {target}", field="utilization")
    if shares == "nominal":
        u = measure_load(scenario, tables).utilization
        return scale_rates(scenario, target / u)
    if shares != "equal":
        raise InputError(f"shares must be 'nominal' or 'equal', got {shares!r}", field="shares")
    n_acc = next(iter(tables.values())).latency_s.shape[1]
    rates = release_rates(scenario.tasks)
    # A stream is a root task with its cascade; each stream gets the same demand share and
    # its cascaded tasks keep the root's frame rate (their deadline is one stream period).
    roots = {t.name: scenario.root(t.name).name for t in scenario.tasks}
    streams = list(dict.fromkeys(roots.values()))
    per_stream = target * n_acc / len(streams)
    work: dict[str, float] = dict.fromkeys(streams, 0.0)
    by_name = {t.name: t for t in scenario.tasks}
    for t in scenario.tasks:
        # Demand per unit root fps: trigger probability x fastest whole-model latency.
        root_fps = by_name[roots[t.name]].fps
        per_root = rates[t.name] / root_fps
        work[roots[t.name]] += per_root * float(tables[t.name].latency_s.min(axis=1).sum())
    fps = {r: per_stream / work[r] for r in streams}
    tasks = tuple(dataclasses.replace(t, fps=fps[roots[t.name]]) for t in scenario.tasks)
    return dataclasses.replace(scenario, tasks=tasks)


def max_density(scenario: Scenario, tables: Mapping[str, TaskCostTable]) -> float:
    """Largest per-task density: fastest whole-model latency / relative deadline."""
    return max(
        float(tables[t.name].latency_s.min(axis=1).sum()) / t.relative_deadline_s
        for t in scenario.tasks
    )
