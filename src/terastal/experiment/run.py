"""A run from its spec: case → cost tables → plan → policy → simulation → metrics."""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, NamedTuple

from terastal.errors import InputError
from terastal.experiment.cache import CaseCache
from terastal.experiment.case import AUTO, Case, PlannerOptions, Prepared, prepare
from terastal.experiment.work import check_max_jobs, check_work
from terastal.model.work import MAX_JOBS
from terastal.seeds import check_seed

__all__ = [
    "Policy",
    "RunOutcome",
    "RunSpec",
    "check_spec",
    "make_policy",
    "run",
    "write_outcome",
]


@dataclass(frozen=True)
class RunSpec:
    """Everything one run depends on.

    Attributes
    ----------
    scenario, platform : object, str or path
        Model objects, bundled names or YAML paths.
    scheduler : str
        Registered scheduler name.
    options : mapping
        Scheduler options (validated by the scheduler; a ``plan`` entry is a plan source).
    plan : ``"auto"``, str, path, Plan or None
        ``"auto"``: the cached automatic plan when the scheduler needs one; a plan file or
        object (checked against the case); ``None``: no plan.
    cost_model : str or CostModel
        See :func:`terastal.cost.resolve_cost_model`.
    late : str
        Late-work policy (:data:`terastal.sim.LATE_POLICIES`).
    seed : int
        Seed of jitter and cascades.
    duration_s : float
        Horizon of the counted releases (releases go on after it as load only, see
        :mod:`terastal.model.window`).
    load_scale : float
        Multiplies every task's fps.
    record : bool
        Keep the dispatch log (needed for traces and ``jobs.csv``).
    label : str, optional
        Name of the run in its metrics (default: the scheduler's name).
    planner : PlannerOptions
        Options of the automatic plan.
    max_jobs : float
        The work guard's ceiling on the jobs of the run (the dispatch ceiling follows); a run
        estimated above it is refused before it starts (:func:`check_work`).
    compat : str, optional
        A compatibility profile (``"xrbench"``): the run is the profile's, on its own engine
        and policy (:mod:`terastal.experiment.compat`); ``scheduler`` is then only a label,
        ``duration_s`` the profile's horizon (XRBench's own is 0.7 s, not this field's 1 s
        default: ``default_duration_s("xrbench")``, as the commands use), and options,
        plan, late policy and load scale must keep their defaults. ``None``: terastal's engine.
    """

    scenario: Any
    platform: Any
    scheduler: str = "edf"
    options: Mapping[str, Any] = field(default_factory=dict)
    plan: Any = AUTO
    cost_model: Any = "analytical"
    late: str = "scheduler"
    seed: int = 0
    duration_s: float = 1.0
    load_scale: float = 1.0
    record: bool = True
    label: str | None = None
    planner: PlannerOptions = field(default_factory=PlannerOptions)
    max_jobs: float = MAX_JOBS
    compat: str | None = None

    @property
    def case(self) -> Case:
        """The part of the spec that tables and plans depend on."""
        return Case(self.scenario, self.platform, self.cost_model, self.load_scale, self.planner)

    def replace(self, **changes: Any) -> RunSpec:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)


class Policy(NamedTuple):
    """The scheduler object of a run and the plan it was given (``None``: none)."""

    scheduler: Any
    plan: Any


class RunOutcome(NamedTuple):
    """What a run produced: the engine's result, its metrics and the offered load.

    ``load`` is ``None`` unless asked for (see :func:`run`) and under a compatibility
    profile. ``files`` are the run's output files beyond those of every run (``metrics.json``,
    ``jobs.csv``, ``trace.json``), as ``{name: text}``: XRBench's ``schedule.csv`` and
    ``summary.csv`` under ``compat="xrbench"``, none otherwise (see :func:`write_outcome`).
    """

    result: Any
    metrics: dict
    load: dict | None
    files: Mapping[str, str] = MappingProxyType({})


def check_spec(spec: RunSpec) -> None:
    """Raise :class:`InputError` (naming the flag) for a spec no run can use."""
    from terastal.sim import LATE_POLICIES

    if spec.compat is not None:
        from terastal.experiment.compat import check_compat

        check_compat(spec)
    d = spec.duration_s
    if not (isinstance(d, int | float) and math.isfinite(d) and d > 0):
        got = f"{d * 1e3:g} ms" if isinstance(d, int | float) else repr(d)
        raise InputError(f"must be a finite number > 0, got {got}", field="--duration-ms")
    if spec.late not in LATE_POLICIES:
        raise InputError(
            f"must be one of {', '.join(LATE_POLICIES)}, got {spec.late!r}", field="--late"
        )
    if isinstance(spec.seed, bool) or not isinstance(spec.seed, int) or spec.seed < 0:
        raise InputError(f"must be a non-negative integer, got {spec.seed!r}", field="--seed")
    check_seed(spec.seed, field="--seed")
    if "calibrate" in spec.options:
        from terastal.experiment.calibrate import split_option

        split_option(spec.scheduler, spec.options)
    if not spec.load_scale > 0:
        raise InputError(f"must be > 0, got {spec.load_scale}", field="load_scale")
    check_max_jobs(spec.max_jobs)


def plan_source(spec: RunSpec) -> tuple[dict[str, Any], Any]:
    """The scheduler options without ``plan``, and the plan source of the run.

    A ``plan`` option (``-O plan=FILE`` or a Plan object from the API) is a plan source like
    ``--plan``; giving both is an error.

    Returns
    -------
    options : dict of str to Any
        ``spec.options`` without ``plan``.
    source : Any
        ``"auto"``, a plan file, a Plan object or None, as :meth:`Prepared.plan` takes it.
    """
    options = dict(spec.options)
    if "plan" not in options:
        return options, spec.plan
    given = options.pop("plan")
    if spec.plan not in (AUTO, None) and given is not None:
        raise InputError("the plan is given twice (--plan and the plan option)", field="plan")
    if isinstance(given, str) and given != AUTO and not given.strip():
        raise InputError("the plan option is empty", field="plan")
    return options, given


def make_policy(spec: RunSpec, prepared: Prepared) -> Policy:
    """The scheduler of ``spec``, handed its plan when the registry says it needs one.

    Parameters
    ----------
    spec : RunSpec
        The run; a plan given (:func:`plan_source`, other than ``"auto"``) to a scheduler
        that takes none is an error.
    prepared : Prepared
        Its resolved case, which builds or checks the plan.

    Returns
    -------
    Policy
        The scheduler object and the plan it was given (None for a scheduler without one).
    """
    from terastal.schedulers import make_scheduler, scheduler_info

    info = scheduler_info(spec.scheduler)
    options, source = plan_source(spec)
    if "calibrate" in options:  # the application layer's, not the policy's: the given mode
        from terastal.experiment.calibrate import split_option

        options = split_option(spec.scheduler, options)[0]
    if not info.needs_plan:
        if source not in (AUTO, None):
            raise InputError(f"scheduler {spec.scheduler!r} takes no plan", field="--plan")
        return Policy(make_scheduler(spec.scheduler, **options), None)
    if isinstance(source, os.PathLike):
        source = os.fspath(source)
    plan = prepared.plan(source)
    return Policy(make_scheduler(spec.scheduler, plan=plan, **options), plan)


def _let_signals_in(now: float) -> None:
    """The progress callback of a run nobody watches: a Python call every few thousand events.

    Signal handlers run only between Python bytecodes; an engine compiled by the optional
    accelerator (:mod:`terastal._accel`) executes none, so without this Ctrl-C would wait for
    the end of a long run.
    """


def _simulate(spec: RunSpec, prepared: Prepared, seed: int, progress=None) -> tuple[Policy, Any]:
    """``spec``'s policy and its simulation with ``seed`` (not range-checked: calibration
    draws lie above the run seeds' range on purpose, see :mod:`terastal.experiment.calibrate`)."""
    from terastal.sim import simulate

    policy = make_policy(spec, prepared)
    result = simulate(
        prepared.scenario, prepared.platform, prepared.tables(policy.plan), policy.scheduler,
        duration_s=spec.duration_s, seed=seed, late=spec.late, record=spec.record,
        progress=progress if progress is not None else _let_signals_in,
    )  # fmt: skip
    return policy, result


def _calibrated(spec: RunSpec, prepared: Prepared) -> tuple[RunSpec, Any]:
    """``spec`` with the mode its calibration chose (``None`` as the choice when it asks for
    no draws)."""
    from terastal.experiment.calibrate import choose, split_option
    from terastal.metrics import compute_metrics

    options, draws = split_option(spec.scheduler, spec.options)
    if not draws:
        return spec.replace(options=options), None

    def miss_rate(mode_spec: RunSpec, seed: int) -> float:
        policy, result = _simulate(mode_spec, prepared, seed)
        acc = getattr(policy.scheduler, "accuracy_loss", None)
        return float(compute_metrics(result, acc)["mean_miss_rate"])

    calibration = choose(spec, prepared, options, draws, miss_rate)
    return spec.replace(options=calibration.options), calibration


def run(
    spec: RunSpec,
    *,
    cache: CaseCache | None = None,
    prepared: Prepared | None = None,
    progress: Callable[[float], None] | None = None,
    with_load: bool = False,
) -> RunOutcome:
    """Run ``spec`` and compute its metrics.

    Parameters
    ----------
    spec : RunSpec
    cache : CaseCache, optional
        Where tables and plans are kept (default: the process's memory cache).
    prepared : Prepared, optional
        The spec's case, already prepared (saves resolving the inputs again).
    progress : callable, optional
        Called with the simulated time as the run advances.
    with_load : bool
        Also measure the offered load (:meth:`Prepared.load`).

    Returns
    -------
    RunOutcome
        ``metrics`` is what ``terastal simulate --out`` writes to ``metrics.json``.

    Raises
    ------
    InputError
        A spec no run can use (:func:`check_spec`), or a run above the work guard's ceilings
        (:func:`~terastal.experiment.work.check_work`), before anything is simulated.
    """
    from terastal.metrics import compute_metrics

    check_spec(spec)
    if spec.compat is not None:  # the profile's own engine, policy and scores
        from terastal.experiment.compat import run_profile

        return run_profile(spec)
    prepared = prepared if prepared is not None else prepare(spec.case, cache)
    check_work(spec, prepared)
    calibration = None
    if "calibrate" in spec.options:  # Terastal's mode chosen offline (experiment.calibrate)
        spec, calibration = _calibrated(spec, prepared)
    policy, result = _simulate(spec, prepared, spec.seed, progress)
    metrics = compute_metrics(result, getattr(policy.scheduler, "accuracy_loss", None))
    if calibration is not None:
        metrics["calibration"] = calibration.record()
    if spec.label is not None:
        metrics["scheduler"] = spec.label
    load = prepared.load(policy.plan) if with_load else None
    return RunOutcome(result, metrics, load)


def write_outcome(out_dir: str | os.PathLike[str], outcome: RunOutcome, *, trace: bool = True):
    """Write a run's files into ``out_dir`` (atomically; what ``terastal simulate --out`` does).

    ``metrics.json``, ``jobs.csv`` and (if ``trace``) ``trace.json`` of terastal's engine
    (:func:`terastal.metrics.write_run`), or ``metrics.json`` and the profile's files of a
    compatibility profile; plus ``outcome.files``. Outputs of an earlier run in the same
    directory that this one does not write are removed.
    """
    from terastal.metrics import write_run

    files = dict(outcome.files)
    if outcome.metrics.get("profile") is not None:
        return write_run(out_dir, None, outcome.metrics, extra_files=files)
    return write_run(out_dir, outcome.result, outcome.metrics, trace=trace, extra_files=files)
