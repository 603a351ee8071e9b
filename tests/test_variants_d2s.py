"""D2SConvS2D / D2SLinear: shapes, MACs, initialisation, replace_layer errors."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
hypothesis = pytest.importorskip("hypothesis")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from torch import nn  # noqa: E402

from terastal.errors import TerastalError  # noqa: E402
from terastal.variants.d2s import (  # noqa: E402
    D2SConvS2D,
    D2SLinear,
    VariantError,
    calibrate,
    choose_r,
    replace_layer,
    variant_candidates,
)

pytestmark = pytest.mark.torch


@st.composite
def conv_configs(draw):
    r = draw(st.sampled_from([2, 3]))
    c = r * r * draw(st.integers(1, 3))
    k = r * r * draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    ext_h = dilation[0] * (kh - 1) + 1 - 2 * padding[0]
    ext_w = dilation[1] * (kw - 1) + 1 - 2 * padding[1]
    h = draw(st.integers(max(1, ext_h), max(1, ext_h) + 12))
    w = draw(st.integers(max(1, ext_w), max(1, ext_w) + 12))
    bias = draw(st.booleans())
    return r, c, k, (kh, kw), stride, padding, dilation, h, w, bias


@settings(max_examples=60, deadline=None)
@given(conv_configs())
def test_variant_output_shape_equals_original(cfg):
    r, c, k, ks, stride, padding, dilation, h, w, bias = cfg
    conv = nn.Conv2d(c, k, ks, stride, padding, dilation, bias=bias)
    v = D2SConvS2D.from_conv(conv, r=r)
    x = torch.randn(2, c, h, w)
    assert v(x).shape == conv(x).shape
    # Inner conv: (K/r², C/r²) channels on an r× larger image, same kernel/stride/dilation.
    assert (v.conv.out_channels, v.conv.in_channels) == (k // r**2, c // r**2)
    assert v.conv.kernel_size == ks and v.conv.stride == stride
    assert v.conv.padding == (padding[0] * r, padding[1] * r)


@settings(max_examples=60, deadline=None)
@given(conv_configs())
def test_variant_macs_about_original_over_r2(cfg):
    r, c, k, ks, stride, padding, dilation, h, w, _ = cfg
    conv = nn.Conv2d(c, k, ks, stride, padding, dilation)
    v = D2SConvS2D.from_conv(conv, r=r)
    ho, wo = v.original_out_size(h, w)
    hi, wi = v.inner_out_size(h, w)
    # Exact bounds on the inner output size (see module docs): r(Ho-1)+1 <= Hi < rHo + ...
    for inner, orig, s, kk, d in ((hi, ho, stride[0], ks[0], dilation[0]),
                                  (wi, wo, stride[1], ks[1], dilation[1])):  # fmt: skip
        e = d * (kk - 1) + 1
        assert r * (orig - 1) + 1 <= inner <= r * orig + (r - 1) * e // s + 1
    orig_macs = ho * wo * k * c * ks[0] * ks[1]
    assert v.macs(h, w) == hi * wi * (k // r**2) * (c // r**2) * ks[0] * ks[1]
    # On large images the ratio tends to exactly 1/r².
    big = 64 * max(stride) * max(ks) * max(dilation)
    hb, wb = v.original_out_size(big, big)
    ratio = v.macs(big, big) * r**2 / (hb * wb * k * c * ks[0] * ks[1])
    assert 0.85 < ratio < 1.2
    assert orig_macs > 0


def test_macs_ratio_typical_3x3():
    v = D2SConvS2D(64, 64, 3, padding=1, r=2)
    orig = 56 * 56 * 64 * 64 * 9
    assert v.macs(56, 56) / orig == pytest.approx(1 / 4, rel=0.05)


@pytest.mark.parametrize("shape", [(5, 64), (3, 4, 64), (64,)])
def test_linear_variant_shape(shape):
    lin = nn.Linear(64, 32)
    v = D2SLinear.from_linear(lin)
    x = torch.randn(*shape)
    assert v(x).shape == lin(x).shape
    assert (v.conv.out_channels, v.conv.in_channels) == (8, 16)


def test_choose_r():
    assert choose_r(16, 32) == 2
    assert choose_r(18, 36) == 3
    with pytest.raises(VariantError, match="neither by 4"):
        choose_r(6, 10)


def _structured_conv(r: int, c: int, k: int) -> tuple[nn.Conv2d, torch.Tensor]:
    """A 1×1 conv whose weight is W'[k', c'] on each sub-pixel diagonal, 0 elsewhere."""
    q = r * r
    small = torch.randn(k // q, c // q)
    w = torch.zeros(k // q, q, c // q, q)
    for i in range(q):
        w[:, i, :, i] = small
    conv = nn.Conv2d(c, k, 1, bias=False)
    with torch.no_grad():
        conv.weight.copy_(w.reshape(k, c, 1, 1))
    return conv, small


@pytest.mark.parametrize("r", [2, 3])
def test_mean_init_is_exact_on_expressible_1x1(r):
    conv, small = _structured_conv(r, 2 * r * r, 3 * r * r)
    v = D2SConvS2D.from_conv(conv, r=r, init="mean")
    assert torch.allclose(v.conv.weight[:, :, 0, 0], small)
    x = torch.randn(2, conv.in_channels, 5, 7)
    assert torch.allclose(v(x), conv(x), atol=1e-5)


def test_mean_init_linear_bias():
    lin = nn.Linear(8, 8)
    v = D2SLinear.from_linear(lin)
    assert torch.allclose(v.conv.bias, lin.bias.reshape(2, 4).mean(1))


def test_calibrate_recovers_an_expressible_layer():
    torch.manual_seed(0)
    teacher = D2SConvS2D(16, 32, 3, padding=1, r=2)
    student = D2SConvS2D(16, 32, 3, padding=1, r=2)
    x = torch.randn(16, 16, 9, 9)
    err = calibrate(student, teacher, x)
    assert err < 1e-6
    assert torch.allclose(student.conv.weight, teacher.conv.weight, atol=1e-3)


def test_calibrate_linear_improves_on_mean():
    torch.manual_seed(0)
    lin = nn.Linear(32, 16)
    v = D2SLinear.from_linear(lin)
    x = torch.randn(256, 32)
    with torch.no_grad():
        before = float(((v(x) - lin(x)) ** 2).sum() / (lin(x) ** 2).sum())
    assert calibrate(v, lin, x) <= before + 1e-6


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(4, 8, 3), nn.BatchNorm2d(8), nn.Conv2d(8, 6, 1))
        self.dw = nn.Conv2d(8, 8, 3, groups=8)
        self.head = nn.Linear(8, 12)


def test_replace_layer_installs_variant():
    net = _Net()
    v = replace_layer(net, "body.0")
    assert net.body[0] is v and isinstance(v, D2SConvS2D) and v.r == 2
    assert isinstance(replace_layer(net, "head"), D2SLinear)
    assert variant_candidates(_Net()) == ["body.0", "head"]


@pytest.mark.parametrize(
    ("path", "r", "message"),
    [
        ("body.2", 2, "not divisible by r²=4"),
        ("body.2", None, "divisible neither"),
        ("dw", 2, "depthwise"),
        ("body.1", 2, "unsupported layer type BatchNorm2d"),
        ("nope", 2, "no layer 'nope'.*body.0"),
        ("body.9", 2, "no layer 'body.9'"),
        ("missing.conv", 2, "no module 'missing'"),
        ("head", 3, "C=8, K=12 are not divisible by r²=9"),
    ],
)
def test_replace_layer_errors(path, r, message):
    with pytest.raises(VariantError, match=message):
        replace_layer(_Net(), path, r=r)


def test_replace_twice_and_user_error_type():
    net = _Net()
    replace_layer(net, "body.0")
    with pytest.raises(TerastalError, match="already a variant"):
        replace_layer(net, "body.0")
    with pytest.raises(VariantError, match="unknown init"):
        replace_layer(_Net(), "body.0", init="zeros")


def test_r3_variant_runs():
    conv = nn.Conv2d(18, 36, 3, stride=2, padding=1)
    v = replace_layer(nn.Sequential(conv), "0", r=None)
    assert v.r == 3
    x = torch.randn(1, 18, 11, 11)
    assert v(x).shape == conv(x).shape


def test_gradients_reach_variant_weights():
    v = D2SConvS2D(8, 8, 3, padding=1)
    v(torch.randn(2, 8, 6, 6)).sum().backward()
    assert v.conv.weight.grad is not None and v.conv.weight.grad.abs().sum() > 0
