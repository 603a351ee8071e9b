"""The outcome of one simulation run."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import compress
from operator import itemgetter
from typing import Any, NamedTuple

from terastal.model import Job, Platform, Scenario, TaskCosts


class DispatchRecord(NamedTuple):
    """One layer dispatch of a run's log.

    The accelerator is reserved from ``dispatch_s``; the activation transfer (if any) occupies
    ``[dispatch_s, start_s)`` and the layer computes in ``[start_s, end_s)``.
    """

    accelerator: int
    job_id: int
    layer: int
    dispatch_s: float
    start_s: float
    end_s: float
    variant: bool


_record = partial(tuple.__new__, DispatchRecord)  # skips the NamedTuple's Python __new__


class DispatchLog(Sequence[DispatchRecord]):
    """A run's dispatch log: :class:`DispatchRecord` s in dispatch order.

    The engine appends plain ``(accelerator, job_id, layer, dispatch_s, start_s, end_s,
    variant)`` rows, and they become records when the log is first read. Making the records
    during the run cost about 10 % of its dispatch rate: a tuple subclass costs more to
    allocate than a plain tuple, and the garbage collector keeps scanning it where it stops
    scanning a tuple of numbers. Runs that do not read their log (or do not record one) do
    not pay at all; the others pay once, when they read it.
    """

    __slots__ = ("_records", "_rows")

    def __init__(self, rows: Iterable[tuple] = ()) -> None:
        self._rows: Iterable[tuple] | None = rows
        self._records: list[DispatchRecord] | None = None

    def _get(self) -> list[DispatchRecord]:
        records = self._records
        if records is None:
            records = self._records = list(map(_record, self._rows))
            self._rows = None
        return records

    def _plain(self) -> Sequence[tuple] | None:
        """The rows, if they are still a plain list or tuple (not yet made into records)."""
        rows = self._rows
        return rows if self._records is None and isinstance(rows, list | tuple) else None

    def __len__(self) -> int:
        rows = self._plain()
        return len(rows) if rows is not None else len(self._get())

    def accelerator_counts(self, num_accelerators: int) -> list[int]:
        """Dispatches per accelerator, counted from the rows without making records (the
        metrics of every run need these counts; a whole log's records cost milliseconds)."""
        rows = self._plain()
        counts = [0] * num_accelerators
        for acc in map(itemgetter(0), self._get() if rows is None else rows):
            counts[acc] += 1
        return counts

    def __getitem__(self, index: Any) -> Any:
        return self._get()[index]

    def __iter__(self) -> Iterator[DispatchRecord]:
        return iter(self._get())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DispatchLog):
            other = other._get()
        if isinstance(other, list | tuple):
            return self._get() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"DispatchLog({self._get()!r})"


@dataclass
class SimResult:
    """Everything a run produced; metrics and outputs are computed from it.

    Attributes
    ----------
    scheduler : str
        Name of the scheduler.
    seed : int
        The run's seed.
    late_policy : str
        ``keep``, ``drop`` or ``scheduler``.
    horizon_s : float
        Horizon of the counted releases (the measurement window, docs/design.md): frames
        released before it count; later periodic releases were load only.
    end_s : float
        When the run stopped: the first instant with no counted work open.
    scenario, platform : Scenario, Platform
        What was simulated.
    costs : tuple of TaskCosts
        Per-task cost tuples used by the run.
    jobs : list of Job
        Every released job, counted or load only, in release order (``jobs[i].id == i``);
        load-only jobs may still be active (the run stopped before they ended). Outcomes
        are :attr:`counted_jobs`.
    log : DispatchLog
        One :class:`DispatchRecord` per layer dispatch, in dispatch order (empty when the run
        did not record).
    dispatches : int
        Number of layer dispatches.
    decision_ns : list of int
        Wall time of every scheduler call in nanoseconds.
    busy_s, reserved_s : tuple of float
        Per accelerator, total time spent computing, and computing or waiting for an incoming
        transfer (the accelerator is reserved from dispatch).
    wall_s : float
        Wall time of the whole run.
    counted : bytes or None
        Per job id, 1 when the job is counted, 0 when it is load only; None: every job is
        counted (a result built without a load window, e.g. a replayed offline schedule).
    """

    scheduler: str
    seed: int
    late_policy: str
    horizon_s: float
    end_s: float
    scenario: Scenario = field(repr=False)
    platform: Platform = field(repr=False)
    costs: tuple[TaskCosts, ...] = field(repr=False)
    jobs: list[Job] = field(repr=False)
    log: DispatchLog = field(repr=False)
    dispatches: int
    decision_ns: list[int] = field(repr=False)
    busy_s: tuple[float, ...]
    reserved_s: tuple[float, ...]
    wall_s: float
    counted: bytes | None = field(default=None, repr=False)

    @property
    def counted_jobs(self) -> list[Job]:
        """The counted jobs, in release order: every outcome (metrics, outputs, checks) is
        theirs. Each has ended (in time, late or dropped)."""
        flags = self.counted
        if flags is None:
            return self.jobs
        return list(compress(self.jobs, flags))

    def is_counted(self, job: Job) -> bool:
        """Whether ``job`` (one of :attr:`jobs`) is counted."""
        return self.counted is None or bool(self.counted[job.id])

    @property
    def accelerator_names(self) -> tuple[str, ...]:
        """Accelerator names in index order."""
        return tuple(a.name for a in self.platform.accelerators)
