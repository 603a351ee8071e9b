"""Native YAML scenario and platform formats.

Scenario::

    name: my_scenario               # optional, default: file stem
    tasks:
      - model: ES_RITNet            # bundled model name, or a .m / .onnx path
        fps: 60                     # (relative paths: against this file's directory)
      - model: nets/gaze.m
        network: GE_FBNet_C         # which network of a multi-network .m file
        name: gaze                  # optional task name, default: the bundled model name
                                    # as written, or the network/graph name for a path
        fps: 60
        deadline_ms: 12             # optional, default: one period
        phase_ms: 0                 # optional
        jitter_ms: 1                # optional
        depends_on: ES_RITNet       # optional upstream task name
        probability: 0.5            # optional trigger probability, default 1

Platform::

    name: my_platform
    clock_ghz: 1.0                  # optional, default 1
    transfer_gbps: 16               # optional, GB/s (1e9 bytes/s) between accelerators;
                                    # default: min(offchip_bw) * clock * bytes_per_elem
    bytes_per_elem: 1               # optional
    accelerators:
      - name: big
        dataflow: WS                # WS, OS or RS
        num_pes: 2048
        offchip_bw: 128             # optional, elements/cycle
        noc_bw: 128                 # optional, elements/cycle
        global_buffer_kib: 2048     # optional
        pe_buffer_b: 8192           # optional
        clock_ghz: 1.0              # optional per-accelerator override
        directives: ["SpatialMap(1,1) K", "Cluster(16,P)"]   # optional MAESTRO directives

Unknown keys are errors (they are usually typos). Errors name the file, line and field.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import yaml

from terastal.errors import InputError
from terastal.io._lexer import TokenStream, tokenize
from terastal.io.hardware import classify_directives, parse_directive
from terastal.io.located import LocatedYaml as _Doc
from terastal.io.yaml_dump import platform_to_yaml, scenario_to_yaml
from terastal.model import (
    Accelerator,
    Dataflow,
    Model,
    Platform,
    Scenario,
    Task,
    dependency_cycle,
)

__all__ = ["load_platform_yaml", "load_scenario_yaml", "platform_to_yaml", "scenario_to_yaml"]

_TASK_KEYS = (
    "model",
    "network",
    "name",
    "fps",
    "deadline_ms",
    "phase_ms",
    "jitter_ms",
    "depends_on",
    "probability",
)
_ACC_KEYS = (
    "name",
    "dataflow",
    "num_pes",
    "offchip_bw",
    "noc_bw",
    "global_buffer_kib",
    "pe_buffer_b",
    "clock_ghz",
    "directives",
)
_MISSING = object()


def _default_model_resolver(spec: str, network: str | None) -> Model:
    from terastal.io.resolve import load_model

    return load_model(spec, network)


def load_scenario_yaml(
    path: str | Path, resolve_model: Callable[[str, str | None], Model] | None = None
) -> Scenario:
    """Load a YAML scenario (format in the module docstring).

    Parameters
    ----------
    path : str or Path
        The YAML file.
    resolve_model : callable, optional
        ``(spec, network) -> Model`` for ``model`` values; defaults to
        :func:`terastal.io.load_model`. Relative paths are resolved first.

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        On malformed YAML, unknown keys, bad values, unknown models, zero/negative fps,
        unknown or cyclic dependencies; located by file, line and field.
    """
    doc = _Doc.load(path)
    resolve = resolve_model or _default_model_resolver
    top = doc.mapping(doc.root, "", ("name", "tasks"))
    name = doc.string(top["name"], "name") if "name" in top else Path(path).stem
    tnodes = doc.sequence(doc.require(top, "tasks", doc.root, ""), "tasks")
    base = Path(path).parent
    models: dict[tuple[str, str | None], Model] = {}
    tasks: list[Task] = []
    dep_nodes: dict[str, tuple[yaml.Node, str]] = {}
    for i, tnode in enumerate(tnodes):
        f = f"tasks[{i}]"
        t = doc.mapping(tnode, f, _TASK_KEYS)
        mnode = doc.require(t, "model", tnode, f)
        spec = doc.string(mnode, f"{f}.model")
        network = doc.string(t["network"], f"{f}.network") if "network" in t else None
        if Path(spec).suffix.lower() in (".m", ".onnx") and not Path(spec).is_absolute():
            spec = os.path.normpath(base / spec)
        if Path(spec).suffix.lower() in (".m", ".onnx") and not Path(spec).is_file():
            raise doc.error(f"model file not found: {spec}", mnode, f"{f}.model")
        key = (spec, network)
        if key not in models:
            try:
                models[key] = resolve(spec, network)
            except InputError as exc:
                if exc.field == "network" and exc.line is None:  # the choice, made here
                    node = t.get("network", mnode)
                    where = f"{f}.network" if "network" in t else f"{f}.model"
                    raise doc.error(f"{exc.message} (in {exc.file})", node, where) from None
                if exc.file is not None:
                    raise
                raise doc.error(exc.message, mnode, f"{f}.model") from None
        model = models[key]
        default_name = model.name if Path(spec).suffix else spec
        tname = doc.string(t["name"], f"{f}.name") if "name" in t else default_name
        fps = doc.number(doc.require(t, "fps", tnode, f), f"{f}.fps", positive=True)
        ms = {
            k: doc.number(t[k], f"{f}.{k}", positive=(k == "deadline_ms")) / 1e3
            for k in ("deadline_ms", "phase_ms", "jitter_ms")
            if k in t
        }
        prob = doc.number(t["probability"], f"{f}.probability") if "probability" in t else 1.0
        if prob > 1.0:
            raise doc.error(f"must be in [0, 1], got {prob}", t["probability"], f"{f}.probability")
        dep = None
        if "depends_on" in t:
            dep = doc.string(t["depends_on"], f"{f}.depends_on")
            dep_nodes[tname] = (t["depends_on"], f"{f}.depends_on")
        if any(x.name == tname for x in tasks):
            where = t.get("name", mnode)
            raise doc.error(f"duplicate task name {tname!r} (set 'name')", where, f"{f}.name")
        try:
            tasks.append(
                Task(
                    name=tname,
                    model=model,
                    fps=fps,
                    deadline_s=ms.get("deadline_ms"),
                    phase_s=ms.get("phase_ms", 0.0),
                    jitter_s=ms.get("jitter_ms", 0.0),
                    depends_on=dep,
                    probability=prob,
                )
            )
        except ValueError as exc:
            raise doc.error(str(exc), tnode, f) from None
    _check_dependencies(doc, tasks, dep_nodes)
    try:
        return Scenario(name, tuple(tasks), source=str(path))
    except ValueError as exc:
        raise doc.error(str(exc), doc.root) from None


def _check_dependencies(
    doc: _Doc, tasks: list[Task], dep_nodes: dict[str, tuple[yaml.Node, str]]
) -> None:
    parent = {t.name: t.depends_on for t in tasks}
    for t in tasks:
        if t.depends_on is not None and t.depends_on not in parent:
            node, field = dep_nodes[t.name]
            raise doc.error(
                f"unknown task {t.depends_on!r}; tasks: {', '.join(parent)}", node, field
            )
    for t in tasks:
        cycle = dependency_cycle(parent, t.name)
        if cycle is not None:
            node, field = dep_nodes[t.name]
            raise doc.error(f"cyclic dependency: {' -> '.join(cycle)}", node, field)


def _directives(doc: _Doc, node: yaml.Node, field: str) -> tuple:
    out = []
    for j, item in enumerate(doc.sequence(node, field)):
        text = doc.string(item, f"{field}[{j}]").strip()
        text = text if text.endswith(";") or text.lower().startswith("cluster") else text + ";"
        try:
            ts = TokenStream(tokenize(text, doc.file)[0], doc.file)
            out.append(parse_directive(ts))
            if ts.peek() is not None:
                raise ts.error(f"unexpected '{ts.peek().value}'")  # type: ignore[union-attr]
        except InputError as exc:
            raise doc.error(
                f"bad directive {text!r}: {exc.message}", item, f"{field}[{j}]"
            ) from None
    return tuple(out)


def load_platform_yaml(path: str | Path) -> Platform:
    """Load a YAML platform (format in the module docstring).

    Raises
    ------
    InputError
        On malformed YAML, unknown keys, an unknown dataflow (the message lists the valid
        ones) or bad values; located by file, line and field.
    """
    doc = _Doc.load(path)
    keys = ("name", "clock_ghz", "transfer_gbps", "bytes_per_elem", "accelerators")
    top = doc.mapping(doc.root, "", keys)
    name = doc.string(top["name"], "name") if "name" in top else Path(path).stem
    clock = doc.number(top["clock_ghz"], "clock_ghz", positive=True) if "clock_ghz" in top else 1
    bpe = doc.integer(top["bytes_per_elem"], "bytes_per_elem") if "bytes_per_elem" in top else 1
    accs = []
    anodes = doc.sequence(doc.require(top, "accelerators", doc.root, ""), "accelerators")
    defaults = Accelerator("default", Dataflow.WS, 1)
    for i, anode in enumerate(anodes):
        f = f"accelerators[{i}]"
        a = doc.mapping(anode, f, _ACC_KEYS)
        dnode = doc.require(a, "dataflow", anode, f)
        dname = doc.string(dnode, f"{f}.dataflow")
        if dname.upper() not in Dataflow.__members__:
            valid = ", ".join(Dataflow.__members__)
            raise doc.error(f"unknown dataflow {dname!r}; valid: {valid}", dnode, f"{f}.dataflow")

        def num(key: str, default: float, f: str = f, a: dict = a) -> float:
            return doc.number(a[key], f"{f}.{key}", positive=True) if key in a else default

        kib = num("global_buffer_kib", defaults.global_buffer_bytes / 1024)
        pe_b = doc.integer(a["pe_buffer_b"], f"{f}.pe_buffer_b") if "pe_buffer_b" in a else None
        directives = ()
        if "directives" in a:
            directives = _directives(doc, a["directives"], f"{f}.directives")
            found = classify_directives(directives)
            if found is not None and found.value != dname.upper():
                raise doc.error(
                    f"the directives describe a {found} dataflow, not {dname.upper()}",
                    a["directives"],
                    f"{f}.directives",
                )
        try:
            accs.append(
                Accelerator(
                    name=doc.string(a["name"], f"{f}.name") if "name" in a else f"acc{i}",
                    dataflow=Dataflow(dname.upper()),
                    num_pes=doc.integer(doc.require(a, "num_pes", anode, f), f"{f}.num_pes"),
                    offchip_bw=num("offchip_bw", defaults.offchip_bw),
                    noc_bw=num("noc_bw", defaults.noc_bw),
                    global_buffer_bytes=round(kib * 1024),
                    pe_buffer_bytes=defaults.pe_buffer_bytes if pe_b is None else pe_b,
                    clock_hz=num("clock_ghz", clock) * 1e9,
                    directives=directives,
                )
            )
        except ValueError as exc:
            raise doc.error(str(exc), anode, f) from None
    names = [x.name for x in accs]
    for i, n in enumerate(names):
        if n in names[:i]:
            raise doc.error(f"duplicate accelerator name {n!r}", anodes[i], f"accelerators[{i}]")
    if "transfer_gbps" in top:
        transfer = doc.number(top["transfer_gbps"], "transfer_gbps", positive=True) * 1e9
    else:
        transfer = min(x.offchip_bw * x.clock_hz for x in accs) * bpe
    try:
        return Platform(name, tuple(accs), transfer, bpe)
    except ValueError as exc:
        raise doc.error(str(exc), doc.root) from None
