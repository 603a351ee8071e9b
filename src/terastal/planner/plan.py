"""The Plan: what the offline planner hands to the online scheduler.

A :class:`Plan` holds, per task and layer, the preferred accelerator, the expected latency,
the budget and the virtual deadline offset (from the job's release), the layer's variant
shape when it has one, and per task the admissible variant combinations and the normalized
accuracy of every measured combination. It is saved as versioned JSON (``"version": 1``).

Fast queries for the scheduler: every layer with a variant owns one bit
(:attr:`TaskPlan.variant_bits`); a job keeps the OR of the bits of the variants it ran, and
:meth:`TaskPlan.is_admissible` / :meth:`TaskPlan.accuracy_of` are dictionary look-ups.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from terastal.errors import InputError
from terastal.model import IDENTICAL_REL_TOL, Layer, Platform, Scenario
from terastal.planner.frozen import FrozenDict

if TYPE_CHECKING:
    import numpy as np

__all__ = ["PLAN_VERSION", "LayerPlan", "Plan", "TaskPlan"]

#: Version written to and accepted from plan files.
PLAN_VERSION = 1


@dataclass(frozen=True)
class LayerPlan:
    """Plan of one layer of one task.

    Parameters
    ----------
    index : int
        Layer index in the model.
    name : str
        Layer name.
    preferred : int
        Index of the accelerator with the lowest original latency (among identical fastest
        cores, the one the budget mapping uses most; see :attr:`preferred_set`).
    latency_s : tuple of float
        Original latency on every accelerator.
    expected_latency_s : float
        Latency the budget policy expects (e.g. under the LP mapping).
    budget_s : float
        Share of the task's relative deadline.
    deadline_offset_s : float
        Virtual deadline relative to the job's release: the running sum of budgets.
    share : tuple of float
        Fraction of executions the budget policy maps to each accelerator.
    gap_s : float
        Latency gap: fastest non-preferred minus preferred latency (0 when none is slower).
    variant : Layer or None
        Shape of the layer's variant, when the design selected one.
    variant_latency_s : tuple of float or None
        Latency of the variant on every accelerator (for every candidate layer).
    gap_after_s, gain_s : float or None
        Gap with the variant allowed on the non-preferred accelerators, and the reduction.
    variant_loss : float or None
        Normalized accuracy lost by this layer's variant alone.
    variant_rank : int or None
        Rank (0 = best) among the task's candidates by gain per unit accuracy lost.
    variant_share : float
        Fraction of executions the budget policy plans as the variant.
    """

    index: int
    name: str
    preferred: int
    latency_s: tuple[float, ...]
    expected_latency_s: float
    budget_s: float
    deadline_offset_s: float
    share: tuple[float, ...]
    gap_s: float
    variant: Layer | None = None
    variant_latency_s: tuple[float, ...] | None = None
    gap_after_s: float | None = None
    gain_s: float | None = None
    variant_loss: float | None = None
    variant_rank: int | None = None
    variant_share: float = 0.0

    @property
    def has_variant(self) -> bool:
        """Whether the scheduler may run this layer's variant."""
        return self.variant is not None

    @property
    def preferred_set(self) -> tuple[int, ...]:
        """Every accelerator as fast as the preferred one (identical cores tie)."""
        best = self.latency_s[self.preferred]
        tie = best * (1 + IDENTICAL_REL_TOL)
        return tuple(a for a, v in enumerate(self.latency_s) if v <= tie)


def _is_int(value: object) -> bool:
    """Whether ``value`` is an int or a numpy integer (numpy is not imported to tell)."""
    if isinstance(value, int):
        return True
    np_ = sys.modules.get("numpy")  # without numpy loaded, no value is a numpy integer
    return np_ is not None and isinstance(value, np_.integer)


def _key(s: frozenset[int]) -> tuple[int, list[int]]:
    return (len(s), sorted(s))


@dataclass(frozen=True)
class TaskPlan:
    """Plan of one task.

    Parameters
    ----------
    name : str
        Task name.
    model : str
        Model name.
    rate_hz : float
        Expected releases per second (fps x trigger probability).
    deadline_s : float
        Relative deadline; the layers' budgets sum to it.
    layers : tuple of LayerPlan
        One per layer, in model order.
    variant_layers : tuple of int
        Layers with a variant, best rank first; layer ``variant_layers[k]`` owns bit ``1 << k``.
    admissible : tuple of frozenset of int
        Admissible variant combinations (layer indices), always including the empty set.
    accuracy : mapping of frozenset of int to float
        Normalized accuracy of every measured combination (empty if no data).
    accuracy_metric, accuracy_source : str or None
        Metric and file of the accuracy data.
    """

    name: str
    model: str
    rate_hz: float
    deadline_s: float
    layers: tuple[LayerPlan, ...]
    variant_layers: tuple[int, ...] = ()
    admissible: tuple[frozenset[int], ...] = (frozenset(),)
    accuracy: Mapping[frozenset[int], float] = field(default_factory=dict)
    accuracy_metric: str | None = None
    accuracy_source: str | None = None
    _bits: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _masks: frozenset[int] = field(init=False, repr=False, compare=False)
    _admissible_sets: frozenset[frozenset[int]] = field(init=False, repr=False, compare=False)
    _acc_mask: Mapping[int, float] = field(init=False, repr=False, compare=False)
    _arrays: Mapping[str, np.ndarray] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.layers)
        bits = [0] * n
        for k, li in enumerate(self.variant_layers):
            if not 0 <= li < n or self.layers[li].variant is None:
                raise ValueError(f"task {self.name!r}: layer {li} has no variant")
            bits[li] = 1 << k
        acc = FrozenDict({frozenset(k): float(v) for k, v in self.accuracy.items()})
        adm = tuple(sorted({frozenset(s) for s in self.admissible} | {frozenset()}, key=_key))
        setattr_ = object.__setattr__
        setattr_(self, "accuracy", acc)
        setattr_(self, "admissible", adm)
        setattr_(self, "_bits", tuple(bits))
        known = set(self.variant_layers)
        for s in adm:
            if not s <= known:
                raise ValueError(
                    f"task {self.name!r}: admissible {sorted(s)} uses layers without variant"
                )
        setattr_(self, "_masks", frozenset(self.mask(s) for s in adm))
        setattr_(self, "_admissible_sets", frozenset(adm))
        setattr_(self, "_acc_mask", {self.mask(s): v for s, v in acc.items() if s <= known})
        setattr_(self, "_arrays", None)  # made on first access: a run reads the layers

    def _array(self, name: str) -> np.ndarray:
        arrays = self._arrays
        if arrays is None:
            import numpy as np

            arrays = {
                "budget_s": np.array([lp.budget_s for lp in self.layers], dtype=float),
                "deadline_offset_s": np.array([lp.deadline_offset_s for lp in self.layers]),
                "expected_latency_s": np.array([lp.expected_latency_s for lp in self.layers]),
                "preferred": np.array([lp.preferred for lp in self.layers], dtype=int),
            }
            for a in arrays.values():
                a.setflags(write=False)
            arrays = FrozenDict(arrays)
            object.__setattr__(self, "_arrays", arrays)
        return arrays[name]

    # ------------------------------------------------------------------ fast queries
    @property
    def variant_bits(self) -> tuple[int, ...]:
        """Per layer, its variant bit (0 for layers without a variant)."""
        return self._bits

    @property
    def admissible_masks(self) -> frozenset[int]:
        """Admissible combinations as bitmasks."""
        return self._masks

    def has_variant(self, layer: int) -> bool:
        """Whether ``layer`` may run its variant."""
        return self._bits[layer] != 0

    def mask(self, layers: Iterable[int]) -> int:
        """Bitmask of a set of layer indices (each must have a variant)."""
        m = 0
        for li in layers:
            b = self._bits[li]
            if not b:
                raise ValueError(f"task {self.name!r}: layer {li} has no variant")
            m |= b
        return m

    def is_admissible(self, combo: int | Iterable[int]) -> bool:
        """Whether a combination (bitmask or layer indices) is admissible."""
        if _is_int(combo):
            return int(combo) in self._masks
        return frozenset(combo) in self._admissible_sets

    def can_add(self, mask: int, layer: int) -> bool:
        """Whether adding ``layer``'s variant to the combination ``mask`` keeps it admissible."""
        b = self._bits[layer]
        return b != 0 and (mask | b) in self._masks

    def accuracy_of(self, combo: int | Iterable[int]) -> float | None:
        """Normalized accuracy of a combination (bitmask or indices); ``None`` if unmeasured.

        The empty combination is 1.0 even without accuracy data.
        """
        if _is_int(combo):
            m = int(combo)
            return 1.0 if m == 0 else self._acc_mask.get(m)
        s = frozenset(combo)
        return 1.0 if not s else self.accuracy.get(s)

    # ------------------------------------------------------------------ arrays
    @property
    def budgets_s(self) -> np.ndarray:
        """Per-layer budgets (read-only array)."""
        return self._array("budget_s")

    @property
    def deadline_offsets_s(self) -> np.ndarray:
        """Per-layer virtual deadline offsets from release (read-only array)."""
        return self._array("deadline_offset_s")

    @property
    def expected_latencies_s(self) -> np.ndarray:
        """Per-layer expected latencies (read-only array)."""
        return self._array("expected_latency_s")

    @property
    def preferred(self) -> np.ndarray:
        """Per-layer preferred accelerator index (read-only array)."""
        return self._array("preferred")


@dataclass(frozen=True)
class Plan:
    """Offline plan of a scenario on a platform (see module docstring).

    Parameters
    ----------
    scenario, platform : str
        Names of what was planned.
    accelerators : tuple of str
        Accelerator names, in the platform's order (indices refer to it).
    cost_model : str
        Name of the cost model.
    budget_policy : str
        ``lp``, ``preferred`` or ``mean``.
    accuracy_loss : float
        Admissibility threshold (largest normalized accuracy loss).
    tasks : tuple of TaskPlan
        One per task, in scenario order.
    utilization, preferred_utilization : tuple of float
        Per accelerator: utilization of the budget policy's mapping, and of mapping every
        layer to its preferred accelerator.
    notes : tuple of str
        Remarks of the planner (unused accuracy tables, LP fallback).
    version : int
        Plan format version.
    """

    scenario: str
    platform: str
    accelerators: tuple[str, ...]
    cost_model: str
    budget_policy: str
    accuracy_loss: float
    tasks: tuple[TaskPlan, ...]
    utilization: tuple[float, ...] = ()
    preferred_utilization: tuple[float, ...] = ()
    notes: tuple[str, ...] = ()
    version: int = PLAN_VERSION

    def task(self, name: str) -> TaskPlan:
        """The plan of task ``name``."""
        for t in self.tasks:
            if t.name == name:
                return t
        raise KeyError(name)

    def loss_of(self, task: str, variant_layers: Iterable[int]) -> float:
        """Normalized accuracy loss of a job of ``task`` that ran ``variant_layers``.

        0 for no variant; ``nan`` for a combination the accuracy table does not measure.
        """
        layers = frozenset(variant_layers)
        if not layers:
            return 0.0
        acc = self.task(task).accuracy_of(layers)
        return float("nan") if acc is None else 1.0 - acc

    def variant_shapes(self) -> dict[str, dict[int, Layer]]:
        """``{task: {layer index: variant shape}}`` for :func:`terastal.cost.build_cost_tables`."""
        return {
            t.name: {li: t.layers[li].variant for li in t.variant_layers}  # type: ignore[misc]
            for t in self.tasks
            if t.variant_layers
        }

    def check(self, scenario: Scenario, platform: Platform) -> None:
        """Raise :class:`InputError` unless the plan fits ``scenario`` on ``platform``."""
        names = tuple(a.name for a in platform.accelerators)
        if names != self.accelerators:
            raise InputError(
                f"plan is for accelerators {list(self.accelerators)}, platform has {list(names)}",
                field="accelerators",
            )
        for t in scenario.tasks:
            try:
                tp = self.task(t.name)
            except KeyError:
                raise InputError(f"plan has no task {t.name!r}", field="tasks") from None
            if len(tp.layers) != len(t.model.layers):
                raise InputError(
                    f"task {t.name!r}: plan has {len(tp.layers)} layers, model has "
                    f"{len(t.model.layers)}",
                    field="tasks",
                )

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict:
        """Plain JSON-ready dictionary."""
        from terastal.planner.serialize import plan_to_dict

        return plan_to_dict(self)

    def to_json(self, path: str | Path | None = None, *, indent: int | None = 1) -> str:
        """JSON text of the plan; also written atomically to ``path`` when given."""
        from terastal.planner.serialize import dump_json

        return dump_json(self, path, indent=indent)

    @classmethod
    def from_dict(cls, data: Mapping, source: str | None = None) -> Plan:
        """Build and validate a plan from a dictionary (errors name the field)."""
        from terastal.planner.serialize import plan_from_dict

        return plan_from_dict(data, source)

    @classmethod
    def from_json(cls, text: str, source: str | None = None) -> Plan:
        """Parse and validate JSON text."""
        from terastal.planner.serialize import load_json_text

        return load_json_text(text, source)

    @classmethod
    def load(cls, path: str | Path) -> Plan:
        """Read and validate a plan file."""
        from terastal.io.located import read_text

        return cls.from_json(read_text(path, "plan"), str(path))

