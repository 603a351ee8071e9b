"""Shared helpers of the planner tests: a tiny deterministic cost model and platforms."""

from __future__ import annotations

import numpy as np

from terastal.cost.base import LayerCosts
from terastal.model import Accelerator, Dataflow, Layer, LayerKind, Model, Platform, Scenario, Task


class FakeCost:
    """Roofline-free toy: WS parallelizes K x C, OS parallelizes the output plane."""

    name = "fake"

    def evaluate(self, layers, acc):
        out = []
        for layer in layers:
            if acc.dataflow is Dataflow.WS:
                par = layer.k * layer.c if layer.kind in (LayerKind.CONV, LayerKind.FC) else layer.c
            else:
                par = layer.out_y * layer.out_x * layer.n
            util = min(1.0, par / acc.num_pes)
            out.append(max(layer.macs, 1) / (acc.num_pes * max(util, 1e-3)) / acc.clock_hz)
        lat = np.array(out, dtype=float)
        return LayerCosts(lat, lat * 1e-3, lat * acc.clock_hz, np.zeros(len(lat)))


class TableCost:
    """Latencies read from ``{(layer name, accelerator name): seconds}``."""

    name = "table"

    def __init__(self, table):
        self.table = table

    def evaluate(self, layers, acc):
        lat = np.array([self.table[(layer.name, acc.name)] for layer in layers], dtype=float)
        return LayerCosts(lat, lat, lat, np.zeros(len(lat)))


def ws_os(pes: int = 1024) -> Platform:
    """A WS + OS dual platform."""
    return Platform(
        "ws_os", (Accelerator("ws", Dataflow.WS, pes), Accelerator("os", Dataflow.OS, pes))
    )


def conv(name: str, k: int = 64, c: int = 64, y: int = 16, x: int = 16, r: int = 3) -> Layer:
    """A conv layer."""
    return Layer(name, LayerKind.CONV, k=k, c=c, y=y, x=x, r=r, s=r)


def scenario_of(*models: Model, fps: float = 10.0) -> Scenario:
    """One task per model, named after it."""
    return Scenario("s", tuple(Task(m.name, m, fps=fps) for m in models))


def test_fake_cost_prefers_ws_for_channels_and_os_for_planes():
    plat = ws_os()
    deep = conv("deep", k=512, c=512, y=9, x=9)
    wide = conv("wide", k=8, c=8, y=130, x=130)
    ws, os_ = (FakeCost().evaluate([deep, wide], a).latency_s for a in plat.accelerators)
    assert ws[0] < os_[0] and os_[1] < ws[1]
