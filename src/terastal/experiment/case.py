"""A case: scenario, platform, cost model and load scale, prepared once for many runs.

:func:`prepare` resolves the inputs (bundled names, YAML paths or model objects) and returns a
:class:`Prepared` whose cost tables, automatic plan and offered load are built on first use
and kept in a :class:`~terastal.experiment.cache.CaseCache` under content keys, so the seeds
and schedulers of one case share one plan and one set of tables.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import terastal
from terastal.cost import BACKENDS, build_cost_tables, parse_cost_spec, resolve_cost_model
from terastal.errors import InputError
from terastal.experiment.cache import CaseCache, cache_key, fingerprint, sha256
from terastal.experiment.diskcache import TieredCache, default_cache, round_trips
from terastal.experiment.plans import check_plan, load_plan_file
from terastal.model import Platform, Scenario

__all__ = ["Case", "PlannerOptions", "Prepared", "cost_model_key", "prepare"]

AUTO = "auto"


@dataclass(frozen=True)
class PlannerOptions:
    """Options of the automatic plan (see :func:`terastal.planner.make_plan`).

    The defaults are make_plan's (``tests/test_experiment_cache.py`` checks they agree); every
    field is part of the plan's cache key, so a plan made with other options is never reused.
    """

    accuracy_loss: float = 0.02
    budgets: str = "lp"
    accuracy_ceiling: float | None = 0.08
    target_utilization: float | None = 0.9


@dataclass(frozen=True)
class Case:
    """What a run's costs and plan depend on.

    Attributes
    ----------
    scenario, platform : object, str or path
        Model objects, bundled names (``VR_gaming``, ``Dual_4K/WS_OS``) or YAML paths.
    cost_model : str or CostModel
        A spec for :func:`terastal.cost.resolve_cost_model` or a backend object.
    load_scale : float
        Multiplies every task's fps (implicit deadlines follow).
    planner : PlannerOptions
        Options of the automatic plan.
    """

    scenario: Any
    platform: Any
    cost_model: Any = "analytical"
    load_scale: float = 1.0
    planner: PlannerOptions = field(default_factory=PlannerOptions)


def _stamp(spec: str) -> tuple:
    """Size and modification time of each file a spec names (edited files are reloaded)."""
    out = []
    for part in str(spec).split(":"):
        try:
            st = os.stat(part)
            out.append((st.st_size, st.st_mtime_ns))
        except OSError:
            out.append(None)
    return tuple(out)


@lru_cache(maxsize=32)
def _load(kind: str, spec: str, stamp: tuple) -> Any:
    from terastal.io import load_platform, load_scenario

    return load_scenario(spec) if kind == "scenario" else load_platform(spec)


def _resolve(kind: str, spec: Any, cls: type) -> Any:
    if isinstance(spec, cls):
        return spec
    if not isinstance(spec, str | os.PathLike):
        raise InputError(f"expected a {kind} name, path or object, got {type(spec).__name__}")
    return _load(kind, os.fspath(spec), _stamp(os.fspath(spec)))


def _bundled(kind: str, spec: Any, cache: CaseCache) -> Any:
    """A bundled scenario or platform (a name, not a path) through the on-disk cache, or
    ``None`` for anything else.

    Parsing their MAESTRO files is most of a warm run's set-up (about 20 ms for a scenario,
    5 ms for a platform, with the imports of :mod:`terastal.io`); the entry is keyed by the
    name, the package's code stamp (which covers its data files) and its directory (a
    scenario records its file's path). Paths and objects are not cached here: a YAML file may
    name other files, which the key would have to cover.
    """
    if not isinstance(cache, TieredCache) or not _is_name(kind, spec):
        return None
    key = cache_key(kind, name=spec, package=os.path.dirname(terastal.__file__))
    value = cache.get(key)
    if value is None:
        value = _resolve(kind, spec, Scenario if kind == "scenario" else Platform)  # may fail
        if round_trips(kind, value):
            cache.put(key, value)
    return value


def _is_name(kind: str, spec: Any) -> bool:
    """Whether ``spec`` can only be a bundled name, as :mod:`terastal.io.resolve` tells them.

    A scenario name has no separator and no suffix. A platform name is ``HW/DATAFLOW``: one
    ``/`` between two such parts; the resolver takes that form for a bundled platform (or
    fails) whatever files exist, so a successful load of it is always the bundled one.
    """
    if not isinstance(spec, str):
        return False
    if kind == "scenario":
        return not _is_path(spec)
    hw, sep, df = spec.partition("/")
    return bool(sep and hw and df) and ":" not in spec and not (_is_path(hw) or _is_path(df))


def _is_path(spec: str) -> bool:
    # As terastal.io.resolve tells names from paths: a name has no separator and no suffix.
    return "/" in spec or os.sep in spec or bool(Path(spec).suffix)


@lru_cache(maxsize=8)
def _backend(spec: str) -> Any:
    """One backend per spec and process, so that its caches serve every run of the process."""
    return resolve_cost_model(spec)


def _file_digest(value: Any) -> str | None:
    p = Path(str(value))
    if not p.is_file():
        return None
    return sha256(p.read_bytes()).hexdigest()


def cost_model_key(spec: Any, model: Any) -> str:
    """Content key of a cost model: its canonical spec (with the digest of any file it reads)
    and its type; an object without a spec is keyed by its ``fingerprint`` attribute, else by
    its identity (valid in this process only)."""
    kind = f"{type(model).__module__}.{type(model).__qualname__}"
    if spec is None or isinstance(spec, str):
        name, sep, rest = (spec or "analytical").partition(":")
        if sep and "=" not in rest and name.strip().lower() not in BACKENDS:
            return f"{spec}|{kind}"  # module:attr of another package
        name, opts = parse_cost_spec(spec or "analytical")
        files = {k: _file_digest(v) for k, v in sorted(opts.items()) if isinstance(v, str)}
        return f"{name.lower()}|{sorted(opts.items())}|{files}|{kind}"
    own = getattr(model, "fingerprint", None)
    return f"{kind}|{own}" if isinstance(own, str) else f"{kind}@{id(model)}"


def _persistent(spec: Any, model: Any) -> bool:
    """Whether artefacts of this cost model may outlive the process: a bundled backend's spec
    or an object with a ``fingerprint``; not an object keyed by identity, nor another package's
    ``module:attr`` (whose code can change without changing the key)."""
    if spec is None or isinstance(spec, str):
        name, sep, rest = (spec or "analytical").partition(":")
        return not sep or "=" in rest or name.strip().lower() in BACKENDS
    return isinstance(getattr(model, "fingerprint", None), str)


class Prepared:
    """A resolved case: its inputs, and its tables and plans built on demand.

    Attributes
    ----------
    scenario : Scenario
        The scenario, load scale applied.
    platform : Platform
    cost_model : CostModel
    case : Case
        What it was prepared from.
    """

    def __init__(self, case: Case, cache: CaseCache) -> None:
        sc = _bundled("scenario", case.scenario, cache)
        if sc is None:
            sc = _resolve("scenario", case.scenario, Scenario)
        if case.load_scale != 1.0:
            from terastal.workloads import scale_rates

            sc = scale_rates(sc, float(case.load_scale))
        self.case = case
        self.scenario: Scenario = sc
        pf = _bundled("platform", case.platform, cache)
        if pf is None:
            pf = _resolve("platform", case.platform, Platform)
        self.platform: Platform = pf
        spec = case.cost_model
        self.cost_model = _backend(spec) if isinstance(spec, str) else resolve_cost_model(spec)
        self._parts = {
            "scenario": fingerprint(self.scenario),
            "platform": fingerprint(self.platform),
            "cost_model": cost_model_key(case.cost_model, self.cost_model),
        }
        if isinstance(cache, TieredCache) and not _persistent(case.cost_model, self.cost_model):
            cache = cache.memory
        self._cache = cache

    def memo(self, kind: str, build: Callable[[], Any], **parts: Any) -> Any:
        """``build()``, cached under ``kind`` and this case's content with ``parts`` (what a
        derived artefact, such as tables, a plan or a calibration's choice, is made from
        beyond the case)."""
        key = cache_key(kind, **self._parts, **parts)
        value = self._cache.get(key)
        if value is None:
            value = build()
            self._cache.put(key, value)
        return value

    def tables(self, plan: Any = None) -> dict:
        """Cost tables; with ``plan``, including its variant shapes."""
        shapes = plan.variant_shapes() if plan is not None else None
        return self.memo(
            "tables",
            lambda: build_cost_tables(self.scenario, self.platform, self.cost_model, shapes),
            shapes=fingerprint(shapes) if shapes else None,
        )

    def auto_plan(self) -> Any:
        """The plan :func:`terastal.planner.make_plan` makes for this case (cached)."""
        opts = self.case.planner

        def build() -> Any:
            from terastal.planner import make_plan  # only on a miss (its imports: start-up)

            return make_plan(
                self.scenario,
                self.platform,
                self.cost_model,
                accuracy_loss=opts.accuracy_loss,
                budgets=opts.budgets,
                accuracy_ceiling=opts.accuracy_ceiling,
                target_utilization=opts.target_utilization,
            )

        return self.memo(
            "plan",
            build,
            planner=[
                opts.accuracy_loss,
                opts.budgets,
                opts.accuracy_ceiling,
                opts.target_utilization,
            ],
        )

    def plan(self, source: Any) -> Any:
        """The plan named by ``source``: ``"auto"``, a plan file, a Plan object or ``None``.

        A plan file or object is checked against this case (:func:`check_plan`).

        Parameters
        ----------
        source : str, path-like, Plan or None
            ``"auto"``: :meth:`auto_plan`; any other string or a path: a plan file.

        Returns
        -------
        Plan or None
            None for a ``None`` source.
        """
        if source is None:
            return None
        if isinstance(source, str) and source == AUTO:
            return self.auto_plan()
        if not isinstance(source, str | os.PathLike):
            check_plan(source, self.scenario, self.platform, self.cost_model)
            return source
        plan = load_plan_file(source)
        try:
            check_plan(plan, self.scenario, self.platform, self.cost_model)
        except InputError as exc:
            raise InputError(exc.message, file=os.fspath(source)) from None
        return plan

    def load(self, plan: Any = None) -> dict[str, float]:
        """Offered load of the case (:func:`terastal.workloads.measure_load`) as columns."""
        from terastal.workloads import measure_load

        tables = self.tables(plan)
        m = self.memo(
            "load",
            lambda: measure_load(self.scenario, tables),
            shapes=fingerprint(plan.variant_shapes()) if plan is not None else None,
        )
        return {
            "utilization": float(m.utilization),
            "skew": float(m.skew),
            "preferred_load_max": float(max(m.preferred_load)),
        }


def prepare(case: Case, cache: CaseCache | None = None) -> Prepared:
    """Resolve ``case``'s inputs; tables and plans are then built once per content key.

    Parameters
    ----------
    case : Case
    cache : CaseCache, optional
        Default: :func:`~terastal.experiment.diskcache.default_cache` (the process's memory
        cache in front of the on-disk cache, unless ``TERASTAL_NO_CACHE`` is set).

    Returns
    -------
    Prepared
    """
    return Prepared(case, default_cache() if cache is None else cache)
