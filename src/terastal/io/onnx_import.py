"""ONNX import (needs the optional ``onnx`` package: ``pip install 'terastal[onnx]'``).

The graph is checked, shapes are inferred with ``onnx.shape_inference``, and these operators
become layers (everything else is skipped, and dependencies are traced through it):

=================================  =======================================================
ONNX operator                      layer
=================================  =======================================================
Conv (1-D or 2-D)                  conv; depthwise conv when group == C == output channels;
                                   grouped conv (``groups``) otherwise
ConvTranspose                      transposed conv
Gemm, MatMul                       fc: K = output features, C = input features,
                                   Y = rows (product of all leading output dimensions)
MaxPool, AveragePool,              pool
GlobalAveragePool, GlobalMaxPool
Add, Sub, Mul, Div                 elementwise over the output tensor
=================================  =======================================================

Padding and strides come from the node attributes. Where the attribute padding cannot
reproduce the inferred output size with a symmetric per-side padding (asymmetric or
``auto_pad`` padding, ``ceil_mode``, dilation), the smallest per-side padding that does is used,
so output sizes and MAC counts follow the real graph (dilation itself is not modelled).
A symbolic first dimension of a graph input (batch) is fixed to 1; any other unknown shape
needed by an imported layer is an error. Rank-4 tensors map to N, C, Y, X; other ranks of
elementwise tensors map to C = last dimension, Y = product of the others.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from terastal.errors import InputError
from terastal.model import Layer, LayerKind, Model

__all__ = ["IMPORTED_OPS", "load_onnx", "model_from_onnx"]

IMPORTED_OPS = frozenset(
    {
        "Conv",
        "ConvTranspose",
        "Gemm",
        "MatMul",
        "MaxPool",
        "AveragePool",
        "GlobalAveragePool",
        "GlobalMaxPool",
        "Add",
        "Sub",
        "Mul",
        "Div",
    }
)


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise InputError(
            "ONNX import needs the 'onnx' package: pip install 'terastal[onnx]'"
        ) from None
    return onnx


def load_onnx(path: str | Path) -> Model:
    """Load an ONNX file as a :class:`Model` named after the file stem.

    Parameters
    ----------
    path : str or Path
        The ``.onnx`` file.

    Returns
    -------
    Model
        Imported layers in graph order, with the dependency edges of the graph.

    Raises
    ------
    InputError
        If ``onnx`` is missing, the file is unreadable, malformed or fails the ONNX checker,
        or a needed shape is unknown.
    """
    onnx = _onnx()
    file = str(path)
    if not Path(path).is_file():
        raise InputError("no such file", file=file)
    try:
        proto = onnx.load(file, load_external_data=False)
    except Exception as exc:  # DecodeError and friends: not a model file
        raise InputError(
            f"not a valid ONNX model ({type(exc).__name__}: {exc})", file=file
        ) from None
    return model_from_onnx(proto, Path(path).stem, file)


def model_from_onnx(proto: Any, name: str, file: str = "<onnx>") -> Model:
    """Convert an in-memory ``onnx.ModelProto`` (see :func:`load_onnx`)."""
    onnx = _onnx()
    try:
        onnx.checker.check_model(proto)
    except Exception as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"invalid ONNX model: {msg}", file=file) from None
    proto = _copy(onnx, proto)
    for inp in proto.graph.input:
        dims = inp.type.tensor_type.shape.dim
        if dims and not dims[0].dim_value:
            dims[0].ClearField("dim_param")
            dims[0].dim_value = 1
    try:
        proto = onnx.shape_inference.infer_shapes(proto, strict_mode=True, data_prop=True)
    except Exception as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"ONNX shape inference failed: {msg}", file=file) from None
    return _convert(proto.graph, name, file)


def _copy(onnx: Any, proto: Any) -> Any:
    dup = onnx.ModelProto()
    dup.CopyFrom(proto)
    return dup


def _shapes(graph: Any) -> dict[str, tuple[int | None, ...]]:
    shapes: dict[str, tuple[int | None, ...]] = {}
    for vi in (*graph.input, *graph.value_info, *graph.output):
        tt = vi.type.tensor_type
        if tt.HasField("shape"):
            shapes[vi.name] = tuple(d.dim_value if d.dim_value > 0 else None for d in tt.shape.dim)
    for init in graph.initializer:
        shapes[init.name] = tuple(int(d) for d in init.dims)
    return shapes


def _attrs(node: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for a in node.attribute:
        if a.type == a.INT:
            out[a.name] = a.i
        elif a.type == a.INTS:
            out[a.name] = list(a.ints)
        elif a.type == a.FLOAT:
            out[a.name] = a.f
        elif a.type == a.STRING:
            out[a.name] = a.s.decode()
    return out


def _convert(graph: Any, name: str, file: str) -> Model:
    shapes = _shapes(graph)
    producers: dict[str, frozenset[int]] = {}
    layers: list[Layer] = []
    edges: set[tuple[int, int]] = set()
    for i, node in enumerate(graph.node):
        preds = frozenset().union(*(producers.get(t, frozenset()) for t in node.input if t))
        if node.op_type in IMPORTED_OPS and node.domain in ("", "ai.onnx"):
            label = node.name or (node.output[0] if node.output else f"{node.op_type}_{i}")
            layer = _layer(node, label, shapes, file)
            idx = len(layers)
            layers.append(layer)
            edges.update((p, idx) for p in preds)
            preds = frozenset({idx})
        for t in node.output:
            if t:
                producers[t] = preds
    if not layers:
        raise InputError(
            "no importable layers (expected any of " + ", ".join(sorted(IMPORTED_OPS)) + ")",
            file=file,
        )
    try:
        return Model(name, tuple(layers), tuple(sorted(edges)), source=file)
    except ValueError as exc:
        raise InputError(str(exc), file=file) from None


def _shape(shapes: dict, tensor: str, node: Any, label: str, file: str) -> tuple[int, ...]:
    shape = shapes.get(tensor)
    if shape is None or any(d is None for d in shape):
        raise InputError(
            f"{node.op_type} node: shape of tensor {tensor!r} is unknown after shape "
            "inference (export the model with static input shapes)",
            file=file,
            field=label,
        )
    return shape  # type: ignore[return-value]


def _fit_pad(size: int, kernel: int, stride: int, out: int, attr: int, transposed: bool) -> int:
    """Per-side padding whose output is closest to ``out`` (the attribute's value on ties)."""

    def output(p: int) -> int:
        if transposed:
            return (size - 1) * stride - 2 * p + kernel
        return (size + 2 * p - kernel) // stride + 1

    span = (size - 1) * stride + kernel - out  # transposed: 2 * pad
    need = span if transposed else (out - 1) * stride + kernel - size
    base = max(0, need // 2)
    candidates = ([attr] if attr >= 0 else []) + [base, base + 1]
    return min(candidates, key=lambda p: abs(output(p) - out))


def _spatial(
    node: Any, attrs: dict, x: tuple, out: tuple, kernel: tuple, transposed: bool = False
) -> dict[str, int]:
    """Y, X, R, S, strides and paddings of a 1-D/2-D windowed operator."""
    rank = len(x) - 2
    strides = attrs.get("strides", [1] * rank)
    pads = attrs.get("pads", [0] * (2 * rank))
    auto = attrs.get("auto_pad", "NOTSET")
    ys = (*x[2:], 1)[:2]
    os_ = (*out[2:], 1)[:2]
    ks = (*kernel, 1)[:2]
    st = (*strides, 1)[:2]
    begin = (*pads[:rank], 0)[:2] if auto in ("NOTSET", "VALID") else (-1, -1)
    p = [_fit_pad(ys[d], ks[d], st[d], os_[d], begin[d], transposed) for d in range(2)]
    return {
        "y": ys[0],
        "x": ys[1],
        "r": ks[0],
        "s": ks[1],
        "stride_y": st[0],
        "stride_x": st[1],
        "pad_y": p[0],
        "pad_x": p[1],
    }


def _layer(node: Any, label: str, shapes: dict, file: str) -> Layer:
    op = node.op_type
    attrs = _attrs(node)
    out = _shape(shapes, node.output[0], node, label, file)
    try:
        if op in ("Conv", "ConvTranspose", "MaxPool", "AveragePool"):
            x = _shape(shapes, node.input[0], node, label, file)
            if len(x) not in (3, 4):
                raise InputError(
                    f"{op} node: only 1-D and 2-D windows are supported, input has rank {len(x)}",
                    file=file,
                    field=label,
                )
            n, c = x[0], x[1]
            if op in ("MaxPool", "AveragePool"):
                geo = _spatial(node, attrs, x, out, tuple(attrs["kernel_shape"]))
                return Layer(label, LayerKind.POOL, k=1, c=c, n=n, **geo)
            w = _shape(shapes, node.input[1], node, label, file)
            g = attrs.get("group", 1)
            if op == "ConvTranspose":
                geo = _spatial(node, attrs, x, out, tuple(w[2:]), transposed=True)
                return Layer(label, LayerKind.TRCONV, k=w[1] * g, c=c, n=n, groups=g, **geo)
            geo = _spatial(node, attrs, x, out, tuple(w[2:]))
            k = w[0]
            if g == c and c > 1 and k == c:
                return Layer(label, LayerKind.DWCONV, k=1, c=c, n=n, groups=c, **geo)
            return Layer(label, LayerKind.CONV, k=k, c=c, n=n, groups=g, **geo)
        if op in ("GlobalAveragePool", "GlobalMaxPool"):
            x = _shape(shapes, node.input[0], node, label, file)
            y, xx = (*x[2:], 1, 1)[:2]
            return Layer(label, LayerKind.POOL, k=1, c=x[1], n=x[0], y=y, x=xx, r=y, s=xx)
        if op in ("Gemm", "MatMul"):
            a = _shape(shapes, node.input[0], node, label, file)
            transposed_a = op == "Gemm" and attrs.get("transA", 0)
            c = a[0] if transposed_a else a[-1]
            rows = math.prod(out[:-1]) if len(out) > 1 else 1
            k = out[-1] if out else 1
            return Layer(label, LayerKind.FC, k=k, c=c, y=rows, x=1)
        # Elementwise.
        if len(out) == 4:
            n, c, y, xx = out
        else:
            n, c = 1, (out[-1] if out else 1)
            y, xx = (math.prod(out[:-1]) if len(out) > 1 else 1), 1
        return Layer(label, LayerKind.ELTWISE, k=1, c=c, y=y, x=xx, n=n)
    except (ValueError, KeyError, IndexError) as exc:
        raise InputError(f"{op} node: cannot import ({exc})", file=file, field=label) from None
