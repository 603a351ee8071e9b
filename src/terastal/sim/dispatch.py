"""The engine's one dispatch application: start a checked layer on an idle accelerator.

A completion is not an event of the kernel's heap: each busy accelerator has exactly one
pending completion, at its ``free_at``, so the run loop finds the next completions by
scanning the accelerators (a few) instead of pushing and popping a heap tuple per dispatch.
``started`` orders simultaneous completions as the heap's sequence numbers did: by dispatch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

try:
    import cython  # the compiler needs this exact import
except ModuleNotFoundError:  # pragma: no cover - Cython is an optional extra
    from terastal._accel import _shadow as cython

from terastal.model.costs import TaskCosts, input_transfer_s

if TYPE_CHECKING:
    from terastal.model.job import Job
    from terastal.sim.engine import Simulator


class Dispatcher:
    """Starts layers for one run; holds the engine's per-accelerator lists, not copies.

    Compiled (``dispatch.pxd``), the engine's loop calls :meth:`apply` as a C method;
    ``Simulator.apply`` is its bound method, which ``sim/checked.py`` calls.

    Attributes
    ----------
    count : int
        Layers dispatched so far (the run's dispatch count, and the order of ``started``).
    started : list of int
        Per accelerator, the ``count`` at which its running layer was dispatched.
    """

    def __init__(self, sim: Simulator) -> None:
        self.idle, self.free_at = sim.idle, sim.free_at
        self.busy_s, self.reserved_s = sim.busy_s, sim.reserved_s
        self.running_job, self.running_layer = sim.running_job, sim.running_layer
        self.ready, self.changes = sim.ready, sim.changes
        self.bw = sim.bw
        # Plain rows: they become DispatchRecords when the result's log is read (DispatchLog).
        self.log = sim.log if sim.record else None
        self.started = [0] * sim.num_acc
        self.count = 0

    @cython.locals(costs=TaskCosts, acc_of=list, ready_layers=list, move=tuple)
    def apply(self, job: Job, layer: int, acc: int, variant: bool, now: float) -> None:
        """Start ``layer`` of ``job`` on ``acc`` at ``now`` (checked valid by the caller).

        Reserves the accelerator from now, moves the inputs (the one transfer rule,
        :func:`~terastal.model.costs.input_transfer_s`, tabulated for chains as
        ``chain_move_s``), runs the layer and records when it completes. Times are the same
        float operations, in the same order, as the rule's.
        """
        costs = job._costs
        if variant:
            lat = costs.var_latency_s[layer][acc]
            job._energy += costs.var_energy_j[layer][acc]
            job._variants = job._variants | {layer}
        else:
            lat = costs.latency_s[layer][acc]
            job._energy += costs.energy_j[layer][acc]
        acc_of = job._acc_of
        move = costs.chain_move_s
        if move is None:
            start = now + input_transfer_s(self.bw, costs, acc_of, layer, acc)
        elif layer and acc_of[layer - 1] != acc:
            start = now + move[layer]
        else:
            start = now + 0.0
        finish = start + lat
        ready_layers = job._ready
        if len(ready_layers) == 1:
            ready_layers.clear()
            del self.ready[job]
        else:
            ready_layers.remove(layer)
            self.changes.append(job)
        acc_of[layer] = acc
        job._running += 1
        self.idle[acc] = False
        self.free_at[acc] = finish
        self.busy_s[acc] += lat
        self.reserved_s[acc] += finish - now
        self.running_job[acc] = job
        self.running_layer[acc] = layer
        self.started[acc] = self.count
        self.count += 1
        if self.log is not None:
            self.log.append((acc, job._id, layer, now, start, finish, variant))
