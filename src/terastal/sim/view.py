"""The engine's implementation of the run contract's view (:class:`~terastal.model.SimView`)."""

from __future__ import annotations

from collections.abc import Callable, KeysView, Mapping
from typing import TYPE_CHECKING

try:
    import cython  # the compiler needs this exact import
except ModuleNotFoundError:  # pragma: no cover - Cython is an optional extra
    from terastal._accel import _shadow as cython

from terastal.cost.tables import TaskCostTable
from terastal.model import Job, Platform, Scenario, TaskCosts

# The contract used to live here; these names keep older imports working.
from terastal.model.contract import Decision, Dispatch, Drop, SimView  # noqa: F401

if TYPE_CHECKING:
    from terastal.sim.engine import Simulator


@cython.final
@cython.cclass
class EngineView:
    """Read-only window on the running simulation, passed to every scheduler call.

    Implements :class:`terastal.model.SimView`; see there for the contract.

    Nothing here is copied per call except the small per-accelerator tuples and
    ``ready_changes`` (the few jobs that changed since the previous call); ``ready_jobs`` and
    ``active_jobs`` are live key views of the engine's insertion-ordered dicts. The view
    does not change while a scheduler's ``decide`` runs: decisions take effect after it
    returns, so a scheduler that returns several dispatches must itself remember which
    accelerators and jobs it has already used in that call.
    """

    __slots__ = (
        "_active", "_changes", "_env", "_free", "_horizon", "_idle", "_may_drop", "_num_acc",
        "_ready", "_s", "_transfer",
    )  # fmt: skip
    # Compiled, the view is an extension type with these fields (Python objects): its
    # properties become C getters, which policies call several times per decision. The
    # engine's lists are bound here (the engine never rebinds them) and the run's constants
    # copied, so that a property reads one field instead of an attribute of the Simulator.
    _active: KeysView[Job]
    _changes: list
    _env: object
    _free: list
    _horizon: float
    _idle: list
    _may_drop: bool
    _num_acc: int
    _ready: KeysView[Job]
    _s: Simulator
    _transfer: Callable[[Job, int, int], float]

    def __init__(self, sim: Simulator) -> None:
        self._s = sim
        self._env = sim.env
        # Live key views and the bound method, made once: properties return them as they are.
        self._ready = sim.ready.keys()
        self._active = sim.active.keys()
        self._transfer = sim.transfer_s
        self._changes, self._free, self._idle = sim.changes, sim.free_at, sim.idle
        # The end of the releases, not the counted window's horizon: a policy cannot tell
        # counted jobs from load-only ones, nor key on where the counting stops.
        self._horizon, self._num_acc = sim.releases_end_s, sim.num_acc
        self._may_drop = sim.late_policy != "keep"

    # time and run parameters -----------------------------------------------------------------
    @property
    def now(self) -> float:
        """Current simulated time in seconds."""
        return self._env.now

    @property
    def horizon_s(self) -> float:
        """No periodic job is released at or after this time (the end of the releases); a job
        completing after it still releases its cascaded children."""
        return self._horizon

    @property
    def horizon(self) -> float:
        """Deprecated alias of :attr:`horizon_s` (spelled out: the compiled class cannot alias)."""
        return self._horizon

    @property
    def late_policy(self) -> str:
        """``keep``, ``drop`` or ``scheduler``."""
        return self._s.late_policy

    @property
    def may_drop(self) -> bool:
        """Whether :class:`Drop` decisions are allowed (not under the ``keep`` policy)."""
        return self._may_drop

    @property
    def scenario(self) -> Scenario:
        """The scenario being simulated."""
        return self._s.scenario

    @property
    def platform(self) -> Platform:
        """The platform being simulated."""
        return self._s.platform

    @property
    def transfer_bytes_per_s(self) -> float:
        """Bandwidth of the link that moves activations between accelerators."""
        return self._s.bw

    # jobs ------------------------------------------------------------------------------------
    @property
    def ready_jobs(self) -> KeysView[Job]:
        """Active jobs with at least one ready layer, in the order they became ready."""
        return self._ready

    @property
    def ready_changes(self) -> tuple[Job, ...]:
        """Jobs that got a ready layer, or whose ready layers changed, since the last call.

        In event order, from the previous ``decide`` call (or the start of the run) to this
        one: newly ready jobs, DAG jobs that gained ready layers, and DAG jobs that still have
        ready layers after one of them was dispatched. A job may appear more than once, and
        may have ended since (check ``job in view.ready_jobs``). Schedulers that keep their own
        priority queues of ready jobs update them from this instead of rescanning
        :attr:`ready_jobs` (see ``terastal.schedulers._mapping.PreferredQueues``).
        """
        return tuple(self._changes)

    @property
    def active_jobs(self) -> KeysView[Job]:
        """Jobs released and not yet ended (ready, running or waiting), in release order."""
        return self._active

    # accelerators ----------------------------------------------------------------------------
    @property
    def num_accelerators(self) -> int:
        """Number of accelerators; they are indexed ``0 .. num_accelerators - 1``."""
        return self._num_acc

    @property
    def idle_accelerators(self) -> tuple[int, ...]:
        """Indices of idle accelerators, ascending."""
        return _idle_indices(self._idle)

    @property
    def idle_flags(self) -> tuple[bool, ...]:
        """Per accelerator, whether it is idle."""
        return tuple(self._idle)

    def is_idle(self, accelerator: int) -> bool:
        """Whether ``accelerator`` is idle."""
        return self._idle[accelerator]

    @property
    def free_at(self) -> tuple[float, ...]:
        """Per accelerator, when it becomes free (``now`` if idle)."""
        return _not_before(self._free, self._env.now)

    # costs -----------------------------------------------------------------------------------
    @property
    def costs(self) -> tuple[TaskCosts, ...]:
        """Per task (scenario order), the cost tuples; also reachable as ``job.costs``."""
        return self._s.costs

    @property
    def tables(self) -> Mapping[str, TaskCostTable]:
        """The numpy cost tables by task name (read-only mapping of read-only arrays)."""
        return self._s.tables

    @property
    def transfer_s(self) -> Callable[[Job, int, int], float]:
        """``transfer_s(job, layer, accelerator)``: seconds to move ``layer``'s inputs that
        were produced elsewhere onto ``accelerator`` (0 if they are all there).

        The engine's own function (:func:`terastal.model.job.transfer_s` bound to the link),
        so a scheduler that binds it (``xfer = view.transfer_s``) pays one call per query.
        """
        return self._transfer

    def finish_time(self, job: Job, layer: int, accelerator: int, variant: bool = False) -> float:
        """When ``layer`` would finish on ``accelerator`` if dispatched as soon as it is free."""
        c = job._costs
        lat = (c.var_latency_s if variant else c.latency_s)[layer][accelerator]
        start = max(self._free[accelerator], self._env.now)
        return start + self._transfer(job, layer, accelerator) + lat


# Module functions rather than loops in the properties, so that the loops get C types.
@cython.cfunc
@cython.locals(idle=list, a=cython.Py_ssize_t)
def _idle_indices(idle: list) -> tuple:
    """Indices of the true entries of ``idle``, ascending."""
    return tuple([a for a in range(len(idle)) if idle[a]])


@cython.cfunc
@cython.locals(free=list, i=cython.Py_ssize_t, t=cython.double, fv=cython.double)
def _not_before(free: list, now: float) -> tuple:
    """Each entry of ``free``, or ``now`` where it is earlier (the same objects as before;
    compared as C doubles, which compare as Python's floats do)."""
    t = now
    out = []
    for i in range(len(free)):
        f = free[i]
        fv = f
        out.append(f if fv > t else now)
    return tuple(out)
