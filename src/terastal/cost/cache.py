"""In-process memo of per-layer costs keyed by (layer shape, accelerator).

Layers with the same shape cost the same whatever their name, so the key is the shape tuple
(:func:`shape_key`), not the :class:`~terastal.model.Layer` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from threading import Lock
from typing import TYPE_CHECKING

from terastal.cost.base import LayerCosts
from terastal.model import Accelerator, Layer

if TYPE_CHECKING:  # imported where costs are computed (a warm run reads stored tables)
    import numpy as np

__all__ = ["ShapeCache", "shape_key"]

#: ``compute(layers) -> (latency_s, energy_j, compute_cycles, dram_bytes)`` arrays.
Compute = Callable[[list[Layer]], "tuple[np.ndarray, ...]"]


_SHAPE = attrgetter(
    "kind", "k", "c", "y", "x", "r", "s", "n", "stride_y", "stride_x", "pad_y", "pad_x", "groups"
)
#: Bound on memoised layer sequences per cache (whole models evaluated repeatedly).
MAX_SEQUENCES = 4096


def shape_key(layer: Layer) -> tuple:
    """Everything about a layer that its cost depends on (all fields but the name)."""
    return _SHAPE(layer)


class ShapeCache:
    """Per-accelerator dictionaries from shape keys to cost rows."""

    def __init__(self) -> None:
        self._tables: dict[Accelerator, dict[tuple, tuple[float, float, float, float]]] = {}
        # (id of a layer tuple, accelerator) -> (the tuple, kept alive so the id stays its
        # own, and its cost rows): a model's layers costed again cost one look-up
        self._sequences: dict[tuple[int, Accelerator], tuple[tuple, np.ndarray]] = {}
        self._lock = Lock()

    def __len__(self) -> int:
        return sum(len(t) for t in self._tables.values())

    def clear(self) -> None:
        """Forget every cached result."""
        with self._lock:
            self._tables.clear()
            self._sequences.clear()

    def evaluate(self, layers: Sequence[Layer], acc: Accelerator, compute: Compute) -> LayerCosts:
        """Costs of ``layers`` on ``acc``, computing only shapes not seen before (in one call)."""
        import numpy as np

        seq_key = (id(layers), acc) if isinstance(layers, tuple) else None
        if seq_key is not None:
            hit = self._sequences.get(seq_key)
            if hit is not None and hit[0] is layers:
                return LayerCosts(*(hit[1][:, j].copy() for j in range(4)))
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
        if seq_key is not None:
            with self._lock:
                if len(self._sequences) >= MAX_SEQUENCES:
                    self._sequences.clear()
                self._sequences[seq_key] = (layers, arr)
        return LayerCosts(*(arr[:, j].copy() for j in range(4)))
