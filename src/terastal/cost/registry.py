"""Cost backends by name: ``get_cost_model("analytical" | "table" | "zigzag", **options)``."""

from __future__ import annotations

from collections.abc import Callable
from threading import Lock
from typing import Any

from terastal.cost.analytical import AnalyticalCostModel
from terastal.cost.base import CostModel
from terastal.errors import InputError

__all__ = ["BACKENDS", "default_cost_model", "get_cost_model"]


def _table(**options: Any) -> CostModel:
    from terastal.cost.table_backend import TableCostModel

    if "path" not in options:
        raise InputError("the table cost model needs a CSV file: path=...", field="path")
    return TableCostModel(**options)


def _zigzag(**options: Any) -> CostModel:
    from terastal.cost.zigzag_backend import ZigZagCostModel

    return ZigZagCostModel(**options)


def _analytical(**options: Any) -> CostModel:
    return default_cost_model() if not options else AnalyticalCostModel(**options)


#: Backend name -> factory taking the backend's keyword options.
BACKENDS: dict[str, Callable[..., CostModel]] = {
    "analytical": _analytical,
    "table": _table,
    "zigzag": _zigzag,
}

_default: AnalyticalCostModel | None = None
_lock = Lock()


def default_cost_model() -> AnalyticalCostModel:
    """The shared default :class:`AnalyticalCostModel` (its cache is shared too)."""
    global _default
    with _lock:
        if _default is None:
            _default = AnalyticalCostModel()
        return _default


def get_cost_model(name: str, **options: Any) -> CostModel:
    """Build the cost backend called ``name``.

    Parameters
    ----------
    name : str
        ``"analytical"`` (options: ``mode``, ``bytes_per_elem``; none -> the shared default
        instance), ``"table"`` (needs ``path``) or ``"zigzag"`` (options: ``cache_dir``,
        ``lpf_limit``).
    **options
        Passed to the backend's constructor.

    Raises
    ------
    InputError
        For an unknown name (the message lists the valid ones) or bad options.
    """
    key = str(name).strip().lower()
    factory = BACKENDS.get(key)
    if factory is None:
        raise InputError(
            f"unknown cost model {name!r}; valid names: {', '.join(BACKENDS)}", field="cost_model"
        )
    try:
        return factory(**options)
    except TypeError as exc:
        raise InputError(f"bad options for cost model {key!r}: {exc}", field="cost_model") from None
    except ValueError as exc:
        raise InputError(f"cost model {key!r}: {exc}", field="cost_model") from None
