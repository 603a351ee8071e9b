"""Where a warm ``terastal simulate`` goes: its stages and its imports, in fresh processes.

Each round runs a fresh interpreter (bytecode on, the on-disk cache filled by one CLI run
before the rounds) that goes through the steps of ``terastal simulate`` of the whole-process
case (VR_gaming / Dual_4K/WS_OS, 700 ms, ``analytical:mode=xrbench``) one by one, timing each
with ``perf_counter``, and a second one under ``python -X importtime`` running the command
itself; the import times are summed by top-level package (``terastal`` by subpackage).
Medians over the rounds are printed and written as JSON.

Usage (from the repository root)::

    python benchmarks/whole_stages.py --rounds 5
    python benchmarks/whole_stages.py --scheduler edf --src /tmp/before/src   # another checkout
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


def main(argv: list[str] | None = None) -> int:
    """Time the stages and imports of warm simulate processes; print and write medians."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--scheduler", default="terastal")
    ap.add_argument("--src", default=SRC, help="src directory of the checkout to measure")
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "whole_stages.json"))
    args = ap.parse_args(argv)
    cli = [sys.executable, "-m", "terastal.cli", *SIM_ARGS, "--scheduler", args.scheduler]
    stages: dict[str, list[float]] = {}
    imports: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as cache:
        env = {**cache_env(cache), "PYTHONPATH": args.src}
        subprocess.run([*cli, "--no-progress"], env=env, check=True, capture_output=True)
        probe = PROBE.replace("SCHEDULER", repr(args.scheduler))
        for r in range(args.rounds):
            run = subprocess.run([sys.executable, "-c", probe], env=env, check=True,
                                 capture_output=True, text=True)  # fmt: skip
            for name, s in json.loads(run.stdout.strip().splitlines()[-1]):
                stages.setdefault(name, []).append(s * 1e3)
            timed = subprocess.run([sys.executable, "-X", "importtime", *cli[1:], "--no-progress"],
                                   env=env, check=True, capture_output=True, text=True)  # fmt: skip
            for key, ms in imports_by_package(timed.stderr).items():
                imports.setdefault(key, []).append(ms)
            print(f"round {r + 1}/{args.rounds}", file=sys.stderr, flush=True)
    med_stages = {k: statistics.median(v) for k, v in stages.items()}
    med_imports = {k: statistics.median(v) for k, v in imports.items()}
    print(f"stages of a warm simulate --scheduler {args.scheduler} (ms, median of {args.rounds})")
    for name, ms in med_stages.items():
        print(f"  {ms:7.1f}  {name}")
    print(f"  {sum(med_stages.values()):7.1f}  total (interpreter start-up not included)")
    print("self import time by package under -X importtime (ms, median; inflated by the timer)")
    top = sorted(med_imports.items(), key=lambda kv: -kv[1])
    for key, ms in top[:15]:
        print(f"  {ms:7.1f}  {key}")
    print(f"  {sum(med_imports.values()):7.1f}  all imports")
    res = {"scheduler": args.scheduler, "src": args.src, "rounds": args.rounds,
           "stages_ms": med_stages, "imports_ms": med_imports}  # fmt: skip
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
