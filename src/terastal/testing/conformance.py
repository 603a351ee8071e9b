"""``check_scheduler``: the conformance suite every scheduler must pass.

Like scikit-learn's ``check_estimator``: call it with a factory (a zero-argument callable
returning a fresh scheduler, e.g. the class, or ``lambda: make_scheduler("edf")``) and it
raises :class:`ConformanceError` naming the first failed check. The cases are small random
scenarios with hand-set numbers (:mod:`terastal.sim.synthetic`), so the suite needs no cost
model and runs in about a second.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from terastal.errors import ContractError
from terastal.model.job import IN_TIME
from terastal.sim.api import simulate
from terastal.sim.invariants import InvariantError, check_invariants
from terastal.sim.result import SimResult
from terastal.sim.synthetic import random_case

Factory = Callable[[], Any]


class ConformanceError(AssertionError):
    """A scheduler failed a conformance check."""


def _fingerprint(result: SimResult) -> tuple:
    return (
        tuple(result.log),
        tuple((j.task.name, j.frame, j.status, j.finish, j.variants) for j in result.counted_jobs),
        result.counted,
    )


def _run(factory: Factory, case_seed: int, *, late: str, scheduler: Any = None, **case_kw):
    scenario, platform, tables = random_case(case_seed, **case_kw)
    sched = scheduler if scheduler is not None else factory()
    result = simulate(scenario, platform, tables, sched, duration_s=0.5, seed=case_seed, late=late)
    check_invariants(result)
    return result


def check_protocol(factory: Factory) -> None:
    """The object has a ``decide`` method and a string ``name``."""
    sched = factory()
    if not callable(getattr(sched, "decide", None)):
        raise AssertionError("scheduler has no decide(view) method")
    if not isinstance(getattr(sched, "name", None), str):
        raise AssertionError("scheduler has no string 'name'")


def check_completes_underloaded(factory: Factory) -> None:
    """At 15 % load, with deadlines of one period and cheap transfers, every job is in time.

    Runs under the ``keep`` and ``scheduler`` policies, on one to four accelerators, with
    chains, fork-joins and cascades.
    """
    for seed in range(4):
        for late in ("keep", "scheduler"):
            kw = {"load": 0.15, "deadlines": False, "max_out_bytes": 1.0e3}
            kw["num_accelerators"] = 1 + seed % 4
            result = _run(factory, 100 + seed, late=late, **kw)
            jobs = result.counted_jobs
            bad = [j for j in jobs if j.status != IN_TIME]
            if not jobs:
                raise AssertionError("the under-loaded case released no job")
            if bad:
                raise AssertionError(
                    f"{len(bad)} of {len(jobs)} jobs not in time on an under-loaded "
                    f"system (seed {100 + seed}, late={late}); first: {bad[0]!r}"
                )


def check_overload_all_policies(factory: Factory) -> None:
    """At 160 % load every late policy runs without contract errors or broken invariants."""
    for seed in range(3):
        for late in ("keep", "drop", "scheduler"):
            _run(factory, 200 + seed, late=late, load=1.6, num_accelerators=2 + seed % 2)


def check_deterministic(factory: Factory) -> None:
    """Two fresh instances, and one instance run twice, give identical schedules."""
    for late in ("scheduler", "drop"):
        a = _fingerprint(_run(factory, 300, late=late, load=0.9))
        b = _fingerprint(_run(factory, 300, late=late, load=0.9))
        if a != b:
            raise AssertionError(f"two fresh instances scheduled differently (late={late})")
        sched = factory()
        c = _fingerprint(_run(factory, 300, late=late, load=0.9, scheduler=sched))
        d = _fingerprint(_run(factory, 300, late=late, load=0.9, scheduler=sched))
        if not a == c == d:
            raise AssertionError(f"a reused instance scheduled differently (late={late})")


CHECKS: tuple[Callable[[Factory], None], ...] = (
    check_protocol,
    check_completes_underloaded,
    check_overload_all_policies,
    check_deterministic,
)


def iter_checks() -> Iterator[Callable[[Factory], None]]:
    """Every check, e.g. for ``pytest.mark.parametrize``."""
    yield from CHECKS


def check_scheduler(factory: Factory, *, name: str | None = None) -> None:
    """Run every conformance check on ``factory``.

    Parameters
    ----------
    factory : callable
        Returns a fresh scheduler on each call.
    name : str, optional
        Label for error messages (default: the scheduler's ``name``).

    Raises
    ------
    ConformanceError
        Naming the scheduler and the failed check; the original error is chained.
    """
    label = name or str(getattr(factory(), "name", factory))
    for check in CHECKS:
        try:
            check(factory)
        except (AssertionError, ContractError, InvariantError) as exc:
            raise ConformanceError(f"scheduler {label!r} failed {check.__name__}: {exc}") from exc
