"""The run contract: what a scheduler reads (:class:`SimView`) and returns (decisions).

Schedulers are written against this module only; the engine (:mod:`terastal.sim`) implements
the view. Jobs are :class:`~terastal.model.job.Job` objects (read-only properties) and their
costs :class:`~terastal.model.costs.TaskCosts` tuples.
"""

from __future__ import annotations

from collections.abc import Callable, KeysView, Mapping
from typing import Any, NamedTuple, Protocol, runtime_checkable

from terastal.model.costs import TaskCosts
from terastal.model.job import Job
from terastal.model.platform import Platform
from terastal.model.workload import Scenario


class Dispatch(NamedTuple):
    """Run ``layer`` of ``job`` on idle ``accelerator`` (as its variant if ``variant``).

    Any 3- or 4-tuple ``(job, layer, accelerator[, variant])`` is accepted as well, so that
    hot scheduler loops can build plain tuples.
    """

    job: Job
    layer: int
    accelerator: int
    variant: bool = False


class Drop(NamedTuple):
    """Drop ``job`` (a 1-tuple ``(job,)`` is accepted as well)."""

    job: Job


Decision = Dispatch | Drop


@runtime_checkable
class SimView(Protocol):
    """Read-only window on the running simulation, passed to every scheduler call.

    The view does not change while a scheduler's ``decide`` runs: decisions take effect
    after it returns, so a scheduler that returns several dispatches must itself remember
    which accelerators and jobs it has already used in that call. ``ready_jobs`` and
    ``active_jobs`` may be live views: do not keep them across calls expecting a snapshot.
    """

    # time and run parameters -----------------------------------------------------------------
    @property
    def now(self) -> float:
        """Current simulated time in seconds."""

    @property
    def horizon_s(self) -> float:
        """No periodic job is released at or after this time (the end of the releases); a job
        completing after it still releases its cascaded children."""

    @property
    def late_policy(self) -> str:
        """``keep``, ``drop`` or ``scheduler``."""

    @property
    def may_drop(self) -> bool:
        """Whether :class:`Drop` decisions are allowed (not under the ``keep`` policy)."""

    @property
    def scenario(self) -> Scenario:
        """The scenario being simulated."""

    @property
    def platform(self) -> Platform:
        """The platform being simulated."""

    @property
    def transfer_bytes_per_s(self) -> float:
        """Bandwidth of the link that moves activations between accelerators."""

    # jobs ------------------------------------------------------------------------------------
    @property
    def ready_jobs(self) -> KeysView[Job]:
        """Active jobs with at least one ready layer, in the order they became ready."""

    @property
    def ready_changes(self) -> tuple[Job, ...]:
        """Jobs that got a ready layer, or whose ready layers changed, since the last call.

        In event order: newly ready jobs, DAG jobs that gained ready layers, and DAG jobs
        that still have ready layers after one of them was dispatched. A job may appear more
        than once, and may have ended since (check ``job in view.ready_jobs``).
        """

    @property
    def active_jobs(self) -> KeysView[Job]:
        """Jobs released and not yet ended (ready, running or waiting), in release order."""

    # accelerators ----------------------------------------------------------------------------
    @property
    def num_accelerators(self) -> int:
        """Number of accelerators; they are indexed ``0 .. num_accelerators - 1``."""

    @property
    def idle_accelerators(self) -> tuple[int, ...]:
        """Indices of idle accelerators, ascending."""

    @property
    def idle_flags(self) -> tuple[bool, ...]:
        """Per accelerator, whether it is idle."""

    def is_idle(self, accelerator: int) -> bool:
        """Whether ``accelerator`` is idle."""

    @property
    def free_at(self) -> tuple[float, ...]:
        """Per accelerator, when it becomes free (``now`` if idle)."""

    # costs -----------------------------------------------------------------------------------
    @property
    def costs(self) -> tuple[TaskCosts, ...]:
        """Per task (scenario order), the cost tuples; also reachable as ``job.costs``."""

    @property
    def tables(self) -> Mapping[str, Any]:
        """The cost tables (numpy arrays, read-only) by task name."""

    @property
    def transfer_s(self) -> Callable[[Job, int, int], float]:
        """``transfer_s(job, layer, accelerator)``: seconds to move ``layer``'s inputs that
        were produced elsewhere onto ``accelerator`` (see :func:`terastal.model.job.transfer_s`).
        """

    def finish_time(self, job: Job, layer: int, accelerator: int, variant: bool = False) -> float:
        """When ``layer`` would finish on ``accelerator`` if dispatched as soon as it is free."""
