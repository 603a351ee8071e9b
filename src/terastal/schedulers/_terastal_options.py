"""Terastal's options and their defaults (documented on the Terastal class).

Kept apart from the policy so that the policy module holds decisions only; the search's and
the admission rule's options live with their rules and are merged here.
"""

from __future__ import annotations

from typing import Any

from terastal.schedulers import (
    _terastal_admit,
    _terastal_handover,
    _terastal_kept,
    _terastal_slowvar,
    _terastal_value,
)
from terastal.schedulers._hopeless import parents_option
from terastal.schedulers._terastal_search import GROUP_OPTIONS
from terastal.schedulers.options import Option

OPTIONS: dict[str, Any] = {
    "plan": None,
    "variants": True,
    "budgets": True,
    "drops": True,
    "drop_slack": Option(1.0, lo=0.0, lo_inclusive=False),
    "demand": False,
    "wait_slack": Option(1.0, lo=0.0, lo_inclusive=False),
    "priority": Option("deadline", choices=("deadline", "virtual", "laxity")),
    "overload_scale": Option(0.5, lo=0.0),
    "overload_on": Option(0.1, lo=0.0, hi=1.0),
    "overload_off": Option(0.05, lo=0.0, hi=1.0),
    "overload_window": Option(50, lo=1),
    "overload_commit": True,
    "commit_laxity": Option("light", choices=("off", "light", "long", "all")),
    "laxity_above": Option(0.5, lo=0.0),
    "check": Option("virtual", choices=("virtual", "remaining")),
    "tight": Option(0.1, lo=0.0, hi=1.0),
    "tight_always": False,
    "home": Option("plan", choices=("plan", "fastest")),
    "variant_first": False,
    "on_demand": True,
    "accuracy": Option("budget", choices=("budget", "static", "pooled")),
    "accuracy_limit": Option(None, type=float, lo=0.0, hi=1.0, hi_inclusive=False),
    "job_ceiling": Option(0.08, lo=0.0, hi=1.0, hi_inclusive=False),
    "budget_window": Option(50, lo=1),
    "backlog": Option(1, lo=0),
    "fair_ratio": Option(2.5, lo=0.0),
    "fair_min": Option(0.1, lo=0.0),
    "fair_boost": Option(1.0, lo=0.0),
    "fair_after": Option(20, lo=0),
    "parents": parents_option(),
    "spare": True,
    "start_slack": Option(1.05, lo=1.0),
    "protect": Option("either", choices=("off", "any", "shorter", "fits", "either")),
    "risk": Option("exact", choices=("exact", "best")),
    "ties": Option("short", choices=("short", "id")),
    "core_yield": Option(4, lo=0),
    "yield_need": Option(1.5, lo=1.0),
    "slow_ratio": Option(1.2, lo=1.0),
    "spare_fit": True,
    "spare_variant": Option("over", choices=("off", "over", "always", "missed")),
    "lookahead": Option(0.5, lo=0.0),
    "hold_ratio": Option(0.0, lo=0.0),
    "claim": Option("short", choices=("off", "short", "any")),
    "affinity": Option("noplan", choices=("off", "noplan", "always")),
    **GROUP_OPTIONS,  # the search over jobs released together (_terastal_search)
    **_terastal_admit.OPTIONS,  # admission under overload
    **_terastal_value.OPTIONS,  # which job a conflict sacrifices
    **_terastal_kept.OPTIONS,  # where a kept cascade parent may run
    **_terastal_slowvar.OPTIONS,  # variants on a slower core
    **_terastal_handover.OPTIONS,  # which planned layers group_ahead leaves to the rules
}
