"""DREAM's option values that are data: its option table with the tuned defaults
(:data:`DREAM_OPTIONS`), the urgency forms and the paper-protocol preset
(:data:`PAPER_OPTIONS`, ``make_scheduler("dream", preset="paper")``)."""

from __future__ import annotations

from typing import Any

from terastal.schedulers._hopeless import parents_option
from terastal.schedulers.options import Option

URGENCY = ("ratio", "slack", "laxity")

#: DREAM's options and their tuned defaults (``benchmarks/tune_dream.py`` on
#: ``benchmarks/dream_tuning.yaml``; docs/design.md, "DREAM").
DREAM_OPTIONS: dict[str, Any] = {
    "preset": Option(None, choices=(None, "paper"), help="paper: the paper-protocol values"),
    "plan": None,
    "w_urgency": Option(0.8, lo=0.0),
    "w_fairness": Option(0.1, lo=0.0),
    "w_energy": Option(0.1, lo=0.0),
    "urgency": Option("slack", choices=URGENCY),
    "urgency_scale": Option(0.25, lo=0.0, lo_inclusive=False),
    "task_fairness": Option(0.25, lo=0.0, hi=1.0),
    "task_window": Option(8, lo=1),
    "adapt": True,
    "adapt_fairness": False,
    "window": Option(32, lo=1),
    "eta": Option(1.0, lo=0.0),
    "target_miss": Option(0.05, lo=0.0, hi=1.0),
    "target_energy_excess": Option(0.10, lo=0.0),
    "target_spread": Option(0.2, lo=0.0, hi=1.0),
    "min_weight": Option(0.05, lo=0.0, hi=1.0),
    "block": Option(2, lo=1),
    "max_slowdown": Option(2.0, lo=1.0),
    "drop": True,
    "drop_slack": Option(1.25, lo=0.0, lo_inclusive=False),
    "switching": True,
    "switch_urgency": Option(0.0, lo=0.0),
    "parents": parents_option(),
}


#: Options of the first interpretation (the one the paper protocol ran): capped slack-ratio
#: urgency, job-level fairness only, no switching, blocks of 4, adaptation of urgency and
#: energy weights only, every hopeless frame dropped. ``make_scheduler("dream",
#: preset="paper")`` (or ``**PAPER_OPTIONS``) schedules exactly as it.
PAPER_OPTIONS: dict[str, Any] = {
    "w_urgency": 0.5,
    "w_fairness": 0.25,
    "w_energy": 0.25,
    "urgency": "ratio",
    "task_fairness": 0.0,
    "adapt": True,
    "adapt_fairness": False,
    "window": 32,
    "eta": 1.0,
    "block": 4,
    "max_slowdown": 1.5,
    "drop": True,
    "drop_slack": 1.0,
    "switching": False,
    # as first run: a hopeless frame is dropped even when its model has cascaded children
    "parents": "drop",
}
