"""Chrome / Perfetto trace-event export: one track per accelerator, one slice per layer.

Open ``trace.json`` in https://ui.perfetto.dev or ``chrome://tracing``. Process 1 holds one
thread (track) per accelerator with a slice per layer (and a ``transfer`` slice while an
activation moves in); process 2 holds one track per task with an async span per counted job
from release to completion or drop. Layers of load-only jobs (released after the horizon,
docs/design.md "Measurement window") are on the accelerator tracks too, flagged
``counted: false``: they occupied the accelerators; they have no job span.
"""

from __future__ import annotations

from terastal.sim.result import SimResult


def _us(t: float) -> float:
    return round(t * 1e6, 3)


def trace_events(result: SimResult) -> dict:
    """Return the trace as a JSON-ready dict (``{"traceEvents": [...], ...}``)."""
    events: list[dict] = [
        {"ph": "M", "pid": 1, "name": "process_name", "args": {"name": "accelerators"}},
        {"ph": "M", "pid": 2, "name": "process_name", "args": {"name": "jobs"}},
    ]
    for i, acc in enumerate(result.platform.accelerators):
        events.append(
            {"ph": "M", "pid": 1, "tid": i, "name": "thread_name", "args": {"name": acc.name}}
        )
        events.append(
            {"ph": "M", "pid": 1, "tid": i, "name": "thread_sort_index", "args": {"sort_index": i}}
        )
    for c in result.costs:
        events.append(
            {
                "ph": "M",
                "pid": 2,
                "tid": c.index,
                "name": "thread_name",
                "args": {"name": c.task.name},
            }
        )
    jobs = result.jobs
    for rec in result.log:
        acc, jid, layer = rec.accelerator, rec.job_id, rec.layer
        t_disp, t_start, t_end, variant = rec.dispatch_s, rec.start_s, rec.end_s, rec.variant
        job = jobs[jid]
        task = job.task
        args = {
            "job": jid,
            "task": task.name,
            "frame": job.frame,
            "layer": layer,
            "layer_name": task.model.layers[layer].name,
            "variant": bool(variant),
            "counted": result.is_counted(job),
        }
        if t_start > t_disp:
            events.append(
                {
                    "ph": "X",
                    "pid": 1,
                    "tid": acc,
                    "ts": _us(t_disp),
                    "dur": _us(t_start) - _us(t_disp),
                    "name": "transfer",
                    "cat": "transfer",
                    "args": args,
                }
            )
        events.append(
            {
                "ph": "X",
                "pid": 1,
                "tid": acc,
                "ts": _us(t_start),
                "dur": _us(t_end) - _us(t_start),
                "name": f"{task.name}#{job.frame} L{layer}" + ("*" if variant else ""),
                "cat": "variant" if variant else "layer",
                "args": args,
            }
        )
    for job in result.counted_jobs:
        name = f"{job.task.name}#{job.frame}"
        common = {"pid": 2, "tid": job.task_index, "cat": "job", "id": job.id, "name": name}
        events.append({"ph": "b", "ts": _us(job.release), **common})
        events.append(
            {
                "ph": "e",
                "ts": _us(job.finish),
                **common,
                "args": {"status": job.status, "deadline_ms": job.deadline * 1e3},
            }
        )
    return {
        "displayTimeUnit": "ms",
        "otherData": {
            "scheduler": result.scheduler,
            "seed": result.seed,
            "scenario": result.scenario.name,
            "platform": result.platform.name,
        },
        "traceEvents": events,
    }
