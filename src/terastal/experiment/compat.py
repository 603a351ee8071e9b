"""Compatibility profiles: a spec whose ``compat`` is set runs that profile's own engine.

A profile reproduces another simulator on its own inputs (``compat="xrbench"``:
XRBench-MAESTRO, :mod:`terastal.xrbench`). It is one more field of a run's spec: the
commands, the sweep and the API build a :class:`~terastal.experiment.RunSpec` with
``compat=...`` and call :func:`terastal.experiment.run` / :func:`~terastal.experiment.compare`
as for every other run; those hand the spec to the profile here. The profile brings its own
policy and horizon semantics, so the spec's scheduler options and plan do not apply (a spec
that sets them is refused), ``duration_s`` is the profile's release horizon, and its extra
output files (XRBench's ``schedule.csv`` and ``summary.csv``) come back in
:attr:`RunOutcome.files <terastal.experiment.RunOutcome>`.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Sequence
from typing import Any

from terastal.errors import InputError

__all__ = [
    "COMPAT_PROFILES",
    "check_compat",
    "default_duration_s",
    "profile_cost_model",
    "profile_scheduler",
    "run_profile",
    "summarize_profile",
]

#: Profiles accepted by ``RunSpec.compat``, ``--compat`` and a grid's ``compat`` key.
COMPAT_PROFILES = ("xrbench",)
#: Release horizon of a run that does not name one: XRBench's ``RunWorkloads`` uses 700 ms.
_HORIZON_S = {"xrbench": 0.7}
#: Default release horizon of the default profile (``--duration-ms``).
DEFAULT_DURATION_S = 1.0


def check_profile(name: Any) -> str:
    """``name`` if it is a known profile, else an :class:`InputError` naming ``--compat``."""
    if name not in COMPAT_PROFILES:
        raise InputError(f"--compat must be one of {', '.join(COMPAT_PROFILES)}, got {name!r}")
    return name


def default_duration_s(compat: str | None) -> float:
    """The release horizon when none is given: 1 s, or the profile's own (XRBench: 0.7 s)."""
    return DEFAULT_DURATION_S if compat is None else _HORIZON_S[check_profile(compat)]


def profile_scheduler(compat: str, given: str | None = None, flag: str = "--scheduler") -> str:
    """The label of the profile's one policy (XRBench: ``xrbench_latency_greedy``).

    Parameters
    ----------
    compat : str
        The profile.
    given : str or None
        Scheduler(s) the user named with ``flag``. The profile's engine runs its own policy
        and no other, so a named scheduler is refused rather than silently replaced.
    flag : str
        The flag that named ``given``, for the error.

    Raises
    ------
    InputError
        On an unknown profile, or if ``given`` is not ``None``.
    """
    from terastal.xrbench.run import POLICY

    check_profile(compat)
    if given is not None:
        raise InputError(
            f"does not apply under --compat {compat} (the profile runs its own policy, "
            f"{POLICY}), got {given!r}",
            field=flag,
        )
    return POLICY


def check_compat(spec) -> None:
    """Refuse a profile spec that sets what the profile does not use (options, a plan file)."""
    from terastal.experiment.case import AUTO

    check_profile(spec.compat)
    if spec.options:
        raise InputError(
            f"scheduler options do not apply under --compat {spec.compat} (the profile "
            "runs its own policy)",
            field="--option",
        )
    if spec.plan not in (AUTO, None):
        raise InputError(f"a plan does not apply under --compat {spec.compat}", field="--plan")
    if spec.late != "scheduler":
        raise InputError(f"does not apply under --compat {spec.compat}", field="--late")
    if spec.load_scale != 1.0:
        raise InputError(f"does not apply under --compat {spec.compat}", field="load_scale")


def profile_cost_model(cost_model: Any) -> Any:
    """The cost source of an XRBench-profile run for a spec's ``cost_model``.

    The profile's default is XRBench's own per-model table (``"xrbench"``); the default spec
    of every command (``"analytical"``) therefore means that table here. Any other spec
    (``"analytical:mode=xrbench"``, ``"table:path=..."``) is used as given.
    """
    from terastal.xrbench.costs import TABLE_SOURCE

    return TABLE_SOURCE if cost_model in (None, "", "analytical") else cost_model


def _name(value: Any) -> Any:
    return os.fspath(value) if isinstance(value, os.PathLike) else value


def run_profile(spec):
    """Run ``spec`` (``spec.compat`` set) on its profile's engine.

    Returns
    -------
    RunOutcome
        ``result`` is the profile's run (:class:`terastal.xrbench.XRBenchRun`), ``metrics``
        :func:`terastal.xrbench.to_metrics` of it, ``load`` ``None`` and ``files`` XRBench's
        ``schedule.csv`` and ``summary.csv``.
    """
    from terastal.experiment.run import RunOutcome
    from terastal.xrbench.compat import schedule_csv, summary_csv
    from terastal.xrbench.run import run_xrbench, to_metrics

    check_compat(spec)
    run = run_xrbench(
        _name(spec.scenario),
        _name(spec.platform),
        seed=spec.seed,
        cost_model=profile_cost_model(spec.cost_model),
        horizon_ms=spec.duration_s * 1e3,
    )
    metrics = to_metrics(run)
    if spec.label is not None:
        metrics["scheduler"] = spec.label
    files = {"schedule.csv": schedule_csv(run), "summary.csv": summary_csv(run)}
    return RunOutcome(run, metrics, None, files)


def summarize_profile(runs: Sequence[dict]) -> dict:
    """XRBench's scores of one profile's runs (one per seed), as ``compare`` reports them.

    Per-seed scores, their mean and (population) standard deviation, and per-model means of
    RT, energy, UX and score over the seeds where the model was logged.
    """
    seeds = [r["seed"] for r in runs]
    scores = [r["xrbench_score"] for r in runs]
    per_model: dict[str, list[dict]] = {}
    for r in runs:
        for name, m in r["xrbench"].items():
            per_model.setdefault(name, []).append(m)
    return {
        "xrbench_score": {str(s): v for s, v in zip(seeds, scores, strict=True)},
        "xrbench_score_mean": statistics.fmean(scores),
        "xrbench_score_std": statistics.pstdev(scores),
        "xrbench": {
            name: {k: statistics.fmean(m[k] for m in ms) for k in ("rt", "energy", "ux", "score")}
            | {"runs_logged": len(ms)}
            for name, ms in sorted(per_model.items())
        },
    }
