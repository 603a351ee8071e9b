"""Whole ``terastal simulate`` processes of two checkouts, side by side (before and after).

Each label runs once per round, the order rotated each round, with bytecode and a
shared fresh on-disk cache (filled, with the bytecode, by one run of each before the rounds);
medians of wall, CPU and peak memory are printed and written as JSON.

Usage (from the repository root; BEFORE is the ``src`` of another checkout, e.g. made with
``git archive <commit> src | tar -x -C /tmp/before``)::

    python benchmarks/ab_whole.py --before /tmp/before/src --rounds 9
    python benchmarks/ab_whole.py --before /tmp/before/src --reproduce --rounds 3

``--reproduce`` compares ``terastal reproduce --quick --workers 2`` instead (both sides with
a cache filled by a first run of each), and checks that every ``runs.csv`` is byte-identical
to the before side's.
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
    ap.add_argument("--reproduce", action="store_true", help="reproduce --quick, not simulate")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    name = "ab_reproduce.json" if args.reproduce else "ab_whole.json"
    out = Path(args.out) if args.out else Path(__file__).parent / "results" / name
    cache = tempfile.mkdtemp(prefix="terastal-ab-")

    def env(src: str) -> dict:
        return {**cache_env(cache), "PYTHONPATH": src}

    cli = [sys.executable, "-m", "terastal.cli", *SIM_ARGS, "--no-progress"]
    if args.reproduce:
        return _reproduce(args, out, cache, env)
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
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + "\n")
    return 0


def _reproduce(args, out: Path, cache: str, env) -> int:
    """``reproduce --quick`` of both checkouts, alternating; runs.csv compared byte for byte."""
    import subprocess

    def argv(dest: str) -> list[str]:
        return [sys.executable, "-m", "terastal.cli", "reproduce", "--quick", "--workers", "2",
                "--out", dest]  # fmt: skip

    sides = {"before": env(args.before), "after": env(SRC)}
    for side, e in sides.items():  # each side's plans and tables (keys differ by code stamp)
        subprocess.run(argv(f"{cache}/fill-{side}"), env=e, capture_output=True, check=True)
    reference = Path(f"{cache}/fill-before/runs.csv").read_bytes()
    rows: dict[str, list[dict]] = {k: [] for k in sides}
    for r in range(args.rounds):
        for side in ("before", "after") if r % 2 == 0 else ("after", "before"):
            dest = f"{cache}/{side}{r}"
            row = measure(argv(dest), env=sides[side])
            row["load_avg"] = load_avg()
            row["runs_csv_identical"] = Path(f"{dest}/runs.csv").read_bytes() == reference
            rows[side].append(row)
            print(f"round {r + 1}: {side} {row['wall_s']:.1f} s wall, {row['cpu_s']:.1f} CPU-s, "
                  f"load {row['load_avg']:.1f}", file=sys.stderr, flush=True)  # fmt: skip
    res = {"before": args.before, "rounds": args.rounds, "rows": rows}
    for side, rs in rows.items():
        med = {k: statistics.median(x[k] for x in rs) for k in ("wall_s", "cpu_s", "peak_rss_mib")}
        res[side] = med
        same = all(x["runs_csv_identical"] for x in rs)
        print(f"{side:7s} wall {med['wall_s']:.1f} s  CPU {med['cpu_s']:.1f} s  peak RSS "
              f"{med['peak_rss_mib']:.0f} MiB  runs.csv identical: {same}")  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
