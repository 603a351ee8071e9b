"""Analytical, dataflow-aware cost model in the spirit of MAESTRO (numpy, vectorised).

Equations and constants are documented in ``docs/design.md`` (section "Cost model"). A core
is a hierarchy of cluster levels (:mod:`terastal.cost.mapping`) whose directives are loops;
spatial loops spread chunks over the level's units (ceil-based folding). Each level step
delivers the *new* data of the loop that advanced (multicast-aware, with sliding-window
reuse), drains outputs, and runs the sub-level; a step lasts the longest of the three
(double buffering), except that an invocation's first tile must arrive before its computation
starts. Data that stays stationary in a sub-level across steps (WS weights while the outputs
sweep) is not resent. DRAM traffic follows from tensor sizes and the global buffer, and a
layer takes ``max(on-chip cycles, DRAM cycles) / clock``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from terastal._lazy import lazy_exports
from terastal.cost.base import LayerCosts
from terastal.cost.cache import ShapeCache
from terastal.model import Accelerator, Layer, LayerKind

if TYPE_CHECKING:
    import numpy as np

__all__ = ["ENERGY", "MAC_ENERGY_J", "MODES", "PE_ACCESSES_PER_MAC", "AnalyticalCostModel"]

#: Energy per element access relative to one MAC (Eyeriss' normalised costs, ISCA 2016).
ENERGY = {"mac": 1.0, "pe_buffer": 1.0, "noc": 2.0, "global_buffer": 6.0, "dram": 200.0}
#: Energy of one MAC in joules: 8-bit ~0.2-0.3 pJ, 16-bit ~1 pJ (Horowitz, ISSCC 2014).
MAC_ENERGY_J = 0.5e-12
#: PE-local buffer accesses per MAC: read the weight, read the input, update the partial sum.
PE_ACCESSES_PER_MAC = 3
#: ``physical`` (default) or ``xrbench``: the conventions of the MAESTRO build XRBench ships.
MODES = ("physical", "xrbench")

_W = frozenset({"K", "C", "R", "S"})
_I = frozenset({"N", "C", "OY", "OX", "R", "S"})
_O = frozenset({"N", "K", "OY", "OX"})
_DIMS = ("N", "K", "C", "OY", "OX", "R", "S")
_ELEMENTWISE = (LayerKind.POOL, LayerKind.ELTWISE)


class AnalyticalCostModel:
    """Dataflow-aware analytical cost model (the default backend, name ``"analytical"``).

    Parameters
    ----------
    bytes_per_elem : int
        Size of one tensor element in buffers and DRAM (8-bit data by default).
    mode : {"physical", "xrbench"}
        ``"physical"`` (default) is the model documented in ``docs/design.md``.
        ``"xrbench"`` reproduces the MAESTRO build that XRBench ships and that produced
        XRBench's published latencies: an output map of m covers ``m + n - 1`` input rows
        (``n`` = directives at the level) whatever the kernel, so small kernels recompute
        overlapping windows; every sub-cluster invocation reloads its whole tile; no DRAM
        bound.
    cache : bool
        Memoise results per (layer shape, accelerator).

    Notes
    -----
    ``compute_cycles`` are the on-chip cycles (PE array and NoC) and ``dram_bytes`` the
    off-chip traffic; ``latency_s = max(compute_cycles, dram_bytes / (offchip_bw *
    bytes_per_elem)) / clock_hz``.
    """

    name = "analytical"

    def __init__(self, *, bytes_per_elem: int = 1, mode: str = "physical", cache: bool = True):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if int(bytes_per_elem) < 1:
            raise ValueError("bytes_per_elem must be >= 1")
        self.bytes_per_elem = int(bytes_per_elem)
        self.mode = mode
        self._cache = ShapeCache() if cache else None

    def __repr__(self) -> str:
        return f"AnalyticalCostModel(mode={self.mode!r}, bytes_per_elem={self.bytes_per_elem})"

    def evaluate(self, layers: Sequence[Layer], acc: Accelerator) -> LayerCosts:
        """Return the costs of ``layers`` (in order) on ``acc``."""
        if self._cache is None:
            return LayerCosts(*self._compute(list(layers), acc))
        return self._cache.evaluate(layers, acc, lambda miss: self._compute(miss, acc))

    def clear_cache(self) -> None:
        """Forget memoised results."""
        if self._cache is not None:
            self._cache.clear()

    def breakdown(self, layers: Sequence[Layer], acc: Accelerator) -> dict[str, np.ndarray]:
        """Per-layer components of the cost (not cached), for diagnostics.

        Returns
        -------
        dict of str to numpy.ndarray
            ``pe_cycles`` (MAC steps alone, after spatial folding), ``onchip_cycles`` (with
            NoC stalls; ``compute_cycles`` of :meth:`evaluate`), ``dram_cycles``,
            ``dram_bytes``, ``noc_elems`` (elements moved over all NoC levels),
            ``latency_s`` and ``energy_j``.
        """
        return self._parts(list(layers), acc)

    def _compute(self, layers: list[Layer], acc: Accelerator) -> tuple[np.ndarray, ...]:
        p = self._parts(layers, acc)
        return p["latency_s"], p["energy_j"], p["onchip_cycles"], p["dram_bytes"]

    def _parts(self, layers: list[Layer], acc: Accelerator) -> dict[str, np.ndarray]:
        from terastal.cost._analytical_np import layer_parts

        return layer_parts(layers, acc, self.mode, self.bytes_per_elem)


# The vectorised engine lives in _analytical_np (numpy), imported when costs are first
# computed: a run whose tables are stored keys and builds this model without numpy. Its
# helpers are still reachable here under their old names.
_ENGINE = "terastal.cost._analytical_np"
_LAZY = dict.fromkeys(
    ("_Engine", "_ceil_div", "_channel_parallelism", "_dram_elems", "_operands",
     "_shape_arrays", "_wraps"), _ENGINE,
)  # fmt: skip
__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)
