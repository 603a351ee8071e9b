"""torch.fx export of original and variant models to terastal Layers; round trips."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from terastal.errors import TerastalError  # noqa: E402
from terastal.model import LayerKind  # noqa: E402
from terastal.variants.d2s import D2SConvS2D, replace_layer  # noqa: E402
from terastal.variants.export import export_model, write_maestro  # noqa: E402
from terastal.variants.models import FashionVGG  # noqa: E402

pytestmark = pytest.mark.torch

VARIANT_LAYERS = ("conv2", "conv3", "conv4", "conv5", "fc1")


def _by_name(model):
    return {layer.name: layer for layer in model.layers}


def test_export_base_model_shapes():
    m = export_model(FashionVGG(), (1, 1, 28, 28), name="fmnist_vgg")
    layers = _by_name(m)
    assert [x.name for x in m.layers if x.kind is LayerKind.CONV] == [
        "conv1", "conv2", "conv3", "conv4", "conv5"
    ]  # fmt: skip
    c3 = layers["conv3"]
    assert (c3.k, c3.c, c3.y, c3.x, c3.r, c3.s, c3.pad_y) == (64, 32, 14, 14, 3, 3, 1)
    assert (c3.out_y, c3.out_x) == (14, 14)
    fc1 = layers["fc1"]
    assert (fc1.kind, fc1.k, fc1.c, fc1.y, fc1.x) == (LayerKind.FC, 64, 128, 1, 1)
    assert m.edges == tuple((i, i + 1) for i in range(len(m.layers) - 1))
    pool = layers["adaptive_avg_pool2d"]
    assert pool.kind is LayerKind.POOL and pool.out_y == 1


@pytest.mark.parametrize("layer", VARIANT_LAYERS)
@pytest.mark.parametrize("batch", [1, 3])
def test_round_trip_variant_shape(layer, batch):
    """Exported variant layer = (K/r², C/r², rY, rX) of the exported original layer."""
    net = FashionVGG()
    orig = _by_name(export_model(net, (batch, 1, 28, 28)))[layer]
    v = replace_layer(net, layer, r=None)
    var = _by_name(export_model(net, (batch, 1, 28, 28)))[layer]
    r = v.r
    assert (var.k, var.c, var.y, var.x) == (orig.k // r**2, orig.c // r**2, r * orig.y, r * orig.x)
    assert (var.r, var.s, var.stride_y, var.pad_y, var.n) == (
        orig.r, orig.s, orig.stride_y, orig.pad_y * r, batch,
    )  # fmt: skip
    assert var.kind is LayerKind.CONV
    h = orig.y if orig.kind is LayerKind.CONV else 1
    assert var.macs == batch * v.macs(h, h)
    assert var.macs == pytest.approx(orig.macs / r**2, rel=0.35)
    planner = pytest.importorskip("terastal.planner.variants")
    expected = planner.variant_shape(orig, r, name=layer)
    assert var == expected


def test_all_variants_export_and_other_layers_unchanged():
    net = FashionVGG()
    base = _by_name(export_model(net))
    for layer in VARIANT_LAYERS:
        replace_layer(net, layer)
    var = _by_name(export_model(net))
    assert base.keys() == var.keys()
    for name in base.keys() - set(VARIANT_LAYERS):
        assert base[name] == var[name]
    assert sum(x.macs for x in var.values()) < sum(x.macs for x in base.values())


class _Res(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.a = nn.Conv2d(8, 8, 3, padding=1)
        self.b = nn.Conv2d(8, 8, 3, stride=1, padding=1)
        self.dw = nn.Conv2d(8, 8, 3, padding=1, groups=8)
        self.pool = nn.MaxPool2d(2)
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        x = self.stem(x)
        y = self.b(torch.relu(self.a(x)))
        x = self.pool(self.dw(x + y))
        return self.head(x.mean((2, 3)))


def test_residual_edges_eltwise_depthwise():
    m = export_model(_Res(), (2, 3, 8, 8), name="res")
    names = [x.name for x in m.layers]
    assert names == ["stem", "a", "b", "add", "dw", "pool", "head"]
    idx = {n: i for i, n in enumerate(names)}
    preds = m.predecessors()
    assert set(preds[idx["add"]]) == {idx["stem"], idx["b"]}
    assert preds[idx["head"]] == (idx["pool"],)
    layers = _by_name(m)
    assert layers["add"].kind is LayerKind.ELTWISE and layers["add"].c == 8
    assert layers["dw"].kind is LayerKind.DWCONV and layers["dw"].groups == 8
    assert layers["pool"].kind is LayerKind.POOL and layers["pool"].out_y == 4
    assert layers["head"].n == 2


def test_export_errors():
    with pytest.raises(TerastalError, match="dilated"):
        export_model(nn.Sequential(nn.Conv2d(1, 4, 3, dilation=2)), (1, 1, 9, 9))
    with pytest.raises(TerastalError, match="no convolution"):
        export_model(nn.Sequential(nn.ReLU()), (1, 1, 4, 4))


def test_export_leaves_module_mode_and_variant_is_leaf():
    net = FashionVGG()
    replace_layer(net, "conv4")
    net.train()
    export_model(net)
    assert net.training and isinstance(net.conv4, D2SConvS2D)


def test_maestro_file_round_trip(tmp_path):
    io = pytest.importorskip("terastal.io")
    net = FashionVGG()
    replace_layer(net, "conv4")
    exported = export_model(net, name="fmnist_vgg")
    path = write_maestro(exported, tmp_path / "v.m")
    loaded = io.load_model(str(path))
    convs = [x for x in exported.layers if x.kind in (LayerKind.CONV, LayerKind.FC)]
    assert [x.name for x in loaded.layers] == [x.name for x in convs]
    got = _by_name(loaded)["conv4"]
    assert (got.k, got.c, got.y, got.x, got.r, got.s) == (16, 16, 14, 14, 3, 3)
