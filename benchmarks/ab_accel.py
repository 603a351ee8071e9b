"""The compiled accelerator against pure Python: whole processes, alternating, same checkout.

``TERASTAL_PURE=1`` turns the accelerator off (``python -m terastal._accel build`` must have
built it). Each round runs every command once, the order rotated; bytecode is written and
read and the on-disk cache is shared and warm (filled first), as in ``ab_whole.py``. Medians
of wall, CPU and peak memory are printed and written as JSON.

Usage (from the repository root)::

    python benchmarks/ab_accel.py --rounds 9                 # simulate, terastal and edf
    python benchmarks/ab_accel.py --reproduce --rounds 3     # reproduce --quick --workers 2
    python benchmarks/ab_accel.py --reproduce --full --rounds 1

``--reproduce`` also checks that every ``runs.csv`` is byte-identical to the first one.
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
SIDES = {"compiled": "0", "pure": "1"}


def main(argv: list[str] | None = None) -> int:
    """Alternate compiled and pure runs; print and write the medians."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--reproduce", action="store_true", help="reproduce, not simulate")
    ap.add_argument("--full", action="store_true", help="with --reproduce: the full suite")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    name = "ab_accel_reproduce.json" if args.reproduce else "ab_accel.json"
    out = Path(args.out) if args.out else Path(__file__).parent / "results" / name
    cache = tempfile.mkdtemp(prefix="terastal-ab-accel-")

    def env(pure: str) -> dict:
        return {**cache_env(cache), "PYTHONPATH": SRC, "TERASTAL_PURE": pure}

    cli = [sys.executable, "-m", "terastal.cli"]
    if args.reproduce:
        suite = [] if args.full else ["--quick"]
        cmds = {
            side: ([*cli, "reproduce", *suite, "--workers", "2", "--out"], env(p))
            for side, p in SIDES.items()
        }
    else:
        sim = [*cli, *SIM_ARGS, "--no-progress"]
        cmds = {
            f"{side}: {s}": ([*sim, "--scheduler", s], env(p))
            for s in ("terastal", "edf")
            for side, p in SIDES.items()
        }
    reference = None
    if args.reproduce:  # fills the cache (plans, tables) and the bytecode
        argv0, env0 = cmds["compiled"]
        measure([*argv0, f"{cache}/fill"], env=env0)
        reference = Path(f"{cache}/fill/runs.csv").read_bytes()
    else:
        for argv_, e in cmds.values():
            measure(argv_, env=e)
    rows: dict[str, list[dict]] = {k: [] for k in cmds}
    labels = list(cmds)
    for r in range(args.rounds):
        k = r % len(labels)
        for label in labels[k:] + labels[:k]:
            argv_, e = cmds[label]
            dest = f"{cache}/{label.split(':')[0]}{r}"
            row = measure([*argv_, dest] if args.reproduce else argv_, env=e)
            row["load_avg"] = load_avg()
            if reference is not None:
                row["runs_csv_identical"] = Path(f"{dest}/runs.csv").read_bytes() == reference
            rows[label].append(row)
            print(f"round {r + 1}: {label} {row['wall_s']:.2f} s wall, {row['cpu_s']:.2f} CPU-s, "
                  f"load {row['load_avg']:.1f}", file=sys.stderr, flush=True)  # fmt: skip
    keys = ("wall_s", "cpu_s", "peak_rss_mib")
    res: dict = {"rounds": args.rounds, "rows": rows, "medians": {}}
    for label, rs in rows.items():
        med = {k: statistics.median(x[k] for x in rs) for k in keys}
        res["medians"][label] = med
        same = (
            f"  runs.csv identical: {all(x['runs_csv_identical'] for x in rs)}"
            if reference is not None else ""
        )  # fmt: skip
        print(f"{label:20s} wall {med['wall_s']:.3f} s  CPU {med['cpu_s']:.3f} s  peak RSS "
              f"{med['peak_rss_mib']:.0f} MiB{same}")  # fmt: skip
    loads = [x["load_avg"] for rs in rows.values() for x in rs]
    print(f"load {min(loads):.1f} - {max(loads):.1f}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
