"""The discrete-event engine: releases, layer dispatch and completion, deadlines, the stop.

Time is exact (floats, no tick). Scheduling points are job releases and layer completions
(a completion is the moment an accelerator becomes idle); all events at one instant are
processed before the scheduler is called once, and only if some layer is ready and some
accelerator idle. Decisions are validated one by one and applied immediately. The run stops
at the first instant when no counted work is open (the measurement window, sim/window.py).
"""

from __future__ import annotations

import time as _time
from collections.abc import Callable, Mapping
from functools import partial
from heapq import heappop
from types import MappingProxyType
from typing import Any

try:
    import cython  # the compiler needs this exact import
except ModuleNotFoundError:  # pragma: no cover - Cython is an optional extra
    from terastal._accel import _shadow as cython

from terastal.cost.tables import TaskCostTable
from terastal.errors import InputError
from terastal.model import Platform, Scenario
from terastal.model.job import ACTIVE, DROPPED, IN_TIME, LATE, Job, transfer_s
from terastal.sim.arrivals import shared_arrivals
from terastal.sim.checked import apply_checked
from terastal.sim.costs import build_task_costs
from terastal.sim.dispatch import Dispatcher
from terastal.sim.kernel import (
    KIND_DEADLINE,
    KIND_RELEASE,
    PRIO_DEADLINE,
    PRIO_RELEASE,
    Environment,
)
from terastal.sim.result import DispatchLog, SimResult
from terastal.sim.view import EngineView
from terastal.sim.window import CountedWork, stop

LATE_POLICIES = ("keep", "drop", "scheduler")
_PROGRESS_EVERY = 4096  # loop iterations between progress callbacks


class Simulator:
    """One run of one scheduler on one scenario and platform.

    Parameters
    ----------
    scenario, platform : Scenario, Platform
        What runs where.
    tables : mapping of str to TaskCostTable
        Cost tables by task name (see :func:`terastal.cost.build_cost_tables`).
    scheduler : object
        Has ``decide(view) -> sequence of decisions``; optionally ``reset(view)`` (called
        once before the first event), ``on_job_end(job, view)`` and a ``name``.
    duration_s : float
        Horizon of the counted releases. Periodic releases go on after it, as load only,
        until :func:`~terastal.model.window.releases_end_s` of it (what the policies see as
        ``view.horizon_s``); a completed job releases its triggered cascaded children
        whenever it completes (only a dropped job releases none), counted when it is. The
        run stops at the first instant when no counted work is open; load-only jobs still
        active then are left as they are (docs/design.md, "Measurement window").
    seed : int
        Seed of the jitter and cascade draws.
    late : {"keep", "drop", "scheduler"}
        What happens to late work: run it to completion; drop jobs at their deadline (an
        in-flight layer finishes first); or let the scheduler drop jobs (``Drop`` decisions
        are refused under ``keep`` and allowed under the other two).
    record : bool
        Keep the per-dispatch log (needed for traces and invariant checks).
    progress : callable, optional
        Called with the simulated time every few thousand loop iterations.
    """

    def __init__(
        self,
        scenario: Scenario,
        platform: Platform,
        tables: Mapping[str, TaskCostTable],
        scheduler: Any,
        *,
        duration_s: float,
        seed: int = 0,
        late: str = "scheduler",
        record: bool = True,
        progress: Callable[[float], None] | None = None,
    ) -> None:
        if late not in LATE_POLICIES:
            raise InputError(f"late policy must be one of {', '.join(LATE_POLICIES)}, got {late!r}")
        if not duration_s > 0:
            raise InputError(f"duration must be > 0, got {duration_s}")
        self.scenario = scenario
        self.platform = platform
        self.tables = MappingProxyType(dict(tables))
        self.costs = build_task_costs(scenario, platform, tables)
        self.scheduler = scheduler
        self.name = str(getattr(scheduler, "name", type(scheduler).__name__))
        self.horizon_s = float(duration_s)
        self.seed = int(seed)
        self.late_policy = late
        self.record = record
        self.progress = progress
        self.bw = float(platform.transfer_bytes_per_s)
        # The one transfer rule, bound to this platform's link (also handed out by the view).
        self.transfer_s: Callable[[Job, int, int], float] = partial(transfer_s, self.bw)
        self.arrivals = shared_arrivals(scenario, self.horizon_s, self.seed)
        self.releases_end_s = self.arrivals.end_s
        self.work = CountedWork(self.arrivals.counted)
        self.env = Environment()
        self.num_acc = len(platform.accelerators)
        self.idle = [True] * self.num_acc
        self.free_at = [0.0] * self.num_acc
        self.busy_s = [0.0] * self.num_acc  # computing
        self.reserved_s = [0.0] * self.num_acc  # computing or receiving a transfer
        self.running_job: list[Job | None] = [None] * self.num_acc
        self.running_layer = [-1] * self.num_acc
        self.jobs: list[Job] = []
        self.active: dict[Job, None] = {}  # insertion (= release) ordered
        self.ready: dict[Job, None] = {}  # jobs with a ready layer, in the order they got one
        # Jobs that got a ready layer, or whose ready layers changed, since the last decide
        # call (``SimView.ready_changes``): lets schedulers keep incremental priority queues.
        self.changes: list[Job] = []
        self.log: list[tuple] = []  # rows of a DispatchLog
        self.dispatches = 0
        self.decision_ns: list[int] = []
        self.view = EngineView(self)
        self._on_end = getattr(scheduler, "on_job_end", None)
        self._ran = False
        self.dispatcher = Dispatcher(self)
        # ``apply(job, layer, accelerator, variant, now)``: the one dispatch application.
        self.apply = self.dispatcher.apply

    @property
    def now(self) -> float:
        """Current simulated time (the kernel's clock)."""
        return self.env.now

    # ------------------------------------------------------------------------------------------
    # C types only when compiled (docs/design.md, "Compiled accelerator"): counters as C
    # integers, the job as the compiled Job's struct, lists and dicts typed; times stay floats
    # (compared as C doubles where the loop only compares them).
    @cython.locals(
        job=Job, kind=cython.Py_ssize_t, acc_c=cython.Py_ssize_t, n=cython.Py_ssize_t,
        num_acc=cython.Py_ssize_t, tick=cython.Py_ssize_t, every=cython.Py_ssize_t,
        t0=cython.Py_ssize_t, t1=cython.Py_ssize_t,
        k_release=cython.Py_ssize_t, t=cython.double, f=cython.double, heap=list, jobs=list,
        ready=dict, idle=list, changes=list, running_job=list, running_layer=list,
        free_at=list, started=list, dec_ns=list, disp=Dispatcher, work=CountedWork,
    )  # fmt: skip
    def run(self) -> SimResult:
        """Simulate until no counted work is open and return the result."""
        if self._ran:
            raise RuntimeError("a Simulator runs once; create a new one")
        self._ran = True
        wall0 = _time.perf_counter()
        reset = getattr(self.scheduler, "reset", None)
        if reset is not None:
            reset(self.view)
        env = self.env
        for ti, rel in enumerate(self.arrivals.releases):
            if rel:
                env.schedule(rel[0][0], PRIO_RELEASE, KIND_RELEASE, (ti, 0))
        # The hot loop binds the kernel's heap and sets its clock itself instead of calling
        # ``env.pop()``: all events of one instant are handled before the scheduler is
        # called, and a method call per event would cost about a tenth of the run.
        heap = env.heap
        decide, disp = self.scheduler.decide, self.dispatcher
        jobs, num_acc = self.jobs, self.num_acc
        view, ready, idle, changes = self.view, self.ready, self.idle, self.changes
        running_job, running_layer, free_at = self.running_job, self.running_layer, self.free_at
        started, dec_ns = disp.started, self.decision_ns
        clock = _time.perf_counter_ns
        complete_dag = self._complete_dag
        release, deadline, end = self._release_periodic, self._deadline, self._end
        progress, tick, every = self.progress, 0, _PROGRESS_EVERY
        k_release, active, work = KIND_RELEASE, ACTIVE, self.work
        while work.open:
            # The next instant: the heap's first release or deadline, or the first completion
            # (each busy accelerator completes at its free_at, see sim/dispatch.py; of
            # simultaneous ones, the first dispatched), whichever is earlier.
            acc_c = _next_completion(idle, free_at, started, num_acc)
            if acc_c >= 0:
                now = free_at[acc_c]
                if heap:
                    t, f = heap[0][0], now
                    if t < f:
                        now, acc_c = heap[0][0], -1
            elif heap:
                now = heap[0][0]
            else:
                break
            env.now = now
            # Completions first (they ran first in the heap too: a layer that completes
            # exactly at a deadline is in time), in dispatch order. Inlined: completions are
            # half of all events. Chains (most models) need no dependency counting: the next
            # layer becomes the only ready one.
            while acc_c >= 0:
                job = running_job[acc_c]
                layer = running_layer[acc_c]
                running_job[acc_c] = None
                idle[acc_c] = True
                free_at[acc_c] = now
                job._running -= 1
                job._done += 1
                costs = job._costs
                if job._doomed:
                    if not job._running:
                        end(job, DROPPED)
                elif not costs.is_chain:
                    complete_dag(job, layer, now)
                elif job._done == costs.num_layers:
                    end(job, IN_TIME if now <= job._deadline else LATE)
                else:
                    job._ready.append(layer + 1)
                    job._ready_since = now
                    ready[job] = None
                    changes.append(job)
                acc_c = _next_completion(idle, free_at, started, num_acc)
                if acc_c >= 0:
                    t, f = now, free_at[acc_c]
                    if f != t:
                        acc_c = -1
            while heap and heap[0][0] == now:
                _, _, _, kind, payload = heappop(heap)
                if kind == k_release:
                    release(payload)
                else:
                    deadline(payload)
            if not work.open:
                break  # the last counted work ended at this instant: no decision is needed
            if ready and True in idle:
                t0 = clock()
                decisions = decide(view)
                if type(decisions) is not list and type(decisions) is not tuple:
                    decisions = list(decisions)  # a generator's work counts as decision time
                t1 = clock()
                dec_ns.append(t1 - t0)
                changes.clear()
                # Fast path, inlined (it runs once per dispatch): a well-formed dispatch of a
                # ready layer on an idle accelerator passes a few cheap checks and goes
                # straight to ``disp.apply``. Anything else (drops, numpy integers, contract
                # errors) goes through ``apply_checked``, which checks everything in the same
                # order and then calls the same ``apply`` (``self.apply``).
                for d in decisions:
                    if type(d) is not tuple and not isinstance(d, tuple):
                        apply_checked(self, d)
                        continue
                    n = len(d)
                    first = d[0]
                    if (n != 3 and n != 4) or type(first) is not Job:
                        apply_checked(self, d)
                        continue
                    job = first
                    if job._status is not active or job._doomed:
                        apply_checked(self, d)
                        continue
                    layer, acc = d[1], d[2]
                    if (
                        type(acc) is not int
                        or not 0 <= acc < num_acc
                        or not idle[acc]
                        or layer not in job._ready
                        or job._id >= len(jobs)
                        or jobs[job._id] is not job
                    ):
                        apply_checked(self, d)
                    elif n == 4 and d[3]:
                        if job._costs.var_latency_s[layer] is None:
                            apply_checked(self, d)
                        else:
                            disp.apply(job, layer, acc, True, now)
                    else:
                        disp.apply(job, layer, acc, False, now)
            if progress is not None:
                tick += 1
                if tick == every:
                    tick = 0
                    progress(now)
        return self._result(wall0)

    def _result(self, wall0: float) -> SimResult:
        counted = stop(self)  # raises the stall's ContractError
        if self.progress is not None:
            self.progress(self.now)
        self.dispatches = self.dispatcher.count
        return SimResult(
            scheduler=self.name,
            seed=self.seed,
            late_policy=self.late_policy,
            horizon_s=self.horizon_s,
            end_s=self.now,
            scenario=self.scenario,
            platform=self.platform,
            costs=self.costs,
            jobs=self.jobs,
            counted=counted,
            log=DispatchLog(self.log),
            dispatches=self.dispatches,
            decision_ns=self.decision_ns,
            busy_s=tuple(self.busy_s),
            reserved_s=tuple(self.reserved_s),
            wall_s=_time.perf_counter() - wall0,
        )

    # events -----------------------------------------------------------------------------------
    def _release_periodic(self, payload: tuple[int, int]) -> None:
        ti, k = payload
        rel = self.arrivals.releases[ti]
        self.work.add(k < self.arrivals.counted[ti], False)
        self._release(ti, rel[k][1])
        if k + 1 < len(rel):
            self.env.schedule(rel[k + 1][0], PRIO_RELEASE, KIND_RELEASE, (ti, k + 1))

    def _release(self, ti: int, frame: int) -> None:
        costs = self.costs[ti]
        now = self.env.now
        job = Job(len(self.jobs), costs, frame, now, now + costs.task.relative_deadline_s)
        self.jobs.append(job)
        self.active[job] = None
        if job._ready:
            self.ready[job] = None
            self.changes.append(job)
        if self.late_policy == "drop":
            self.env.schedule(job._deadline, PRIO_DEADLINE, KIND_DEADLINE, job)

    def _complete_dag(self, job: Job, layer: int, now: float) -> None:
        """Completion bookkeeping of a non-chain model: count down successors' dependencies."""
        costs = job._costs
        pending, ready_layers = job._pending, job._ready
        before = len(ready_layers)
        for s in costs.succs[layer]:
            pending[s] -= 1
            if not pending[s]:
                ready_layers.append(s)
        if len(ready_layers) > before:
            self.changes.append(job)
        if ready_layers:
            ready_layers.sort()
            if not before:
                job._ready_since = now
                self.ready[job] = None
        if job._done == costs.num_layers:
            self._end(job, IN_TIME if now <= job._deadline else LATE)

    def _deadline(self, job: Job) -> None:
        if job._status is ACTIVE and not job._doomed:
            self._drop(job)

    def _drop(self, job: Job) -> None:
        self.ready.pop(job, None)
        if job._running:
            job._doomed = True  # ends when its in-flight layers complete
        else:
            self._end(job, DROPPED)

    def _end(self, job: Job, status: str) -> None:
        job._status = status
        job._doomed = False
        job._finish = self.env.now
        del self.active[job]
        self.ready.pop(job, None)
        if self._on_end is not None:
            self._on_end(job, self.view)
        counted = self.work.close(job._id)
        # A completed job releases its triggered children whenever it completes, also after
        # the horizon: a counted frame was released before it (metrics/accounting.py), and in
        # a continuous deployment the child would run, so a parent that completes just after
        # the horizon must not cost its child's frame (docs/design.md, "Accounting"); the
        # child is counted with its parent, and runs under the tail's load like it.
        # Only a dropped job releases nothing.
        if status is DROPPED:
            return
        arr = self.arrivals
        ti, frame = job._costs.index, job._frame
        for di in arr.dependents[ti]:
            if arr.trigger_u[di][frame] < self.costs[di].task.probability:
                self.work.add(counted, True)
                self._release(di, frame)


@cython.cfunc
@cython.locals(
    idle=list, free_at=list, started=list, num_acc=cython.Py_ssize_t, a=cython.Py_ssize_t,
    first=cython.Py_ssize_t, t=cython.double, f=cython.double,
)  # fmt: skip
def _next_completion(idle: list, free_at: list, started: list, num_acc: int) -> int:
    """The busy accelerator that completes first (earliest free_at, then earliest dispatched),
    or -1 when all are idle. Times compared as C doubles, which compare as Python's floats."""
    first, t = -1, 0.0
    for a in range(num_acc):
        if not idle[a]:
            f = free_at[a]
            if first < 0 or f < t or (f == t and started[a] < started[first]):
                first, t = a, f
    return first
