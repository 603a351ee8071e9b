"""CPU time of Terastal's runs on its two costly cases, for interleaved A/B comparisons.

``vr``: the warm whole ``simulate`` of VR_gaming on Dual_4K/WS_OS for 700 ms with
``analytical:mode=xrbench`` (the run only, the case prepared once). ``overload``: the
reproduce suite's paper6x2 on Quad_4K/WS_OS_WS_OS at utilization 1.3 (500 ms, seed 0),
prepared as ``terastal.reproduce.runner.run_point`` does. Prints, per label, the minimum and
median CPU time of ``--reps`` runs and a digest of the first run's dispatch log, so two code
trees (``PYTHONPATH``) can be compared for speed and for identical schedules.

Usage (from the repository root)::

    python benchmarks/terastal_calls.py vr --reps 7
    python benchmarks/terastal_calls.py overload --labels terastal-nodrops,terastal
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time


def _case(which: str):
    """``(prepared, run-spec fields)`` of one of the two cases."""
    from terastal.experiment import Case, prepare

    if which == "vr":
        cost = "analytical:mode=xrbench"
        prepared = prepare(Case("VR_gaming", "Dual_4K/WS_OS", cost))
        return prepared, {"scenario": "VR_gaming", "platform": "Dual_4K/WS_OS",
                          "cost_model": cost, "duration_s": 0.7}  # fmt: skip
    from terastal.reproduce.random_mixes import keep_deadline_periods
    from terastal.reproduce.suite import build_mix, load_suite, resolve_platform
    from terastal.workloads import scale_to_utilization

    suite = load_suite()
    mix = next(m for m in suite.mixes if m.name == "paper6x2")
    platform = resolve_platform("Quad_4K/WS_OS_WS_OS")
    base = build_mix(mix)
    cost = suite.cost_model or "analytical"
    tables = prepare(Case(base, platform, cost)).tables()
    scenario = keep_deadline_periods(scale_to_utilization(base, tables, 1.3, mix.shares), mix)
    prepared = prepare(Case(scenario, platform, cost))
    return prepared, {"scenario": scenario, "platform": platform, "cost_model": cost,
                      "duration_s": suite.duration_ms / 1e3}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Time the runs of every label on one case."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("case", choices=("vr", "overload"))
    ap.add_argument("--labels", default="terastal", help="labels of terastal.reproduce.family")
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args(argv)
    os.environ.setdefault("TERASTAL_NO_CACHE", "1")
    from terastal.experiment import RunSpec, run
    from terastal.reproduce import family

    prepared, fields = _case(args.case)
    for label in args.labels.split(","):
        name, opts = family.config(label)
        spec = RunSpec(scheduler=name, options=opts, seed=0, record=True, label=label, **fields)
        out = run(spec, prepared=prepared)
        digest = hashlib.sha256(json.dumps([list(r) for r in out.result.log]).encode())
        spec = RunSpec(scheduler=name, options=opts, seed=0, record=False, label=label, **fields)
        times = []
        for _ in range(args.reps):
            t0 = time.process_time()
            run(spec, prepared=prepared)
            times.append(time.process_time() - t0)
        print(f"{args.case} {label}: {out.result.dispatches} dispatches, log "
              f"{digest.hexdigest()[:16]}, CPU min {min(times) * 1e3:.1f} ms, median "
              f"{statistics.median(times) * 1e3:.1f} ms ({args.reps} runs)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
