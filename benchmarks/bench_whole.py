"""Whole-process figures: what a user waits for, start-up and all.

``whole``
    ``terastal simulate`` of VR_gaming on Dual_4K/WS_OS for 700 ms under XRBench's cost mode
    (``--cost-model analytical:mode=xrbench``) with terastal (plan and tables read from a warm
    on-disk cache, and built with ``--no-cache``), with edf, the interpreter alone (``python
    -c pass``, the floor of any command), and XRBench's own
    engine on the same scenario, platform and horizon when ``XRBENCH_MAESTRO`` names its
    binary (``benchmarks/xrbench_maestro.sh`` builds it; its summary is checked against the
    reference before it is timed). The commands alternate, round after round, so a busy spell
    of the shared machine hits all of them alike; medians are reported.
``reproduce``
    ``terastal reproduce --quick`` as one process tree (the parent and its workers); the first
    round with an empty on-disk cache, the others with the cache it left.
``suite``
    The full bundled suite (``terastal reproduce``), behind ``run_all.py --full-suite``:
    minutes on two cores.

Measured commands run with bytecode, as an installed package has it, and their own on-disk
cache (:func:`cache_env`). Every figure is of a whole process tree, read from
``os.wait4``: wall time, CPU time (user + system of the process and the children it waited
for) and peak resident set (the largest single process of the tree, ``ru_maxrss``). Linux
counts in a child's ``ru_maxrss`` the resident set of the process that forked it (the
high-water mark of the image it replaced at exec), so a command started straight from this
script would show at least this script's own memory; commands therefore run under GNU
``time`` when ``/usr/bin/time`` exists, a small process whose ``%M`` is their own peak. Runs
per second count distinct (mix, platform, utilization, scheduler, seed) rows of ``runs.csv``.
"""

from __future__ import annotations

import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_cases import _progress, load_avg

from terastal._cores import worker_count

ROOT = Path(__file__).resolve().parent.parent
MAESTRO_SH = ROOT / "benchmarks" / "xrbench_maestro.sh"
XRBENCH = ROOT / "src" / "terastal" / "data" / "xrbench"
SIM_ARGS = (
    "simulate", "--scenario", "VR_gaming", "--platform", "Dual_4K/WS_OS",
    "--duration-ms", "700", "--cost-model", "analytical:mode=xrbench",
)  # fmt: skip


GNU_TIME = "/usr/bin/time"


def measure(argv: list[str], cwd: str | None = None, env: dict | None = None) -> dict:
    """Run ``argv`` to completion; its wall time, CPU time and peak resident set."""
    with tempfile.TemporaryDirectory() as tmp:
        rss_file = Path(tmp) / "maxrss"
        # Under GNU time the peak is that of a child forked from a small process, not from
        # this one (see the module docstring); its own share of the CPU time is negligible.
        timed = sys.platform == "linux" and os.access(GNU_TIME, os.X_OK)
        full = [GNU_TIME, "-f", "%M", "-o", str(rss_file), *argv] if timed else argv
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            full, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        # wait4 reports this child's own usage plus that of the children it waited for.
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        if proc.stderr:
            proc.stderr.close()
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} exited {proc.returncode}: {err.strip()[-500:]}")
        if timed:
            rss_kib = int(rss_file.read_text().split()[-1])
        else:
            rss_kib = ru.ru_maxrss // 1024 if sys.platform == "darwin" else ru.ru_maxrss
    return {"wall_s": wall, "cpu_s": ru.ru_utime + ru.ru_stime, "peak_rss_mib": rss_kib / 1024}


def alternate(cmds: dict[str, list[str]], rounds: int, env: dict | None = None) -> dict[str, dict]:
    """Run every command once per round, the order rotated each round; medians per command."""
    runs: dict[str, list[dict]] = {label: [] for label in cmds}
    labels = list(cmds)
    for r in range(rounds):
        k = r % len(labels)
        for label in labels[k:] + labels[:k]:
            row = measure(cmds[label], env=env)
            row["load_avg"] = load_avg()
            runs[label].append(row)
            _progress(f"whole: {label} round {r + 1}/{rounds}: {row['wall_s']:.2f} s wall")
    return {label: _median(rows) for label, rows in runs.items()}


def _median(rows: list[dict]) -> dict:
    keys = ("wall_s", "cpu_s", "peak_rss_mib")
    out = {f"{k}_median": statistics.median(r[k] for r in rows) for k in keys}
    out.update(runs=len(rows), rows=rows)
    return out


def maestro_argv(binary: str, out_dir: str) -> list[str]:
    """XRBench-MAESTRO on VR_gaming / Dual_4K / WS_OS with the bundled inputs."""
    return [
        binary,
        f"--model_file={XRBENCH / 'usage_scenarios' / 'VR_gaming.m'}",
        f"--dataflow_file={XRBENCH / 'dataflows' / 'dual' / 'WS_OS.m'}",
        f"--hw_file={XRBENCH / 'hw_configs' / 'dual' / 'Dual_4K.m'}",
        f"--XRBench_timeline_output_file_name={Path(out_dir) / 'timeline.csv'}",
        f"--XRBench_summary_output_file_name={Path(out_dir) / 'summary.csv'}",
    ]


def _maestro_binary() -> tuple[str | None, str]:
    """The XRBench-MAESTRO binary to time, or None and why not."""
    binary = os.environ.get("XRBENCH_MAESTRO")
    if not binary:
        return None, "XRBENCH_MAESTRO not set (benchmarks/xrbench_maestro.sh builds it)"
    if not os.access(binary, os.X_OK):
        return None, f"XRBENCH_MAESTRO={binary} is not an executable file"
    check = subprocess.run(
        ["bash", str(MAESTRO_SH), "check"], capture_output=True, text=True,
        env={**os.environ, "XRBENCH_MAESTRO": binary},
    )  # fmt: skip
    if check.returncode != 0:
        return None, f"its VR_gaming summary differs from the reference:\n{check.stdout}"
    return binary, "summary matches the reference"


def cache_env(cache_dir: str) -> dict:
    """The environment of a measured command: its own on-disk cache (turned on), and bytecode
    written and read as an installed package has it. Without it (``PYTHONDONTWRITEBYTECODE``,
    which is dropped), every process compiles each module of the working tree it imports;
    the ``__pycache__`` directories this writes are ignored by git."""
    drop = ("TERASTAL_NO_CACHE", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["TERASTAL_CACHE_DIR"] = cache_dir
    return env


def bench_whole(rounds: int) -> dict:
    """Simulate as whole processes, side by side with XRBench-MAESTRO when it is built.

    ``warm cache``: the plan and cost tables are read from the on-disk cache (filled by one
    run before the rounds); ``--no-cache``: every run builds them (the LP imports scipy).
    ``python -c pass`` is the interpreter's own start-up, the floor of any command.
    """
    cli = [sys.executable, "-m", "terastal.cli", *SIM_ARGS]
    cmds = {
        "terastal simulate (terastal, warm cache)": [*cli, "--scheduler", "terastal"],
        "terastal simulate (terastal, --no-cache)": [*cli, "--scheduler", "terastal",
                                                     "--no-cache"],
        "terastal simulate (edf)": [*cli, "--scheduler", "edf"],
        "python -c pass": [sys.executable, "-c", "pass"],
    }  # fmt: skip
    binary, note = _maestro_binary()
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as cache:
        env = cache_env(cache)
        for argv in cmds.values():  # fill the cache and compile the bytecode
            measure(argv, env=env)
        if binary:
            cmds["XRBench-MAESTRO"] = maestro_argv(binary, tmp)
        res: dict = {"load_avg_start": load_avg(), "maestro": note}
        res["commands"] = {label: " ".join(argv) for label, argv in cmds.items()}
        res["results"] = alternate(cmds, rounds, env=env)
    res["load_avg_end"] = load_avg()
    ref = res["results"].get("XRBench-MAESTRO")
    if ref:
        for row in res["results"].values():
            row["speedup_wall"] = ref["wall_s_median"] / row["wall_s_median"]
            row["speedup_cpu"] = ref["cpu_s_median"] / row["cpu_s_median"]
    return res


def count_runs(runs_csv: Path) -> int:
    """Distinct (mix, platform, utilization, scheduler, seed) runs in a reproduce runs.csv."""
    with runs_csv.open(newline="") as f:
        keys = {
            (r["mix"], r["platform"], r["utilization"], r["scheduler"], r["seed"])
            for r in csv.DictReader(f)
        }
    return len(keys)


def bench_reproduce(rounds: int, quick: bool = True, workers: int = 0) -> dict:
    """``terastal reproduce`` (``--quick`` or the full suite) as a whole process tree.

    Every round has a fresh output directory; the on-disk cache is fresh for the first round
    (``cold``: plans and tables built) and kept for the others (``warm``).
    """
    rows = []
    load0 = load_avg()
    with tempfile.TemporaryDirectory() as cache:
        env = cache_env(cache)
        for r in range(rounds):
            with tempfile.TemporaryDirectory() as tmp:
                argv = [sys.executable, "-m", "terastal.cli", "reproduce", "--out", tmp,
                        "--workers", str(workers)] + (["--quick"] if quick else [])  # fmt: skip
                row = measure(argv, env=env)
                row["runs"] = count_runs(Path(tmp) / "runs.csv")
            row["cache"] = "cold" if r == 0 else "warm"
            row["runs_per_s"] = row["runs"] / row["wall_s"]
            row["runs_per_cpu_s"] = row["runs"] / row["cpu_s"]
            row["load_avg"] = load_avg()
            rows.append(row)
            what = "quick" if quick else "full"
            _progress(f"reproduce {what} round {r + 1}/{rounds}: {row['wall_s']:.1f} s wall")
    out = _median(rows)
    out.update(
        quick=quick,
        workers=worker_count(workers),
        run_count=rows[0]["runs"],
        runs_per_s_median=statistics.median(r["runs_per_s"] for r in rows),
        runs_per_cpu_s_median=statistics.median(r["runs_per_cpu_s"] for r in rows),
        load_avg_start=load0,
        load_avg_end=load_avg(),
    )
    return out


def print_whole(res: dict) -> None:
    """The tables of the whole-process sections present in ``res``."""
    from bench_report import table

    if "whole" in res:
        w = res["whole"]
        rows = [
            (label, r["runs"], f"{r['wall_s_median']:.2f}", f"{r['cpu_s_median']:.2f}",
             f"{r['peak_rss_mib_median']:.0f}",
             f"{r['speedup_wall']:.2f}x" if "speedup_wall" in r else "-")
            for label, r in w["results"].items()
        ]  # fmt: skip
        table(
            f"whole process: VR_gaming / Dual_4K/WS_OS, 700 ms (load {w['load_avg_start']:.2f}"
            f" -> {w['load_avg_end']:.2f}; XRBench-MAESTRO: {w['maestro']})",
            ("command", "runs", "wall s (median)", "CPU s", "peak RSS MiB", "vs MAESTRO"),
            rows,
        )
    for key in ("reproduce", "suite"):
        if key in res:
            r = res[key]
            table(
                f"terastal reproduce{' --quick' if r['quick'] else ''} ({r['workers']} workers, "
                f"load {r['load_avg_start']:.2f} -> {r['load_avg_end']:.2f})",
                ("figure", "median of", "value"),
                [
                    ("runs", 1, r["run_count"]),
                    ("wall s", r["runs"], f"{r['wall_s_median']:.1f}"),
                    ("CPU s (whole tree)", r["runs"], f"{r['cpu_s_median']:.1f}"),
                    (
                        "peak RSS MiB (largest process)",
                        r["runs"],
                        f"{r['peak_rss_mib_median']:.0f}",
                    ),
                    ("runs/s", r["runs"], f"{r['runs_per_s_median']:.1f}"),
                    ("runs/CPU-s", r["runs"], f"{r['runs_per_cpu_s_median']:.1f}"),
                    (
                        "each round (cache: wall s / CPU s)",
                        r["runs"],
                        ", ".join(
                            f"{x.get('cache', '?')}: {x['wall_s']:.1f} / {x['cpu_s']:.1f}"
                            for x in r["rows"]
                        ),
                    ),
                ],
            )
