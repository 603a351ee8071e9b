"""Layer-variant shapes (the paper's depth-to-space variant of a CONV or FC layer).

The variant of a layer with ``K`` output and ``C`` input channels on a ``Y x X`` input is

    PixelShuffle(r) -> Conv(C/r^2 -> K/r^2, same kernel and stride, padding * r)
    -> PixelUnshuffle(r) -> crop

so in MAESTRO terms the convolution it runs has shape ``(K/r^2, C/r^2, rY, rX)``: about
``r^2`` times fewer multiply-accumulates, spread over an ``r^2`` times larger output plane.
A fully connected layer first becomes a 1x1 convolution, ``(K, C, 1, 1) -> (K/r^2, C/r^2, r, r)``.
The factor is ``r = 2`` when both channel counts are divisible by 4, otherwise ``r = 3`` when
both are divisible by 9; any other layer has no variant.
"""

from __future__ import annotations

from terastal.errors import InputError
from terastal.model import Layer, LayerKind

__all__ = [
    "VariantError",
    "is_eligible",
    "variant_factor",
    "variant_shape",
]

#: Layer kinds that have a variant.
ELIGIBLE_KINDS = frozenset({LayerKind.CONV, LayerKind.FC})


class VariantError(InputError):
    """A layer has no variant; the message names the layer and the reason."""


def _reason(layer: Layer, r: int | None) -> str | None:
    """Why ``layer`` has no variant of factor ``r`` (``None`` = automatic), or ``None``."""
    if layer.kind not in ELIGIBLE_KINDS:
        return f"{layer.kind.value} layers have no variant (only conv and fc)"
    if layer.groups != 1:
        return f"grouped convolution (groups={layer.groups}) has no variant"
    if r is not None:
        if not isinstance(r, int) or r < 2:
            return f"variant factor must be an integer >= 2, got {r!r}"
        if layer.k % (r * r) or layer.c % (r * r):
            return f"channels K={layer.k}, C={layer.c} are not both divisible by r^2={r * r}"
        return None
    if layer.k % 4 == 0 and layer.c % 4 == 0:
        return None
    if layer.k % 9 == 0 and layer.c % 9 == 0:
        return None
    return f"channels K={layer.k}, C={layer.c} are not both divisible by 4 or by 9"


def is_eligible(layer: Layer) -> bool:
    """Whether ``layer`` has a variant (with the automatic factor).

    Parameters
    ----------
    layer : Layer
        Any layer.

    Returns
    -------
    bool
    """
    return _reason(layer, None) is None


def variant_factor(layer: Layer) -> int:
    """The pixel-shuffle factor ``r`` of ``layer``'s variant: 2, or 3 when 4 does not divide.

    Parameters
    ----------
    layer : Layer
        A CONV or FC layer.

    Returns
    -------
    int
        2 or 3.

    Raises
    ------
    VariantError
        If the layer has no variant.
    """
    why = _reason(layer, None)
    if why is not None:
        raise VariantError(f"layer {layer.name!r} has no variant: {why}", field=layer.name)
    return 2 if layer.k % 4 == 0 and layer.c % 4 == 0 else 3


def variant_shape(layer: Layer, r: int | None = None, *, name: str | None = None) -> Layer:
    """Shape of the convolution that ``layer``'s variant runs.

    Parameters
    ----------
    layer : Layer
        A CONV or FC layer (FC is treated as a 1x1 convolution on its ``y x x`` input).
    r : int, optional
        Pixel-shuffle factor; default :func:`variant_factor`. An explicit factor only needs
        both channel counts divisible by ``r**2``.
    name : str, optional
        Name of the variant layer; default ``"<layer name>_variant"``.

    Returns
    -------
    Layer
        A CONV layer ``(K/r^2, C/r^2, rY, rX)`` with the same kernel, stride and batch and
        padding multiplied by ``r``.

    Raises
    ------
    VariantError
        If the layer has no variant of that factor; the message names the layer.
    """
    why = _reason(layer, r)
    if why is not None:
        raise VariantError(f"layer {layer.name!r} has no variant: {why}", field=layer.name)
    if r is None:
        r = variant_factor(layer)
    r2 = r * r
    return Layer(
        name=name or f"{layer.name}_variant",
        kind=LayerKind.CONV,
        k=layer.k // r2,
        c=layer.c // r2,
        y=layer.y * r,
        x=layer.x * r,
        r=layer.r,
        s=layer.s,
        n=layer.n,
        stride_y=layer.stride_y,
        stride_x=layer.stride_x,
        pad_y=layer.pad_y * r,
        pad_x=layer.pad_x * r,
    )
