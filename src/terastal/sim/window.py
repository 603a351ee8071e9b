"""The engine's bookkeeping of the measurement window: which jobs count, and what is still open.

A run counts the frames released before the horizon; periodic releases go on after it as
load only (:mod:`terastal.model.window`). The engine stops at the first instant when no
counted work is open: no counted periodic release still to come, and no counted job active
(a completed counted job's triggered children are counted, and open until they end). The
run loop reads :attr:`CountedWork.open` at each instant; compiled (``window.pxd``), that is
a C integer compare.
"""

from __future__ import annotations

from terastal.errors import ContractError


class CountedWork:
    """Per job, whether it is counted; and how much counted work is open.

    Parameters
    ----------
    releases : sequence of int
        Per task, its counted periodic releases (``Arrivals.counted``): open from the start.

    Attributes
    ----------
    open : int
        Counted periodic releases still to come plus counted jobs released and not ended.
    flags : bytearray
        Per job id, 1 when the job is counted, 0 when it is load only.
    """

    def __init__(self, releases) -> None:
        self.open = sum(releases)
        self.flags = bytearray()

    def add(self, counted: bool, cascaded: bool) -> None:
        """Flag the next job (ids are consecutive). A counted cascaded job opens work; a
        counted periodic job was open already, as a release to come."""
        self.flags.append(1 if counted else 0)
        if counted and cascaded:
            self.open += 1

    def close(self, job_id: int) -> bool:
        """A job ended: close it if it is counted. Returns whether it is (its children are)."""
        if self.flags[job_id]:
            self.open -= 1
            return True
        return False


def stop(sim) -> bytes:
    """End ``sim``'s run: its counted flags, once the stop is checked and the busy times cut.

    Raises :class:`~terastal.errors.ContractError` when counted work is still open: the
    loop ran out of events (no release, no completion, no deadline) before it closed, so the
    scheduler left ready counted work, or work that would make it ready, undispatched.
    """
    flags = sim.work.flags
    if sim.work.open:
        left = [j for j in sim.active if flags[j._id]]
        first = f" (first {left[0]!r})" if left else ""
        raise ContractError(
            f"scheduler {sim.name!r} stalled at t={sim.now:.9g}s: {len(left)} counted "
            f"job(s) unfinished{first} with no event pending and "
            f"{sum(sim.idle)} idle accelerator(s)"
        )
    clip_in_flight(sim, sim.now)
    return bytes(flags)


def clip_in_flight(sim, now: float) -> None:
    """Take out of ``sim``'s busy and reserved times what the layers still in flight at the
    stop would spend after ``now``: the run's span ends there, and utilization (busy time
    over the span) must stay within it. A layer computes during its last ``latency``
    seconds before ``free_at``; the reserved time runs from dispatch to ``free_at``."""
    for acc, job in enumerate(sim.running_job):
        if job is None or sim.idle[acc]:
            continue
        layer, finish = sim.running_layer[acc], sim.free_at[acc]
        costs = job._costs
        variant = layer in job._variants
        lat = (costs.var_latency_s if variant else costs.latency_s)[layer][acc]
        after = finish - now
        sim.busy_s[acc] -= min(lat, after)
        sim.reserved_s[acc] -= after
