"""MAESTRO model files (``.m``) as written by XRBench usage scenarios and the paper's exports.

A file holds one or more ``Network NAME { ... }`` blocks. A network carries optional
``FPS:``, ``Probability:`` and ``Dependency: { UPSTREAM }`` lines (XRBench usage scenarios)
and its layers::

    Layer conv1 {
        Type: CONV
        Stride { X: 2, Y: 2 }
        Dimensions: { N: 1, K: 64, C: 3, Y: 224, X: 224, R: 7, S: 7 }
    }

Dimensions may come in any order; all seven are required. A missing ``Stride`` means 1.
MAESTRO has no padding: output = (Y - R) / stride + 1, so imported layers have zero padding,
except where a kernel is larger than its input (a few XRBench and paper layers, written from
padded networks): there the smallest symmetric padding that fits the window is added.

``Type`` mapping: ``CONV`` -> conv (XRBench writes depthwise layers as dense ``CONV`` with
K = C and is costed that way: kept as is); ``DSCONV`` -> depthwise conv, except layers whose
name contains "residual" (the paper exports write residual additions as 1x1 ``DSCONV``) ->
elementwise; ``TRCONV`` -> transposed conv; ``FC``/``GEMM``/``MATMUL`` -> fc; ``POOL`` ->
pool; ``ELTWISE``/``ADD`` -> elementwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from terastal.errors import InputError
from terastal.io._lexer import TokenStream, read_text, tokenize
from terastal.model import Layer, LayerKind, Model, Scenario, Task, dependency_cycle

__all__ = [
    "MaestroNetwork",
    "load_maestro",
    "load_maestro_scenario",
    "parse_maestro",
    "scenario_from_networks",
]

_DIMS = ("N", "K", "C", "Y", "X", "R", "S")
_TYPES = {
    "CONV": LayerKind.CONV,
    "DSCONV": LayerKind.DWCONV,
    "TRCONV": LayerKind.TRCONV,
    "FC": LayerKind.FC,
    "GEMM": LayerKind.FC,
    "MATMUL": LayerKind.FC,
    "POOL": LayerKind.POOL,
    "ELTWISE": LayerKind.ELTWISE,
    "ADD": LayerKind.ELTWISE,
}


@dataclass(frozen=True, slots=True)
class MaestroNetwork:
    """One ``Network`` block of a MAESTRO model file.

    Parameters
    ----------
    name : str
        Network name.
    model : Model
        Its layers as a chain.
    fps : float or None
        ``FPS:`` line, if any.
    probability : float or None
        ``Probability:`` line, if any.
    dependency : str or None
        The upstream network of ``Dependency: { ... }``, if any.
    line : int
        Line of the ``Network`` keyword.
    dependency_line : int or None
        Line of the upstream name.
    """

    name: str
    model: Model
    fps: float | None = None
    probability: float | None = None
    dependency: str | None = None
    line: int = 1
    dependency_line: int | None = None


def parse_maestro(text: str, file: str = "<string>") -> tuple[MaestroNetwork, ...]:
    """Parse the text of a MAESTRO model file.

    Parameters
    ----------
    text : str
        File contents.
    file : str
        Name used in error messages and stored as ``Model.source``.

    Returns
    -------
    tuple of MaestroNetwork
        The networks in file order.

    Raises
    ------
    InputError
        On malformed syntax, a missing or non-integer dimension, an unknown layer type,
        a non-positive FPS, a probability outside [0, 1], a duplicate network name or a
        layer name used twice in one network; the error names the file, line and field.
    """
    tokens, _ = tokenize(text, file)
    ts = TokenStream(tokens, file)
    networks: list[MaestroNetwork] = []
    seen: set[str] = set()
    while ts.peek() is not None:
        net = _network(ts)
        if net.name in seen:
            raise InputError(f"duplicate network {net.name!r}", file=file, line=net.line)
        seen.add(net.name)
        networks.append(net)
    if not networks:
        raise InputError("no 'Network' block found", file=file, line=1)
    return tuple(networks)


def load_maestro(path: str | Path) -> tuple[MaestroNetwork, ...]:
    """Read and parse a MAESTRO model file from disk.

    Parameters
    ----------
    path : str or Path
        The ``.m`` file.

    Returns
    -------
    tuple of MaestroNetwork
        The networks in file order (see :func:`parse_maestro`).

    Raises
    ------
    InputError
        If the file is missing, unreadable or malformed.
    """
    return parse_maestro(read_text(path), str(path))


def scenario_from_networks(
    networks: Sequence[MaestroNetwork], name: str, file: str = "<string>"
) -> Scenario:
    """Turn the networks of a usage-scenario file into a :class:`Scenario`.

    Each network becomes a task named after it, with its FPS, its dependency and its
    trigger probability (default 1.0).

    Parameters
    ----------
    networks : sequence of MaestroNetwork
        From :func:`parse_maestro`.
    name : str
        Scenario name.
    file : str
        Source file, for error messages.

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        On a missing FPS, an unknown or cyclic dependency.
    """
    known = {n.name: n for n in networks}
    for net in networks:
        if net.fps is None:
            raise InputError(
                f"network {net.name!r} has no FPS", file=file, line=net.line, field="FPS"
            )
        if net.dependency is not None and net.dependency not in known:
            raise InputError(
                f"network {net.name!r} depends on unknown network {net.dependency!r}; "
                f"known: {', '.join(known)}",
                file=file,
                line=net.dependency_line,
                field="Dependency",
            )
    parent = {n.name: n.dependency for n in networks}
    for net in networks:
        cycle = dependency_cycle(parent, net.name)
        if cycle is not None:
            raise InputError(
                f"cyclic dependency: {' -> '.join(cycle)}",
                file=file,
                line=net.dependency_line,
                field="Dependency",
            )
    tasks = []
    for net in networks:
        try:
            tasks.append(
                Task(
                    name=net.name,
                    model=net.model,
                    fps=float(net.fps),  # type: ignore[arg-type]
                    depends_on=net.dependency,
                    probability=1.0 if net.probability is None else net.probability,
                )
            )
        except ValueError as exc:
            raise InputError(str(exc), file=file, line=net.line) from None
    try:
        return Scenario(name=name, tasks=tuple(tasks), source=file)
    except ValueError as exc:
        raise InputError(str(exc), file=file) from None


def load_maestro_scenario(path: str | Path, name: str | None = None) -> Scenario:
    """Load a usage-scenario ``.m`` file as a :class:`Scenario`.

    Parameters
    ----------
    path : str or Path
        The ``.m`` file.
    name : str, optional
        Scenario name; defaults to the file stem.

    Returns
    -------
    Scenario
        One task per network (see :func:`scenario_from_networks`).
    """
    p = Path(path)
    return scenario_from_networks(load_maestro(p), name or p.stem, str(p))


def _network(ts: TokenStream) -> MaestroNetwork:
    kw = ts.next("'Network'")
    if kw.value.lower() != "network":
        raise ts.error(f"expected 'Network', found '{kw.value}'", kw)
    name = ts.word("a network name").value
    ts.expect("{", f"after 'Network {name}'")
    fps = probability = None
    dependency: str | None = None
    dep_line: int | None = None
    layers: list[Layer] = []
    layer_lines: dict[str, int] = {}  # a duplicate name would make per-layer lookups ambiguous
    while not ts.accept("}"):
        tok = ts.word(f"'Layer', 'FPS', 'Probability', 'Dependency' or '}}' in network {name}")
        key = tok.value.lower()
        if key == "layer":
            name_tok, layer = ts.peek(), _layer(ts)
            if layer.name in layer_lines:
                where = f"in network {name!r} (first at line {layer_lines[layer.name]})"
                raise ts.error(f"duplicate layer {layer.name!r} {where}", name_tok, "Layer")
            layer_lines[layer.name] = name_tok.line
            layers.append(layer)
            continue
        if key not in ("fps", "probability", "dependency"):
            raise ts.error(
                f"unexpected '{tok.value}' in network {name!r}; expected 'Layer', 'FPS', "
                "'Probability', 'Dependency' or '}'",
                tok,
            )
        ts.expect(":", f"after '{tok.value}'")
        if key == "dependency":
            if dependency is not None:
                raise ts.error("duplicate 'Dependency'", tok, "Dependency")
            dependency, dep_line = _dependency(ts, name)
        elif key == "fps":
            if fps is not None:
                raise ts.error("duplicate 'FPS'", tok, "FPS")
            fps, vtok = ts.number("FPS")
            if fps <= 0:
                raise ts.error(f"FPS must be > 0, got {vtok.value}", vtok, "FPS")
        else:
            if probability is not None:
                raise ts.error("duplicate 'Probability'", tok, "Probability")
            probability, vtok = ts.number("Probability")
            if not 0.0 <= probability <= 1.0:
                raise ts.error(
                    f"Probability must be in [0, 1], got {vtok.value}", vtok, "Probability"
                )
        ts.accept(";")
    if not layers:
        raise InputError(f"network {name!r} has no layers", file=ts.file, line=kw.line)
    model = Model(name=name, layers=tuple(layers), source=ts.file)
    return MaestroNetwork(name, model, fps, probability, dependency, kw.line, dep_line)


def _dependency(ts: TokenStream, network: str) -> tuple[str, int]:
    ts.expect("{", "after 'Dependency:'")
    names = []
    while not ts.accept("}"):
        tok = ts.word("an upstream network name or '}'")
        names.append(tok)
        ts.accept(",")
    if len(names) != 1:
        line = names[1].line if names else ts.tokens[ts.pos - 1].line
        raise InputError(
            f"network {network!r}: 'Dependency' must name exactly one upstream network, "
            f"got {len(names)}",
            file=ts.file,
            line=line,
            field="Dependency",
        )
    return names[0].value, names[0].line


def _layer(ts: TokenStream) -> Layer:
    name_tok = ts.word("a layer name")
    name = name_tok.value
    ts.expect("{", f"after 'Layer {name}'")
    type_tok = None
    dims: dict[str, int] = {}
    dims_tok = None
    stride = {"X": 1, "Y": 1}
    while not ts.accept("}"):
        tok = ts.word(f"'Type', 'Stride', 'Dimensions' or '}}' in layer {name}")
        key = tok.value.lower()
        if key == "type":
            ts.expect(":", "after 'Type'")
            type_tok = ts.word("a layer type")
        elif key == "stride":
            ts.accept(":")
            ts.expect("{", "after 'Stride'")
            for dim, value, dtok in ts.key_values("Stride", "Stride."):
                if dim.upper() not in stride:
                    raise ts.error(f"unknown stride '{dim}'; expected X or Y", dtok, "Stride")
                if value < 1:
                    raise ts.error(f"stride must be >= 1, got {value}", dtok, f"Stride.{dim}")
                stride[dim.upper()] = value
        elif key == "dimensions":
            ts.expect(":", "after 'Dimensions'")
            dims_tok = ts.expect("{", "after 'Dimensions:'")
            for dim, value, dtok in ts.key_values("Dimensions", "Dimensions."):
                d = dim.upper()
                if d not in _DIMS:
                    raise ts.error(
                        f"unknown dimension '{dim}'; expected {', '.join(_DIMS)}",
                        dtok,
                        "Dimensions",
                    )
                if d in dims:
                    raise ts.error(f"duplicate dimension '{dim}'", dtok, f"Dimensions.{d}")
                if value < 1:
                    raise ts.error(
                        f"dimension {d} must be >= 1, got {value}", dtok, f"Dimensions.{d}"
                    )
                dims[d] = value
        else:
            raise ts.error(
                f"unexpected '{tok.value}' in layer {name!r}; "
                "expected 'Type', 'Stride', 'Dimensions' or '}'",
                tok,
            )
        ts.accept(";")
    if type_tok is None:
        raise ts.error(f"layer {name!r} has no 'Type'", name_tok, "Type")
    kind = _TYPES.get(type_tok.value.upper())
    if kind is None:
        raise ts.error(
            f"unknown layer type '{type_tok.value}'; expected one of {', '.join(_TYPES)}",
            type_tok,
            "Type",
        )
    if kind is LayerKind.DWCONV and "residual" in name.lower():
        kind = LayerKind.ELTWISE
    if dims_tok is None:
        raise ts.error(f"layer {name!r} has no 'Dimensions'", name_tok, "Dimensions")
    missing = [d for d in _DIMS if d not in dims]
    if missing:
        raise ts.error(
            f"layer {name!r}: missing dimension {', '.join(missing)}",
            dims_tok,
            f"Dimensions.{missing[0]}",
        )
    # A few XRBench / paper layers have a kernel larger than their input (the source networks
    # were padded): add the smallest symmetric padding that lets the window fit.
    pad_y = max(0, -(-(dims["R"] - dims["Y"]) // 2))
    pad_x = max(0, -(-(dims["S"] - dims["X"]) // 2))
    if kind is LayerKind.TRCONV:
        pad_y = pad_x = 0
    try:
        return Layer(
            name=name,
            kind=kind,
            k=dims["K"],
            c=dims["C"],
            y=dims["Y"],
            x=dims["X"],
            r=dims["R"],
            s=dims["S"],
            n=dims["N"],
            stride_y=stride["Y"],
            stride_x=stride["X"],
            pad_y=pad_y,
            pad_x=pad_x,
        )
    except ValueError as exc:
        raise ts.error(str(exc), name_tok, "Dimensions") from None
