"""JSON form of a :class:`~terastal.planner.plan.Plan` (version 1), with validation.

Layout::

    {"version": 1, "scenario": str, "platform": str, "accelerators": [str],
     "cost_model": str, "budget_policy": str, "accuracy_loss": float,
     "utilization": [float], "preferred_utilization": [float], "notes": [str],
     "tasks": [{"name", "model", "rate_hz", "deadline_s",
                "variant_layers": [int], "admissible": [[int]],
                "accuracy": [{"variants": [int], "value": float}],
                "accuracy_metric", "accuracy_source",
                "layers": [{"index", "name", "preferred", "latency_s": [float],
                            "expected_latency_s", "budget_s", "deadline_offset_s",
                            "share": [float], "gap_s", "variant": {Layer fields} | null,
                            "variant_latency_s", "gap_after_s", "gain_s",
                            "variant_loss", "variant_rank", "variant_share"}]}]}
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from terastal._files import atomic_write
from terastal.errors import InputError
from terastal.model import Layer, LayerKind

__all__ = ["atomic_write", "dump_json", "load_json_text", "plan_from_dict", "plan_to_dict"]

_LAYER_FIELDS = tuple(f.name for f in fields(Layer))


def _layer_to_dict(layer: Layer) -> dict[str, Any]:
    d = {f: getattr(layer, f) for f in _LAYER_FIELDS}
    d["kind"] = layer.kind.value
    return d


def _floats(xs) -> list[float] | None:
    return None if xs is None else [float(x) for x in xs]


def _opt(x):
    return None if x is None else float(x)


def plan_to_dict(plan) -> dict[str, Any]:
    """Dictionary form of ``plan`` (JSON-ready)."""
    tasks = []
    for t in plan.tasks:
        layers = [
            {
                "index": lp.index,
                "name": lp.name,
                "preferred": lp.preferred,
                "latency_s": _floats(lp.latency_s),
                "expected_latency_s": float(lp.expected_latency_s),
                "budget_s": float(lp.budget_s),
                "deadline_offset_s": float(lp.deadline_offset_s),
                "share": _floats(lp.share),
                "gap_s": float(lp.gap_s),
                "variant": None if lp.variant is None else _layer_to_dict(lp.variant),
                "variant_latency_s": _floats(lp.variant_latency_s),
                "gap_after_s": _opt(lp.gap_after_s),
                "gain_s": _opt(lp.gain_s),
                "variant_loss": _opt(lp.variant_loss),
                "variant_rank": lp.variant_rank,
                "variant_share": float(lp.variant_share),
            }
            for lp in t.layers
        ]
        acc = sorted(t.accuracy.items(), key=lambda kv: (len(kv[0]), sorted(kv[0])))
        tasks.append(
            {
                "name": t.name,
                "model": t.model,
                "rate_hz": float(t.rate_hz),
                "deadline_s": float(t.deadline_s),
                "variant_layers": list(t.variant_layers),
                "admissible": [sorted(s) for s in t.admissible],
                "accuracy": [{"variants": sorted(s), "value": float(v)} for s, v in acc],
                "accuracy_metric": t.accuracy_metric,
                "accuracy_source": t.accuracy_source,
                "layers": layers,
            }
        )
    return {
        "version": plan.version,
        "scenario": plan.scenario,
        "platform": plan.platform,
        "accelerators": list(plan.accelerators),
        "cost_model": plan.cost_model,
        "budget_policy": plan.budget_policy,
        "accuracy_loss": float(plan.accuracy_loss),
        "utilization": _floats(plan.utilization),
        "preferred_utilization": _floats(plan.preferred_utilization),
        "notes": list(plan.notes),
        "tasks": tasks,
    }


def dump_json(plan, path: str | Path | None = None, *, indent: int | None = 1) -> str:
    """JSON text of ``plan``; written atomically to ``path`` when given."""
    text = json.dumps(plan_to_dict(plan), indent=indent, allow_nan=False) + "\n"
    if path is not None:
        atomic_write(path, text)
    return text


def load_json_text(text: str, source: str | None = None):
    """Parse JSON text into a validated plan."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", file=source, line=exc.lineno) from None
    return plan_from_dict(data, source)


_MISSING = object()
_INF, _NINF = math.inf, -math.inf
# kind -> the exact type of its valid values (a subclass takes the checks below). For "num", a
# finite float (nan and infinities fail both comparisons); an int is made a float below.
_FAST = {"str": str, "int": int, "list": list}


class _Reader:
    """Typed access to a JSON tree, raising :class:`InputError` naming the field path."""

    def __init__(self, source: str | None) -> None:
        self.source = source

    def fail(self, where: str, msg: str):
        raise InputError(msg, file=self.source, field=where)

    def obj(self, v, where: str) -> Mapping:
        if not isinstance(v, Mapping):
            self.fail(where, "expected an object")
        return v

    def get(self, d: Mapping, key: str, where: str, kind: str, *, optional: bool = False):
        # The common, valid values first, without building the field's path (a stored plan
        # has some 20 fields per layer); anything else takes the checks below.
        v = d.get(key, _MISSING)
        if kind == "num":
            if type(v) is float and _NINF < v < _INF:
                return v
        elif type(v) is _FAST[kind]:
            return v
        path = f"{where}.{key}" if where else key
        if key not in d:
            if optional:
                return None
            self.fail(path, "missing")
        return self.value(d[key], path, kind, optional=optional)

    def value(self, v, path: str, kind: str, *, optional: bool = False):
        if v is None and optional:
            return None
        if kind == "str" and isinstance(v, str):
            return v
        if kind == "int" and isinstance(v, int) and not isinstance(v, bool):
            return v
        if (
            kind == "num"
            and isinstance(v, int | float)
            and not isinstance(v, bool)
            and math.isfinite(v)
        ):
            return float(v)
        if kind == "list" and isinstance(v, list):
            return v
        names = {"str": "a string", "int": "an integer", "num": "a finite number", "list": "a list"}
        self.fail(path, f"expected {names[kind]}, got {type(v).__name__}")

    def nums(
        self, v, path: str, n: int | None, *, optional: bool = False
    ) -> tuple[float, ...] | None:
        if v is None and optional:
            return None
        xs = self.value(v, path, "list")
        if n is not None and len(xs) != n:
            self.fail(path, f"expected {n} values, got {len(xs)}")
        if _plain_floats(xs, len(xs)):  # finite floats: as they are
            return tuple(xs)
        return tuple(self.value(x, f"{path}[{i}]", "num") for i, x in enumerate(xs))

    def ints(self, v, path: str) -> list[int]:
        xs = self.value(v, path, "list")
        return [self.value(x, f"{path}[{i}]", "int") for i, x in enumerate(xs)]


def _layer_from(r: _Reader, v, path: str) -> Layer | None:
    if v is None:
        return None
    d = r.obj(v, path)
    kw: dict[str, Any] = {}
    for f in _LAYER_FIELDS:
        if f == "name":
            kw[f] = r.get(d, f, path, "str")
        elif f == "kind":
            kind = r.get(d, f, path, "str")
            try:
                kw[f] = LayerKind(kind)
            except ValueError:
                r.fail(f"{path}.kind", f"unknown layer kind {kind!r}")
        else:
            kw[f] = r.get(d, f, path, "int")
    try:
        return Layer(**kw)
    except ValueError as exc:
        r.fail(path, str(exc))
    return None  # pragma: no cover


def _plain_floats(xs: Any, n: int) -> bool:
    return (
        type(xs) is list and len(xs) == n and all(type(x) is float and _NINF < x < _INF for x in xs)
    )


def _plain_layer_plan(cls: type, ld: Any, li: int, na: int) -> Any:
    """The layer plan of ``ld`` when every value has its plain valid form (exact types, finite
    floats, no variant shape), as a stored plan's layers have; else ``None``.

    One pass over the values instead of the checked reader's per-field calls (a plan has some
    300 layers of 16 fields); anything else goes through :func:`_checked_layer_plan`, which
    builds the same object from valid values and names the field of an invalid one.
    """
    if type(ld) is not dict or ld.get("variant") is not None:
        return None
    get = ld.get
    index, pref, name = get("index"), get("preferred"), get("name")
    if type(index) is not int or index != li or type(pref) is not int or not 0 <= pref < na:
        return None
    lat, share, vlat = get("latency_s"), get("share"), get("variant_latency_s")
    if type(name) is not str or not (_plain_floats(lat, na) and _plain_floats(share, na)):
        return None
    if vlat is not None and not _plain_floats(vlat, na):
        return None
    nums = (get("expected_latency_s"), get("budget_s"), get("deadline_offset_s"), get("gap_s"))
    opts = (get("gap_after_s"), get("gain_s"), get("variant_loss"), get("variant_share"))
    if not all(type(v) is float and _NINF < v < _INF for v in nums):
        return None
    if not all(v is None or (type(v) is float and _NINF < v < _INF) for v in opts):
        return None
    rank = get("variant_rank")
    if rank is not None and type(rank) is not int:
        return None
    return cls(
        index=index, name=name, preferred=pref, latency_s=tuple(lat), expected_latency_s=nums[0],
        budget_s=nums[1], deadline_offset_s=nums[2], share=tuple(share), gap_s=nums[3],
        variant=None, variant_latency_s=None if vlat is None else tuple(vlat),
        gap_after_s=opts[0], gain_s=opts[1], variant_loss=opts[2], variant_rank=rank,
        variant_share=opts[3] or 0.0,
    )  # fmt: skip


def _checked_layer_plan(cls: type, r: _Reader, lv: Any, lw: str, li: int, na: int) -> Any:
    """The layer plan at ``lw``, every field checked (errors name the field)."""
    ld = r.obj(lv, lw)
    index = r.get(ld, "index", lw, "int")
    if index != li:
        r.fail(f"{lw}.index", f"expected {li}, got {index}")
    pref = r.get(ld, "preferred", lw, "int")
    if not 0 <= pref < na:
        r.fail(f"{lw}.preferred", f"accelerator index {pref} out of range")
    rank = r.get(ld, "variant_rank", lw, "int", optional=True)
    return cls(
        index=index,
        name=r.get(ld, "name", lw, "str"),
        preferred=pref,
        latency_s=r.nums(ld.get("latency_s"), f"{lw}.latency_s", na),
        expected_latency_s=r.get(ld, "expected_latency_s", lw, "num"),
        budget_s=r.get(ld, "budget_s", lw, "num"),
        deadline_offset_s=r.get(ld, "deadline_offset_s", lw, "num"),
        share=r.nums(ld.get("share"), f"{lw}.share", na),
        gap_s=r.get(ld, "gap_s", lw, "num"),
        variant=_layer_from(r, ld.get("variant"), f"{lw}.variant"),
        variant_latency_s=r.nums(
            ld.get("variant_latency_s"), f"{lw}.variant_latency_s", na, optional=True
        ),
        gap_after_s=r.get(ld, "gap_after_s", lw, "num", optional=True),
        gain_s=r.get(ld, "gain_s", lw, "num", optional=True),
        variant_loss=r.get(ld, "variant_loss", lw, "num", optional=True),
        variant_rank=rank,
        variant_share=r.get(ld, "variant_share", lw, "num", optional=True) or 0.0,
    )


def plan_from_dict(data, source: str | None = None):
    """Validate ``data`` and build a :class:`~terastal.planner.plan.Plan`."""
    from terastal.planner.plan import PLAN_VERSION, LayerPlan, Plan, TaskPlan

    r = _Reader(source)
    d = r.obj(data, "<root>")
    version = r.get(d, "version", "", "int")
    if version != PLAN_VERSION:
        r.fail(
            "version", f"unsupported plan version {version} (this terastal reads {PLAN_VERSION})"
        )
    accs = tuple(
        r.value(a, f"accelerators[{i}]", "str")
        for i, a in enumerate(r.get(d, "accelerators", "", "list"))
    )
    na = len(accs)
    if na == 0:
        r.fail("accelerators", "empty")
    loss = r.get(d, "accuracy_loss", "", "num")
    tasks = []
    for ti, tv in enumerate(r.get(d, "tasks", "", "list")):
        tw = f"tasks[{ti}]"
        td = r.obj(tv, tw)
        layers = []
        for li, lv in enumerate(r.get(td, "layers", tw, "list")):
            lp = _plain_layer_plan(LayerPlan, lv, li, na)
            if lp is None:  # the checked reader, which names what is wrong
                lp = _checked_layer_plan(LayerPlan, r, lv, f"{tw}.layers[{li}]", li, na)
            layers.append(lp)
        if not layers:
            r.fail(f"{tw}.layers", "empty")
        vl = r.ints(td.get("variant_layers", []), f"{tw}.variant_layers")
        for k, li in enumerate(vl):
            if not 0 <= li < len(layers) or layers[li].variant is None:
                r.fail(f"{tw}.variant_layers[{k}]", f"layer {li} has no variant")
        adm = [
            frozenset(r.ints(s, f"{tw}.admissible[{k}]"))
            for k, s in enumerate(r.value(td.get("admissible", []), f"{tw}.admissible", "list"))
        ]
        for k, s in enumerate(adm):
            if not s <= set(vl):
                r.fail(
                    f"{tw}.admissible[{k}]", f"uses layers without variant: {sorted(s - set(vl))}"
                )
        acc: dict[frozenset[int], float] = {}
        for k, e in enumerate(r.value(td.get("accuracy", []), f"{tw}.accuracy", "list")):
            ew = f"{tw}.accuracy[{k}]"
            ed = r.obj(e, ew)
            s = frozenset(r.ints(ed.get("variants", []), f"{ew}.variants"))
            if any(not 0 <= i < len(layers) for i in s):
                r.fail(f"{ew}.variants", "layer index out of range")
            acc[s] = r.get(ed, "value", ew, "num")
        tasks.append(
            TaskPlan(
                name=r.get(td, "name", tw, "str"),
                model=r.get(td, "model", tw, "str"),
                rate_hz=r.get(td, "rate_hz", tw, "num"),
                deadline_s=r.get(td, "deadline_s", tw, "num"),
                layers=tuple(layers),
                variant_layers=tuple(vl),
                admissible=tuple(adm),
                accuracy=acc,
                accuracy_metric=r.get(td, "accuracy_metric", tw, "str", optional=True),
                accuracy_source=r.get(td, "accuracy_source", tw, "str", optional=True),
            )
        )
    names = [t.name for t in tasks]
    if len(set(names)) != len(names):
        r.fail("tasks", "duplicate task names")
    util = d.get("utilization")
    putil = d.get("preferred_utilization")
    return Plan(
        scenario=r.get(d, "scenario", "", "str"),
        platform=r.get(d, "platform", "", "str"),
        accelerators=accs,
        cost_model=r.get(d, "cost_model", "", "str"),
        budget_policy=r.get(d, "budget_policy", "", "str"),
        accuracy_loss=loss,
        tasks=tuple(tasks),
        utilization=r.nums(util, "utilization", na, optional=True) or (),
        preferred_utilization=r.nums(putil, "preferred_utilization", na, optional=True) or (),
        notes=tuple(r.value(x, f"notes[{i}]", "str") for i, x in enumerate(d.get("notes") or [])),
        version=version,
    )
