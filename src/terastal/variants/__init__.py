"""PyTorch layer variants (optional extra ``terastal[variants]``).

Submodules that need torch (``d2s``, ``models``, ``train``, ``finetune``, ``export``,
``pipeline``) import it on first use; ``data`` and ``table`` need only numpy, so the package
itself can be imported without torch. The core package never imports this one.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "D2SConvS2D": "d2s",
    "D2SLinear": "d2s",
    "VariantError": "d2s",
    "calibrate": "d2s",
    "choose_r": "d2s",
    "make_variant": "d2s",
    "replace_layer": "d2s",
    "variant_candidates": "d2s",
    "export_model": "export",
    "write_maestro": "export",
    "FinetuneConfig": "finetune",
    "build_model": "models",
    "TrainConfig": "train",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(f"terastal.variants.{_LAZY[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'terastal.variants' has no attribute {name!r}")
