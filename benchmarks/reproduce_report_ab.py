"""What follows a ``reproduce`` suite (summary, runs.csv, plots, report): two checkouts.

The rows are those stored in the ``points/`` directory of an earlier ``terastal reproduce
--out DIR``. Each round runs one fresh process per checkout (order alternating): it loads
the rows and the report's modules, does what the command does while its last points run
(``load_plotting``, where the checkout has it), then times the rest as the command runs it
after the suite (two drawing processes where the checkout can). Prints the medians of wall
and of this process's CPU; the drawing child's CPU is not in the latter.

Usage (from the repository root; BEFORE is the ``src`` of another checkout)::

    terastal reproduce --quick --workers 2 --out /tmp/q
    python benchmarks/reproduce_report_ab.py --before BEFORE/src --points /tmp/q/points
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parent.parent / "src")

CHILD = """
import json, sys, tempfile, time
from pathlib import Path
from terastal.reproduce.summary import rows_csv, summarize
import terastal.reproduce.report as report
rows = []
for f in sorted(Path(sys.argv[1]).glob("*.json")):
    rows += json.loads(f.read_text())["rows"]
two = hasattr(report, "load_plotting")
if two:
    report.load_plotting()  # during the suite's tail
out = Path(tempfile.mkdtemp())
t0, c0 = time.perf_counter(), time.process_time()
summary = summarize(rows)
rows_csv(rows)
plots = report.write_plots(rows, summary, out, processes=2) if two else report.write_plots(
    rows, summary, out)
report.report_md(rows, summary, plots, "t")
print(json.dumps({"wall_s": time.perf_counter() - t0, "cpu_s": time.process_time() - c0}))
"""


def main(argv: list[str] | None = None) -> int:
    """Alternate both checkouts; print the medians."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, help="src directory of the older checkout")
    ap.add_argument("--points", required=True, help="points/ directory of a reproduce run")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    sides = {"before": args.before, "after": SRC}
    got: dict[str, list[dict]] = {k: [] for k in sides}
    loads = []
    for r in range(args.rounds):
        loads.append(os.getloadavg()[0])
        for side in ("before", "after") if r % 2 == 0 else ("after", "before"):
            env = {**os.environ, "PYTHONPATH": sides[side]}
            out = subprocess.run([sys.executable, "-c", CHILD, args.points], env=env,
                                 capture_output=True, text=True, check=True)  # fmt: skip
            got[side].append(json.loads(out.stdout.strip().splitlines()[-1]))
    for side, rs in got.items():
        wall = statistics.median(x["wall_s"] for x in rs)
        cpu = statistics.median(x["cpu_s"] for x in rs)
        print(f"{side:7s} after the suite: {wall:.2f} s wall, {cpu:.2f} CPU-s (medians)")
    print(f"load {min(loads):.1f} - {max(loads):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
