"""The paper's layer variant: depth-to-space → small conv → space-to-depth.

A convolution with ``C`` input and ``K`` output channels is replaced by::

    PixelShuffle(r) → Conv2d(C/r² → K/r², same kernel/stride/dilation, padding·r)
        → zero-pad to a multiple of r → PixelUnshuffle(r) → crop to the original output size

The inner convolution sees an ``r×`` larger image with ``r²×`` fewer channels on each side,
so its shape is ``(K/r², C/r², rY, rX)`` and its MACs are about the original's ``/ r²``.
A ``Linear(C → K)`` first becomes a 1×1 convolution on a ``1×1`` image: the variant then runs
a 1×1 conv ``C/r² → K/r²`` on an ``r×r`` image and reshapes back to ``(..., K)``.

Weight initialisation (before fine-tuning)
------------------------------------------
``init="mean"`` (data-free) sets ``W'[k', c'] = mean_q W[k'·r² + q, c'·r² + q]`` over the
``r²`` sub-pixel positions ``q`` (the mean of the diagonal of each ``r²×r²`` weight block; the
bias likewise). For 1×1 convolutions and linear layers this is exactly the least-squares
projection of the original weights onto the weights the variant can express, because a 1×1
conv in the shuffled domain applies the same ``C/r² → K/r²`` matrix at every sub-pixel.
:func:`calibrate` instead fits the variant's weights by least squares to the original layer's
outputs on a calibration batch; the fine-tuning pipeline uses it by default.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from terastal.errors import TerastalError


class VariantError(TerastalError):
    """A layer cannot be turned into a variant (unsupported type, non-divisible channels)."""


def _pair(v: int | tuple[int, ...]) -> tuple[int, int]:
    if isinstance(v, int):
        return (v, v)
    if len(v) != 2:
        raise VariantError(f"expected an int or a pair, got {v!r}")
    return (int(v[0]), int(v[1]))


def choose_r(in_channels: int, out_channels: int, name: str = "layer") -> int:
    """Pick the shuffle factor: 2, or 3 where channels are not divisible by 4 but by 9.

    Raises
    ------
    VariantError
        When neither 4 nor 9 divides both channel counts.
    """
    if in_channels % 4 == 0 and out_channels % 4 == 0:
        return 2
    if in_channels % 9 == 0 and out_channels % 9 == 0:
        return 3
    raise VariantError(
        f"{name}: channels C={in_channels}, K={out_channels} are divisible neither by 4 (r=2) "
        "nor by 9 (r=3); no variant exists"
    )


def _check_divisible(in_channels: int, out_channels: int, r: int, name: str) -> None:
    if r < 2:
        raise VariantError(f"{name}: r must be >= 2, got {r}")
    bad = [f"{n}={v}" for n, v in (("C", in_channels), ("K", out_channels)) if v % (r * r)]
    if bad:
        raise VariantError(
            f"{name}: channels {', '.join(bad)} are not divisible by r²={r * r} (r={r})"
        )


class D2SConvS2D(nn.Module):
    """Variant of a ``Conv2d``; output shape equals the original conv's.

    Parameters
    ----------
    in_channels, out_channels : int
        ``C`` and ``K`` of the *original* convolution (both divisible by ``r²``).
    kernel_size, stride, padding, dilation : int or pair
        Of the original convolution; the inner conv keeps them, with ``padding·r``.
    bias : bool
        Whether the inner conv has a bias (``K/r²`` values).
    r : int
        Shuffle factor.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        bias: bool = True,
        r: int = 2,
    ) -> None:
        super().__init__()
        _check_divisible(in_channels, out_channels, r, "D2SConvS2D")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride)
        self.padding = _pair(padding)
        self.dilation = _pair(dilation)
        self.r = r
        self.conv = nn.Conv2d(
            in_channels // (r * r),
            out_channels // (r * r),
            self.kernel_size,
            stride=self.stride,
            padding=(self.padding[0] * r, self.padding[1] * r),
            dilation=self.dilation,
            bias=bias,
        )

    def original_out_size(self, h: int, w: int) -> tuple[int, int]:
        """Output size of the original conv for an ``h×w`` input."""
        out = []
        for size, k, s, p, d in zip(
            (h, w), self.kernel_size, self.stride, self.padding, self.dilation, strict=True
        ):
            out.append((size + 2 * p - d * (k - 1) - 1) // s + 1)
        return out[0], out[1]

    def inner_out_size(self, h: int, w: int) -> tuple[int, int]:
        """Output size of the inner conv for an original ``h×w`` input."""
        out = []
        for size, k, s, p, d in zip(
            (h, w), self.kernel_size, self.stride, self.conv.padding, self.dilation, strict=True
        ):
            out.append((self.r * size + 2 * p - d * (k - 1) - 1) // s + 1)
        return out[0], out[1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the variant to ``x`` of shape ``(N, C, H, W)``."""
        r = self.r
        ho, wo = self.original_out_size(x.shape[-2], x.shape[-1])
        y = self.conv(F.pixel_shuffle(x, r))
        pad_h = (-y.shape[-2]) % r
        pad_w = (-y.shape[-1]) % r
        if pad_h or pad_w:
            y = F.pad(y, (0, pad_w, 0, pad_h))
        y = F.pixel_unshuffle(y, r)
        return y[..., :ho, :wo]

    def macs(self, h: int, w: int, n: int = 1) -> int:
        """Multiply-accumulates of the inner conv for an original ``h×w`` input."""
        hi, wi = self.inner_out_size(h, w)
        kh, kw = self.kernel_size
        return n * hi * wi * self.conv.out_channels * self.conv.in_channels * kh * kw

    @classmethod
    def from_conv(cls, conv: nn.Conv2d, r: int | None = None, init: str = "mean") -> D2SConvS2D:
        """Build the variant of ``conv`` (``init``: ``"mean"`` or ``"random"``)."""
        name = "Conv2d"
        if conv.groups != 1:
            raise VariantError(
                f"{name}: grouped/depthwise convolutions (groups={conv.groups}) have no D2S variant"
            )
        if conv.padding_mode != "zeros":
            raise VariantError(f"{name}: padding_mode {conv.padding_mode!r} is not supported")
        padding = conv.padding
        if isinstance(padding, str):
            if padding == "valid":
                padding = (0, 0)
            else:  # "same" at stride 1
                padding = tuple(
                    d * (k - 1) // 2 for k, d in zip(conv.kernel_size, conv.dilation, strict=True)
                )
                if any(
                    d * (k - 1) % 2 for k, d in zip(conv.kernel_size, conv.dilation, strict=True)
                ):
                    raise VariantError(f"{name}: asymmetric 'same' padding is not supported")
        r = choose_r(conv.in_channels, conv.out_channels, name) if r is None else r
        _check_divisible(conv.in_channels, conv.out_channels, r, name)
        v = cls(
            conv.in_channels,
            conv.out_channels,
            conv.kernel_size,
            conv.stride,
            padding,
            conv.dilation,
            bias=conv.bias is not None,
            r=r,
        )
        v.to(device=conv.weight.device, dtype=conv.weight.dtype)
        if init == "mean":
            v.init_mean(conv.weight, conv.bias)
        elif init != "random":
            raise VariantError(f"unknown init {init!r}: expected 'mean' or 'random'")
        return v

    @torch.no_grad()
    def init_mean(self, weight: torch.Tensor, bias: torch.Tensor | None) -> None:
        """Set weights to the mean of the diagonal of each ``r²×r²`` block of ``weight``."""
        q = self.r * self.r
        ko, co = self.conv.out_channels, self.conv.in_channels
        blocks = weight.reshape(ko, q, co, q, *weight.shape[2:])
        diag = torch.diagonal(blocks, dim1=1, dim2=3)  # (ko, co, kh, kw, q)
        self.conv.weight.copy_(diag.mean(dim=-1))
        if bias is not None and self.conv.bias is not None:
            self.conv.bias.copy_(bias.reshape(ko, q).mean(dim=1))


class D2SLinear(D2SConvS2D):
    """Variant of a ``Linear(C → K)``: a 1×1-conv variant on a 1×1 image.

    Input ``(..., C)`` → ``(M, C, 1, 1)`` → D2S variant → ``(M, K, 1, 1)`` → ``(..., K)``.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, r: int = 2):
        super().__init__(in_features, out_features, 1, bias=bias, r=r)
        self.in_features = in_features
        self.out_features = out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the variant to ``x`` of shape ``(..., C)``."""
        lead = x.shape[:-1]
        y = super().forward(x.reshape(-1, self.in_features, 1, 1))
        return y.reshape(*lead, self.out_features)

    @classmethod
    def from_linear(cls, lin: nn.Linear, r: int | None = None, init: str = "mean") -> D2SLinear:
        """Build the variant of ``lin`` (``init``: ``"mean"`` or ``"random"``)."""
        r = choose_r(lin.in_features, lin.out_features, "Linear") if r is None else r
        _check_divisible(lin.in_features, lin.out_features, r, "Linear")
        v = cls(lin.in_features, lin.out_features, bias=lin.bias is not None, r=r)
        v.to(device=lin.weight.device, dtype=lin.weight.dtype)
        if init == "mean":
            v.init_mean(lin.weight[:, :, None, None], lin.bias)
        elif init != "random":
            raise VariantError(f"unknown init {init!r}: expected 'mean' or 'random'")
        return v


def make_variant(module: nn.Module, r: int | None = None, init: str = "mean") -> D2SConvS2D:
    """Return the D2S variant of a ``Conv2d`` or ``Linear`` module.

    Parameters
    ----------
    module : nn.Conv2d or nn.Linear
        The original layer (left unchanged).
    r : int, optional
        Shuffle factor; default :func:`choose_r`.
    init : {"mean", "random"}
        ``"mean"``: the variant's weights from the original's (module docstring);
        ``"random"``: PyTorch's default initialization.

    Returns
    -------
    D2SConvS2D
        A :class:`D2SLinear` for a ``Linear`` module.

    Raises
    ------
    VariantError
        For a layer without a variant: another type, a variant already, a grouped
        convolution, channels no shuffle factor divides; or an unknown ``init``.
    """
    if isinstance(module, D2SConvS2D):
        raise VariantError("layer is already a variant")
    if isinstance(module, nn.Conv2d):
        return D2SConvS2D.from_conv(module, r, init)
    if isinstance(module, nn.Linear):
        return D2SLinear.from_linear(module, r, init)
    raise VariantError(
        f"unsupported layer type {type(module).__name__}: only Conv2d and Linear have variants"
    )


def variant_candidates(model: nn.Module) -> list[str]:
    """Dotted names of the ``Conv2d``/``Linear`` layers of ``model`` that admit a variant."""
    names = []
    for name, mod in model.named_modules():
        if isinstance(mod, D2SConvS2D):
            continue
        if isinstance(mod, nn.Conv2d | nn.Linear):
            try:
                make_variant(mod, init="random")
            except VariantError:
                continue
            names.append(name)
    return names


def _parent(model: nn.Module, path: str) -> tuple[nn.Module, str]:
    parts = path.split(".")
    parent = model
    for i, part in enumerate(parts[:-1]):
        child = getattr(parent, part, None) if part else None
        if not isinstance(child, nn.Module):
            raise VariantError(f"no module {'.'.join(parts[: i + 1])!r} in the model")
        parent = child
    if not parts[-1] or not isinstance(getattr(parent, parts[-1], None), nn.Module):
        known = ", ".join(variant_candidates(model)) or "none"
        raise VariantError(f"no layer {path!r} in the model; layers with variants: {known}")
    return parent, parts[-1]


def replace_layer(model: nn.Module, path: str, r: int | None = 2, init: str = "mean") -> D2SConvS2D:
    """Replace the layer at dotted ``path`` in ``model`` (in place) by its variant.

    Parameters
    ----------
    model : nn.Module
        Model to edit.
    path : str
        Dotted module path, e.g. ``"layer2.conv1"``.
    r : int or None
        Shuffle factor; ``None`` picks 2, or 3 where channels are divisible by 9 but not by 4.
    init : str
        ``"mean"`` (see module docs) or ``"random"``.

    Returns
    -------
    D2SConvS2D
        The new module, already installed in ``model``.

    Raises
    ------
    VariantError
        Unknown path, unsupported layer type, or channels not divisible by ``r²``.
    """
    parent, attr = _parent(model, path)
    try:
        variant = make_variant(getattr(parent, attr), r, init)
    except VariantError as exc:
        raise VariantError(f"layer {path!r}: {exc}") from None
    setattr(parent, attr, variant)
    return variant


@torch.no_grad()
def calibrate(
    variant: D2SConvS2D, original: nn.Module, x: torch.Tensor, ridge: float = 1e-4
) -> float:
    """Fit ``variant``'s weights by least squares to ``original``'s outputs on inputs ``x``.

    Works in the shuffled domain: the target is ``pixel_shuffle(original(x))`` and the
    regressors are the inner conv's input patches (plus 1 for the bias). Output positions
    that the variant zero-pads cannot be fitted and are left out.

    Parameters
    ----------
    variant : D2SConvS2D
        The variant of ``original``; its weights are overwritten.
    original : nn.Module
        The layer it replaces.
    x : torch.Tensor
        Calibration inputs of ``original`` (a batch).
    ridge : float
        Ridge term, relative to the mean diagonal of the normal equations.

    Returns
    -------
    float
        Relative mean squared error ``|variant(x) - original(x)|² / |original(x)|²`` after
        the fit.
    """
    if isinstance(variant, D2SLinear):
        x = x.reshape(-1, variant.in_features, 1, 1)
        target = original(x.flatten(1)).reshape(-1, variant.out_features, 1, 1)
    else:
        target = original(x)
    r, conv = variant.r, variant.conv
    xs = F.pixel_shuffle(x, r).double()
    ts = F.pixel_shuffle(target, r).double()
    hi, wi = variant.inner_out_size(x.shape[-2], x.shape[-1])
    hk, wk = min(hi, ts.shape[-2]), min(wi, ts.shape[-1])
    patches = F.unfold(xs, conv.kernel_size, conv.dilation, conv.padding, conv.stride)
    patches = patches.reshape(x.shape[0], -1, hi, wi)[:, :, :hk, :wk]
    p = patches.permute(0, 2, 3, 1).reshape(-1, patches.shape[1])
    t = ts[:, :, :hk, :wk].permute(0, 2, 3, 1).reshape(-1, ts.shape[1])
    if conv.bias is not None:
        p = torch.cat([p, torch.ones(p.shape[0], 1, dtype=p.dtype)], dim=1)
    a = p.T @ p
    a += ridge * a.diagonal().mean() * torch.eye(a.shape[0], dtype=a.dtype)
    sol = torch.linalg.solve(a, p.T @ t)  # (D [+1], K/r²)
    w = sol[: conv.weight[0].numel()].T.reshape(conv.weight.shape)
    conv.weight.copy_(w.to(conv.weight.dtype))
    if conv.bias is not None:
        conv.bias.copy_(sol[-1].to(conv.bias.dtype))
    out = D2SConvS2D.forward(variant, x) if isinstance(variant, D2SLinear) else variant(x)
    return float(((out - target) ** 2).sum() / (target**2).sum().clamp_min(1e-12))
