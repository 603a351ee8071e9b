"""The scheduler protocol and a convenience base class.

A scheduler is any object with ``decide(view) -> list of decisions``. The engine also calls,
when present, ``reset(view)`` once before a run and ``on_job_end(job, view)`` whenever a job
ends; ``name`` labels results and error messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

from terastal.model.contract import Decision, SimView
from terastal.model.job import Job
from terastal.schedulers.options import as_option, validate_options


@runtime_checkable
class SchedulerProtocol(Protocol):
    """What the engine requires of a scheduler."""

    name: str

    def decide(self, view: SimView) -> Sequence[Decision]:
        """Return the decisions to apply now (possibly none)."""
        ...


class Scheduler:
    """Base class of the bundled schedulers.

    Subclasses set :attr:`name`, list their options in :attr:`options` (an
    :class:`~terastal.schedulers.options.Option` or a plain default, whose type it takes), set
    :attr:`needs_plan` when they read an offline plan (passed as the ``plan`` option), and
    implement :meth:`decide`. Options arrive as keyword arguments and are validated here:
    an unknown key, a wrong type or a value out of range is an
    :class:`~terastal.errors.InputError` naming the scheduler and the option, so that a typo
    on the command line is not ignored. Per-run state belongs in :meth:`reset`, so that one
    instance can run several times with identical results.
    """

    name = "scheduler"
    options: ClassVar[dict[str, Any]] = {}
    #: Whether the scheduler reads an offline plan (the application layer supplies one).
    needs_plan: ClassVar[bool] = False

    def __init__(self, **options: Any) -> None:
        for key, value in validate_options(self.name, self.options, options).items():
            setattr(self, key, value)

    @classmethod
    def option_defaults(cls) -> dict[str, Any]:
        """Every option's default value."""
        return {k: as_option(v).default for k, v in cls.options.items()}

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
