"""Accelerators and platforms."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Dataflow(StrEnum):
    """Dataflow family of an accelerator core."""

    WS = "WS"  # weight stationary, NVDLA-style: K and C spatial
    OS = "OS"  # output stationary, ShiDianNao-style: output rows/cols spatial
    RS = "RS"  # row stationary, Eyeriss-style: filter rows x output rows


@dataclass(frozen=True, slots=True)
class Directive:
    """One MAESTRO dataflow directive, e.g. ``SpatialMap(1,1) K`` or ``Cluster(16,P)``."""

    op: str  # "TemporalMap" | "SpatialMap" | "Cluster"
    size: int
    offset: int
    dim: str  # e.g. "K", "C", "Y'", "X'", "R", "S" ("P" for Cluster)


@dataclass(frozen=True, slots=True)
class Accelerator:
    """One accelerator core (MAESTRO hardware file fields).

    Bandwidths are in elements per cycle (MAESTRO's unit); buffers in bytes.
    """

    name: str
    dataflow: Dataflow
    num_pes: int
    offchip_bw: float = 128.0
    noc_bw: float = 128.0
    global_buffer_bytes: int = 2 * 1024 * 1024
    pe_buffer_bytes: int = 8 * 1024
    clock_hz: float = 1.0e9
    directives: tuple[Directive, ...] = ()

    def __post_init__(self) -> None:
        if self.num_pes < 1:
            raise ValueError(f"accelerator {self.name!r}: num_pes must be >= 1")
        for f in ("offchip_bw", "noc_bw", "clock_hz"):
            if not getattr(self, f) > 0:
                raise ValueError(f"accelerator {self.name!r}: {f} must be > 0")


@dataclass(frozen=True, slots=True)
class Platform:
    """A heterogeneous platform: accelerators plus the link that moves activations."""

    name: str
    accelerators: tuple[Accelerator, ...]
    transfer_bytes_per_s: float = 16.0e9
    bytes_per_elem: int = 1

    def __post_init__(self) -> None:
        if not self.accelerators:
            raise ValueError(f"platform {self.name!r} has no accelerators")
        names = [a.name for a in self.accelerators]
        if len(set(names)) != len(names):
            raise ValueError(f"platform {self.name!r}: duplicate accelerator names")
        if not self.transfer_bytes_per_s > 0:
            raise ValueError(f"platform {self.name!r}: transfer bandwidth must be > 0")

    def __len__(self) -> int:
        return len(self.accelerators)
