"""Replay an offline schedule in real time and check it with the simulator's invariants.

The solver's schedule lives in integer time with durations rounded down. The replay rebuilds
it in seconds with the true costs: blocks are taken in the order of their solver start, each
layer is dispatched at ``max(solver start, accelerator free, predecessors done, release)``
and occupies its accelerator for the engine's transfer plus latency. So real times never run
ahead of the solver's and trail them only by the rounding (a few units per layer).

The replay then plays the engine's part: it creates :class:`~terastal.model.Job` objects in
release order and fills the engine-owned fields (statuses, finish times, layer accelerators,
variants, energy), releases cascaded jobs exactly as the engine does (upstream completed,
in time or late, before or after the horizon, trigger draw below the probability), marks every
job the schedule does not run as dropped at its release, and returns a
:class:`~terastal.sim.result.SimResult` that :func:`~terastal.sim.invariants.check_invariants`
accepts and :func:`~terastal.metrics.compute_metrics` summarizes like any online run. The
trace has the counted jobs only, so the result has no load-only job (``counted`` is None:
every job counts) and ends when the last of them does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from terastal.bound.trace import Trace
from terastal.model import Platform
from terastal.model.costs import TaskCosts, input_transfer_s
from terastal.model.job import DROPPED, IN_TIME, LATE, Job
from terastal.sim.invariants import check_invariants
from terastal.sim.result import DispatchLog, SimResult


@dataclass(frozen=True)
class Placement:
    """One block of the offline schedule.

    Attributes
    ----------
    job : int
        Trace id.
    layers : tuple of int
        The block's layers, run back to back in this order.
    acc : int
        Accelerator.
    start : int
        Solver start time (integer units).
    variants : frozenset of int
        Layers of the block run as their variant.
    """

    job: int
    layers: tuple[int, ...]
    acc: int
    start: int
    variants: frozenset[int] = frozenset()


def replay(
    trace: Trace,
    costs: Sequence[TaskCosts],
    platform: Platform,
    placements: Sequence[Placement],
    unit_s: float,
    *,
    check: bool = True,
    name: str = "bound",
) -> SimResult:
    """Rebuild the schedule in seconds and return it as a checked simulation result.

    Parameters
    ----------
    trace : Trace
        The jobs the schedule was made for.
    costs : sequence of TaskCosts
        Per task, the simulator's cost tuples.
    platform : Platform
        Accelerators and link.
    placements : sequence of Placement
        The blocks of every job the schedule runs (a job runs all its layers or none).
    unit_s : float
        Seconds per solver time unit.
    check : bool
        Run :func:`check_invariants` on the result.
    name : str
        Scheduler label of the result.

    Returns
    -------
    SimResult
    """
    bw = platform.transfer_bytes_per_s
    jobs = trace.jobs
    horizon = trace.horizon_s
    planned = {p.job for p in placements}
    free = [0.0] * len(platform.accelerators)
    busy = [0.0] * len(free)
    reserved = [0.0] * len(free)
    release: dict[int, float] = {j.id: j.release_s for j in jobs if not j.cascaded}
    layer_end: dict[tuple[int, int], float] = {}
    placed: dict[int, list[int]] = {}  # per trace job, the accelerator of each layer (-1)
    records: list[list] = []  # [acc, trace id, layer, disp, start, end, variant]
    energy: dict[int, float] = {}
    finish: dict[int, float] = {}
    left = {j: costs[jobs[j].task].num_layers for j in planned}

    def exists(jid: int) -> bool:
        job = jobs[jid]
        if not job.cascaded:
            return True
        up = job.upstream
        # The engine releases a cascaded job when its upstream completes, whenever that is.
        return up in finish and exists(up)

    order = sorted(placements, key=lambda p: (p.start, jobs[p.job].depth, p.job, p.layers[0]))
    for p in order:
        job = jobs[p.job]
        if job.cascaded:
            if not exists(p.job):
                continue  # upstream never completed: never released
            release[p.job] = finish[job.upstream]
        c = costs[job.task]
        t = max(p.start * unit_s, free[p.acc], release[p.job])
        for layer in p.layers:
            for q in c.preds[layer]:
                t = max(t, layer_end[(p.job, q)])
            acc_of = placed.setdefault(p.job, [-1] * c.num_layers)
            start = t + input_transfer_s(bw, c, acc_of, layer, p.acc)
            variant = layer in p.variants
            # A variant the layer lacks runs at the original cost; the checks then reject it.
            lat = (c.var_lat[layer] if variant else None) or c.lat[layer]
            en = (c.var_energy[layer] if variant else None) or c.energy[layer]
            end = start + lat[p.acc]
            energy[p.job] = energy.get(p.job, 0.0) + en[p.acc]
            records.append([p.acc, p.job, layer, t, start, end, variant])
            layer_end[(p.job, layer)] = end
            acc_of[layer] = p.acc
            busy[p.acc] += end - start
            reserved[p.acc] += end - t
            free[p.acc] = t = end
            left[p.job] -= 1
            if not left[p.job]:
                finish[p.job] = max(layer_end[(p.job, q)] for q in range(c.num_layers))
    # Every job the engine would release: periodic ones, and cascaded ones whose upstream
    # completed (in time or late, before or after the horizon).
    for job in jobs:
        if job.cascaded and job.id not in release and exists(job.id):
            release[job.id] = finish[job.upstream]
    released = sorted(release, key=lambda j: (release[j], jobs[j].depth, j))
    new_id = {tid: k for k, tid in enumerate(released)}
    out_jobs: list[Job] = []
    for tid in released:
        tj = jobs[tid]
        c = costs[tj.task]
        job = Job(new_id[tid], c, tj.frame, release[tid], release[tid] + tj.deadline_rel_s)
        job._ready = []
        if tid in finish:
            job._done = c.num_layers
            job._finish = finish[tid]
            job._status = IN_TIME if finish[tid] <= job._deadline else LATE
            job._energy = energy[tid]
        else:  # not run: dropped at release, before any of its work
            job._status = DROPPED
            job._finish = release[tid]
        out_jobs.append(job)
    log = []
    for rec in sorted(records, key=lambda r: (r[3], r[0])):
        acc, tid, layer, t_disp, t_start, t_end, variant = rec
        job = out_jobs[new_id[tid]]
        job._acc_of[layer] = acc
        if variant:
            job._variants = job._variants | {layer}
        log.append((acc, new_id[tid], layer, t_disp, t_start, t_end, variant))
    result = SimResult(
        scheduler=name,
        seed=trace.seed,
        late_policy="scheduler",
        horizon_s=horizon,
        end_s=max((j.finish for j in out_jobs), default=0.0),
        scenario=trace.scenario,
        platform=platform,
        costs=tuple(costs),
        jobs=out_jobs,
        log=DispatchLog(log),
        dispatches=len(log),
        decision_ns=[],
        busy_s=tuple(busy),
        reserved_s=tuple(reserved),
        wall_s=0.0,
    )
    if check:
        check_invariants(result)
    return result


def missed_count(result: SimResult) -> int:
    """Counted jobs late or dropped (the simulator's definition of a missed deadline); an
    online run's load-only jobs are not the bound's (its trace has the counted ones)."""
    return sum(1 for j in result.counted_jobs if j.status in (LATE, DROPPED))
