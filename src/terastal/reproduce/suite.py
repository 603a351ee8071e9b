"""Workload suites: mixes of models x platforms x target utilizations x seeds (YAML)."""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from terastal.errors import InputError
from terastal.io.located import LocatedYaml, read_text
from terastal.model import Platform, Scenario, Task

_SUITE_KEYS = {
    "name", "platforms", "utilizations", "seeds", "duration_ms", "mixes", "quick", "cost_model",
    "schedulers",
}  # fmt: skip
_MIX_KEYS = {"name", "models", "scenario", "shares", "platforms"}
SHARES = ("equal", "nominal")
_DEFAULT_FPS = 30.0


@dataclass(frozen=True)
class Mix:
    """A set of models run together: a bundled scenario and/or extra models."""

    name: str
    models: tuple[str, ...] = ()
    scenario: str | None = None
    shares: str = "equal"
    platforms: tuple[str, ...] | None = None  # None: every platform of the suite
    # Drawn tasks of a random mix (``terastal.reproduce.random_mixes.DrawnTask``).
    drawn: tuple = ()


@dataclass(frozen=True)
class Suite:
    """What ``terastal reproduce`` runs."""

    name: str
    mixes: tuple[Mix, ...]
    platforms: tuple[str, ...]
    utilizations: tuple[float, ...]
    seeds: tuple[int, ...]
    duration_ms: float
    source: str
    cost_model: str | None = None  # a spec for ``terastal.cost.resolve_cost_model``
    # Labels run when the command names none (None: the default family; docs/design.md,
    # "The quick set's configurations").
    schedulers: tuple[str, ...] | None = None


def _fail(msg: str, source: str, field: str | None = None) -> InputError:
    return InputError(msg, file=source, field=field)


def _list(data: dict, key: str, source: str, kind: type) -> tuple:
    v = data.get(key)
    if not isinstance(v, list) or not v:
        raise _fail("must be a non-empty list", source, key)
    try:
        out = tuple(kind(x) for x in v)
    except (TypeError, ValueError, OverflowError):
        raise _fail(f"every entry must be a {kind.__name__}", source, key) from None
    if kind is not str and any(_bad_number(x, kind) for x in v):
        what = "a non-negative integer" if kind is int else "a finite number"
        raise _fail(f"every entry must be {what}", source, key)
    return out


def _seeds(fields: dict, source: str) -> tuple[int, ...]:
    """The suite's seeds: each once (a seed listed twice ran its points twice), none above
    :data:`terastal.model.MAX_SEED`."""
    from terastal.seeds import check_seed

    seeds = _list(fields, "seeds", source, int)
    if len(set(seeds)) != len(seeds):
        raise _fail(f"lists a seed twice: {list(seeds)}", source, "seeds")
    for i, seed in enumerate(seeds):  # the line is filled in from the field by the caller
        check_seed(seed, file=source, field=f"seeds[{i}]")
    return seeds


def _bad_number(x: object, kind: type) -> bool:
    """True unless ``x`` is a finite number (for ``int``: a whole number >= 0)."""
    if isinstance(x, str):  # YAML 1.1 reads 1e3 as a string; accept it like scenario files
        try:
            x = float(x)
        except ValueError:
            return True
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        return True
    return kind is int and (x < 0 or x != int(x))


def _parse(data: object, source: str, quick: bool) -> Suite:
    if not isinstance(data, dict):
        raise _fail("a suite file must be a mapping", source)
    unknown = sorted(set(data) - _SUITE_KEYS)
    if unknown:
        raise _fail(f"unknown key(s) {', '.join(unknown)}", source, unknown[0])
    mixes = []
    if not isinstance(data.get("mixes") or [], list):
        raise _fail("must be a non-empty list", source, "mixes")
    for i, m in enumerate(data.get("mixes") or []):
        if not isinstance(m, dict) or "name" not in m:
            raise _fail("each mix needs a name", source, f"mixes[{i}]")
        bad = sorted(set(m) - _MIX_KEYS)
        if bad:
            raise _fail(f"unknown key(s) {', '.join(bad)}", source, f"mixes[{i}].{bad[0]}")
        if m.get("scenario") is not None and not isinstance(m["scenario"], str):
            raise _fail("must be a scenario name or path", source, f"mixes[{i}].scenario")
        if not m.get("models") and not m.get("scenario"):
            raise _fail("a mix needs models and/or a scenario", source, f"mixes[{i}]")
        shares = m.get("shares", "equal")
        if shares not in SHARES:
            raise _fail(f"must be one of {', '.join(SHARES)}", source, f"mixes[{i}].shares")
        if not isinstance(m.get("models") or [], list):
            raise _fail("must be a list of model names", source, f"mixes[{i}].models")
        models = tuple(str(x) for x in m.get("models") or ())
        plats = m.get("platforms")
        if plats is not None and (not isinstance(plats, list) or not plats):
            raise _fail("must be a non-empty list", source, f"mixes[{i}].platforms")
        plats = None if plats is None else tuple(str(x) for x in plats)
        if any(x.name == str(m["name"]) for x in mixes):  # rows and tables are keyed by name
            raise _fail(f"duplicate mix name {str(m['name'])!r}", source, f"mixes[{i}].name")
        mixes.append(Mix(str(m["name"]), models, m.get("scenario"), shares, plats))
    if not mixes:
        raise _fail("must be a non-empty list", source, "mixes")
    fields = dict(data)
    if quick:
        q = data.get("quick")
        if not isinstance(q, dict):
            raise _fail("no 'quick' section for --quick", source, "quick")
        fields.update(q)
        names = {m.name for m in mixes}
        chosen = q.get("mixes", [m.name for m in mixes])
        if not isinstance(chosen, list):
            raise _fail("must be a list of mix names", source, "quick.mixes")
        missing = [n for n in chosen if n not in names]
        if missing:
            raise _fail(f"unknown mix(es) {', '.join(missing)}", source, "quick.mixes")
        mixes = [m for m in mixes if m.name in set(chosen)]
    utils = _list(fields, "utilizations", source, float)
    if any(u <= 0 for u in utils):
        raise _fail("utilizations must be > 0", source, "utilizations")
    duration = fields.get("duration_ms", 1000)
    if _bad_number(duration, float) or float(duration) <= 0:
        raise _fail("must be a positive number", source, "duration_ms")
    labels = None
    if fields.get("schedulers") is not None:
        from terastal.reproduce import family

        field = "quick.schedulers" if quick and "schedulers" in q else "schedulers"
        labels = _list({field: fields["schedulers"]}, field, source, str)
        for label in labels:
            try:
                family.config(label)
            except InputError as exc:
                raise _fail(exc.message, source, field) from None
    return Suite(
        name=str(data.get("name", Path(source).stem)),
        mixes=tuple(mixes),
        platforms=_list(fields, "platforms", source, str),
        utilizations=utils,
        seeds=_seeds(fields, source),
        duration_ms=float(duration),
        source=source,
        cost_model=None if data.get("cost_model") is None else str(data["cost_model"]),
        schedulers=labels,
    )


def resolve_platform(spec: str) -> Platform:
    """A platform spec of a suite: a bundled name or path, optionally ``@PES,PES,...``.

    ``Dual_4K/WS_OS@512,3584`` is the bundled platform with its cores resized to 512 and
    3584 PEs (everything else kept): the way the suite reaches lower skews, since with
    XRBench's dataflows almost every layer prefers an equally sized WS core.
    """
    from terastal.io import load_platform

    base, _, pes = spec.partition("@")
    platform = load_platform(base)
    if not pes:
        return platform
    try:
        counts = [int(x) for x in pes.split(",")]
    except ValueError:
        raise InputError(f"bad PE counts in {spec!r}", field="platforms") from None
    if len(counts) != len(platform.accelerators) or min(counts) < 1:
        raise InputError(
            f"{spec!r}: need {len(platform.accelerators)} positive PE counts", field="platforms"
        )
    accs = tuple(
        dataclasses.replace(a, num_pes=n)
        for a, n in zip(platform.accelerators, counts, strict=True)
    )
    return dataclasses.replace(platform, name=spec, accelerators=accs)


def load_suite(path: str | os.PathLike[str] | None = None, *, quick: bool = False) -> Suite:
    """Load a suite YAML (the bundled default when ``path`` is None)."""
    if path is None:
        res = files("terastal") / "data" / "suite" / "default.yaml"
        text, source = res.read_text(encoding="utf-8"), "default.yaml (bundled)"
    else:
        source = str(path)
        text = read_text(path, "suite")
    doc = LocatedYaml(text, source, "suite file")
    try:
        suite = _parse(doc.python(), source, quick)
    except InputError as exc:
        if exc.line is not None or not exc.field:
            raise
        line = doc.line_of(exc.field)
        raise InputError(exc.message, file=source, line=line, field=exc.field) from None
    for i, mix in enumerate(suite.mixes):
        extra = sorted(set(mix.platforms or ()) - set(suite.platforms))
        if extra and not quick:
            raise InputError(
                f"mix {mix.name!r} names platform(s) not in the suite: {', '.join(extra)}",
                file=source,
                field=f"mixes[{i}].platforms",
            )
    for i, mix in enumerate(suite.mixes):
        try:
            build_mix(mix)
        except InputError as exc:
            raise InputError(exc.message, file=source, field=f"mixes[{i}]") from None
    for spec in suite.platforms:
        try:
            resolve_platform(spec)
        except InputError as exc:
            raise InputError(exc.message, file=source, field="platforms") from None
    if suite.cost_model is not None:
        from terastal.cost import resolve_cost_model

        try:
            resolve_cost_model(suite.cost_model)
        except InputError as exc:
            raise InputError(exc.message, file=source, field="cost_model") from None
    return suite


def build_mix(mix: Mix) -> Scenario:
    """The scenario of a mix at the models' nominal fps (30 fps when a file has none)."""
    from terastal.io import load_model, load_model_fps, load_scenario

    tasks: list[Task] = []
    if mix.scenario is not None:
        tasks.extend(load_scenario(mix.scenario).tasks)
    names = {t.name for t in tasks}
    for spec in mix.models:
        model = load_model(spec)
        fps = load_model_fps(spec) or _DEFAULT_FPS
        name, k = spec, 2
        while name in names:
            name, k = f"{spec}#{k}", k + 1
        names.add(name)
        tasks.append(Task(name, model, fps))
    for d in mix.drawn:
        tasks.append(
            Task(d.name, load_model(d.model), d.fps, deadline_s=d.deadline_periods / d.fps,
                 depends_on=d.depends_on, probability=d.probability)
        )  # fmt: skip
    return Scenario(mix.name, tuple(tasks))
