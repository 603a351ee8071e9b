"""Every registered scheduler passes the conformance suite; broken ones are caught."""

import random
from importlib.metadata import EntryPoint

import pytest

from terastal.schedulers import Scheduler, available_schedulers, make_scheduler, registry
from terastal.testing.conformance import ConformanceError, check_scheduler, iter_checks

VARIANTS = [(name, {}) for name in available_schedulers()] + [
    (name, {"mapping": "earliest_finish"}) for name in ("fcfs", "edf", "rm", "lst")
]


@pytest.mark.parametrize(("name", "options"), VARIANTS, ids=[f"{n}{o or ''}" for n, o in VARIANTS])
def test_registered_scheduler_conforms(name, options):
    check_scheduler(lambda: make_scheduler(name, **options))


def test_all_bundled_baselines_are_registered():
    assert {"fcfs", "edf", "dream", "rm", "lst", "heft"} <= set(available_schedulers())


class Idle(Scheduler):
    name = "idle"

    def decide(self, view):
        return []


class OneAccelerator(Scheduler):
    name = "one"

    def decide(self, view):
        job = min(view.ready_jobs, key=lambda j: j.id)
        return [(job, job.next_layer, 0)] if view.is_idle(0) else []


class Coin(Scheduler):
    name = "coin"

    def decide(self, view):
        out, free = [], list(view.idle_accelerators)
        jobs = sorted(view.ready_jobs, key=lambda j: j.id)
        random.shuffle(jobs)
        for job in jobs:
            if free:
                out.append((job, job.next_layer, free.pop(random.randrange(len(free)))))
        return out


class AlwaysDrop(Scheduler):
    name = "dropper"

    def decide(self, view):
        return [(j,) for j in view.ready_jobs]


@pytest.mark.parametrize(
    ("factory", "check"),
    [
        (Idle, "check_completes_underloaded"),
        (AlwaysDrop, "check_completes_underloaded"),
        (Coin, "check_deterministic"),
    ],
)
def test_broken_schedulers_are_caught(factory, check):
    with pytest.raises(ConformanceError, match=check):
        check_scheduler(factory)


def test_error_names_the_scheduler():
    with pytest.raises(ConformanceError, match="'one'"):
        check_scheduler(OneAccelerator)
    assert next(iter_checks()).__name__ == "check_protocol"


def test_entry_point_schedulers_are_found(monkeypatch):
    ep = EntryPoint("third_party", "terastal.schedulers.edf:EDF", registry.ENTRY_POINT_GROUP)
    monkeypatch.setattr(registry, "entry_points", lambda group: [ep] if group == ep.group else [])
    assert "third_party" in available_schedulers()
    assert make_scheduler("third_party").name == "edf"


def test_runtime_registration(monkeypatch):
    monkeypatch.setattr(registry, "_registered", {})
    registry.register_scheduler("idle", Idle)
    assert "idle" in available_schedulers()
    assert isinstance(make_scheduler("idle"), Idle)
