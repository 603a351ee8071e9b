"""Validation and application of one scheduler decision, with a clear error for a bad one.

The engine's run loop applies well-formed dispatches inline; drops, unusual types and
contract violations come here, where every check runs in the same order, so a bad decision
raises the same :class:`~terastal.errors.ContractError` whichever path it took.
"""

from __future__ import annotations

import operator
from heapq import heappush
from typing import TYPE_CHECKING, Any

from terastal.errors import ContractError
from terastal.sim.job import ACTIVE, Job
from terastal.sim.kernel import KIND_COMPLETE, PRIO_COMPLETE

if TYPE_CHECKING:
    from terastal.sim.engine import Simulator


def _bad(sim: Simulator, decision: Any, why: str) -> ContractError:
    return ContractError(
        f"scheduler {sim.name!r} at t={sim.now:.9g}s: {why}; decision {decision!r}"
    )


def apply_checked(sim: Simulator, d: Any) -> None:
    """Validate and apply one decision (a bad one raises :class:`ContractError`).

    The run loop applies well-formed dispatches itself; everything else comes here.
    """
    jobs, idle = sim.jobs, sim.idle
    now = sim.now
    if type(d) is not tuple and not isinstance(d, tuple):
        raise _bad(sim, d, "a decision must be a Dispatch or Drop tuple")
    n = len(d)
    job = d[0]
    if type(job) is not Job or job._id >= len(jobs) or jobs[job._id] is not job:
        raise _bad(sim, d, "not a job of this simulation")
    if job._status is not ACTIVE or job._doomed:
        raise _bad(sim, d, f"job {job._id} has already ended ({job._status})")
    if n == 1:
        if sim.late_policy == "keep":
            raise _bad(sim, d, "drops are not allowed under the 'keep' late policy")
        sim._drop(job)
        return
    if n != 3 and n != 4:
        raise _bad(sim, d, "a decision must be (job,) or (job, layer, acc[, variant])")
    layer, acc = d[1], d[2]
    variant = n == 4 and bool(d[3])
    if type(acc) is not int:
        acc = _index(sim, d, acc)
    if not 0 <= acc < sim.num_acc:
        raise _bad(sim, d, f"no accelerator {acc!r}")
    if not idle[acc]:
        raise _bad(sim, d, f"accelerator {acc} is busy until {sim.free_at[acc]:.9g}s")
    ready_layers = job._ready
    if layer not in ready_layers:
        raise _bad(sim, d, _why_not_ready(job, layer))
    costs = job._costs
    if variant:
        vl = costs.var_lat[layer]
        if vl is None:
            raise _bad(sim, d, f"layer {layer} of task {costs.task.name!r} has no variant")
        lat = vl[acc]
        job._energy += costs.var_energy[layer][acc]
        job._variants = job._variants | {layer}
    else:
        lat = costs.lat[layer][acc]
        job._energy += costs.energy[layer][acc]
    acc_of = job._acc_of
    if costs.is_chain:
        if layer and acc_of[layer - 1] != acc:
            start = now + costs.out_bytes[layer - 1] / sim.bw
        else:
            start = now
    else:
        start = now + sim.transfer_s(job, layer, acc)
    finish = start + lat
    if len(ready_layers) == 1:
        ready_layers.clear()
        del sim.ready[job]
    else:
        ready_layers.remove(layer)
        sim.changes.append(job)
    acc_of[layer] = acc
    job._running += 1
    idle[acc] = False
    sim.free_at[acc] = finish
    sim.busy_s[acc] += lat
    sim.reserved_s[acc] += finish - now
    sim.running_job[acc] = job
    sim.running_layer[acc] = layer
    sim.dispatches += 1
    heappush(sim.heap, (finish, PRIO_COMPLETE, next(sim.seq), KIND_COMPLETE, acc))
    if sim.record:
        sim.log.append((acc, job._id, layer, now, start, finish, variant))


def _index(sim: Simulator, d: tuple, acc: Any) -> int:
    try:
        return operator.index(acc)  # numpy integers are fine
    except TypeError:
        raise _bad(sim, d, f"no accelerator {acc!r}") from None


def _why_not_ready(job: Job, layer: Any) -> str:
    if type(layer) is not int or not 0 <= layer < job._costs.num_layers:
        return f"layer {layer!r} of job {job._id} is no such layer"
    if job._acc_of[layer] >= 0:
        return f"layer {layer} of job {job._id} is already dispatched"
    return f"layer {layer} of job {job._id} is not ready"
