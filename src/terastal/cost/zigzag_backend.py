"""Optional ZigZag backend (``pip install terastal[zigzag]``: ``zigzag-dse==3.9.1`` + ``six``).

ZigZag searches temporal mappings per layer, which takes seconds per layer, so results are kept
in a disk cache: one JSON file per (layer shape, architecture, ZigZag version) under
``$TERASTAL_CACHE_DIR`` (default ``~/.cache/terastal``) ``/zigzag``. Each layer runs in a
temporary directory because ZigZag writes a dump folder.

Spatial unrolling follows the dataflow family: NVDLA-style WS unrolls K x C (G x C for
depthwise, else a depthwise layer would run on one PE column), ShiDianNao-style OS unrolls
OX x OY, row-stationary unrolls filter rows FY x output rows OY. ZigZag costs Conv (incl.
grouped and depthwise) and Gemm/MatMul layers; transposed convolutions, pooling and
element-wise layers fall back to the analytical model (logged once per kind). A dense layer
for which ZigZag finds no mapping is costed as output-channel (K) tiles run in sequence; a
layer ZigZag cannot cost even so falls back to the analytical model with a warning naming it
(and is not cached, so another ZigZag version gets to try).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from terastal.cost._analytical_np import _dram_elems
from terastal.cost.analytical import MAC_ENERGY_J, AnalyticalCostModel
from terastal.cost.base import LayerCosts
from terastal.cost.cache import shape_key
from terastal.errors import TerastalError
from terastal.model import Accelerator, Dataflow, Layer, LayerKind

__all__ = ["ZigZagCostModel", "zigzag_available"]

log = logging.getLogger(__name__)

_SUPPORTED = (LayerKind.CONV, LayerKind.DWCONV, LayerKind.FC)
_MAX_SPLITS = 3  # K halvings tried when ZigZag finds no mapping (up to 8 tiles)
_PJ = MAC_ENERGY_J * 1e12  # one MAC in pJ; memory costs scale from it as in ENERGY
_CONV = "O[b][g][k][oy][ox]+=W[g][k][c][fy][fx]*I[b][g][c][iy][ix]"
_LINKS = {"O": "O", "W": "I2", "I": "I1"}


def zigzag_available() -> bool:
    """Whether ``zigzag.api`` imports."""
    try:
        import zigzag.api  # noqa: F401
    except Exception:
        return False
    return True


def _cache_dir() -> Path:
    root = os.environ.get("TERASTAL_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "terastal"
    )
    return Path(root) / "zigzag"


def _array(acc: Accelerator) -> tuple[int, int]:
    """Operational-array sizes (D1, D2) for the accelerator's PEs."""
    p = acc.num_pes
    if acc.dataflow is Dataflow.WS:  # K x C, with NVDLA's 16-wide C atom
        d2 = min(16, p)
    elif acc.dataflow is Dataflow.OS:  # OX x OY, as square as possible
        d2 = 2 ** (int(math.log2(p)) // 2) if p & (p - 1) == 0 else math.isqrt(p)
    else:  # RS: filter rows x output rows
        d2 = min(4, p)
    return max(1, p // d2), d2


def _spatial(acc: Accelerator, depthwise: bool) -> dict[str, list[str]]:
    d1, d2 = _array(acc)
    if acc.dataflow is Dataflow.WS:
        dims = ("G", "C") if depthwise else ("K", "C")
    elif acc.dataflow is Dataflow.OS:
        dims = ("OX", "OY")
    else:
        dims = ("OY", "FY")
    return {"D1": [f"{dims[0]}, {d1}"], "D2": [f"{dims[1]}, {d2}"]}


def _memory(size_bits: int, operands: list[str], bw_bits: int, cost: float, served: list[str]):
    alloc = [
        f"{op}, {d}"
        for op in operands
        for d in (("fh", "tl", "fl", "th") if op == "O" else ("fh", "tl"))
    ]
    return {
        "size": int(size_bits),
        "r_cost": cost,
        "w_cost": cost,
        "area": 0,
        "latency": 1,
        "operands": operands,
        "served_dimensions": served,
        "ports": [
            {
                "name": "rw_port_1",
                "type": "read_write",
                "bandwidth_min": 8,
                "bandwidth_max": int(bw_bits),
                "allocation": alloc,
            }
        ],
    }


def _architecture(acc: Accelerator) -> dict[str, Any]:
    """A ZigZag accelerator: per-PE registers, a global buffer behind the NoC, DRAM."""
    d1, d2 = _array(acc)
    pe_bits = max(64, acc.pe_buffer_bytes * 8 // 2)
    return {
        "name": acc.name.replace(" ", "_") or "core",
        "memories": {
            "rf_w": _memory(pe_bits, ["I2"], 8, 1.0 * _PJ, []),
            "rf_o": _memory(pe_bits, ["O"], 16, 1.0 * _PJ, []),
            "global_buffer": _memory(
                acc.global_buffer_bytes * 8,
                ["I1", "I2", "O"],
                int(acc.noc_bw * 8),
                6.0 * _PJ,
                ["D1", "D2"],
            ),
            "dram": _memory(
                2**40, ["I1", "I2", "O"], int(acc.offchip_bw * 8), 200.0 * _PJ, ["D1", "D2"]
            ),
        },
        "operational_array": {
            "unit_energy": _PJ,
            "unit_area": 1,
            "dimensions": ["D1", "D2"],
            "sizes": [d1, d2],
        },
    }


def _workload(layer: Layer) -> list[dict[str, Any]]:
    dw = layer.kind is LayerKind.DWCONV
    g = layer.c if dw else layer.groups
    k = 1 if dw else layer.k // g
    sizes = [layer.n, g, k, layer.c // g, layer.out_y, layer.out_x, layer.r, layer.s]
    return [
        {
            "id": 0,
            "name": "depthwise" if dw else "layer",
            "operator_type": "Conv",
            "equation": _CONV,
            "dimension_relations": [f"ix={layer.stride_x}*ox+1*fx", f"iy={layer.stride_y}*oy+1*fy"],
            "loop_dims": ["B", "G", "K", "C", "OY", "OX", "FY", "FX"],
            "loop_sizes": sizes,
            "operand_precision": {"W": 8, "I": 8, "O": 16, "O_final": 8},
            "operand_source": {"I": 0},
        }
    ]


class ZigZagCostModel:
    """ZigZag-backed costs (name ``"zigzag"``) with a disk cache.

    Parameters
    ----------
    cache_dir : str or path, optional
        Where results are kept (default ``$TERASTAL_CACHE_DIR/zigzag`` or
        ``~/.cache/terastal/zigzag``).
    lpf_limit : int
        ZigZag's temporal-mapping search effort (its default is 6; lower is faster).
    fallback : CostModel, optional
        Costs layers ZigZag cannot (default: a shared :class:`AnalyticalCostModel`).

    Raises
    ------
    TerastalError
        If ``zigzag`` is not installed.
    """

    name = "zigzag"

    def __init__(
        self,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        lpf_limit: int = 6,
        fallback: Any = None,
    ) -> None:
        if not zigzag_available():
            raise TerastalError(
                "the zigzag backend needs the optional extra: pip install 'terastal[zigzag]' "
                "(zigzag-dse==3.9.1 and six)"
            )
        import zigzag

        self.version = getattr(zigzag, "__version__", "3.9.1")
        self.cache_dir = Path(cache_dir) if cache_dir is not None else _cache_dir()
        self.lpf_limit = int(lpf_limit)
        self.fallback = fallback if fallback is not None else AnalyticalCostModel()
        self._noted: set[LayerKind] = set()

    def _key(self, layer: Layer, acc: Accelerator) -> str:
        arch = json.dumps(
            [_architecture(acc), _spatial(acc, False), _spatial(acc, True)], sort_keys=True
        )
        blob = json.dumps([shape_key(layer), arch, acc.clock_hz, self.version, self.lpf_limit])
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def evaluate(self, layers: Sequence[Layer], acc: Accelerator) -> LayerCosts:
        """Return the costs of ``layers`` on ``acc`` (ZigZag for Conv/Gemm, else fallback).

        A supported layer that ZigZag cannot cost is logged at WARNING and costed by the
        fallback model.
        """
        n = len(layers)
        lat, en, cyc = np.zeros(n), np.zeros(n), np.zeros(n)
        dram = _dram_elems(layers, acc.global_buffer_bytes) if n else np.zeros(0)
        other = [i for i, ly in enumerate(layers) if ly.kind not in _SUPPORTED]
        if other:
            for kind in {layers[i].kind for i in other} - self._noted:
                log.info("zigzag backend: %s layers are costed by the analytical model", kind)
                self._noted.add(kind)
            fb = self.fallback.evaluate([layers[i] for i in other], acc)
            lat[other], en[other], cyc[other] = fb.latency_s, fb.energy_j, fb.compute_cycles
        failed = []
        for i, ly in enumerate(layers):
            if ly.kind in _SUPPORTED:
                try:
                    cycles, energy_pj = self._layer(ly, acc)
                except TerastalError as exc:
                    # One shape ZigZag cannot map should not stop a long run; say which.
                    fb_name = getattr(self.fallback, "name", type(self.fallback).__name__)
                    log.warning("%s; costed by the %s model instead", exc, fb_name)
                    failed.append(i)
                    continue
                cyc[i], lat[i], en[i] = cycles, cycles / acc.clock_hz, energy_pj * 1e-12
        if failed:
            fb = self.fallback.evaluate([layers[i] for i in failed], acc)
            lat[failed], en[failed], cyc[failed] = fb.latency_s, fb.energy_j, fb.compute_cycles
        return LayerCosts(lat, en, cyc, dram)

    def _layer(self, layer: Layer, acc: Accelerator, depth: int = 0) -> tuple[float, float]:
        path = self.cache_dir / f"{self._key(layer, acc)}.json"
        try:
            rec = json.loads(path.read_text())
            return float(rec["cycles"]), float(rec["energy_pj"])
        except (OSError, ValueError, KeyError):
            pass
        tiles = 1
        try:
            cycles, energy = self._run(layer, acc)
        except TerastalError:
            # ZigZag 3.9.1 finds no mapping for some layers whose weights exceed the global
            # buffer (e.g. 512x512 3x3 convolutions on a 2 MiB core). The core runs such a
            # layer as output-channel tiles one after another: cost two halves of K in
            # sequence, halving again if needed.
            if depth >= _MAX_SPLITS or layer.groups != 1 or layer.k < 2 or layer.kind not in (
                LayerKind.CONV, LayerKind.FC
            ):  # fmt: skip
                raise
            half = layer.k // 2
            parts = [
                self._layer(dataclasses.replace(layer, k=k), acc, depth + 1)
                for k in (half, layer.k - half)
            ]
            cycles, energy = parts[0][0] + parts[1][0], parts[0][1] + parts[1][1]
            tiles = 2
            log.info("zigzag backend: %r on %r costed as two K halves", layer.name, acc.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        record = {"cycles": cycles, "energy_pj": energy, "shape": shape_key(layer)}
        if tiles > 1:
            record["k_split"] = tiles
        tmp.write_text(json.dumps(record))
        os.replace(tmp, path)
        return cycles, energy

    def _run(self, layer: Layer, acc: Accelerator) -> tuple[float, float]:
        from zigzag.api import get_hardware_performance_zigzag

        dw = layer.kind is LayerKind.DWCONV
        mapping = [
            {
                "name": "default",
                "spatial_mapping": _spatial(acc, False),
                "memory_operand_links": _LINKS,
            },
            {
                "name": "depthwise",
                "spatial_mapping": _spatial(acc, True),
                "memory_operand_links": _LINKS,
            },
        ]
        root, zz = logging.getLogger(), logging.getLogger("zigzag")
        saved = (root.level, list(root.handlers), zz.level)
        zz.setLevel(logging.ERROR)  # ZigZag logs every mapping step at INFO/WARNING
        with tempfile.TemporaryDirectory(prefix="terastal-zigzag-") as tmp:
            hw, mp = Path(tmp, "hw.yaml"), Path(tmp, "mapping.yaml")
            hw.write_text(yaml.safe_dump(_architecture(acc), sort_keys=False))
            mp.write_text(yaml.safe_dump(mapping, sort_keys=False))
            try:
                energy, latency, _ = get_hardware_performance_zigzag(
                    _workload(layer),
                    str(hw),
                    str(mp),
                    opt="latency",
                    dump_folder=str(Path(tmp, "dump")),
                    lpf_limit=self.lpf_limit,
                    loma_show_progress_bar=False,
                )
            except Exception as exc:  # ZigZag signals unsupported shapes in many ways
                raise TerastalError(
                    f"zigzag failed on layer {layer.name!r} ({'depthwise ' if dw else ''}"
                    f"{layer.kind.value}) on {acc.name!r}: {exc}"
                ) from exc
            finally:  # ZigZag calls logging.basicConfig(level=INFO): undo it
                root.setLevel(saved[0])
                for h in root.handlers[:]:
                    if h not in saved[1]:
                        root.removeHandler(h)
                zz.setLevel(saved[2])
        return float(latency), float(energy)
