"""IEEE single precision for XRBench's ``float`` arithmetic.

XRBench keeps every time in a C++ ``float`` (HET_process.hpp:30-33, HET_timer.hpp). A sum or
product of two float32 values computed in double precision and rounded once to float32 equals
the float32 operation, so rounding each result with :func:`f32` reproduces it exactly.
"""

from __future__ import annotations

import struct

__all__ = ["f32"]

_F = struct.Struct("<f")


def f32(x: float) -> float:
    """``x`` rounded to the nearest float32 (returned as a Python float)."""
    return _F.unpack(_F.pack(x))[0]
