"""Where a warm ``terastal simulate`` goes: its stages and its imports, in fresh processes.

Each round runs a fresh interpreter (bytecode on, the on-disk cache filled by one CLI run
before the rounds) that goes through the steps of ``terastal simulate`` of the whole-process
case (VR_gaming / Dual_4K/WS_OS, 700 ms, ``analytical:mode=xrbench``) one by one, timing each
with ``perf_counter``, and a second one under ``python -X importtime`` running the command
itself; the import times are summed by top-level package (``terastal`` by subpackage).
Medians over the rounds are printed and written as JSON.

Usage (from the repository root)::

    python benchmarks/whole_stages.py --rounds 5
    python benchmarks/whole_stages.py --rounds 7 --before /tmp/before/src   # two checkouts

With ``--before`` the rounds alternate between that checkout and this one (each with its
own cache), so that a slow spell of the machine hits both alike, and both are reported.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_whole import SIM_ARGS, cache_env

SRC = str(Path(__file__).resolve().parent.parent / "src")

# The steps of commands/simulate.py, one timer each (the probe prints them as JSON).
PROBE = """
import contextlib, io, json, sys, time
marks, t = [], time.perf_counter()
def mark(name):
    global t
    now = time.perf_counter(); marks.append((name, now - t)); t = now
import terastal.cli
mark("import terastal.cli (typer)")
from terastal.commands import simulate as cmd
mark("import the command module")
from terastal.experiment import AUTO, RunSpec, check_spec, check_work, make_policy, prepare
mark("import terastal.experiment (numpy, cost, model, io)")
import terastal.metrics, terastal.sim
mark("import sim and metrics")
spec = RunSpec("VR_gaming", "Dual_4K/WS_OS", SCHEDULER, {}, plan=AUTO,
               cost_model="analytical:mode=xrbench", duration_s=0.7)
check_spec(spec)
prepared = prepare(spec.case)
mark("prepare (parse scenario and platform)")
check_work(spec, prepared)
policy = make_policy(spec, prepared)
mark("make_policy (scheduler import, plan from the cache)")
tables = prepared.tables(policy.plan)
mark("cost tables from the cache")
result = terastal.sim.simulate(prepared.scenario, prepared.platform, tables, policy.scheduler,
                               duration_s=spec.duration_s, seed=0, late="scheduler")
mark("simulate")
metrics = terastal.metrics.compute_metrics(result, getattr(policy.scheduler, "accuracy_loss", None))
mark("metrics")
with contextlib.redirect_stdout(io.StringIO()):
    cmd.print_metrics(metrics)
mark("print the table (to a pipe)")
print(json.dumps(marks))
"""

_IMPORT = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


def _group(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "terastal" else parts[0]


def imports_by_package(stderr: str) -> dict[str, float]:
    """Self import time (ms) summed per top-level package from ``-X importtime`` output."""
    out: dict[str, float] = {}
    for line in stderr.splitlines():
        m = _IMPORT.match(line)
        if m:
            key = _group(m.group(4))
            out[key] = out.get(key, 0.0) + int(m.group(1)) / 1e3
    return out


def _round(src: str, scheduler: str, env: dict) -> tuple[list, dict[str, float]]:
    """One fresh process through the stages, one under ``-X importtime``."""
    cli = [sys.executable, "-m", "terastal.cli", *SIM_ARGS, "--scheduler", scheduler]
    probe = PROBE.replace("SCHEDULER", repr(scheduler))
    run = subprocess.run([sys.executable, "-c", probe], env=env, check=True,
                         capture_output=True, text=True)  # fmt: skip
    stages = json.loads(run.stdout.strip().splitlines()[-1])
    timed = subprocess.run([sys.executable, "-X", "importtime", *cli[1:], "--no-progress"],
                           env=env, check=True, capture_output=True, text=True)  # fmt: skip
    return stages, imports_by_package(timed.stderr)


def main(argv: list[str] | None = None) -> int:
    """Time the stages and imports of warm simulate processes; print and write medians."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--scheduler", default="terastal")
    ap.add_argument("--src", default=SRC, help="src directory of the checkout to measure")
    ap.add_argument("--before", default=None, help="src of another checkout, alternated")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "whole_stages.json"))
    args = ap.parse_args(argv)
    sides = {"after": args.src} if args.before is None else {"before": args.before,
                                                              "after": args.src}  # fmt: skip
    stages = {side: {} for side in sides}
    imports = {side: {} for side in sides}
    with tempfile.TemporaryDirectory() as caches:
        envs = {}
        for side, src in sides.items():
            envs[side] = {**cache_env(str(Path(caches) / side)), "PYTHONPATH": src}
            cli = [sys.executable, "-m", "terastal.cli", *SIM_ARGS, "--scheduler", args.scheduler]
            subprocess.run([*cli, "--no-progress"], env=envs[side], check=True,
                           capture_output=True)  # fmt: skip
        for r in range(args.rounds):
            order = list(sides) if r % 2 == 0 else list(reversed(sides))
            for side in order:
                marks, by_package = _round(sides[side], args.scheduler, envs[side])
                for name, s in marks:
                    stages[side].setdefault(name, []).append(s * 1e3)
                for key, ms in by_package.items():
                    imports[side].setdefault(key, []).append(ms)
            print(f"round {r + 1}/{args.rounds}", file=sys.stderr, flush=True)
    med = {side: {k: statistics.median(v) for k, v in stages[side].items()} for side in sides}
    imp = {side: {k: statistics.median(v) for k, v in imports[side].items()} for side in sides}
    print(f"stages of a warm simulate --scheduler {args.scheduler} (ms, median of {args.rounds})")
    print("  " + "".join(f"{side:>9s}" for side in sides))
    for name in med["after"]:
        print("  " + "".join(f"{med[side].get(name, 0.0):9.1f}" for side in sides) + f"  {name}")
    totals = "".join(f"{sum(med[side].values()):9.1f}" for side in sides)
    print(f"  {totals}  total (interpreter start-up not included)")
    print("self import time by package under -X importtime (ms, median; inflated by the timer)")
    keys = sorted(imp["after"], key=lambda k: -imp["after"][k])[:15]
    for key in keys:
        print("  " + "".join(f"{imp[side].get(key, 0.0):9.1f}" for side in sides) + f"  {key}")
    all_imports = "".join(f"{sum(imp[side].values()):9.1f}" for side in sides)
    print(f"  {all_imports}  all imports")
    res = {"scheduler": args.scheduler, "sides": sides, "rounds": args.rounds,
           "stages_ms": med, "imports_ms": imp}  # fmt: skip
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
