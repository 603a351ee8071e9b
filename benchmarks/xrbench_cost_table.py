"""How close ``analytical:mode=xrbench`` comes to XRBench-MAESTRO's own per-model costs.

Compares, for every (network, accelerator type) pair of the bundled XRBench-MAESTRO table
(``src/terastal/data/xrbench/model_costs.csv``: 12 networks x 21 (PEs, NoC bandwidth,
dataflow) types), the latency and energy of one inference under the analytical model's
``xrbench`` mode (layer costs summed per model, cycles at XRBench's 1 GHz, float32 ms, as
:func:`terastal.xrbench.costs.cost_matrix` converts them for the profile) with the table's.
Prints the share of exact and near latencies, the median error, the error per dataflow and
the energy ratios.

    python benchmarks/xrbench_cost_table.py [--csv FILE]

No timing: the numbers depend on the code only (docs/design.md, "Calibration against
MAESTRO", quotes them).
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
from pathlib import Path

from terastal.cost.registry import get_cost_model, parse_cost_spec
from terastal.io.resolve import list_platforms, load_model, load_platform
from terastal.xrbench.costs import _key, _table
from terastal.xrbench.f32 import f32

SPEC = "analytical:mode=xrbench"


def _accelerators() -> dict[tuple[int, int, str], object]:
    """One bundled accelerator per (PEs, NoC bandwidth, dataflow) type of XRBench."""
    out = {}
    for name in list_platforms():
        for acc in load_platform(name).accelerators:
            out.setdefault(_key(acc), acc)
    return out


def measure() -> list[dict]:
    """One row per table entry: the table's and the analytical mode's latency and energy."""
    name, options = parse_cost_spec(SPEC)
    backend = get_cost_model(name, **options)
    accs = _accelerators()
    rows = []
    for (pes, bw, df, net), ref in sorted(_table().items()):
        acc = accs[(pes, bw, df)]
        c = backend.evaluate(load_model(net).layers, acc)
        # as terastal.xrbench.costs converts a backend's costs: cycles at 1 GHz, float32 ms
        cycles = round(float(c.latency_s.sum()) * acc.clock_hz)
        latency_ms, energy_mj = f32(f32(cycles) / 1e6), f32(float(c.energy_j.sum()) * 1e3)
        rows.append(
            {
                "network": net,
                "num_pes": pes,
                "noc_bw": bw,
                "dataflow": df,
                "latency_ms_table": ref.latency_ms,
                "latency_ms_analytical": latency_ms,
                "latency_error": latency_ms / ref.latency_ms - 1.0,
                "energy_mj_table": ref.energy_mj,
                "energy_mj_analytical": energy_mj,
                "energy_ratio": energy_mj / ref.energy_mj,
            }
        )
    return rows


def report(rows: list[dict]) -> str:
    """The statistics docs/design.md quotes, as text."""
    n = len(rows)
    err = [abs(r["latency_error"]) for r in rows]
    exact = sum(abs(r["latency_ms_analytical"] - r["latency_ms_table"]) < 1e-3 for r in rows)
    lines = [
        f"{n} (network, accelerator) pairs; latency of {SPEC} vs XRBench-MAESTRO's table",
        f"  exact (within 1e-3 ms): {exact}",
        f"  within 2 %: {sum(e <= 0.02 for e in err)}   within 10 %: "
        f"{sum(e <= 0.10 for e in err)}   within 25 %: {sum(e <= 0.25 for e in err)}",
        f"  |error| median {statistics.median(err):.1%}, max {max(err):.1%}",
    ]
    for df in sorted({r["dataflow"] for r in rows}):
        sub = [r["latency_error"] for r in rows if r["dataflow"] == df]
        lines.append(
            f"  {df} ({len(sub)} pairs): within 2 % {sum(abs(e) <= 0.02 for e in sub)}, "
            f"|error| median {statistics.median(map(abs, sub)):.1%}; signed median "
            f"{statistics.median(sub):+.1%}, min {min(sub):+.1%}, max {max(sub):+.1%}"
        )
    worst = max(rows, key=lambda r: abs(r["latency_error"]))
    lines.append(
        f"  worst: {worst['network']} on {worst['num_pes']} PEs / {worst['noc_bw']} / "
        f"{worst['dataflow']}: {worst['latency_ms_analytical']:.3f} vs "
        f"{worst['latency_ms_table']:.3f} ms ({worst['latency_error']:+.0%})"
    )
    ratio = [r["energy_ratio"] for r in rows]
    lines.append(
        f"energy analytical / table: median {statistics.median(ratio):.2f}, "
        f"min {min(ratio):.2f}, max {max(ratio):.2f} "
        f"(i.e. {1 - max(ratio):.0%}-{1 - min(ratio):.0%} too low)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, help="Also write the per-pair rows here.")
    args = parser.parse_args(argv)
    rows = measure()
    print(report(rows))
    if args.csv is not None:
        with args.csv.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
