"""Cost backends by name: ``get_cost_model("analytical" | "table" | "zigzag", **options)``.

A name may carry its options as a spec string, ``NAME:KEY=VALUE,KEY=VALUE`` (for example
``analytical:mode=xrbench`` or ``table:path=costs.csv``), which is how the CLI's
``--cost-model`` options, sweep configurations and suite files name a configured backend.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from threading import Lock
from typing import Any

from terastal.cost.analytical import AnalyticalCostModel
from terastal.cost.base import CostModel
from terastal.errors import InputError

__all__ = [
    "BACKENDS",
    "default_cost_model",
    "get_cost_model",
    "parse_cost_spec",
    "resolve_cost_model",
]


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


def _value(text: str) -> Any:
    """A spec option's value: bool, int or float when it reads as one, else the string."""
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def parse_cost_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """Split ``NAME[:KEY=VALUE[,KEY=VALUE...]]`` into the backend name and its options.

    Parameters
    ----------
    spec : str
        The cost-model spec, e.g. ``"analytical"`` or ``"table:path=costs.csv"``.

    Returns
    -------
    name : str
        The backend name, stripped.
    options : dict of str to Any
        The options by key; a value that reads as a number or boolean is converted.

    Raises
    ------
    InputError
        For an option without ``=``, an empty key or a key given twice.
    """
    name, sep, rest = str(spec).partition(":")
    options: dict[str, Any] = {}
    if sep:
        for item in rest.split(","):
            key, eq, value = item.partition("=")
            key = key.strip()
            if not eq or not key:
                raise InputError(
                    f"cost model {spec!r}: options must read KEY=VALUE, got {item!r}",
                    field="cost_model",
                )
            if key in options:
                raise InputError(f"cost model {spec!r}: {key!r} given twice", field="cost_model")
            options[key] = _value(value.strip())
    return name.strip(), options


def get_cost_model(name: str, **options: Any) -> CostModel:
    """Build the cost backend called ``name``.

    Parameters
    ----------
    name : str
        ``"analytical"`` (options: ``mode``, ``bytes_per_elem``; none -> the shared default
        instance), ``"table"`` (needs ``path``) or ``"zigzag"`` (options: ``cache_dir``,
        ``lpf_limit``), or a spec ``NAME:KEY=VALUE,...`` (see :func:`parse_cost_spec`).
    **options
        Passed to the backend's constructor (added to a spec's own options).

    Returns
    -------
    CostModel
        The backend, with ``evaluate(layers, accelerator)``.

    Raises
    ------
    InputError
        For an unknown name (the message lists the valid ones) or bad options.
    """
    name, spec_options = parse_cost_spec(name)
    options = {**spec_options, **options}
    key = name.lower()
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


def _imported(spec: str) -> CostModel:
    """The object named ``module:attr``; a class or factory is called without arguments."""
    module, _, attr = spec.partition(":")
    try:
        obj = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise InputError(f"cannot import cost model {spec!r}: {exc}", field="cost_model") from None
    if isinstance(obj, type) or (callable(obj) and not hasattr(obj, "evaluate")):
        try:
            obj = obj()
        except Exception as exc:  # another package's code: its failure, in one line
            raise InputError(
                f"cannot make cost model {spec!r}: {type(exc).__name__}: {exc}", field="cost_model"
            ) from None
    if not callable(getattr(obj, "evaluate", None)):
        raise InputError(
            f"{spec!r} is not a cost model (it has no evaluate(layers, accelerator) method)",
            field="cost_model",
        )
    return obj


def resolve_cost_model(spec: str | CostModel | None = None) -> CostModel:
    """The one way a user's cost-model choice becomes a backend.

    Parameters
    ----------
    spec : str or CostModel, optional
        ``None`` or ``""`` (the shared default analytical model), a backend name or spec
        ``NAME[:KEY=VALUE,...]`` (:func:`get_cost_model`), ``module:attr`` naming a backend
        object, class or factory of another package, or a backend object (returned as is).

    Returns
    -------
    CostModel
        The backend the spec names.

    Raises
    ------
    InputError
        For an unknown name, bad options or an import that fails.
    """
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        return default_cost_model()
    if not isinstance(spec, str):
        return spec
    head, sep, rest = spec.partition(":")
    # A backend spec has ``=`` after its colon, which a ``module:attr`` never has.
    if sep and head.strip().lower() not in BACKENDS and "=" not in rest:
        return _imported(spec)
    return get_cost_model(spec)
