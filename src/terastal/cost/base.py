"""Cost-model protocol and result type."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from terastal.model import Accelerator, Layer

if TYPE_CHECKING:  # numpy is imported by the backends that compute costs, not by their users
    import numpy as np


@dataclass(frozen=True)
class LayerCosts:
    """Per-layer costs of a list of layers on one accelerator (arrays of equal length)."""

    latency_s: np.ndarray
    energy_j: np.ndarray
    compute_cycles: np.ndarray
    dram_bytes: np.ndarray

    def __len__(self) -> int:
        return len(self.latency_s)


@runtime_checkable
class CostModel(Protocol):
    """A cost backend: layers + accelerator -> per-layer latency and energy.

    Implementations must be deterministic and may cache by (layer shape, accelerator).
    """

    name: str

    def evaluate(self, layers: Sequence[Layer], acc: Accelerator) -> LayerCosts:
        """Return the costs of ``layers`` (in order) on ``acc``.

        Parameters
        ----------
        layers : sequence of Layer
            The layers to cost (shapes only; order kept).
        acc : Accelerator
            The accelerator they run on.

        Returns
        -------
        LayerCosts
            One entry per layer: latency (s), energy (J), compute cycles, DRAM bytes.
        """
        ...
