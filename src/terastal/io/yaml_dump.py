"""Writers for the native YAML formats (see :mod:`terastal.io.yaml_io` for the formats)."""

from __future__ import annotations

from typing import Any

import yaml

from terastal.errors import InputError
from terastal.model import Platform, Scenario

__all__ = ["platform_to_yaml", "scenario_to_yaml"]


def _directive_text(d: Any) -> str:
    if d.op == "Cluster":
        return f"Cluster({d.size},{d.dim})"
    return f"{d.op}({d.size},{d.offset}) {d.dim}"


def platform_to_yaml(platform: Platform) -> str:
    """Serialise a platform in the YAML format read by :func:`load_platform_yaml`."""
    clocks = {a.clock_hz for a in platform.accelerators}
    common = clocks.pop() if len(clocks) == 1 else None
    accs = []
    for a in platform.accelerators:
        entry: dict[str, Any] = {
            "name": a.name,
            "dataflow": str(a.dataflow),
            "num_pes": a.num_pes,
            "offchip_bw": a.offchip_bw,
            "noc_bw": a.noc_bw,
            "global_buffer_kib": a.global_buffer_bytes / 1024,
            "pe_buffer_b": a.pe_buffer_bytes,
        }
        if common is None:
            entry["clock_ghz"] = a.clock_hz / 1e9
        if a.directives:
            entry["directives"] = [_directive_text(d) for d in a.directives]
        accs.append(entry)
    data = {
        "name": platform.name,
        "clock_ghz": (common or 1e9) / 1e9,
        "transfer_gbps": platform.transfer_bytes_per_s / 1e9,
        "bytes_per_elem": platform.bytes_per_elem,
        "accelerators": accs,
    }
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=100)


def scenario_to_yaml(scenario: Scenario, model_refs: dict[str, str] | None = None) -> str:
    """Serialise a scenario in the YAML format read by :func:`load_scenario_yaml`.

    Parameters
    ----------
    scenario : Scenario
        What to write.
    model_refs : dict of str to str, optional
        Task name -> ``model`` value. By default a bundled model name when the task's model
        is that bundled model, else the model's source file (with ``network`` for ``.m``).
    """
    from terastal.io.resolve import load_model

    refs = model_refs or {}
    tasks = []
    for t in scenario.tasks:
        entry: dict[str, Any] = {"name": t.name}
        if t.name in refs:
            entry["model"] = refs[t.name]
        else:
            try:
                bundled = load_model(t.model.name)
            except InputError:
                bundled = None
            if bundled is not None and bundled.layers == t.model.layers:
                entry["model"] = t.model.name
            elif t.model.source:
                entry["model"] = t.model.source
                if t.model.source.lower().endswith(".m"):
                    entry["network"] = t.model.name
            else:
                raise InputError(f"task {t.name!r}: model has no source; pass model_refs")
        entry["fps"] = t.fps
        if t.deadline_s is not None:
            entry["deadline_ms"] = t.deadline_s * 1e3
        if t.phase_s:
            entry["phase_ms"] = t.phase_s * 1e3
        if t.jitter_s:
            entry["jitter_ms"] = t.jitter_s * 1e3
        if t.depends_on is not None:
            entry["depends_on"] = t.depends_on
        if t.probability != 1.0:
            entry["probability"] = t.probability
        tasks.append(entry)
    return yaml.safe_dump({"name": scenario.name, "tasks": tasks}, sort_keys=False, width=100)
