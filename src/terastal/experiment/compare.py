"""Several runs on identical arrivals (same seeds), summarized side by side."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from terastal.experiment.cache import CaseCache
from terastal.experiment.case import prepare
from terastal.experiment.run import RunSpec, check_spec, make_policy, run
from terastal.experiment.work import check_work

__all__ = ["check_specs", "compare"]


def check_specs(specs: Mapping[str, RunSpec], cache: CaseCache | None = None) -> None:
    """Check the work guard and build every policy once (bad options, plans and runs too big
    fail before any run)."""
    for spec in specs.values():
        if spec.compat is not None:
            check_spec(spec)
            continue
        prepared = prepare(spec.case, cache)
        check_work(spec, prepared)
        make_policy(spec, prepared)


def compare(
    specs: Mapping[str, RunSpec],
    seeds: Sequence[int],
    *,
    on_run: Callable[[str, int, dict], None] | None = None,
    cache: CaseCache | None = None,
    max_jobs: float | None = None,
) -> dict:
    """Run every spec for every seed; the same seed gives every run the same arrivals.

    Parameters
    ----------
    specs : mapping of str to RunSpec
        Label to spec; the specs should share their case (scenario, platform, cost model,
        load scale) for the comparison to mean anything. Each spec's ``seed`` is replaced.
    seeds : sequence of int
        Seeds, run in order.
    on_run : callable, optional
        Called with ``(label, seed, metrics)`` after each run (progress, saving runs).
    cache : CaseCache, optional
        Where tables and plans are kept.
    max_jobs : float, optional
        The work guard's job ceiling of every run (default: each spec's ``max_jobs``); every
        run is checked (:func:`~terastal.experiment.work.check_work`) before the first starts.

    Returns
    -------
    dict
        ``scenario``, ``platform``, ``duration_s``, ``seeds``, ``late_policy`` and
        ``schedulers.{label}`` = :func:`terastal.metrics.compare.summarize` of its runs.
        Specs of a compatibility profile (``compat`` set, one spec) give the profile's
        summary instead: ``profile``, ``scenario``, ``platform``, ``policy``, ``seeds`` and
        :func:`terastal.experiment.compat.summarize_profile` of the runs.
    """
    from terastal.metrics.compare import summarize

    if max_jobs is not None:
        specs = {label: spec.replace(max_jobs=max_jobs) for label, spec in specs.items()}
    first = next(iter(specs.values()))
    if first.compat is not None:
        return _compare_profile(specs, seeds, on_run)
    for spec in specs.values():  # a run too big fails before any other runs
        check_work(spec, prepare(spec.case, cache))
    prepared = prepare(first.case, cache)
    out: dict[str, Any] = {
        "scenario": prepared.scenario.name,
        "platform": prepared.platform.name,
        "duration_s": first.duration_s,
        "seeds": list(seeds),
        "late_policy": first.late,
        "schedulers": {},
    }
    for label, spec in specs.items():
        out["schedulers"][label] = summarize(_runs(label, spec, seeds, on_run, cache))
    return out


def _runs(label, spec, seeds, on_run, cache=None) -> list[dict]:
    runs = []
    for seed in seeds:
        metrics = run(spec.replace(seed=seed, label=label), cache=cache).metrics
        runs.append(metrics)
        if on_run is not None:
            on_run(label, seed, metrics)
    return runs


def _compare_profile(specs, seeds, on_run) -> dict:
    from terastal.errors import InputError
    from terastal.experiment.compat import summarize_profile

    if len(specs) != 1 or not seeds:
        raise InputError("a compatibility profile compares one policy over seeds")
    ((label, spec),) = specs.items()
    runs = _runs(label, spec, seeds, on_run)
    head = {"profile": spec.compat, "scenario": runs[0]["scenario"]}
    head |= {"platform": runs[0]["platform"], "policy": runs[0]["scheduler"]}
    return head | {"seeds": list(seeds)} | summarize_profile(runs)
