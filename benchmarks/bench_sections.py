"""The sections of the benchmark suite: each runs its measurements and returns their rows.

``sim`` runs every (case, scheduler) in a fresh process (``run_all.py --child``, which calls
:func:`child_sim`); the other sections run in this process.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from bench_cases import (
    CHILD_CPU_BUDGET_S,
    GROWTH_MIN_CPU_S,
    PAPER6,
    QUAD,
    _maxrss_kib,
    _progress,
    _reset_peak,
    _status_kib,
    calibrate,
    load_avg,
    prepare,
    run_once,
    run_row,
)

# Child runs re-invoke the suite's one command, whose ``--child`` entry calls child_sim.
RUN_ALL = str(Path(__file__).resolve().with_name("run_all.py"))


def child_sim(spec: str, name: str, duration_s: float, repeat: int, record: bool = True) -> dict:
    """One (case, scheduler) in this (fresh) process: the fastest of up to ``repeat`` runs
    (fewer once they took ``CHILD_CPU_BUDGET_S``) and the peak memory growth of the first."""
    case = prepare(spec)
    import gc

    gc.collect()
    exact = _reset_peak()
    before = _status_kib("VmRSS") if exact else _maxrss_kib()
    load0 = load_avg()
    calib = calibrate()
    result, cpu, _ = run_once(case, name, duration_s, record=record)
    peak = _status_kib("VmHWM") if exact else _maxrss_kib()
    best = run_row(result, cpu)
    del result
    spent = cpu
    for _ in range(repeat - 1):
        if spent >= CHILD_CPU_BUDGET_S:
            break
        gc.collect()
        result, cpu, _ = run_once(case, name, duration_s, record=record)
        spent += cpu
        row = run_row(result, cpu)
        del result
        if row["wall_s"] < best["wall_s"]:
            best = row
    best.update(
        case=spec,
        scheduler=name,
        simulated_s=duration_s,
        record=record,
        peak_mem_growth_mib=(peak - before) / 1024,
        peak_rss_mib=peak / 1024,
        memory_method="VmHWM reset" if exact else "ru_maxrss",
        calibration_ms=calib,
        load_avg_start=load0,
        load_avg_end=load_avg(),
    )
    return best


def bench_sim(
    cases, schedulers, duration_s: float, repeat: int, timeout_s: float, record: bool = True
) -> list[dict]:
    """Every (case, scheduler) in a fresh process per run, in up to ``repeat`` rounds.

    Rounds go over all pairs in turn, so that a slow spell of the machine does not hit every
    repetition of one pair; a pair stops repeating once its runs took ``CHILD_CPU_BUDGET_S``.
    The fastest run is kept, with the peak memory of the first (a fresh process each).
    """
    pairs = [(spec, name) for spec in cases for name in schedulers]
    best: dict[tuple[str, str], dict] = {}
    spent = dict.fromkeys(pairs, 0.0)
    for round_ in range(repeat):
        for spec, name in pairs:
            if round_ and (
                "timeout_s" in best[spec, name] or spent[spec, name] >= CHILD_CPU_BUDGET_S
            ):
                continue
            row = _child(spec, name, duration_s, record, timeout_s)
            _progress(f"sim {spec} {name} (round {round_ + 1})")
            old = best.get((spec, name))
            if old is None:
                best[spec, name] = row
            elif "timeout_s" not in row and row["wall_s"] < old["wall_s"]:
                mem = {k: old[k] for k in ("peak_mem_growth_mib", "peak_rss_mib", "memory_method")}
                best[spec, name] = {**row, **mem, "runs": old["runs"] + 1}
            else:
                old["runs"] += 1
            spent[spec, name] += row.get("cpu_s", 0.0)
    return [best[p] for p in pairs]


def _child(spec: str, name: str, duration_s: float, record: bool, timeout_s: float) -> dict:
    """One run of :func:`child_sim` in a fresh Python process."""
    args = [sys.executable, RUN_ALL, "--child", json.dumps([spec, name, duration_s, 1, record])]
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=timeout_s, check=True)
    except subprocess.TimeoutExpired:
        return {"case": spec, "scheduler": name, "simulated_s": duration_s,
                "timeout_s": timeout_s, "runs": 0}  # fmt: skip
    except subprocess.CalledProcessError as exc:
        sys.stderr.write(exc.stderr)
        raise
    row = json.loads(out.stdout.strip().splitlines()[-1])
    row["runs"] = 1
    return row


def bench_cost(repeat: int) -> dict:
    """Analytical cost model on all layers of all bundled scenarios x 4 accelerators."""
    from terastal.cost.analytical import AnalyticalCostModel
    from terastal.cost.mapping import levels_for
    from terastal.io import list_scenarios, load_platform, load_scenario

    accs = load_platform(QUAD).accelerators
    models = {}
    for s in list_scenarios():
        for t in load_scenario(s).tasks:
            models[id(t.model.layers)] = t.model.layers
    layer_tuples = list(models.values())
    n_layers = sum(len(x) for x in layer_tuples)
    cold = cold_cpu = cached = cached_list = float("inf")
    for _ in range(repeat):
        levels_for.cache_clear()
        model = AnalyticalCostModel()
        t0, c0 = time.perf_counter(), time.process_time()
        for layers in layer_tuples:
            for acc in accs:
                model.evaluate(layers, acc)
        cold = min(cold, time.perf_counter() - t0)
        cold_cpu = min(cold_cpu, time.process_time() - c0)
        t0 = time.perf_counter()
        for layers in layer_tuples:
            for acc in accs:
                model.evaluate(layers, acc)
        cached = min(cached, time.perf_counter() - t0)
        t0 = time.perf_counter()
        for layers in layer_tuples:  # a list is keyed by shapes, not by the tuple's identity
            for acc in accs:
                model.evaluate(list(layers), acc)
        cached_list = min(cached_list, time.perf_counter() - t0)
    _progress("cost")
    return {
        "scenarios": len(list_scenarios()),
        "models": len(layer_tuples),
        "layers": n_layers,
        "accelerators": len(accs),
        "layer_evaluations": n_layers * len(accs),
        "cold_s": cold,
        "cold_cpu_s": cold_cpu,
        "cached_s": cached,
        "cached_by_shape_s": cached_list,
        "repeat": repeat,
        "load_avg": load_avg(),
        "calibration_ms": calibrate(),
    }


def bench_planner(repeat: int) -> list[dict]:
    """``make_plan`` for the six paper models (base fps), cold and warm cost model."""
    import terastal.planner.make  # noqa: F401  (scipy.optimize is imported here, not timed)
    from terastal.cost.analytical import AnalyticalCostModel
    from terastal.io import load_model, load_model_fps, load_platform
    from terastal.model import Scenario, Task
    from terastal.planner import make_plan

    sc = Scenario(
        "paper6", tuple(Task(n, load_model(n), load_model_fps(n) or 30.0) for n in PAPER6)
    )
    rows = []
    for spec in ("Dual_4K/WS_OS", QUAD):
        pf = load_platform(spec)
        cold = cold_cpu = warm = float("inf")
        for _ in range(repeat):
            model = AnalyticalCostModel()
            t0, c0 = time.perf_counter(), time.process_time()
            plan = make_plan(sc, pf, model)
            cold = min(cold, time.perf_counter() - t0)
            cold_cpu = min(cold_cpu, time.process_time() - c0)
            t0 = time.perf_counter()
            make_plan(sc, pf, model)
            warm = min(warm, time.perf_counter() - t0)
        rows.append(
            {
                "platform": spec,
                "tasks": len(sc.tasks),
                "layers": sum(len(t.model.layers) for t in sc.tasks),
                "variant_layers": sum(len(t.variant_layers) for t in plan.tasks),
                "cold_s": cold,
                "cold_cpu_s": cold_cpu,
                "warm_s": warm,
                "repeat": repeat,
                "load_avg": load_avg(),
            }
        )
    _progress("planner")
    return rows


def best_of(case, name: str, duration_s: float, **kw) -> tuple:
    """Fastest of up to 3 runs, stopping once they took ``GROWTH_MIN_CPU_S`` of CPU time
    (short runs are the noisiest); returns (row, result)."""
    best = best_result = None
    spent = 0.0
    for _ in range(3):
        result, cpu, _ = run_once(case, name, duration_s, **kw)
        row = run_row(result, cpu)
        spent += cpu
        if best is None or row["cpu_s"] < best["cpu_s"]:
            best, best_result = row, result
        del result
        if spent >= GROWTH_MIN_CPU_S:
            break
    return best, best_result


def bench_grid(label: str, specs, schedulers, duration_s: float, key: str) -> list[dict]:
    """In-process runs of several cases (for the growth sections)."""
    rows = []
    for value, spec in specs:
        case = prepare(spec)
        for name in schedulers:
            calib = calibrate()
            row, _ = best_of(case, name, duration_s, record=False)
            row["calibration_ms"] = calib
            row.update({key: value, "case": spec, "scheduler": name, "simulated_s": duration_s,
                        "load_avg": load_avg()})  # fmt: skip
            rows.append(row)
        _progress(f"{label} {value}")
    return rows


def bench_duration(spec: str, schedulers, durations) -> dict:
    """CPU time against simulated time, with a least-squares line per scheduler."""
    case = prepare(spec)
    rows, fits = [], {}
    for name in schedulers:
        xs, ys = [], []
        for d in durations:
            calib = calibrate()
            row, _ = best_of(case, name, d, record=False)
            row["calibration_ms"] = calib
            cpu = row["cpu_s"]
            row.update(
                case=spec,
                scheduler=name,
                simulated_s=d,
                cpu_per_simulated_s=cpu / d,
                load_avg=load_avg(),
            )
            rows.append(row)
            xs.append(d)
            ys.append(cpu)
        slope, intercept = np.polyfit(xs, ys, 1)
        pred = slope * np.asarray(xs) + intercept
        ss_res = float(((np.asarray(ys) - pred) ** 2).sum())
        ss_tot = float(((np.asarray(ys) - np.mean(ys)) ** 2).sum())
        fits[name] = {
            "cpu_s_per_simulated_s": float(slope),
            "intercept_cpu_s": float(intercept),
            "r2": 1.0 - ss_res / ss_tot if ss_tot > 0 else 1.0,
            "last_over_first_per_simulated_s": (ys[-1] / xs[-1]) / (ys[0] / xs[0]),
        }
        _progress(f"duration {spec} {name}")
    return {"case": spec, "rows": rows, "fits": fits}


class _CountReady:
    """Wraps a scheduler and records how many jobs were ready at each decision.

    The wrapper's own work (one ``len`` and one append, about 0.1 µs) is inside the measured
    decision time.
    """

    def __init__(self, inner) -> None:
        self._inner = inner
        self.name = inner.name
        self.ready_counts: list[int] = []
        self._append = self.ready_counts.append
        self._decide = inner.decide

    def __getattr__(self, attr):  # reset, on_job_end, accuracy_loss
        return getattr(self._inner, attr)

    def decide(self, view):
        self._append(len(view.ready_jobs))
        return self._decide(view)


def bench_ready(spec: str, schedulers, duration_s: float) -> dict:
    """Median decision time per bucket of ready jobs (powers of two)."""
    case = prepare(spec)
    out = {}
    for name in schedulers:
        result, cpu, sched = run_once(case, name, duration_s, late="keep", record=False,
                                      wrap=_CountReady)  # fmt: skip
        counts = np.asarray(sched.ready_counts)
        dec = np.asarray(result.decision_ns, dtype=float) / 1e3
        buckets = {}
        lo = 1
        while lo <= max(counts.max(), 1):
            hi = lo * 2
            sel = (counts >= lo) & (counts < hi)
            if sel.any():
                buckets[f"{lo}-{hi - 1}"] = {
                    "decisions": int(sel.sum()),
                    "us_p50": float(np.percentile(dec[sel], 50)),
                    "us_p99": float(np.percentile(dec[sel], 99)),
                }
            lo = hi
        out[name] = {
            "max_ready": int(counts.max()),
            "dispatches": result.dispatches,
            "cpu_s": cpu,
            "buckets": buckets,
        }
        _progress(f"ready {name}")
    return {"case": spec, "late": "keep", "simulated_s": duration_s, "schedulers": out,
            "load_avg": load_avg()}  # fmt: skip
