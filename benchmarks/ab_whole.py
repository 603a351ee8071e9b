"""Whole ``terastal simulate`` processes of two checkouts, side by side (before and after).

Each label runs once per round, the order rotated each round, with compiled bytecode and a
shared fresh on-disk cache (filled, with the bytecode, by one run of each before the rounds);
medians of wall, CPU and peak memory are printed and written as JSON.

Usage (from the repository root; BEFORE is the ``src`` of another checkout, e.g. made with
``git archive <commit> src | tar -x -C /tmp/before``)::

    python benchmarks/ab_whole.py --before /tmp/before/src --rounds 9
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

from bench_cases import load_avg
from bench_whole import SIM_ARGS, cache_env, measure

SRC = str(Path(__file__).resolve().parent.parent / "src")


def main(argv: list[str] | None = None) -> int:
    """Alternate the commands of both checkouts; print and write the medians."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, help="src directory of the older checkout")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "ab_whole.json"))
    args = ap.parse_args(argv)
    cache = tempfile.mkdtemp(prefix="terastal-ab-")

    def env(src: str) -> dict:
        e = cache_env(cache)
        e.update(PYTHONPATH=src, PYTHONPYCACHEPREFIX=f"{cache}/pycache{src.replace('/', '_')}")
        return e

    cli = [sys.executable, "-m", "terastal.cli", *SIM_ARGS, "--no-progress"]
    cmds = {
        "before: terastal": ([*cli, "--scheduler", "terastal"], env(args.before)),
        "after: terastal, warm cache": ([*cli, "--scheduler", "terastal"], env(SRC)),
        "after: terastal, --no-cache": ([*cli, "--scheduler", "terastal", "--no-cache"], env(SRC)),
        "before: edf": ([*cli, "--scheduler", "edf"], env(args.before)),
        "after: edf": ([*cli, "--scheduler", "edf"], env(SRC)),
        "python -c pass": ([sys.executable, "-c", "pass"], env(SRC)),
    }
    for argv_, e in cmds.values():
        measure(argv_, env=e)
    rows: dict[str, list[dict]] = {k: [] for k in cmds}
    loads = [load_avg()]
    labels = list(cmds)
    for r in range(args.rounds):
        k = r % len(labels)
        for label in labels[k:] + labels[:k]:
            rows[label].append(measure(cmds[label][0], env=cmds[label][1]))
        loads.append(load_avg())
        print(f"round {r + 1}/{args.rounds}: load {loads[-1]:.2f}", file=sys.stderr, flush=True)
    keys = ("wall_s", "cpu_s", "peak_rss_mib")
    medians = {
        lab: {k: statistics.median(x[k] for x in rs) for k in keys} for lab, rs in rows.items()
    }
    res = {"before": args.before, "rounds": args.rounds, "load_avg": loads, "results": medians}
    for label, m in res["results"].items():
        print(f"{label:30s} wall {m['wall_s']:.3f} s  CPU {m['cpu_s']:.3f} s  "
              f"peak RSS {m['peak_rss_mib']:.0f} MiB")  # fmt: skip
    print(f"load {min(loads):.1f} - {max(loads):.1f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
