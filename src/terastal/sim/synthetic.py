"""Small hand-made or random scenarios with explicit cost tables.

Used by the tests, the scheduler conformance suite and anyone writing a scheduler: the
numbers are chosen directly (no cost model), so schedules can be computed by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from terastal.cost.tables import TaskCostTable
from terastal.model import Accelerator, Dataflow, Layer, LayerKind, Model, Platform, Task


def tiny_model(name: str, num_layers: int, edges: Sequence[tuple[int, int]] | None = None) -> Model:
    """A model of ``num_layers`` 1x1 FC layers (a chain unless ``edges`` is given)."""
    layers = tuple(
        Layer(f"{name}.l{i}", LayerKind.FC, k=8, c=8, y=1, x=1) for i in range(num_layers)
    )
    return Model(name, layers, None if edges is None else tuple(edges))


def tiny_platform(num_accelerators: int = 2, transfer_bytes_per_s: float = 1.0e9) -> Platform:
    """A platform of ``num_accelerators`` cores named ``A0``, ``A1``, ..."""
    flows = (Dataflow.WS, Dataflow.OS, Dataflow.RS)
    accs = tuple(
        Accelerator(f"A{i}", flows[i % len(flows)], num_pes=64) for i in range(num_accelerators)
    )
    return Platform("tiny", accs, transfer_bytes_per_s=transfer_bytes_per_s)


def make_tables(
    tasks: Sequence[Task],
    latency: Mapping[str, Sequence[Sequence[float]]],
    *,
    energy: Mapping[str, Sequence[Sequence[float]]] | None = None,
    out_bytes: Mapping[str, Sequence[float]] | None = None,
    var_latency: Mapping[str, Mapping[int, Sequence[float]]] | None = None,
    var_energy: Mapping[str, Mapping[int, Sequence[float]]] | None = None,
) -> dict[str, TaskCostTable]:
    """Cost tables from explicit numbers.

    Parameters
    ----------
    tasks : sequence of Task
        The tasks (their models fix the layer counts).
    latency : mapping
        Per task name, ``[layer][accelerator]`` seconds.
    energy : mapping, optional
        Same shape in joules; default: 1 W times the latency.
    out_bytes : mapping, optional
        Per task, bytes of each layer's output; default 0 (free moves).
    var_latency, var_energy : mapping, optional
        Per task, ``{layer: [per accelerator]}`` for layers that have a variant; variant
        energy defaults to 1 W times the variant latency.
    """
    out = {}
    for task in tasks:
        lat = np.asarray(latency[task.name], dtype=float)
        en = np.asarray(energy[task.name], dtype=float) if energy else lat * 1.0
        n = lat.shape[0]
        ob = np.asarray(out_bytes[task.name], dtype=float) if out_bytes else np.zeros(n)
        vl = np.full(lat.shape, np.nan)
        ve = np.full(lat.shape, np.nan)
        for layer, row in ((var_latency or {}).get(task.name) or {}).items():
            vl[layer] = row
            ve[layer] = np.asarray(row, dtype=float) * 1.0
        for layer, row in ((var_energy or {}).get(task.name) or {}).items():
            ve[layer] = row
        out[task.name] = TaskCostTable(task.name, lat, en, ob, vl, ve)
    return out


def random_case(
    seed: int,
    *,
    num_tasks: int = 3,
    num_accelerators: int = 2,
    max_layers: int = 5,
    load: float = 0.5,
    dag: bool = True,
    cascade: bool = True,
    variants: bool = True,
    deadlines: bool = True,
    max_out_bytes: float = 1.0e6,
):
    """A random small scenario, platform and tables with total load near ``load``.

    Load is the sum over tasks of (sum of per-layer minimum latency) x fps divided by the
    number of accelerators. ``deadlines=False`` keeps every deadline at one period;
    ``max_out_bytes`` bounds the activation sizes (and so transfer times). Returns
    ``(scenario, platform, tables)``.
    """
    from terastal.model import Scenario

    rng = np.random.default_rng(seed)
    platform = tiny_platform(num_accelerators, transfer_bytes_per_s=float(rng.uniform(1e8, 1e10)))
    tasks, lat, ob, vlat = [], {}, {}, {}
    for i in range(num_tasks):
        n = int(rng.integers(1, max_layers + 1))
        edges = None
        if dag and n >= 3 and rng.random() < 0.5:
            # A fork-join: 0 -> {1, ..., n-2} -> n-1, still forward edges.
            edges = [(0, k) for k in range(1, n - 1)] + [(k, n - 1) for k in range(1, n - 1)]
        model = tiny_model(f"m{i}", n, edges)
        fps = float(rng.choice([10.0, 20.0, 30.0, 60.0]))
        depends = f"t{i - 1}" if cascade and i > 0 and rng.random() < 0.3 else None
        task = Task(
            f"t{i}",
            model,
            fps=fps,
            phase_s=float(rng.uniform(0, 1 / fps)),
            jitter_s=float(rng.uniform(0, 0.2 / fps)) if rng.random() < 0.5 else 0.0,
            deadline_s=(
                float(rng.uniform(0.5, 1.5) / fps) if deadlines and rng.random() < 0.5 else None
            ),
            depends_on=depends,
            probability=float(rng.uniform(0.3, 1.0)) if depends else 1.0,
        )
        tasks.append(task)
        lat[task.name] = rng.uniform(0.2, 1.0, size=(n, num_accelerators))
        ob[task.name] = rng.uniform(0, max_out_bytes, size=n)
        if variants:
            vlat[task.name] = {
                k: list(lat[task.name][k] * rng.uniform(0.3, 0.9))
                for k in range(n)
                if rng.random() < 0.4
            }
    demand = sum(lat[t.name].min(axis=1).sum() * t.fps for t in tasks)
    scale = load * num_accelerators / demand
    lat = {k: v * scale for k, v in lat.items()}
    vlat = {
        k: {layer: [x * scale for x in row] for layer, row in v.items()} for k, v in vlat.items()
    }
    scenario = Scenario(f"random{seed}", tuple(tasks))
    return scenario, platform, make_tables(tasks, lat, out_bytes=ob, var_latency=vlat)
