"""The incremental preferred-mapping queues decide exactly like sorting every ready job."""

from typing import ClassVar

import pytest

from terastal.cost.tables import TaskCostTable
from terastal.schedulers import Scheduler, _list, make_scheduler
from terastal.schedulers._finish_queues import FinishQueues
from terastal.schedulers._hopeless import DropQueue
from terastal.schedulers._mapping import PreferredQueues, map_earliest_finish, map_preferred
from terastal.sim import simulate
from terastal.sim.synthetic import random_case

KEYS = {
    "fcfs": lambda view: lambda j: j.id,
    "edf": lambda view: lambda j: (j.deadline, j.id),
    "rm": lambda view: lambda j: (view.scenario.tasks[j.task_index].period_s, j.id),
    "lst": lambda view: lambda j: (j.deadline - j.costs.rem_min[j.next_layer], j.id),
}


class SortedReference(Scheduler):
    """The plain algorithm: sort all ready jobs, then map each to its preferred core."""

    name = "reference"
    options: ClassVar[dict] = {"policy": "edf"}

    def reset(self, view):
        self._key = KEYS[self.policy](view)

    def decide(self, view):
        return map_preferred(view, sorted(view.ready_jobs, key=self._key))


def _with_twins(tables):
    """Make every accelerator but the last a copy of accelerator 0 (identical cores)."""
    out = {}
    for name, t in tables.items():
        cols = {}
        for field in ("latency_s", "energy_j", "var_latency_s", "var_energy_j"):
            a = getattr(t, field).copy()
            a[:, :-1] = a[:, :1]
            cols[field] = a
        out[name] = TaskCostTable(name, out_bytes=t.out_bytes.copy(), **cols)
    return out


def _overloaded_cases():
    """``(seed, scenario, platform, tables, late)``: 12 random overloaded cases (chains,
    fork-join DAGs, cascades, transfers; twin cores in every other one) under two late
    policies."""
    for seed in range(12):
        sc, pf, tb = random_case(
            seed, num_tasks=2 + seed % 4, num_accelerators=1 + seed % 4, load=1.6
        )
        if seed % 2:
            tb = _with_twins(tb)
        for late in ("scheduler", "drop"):
            yield seed, sc, pf, tb, late


def _fingerprint(result):
    jobs = [(j.id, j.status, j.finish, j.energy_j) for j in result.counted_jobs]
    return result.log, jobs, len(result.decision_ns)


def _build_with_small(monkeypatch, cls, small: int) -> None:
    """Make the list policies build their ``cls`` queues with switch-over ``small``.

    By a subclass rather than by editing ``cls.__init__.__defaults__``: a compiled ``__init__``
    (the optional accelerator) ignores its ``__defaults__``.
    """

    def init(self, key, small=small):
        cls.__init__(self, key, small)

    monkeypatch.setattr(_list, cls.__name__, type(cls.__name__, (cls,), {"__init__": init}))


@pytest.mark.parametrize("policy", sorted(KEYS))
@pytest.mark.parametrize("small", [0, 8])
def test_preferred_queues_match_the_sorted_scan(policy, small, monkeypatch):
    # small=0 sends every decision through the heaps; 8 is the default switch-over
    _build_with_small(monkeypatch, PreferredQueues, small)
    for seed, sc, pf, tb, late in _overloaded_cases():
        got = simulate(sc, pf, tb, make_scheduler(policy), duration_s=0.5, late=late)
        ref = simulate(sc, pf, tb, SortedReference(policy=policy), duration_s=0.5, late=late)
        assert _fingerprint(got) == _fingerprint(ref), (policy, seed, late)


def test_ready_changes_report_every_newly_ready_job():
    sc, pf, tb = random_case(3, num_tasks=4, num_accelerators=2, load=1.2)

    class Probe(Scheduler):
        name = "probe"

        def reset(self, view):
            self.before = set()

        def decide(self, view):
            ready = set(view.ready_jobs)
            changed = set(view.ready_changes)
            assert ready - self.before <= changed  # every job that became ready is reported
            out = map_preferred(view, sorted(ready, key=lambda j: j.id))
            self.before = ready - {d[0] for d in out if len(d[0].ready_layers) == 1}
            return out

    simulate(sc, pf, tb, Probe(), duration_s=0.3)


class ScanReference(Scheduler):
    """The plain earliest-finish algorithm: sort all ready jobs, then scan them all."""

    name = "reference-ef"
    options: ClassVar[dict] = {"policy": "edf"}

    def reset(self, view):
        self._key = KEYS_EF[self.policy](view)

    def decide(self, view):
        return map_earliest_finish(view, sorted(view.ready_jobs, key=self._key))


KEYS_EF = {**KEYS, "heft": lambda view: lambda j: (-j.costs.rem_mean[j.next_layer], j.id)}


@pytest.mark.parametrize("policy", sorted(KEYS_EF))
@pytest.mark.parametrize("small", [0, 8])
def test_finish_queues_match_the_full_scan(policy, small, monkeypatch):
    # Random chains and fork-join DAGs, cascades, transfers, twin cores; small=0 sends every
    # decision through the queues.
    _build_with_small(monkeypatch, FinishQueues, small)
    for seed, sc, pf, tb, late in _overloaded_cases():
        got = simulate(
            sc, pf, tb, make_scheduler(policy, mapping="earliest_finish"),
            duration_s=0.5, late=late,
        )  # fmt: skip
        ref = simulate(sc, pf, tb, ScanReference(policy=policy), duration_s=0.5, late=late)
        assert _fingerprint(got) == _fingerprint(ref), (policy, seed, late)


@pytest.mark.parametrize("mapping", ["earliest_finish", "preferred"])
@pytest.mark.parametrize("parents", ["keep", "drop"])
def test_queues_with_drops_match_the_scan_of_the_kept_jobs(mapping, parents, monkeypatch):
    # every decision through the queues; kept hopeless parents go last in both
    _build_with_small(monkeypatch, FinishQueues, 0)
    _build_with_small(monkeypatch, PreferredQueues, 0)
    scan = map_earliest_finish if mapping == "earliest_finish" else map_preferred

    class Reference(Scheduler):
        name = "reference-hopeless"

        def reset(self, view):
            self._drops = DropQueue("hopeless", parents == "keep")
            self._drops.reset(view)

        def decide(self, view):
            dropped = self._drops.due(view) if view.may_drop else []
            skip, late = set(dropped), self._drops.late
            jobs = sorted(
                (j for j in view.ready_jobs if j not in skip), key=lambda j: (j in late, j.id)
            )
            return [(j,) for j in dropped] + scan(view, jobs)

    drops = kept = 0
    for seed in range(8):
        sc, pf, tb = random_case(seed, num_tasks=3 + seed % 3, num_accelerators=2, load=1.8)
        sched = make_scheduler("fcfs", mapping=mapping, drop="hopeless", parents=parents)
        ref_sched = Reference()
        got = simulate(sc, pf, tb, sched, duration_s=0.5)
        ref = simulate(sc, pf, tb, ref_sched, duration_s=0.5)
        assert _fingerprint(got) == _fingerprint(ref), seed
        drops += sum(j.status == "dropped" for j in got.counted_jobs)
        kept += len(ref_sched._drops.late)
    assert drops  # the drop path was exercised
    assert (kept > 0) == (parents == "keep")  # and the kept-parent path
