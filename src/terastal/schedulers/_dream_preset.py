"""DREAM's option values that are data: the urgency forms and the paper-protocol preset
(:data:`PAPER_OPTIONS`, ``make_scheduler("dream", preset="paper")``)."""

from __future__ import annotations

from typing import Any

URGENCY = ("ratio", "slack", "laxity")

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
