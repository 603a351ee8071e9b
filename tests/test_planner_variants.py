import pytest

from terastal.errors import InputError
from terastal.model import Layer, LayerKind
from terastal.planner.variants import VariantError, is_eligible, variant_factor, variant_shape


def test_conv_variant_divides_channels_by_four_and_doubles_the_plane():
    layer = Layer("features_8", LayerKind.CONV, k=256, c=256, y=56, x=56, r=3, s=3)
    v = variant_shape(layer)
    assert (v.k, v.c, v.y, v.x, v.r, v.s) == (64, 64, 112, 112, 3, 3)
    assert v.kind is LayerKind.CONV and v.name == "features_8_variant"
    assert variant_factor(layer) == 2
    # about r^2 fewer MACs
    assert v.macs < layer.macs / 3


def test_stride_kept_and_padding_scaled():
    layer = Layer(
        "l",
        LayerKind.CONV,
        k=64,
        c=32,
        y=28,
        x=30,
        r=3,
        s=3,
        stride_y=2,
        stride_x=2,
        pad_y=1,
        pad_x=1,
        n=2,
    )
    v = variant_shape(layer, name="v")
    assert (v.k, v.c, v.y, v.x) == (16, 8, 56, 60)
    assert (v.stride_y, v.stride_x, v.pad_y, v.pad_x, v.n) == (2, 2, 2, 2, 2)
    assert v.name == "v"


def test_fc_becomes_a_1x1_conv_on_an_r_by_r_plane():
    fc = Layer("classifier_0", LayerKind.FC, k=4096, c=25088, y=1, x=1)
    v = variant_shape(fc)
    assert (v.kind, v.k, v.c, v.y, v.x, v.r, v.s) == (LayerKind.CONV, 1024, 6272, 2, 2, 1, 1)


def test_r3_when_channels_divide_by_nine_but_not_four():
    head = Layer("classification_headers_0_3", LayerKind.CONV, k=126, c=576, y=19, x=19)
    assert variant_factor(head) == 3
    v = variant_shape(head)
    assert (v.k, v.c, v.y, v.x) == (14, 64, 57, 57)


def test_explicit_factor_needs_only_r_squared_divisibility():
    fc = Layer("d", LayerKind.CONV, k=3072, c=768, y=1, x=1)
    v = variant_shape(fc, r=4)
    assert (v.k, v.c, v.y, v.x) == (192, 48, 4, 4)
    with pytest.raises(VariantError, match="r\\^2=9"):
        variant_shape(fc, r=3)
    with pytest.raises(VariantError, match="integer >= 2"):
        variant_shape(fc, r=1)


@pytest.mark.parametrize(
    ("layer", "reason"),
    [
        (Layer("dw", LayerKind.DWCONV, k=1, c=96, y=8, x=8, r=3, s=3), "dwconv"),
        (Layer("pool", LayerKind.POOL, k=1, c=64, y=8, x=8, r=2, s=2), "pool"),
        (Layer("add", LayerKind.ELTWISE, k=1, c=64, y=8, x=8), "eltwise"),
        (Layer("up", LayerKind.TRCONV, k=64, c=64, y=8, x=8, r=2, s=2), "trconv"),
        (Layer("grp", LayerKind.CONV, k=64, c=64, y=8, x=8, groups=4), "groups=4"),
        (Layer("odd", LayerKind.CONV, k=10, c=64, y=8, x=8), "not both divisible by 4 or by 9"),
        (Layer("odd9", LayerKind.CONV, k=18, c=64, y=8, x=8), "K=18, C=64"),
    ],
)
def test_ineligible_layers_raise_an_input_error_naming_the_layer(layer, reason):
    assert not is_eligible(layer)
    with pytest.raises(VariantError, match=reason) as exc:
        variant_shape(layer)
    assert isinstance(exc.value, InputError)
    assert repr(layer.name) in str(exc.value)
    with pytest.raises(VariantError):
        variant_factor(layer)
