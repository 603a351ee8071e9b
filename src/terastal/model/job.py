"""Jobs: one released frame of one task, as seen by schedulers (read-only properties).

Also the job-level form of the rule for moving activations between accelerators
(:func:`transfer_s`), which the view hands to schedulers.
"""

from __future__ import annotations

from terastal.model.costs import TaskCosts, input_transfer_s
from terastal.model.workload import Task

ACTIVE = "active"
IN_TIME = "in_time"
LATE = "late"
DROPPED = "dropped"

_EMPTY: frozenset[int] = frozenset()


class Job:
    """One job. The engine owns and mutates the underscored slots; schedulers read properties.

    Properties are the read-only contract: a scheduler cannot assign to them, and nothing it
    reads is a copy except :attr:`ready_layers` (a fresh tuple, as a DAG job may have several).
    """

    __slots__ = (
        "_acc_of",
        "_costs",
        "_deadline",
        "_done",
        "_doomed",
        "_energy",
        "_finish",
        "_frame",
        "_id",
        "_pending",
        "_ready",
        "_ready_since",
        "_release",
        "_running",
        "_status",
        "_variants",
    )

    def __init__(self, job_id: int, costs: TaskCosts, frame: int, release: float, deadline: float):
        self._id = job_id
        self._costs = costs
        self._frame = frame
        self._release = release
        self._deadline = deadline
        n = costs.num_layers
        if costs.is_chain:
            self._pending = None  # chains need no dependency counting (see the engine)
            self._ready = [0]
        else:
            self._pending = [len(p) for p in costs.preds]
            self._ready = [i for i in range(n) if not costs.preds[i]]
        self._acc_of = [-1] * n
        self._running = 0
        self._done = 0
        self._status = ACTIVE
        self._doomed = False
        self._finish = float("nan")
        self._energy = 0.0
        self._variants = _EMPTY
        self._ready_since = release

    # identity -------------------------------------------------------------------------------
    @property
    def id(self) -> int:
        """Unique id, increasing in release order."""
        return self._id

    @property
    def task(self) -> Task:
        """The task this job belongs to."""
        return self._costs.task

    @property
    def task_index(self) -> int:
        """Index of the task in the scenario."""
        return self._costs.index

    @property
    def costs(self) -> TaskCosts:
        """Cost tuples of the task's layers on the platform."""
        return self._costs

    @property
    def frame(self) -> int:
        """Frame number (nominal period index; cascaded jobs share their upstream's)."""
        return self._frame

    @property
    def release_s(self) -> float:
        """Release time in seconds."""
        return self._release

    @property
    def deadline_s(self) -> float:
        """Absolute deadline in seconds."""
        return self._deadline

    # Deprecated aliases of ``release_s`` and ``deadline_s``, spelled out: the compiled class
    # (an extension type, see job.pxd) cannot alias a property by assignment.
    @property
    def release(self) -> float:
        """Deprecated alias of :attr:`release_s`."""
        return self._release

    @property
    def deadline(self) -> float:
        """Deprecated alias of :attr:`deadline_s`."""
        return self._deadline

    # progress -------------------------------------------------------------------------------
    @property
    def next_layer(self) -> int:
        """Lowest-index ready layer, or -1 when none is ready."""
        return self._ready[0] if self._ready else -1

    @property
    def ready_layers(self) -> tuple[int, ...]:
        """All ready layers (dependencies done, not dispatched), ascending."""
        return tuple(self._ready)

    @property
    def ready_since(self) -> float:
        """When the job last went from no ready layer to some ready layer."""
        return self._ready_since

    @property
    def done_count(self) -> int:
        """Layers completed."""
        return self._done

    @property
    def running_count(self) -> int:
        """Layers dispatched and not yet completed."""
        return self._running

    @property
    def num_layers(self) -> int:
        """Layers of the job's model."""
        return self._costs.num_layers

    def layer_accelerator(self, layer: int) -> int:
        """Accelerator that ran (or runs) ``layer``, or -1 if it was not dispatched."""
        return self._acc_of[layer]

    @property
    def variants(self) -> frozenset[int]:
        """Layers dispatched as variants so far."""
        return self._variants

    @property
    def energy_j(self) -> float:
        """Energy of the layers dispatched so far."""
        return self._energy

    # outcome --------------------------------------------------------------------------------
    @property
    def status(self) -> str:
        """``active``, ``in_time``, ``late`` or ``dropped``."""
        return self._status

    @property
    def finished(self) -> bool:
        """Whether the job has ended (or is dropped and only waits for an in-flight layer)."""
        return self._status != ACTIVE or self._doomed

    @property
    def finish_s(self) -> float:
        """Completion or drop time in seconds (nan while active)."""
        return self._finish

    @property
    def finish(self) -> float:
        """Deprecated alias of :attr:`finish_s`."""
        return self._finish

    @property
    def accelerators(self) -> frozenset[int]:
        """Accelerators that ran at least one of the job's layers."""
        return frozenset(a for a in self._acc_of if a >= 0)

    def __repr__(self) -> str:
        return (
            f"Job(id={self._id}, task={self._costs.task.name!r}, frame={self._frame}, "
            f"release={self._release:.6g}, deadline={self._deadline:.6g}, status={self._status})"
        )


def transfer_s(bytes_per_s: float, job: Job, layer: int, accelerator: int) -> float:
    """Seconds to move the inputs of ``layer`` of ``job`` produced elsewhere onto ``accelerator``.

    :func:`~terastal.model.costs.input_transfer_s` on the job's placement so far. The
    bandwidth comes first so that ``functools.partial(transfer_s, bw)`` is the per-run
    function the view hands out.
    """
    return input_transfer_s(bytes_per_s, job._costs, job._acc_of, layer, accelerator)
