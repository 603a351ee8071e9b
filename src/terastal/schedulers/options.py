"""Typed scheduler options: one declaration validates, documents ``--help`` and feeds checks.

A scheduler lists its options in ``options``; a value is either an :class:`Option` or a plain
default, which is wrapped with the type of the default (``4`` -> an ``int`` option, ``True``
-> a ``bool`` option, ``None`` -> any value)::

    options = {
        "block": Option(4, lo=1, help="layers per block"),
        "mapping": Option("preferred", choices=("preferred", "earliest_finish")),
        "adapt": True,
    }
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from terastal.errors import InputError

__all__ = ["Option", "as_option", "validate_options"]

_TYPE_NAMES = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}


@dataclass(frozen=True)
class Option:
    """One scheduler option.

    Attributes
    ----------
    default : object
        Value when the option is not given.
    type : type, optional
        ``bool``, ``int``, ``float`` or ``str``; default: the type of ``default`` (``None``
        accepts any value).
    lo, hi : float, optional
        Bounds of a numeric option.
    lo_inclusive, hi_inclusive : bool
        Whether the bounds themselves are allowed.
    choices : tuple, optional
        The allowed values.
    help : str
        One line for ``--help``.
    """

    default: Any
    type: type | None = None
    lo: float | None = None
    hi: float | None = None
    lo_inclusive: bool = True
    hi_inclusive: bool = True
    choices: tuple[Any, ...] | None = None
    help: str = ""

    @property
    def kind(self) -> type | None:
        """The declared type, else the default's (``None``: any value)."""
        if self.type is not None:
            return self.type
        return None if self.default is None else type(self.default)

    def convert(self, value: Any) -> Any:
        """``value`` checked (and an int widened to float); raise ``ValueError`` if bad."""
        kind = self.kind
        if kind is not None and not (value is None and self.default is None):
            value = _typed(value, kind)
        if self.choices is not None and value not in self.choices:
            raise ValueError(f"must be one of {', '.join(map(str, self.choices))}, got {value!r}")
        if self.lo is not None or self.hi is not None:
            _in_range(value, self)
        return value

    def describe(self) -> str:
        """``int >= 1, default 4`` style summary (for ``--help``)."""
        parts = []
        if self.choices is not None:
            parts.append("|".join(map(str, self.choices)))
        elif self.kind is not None:
            parts.append(self.kind.__name__)
        rng = _range_text(self)
        if rng:
            parts.append(rng)
        text = " ".join(parts)
        return f"{text}, default {self.default!r}" if text else f"default {self.default!r}"


def _typed(value: Any, kind: type) -> Any:
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError(f"must be a finite number, got {value!r}")
        return float(value)
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind is bool and isinstance(value, bool):
        return value
    if kind not in (float, int, bool) and isinstance(value, kind):
        return value
    name = _TYPE_NAMES.get(kind, kind.__name__)
    raise ValueError(f"must be {name}, got {value!r}")


def _in_range(value: Any, opt: Option) -> None:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise ValueError(f"must be a number, got {value!r}")
    low_ok = opt.lo is None or (value >= opt.lo if opt.lo_inclusive else value > opt.lo)
    high_ok = opt.hi is None or (value <= opt.hi if opt.hi_inclusive else value < opt.hi)
    if not (low_ok and high_ok):
        raise ValueError(f"must be {_range_text(opt)}, got {value!r}")


def _range_text(opt: Option) -> str:
    low = None if opt.lo is None else f"{'>=' if opt.lo_inclusive else '>'} {opt.lo:g}"
    high = None if opt.hi is None else f"{'<=' if opt.hi_inclusive else '<'} {opt.hi:g}"
    if low and high:
        return f"in {'[' if opt.lo_inclusive else '('}{opt.lo:g}, {opt.hi:g}" + (
            "]" if opt.hi_inclusive else ")"
        )
    return low or high or ""


def as_option(value: Any) -> Option:
    """``value`` if it is an :class:`Option`, else a plain default wrapped as one."""
    return value if isinstance(value, Option) else Option(value)


def validate_options(name: str, declared: Mapping[str, Any], given: Mapping[str, Any]) -> dict:
    """Every declared option's value: ``given`` checked, defaults for the rest.

    Raises
    ------
    InputError
        One line naming ``scheduler NAME option KEY`` for an unknown key, a wrong type, a
        value out of range or not among the choices.
    """
    unknown = sorted(set(given) - set(declared))
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        raise InputError(
            f"scheduler {name!r}: unknown option(s) {', '.join(unknown)} (known: {known})"
        )
    out = {}
    for key, raw in declared.items():
        opt = as_option(raw)
        if key not in given:
            out[key] = opt.default
            continue
        try:
            out[key] = opt.convert(given[key])
        except ValueError as exc:
            raise InputError(f"scheduler {name!r} option {key}: {exc}") from None
    return out
