"""Benchmark cases and measurement helpers shared by every section of ``run_all.py``.

The constants of the suite, how a ``SCENARIO@PLATFORM`` case is built and planned, one
simulation and its row of figures, the memory of a fresh process, the machine's description
and the progress clock. ``run_all.py`` imports this module before the others, so the BLAS
thread setting below is in place before numpy is first imported.
"""

from __future__ import annotations

import os
import platform as _platform
import subprocess
import sys
import time
from pathlib import Path

# One BLAS thread: the simulator is single-threaded, and idle BLAS threads spinning after the
# planner's numpy/scipy calls would add CPU time to the runs measured next.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
PAPER6 = ("resnet50", "vgg11", "inceptionv3", "swin_tiny", "mb2_ssd_lite", "sp2dense")
SIM_SCHEDULERS = ("fcfs", "edf", "dream", "terastal")
SIM_CASES = ("VR_gaming@Dual_4K/WS_OS", "paper6@Quad_4K/WS_OS_WS_OS")
QUAD = "Quad_4K/WS_OS_WS_OS"
XFER_BYTES_PER_S = 128e9  # XRBench's default link: 128 elements/cycle x 1 GHz x 1 byte
CHILD_CPU_BUDGET_S = 15.0  # a (case, scheduler) stops repeating once its runs took this long
GROWTH_MIN_CPU_S = 1.0  # a growth point repeats (up to 3 runs) until its runs took this long

# The suite's clock: progress lines and ``total_wall_s`` count from here.
_T0 = time.perf_counter()


# ------------------------------------------------------------------------------------------
# cases


def load_avg() -> float | None:
    """1-minute load average (None where the OS has none)."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def _progress(msg: str) -> None:
    print(f"[{time.perf_counter() - _T0:6.1f} s, load {load_avg() or 0:.2f}] {msg}",
          file=sys.stderr, flush=True)  # fmt: skip


def calibrate() -> float:
    """Milliseconds of a fixed pure-Python loop (best of 5): the machine's current speed.

    On a shared or virtualised machine the same code runs up to twice as slow at times; a
    row measured in a slow spell shows it here.
    """
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        acc = 0
        for i in range(100_000):
            acc += i * i % 7
        best = min(best, time.perf_counter() - t0)
    return best * 1e3


def hand_platform(n: int):
    """``n`` cores alternating WS and OS, 1024 PEs each (XRBench's 4K-class parameters)."""
    from terastal.model import Accelerator, Dataflow, Platform

    flows = (Dataflow.WS, Dataflow.OS)
    accs = tuple(
        Accelerator(f"Acc{i}_{flows[i % 2].value}", flows[i % 2], num_pes=1024) for i in range(n)
    )
    return Platform(f"hand{n}/" + "_".join(a.dataflow.value for a in accs), accs, XFER_BYTES_PER_S)


def paper_mix(platform, n_tasks: int = 6, utilization: float = 0.6):
    """The six paper models cycled to ``n_tasks`` tasks, fps set for ``utilization`` with
    equal shares (:func:`terastal.workloads.scale_to_utilization`)."""
    from terastal.cost import build_cost_tables, default_cost_model
    from terastal.io import load_model, load_model_fps
    from terastal.model import Scenario, Task
    from terastal.workloads import scale_to_utilization

    tasks = []
    for i in range(n_tasks):
        name = PAPER6[i % len(PAPER6)]
        label = name if i < len(PAPER6) else f"{name}#{i // len(PAPER6) + 1}"
        tasks.append(Task(label, load_model(name), load_model_fps(name) or 30.0))
    base = Scenario(f"paper{n_tasks}", tuple(tasks))
    tables = build_cost_tables(base, platform, default_cost_model())
    return scale_to_utilization(base, tables, utilization, "equal")


def resolve_case(spec: str):
    """``SCENARIO@PLATFORM`` -> (scenario, platform).

    SCENARIO is a bundled scenario or ``paperN[:U]`` (the paper models cycled to N tasks at
    utilization U, default 0.6); PLATFORM is a bundled platform or ``handN``.
    """
    from terastal.io import load_platform, load_scenario

    scen, _, plat = spec.partition("@")
    pf = hand_platform(int(plat[4:])) if plat.startswith("hand") else load_platform(plat)
    if scen.startswith("paper"):
        n, _, u = scen[5:].partition(":")
        return paper_mix(pf, int(n), float(u) if u else 0.6), pf
    return load_scenario(scen), pf


def prepare(spec: str):
    """Scenario, platform, plan and cost tables (with the plan's variants) of a case."""
    from terastal.experiment import Case
    from terastal.experiment import prepare as prepare_case

    sc, pf = resolve_case(spec)
    case = prepare_case(Case(sc, pf))
    plan = case.auto_plan()
    return sc, pf, plan, case.tables(plan)


def run_once(case, name: str, duration_s: float, *, late="scheduler", record=True, wrap=None):
    """One simulation; returns (result, cpu seconds, scheduler)."""
    from terastal.schedulers import make_scheduler
    from terastal.sim import simulate

    sc, pf, plan, tables = case
    sched = make_scheduler(name, plan=plan) if name == "terastal" else make_scheduler(name)
    if wrap is not None:
        sched = wrap(sched)
    cpu0 = time.process_time()
    result = simulate(
        sc, pf, tables, sched, duration_s=duration_s, seed=0, late=late, record=record
    )
    return result, time.process_time() - cpu0, sched


def run_row(result, cpu_s: float) -> dict:
    """Throughput and decision-time figures of one run."""
    dec = np.asarray(result.decision_ns, dtype=float) / 1e3
    return {
        "jobs": len(result.jobs),
        "dispatches": result.dispatches,
        "decisions": len(dec),
        "wall_s": result.wall_s,
        "cpu_s": cpu_s,
        "dispatches_per_s": result.dispatches / result.wall_s,
        "dispatches_per_cpu_s": result.dispatches / cpu_s if cpu_s > 0 else None,
        "decision_us_p50": float(np.percentile(dec, 50)) if len(dec) else None,
        "decision_us_p99": float(np.percentile(dec, 99)) if len(dec) else None,
        "decision_us_mean": float(dec.mean()) if len(dec) else None,
    }


# ------------------------------------------------------------------------------------------
# memory of a fresh process


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset the resident-set high-water mark (Linux); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _maxrss_kib() -> int:
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss // 1024 if sys.platform == "darwin" else rss  # bytes on macOS, KiB on Linux


# ------------------------------------------------------------------------------------------
# the machine


def machine_info() -> dict:
    """What the numbers were measured on."""
    import numpy
    import scipy

    import terastal

    model = _platform.processor() or _platform.machine()
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
            cwd=Path(__file__).parent, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        commit = None
    return {
        "cpu_model": model,
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "terastal": terastal.__version__,
        "commit": commit,
        "load_avg_start": load_avg(),
        "calibration_ms": calibrate(),
    }
