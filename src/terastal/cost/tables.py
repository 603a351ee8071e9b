"""Per-task cost tables over a platform: what the simulator and schedulers read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from terastal.cost.base import CostModel
from terastal.model import Layer, Platform, Scenario


@dataclass(frozen=True)
class TaskCostTable:
    """Costs of one task's layers on every accelerator of a platform.

    Arrays are indexed ``[layer, accelerator]``; variant arrays hold ``nan`` where a layer has
    no variant. Arrays are made read-only so that schedulers cannot mutate them.
    """

    task: str
    latency_s: np.ndarray
    energy_j: np.ndarray
    out_bytes: np.ndarray
    var_latency_s: np.ndarray
    var_energy_j: np.ndarray

    def __post_init__(self) -> None:
        for name in ("latency_s", "energy_j", "out_bytes", "var_latency_s", "var_energy_j"):
            getattr(self, name).setflags(write=False)

    @property
    def num_layers(self) -> int:
        """Number of layers."""
        return self.latency_s.shape[0]

    def has_variant(self, layer: int) -> bool:
        """Whether ``layer`` has a variant."""
        return not np.isnan(self.var_latency_s[layer, 0])

    @property
    def preferred(self) -> np.ndarray:
        """Per layer, the index of the accelerator with the lowest original latency."""
        return np.argmin(self.latency_s, axis=1)


def build_cost_tables(
    scenario: Scenario,
    platform: Platform,
    cost_model: CostModel,
    variant_shapes: Mapping[str, Mapping[int, Layer]] | None = None,
) -> dict[str, TaskCostTable]:
    """Evaluate every task's layers (and variants) on every accelerator.

    Parameters
    ----------
    scenario, platform : Scenario, Platform
        What runs where.
    cost_model : CostModel
        Backend.
    variant_shapes : mapping, optional
        ``{task_name: {layer_index: variant_layer_shape}}``.

    Returns
    -------
    dict of str to TaskCostTable
    """
    variant_shapes = variant_shapes or {}
    out: dict[str, TaskCostTable] = {}
    bpe = platform.bytes_per_elem
    for task in scenario.tasks:
        layers = task.model.layers
        n, a = len(layers), len(platform.accelerators)
        lat = np.empty((n, a))
        en = np.empty((n, a))
        vlat = np.full((n, a), np.nan)
        ven = np.full((n, a), np.nan)
        vmap = dict(variant_shapes.get(task.name, {}))
        vidx = sorted(vmap)
        for j, acc in enumerate(platform.accelerators):
            c = cost_model.evaluate(layers, acc)
            lat[:, j] = c.latency_s
            en[:, j] = c.energy_j
            if vidx:
                vc = cost_model.evaluate([vmap[i] for i in vidx], acc)
                vlat[vidx, j] = vc.latency_s
                ven[vidx, j] = vc.energy_j
        out_bytes = np.array([layer.output_elems * bpe for layer in layers], dtype=float)
        out[task.name] = TaskCostTable(task.name, lat, en, out_bytes, vlat, ven)
    return out
