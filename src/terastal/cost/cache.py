"""In-process memo of per-layer costs keyed by (layer shape, accelerator).

Layers with the same shape cost the same whatever their name, so the key is the shape tuple
(:func:`shape_key`), not the :class:`~terastal.model.Layer` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from threading import Lock

import numpy as np

from terastal.cost.base import LayerCosts
from terastal.model import Accelerator, Layer

__all__ = ["ShapeCache", "shape_key"]

#: ``compute(layers) -> (latency_s, energy_j, compute_cycles, dram_bytes)`` arrays.
Compute = Callable[[list[Layer]], tuple[np.ndarray, ...]]


def shape_key(layer: Layer) -> tuple:
    """Everything about a layer that its cost depends on (all fields but the name)."""
    return (
        layer.kind.value,
        layer.k,
        layer.c,
        layer.y,
        layer.x,
        layer.r,
        layer.s,
        layer.n,
        layer.stride_y,
        layer.stride_x,
        layer.pad_y,
        layer.pad_x,
        layer.groups,
    )


class ShapeCache:
    """Per-accelerator dictionaries from shape keys to cost rows."""

    def __init__(self) -> None:
        self._tables: dict[Accelerator, dict[tuple, tuple[float, float, float, float]]] = {}
        self._lock = Lock()

    def __len__(self) -> int:
        return sum(len(t) for t in self._tables.values())

    def clear(self) -> None:
        """Forget every cached result."""
        with self._lock:
            self._tables.clear()

    def evaluate(self, layers: Sequence[Layer], acc: Accelerator, compute: Compute) -> LayerCosts:
        """Costs of ``layers`` on ``acc``, computing only shapes not seen before (in one call)."""
        with self._lock:
            table = self._tables.setdefault(acc, {})
        keys = [shape_key(ly) for ly in layers]
        missing: dict[tuple, Layer] = {}
        for key, ly in zip(keys, layers, strict=True):
            if key not in table and key not in missing:
                missing[key] = ly
        if missing:
            cols = compute(list(missing.values()))
            rows = zip(*(np.asarray(c, dtype=float).tolist() for c in cols), strict=True)
            with self._lock:
                table.update(zip(missing, rows, strict=True))
        if not keys:
            empty = np.zeros(0)
            return LayerCosts(empty, empty.copy(), empty.copy(), empty.copy())
        arr = np.array([table[k] for k in keys], dtype=float)
        return LayerCosts(*(arr[:, j].copy() for j in range(4)))
