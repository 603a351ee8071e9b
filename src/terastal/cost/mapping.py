"""Dataflow mappings: MAESTRO directives -> cluster levels, and canonical mappings per family.

A mapping is a list of *levels*, outermost first. Level 0 spans the whole core; the
directives after each ``Cluster(n, P)`` apply inside clusters of ``n`` units of the next
level, so cluster sizes multiply (MAESTRO's convention): with 2048 PEs, NVDLA's
``... Cluster(16,P) ... Cluster(16,P) ...`` gives 8 top-level clusters of 256 PEs, each of
16 sub-clusters of 16 PEs.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import prod

from terastal.errors import InputError
from terastal.model import Accelerator, Dataflow, Directive

__all__ = ["Level", "Loop", "canonical_directives", "levels_for"]

# MAESTRO dimension names -> the engine's names. ``Y``/``X`` (input rows/cols) are resolved
# per level: alongside a spatial R (S) they are the row-stationary diagonal (dropped, R
# carries the input rows); otherwise they map output rows/cols.
_DIM = {"N": "N", "K": "K", "C": "C", "R": "R", "S": "S", "Y'": "OY", "X'": "OX"}
_INPUT_DIM = {"Y": ("OY", "R"), "X": ("OX", "S")}


@dataclass(frozen=True, slots=True)
class Loop:
    """One directive of a level: a loop over ``dim`` in chunks of ``size`` moved by ``offset``.

    ``spatial`` loops spread consecutive chunks over the level's units.
    ``from_input`` marks maps written on input rows/cols (converted per layer).
    """

    dim: str
    size: int
    offset: int
    spatial: bool
    from_input: bool = False


@dataclass(frozen=True, slots=True)
class Level:
    """A cluster level: ``units`` sub-units and its loops, outermost first.

    ``n_directives`` is how many directives the level was written with (MAESTRO's input-window
    convention needs it, see :class:`~terastal.cost.analytical.AnalyticalCostModel`).
    """

    units: int
    loops: tuple[Loop, ...]
    n_directives: int


def canonical_directives(dataflow: Dataflow, num_pes: int) -> tuple[Directive, ...]:
    """The XRBench directives of a dataflow family, shrunk to fit ``num_pes`` PEs.

    WS ("NVDLA"): C over 16 PEs, K over 16 sub-clusters, output columns over the rest.
    OS ("hand-optimised output stationary"): C over 16 PEs, output columns over 4
    sub-clusters, output rows over the rest. RS (row stationary): filter rows over 4 PEs,
    output columns over 16 sub-clusters, K over the rest.
    """

    def t(size: int, dim: str) -> Directive:
        return Directive("TemporalMap", size, size, dim)

    def s(dim: str) -> Directive:
        return Directive("SpatialMap", 1, 1, dim)

    def cl(n: int) -> Directive:
        return Directive("Cluster", n, n, "P")

    if dataflow is Dataflow.WS:
        c = min(16, num_pes)
        k = max(1, min(16, num_pes // c))
        return (
            t(c, "C"),
            t(k, "K"),
            t(1, "Y'"),
            s("X'"),
            cl(k),
            s("K"),
            t(64, "C"),
            t(1, "Y'"),
            t(1, "X'"),
            cl(c),
            s("C"),
        )
    if dataflow is Dataflow.OS:
        c = min(16, num_pes)
        x = max(1, min(4, num_pes // c))
        return (t(1, "K"), s("Y'"), t(x, "X'"), t(c, "C"), cl(x), s("X'"), cl(c), s("C"))
    r = min(4, num_pes)
    x = max(1, min(16, num_pes // r))
    return (
        t(1, "Y'"),
        t(x, "X'"),
        t(4, "C"),
        s("K"),
        cl(x),
        t(1, "Y'"),
        s("X'"),
        t(4, "C"),
        t(1, "K"),
        cl(r),
        s("Y"),
        s("R"),
    )


@lru_cache(maxsize=256)
def levels_for(acc: Accelerator) -> tuple[Level, ...]:
    """Cluster levels of ``acc`` (its own directives, else its family's canonical ones)."""
    directives = acc.directives or canonical_directives(acc.dataflow, acc.num_pes)
    groups: list[list[Directive]] = [[]]
    sizes: list[int] = []
    for d in directives:
        if d.op == "Cluster":
            if d.size < 1:
                raise InputError(f"accelerator {acc.name!r}: Cluster size must be >= 1")
            sizes.append(d.size)
            groups.append([])
        elif d.op in ("TemporalMap", "SpatialMap"):
            if d.size < 1 or d.offset < 1:
                raise InputError(f"accelerator {acc.name!r}: bad directive {d}")
            groups[-1].append(d)
        else:
            raise InputError(f"accelerator {acc.name!r}: unknown directive {d.op!r}")
    units = [max(1, acc.num_pes // prod(sizes)), *sizes]
    levels = []
    for n_units, group in zip(units, groups, strict=True):
        spatial_dims = {d.dim for d in group if d.op == "SpatialMap"}
        loops: list[Loop] = []
        seen: set[str] = set()
        for d in group:
            if d.dim in _INPUT_DIM:
                out_dim, filt = _INPUT_DIM[d.dim]
                if filt in spatial_dims:  # row-stationary diagonal: the filter map covers rows
                    continue
                dim, from_input = out_dim, True
            elif d.dim in _DIM:
                dim, from_input = _DIM[d.dim], False
            else:
                raise InputError(f"accelerator {acc.name!r}: unknown dimension {d.dim!r}")
            if dim in seen:  # MAESTRO uses the first directive of a dimension
                continue
            seen.add(dim)
            loops.append(Loop(dim, d.size, d.offset, d.op == "SpatialMap", from_input))
        levels.append(Level(n_units, tuple(loops), len(group)))
    return tuple(levels)
