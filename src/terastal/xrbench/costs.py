"""Per-model cost of every network on every accelerator, as XRBench's engine uses it.

XRBench runs a whole inference on one accelerator; it sums MAESTRO's per-layer cycles and
energy once per (accelerator, model) (cost-class.hpp:180-184, runtime.hpp:345-352) and
converts at a hard-coded 1 GHz: ``latency_ms = (float)cycles / 1e6``, ``energy_mJ = nJ / 1e6``
narrowed to float by the logger (runtime.hpp:379-382, logger.hpp:117).

Two sources:

* ``"xrbench"`` (default): XRBench-MAESTRO's own numbers, measured from the unmodified binary
  and bundled as ``data/xrbench/model_costs.csv``, keyed by (PEs, NoC bandwidth, dataflow,
  network). Exact for XRBench's networks on its hardware files.
* any cost-model spec of :func:`terastal.cost.registry.get_cost_model` (for example
  ``"analytical:mode=xrbench"``): layer costs summed per model, for networks or accelerators
  the table does not cover.
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from typing import NamedTuple

from terastal.cost.registry import get_cost_model, parse_cost_spec
from terastal.errors import InputError
from terastal.model import Accelerator, Platform, Scenario
from terastal.xrbench.f32 import f32

__all__ = ["TABLE_SOURCE", "ModelCost", "cost_matrix"]

#: Name of the bundled XRBench-MAESTRO cost table.
TABLE_SOURCE = "xrbench"


class ModelCost(NamedTuple):
    """Cost of one inference of a model on one accelerator."""

    cycles: int
    latency_ms: float  # float32, as the engine adds it to float32 times
    energy_mj: float  # float32, as logged


def _key(acc: Accelerator) -> tuple[int, int, str]:
    df = getattr(acc.dataflow, "value", acc.dataflow)
    return acc.num_pes, int(acc.noc_bw), str(df)


@cache
def _table() -> dict[tuple[int, int, str, str], ModelCost]:
    ref = resources.files("terastal").joinpath("data", "xrbench", "model_costs.csv")
    out = {}
    with ref.open("r", encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            key = (int(row["num_pes"]), int(row["noc_bw"]), row["dataflow"], row["model"])
            out[key] = ModelCost(
                int(row["latency_cycles_approx"]),
                f32(float(row["latency_ms"])),
                f32(float(row["energy_mJ"])),
            )
    return out


@cache
def _bundled_directives(dataflow: str) -> tuple | None:
    """Directives of XRBench's dataflow file for one accelerator of ``dataflow``."""
    from terastal.io.resolve import load_platform

    try:
        return load_platform(f"Single_4K/{dataflow}").accelerators[0].directives
    except InputError:
        return None


def _bundled_layers(network: str) -> tuple | None:
    from terastal.io.resolve import load_model

    try:
        return load_model(network).layers
    except InputError:
        return None


def _from_table(scenario: Scenario, platform: Platform) -> dict[str, tuple[ModelCost, ...]]:
    table = _table()
    out = {}
    for task in scenario.tasks:
        row = []
        # the table is XRBench's networks on XRBench's dataflow files, nothing else
        same_net = _bundled_layers(task.model.name) == task.model.layers
        for acc in platform.accelerators:
            key = _key(acc)
            same_df = _bundled_directives(key[2]) == acc.directives
            cost = table.get((*key, task.model.name)) if same_net and same_df else None
            if cost is None:
                raise InputError(
                    f"no XRBench cost for network {task.model.name!r} on accelerator "
                    f"{acc.name!r} {_key(acc)}; the bundled table covers XRBench's networks on "
                    "its hardware files: pass a cost model, e.g. analytical:mode=xrbench",
                    field="cost_model",
                )
            row.append(cost)
        out[task.name] = tuple(row)
    return out


def _from_backend(
    scenario: Scenario, platform: Platform, spec: str
) -> dict[str, tuple[ModelCost, ...]]:
    name, options = parse_cost_spec(spec)
    backend = get_cost_model(name, **options)
    out = {}
    for task in scenario.tasks:
        row = []
        for acc in platform.accelerators:
            c = backend.evaluate(task.model.layers, acc)
            cycles = round(float(c.latency_s.sum()) * acc.clock_hz)
            row.append(
                ModelCost(cycles, f32(f32(cycles) / 1e6), f32(float(c.energy_j.sum()) * 1e3))
            )
        out[task.name] = tuple(row)
    return out


def cost_matrix(
    scenario: Scenario, platform: Platform, cost_model: str = TABLE_SOURCE
) -> dict[str, tuple[ModelCost, ...]]:
    """Task name -> its :class:`ModelCost` on each accelerator of ``platform`` (in order).

    Parameters
    ----------
    scenario, platform
        The case.
    cost_model : str
        ``"xrbench"`` for the bundled XRBench-MAESTRO table, or a cost-model spec.
    """
    if cost_model == TABLE_SOURCE:
        return _from_table(scenario, platform)
    return _from_backend(scenario, platform, cost_model)
