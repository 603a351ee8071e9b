"""Validation of one scheduler decision, with a clear error for a bad one.

The engine's run loop sends well-formed dispatches straight to its one dispatch application
(``Simulator.apply``) after a few cheap checks; drops, unusual types and contract violations
come here, where every check runs in the same order (so a bad decision raises the same
:class:`~terastal.errors.ContractError` whichever path it took) before the same application.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any

from terastal.errors import ContractError
from terastal.model.job import ACTIVE, Job

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
    if variant and job._costs.var_latency_s[layer] is None:
        raise _bad(sim, d, f"layer {layer} of task {job._costs.task.name!r} has no variant")
    sim.apply(job, layer, acc, variant, sim.now)


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
