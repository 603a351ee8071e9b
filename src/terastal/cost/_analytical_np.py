"""The vectorised engine of :class:`~terastal.cost.analytical.AnalyticalCostModel` (numpy).

Kept apart from the model's class so that naming, keying and building the model import no
numpy; this module is imported when costs are first computed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from terastal.cost.analytical import (
    _DIMS,
    _ELEMENTWISE,
    _I,
    _O,
    _W,
    ENERGY,
    MAC_ENERGY_J,
    PE_ACCESSES_PER_MAC,
)
from terastal.cost.mapping import Level, Loop, levels_for
from terastal.model import Accelerator, Layer, LayerKind

__all__ = ["layer_parts"]


def _shape_arrays(layers: Sequence[Layer], dw_as_k: bool = False) -> dict[str, np.ndarray]:
    """Per-layer loop bounds in the engine's dimensions (float arrays) and flags.

    A depthwise layer's channels take the role of C (``K = 1``, outputs follow C) or, with
    ``dw_as_k``, of K (``C = 1``, inputs follow K): whichever the dataflow parallelises more.
    """
    dw = np.array([ly.kind is LayerKind.DWCONV for ly in layers])
    tr = np.array([ly.kind is LayerKind.TRCONV for ly in layers])
    g = np.where(dw, 1, [ly.groups for ly in layers])

    def col(attr: str) -> np.ndarray:
        return np.array([getattr(ly, attr) for ly in layers], float)

    dwk = dw & dw_as_k
    return {
        "N": col("n"),
        "K": np.where(dwk, col("c"), np.where(dw, 1.0, col("k") // g)),
        "C": np.where(dwk, 1.0, col("c") // g),
        # a transposed conv scatters every input pixel: it is costed over the input positions
        "OY": np.where(tr, col("y"), col("out_y")),
        "OX": np.where(tr, col("x"), col("out_x")),
        "R": col("r"),
        "S": col("s"),
        "sy": np.where(tr, 1.0, col("stride_y")),
        "sx": np.where(tr, 1.0, col("stride_x")),
        "G": g.astype(float),
        "dwc": dw & ~dwk,
        "dwk": dwk,
    }


def _ceil_div(a: np.ndarray, b: np.ndarray | float) -> np.ndarray:
    return np.ceil(a / b - 1e-9)


def _wraps(loops: Sequence[tuple], dims_t: frozenset[str] | set[str]) -> np.ndarray | bool:
    """Whether any of ``loops`` over a dimension of a tensor takes more than one step."""
    out: np.ndarray | bool = False
    for dim, trips, _ in loops:
        if dim in dims_t:
            out = out | (trips > 1)
    return out


class _Engine:
    """One vectorised evaluation of conv-like layers on one core."""

    def __init__(self, levels: tuple[Level, ...], noc_bw: float, mode: str) -> None:
        self.levels = levels
        self.bw = float(noc_bw)
        self.xrbench = mode == "xrbench"

    def run(self, a: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Cycles, pure compute cycles and NoC / global-buffer element traffic per layer."""
        dims = {d: a[d] for d in _DIMS}
        plan = []
        for level in self.levels:
            loops, ext, dims = self._unfold(level, dims, a)
            plan.append((loops, ext))
        pe_work = np.prod([dims[d] for d in _DIMS], axis=0)
        runtime = [pe_work] * 4  # by fresh set: bit 0 = weights, bit 1 = inputs
        compute, noc, glb = pe_work, np.zeros_like(pe_work), np.zeros_like(pe_work)
        for loops, ext in reversed(plan):
            runtime, trips, moved = self._level(loops, ext, runtime, a)
            compute, noc, glb = compute * trips, noc * trips + moved, moved
        return {"cycles": runtime[3], "compute": compute, "noc": noc, "glb": glb}

    def _unfold(self, level: Level, dims: dict, a: dict):
        """Loops ``(dim, trips, advance)`` of a level, its step extents and the sub-tile."""
        n = len(a["N"])
        loops, ext, sub = [], dict(dims), dict(dims)
        for lp in level.loops:
            d = dims[lp.dim]
            size = np.full(n, float(lp.size))
            filt = a["R"] if lp.dim == "OY" else a["S"]
            if lp.from_input:  # a map of ``size`` input rows covers size - R + 1 output rows
                size = np.maximum(1.0, size - filt + 1)
            elif self.xrbench and lp.dim in ("OY", "OX"):
                size = self._xrbench_window(level, lp, size, filt)
            s = np.minimum(size, d)
            off = np.minimum(float(lp.offset), np.maximum(s, 1.0))
            if self.xrbench:  # MAESTRO counts offsets over the dimension
                chunks = np.where(size >= d, 1.0, _ceil_div(d, off))
            else:  # whole chunk positions
                chunks = _ceil_div(np.maximum(d - s, 0.0), off) + 1
            if lp.spatial:
                active = np.minimum(chunks, level.units)
                trips = _ceil_div(chunks, level.units)
                ext[lp.dim] = np.minimum(d, s + (active - 1) * off)
                adv = off * level.units
            else:
                trips, adv = chunks, off
                ext[lp.dim] = s
            sub[lp.dim] = s
            loops.append((lp.dim, trips, adv))
        return loops, ext, sub

    @staticmethod
    def _xrbench_window(level: Level, lp: Loop, size: np.ndarray, filt: np.ndarray):
        """XRBench's MAESTRO: an output map of m reads m + w - 1 input rows, where w is the
        level's R (S) map if it has one, else its number of directives."""
        want = "R" if lp.dim == "OY" else "S"
        mapped = [q.size for q in level.loops if q.dim == want]
        w = float(mapped[0]) if mapped else float(level.n_directives)
        return np.maximum(1.0, size + w - filt)

    def _level(self, loops, ext, sub, a):
        """Runtime of one level invocation per fresh set, its step count and its traffic.

        ``sub[f]`` is the sub-level runtime when the tensors in ``f`` (bit 0 weights, bit 1
        inputs) arrive fresh; the others are still held from the previous step.
        """
        sy, sx, dwc, dwk = a["sy"], a["sx"], a["dwc"], a["dwk"]
        rows = (ext["OY"] - 1) * sy + ext["R"]
        cols = (ext["OX"] - 1) * sx + ext["S"]
        vol = {
            "W": ext["K"] * ext["C"] * ext["R"] * ext["S"],
            "I": ext["N"] * np.where(dwk, ext["K"], ext["C"]) * rows * cols,
            "O": ext["N"] * ext["K"] * ext["OY"] * ext["OX"] * np.where(dwc, ext["C"], 1.0),
        }
        bw, zero = self.bw, np.zeros_like(rows)
        steady, moved, outer = zero, vol["W"] + vol["I"] + vol["O"], zero + 1.0
        for i, (dim, trips, adv) in enumerate(loops):
            events = np.maximum(trips - 1, 0) * outer
            outer = outer * trips
            inner = loops[i + 1 :]
            new = {}
            for t, dims_t, extra, dim_x in (("W", _W, False, ""), ("I", _I, dwk, "K")):
                coupled = (dim in dims_t) | (extra & (dim == dim_x))
                part = np.where(coupled, vol[t] * self._slide(t, dim, adv, rows, cols, a), 0.0)
                reset = (
                    False
                    if self.xrbench
                    else _wraps(inner, dims_t) | (extra & _wraps(inner, {dim_x}))
                )
                new[t] = np.where(reset, vol[t], part)
            o_new = (dim in _O) | ((dim == "C") & dwc)
            if not self.xrbench:
                o_new = o_new | _wraps(inner, _O) | (dwc & _wraps(inner, {"C"}))
            eg = np.where(o_new, vol["O"], 0.0)
            ing = new["W"] + new["I"]
            # (xrbench: every sub-level invocation reloads everything)
            low = sub[3] if self.xrbench else np.choose((new["W"] > 0) + 2 * (new["I"] > 0), sub)
            step = np.maximum(np.maximum(np.ceil(ing / bw), np.ceil(eg / bw)), low)
            steady = steady + events * step
            moved = moved + events * (ing + eg)
        # A tensor whose loops at this level wrap is fresh on every invocation.
        wrap_w = _wraps(loops, _W) | (zero > 0)
        wrap_i = _wraps(loops, _I) | (dwk & _wraps(loops, {"K"})) | (zero > 0)
        runtime = []
        for f in range(4):
            if self.xrbench:
                fw = fi = zero == zero
            else:
                fw, fi = wrap_w | bool(f & 1), wrap_i | bool(f & 2)
            load = np.ceil((np.where(fw, vol["W"], 0.0) + np.where(fi, vol["I"], 0.0)) / bw)
            low = np.choose(fw.astype(int) + 2 * fi.astype(int), sub)
            first = np.maximum(load, low) if self.xrbench else load + low
            runtime.append(first + steady)
        return runtime, outer, moved

    @staticmethod
    def _slide(t: str, dim: str, adv, rows, cols, a) -> np.ndarray | float:
        """Fraction of the input tile that is new when ``dim`` advances by ``adv``."""
        if t != "I" or dim not in ("OY", "OX", "R", "S"):
            return 1.0
        if dim in ("OY", "R"):
            return np.minimum(adv * a["sy"] if dim == "OY" else adv, rows) / rows
        return np.minimum(adv * a["sx"] if dim == "OX" else adv, cols) / cols


def layer_parts(
    layers: list[Layer], acc: Accelerator, mode: str, bytes_per_elem: int
) -> dict[str, np.ndarray]:
    """Per-layer components of the cost of ``layers`` on ``acc`` (see ``breakdown``)."""
    n = len(layers)
    onchip, pe, ops, noc, glb = (np.zeros(n) for _ in range(5))
    elem = np.array([ly.kind in _ELEMENTWISE for ly in layers], bool)
    if (~elem).any():
        idx = np.flatnonzero(~elem)
        levels = levels_for(acc)
        as_k = mode == "physical" and (
            _channel_parallelism(levels, "K") > _channel_parallelism(levels, "C")
        )
        a = _shape_arrays([layers[i] for i in idx], as_k)
        r = _Engine(levels, acc.noc_bw, mode).run(a)
        keys = ("cycles", "compute", "noc", "glb")
        onchip[idx], pe[idx], noc[idx], glb[idx] = (r[k] * a["G"] for k in keys)
        ops[idx] = [layers[i].macs for i in idx]
    if elem.any():  # element-bound: ops spread over all PEs, operands stream through the NoC
        jdx = np.flatnonzero(elem)
        ew = [layers[j] for j in jdx]
        ops[jdx] = [ly.macs for ly in ew]
        moved = np.array([_operands(ly) * ly.input_elems + ly.output_elems for ly in ew])
        pe[jdx] = np.ceil(ops[jdx] / acc.num_pes)
        onchip[jdx] = np.maximum(pe[jdx], np.ceil(moved / acc.noc_bw))
        noc[jdx] = glb[jdx] = moved
    dram = _dram_elems(layers, acc.global_buffer_bytes // bytes_per_elem)
    dram_cycles = dram / acc.offchip_bw
    cycles = onchip if mode == "xrbench" else np.maximum(onchip, dram_cycles)
    units = (
        (ENERGY["mac"] + ENERGY["pe_buffer"] * PE_ACCESSES_PER_MAC) * ops
        + ENERGY["noc"] * noc
        + ENERGY["global_buffer"] * (glb + dram)
        + ENERGY["dram"] * dram * bytes_per_elem
    )
    return {
        "pe_cycles": pe,
        "onchip_cycles": onchip,
        "dram_cycles": dram_cycles,
        "dram_bytes": dram * bytes_per_elem,
        "noc_elems": noc,
        "latency_s": cycles / acc.clock_hz,
        "energy_j": units * MAC_ENERGY_J,
    }


def _channel_parallelism(levels: tuple[Level, ...], dim: str) -> int:
    """Units over which the mapping spreads ``dim`` (product over levels)."""
    return int(
        np.prod([lv.units for lv in levels if any(lp.spatial and lp.dim == dim for lp in lv.loops)])
    )


def _operands(layer: Layer) -> int:
    """Input tensors read by an element-wise layer (two for an addition)."""
    return 2 if layer.kind is LayerKind.ELTWISE else 1


def _dram_elems(layers: Sequence[Layer], buffer_elems: int) -> np.ndarray:
    """DRAM elements moved per layer: each tensor once, plus refetches when neither fits.

    Half the global buffer holds a resident chunk while the other half streams. If the
    weights W or the inputs I fit in that half, the layer moves ``W + I + O``; otherwise the
    cheaper of re-streaming the inputs once per weight chunk or the weights once per input
    chunk is added.
    """
    w = np.array([ly.weight_elems for ly in layers], float)
    i = np.array([_operands(ly) * ly.input_elems for ly in layers], float)
    o = np.array([ly.output_elems for ly in layers], float)
    half = max(1.0, buffer_elems / 2)
    extra = np.minimum(i * (np.ceil(w / half) - 1), w * (np.ceil(i / half) - 1))
    return w + i + o + np.maximum(extra, 0.0)
