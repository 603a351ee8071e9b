"""Fingerprints of a fixed set of runs, to show that a refactoring changes no result.

Usage (from the repository root)::

    python benchmarks/fingerprint_runs.py --write before.json   # on the old code
    python benchmarks/fingerprint_runs.py --check before.json   # on the new code

Each run's fingerprint is the sha256 of its metrics (wall-clock fields removed), its
per-job CSV, its dispatch log and its trace, so any difference in what ran where and when shows up.
The set covers every registered scheduler, ``terastal`` with and without a plan, the three
late policies, several seeds, bundled scenarios (chains) and random synthetic cases (DAGs,
cascades, variants). Only public entry points of the lower layers are used (io, cost,
planner, schedulers, sim, metrics), so the script runs on old and new code alike.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys

from terastal.cost import build_cost_tables, get_cost_model
from terastal.io import load_platform, load_scenario
from terastal.metrics import WALL_CLOCK_KEYS, compute_metrics, jobs_csv, to_json, trace_events
from terastal.planner import make_plan
from terastal.schedulers import available_schedulers, make_scheduler
from terastal.sim import simulate
from terastal.sim.synthetic import random_case

BUNDLED = (("VR_gaming", "Dual_4K/WS_OS"), ("AR_gaming", "Quad_4K/WS_OS_WS_OS"))
LATE = ("keep", "drop", "scheduler")


def fingerprint(result, accuracy_loss=None) -> str:
    """sha256 of a run's metrics (timing aside), jobs CSV, dispatch log and trace."""
    metrics = compute_metrics(result, accuracy_loss)
    for key in WALL_CLOCK_KEYS:
        metrics["sim"].pop(key, None)
    log = json.dumps([list(r) for r in result.log])
    trace = to_json(trace_events(result))
    blob = "\n".join((to_json(metrics), jobs_csv(result), log, trace))
    return hashlib.sha256(blob.encode()).hexdigest()


def runs():
    """Yield ``(label, thunk)`` for every run of the set."""
    names = available_schedulers()
    model = get_cost_model("analytical")
    for sc_name, pf_name in BUNDLED:
        sc, pf = load_scenario(sc_name), load_platform(pf_name)
        plan = make_plan(sc, pf, model)
        tables = build_cost_tables(sc, pf, model, plan.variant_shapes())
        for name in [*names, "terastal+plan"]:
            for late in LATE:
                for seed in (0, 1):
                    label = f"{sc_name}@{pf_name}/{name}/{late}/{seed}"
                    yield label, _thunk(sc, pf, tables, name, plan, late, seed, 0.5)
    for case_seed in range(6):
        sc, pf, tables = random_case(case_seed, load=0.9)
        for name in names:
            for late in LATE:
                label = f"random{case_seed}/{name}/{late}/0"
                yield label, _thunk(sc, pf, tables, name, None, late, 0, 0.2)


def _thunk(sc, pf, tables, name, plan, late, seed, duration_s):
    def run():
        if name == "terastal+plan":
            sched = make_scheduler("terastal", plan=plan)
        else:
            sched = make_scheduler(name)
        result = simulate(sc, pf, tables, sched, duration_s=duration_s, seed=seed, late=late)
        return fingerprint(result, getattr(sched, "accuracy_loss", None))

    return run


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = ap.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", help="write the fingerprints to this JSON file")
    group.add_argument("--check", help="compare with the fingerprints in this JSON file")
    args = ap.parse_args(argv)
    got = {label: run() for label, run in runs()}
    if args.write:
        with open(args.write, "w") as f:
            json.dump(got, f, indent=1, sort_keys=True)
        print(f"wrote {len(got)} fingerprints to {args.write}")
        return 0
    with open(args.check) as f:
        want = json.load(f)
    bad = sorted(k for k in want.keys() | got.keys() if want.get(k) != got.get(k))
    for k in bad:
        print(f"differs: {k}")
    print(f"{len(want) - len(bad)} of {len(want)} runs identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
