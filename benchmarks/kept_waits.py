"""Per-call CPU cost of Terastal's kept-parent rule (``_terastal_kept.waits``).

The decision-cost cases of ``terastal_calls.py`` keep no cascade parent, so they never call
the rule. This runs the development point where kept parents matter most (the seed-7 draw's
mix 2 on Dual_4K_LittleBig/WS_OS at utilization 0.8, run seeds 0-2, docs/design.md "Kept
parents on idle cores"), wraps the rule to count its calls, the calls of the known-release
test it makes (``blocks_release``) and its thread CPU time (the timer's own cost included,
alike for two code trees), and prints the median and minimum per call over ``--reps`` x 3
runs.

Usage (from the repository root; ``PYTHONPATH`` selects the tree)::

    python benchmarks/kept_waits.py --reps 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time


def _point():
    """``(prepared, run-spec fields)`` of the point."""
    from terastal.experiment import Case, prepare
    from terastal.io import list_models
    from terastal.reproduce.random_mixes import draw_mix, keep_deadline_periods
    from terastal.reproduce.suite import build_mix, load_suite, resolve_platform
    from terastal.workloads import scale_to_utilization

    suite = load_suite()
    mix = draw_mix(7, 2, list_models(), suite.platforms)
    platform = resolve_platform("Dual_4K_LittleBig/WS_OS")
    base = build_mix(mix)
    cost = suite.cost_model or "analytical"
    tables = prepare(Case(base, platform, cost)).tables()
    scenario = keep_deadline_periods(scale_to_utilization(base, tables, 0.8, mix.shares), mix)
    fields = {"scenario": scenario, "platform": platform, "cost_model": cost,
              "duration_s": suite.duration_ms / 1e3}  # fmt: skip
    return prepare(Case(scenario, platform, cost)), fields


def main(argv: list[str] | None = None) -> int:
    """Time the rule over the point's runs."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args(argv)
    os.environ.setdefault("TERASTAL_NO_CACHE", "1")
    from terastal.experiment import RunSpec, run
    from terastal.reproduce import family
    from terastal.schedulers import _terastal_kept as kept

    prepared, fields = _point()
    count = {"calls": 0, "ns": 0, "waited": 0, "releases": 0}
    waits, blocks = kept.waits, kept.blocks_release

    def timed(*a):
        t0 = time.thread_time_ns()
        r = waits(*a)
        count["ns"] += time.thread_time_ns() - t0
        count["calls"] += 1
        count["waited"] += r
        return r

    def counted(*a):
        count["releases"] += 1
        return blocks(*a)

    kept.waits, kept.blocks_release = timed, counted
    name, opts = family.config("terastal")
    per = []
    for rep in range(args.reps):
        for seed in (0, 1, 2):
            count.update(calls=0, ns=0, waited=0, releases=0)
            spec = RunSpec(scheduler=name, options=opts, seed=seed, record=False, **fields)
            miss = run(spec, prepared=prepared).metrics["mean_miss_rate"]
            per.append(count["ns"] / max(count["calls"], 1))
            if rep == 0:
                calls, waited, releases = count["calls"], count["waited"], count["releases"]
                print(f"seed {seed}: {calls} calls, {waited} waited, {releases} "
                      f"blocks_release calls, mean miss {miss:.4f}")  # fmt: skip
    print(f"waits: median {statistics.median(per):.0f} ns per call, min {min(per):.0f} ns "
          f"({len(per)} runs)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
