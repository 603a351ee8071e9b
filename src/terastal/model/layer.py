"""DNN layer shapes (MAESTRO conventions)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class LayerKind(StrEnum):
    """Operator class of a layer; decides how the cost model maps it."""

    CONV = "conv"
    DWCONV = "dwconv"
    TRCONV = "trconv"
    FC = "fc"
    POOL = "pool"
    ELTWISE = "eltwise"


@dataclass(frozen=True, slots=True)
class Layer:
    """One layer in MAESTRO's dimension convention.

    ``y`` and ``x`` are *input* sizes; output = (y + 2*pad - r) // stride + 1. MAESTRO files
    carry no padding, so imported layers have ``pad_y = pad_x = 0``.

    Parameters
    ----------
    name : str
        Name in the source file.
    kind : LayerKind
        Operator class.
    k, c : int
        Output / input channels. For ``DWCONV`` MAESTRO writes ``k = 1`` and ``c`` channels.
    y, x : int
        Input height / width.
    r, s : int
        Kernel height / width.
    n : int
        Batch.
    stride_y, stride_x : int
        Strides.
    pad_y, pad_x : int
        Zero padding per side.
    groups : int
        Convolution groups (``c`` for depthwise imported from ONNX).
    """

    name: str
    kind: LayerKind
    k: int
    c: int
    y: int
    x: int
    r: int = 1
    s: int = 1
    n: int = 1
    stride_y: int = 1
    stride_x: int = 1
    pad_y: int = 0
    pad_x: int = 0
    groups: int = 1

    def __post_init__(self) -> None:
        for f in ("k", "c", "y", "x", "r", "s", "n", "stride_y", "stride_x", "groups"):
            v = getattr(self, f)
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"layer {self.name!r}: {f} must be a positive integer, got {v!r}")
        if self.pad_y < 0 or self.pad_x < 0:
            raise ValueError(f"layer {self.name!r}: padding must be >= 0")
        if self.kind is not LayerKind.TRCONV and (self.out_y < 1 or self.out_x < 1):
            raise ValueError(
                f"layer {self.name!r}: kernel {self.r}x{self.s} larger than padded input "
                f"{self.y}x{self.x}"
            )

    @property
    def out_y(self) -> int:
        """Output height."""
        if self.kind is LayerKind.TRCONV:
            return (self.y - 1) * self.stride_y - 2 * self.pad_y + self.r
        return (self.y + 2 * self.pad_y - self.r) // self.stride_y + 1

    @property
    def out_x(self) -> int:
        """Output width."""
        if self.kind is LayerKind.TRCONV:
            return (self.x - 1) * self.stride_x - 2 * self.pad_x + self.s
        return (self.x + 2 * self.pad_x - self.s) // self.stride_x + 1

    @property
    def out_channels(self) -> int:
        """Channels of the output tensor (``c`` for depthwise/eltwise/pool)."""
        if self.kind in (LayerKind.DWCONV, LayerKind.POOL, LayerKind.ELTWISE):
            return self.c
        return self.k

    @property
    def macs(self) -> int:
        """Multiply-accumulates (or element ops for pool/eltwise)."""
        spatial = self.n * self.out_y * self.out_x
        if self.kind in (LayerKind.DWCONV, LayerKind.POOL, LayerKind.ELTWISE):
            return spatial * self.c * self.r * self.s
        if self.kind is LayerKind.TRCONV:
            # Each input pixel scatters a kernel window: cost follows the input.
            return self.n * self.y * self.x * self.k * self.c * self.r * self.s // self.groups
        return spatial * self.k * self.c * self.r * self.s // self.groups

    @property
    def input_elems(self) -> int:
        """Elements of the input activation."""
        return self.n * self.c * self.y * self.x

    @property
    def output_elems(self) -> int:
        """Elements of the output activation."""
        return self.n * self.out_channels * self.out_y * self.out_x

    @property
    def weight_elems(self) -> int:
        """Elements of the weights (0 for pool/eltwise)."""
        if self.kind in (LayerKind.POOL, LayerKind.ELTWISE):
            return 0
        if self.kind is LayerKind.DWCONV:
            return self.c * self.r * self.s
        return self.k * self.c * self.r * self.s // self.groups
