"""The scheduler protocol and a convenience base class.

A scheduler is any object with ``decide(view) -> list of decisions``. The engine also calls,
when present, ``reset(view)`` once before a run and ``on_job_end(job, view)`` whenever a job
ends; ``name`` labels results and error messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

from terastal.errors import InputError
from terastal.model.contract import Decision, SimView
from terastal.model.job import Job


@runtime_checkable
class SchedulerProtocol(Protocol):
    """What the engine requires of a scheduler."""

    name: str

    def decide(self, view: SimView) -> Sequence[Decision]:
        """Return the decisions to apply now (possibly none)."""
        ...


class Scheduler:
    """Base class of the bundled schedulers.

    Subclasses set :attr:`name`, list their options with defaults in :attr:`options`, and
    implement :meth:`decide`. Options arrive as keyword arguments; unknown ones are an
    :class:`~terastal.errors.InputError` so that a typo on the command line is not ignored.
    Per-run state belongs in :meth:`reset`, so that one instance can run several times with
    identical results.
    """

    name = "scheduler"
    options: ClassVar[dict[str, Any]] = {}

    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            known = ", ".join(sorted(self.options)) or "none"
            raise InputError(
                f"scheduler {self.name!r}: unknown option(s) {', '.join(unknown)} (known: {known})"
            )
        for key, default in self.options.items():
            setattr(self, key, options.get(key, default))

    def reset(self, view: SimView) -> None:
        """Prepare for a new run (called once, before the first event)."""

    def decide(self, view: SimView) -> Sequence[Decision]:
        """Return the decisions to apply now."""
        raise NotImplementedError

    def on_job_end(self, job: Job, view: SimView) -> None:
        """Observe a job that ended (in time, late or dropped)."""

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={getattr(self, k)!r}" for k in self.options)
        return f"{type(self).__name__}({opts})"
