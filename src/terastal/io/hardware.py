"""MAESTRO hardware files and dataflow directive files (XRBench ``hw_configs/``, ``dataflows/``).

A hardware file holds one ``Accelerator NAME { key: value ... }`` block per sub-accelerator
(or, as in plain MAESTRO, bare ``key: value`` lines for a single accelerator named after the
file). A dataflow file holds one ``Dataflow { directive; ... }`` block per sub-accelerator,
in the same order, each usually preceded by a comment naming it ("NVDLA", "Hand-optimized
OS", "Hand-optimized row-stationary").

The dataflow family is classified from the directives and cross-checked with the comment:

* a ``SpatialMap`` over a filter dimension (R or S) -> RS (row stationary, Eyeriss-style);
* the first directive a ``TemporalMap`` over K and the outermost ``SpatialMap`` over an output
  dimension (Y' or X') -> OS (output stationary, ShiDianNao-style);
* every ``SpatialMap`` inside the clusters over K or C -> WS (weight stationary, NVDLA-style).

If the directives and the comment disagree, or neither identifies the family, the file is
rejected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from terastal.errors import InputError
from terastal.io._lexer import Comment, TokenStream, read_text, tokenize
from terastal.model import Accelerator, Dataflow, Directive, Platform

__all__ = [
    "DataflowBlock",
    "HardwareSpec",
    "classify_directives",
    "load_maestro_platform",
    "parse_dataflows",
    "parse_directive",
    "parse_hardware",
    "platform_from_maestro",
]

# Accepted hardware keys -> canonical field. XRBench spelling first, plain MAESTRO aliases after.
_HW_KEYS = {
    "num_pes": "num_pes",
    "offchip_bw": "offchip_bw",
    "offchip_bw_cstr": "offchip_bw",
    "top_noc_bw": "noc_bw",
    "noc_bw": "noc_bw",
    "noc_bw_cstr": "noc_bw",
    "col_noc_bw": "col_noc_bw",
    "top_noc_latency": "ignored",
    "top_noc_multicast": "ignored",
    "col_noc_latency": "ignored",
    "col_noc_multicast": "ignored",
    "global_shared_memory": "global_buffer_bytes",
    "l2_size": "global_buffer_bytes",
    "l2_size_cstr": "global_buffer_bytes",
    "pe_local_memory": "pe_buffer_bytes",
    "l1_size": "pe_buffer_bytes",
    "l1_size_cstr": "pe_buffer_bytes",
}
_DIMS = ("N", "K", "C", "R", "S", "Y", "X", "Y'", "X'")
_OPS = ("TemporalMap", "SpatialMap", "Cluster")
_COMMENT_FAMILIES = (
    (Dataflow.RS, re.compile(r"row[- _]?stationary|eyeriss|\bRS\b", re.I)),
    (Dataflow.OS, re.compile(r"output[- _]?stationary|shidiannao|\bOS\b", re.I)),
    (Dataflow.WS, re.compile(r"weight[- _]?stationary|nvdla|\bWS\b", re.I)),
)


@dataclass(frozen=True, slots=True)
class HardwareSpec:
    """One accelerator of a hardware file, before its dataflow is known."""

    name: str
    num_pes: int
    offchip_bw: float
    noc_bw: float
    global_buffer_bytes: int
    pe_buffer_bytes: int
    line: int


@dataclass(frozen=True, slots=True)
class DataflowBlock:
    """One ``Dataflow { ... }`` block: its directives, its family and where it is."""

    directives: tuple[Directive, ...]
    dataflow: Dataflow
    line: int


def parse_hardware(text: str, file: str = "<string>") -> tuple[HardwareSpec, ...]:
    """Parse a MAESTRO hardware file.

    Parameters
    ----------
    text : str
        File contents.
    file : str
        Name used in errors; also names a bare (block-less) accelerator.

    Returns
    -------
    tuple of HardwareSpec

    Raises
    ------
    InputError
        On malformed syntax, unknown keys, missing ``num_pes`` or non-positive values.
    """
    tokens, _ = tokenize(text, file)
    ts = TokenStream(tokens, file)
    if not tokens:
        raise InputError("empty hardware file", file=file, line=1)
    specs: list[HardwareSpec] = []
    if not ts.at("Accelerator"):
        specs.append(_hw_body(ts, Path(file).stem, 1, block=False))
    while ts.peek() is not None:
        kw = ts.next("'Accelerator'")
        if kw.value.lower() != "accelerator":
            raise ts.error(f"expected 'Accelerator', found '{kw.value}'", kw)
        name = ts.word("an accelerator name").value
        ts.expect("{", f"after 'Accelerator {name}'")
        specs.append(_hw_body(ts, name, kw.line, block=True))
    names = [s.name for s in specs]
    for i, s in enumerate(specs):
        if s.name in names[:i]:
            raise InputError(f"duplicate accelerator {s.name!r}", file=file, line=s.line)
    return tuple(specs)


def _hw_body(ts: TokenStream, name: str, line: int, *, block: bool) -> HardwareSpec:
    values: dict[str, float] = {}
    while True:
        if block and ts.accept("}"):
            break
        if not block and (ts.peek() is None or ts.at("Accelerator")):
            break
        key = ts.word("a hardware key" + (" or '}'" if block else ""))
        canon = _HW_KEYS.get(key.value.lower())
        if block and key.value.lower() == "accelerator":
            raise ts.error(f"expected '}}' to close accelerator {name!r}", key)
        if canon is None:
            raise ts.error(
                f"unknown hardware key '{key.value}'; expected one of {', '.join(_HW_KEYS)}",
                key,
                key.value,
            )
        ts.expect(":", f"after '{key.value}'")
        val = ts.next(f"a value for {key.value}")
        if not ts.accept(";"):
            ts.accept(",")
        if canon == "ignored":
            continue
        try:
            number = float(val.value)
        except ValueError:
            raise ts.error(f"expected a number, found '{val.value}'", val, key.value) from None
        if not 0 < number < float("inf"):
            raise ts.error(f"must be a finite number > 0, got {val.value}", val, key.value)
        integral = canon in ("num_pes", "global_buffer_bytes", "pe_buffer_bytes")
        if integral and not number.is_integer():
            raise ts.error(f"expected an integer, found '{val.value}'", val, key.value)
        if canon == "col_noc_bw":
            values.setdefault("_col_noc_bw", number)
            continue
        values[canon] = number
    if "num_pes" not in values:
        raise InputError(
            f"accelerator {name!r} has no num_pes", file=ts.file, line=line, field="num_pes"
        )
    defaults = Accelerator("default", Dataflow.WS, 1)
    noc = values.get("noc_bw", values.get("_col_noc_bw", defaults.noc_bw))
    return HardwareSpec(
        name=name,
        num_pes=int(values["num_pes"]),
        offchip_bw=values.get("offchip_bw", defaults.offchip_bw),
        noc_bw=noc,
        global_buffer_bytes=int(values.get("global_buffer_bytes", defaults.global_buffer_bytes)),
        pe_buffer_bytes=int(values.get("pe_buffer_bytes", defaults.pe_buffer_bytes)),
        line=line,
    )


def parse_directive(ts: TokenStream) -> Directive:
    """Parse one directive such as ``SpatialMap(1,1) K`` or ``Cluster(16, P)``.

    ``Cluster(n, P)`` is stored as ``Directive("Cluster", n, n, "P")``.
    """
    op_tok = ts.word("a directive")
    op = next((o for o in _OPS if o.lower() == op_tok.value.lower()), None)
    if op is None:
        raise ts.error(
            f"unknown directive '{op_tok.value}'; expected one of {', '.join(_OPS)}",
            op_tok,
            "Dataflow",
        )
    ts.expect("(", f"after '{op}'")
    size, size_tok = ts.integer(f"{op} size")
    if size < 1:
        raise ts.error(f"{op} size must be >= 1, got {size}", size_tok, "Dataflow")
    ts.expect(",", f"in '{op}(...)'")
    if op == "Cluster":
        kind = ts.word("a cluster type").value
        ts.expect(")", "in 'Cluster(...)'")
        ts.accept(";")
        return Directive(op, size, size, kind)
    offset, off_tok = ts.integer(f"{op} offset")
    if offset < 1:
        raise ts.error(f"{op} offset must be >= 1, got {offset}", off_tok, "Dataflow")
    ts.expect(")", f"in '{op}(...)'")
    dim_tok = ts.word("a dimension")
    dim = dim_tok.value.upper()
    if dim not in _DIMS:
        raise ts.error(
            f"unknown dimension '{dim_tok.value}'; expected one of {', '.join(_DIMS)}",
            dim_tok,
            "Dataflow",
        )
    ts.expect(";", f"after '{op}({size},{offset}) {dim_tok.value}'")
    return Directive(op, size, offset, dim)


def classify_directives(directives: tuple[Directive, ...]) -> Dataflow | None:
    """Dataflow family of a directive list, or ``None`` if it matches none (see module doc)."""
    spatial = [d.dim for d in directives if d.op == "SpatialMap"]
    if not spatial:
        return None
    if any(d in ("R", "S") for d in spatial):
        return Dataflow.RS
    first = directives[0]
    if spatial[0] in ("Y'", "X'") and first.op == "TemporalMap" and first.dim == "K":
        return Dataflow.OS
    clustered = False
    inner: list[str] = []
    for d in directives:
        if d.op == "Cluster":
            clustered = True
        elif d.op == "SpatialMap" and clustered:
            inner.append(d.dim)
    inner = inner if clustered else spatial
    if inner and set(inner) <= {"K", "C"}:
        return Dataflow.WS
    return None


def _comment_family(comments: list[Comment]) -> Dataflow | None:
    for c in comments:
        for family, pattern in _COMMENT_FAMILIES:
            if pattern.search(c.text):
                return family
    return None


def parse_dataflows(text: str, file: str = "<string>") -> tuple[DataflowBlock, ...]:
    """Parse a dataflow file: one ``Dataflow { ... }`` block per sub-accelerator.

    Raises
    ------
    InputError
        On malformed directives, or a block whose family cannot be identified or whose
        directives contradict the comment that names it.
    """
    tokens, comments = tokenize(text, file)
    ts = TokenStream(tokens, file)
    blocks: list[DataflowBlock] = []
    prev_end = 0
    while ts.peek() is not None:
        kw = ts.next("'Dataflow'")
        if kw.value.lower() != "dataflow":
            raise ts.error(f"expected 'Dataflow', found '{kw.value}'", kw)
        ts.expect("{", "after 'Dataflow'")
        directives = []
        while not ts.accept("}"):
            directives.append(parse_directive(ts))
        end = ts.tokens[ts.pos - 1].line
        named = _comment_family([c for c in comments if prev_end < c.line <= kw.line])
        found = classify_directives(tuple(directives))
        if found is None and named is None:
            raise InputError(
                "cannot tell the dataflow family (WS, OS or RS) from the directives; "
                "name it in a comment before the block, e.g. '// NVDLA' or '// OS'",
                file=file,
                line=kw.line,
                field="Dataflow",
            )
        if found is not None and named is not None and found is not named:
            raise InputError(
                f"the directives describe a {found} dataflow but the comment says {named}",
                file=file,
                line=kw.line,
                field="Dataflow",
            )
        blocks.append(DataflowBlock(tuple(directives), found or named, kw.line))  # type: ignore[arg-type]
        prev_end = end
    if not blocks:
        raise InputError("no 'Dataflow' block found", file=file, line=1)
    return tuple(blocks)


def platform_from_maestro(
    hardware: tuple[HardwareSpec, ...],
    dataflows: tuple[DataflowBlock, ...],
    name: str,
    *,
    clock_hz: float = 1.0e9,
    transfer_bytes_per_s: float | None = None,
    bytes_per_elem: int = 1,
    hw_file: str = "<hardware>",
    df_file: str = "<dataflow>",
) -> Platform:
    """Combine parsed hardware and dataflow blocks (in order) into a :class:`Platform`.

    Parameters
    ----------
    hardware, dataflows : tuple
        From :func:`parse_hardware` and :func:`parse_dataflows`; same length.
    name : str
        Platform name.
    clock_hz : float
        Clock of every accelerator (MAESTRO files have none; 1 GHz by default).
    transfer_bytes_per_s : float or None
        Bandwidth for moving activations between accelerators. ``None``: activations move
        through DRAM at the slowest accelerator's off-chip bandwidth,
        ``min(offchip_bw) * clock_hz * bytes_per_elem``.
    bytes_per_elem : int
        Bytes per tensor element.

    Raises
    ------
    InputError
        If the counts differ.
    """
    if len(hardware) != len(dataflows):
        raise InputError(
            f"{len(dataflows)} Dataflow block(s) for {len(hardware)} accelerator(s) in "
            f"{hw_file}; a dataflow file needs one block per accelerator",
            file=df_file,
            field="Dataflow",
        )
    accs = []
    for hw, df in zip(hardware, dataflows, strict=True):
        try:
            accs.append(
                Accelerator(
                    name=hw.name,
                    dataflow=df.dataflow,
                    num_pes=hw.num_pes,
                    offchip_bw=hw.offchip_bw,
                    noc_bw=hw.noc_bw,
                    global_buffer_bytes=hw.global_buffer_bytes,
                    pe_buffer_bytes=hw.pe_buffer_bytes,
                    clock_hz=clock_hz,
                    directives=df.directives,
                )
            )
        except ValueError as exc:
            raise InputError(str(exc), file=hw_file, line=hw.line) from None
    if transfer_bytes_per_s is None:
        transfer_bytes_per_s = min(a.offchip_bw for a in accs) * clock_hz * bytes_per_elem
    try:
        return Platform(name, tuple(accs), transfer_bytes_per_s, bytes_per_elem)
    except ValueError as exc:
        raise InputError(str(exc), file=hw_file) from None


def load_maestro_platform(
    hw_path: str | Path, df_path: str | Path, name: str | None = None, **kwargs: object
) -> Platform:
    """Build a platform from a hardware file and a dataflow file on disk.

    Parameters
    ----------
    hw_path, df_path : str or Path
        MAESTRO hardware file and dataflow file.
    name : str, optional
        Platform name; defaults to ``"<hw stem>/<dataflow stem>"``.
    **kwargs
        ``clock_hz``, ``transfer_bytes_per_s``, ``bytes_per_elem`` for
        :func:`platform_from_maestro`.

    Returns
    -------
    Platform
    """
    hw_path, df_path = Path(hw_path), Path(df_path)
    hw = parse_hardware(read_text(hw_path), str(hw_path))
    df = parse_dataflows(read_text(df_path), str(df_path))
    return platform_from_maestro(
        hw,
        df,
        name or f"{hw_path.stem}/{df_path.stem}",
        hw_file=str(hw_path),
        df_file=str(df_path),
        **kwargs,  # type: ignore[arg-type]
    )
