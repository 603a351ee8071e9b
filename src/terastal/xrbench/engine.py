"""XRBench-MAESTRO's event loop, load generator and ``LatencyGreedy`` dispatcher.

A deliberately separate, small engine: XRBench polls releases at events, stops at the last
release and forgets in-flight work, which our engine (release events, drain to the horizon)
does not do by design. Every rule cites the XRBench source it mirrors (XRBench-MLSys2023 commit
8915666; ``HET_*`` headers in lib/include/heterogeneous-space-exploration/); the list with
reasons is in docs/design.md, section "XRBench compatibility profile".

All times are float32 milliseconds (:func:`terastal.xrbench.f32.f32` after every operation).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from terastal.xrbench.costs import ModelCost
from terastal.xrbench.f32 import f32
from terastal.xrbench.glibc_rand import GlibcRand
from terastal.xrbench.workload import XRTask, base_tick_ms

__all__ = ["COMPLETION_MARGIN_MS", "EngineResult", "LogEntry", "simulate"]

#: ``FP_ERROR_MARGIN 1e-2f`` (HET_process.hpp:10): a job counts as done 0.01 ms early.
COMPLETION_MARGIN_MS = f32(0.01)
_RAND_SCALE = f32(2147483647)  # (float)RAND_MAX == 2**31


class LogEntry(NamedTuple):
    """One logged inference, completed or dropped, in XRBench's logging order."""

    accelerator: int
    model: str
    frame: int
    injection_ms: float
    dispatch_ms: float
    deadline_ms: float
    completion_ms: float
    energy_mj: float
    dropped: bool


class EngineResult(NamedTuple):
    """The log, the stop time and the requests created per model (triggered frames)."""

    log: list[LogEntry]
    stop_ms: float
    released: dict[str, int]


class _Request(NamedTuple):
    model: str
    frame: int
    injection_ms: float
    deadline_ms: float


class _Job(NamedTuple):
    request: _Request
    dispatch_ms: float
    completion_ms: float
    energy_mj: float


class _Generator:
    """HET_load-generator.hpp: polled releases, one frame per model per call."""

    def __init__(self, tasks: Sequence[XRTask], rng: GlibcRand) -> None:
        self.tasks, self.rng = tasks, rng
        self.last = [-1] * len(tasks)

    def remaining(self) -> bool:
        # HasRemainingWorks (load-generator:91-105): false once every last frame is released
        return any(last < t.requests - 1 for t, last in zip(self.tasks, self.last, strict=True))

    def poll(self, t: float) -> list[_Request]:
        out = []
        for i, task in enumerate(self.tasks):
            self.rng.rand()  # the jitter draw: stored, never read (load-generator:52)
            last = self.last[i]
            if last == task.requests - 1 or not f32(task.period_ms * (last + 1)) <= t:
                continue
            deadline = f32(task.period_ms * (last + 2))  # before the counter moves (:60-61)
            self.last[i] = last + 1  # always advanced, even if the trigger fails (:63)
            u = f32(f32(self.rng.rand()) / _RAND_SCALE)
            if task.probability > u:  # strict: u rounding to 1.0f skips the frame (:64-68)
                out.append(_Request(task.name, last + 1, t, deadline))
        return out


def _byte_order(names) -> list[str]:
    """std::map<std::string, ...> iteration order: byte-wise."""
    return sorted(names, key=lambda s: s.encode())


def simulate(
    tasks: Sequence[XRTask],
    costs: Mapping[str, Sequence[ModelCost]],
    num_accs: int,
    seed: int = 1,
) -> EngineResult:
    """Run XRBench's ``RunWorkloads``: its log, its stop time (ms) and the request counts.

    Parameters
    ----------
    tasks : sequence of XRTask
        The scenario's models in file order (:func:`terastal.xrbench.workload.xrbench_tasks`).
    costs : mapping
        Task name -> :class:`ModelCost` per accelerator.
    num_accs : int
        Accelerators (ids ``0 .. num_accs - 1``).
    seed : int
        The value XRBench passes to ``srand`` (its wall-clock second).
    """
    gen = _Generator(tasks, GlibcRand(seed))
    deps = {t.name: t.depends_on for t in tasks}
    tick = base_tick_ms(tasks)
    queues: dict[str, deque[_Request]] = {}
    order: list[str] = []
    busy: list[_Job | None] = [None] * num_accs
    done = {t.name: -1 for t in tasks}  # completion_list_ starts at -1 (runtime.hpp:190-193)
    log: list[LogEntry] = []
    released = {t.name: 0 for t in tasks}
    t, k_tick = 0.0, 0
    while gen.remaining():  # runtime.hpp:67-71: the loop ends with the last release
        for req in gen.poll(t):  # 1. fetch new requests (runtime.hpp:147-158)
            if req.model not in queues:
                queues[req.model] = deque()
                order = _byte_order(queues)
            queues[req.model].append(req)
            released[req.model] += 1
        for a, job in enumerate(busy):  # 2. retire finished jobs, 0.01 ms early (process:39-41)
            if job is not None and f32(t + COMPLETION_MARGIN_MS) >= job.completion_ms:
                r = job.request
                log.append(
                    LogEntry(
                        a,
                        r.model,
                        r.frame,
                        r.injection_ms,
                        job.dispatch_ms,
                        r.deadline_ms,
                        job.completion_ms,
                        job.energy_mj,
                        False,
                    )
                )
                done[r.model] += 1
                busy[a] = None
        _drop_late(queues, order, t, log)  # 3. (runtime.hpp:201-267)
        _dispatch(queues, order, deps, done, costs, busy, t)  # 4. (runtime.hpp:269-400)
        # 5. next event: the next base tick or the earliest completion (timer.hpp:256-285)
        nxt = f32((k_tick + 1) * tick)
        t_new = min([nxt, *(j.completion_ms for j in busy if j is not None)])
        if t_new == nxt:
            k_tick += 1
        t = t_new
    return EngineResult(log, t, released)


def _drop_late(queues, order, t: float, log: list[LogEntry]) -> None:
    """Drop expired queue heads (``deadline < t``, strict), logged on acc 0 with no energy.

    The cascade drop of dependents (runtime.hpp:224-261) never fires: its guard compares the
    dependency with the request's own name (runtime.hpp:236), so it is not reproduced.
    """
    changed = True
    while changed:
        changed = False
        for name in order:
            q = queues[name]
            if q and q[0].deadline_ms < t:
                r = q.popleft()
                log.append(
                    LogEntry(0, r.model, r.frame, r.injection_ms, t, r.deadline_ms, t, 0.0, True)
                )
                changed = True


def _dispatch(queues, order, deps, done, costs, busy, t: float) -> None:
    """Latency-greedy over idle accelerators, heads only, models in byte-wise name order."""
    changed = True
    while changed:  # passes repeat while anything was dispatched (runtime.hpp:273-275, 395)
        changed = False
        for name in order:
            q = queues[name]
            if not q:
                continue
            r = q[0]
            # the upstream must have completed at least frame+1 jobs: a count (:293-308)
            if any(done[d] < r.frame for d in deps[name]):
                continue
            idle = [a for a, job in enumerate(busy) if job is None]
            if not idle:
                continue
            # smallest latency among idle accelerators, lowest id on ties (:310-321, 368-377)
            best = min(idle, key=lambda a: (costs[name][a].cycles, a))
            c = costs[name][best]
            busy[best] = _Job(r, t, f32(t + c.latency_ms), c.energy_mj)
            q.popleft()
            changed = True
