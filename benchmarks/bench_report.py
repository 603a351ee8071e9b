"""Output of the benchmark suite: the tables of a results document and the targets check."""

from __future__ import annotations

# Targets of issue 5, checked at the end: (label, section key, value key, bound, sense)
TARGETS = (
    ("edf dispatches/s, VR_gaming", "edf@VR_gaming", "dispatches_per_s", 200_000, ">="),
    ("terastal dispatches/s, VR_gaming", "terastal@VR_gaming", "dispatches_per_s", 100_000, ">="),
    ("edf dispatches/s, paper6", "edf@paper6", "dispatches_per_s", 200_000, ">="),
    ("terastal dispatches/s, paper6", "terastal@paper6", "dispatches_per_s", 100_000, ">="),
    ("terastal decision p50 µs, paper6 (4 acc, 6 tasks)", "terastal@paper6",
     "decision_us_p50", 20.0, "<="),
    ("terastal decision p99 µs, paper6 (4 acc, 6 tasks)", "terastal@paper6",
     "decision_us_p99", 100.0, "<="),
)  # fmt: skip


def table(title: str, head: tuple, rows: list[tuple]) -> None:
    """Print an aligned table (first column left-aligned, the others right-aligned)."""
    print(f"\n## {title}\n")
    lines = [tuple(str(c) for c in head)] + [tuple(str(c) for c in r) for r in rows]
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    for k, line in enumerate(lines):
        cells = [
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
        if k == 0:
            print("  ".join("-" * w for w in widths))


def _f(x, fmt: str = ",.0f") -> str:
    return "-" if x is None else format(x, fmt)


def _g(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def print_report(res: dict) -> None:
    """All tables of a results document."""
    m = res["machine"]
    print(f"machine: {m['cpu_model']}, {m['cpus']} CPUs, Python {m['python']}, numpy "
          f"{m['numpy']}; load average {m['load_avg_start']:.2f} at start, "
          f"{res.get('load_avg_end', float('nan')):.2f} at end; calibration loop "
          f"{m.get('calibration_ms', float('nan')):.1f} ms at start")  # fmt: skip
    if "sim" in res:
        rows = []
        for r in res["sim"]:
            if "timeout_s" in r:
                rows.append((r["case"], r["scheduler"], f"timeout {r['timeout_s']:.0f} s"))
                rows[-1] += ("",) * 11
                continue
            rows.append((r["case"], r["scheduler"], f"{r['dispatches']:,}", f"{r['wall_s']:.2f}",
                         f"{r['cpu_s']:.2f}", _f(r["dispatches_per_s"]),
                         _f(r["dispatches_per_cpu_s"]), _f(r["decision_us_p50"], ".1f"),
                         _f(r["decision_us_p99"], ".1f"), _f(r["peak_mem_growth_mib"], ".0f"),
                         _f(r["load_avg_start"], ".1f"), _f(r.get("calibration_ms"), ".1f"),
                         r.get("runs", 1)))  # fmt: skip
        sim_s = res["sim"][0].get("simulated_s")
        log = "dispatch log recorded" if res["sim"][0].get("record", True) else "no dispatch log"
        table(f"simulator and schedulers ({sim_s:g} s simulated, {log})",
              ("case", "scheduler", "dispatches", "wall s", "CPU s", "disp/s", "disp/CPU-s",
               "p50 µs", "p99 µs", "peak MiB", "load", "calib ms", "runs"), rows)  # fmt: skip
    if "cost" in res:
        c = res["cost"]
        table(f"cost model: {c['layers']:,} layers of the {c['models']} tasks of the "
              f"{c['scenarios']} bundled scenarios x {c['accelerators']} accelerators "
              f"(calibration {c['calibration_ms']:.1f} ms)",
              ("pass", "what", "ms", "µs/layer"),
              [("cold", "fresh AnalyticalCostModel", f"{c['cold_s'] * 1e3:.0f}",
                f"{c['cold_s'] / c['layer_evaluations'] * 1e6:.1f}"),
               ("cached", "same layer tuples", f"{c['cached_s'] * 1e3:.1f}",
                f"{c['cached_s'] / c['layer_evaluations'] * 1e6:.2f}"),
               ("cached", "lists (shape look-ups)", f"{c['cached_by_shape_s'] * 1e3:.1f}",
                f"{c['cached_by_shape_s'] / c['layer_evaluations'] * 1e6:.2f}")])  # fmt: skip
    if "planner" in res:
        table("planner: make_plan, six paper models",
              ("platform", "layers", "variant layers", "cold ms", "cold CPU ms", "warm ms"),
              [(r["platform"], r["layers"], r["variant_layers"], f"{r['cold_s'] * 1e3:.0f}",
                f"{r['cold_cpu_s'] * 1e3:.0f}", f"{r['warm_s'] * 1e3:.0f}")
               for r in res["planner"]])  # fmt: skip
    for key, title, col in (
        ("accelerators", "growth with accelerators (paper6 at 0.6, hand-built WS/OS)", "accs"),
        ("tasks", "growth with tasks (paperN at 0.6, Quad_4K/WS_OS_WS_OS)", "tasks"),
    ):
        if key in res:
            rs = res[key]
            table(f"{title}, {rs[0]['simulated_s']:g} s simulated",
                  (col, "scheduler", "dispatches", "CPU s", "disp/CPU-s", "µs/dispatch",
                   "p50 µs", "p99 µs", "calib ms"),
                  [(r[col], r["scheduler"], f"{r['dispatches']:,}", f"{r['cpu_s']:.2f}",
                    _f(r["dispatches_per_cpu_s"]), f"{r['cpu_s'] / r['dispatches'] * 1e6:.2f}",
                    _f(r["decision_us_p50"], ".1f"), _f(r["decision_us_p99"], ".1f"),
                    _f(r.get("calibration_ms"), ".1f"))
                   for r in rs])  # fmt: skip
    for d in res.get("duration", []):
        table(f"growth with simulated time: {d['case']}",
              ("simulated s", "scheduler", "dispatches", "wall s", "CPU s", "CPU s per sim s",
               "disp/CPU-s", "calib ms"),
              [(f"{r['simulated_s']:g}", r["scheduler"], f"{r['dispatches']:,}",
                f"{r['wall_s']:.2f}", f"{r['cpu_s']:.2f}", f"{r['cpu_per_simulated_s']:.3f}",
                _f(r["dispatches_per_cpu_s"]), _f(r.get("calibration_ms"), ".1f"))
               for r in d["rows"]])  # fmt: skip
        table(f"linear fit CPU s = a x simulated s + b: {d['case']}",
              ("scheduler", "", "a (CPU s / sim s)", "b (CPU s)", "R²", "last/first per sim s"),
              [(n, "", f"{f['cpu_s_per_simulated_s']:.4f}", f"{f['intercept_cpu_s']:.3f}",
                f"{f['r2']:.5f}", f"{f['last_over_first_per_simulated_s']:.2f}")
               for n, f in d["fits"].items()])  # fmt: skip
    if "ready" in res:
        r = res["ready"]
        names = list(r["schedulers"])
        keys = []
        for s in names:
            for b in r["schedulers"][s]["buckets"]:
                if b not in keys:
                    keys.append(b)
        keys.sort(key=lambda b: int(b.split("-")[0]))
        rows = []
        for b in keys:
            row = [b, ""]
            for s in names:
                cell = r["schedulers"][s]["buckets"].get(b)
                row.append("-" if cell is None else f"{cell['us_p50']:.1f}")
            rows.append(tuple(row))
        table(f"decision p50 µs by ready jobs: {r['case']}, late=keep, "
              f"{r['simulated_s']:g} s simulated", ("ready jobs", "", *names), rows)  # fmt: skip
    if "targets" in res:
        table("targets", ("target", "", "measured", "bound", "met"),
              [(t["target"], "", _g(t["value"]), f"{t['sense']} {t['bound']:,}",
                "yes" if t["met"] else "NO") for t in res["targets"]])  # fmt: skip


def check_targets(res: dict) -> list[dict]:
    """The issue's targets against the measured values."""
    found = {}
    for r in res.get("sim", []):
        if "timeout_s" not in r:
            found[f"{r['scheduler']}@{r['case'].split('@')[0]}"] = r
    out = []
    for label, key, field, bound, sense in TARGETS:
        row = found.get(key)
        if row is None:
            continue
        v = row[field]
        out.append({"target": label, "value": v, "bound": bound, "sense": sense,
                    "met": v >= bound if sense == ">=" else v <= bound})  # fmt: skip
    if "cost" in res:
        c = res["cost"]
        out.append({"target": "cost model cold s", "value": c["cold_s"], "bound": 1.0,
                    "sense": "<=", "met": c["cold_s"] <= 1.0})  # fmt: skip
        out.append({"target": "cost model cached ms", "value": c["cached_s"] * 1e3,
                    "bound": 50, "sense": "<=", "met": c["cached_s"] <= 0.05})  # fmt: skip
    for r in res.get("planner", []):
        out.append({"target": f"planner s, {r['platform']}", "value": r["cold_s"], "bound": 2.0,
                    "sense": "<=", "met": r["cold_s"] <= 2.0})  # fmt: skip
    for d in res.get("duration", []):
        # Linear growth keeps the cost per simulated second flat; a decision cost that grew
        # with the backlog would multiply it by about the ratio of the durations.
        for name, f in d["fits"].items():
            ratio = f["last_over_first_per_simulated_s"]
            out.append({"target": f"CPU per simulated s, longest/shortest run, {name} "
                        f"({d['case'].split('@')[0]})", "value": ratio, "bound": 1.5,
                        "sense": "<=", "met": ratio <= 1.5})  # fmt: skip
    return out
