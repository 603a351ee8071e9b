"""Sweep grids: a YAML file whose lists are crossed into simulation points.

Format::

    scenarios: [VR_gaming, my_scenario.yaml]   # bundled names or paths (relative: this file)
    platforms: [Dual_4K/WS_OS, Quad_4K/WS_OS_WS_OS]
    schedulers: [edf, dream]
    seeds: [0, 1, 2]
    duration_ms: 500                # one value or a list
    load_scales: [0.5, 1.0, 1.5]    # optional (default 1): multiplies every task's fps
    late: scheduler                 # optional (default scheduler): keep, drop, scheduler or a list
    scheduler_options:              # optional, per scheduler name
      dream: {block: 4}
    cost_model: analytical          # optional backend spec, or "module:attr"
    plan: auto                      # optional (default auto): auto, none, a plan file or a list
    compat: xrbench                 # optional: run XRBench's profile (terastal.xrbench); then
                                    # 'schedulers' is omitted and duration_ms is the horizon

``plan`` applies to the schedulers that use a plan (``terastal``): ``auto`` plans each case
once (cached by content), a path names a file from ``terastal plan --out``, ``none`` runs
without a plan. Other schedulers' points have no plan.

Every list value is one axis; a single value is a one-element axis. A point is one value of
every axis. Errors are :class:`~terastal.errors.InputError` naming file, line and field.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from terastal.errors import InputError, TerastalError
from terastal.io.located import LocatedYaml, node_line, read_text
from terastal.seeds import check_seed

REQUIRED = ("scenarios", "platforms", "schedulers", "seeds", "duration_ms")
OPTIONAL = ("load_scales", "late", "scheduler_options", "cost_model", "plan", "compat")
CONFIG_COLUMNS = (
    "scenario",
    "platform",
    "scheduler",
    "scheduler_options",
    "seed",
    "duration_ms",
    "load_scale",
    "late",
    "cost_model",
    "plan",
)


def point_id(config: dict[str, Any]) -> str:
    """Stable id of a point: the first 16 hex digits of the SHA-256 of its canonical JSON.

    Parameters
    ----------
    config : dict
        A point's configuration (the keys of :data:`CONFIG_COLUMNS`).

    Returns
    -------
    str
    """
    # A point without a plan keeps the id it had before grids had a ``plan`` key.
    canon = {k: config.get(k) for k in CONFIG_COLUMNS if k != "plan" or config.get(k) is not None}
    if config.get("compat"):  # only then, so that ids of other grids stay as they were
        canon["compat"] = config["compat"]
    text = json.dumps(canon, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Grid:
    """A validated sweep grid.

    Attributes
    ----------
    path : Path
        The grid file (relative scenario/platform paths are resolved against its directory).
    axes : dict
        Axis values: ``scenarios``, ``platforms``, ``schedulers``, ``seeds``, ``duration_ms``,
        ``load_scales``, ``late`` (lists) and ``scheduler_options`` (dict), ``cost_model``.
    """

    path: Path
    axes: dict[str, Any] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        """Directory against which relative paths of the grid are resolved."""
        return self.path.resolve().parent

    def points(self) -> list[dict[str, Any]]:
        """Every point's configuration, in a stable order, with its ``point_id``."""
        from terastal.schedulers import scheduler_info

        a = self.axes
        out = []
        # A compatibility profile runs its own policy, which is not a registered scheduler.
        planned = {
            s: not a.get("compat") and scheduler_info(s).needs_plan for s in a["schedulers"]
        }
        for sc, pf, sched, plan, scale, late, dur, seed in itertools.product(
            a["scenarios"],
            a["platforms"],
            a["schedulers"],
            a["plan"],
            a["load_scales"],
            a["late"],
            a["duration_ms"],
            a["seeds"],
        ):
            if not planned[sched] and plan != a["plan"][0]:
                continue  # the plan axis does not multiply schedulers that use no plan
            config = {
                "scenario": sc,
                "platform": pf,
                "scheduler": sched,
                "scheduler_options": json.dumps(
                    a["scheduler_options"].get(sched, {}), sort_keys=True
                ),
                "seed": seed,
                "duration_ms": dur,
                "load_scale": scale,
                "late": late,
                "cost_model": a["cost_model"],
                "plan": plan if planned[sched] else None,
            }
            if a.get("compat"):
                config["compat"] = a["compat"]
            out.append({"point_id": point_id(config), **config})
        return out

    def __len__(self) -> int:
        return len(self.points())


class _Reader(LocatedYaml):
    """The located reader with the grid's list axes."""

    def value(self, node: yaml.Node, fieldname: str) -> Any:
        return self.scalar(node, fieldname)

    def items(self, node: yaml.Node, fieldname: str) -> list[yaml.Node]:
        """A list's element nodes (a scalar is a one-element list); no duplicates allowed."""
        if isinstance(node, yaml.ScalarNode):
            return [node]
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            raise self.error("expected a value or a non-empty list of values", node, fieldname)
        return list(node.value)

    def axis(self, node: yaml.Node, fieldname: str, convert) -> list:
        values, seen = [], {}
        for i, item in enumerate(self.items(node, fieldname)):
            where = f"{fieldname}[{i}]" if isinstance(node, yaml.SequenceNode) else fieldname
            value = convert(self.value(item, where), item, where)
            if value in seen:
                raise self.error(f"duplicate value {value!r}", item, where)
            seen[value] = None
            values.append(value)
        return values


def _string(r: _Reader):
    def convert(v, node, where):
        if isinstance(v, bool) or not isinstance(v, str | int | float) or str(v).strip() == "":
            raise r.error(f"expected a non-empty name or path, got {v!r}", node, where)
        return str(v)

    return convert


def _number(r: _Reader, *, integer: bool = False, positive: bool = True):
    def convert(v, node, where):
        if isinstance(v, str):  # YAML 1.1 reads 1e12 as a string; scenarios accept it too
            with contextlib.suppress(ValueError):
                v = float(v)
        ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        if not ok:
            raise r.error(f"expected a number, got {v!r}", node, where)
        if integer:  # the only integer axis is seeds
            if float(v) != int(v) or v < 0:
                raise r.error(f"expected a non-negative integer, got {v!r}", node, where)
            line = node_line(node)
            return check_seed(int(v), shown=repr(v), file=r.file, line=line, field=where)
        if positive and not v > 0:
            raise r.error(f"must be > 0, got {v!r}", node, where)
        return float(v)

    return convert


def _late(r: _Reader):
    from terastal.sim import LATE_POLICIES

    def convert(v, node, where):
        if v not in LATE_POLICIES:
            raise r.error(f"expected one of {', '.join(LATE_POLICIES)}, got {v!r}", node, where)
        return v

    return convert


def _plan(r: _Reader, base: Path):
    def convert(v, node, where):
        name = _string(r)(v, node, where)
        if name in ("auto", "none"):
            return name
        if not Path(resolve_spec(name, base)).is_file():
            raise r.error(f"expected auto, none or a plan file, got {name!r}", node, where)
        return name

    return convert


def _schedulers(r: _Reader, node: yaml.Node) -> list[str]:
    from terastal.schedulers import available_schedulers

    known = available_schedulers()

    def convert(v, item, where):
        name = _string(r)(v, item, where)
        if name not in known:
            raise r.error(f"unknown scheduler {name!r}; available: {', '.join(known)}", item, where)
        return name

    return r.axis(node, "schedulers", convert)


def _options(r: _Reader, node: yaml.Node, schedulers: list[str]) -> dict[str, dict]:
    from terastal.experiment.calibrate import split_option
    from terastal.schedulers import make_scheduler

    out: dict[str, dict] = {}
    for name, (knode, vnode) in r.entries(node, "scheduler_options").items():
        where = f"scheduler_options.{name}"
        if name not in schedulers:
            raise r.error(f"scheduler {name!r} is not in 'schedulers'", knode, where)
        entries = r.entries(vnode, where)
        if "plan" in entries:
            raise r.error("give plans with the grid's 'plan' key", entries["plan"][0], where)
        opts = {k: r.value(v, f"{where}.{k}") for k, (_, v) in entries.items()}
        try:
            json.dumps(opts, allow_nan=False)
            make_scheduler(name, **split_option(name, opts)[0])  # calibrate: the run's
        except (TypeError, ValueError, InputError) as exc:
            raise r.error(f"bad options for {name!r}: {exc}", vnode, where) from None
        out[name] = opts
    return out


def _check_cost_model(r: _Reader, spec: str, node: yaml.Node) -> None:
    """A grid's cost model must resolve now, not fail at every point later."""
    from terastal.cost import resolve_cost_model

    try:
        resolve_cost_model(spec)
    except InputError as exc:
        raise r.error(exc.message, node, "cost_model") from None
    except TerastalError as exc:
        raise r.error(str(exc), node, "cost_model") from None


def parse_grid(text: str, file: str = "<grid>") -> Grid:
    """Validate grid YAML text.

    Parameters
    ----------
    text : str
        The YAML document.
    file : str
        Its path (for error messages and relative paths).

    Returns
    -------
    Grid

    Raises
    ------
    InputError
        Malformed YAML, missing/unknown/duplicate keys, bad or duplicate values, unknown
        schedulers or late policies; located by file, line and field.
    """
    r = _Reader(text, file, "grid file")
    root = r.root
    keys = r.entries(root, None, REQUIRED + OPTIONAL)
    if "compat" in keys:  # a compatibility profile validates its own grid
        from terastal.sweep.compat import parse_compat_grid

        return parse_compat_grid(r, file, keys)
    for key in REQUIRED:
        if key not in keys:
            raise r.error(f"missing required key {key!r}", root, key)
    node = {k: v for k, (_, v) in keys.items()}
    axes = shared_axes(r, node)
    axes["schedulers"] = _schedulers(r, node["schedulers"])
    if "cost_model" in node:
        _check_cost_model(r, axes["cost_model"], node["cost_model"])
    if "load_scales" in node:
        axes["load_scales"] = r.axis(node["load_scales"], "load_scales", _number(r))
    if "late" in node:
        axes["late"] = r.axis(node["late"], "late", _late(r))
    if "scheduler_options" in node:
        axes["scheduler_options"] = _options(r, node["scheduler_options"], axes["schedulers"])
    if "plan" in node:
        axes["plan"] = r.axis(node["plan"], "plan", _plan(r, Path(file).resolve().parent))
    return Grid(Path(file), axes)


def shared_axes(r: _Reader, node: dict[str, yaml.Node]) -> dict[str, Any]:
    """The axes every grid reads alike (scenarios, platforms, seeds, duration_ms, cost_model),
    with the defaults of the others (one point per scheduler, load 1, ``late: scheduler``)."""
    axes: dict[str, Any] = {
        "scenarios": r.axis(node["scenarios"], "scenarios", _string(r)),
        "platforms": r.axis(node["platforms"], "platforms", _string(r)),
        "seeds": r.axis(node["seeds"], "seeds", _number(r, integer=True)),
        "duration_ms": r.axis(node["duration_ms"], "duration_ms", _number(r)),
        "load_scales": [1.0],
        "late": ["scheduler"],
        "scheduler_options": {},
        "cost_model": None,
        "plan": ["auto"],
    }
    if "cost_model" in node:
        axes["cost_model"] = _string(r)(
            r.value(node["cost_model"], "cost_model"), node["cost_model"], "cost_model"
        )
    return axes


def load_grid(path: str | Path) -> Grid:
    """Read and validate the grid file at ``path`` (see :func:`parse_grid`)."""
    return parse_grid(read_text(path, "grid file"), str(path))


def resolve_spec(spec: str, base_dir: str | Path) -> str:
    """``spec`` with a relative path resolved against ``base_dir`` when that file exists.

    Bundled names (``VR_gaming``, ``Dual_4K/WS_OS``) and absolute paths are returned as is;
    ``hw.m:dataflow.m`` pairs have each side resolved.
    """
    base = Path(base_dir)
    if ":" in spec and not Path(spec).exists():
        return ":".join(resolve_spec(part, base) for part in spec.split(":"))
    p = Path(spec)
    if not p.is_absolute() and (base / p).is_file():
        return str(base / p)
    return spec
