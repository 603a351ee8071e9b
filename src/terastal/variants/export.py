"""Export a torch model's layers as terastal :class:`~terastal.model.Layer` objects.

``torch.fx`` traces the model (variant modules kept as leaves) and ``ShapeProp`` records every
tensor's shape for an example input. Convolutions, linear layers, pools and element-wise adds
become layers; BatchNorm, activations, dropout and reshapes are fused into their producer.
A variant is exported as its inner convolution, ``(K/r², C/r², rY, rX)`` with the original
kernel and stride and padding ``pad·r`` — the shape the cost model must see.
"""

from __future__ import annotations

import operator
from pathlib import Path

import torch
import torch.nn.functional as F  # noqa: N812
from torch import fx, nn
from torch.fx.passes.shape_prop import ShapeProp

from terastal._files import atomic_write
from terastal.errors import TerastalError
from terastal.model import Layer, LayerKind, Model
from terastal.variants.d2s import D2SConvS2D, D2SLinear
from terastal.variants.finetune import trace

_POOL_FUNCS = {F.max_pool2d, F.avg_pool2d, torch.max_pool2d}
_ADAPTIVE_FUNCS = {F.adaptive_avg_pool2d, F.adaptive_max_pool2d}
_ADD_FUNCS = {operator.add, torch.add, operator.iadd}


def _shape(node: fx.Node) -> tuple[int, ...] | None:
    meta = node.meta.get("tensor_meta")
    return tuple(meta.shape) if meta is not None and hasattr(meta, "shape") else None


def _two(v) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _conv_layer(name: str, m: nn.Conv2d, shape: tuple[int, ...]) -> Layer:
    if isinstance(m.padding, str):
        raise TerastalError(f"{name}: string padding {m.padding!r} is not exported")
    if _two(m.dilation) != (1, 1):
        raise TerastalError(f"{name}: dilated convolutions cannot be expressed as a Layer")
    n, c, h, w = shape
    (kr, ks), (sy, sx), (py, px) = _two(m.kernel_size), _two(m.stride), _two(m.padding)
    common = dict(y=h, x=w, r=kr, s=ks, n=n, stride_y=sy, stride_x=sx, pad_y=py, pad_x=px)
    if m.groups == 1:
        return Layer(name, LayerKind.CONV, k=m.out_channels, c=c, **common)
    if m.groups == c == m.out_channels:
        return Layer(name, LayerKind.DWCONV, k=1, c=c, groups=c, **common)
    return Layer(name, LayerKind.CONV, k=m.out_channels, c=c, groups=m.groups, **common)


def _variant_layer(name: str, m: D2SConvS2D, shape: tuple[int, ...]) -> Layer:
    if isinstance(m, D2SLinear):
        n, h, w = int(torch.tensor(shape[:-1]).prod()), 1, 1
    else:
        n, _, h, w = shape
    conv, r = m.conv, m.r
    return Layer(
        name, LayerKind.CONV, k=conv.out_channels, c=conv.in_channels, y=r * h, x=r * w,
        r=conv.kernel_size[0], s=conv.kernel_size[1], n=n, stride_y=conv.stride[0],
        stride_x=conv.stride[1], pad_y=conv.padding[0], pad_x=conv.padding[1],
    )  # fmt: skip


def _pool_layer(name: str, shape, kernel, stride, padding) -> Layer:
    n, c, h, w = shape
    (kr, ks) = _two(kernel)
    (sy, sx) = _two(stride if stride else kernel)
    (py, px) = _two(padding)
    return Layer(name, LayerKind.POOL, k=c, c=c, y=h, x=w, r=kr, s=ks, n=n,
                 stride_y=sy, stride_x=sx, pad_y=py, pad_x=px)  # fmt: skip


def _adaptive_layer(name: str, shape, out_shape) -> Layer:
    _, _, h, w = shape
    oh, ow = out_shape[-2], out_shape[-1]
    if h % oh or w % ow:
        raise TerastalError(f"{name}: adaptive pool {h}x{w} -> {oh}x{ow} is not uniform")
    return _pool_layer(name, shape, (h // oh, w // ow), (h // oh, w // ow), 0)


def _node_layer(gm: fx.GraphModule, node: fx.Node) -> Layer | None:
    args = [a for a in node.args if isinstance(a, fx.Node)]
    in_shape = _shape(args[0]) if args else None
    if in_shape is None:
        return None
    if node.op == "call_module":
        m = gm.get_submodule(node.target)
        name = str(node.target)
        if isinstance(m, D2SConvS2D):
            return _variant_layer(name, m, in_shape)
        if isinstance(m, nn.Conv2d):
            return _conv_layer(name, m, in_shape)
        if isinstance(m, nn.Linear):
            n = int(torch.tensor(in_shape[:-1]).prod()) if len(in_shape) > 1 else 1
            return Layer(name, LayerKind.FC, k=m.out_features, c=m.in_features, y=1, x=1, n=n)
        if isinstance(m, nn.MaxPool2d | nn.AvgPool2d):
            return _pool_layer(name, in_shape, m.kernel_size, m.stride, m.padding)
        if isinstance(m, nn.AdaptiveAvgPool2d | nn.AdaptiveMaxPool2d):
            return _adaptive_layer(name, in_shape, _shape(node))
        return None
    if node.op == "call_function" and len(in_shape) == 4:
        kw = node.kwargs
        if node.target in _POOL_FUNCS:
            kernel = node.args[1] if len(node.args) > 1 else kw["kernel_size"]
            stride = node.args[2] if len(node.args) > 2 else kw.get("stride")
            padding = node.args[3] if len(node.args) > 3 else kw.get("padding", 0)
            return _pool_layer(node.name, in_shape, kernel, stride, padding)
        if node.target in _ADAPTIVE_FUNCS:
            return _adaptive_layer(node.name, in_shape, _shape(node))
        if node.target in _ADD_FUNCS and len(args) == 2:
            n, c, h, w = in_shape
            return Layer(node.name, LayerKind.ELTWISE, k=c, c=c, y=h, x=w, n=n)
    return None


def export_model(
    model: nn.Module,
    input_shape: tuple[int, ...] = (1, 1, 28, 28),
    name: str = "model",
) -> Model:
    """The layers of ``model`` (variants included) as a terastal :class:`~terastal.model.Model`.

    Parameters
    ----------
    model : nn.Module
        Model to export (traced by ``torch.fx``; it is not modified).
    input_shape : tuple of int
        Shape of the example input; its first entry is the batch ``n`` of every layer.
    name : str
        Name of the returned model.

    Returns
    -------
    Model
        Layers in execution order with their data-dependency edges.
    """
    gm = trace(model)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            ShapeProp(gm).propagate(torch.zeros(input_shape))
    finally:
        model.train(was_training)
    layers: list[Layer] = []
    index: dict[fx.Node, int] = {}
    sources: dict[fx.Node, set[int]] = {}  # exported layers each node's value comes from
    edges: set[tuple[int, int]] = set()
    for node in gm.graph.nodes:
        upstream: set[int] = set()
        for a in node.all_input_nodes:
            upstream |= sources.get(a, set())
        layer = _node_layer(gm, node)
        if layer is None:
            sources[node] = upstream
            continue
        index[node] = len(layers)
        layers.append(layer)
        edges.update((u, index[node]) for u in upstream)
        sources[node] = {index[node]}
    if not layers:
        raise TerastalError(f"model {name!r}: no convolution, linear or pool layer found")
    return Model(name, tuple(layers), tuple(sorted(edges)))


def write_maestro(model: Model, path: str | Path, fps: float = 30.0) -> Path:
    """Write the CONV/DWCONV/FC layers of ``model`` as a MAESTRO ``.m`` file.

    Like the paper's exports, ``Y``/``X`` are input sizes and padding is not written; dots in
    layer names become underscores.

    Parameters
    ----------
    model : Model
        The network to write (its other layer kinds are left out).
    path : str or path-like
        The file to write (overwritten).
    fps : float
        The network's ``FPS`` line.

    Returns
    -------
    Path
        ``path``.
    """
    path = Path(path)
    lines = [f"Network {model.name} {{", "", f"FPS: {fps:g}", ""]
    for layer in model.layers:
        if layer.kind not in (LayerKind.CONV, LayerKind.DWCONV, LayerKind.FC):
            continue
        kind = "DSCONV" if layer.kind is LayerKind.DWCONV else "CONV"
        lines += [
            f"Layer {layer.name.replace('.', '_')} {{ ",
            f"\tType: {kind}",
            f"\tStride {{ X: {layer.stride_x}, Y: {layer.stride_y} }}",
            f"\tDimensions: {{ N: {layer.n}, K: {layer.k}, C: {layer.c}, Y: {layer.y}, "
            f"X: {layer.x}, R: {layer.r}, S: {layer.s} }}",
            "}",
            "",
        ]
    lines.append("}")
    atomic_write(path, "\n".join(lines) + "\n")  # whole or not at all, as the checkpoints
    return path
