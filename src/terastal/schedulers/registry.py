"""Scheduler registry: bundled schedulers by name plus the ``terastal.schedulers`` entry points.

A third-party package registers a scheduler factory (usually a class accepting keyword
options) with, in its ``pyproject.toml``::

    [project.entry-points."terastal.schedulers"]
    myname = "mypackage.module:MyScheduler"
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any, NamedTuple

from terastal.errors import InputError
from terastal.schedulers.options import Option, as_option

ENTRY_POINT_GROUP = "terastal.schedulers"

# Bundled schedulers, imported lazily so that importing the registry stays cheap.
_BUILTIN: dict[str, str] = {
    "fcfs": "terastal.schedulers.fcfs:FCFS",
    "edf": "terastal.schedulers.edf:EDF",
    "rm": "terastal.schedulers.rm:RM",
    "lst": "terastal.schedulers.lst:LST",
    "heft": "terastal.schedulers.heft:HEFT",
    "dream": "terastal.schedulers.dream:DREAM",
    "terastal": "terastal.schedulers.terastal:Terastal",
}

_registered: dict[str, Callable[..., Any]] = {}


def register_scheduler(name: str, factory: Callable[..., Any]) -> None:
    """Register ``factory`` (called with keyword options) under ``name`` for this process."""
    _registered[name] = factory


def _load(target: str) -> Callable[..., Any]:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def _builtin_available(name: str) -> bool:
    module = _BUILTIN[name].partition(":")[0]
    return importlib.util.find_spec(module) is not None


def entry_points(**select: Any) -> Any:
    """:func:`importlib.metadata.entry_points`, imported on first use: a bundled scheduler
    is found without it, and its import costs a ``simulate`` about 10 ms of start-up."""
    from importlib.metadata import entry_points as found

    return found(**select)


def _entry_points() -> dict[str, Any]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available_schedulers() -> list[str]:
    """Names of every scheduler that can be made, sorted."""
    names = {n for n in _BUILTIN if _builtin_available(n)}
    names |= set(_registered) | set(_entry_points())
    return sorted(names)


def get_factory(name: str) -> Callable[..., Any]:
    """Return the factory registered under ``name``.

    Lookup order: :func:`register_scheduler`, bundled schedulers, entry points.
    """
    if name in _registered:
        return _registered[name]
    if name in _BUILTIN and _builtin_available(name):
        return _load(_BUILTIN[name])
    eps = _entry_points()
    if name in eps:
        return eps[name].load()
    raise InputError(f"unknown scheduler {name!r} (available: {', '.join(available_schedulers())})")


def make_scheduler(name: str, **options: Any) -> Any:
    """Create the scheduler called ``name`` with keyword ``options`` (e.g. ``plan=...``)."""
    return get_factory(name)(**options)


class SchedulerInfo(NamedTuple):
    """What the registry declares about a scheduler.

    Attributes
    ----------
    name : str
        Registered name.
    needs_plan : bool
        Whether it reads an offline plan (its ``plan`` option).
    options : dict of str to Option
        Its options, typed (plain defaults wrapped by
        :func:`~terastal.schedulers.options.as_option`).
    summary : str
        First line of its docstring.
    """

    name: str
    needs_plan: bool
    options: dict[str, Option]
    summary: str


def scheduler_info(name: str) -> SchedulerInfo:
    """The declared needs and options of the scheduler called ``name``.

    A factory that is not a :class:`~terastal.schedulers.base.Scheduler` class declares
    nothing unless it carries ``needs_plan`` and ``options`` attributes itself.
    """
    factory = get_factory(name)
    declared = getattr(factory, "options", None)
    options = {k: as_option(v) for k, v in declared.items()} if isinstance(declared, dict) else {}
    doc = (getattr(factory, "__doc__", None) or "").strip().splitlines()
    return SchedulerInfo(
        name, bool(getattr(factory, "needs_plan", False)), options, doc[0] if doc else ""
    )
