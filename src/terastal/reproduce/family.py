"""The configurations ``terastal reproduce`` runs, by label: the baseline family, DREAM,
Terastal and its ablations.

Every list policy (``fcfs``, ``edf``, ``rm``, ``lst``, ``heft``) takes two levers, the
mapping and the drop rule (:mod:`terastal.schedulers._hopeless`). A baseline's label is the
policy followed by the levers that differ from the policy's own defaults::

    edf                 preferred mapping, never drops (the paper's EDF)
    edf-ef              earliest-finish mapping
    edf-deadline        drops ready jobs past their deadline
    edf-ef-hopeless     earliest finish + drops provably hopeless jobs
    heft                HEFT's own earliest-finish mapping
    heft-pref-hopeless  preferred mapping + hopeless drops

:func:`config` turns any label into ``(registered scheduler, options)`` and
:func:`baseline_label` builds the label of a configuration, so the two directions cannot
disagree.
"""

from __future__ import annotations

from typing import Any

from terastal.errors import InputError

POLICIES = ("fcfs", "edf", "rm", "lst", "heft")
MAPPINGS = ("preferred", "earliest_finish")
DROPS = ("never", "deadline", "hopeless")
_MAP_TAG = {"preferred": "pref", "earliest_finish": "ef"}
_TAG_MAP = {v: k for k, v in _MAP_TAG.items()}

#: Labels that are not list-policy baselines: DREAM, Terastal and its ablations.
OTHERS: dict[str, tuple[str, dict[str, Any]]] = {
    # DREAM as the paper protocol ran it, and with its tuned defaults (docs/design.md, "DREAM").
    "dream": ("dream", {"preset": "paper"}),
    "dream-tuned": ("dream", {}),
    "terastal": ("terastal", {}),
    "terastal-novariants": ("terastal", {"variants": False}),
    "terastal-nobudgets": ("terastal", {"budgets": False}),
    "terastal-nodrops": ("terastal", {"drops": False}),
    # The deadline order under overload too (docs/design.md, "Overload order").
    "terastal-nooverload": ("terastal", {"overload_scale": 1.0, "overload_commit": False}),
    # Mechanisms of docs/design.md "Variants on demand and the accuracy budget".
    "terastal-static": ("terastal", {"accuracy": "static"}),
    "terastal-planned": ("terastal", {"on_demand": False, "accuracy": "static"}),
    "terastal-ondemand": ("terastal", {"backlog": 0}),
    # No fairness guard (docs/design.md, "The worst model: the fairness guard on").
    "terastal-nofair": ("terastal", {"fair_ratio": 0.0}),
    # Layers wait for a busy home core (docs/design.md, "Spare cores").
    "terastal-nospare": ("terastal", {"spare": False}),
    # Only the hopeless test drops jobs not started yet (docs/design.md, "Sacrifice before
    # starting").
    "terastal-nostart": ("terastal", {"start_slack": 1.0}),
    # Fresh jobs never leave a core to a started one (docs/design.md, "Started jobs protected").
    "terastal-noprotect": ("terastal", {"protect": "off"}),
    # The mapping does not weigh which job pays for a slower core (docs/design.md, "Which job
    # pays for the slow core").
    "terastal-nopay": ("terastal", {"core_yield": 0, "spare_fit": False}),
    # Spare cores give waiting layers originals only (docs/design.md, "Variants on spare cores
    # under overload").
    "terastal-nosparevariant": ("terastal", {"spare_variant": "off"}),
    # The core choice ignores the tasks' known next releases (docs/design.md, "Known releases
    # in the core choice").
    "terastal-noahead": ("terastal", {"lookahead": 0.0}),
    # A waiting layer expects its busy core at its free time even when the job running there
    # sorts ahead (docs/design.md, "A busy core is claimed by the job on it").
    "terastal-noclaim": ("terastal", {"claim": "off"}),
    # A started job is at risk by its best case left from the earliest free core
    # (docs/design.md, "Protection by the next layer's finish").
    "terastal-bestrisk": ("terastal", {"risk": "best"}),
    # Equal deadlines keep the release order (docs/design.md, "Equal deadlines: less work
    # first").
    "terastal-idties": ("terastal", {"ties": "id"}),
    # No search over the few jobs released together (docs/design.md, "Jobs released together").
    "terastal-nogroup": ("terastal", {"group": 0}),
    # Under overload a fresh job starts whenever the hopeless test lets it (docs/design.md,
    # "Admission under overload").
    "terastal-noadmit": ("terastal", {"admit": 0.0}),
    # The group search plans the jobs at hand only, not those about to be released
    # (docs/design.md, "Coming jobs in the group search").
    "terastal-nocoming": ("terastal", {"group_coming": False}),
    # Without a plan, every layer's home is its fastest class (docs/design.md, "Core affinity
    # without a plan").
    "terastal-noaffinity": ("terastal", {"affinity": "off"}),
    # Every job's layers go home when they meet their virtual deadline there, however little
    # slack the job has left (docs/design.md, "Tight jobs: earliest finish").
    "terastal-notight": ("terastal", {"tight": 0.0}),
    # No task is tight before the run's first miss, however little slack its best case
    # leaves (docs/design.md, "Tight jobs before the first miss").
    "terastal-notightearly": ("terastal", {"tight_early": 0.0}),
    # One admission factor for every model, whatever a frame of it is worth to the metric
    # (docs/design.md, "Admission by the metric's weights").
    "terastal-noadmitvalue": ("terastal", {"admit_value": 0.0}),
    # Under overload a long started job of a lightly loading model keeps the overload key
    # (same section).
    "terastal-nocommitlaxity": ("terastal", {"commit_laxity": "off"}),
    # A long job of a frequent model goes by least laxity even ahead of a rarer model's job
    # due earlier that then misses (docs/design.md, "Which job a conflict sacrifices").
    "terastal-novalueyield": ("terastal", {"value_yield": 0.0}),
    # The group search follows its first schedule, however little slack it leaves
    # (docs/design.md, "A margin in the group search's schedule").
    "terastal-nomargin": ("terastal", {"group_margin": 0.0}),
    # The admission wait ignores the rest of the jobs running a layer (docs/design.md, "The
    # running jobs' rest in the admission wait").
    "terastal-admitrunning": ("terastal", {"admit_running": "ahead"}),
    # The same rest, and the started jobs', on the lanes of the cores it needs (docs/design.md,
    # "The admission wait by core class").
    "terastal-admitcore": ("terastal", {"admit_running": "core"}),
    # The group search leaves a layer to the rules when it would block a known release that
    # needs its core (docs/design.md, "Known releases under the group search").
    "terastal-groupahead": ("terastal", {"group_ahead": True}),
    # ... only a layer another core ends within 1.2 x its time on the planned one (same
    # section, "Which layers to leave").
    "terastal-groupaheadfit": ("terastal", {"group_ahead": True, "group_ahead_fit": 1.2}),
    # A layer waits for a busy core that frees soon rather than block a known release on its
    # idle core (same section).
    "terastal-hold": ("terastal", {"hold_ratio": 1.2}),
    # A kept hopeless cascade parent leaves an idle core to a running job whose next layer
    # runs faster there, however little the hold delays that job (docs/design.md, "Kept
    # parents on idle cores"; the default, gap, holds only when the delay outweighs the idle time).
    "terastal-keptbusy": ("terastal", {"kept_core": "busy"}),
    # A kept parent's layer takes any idle core nobody chose, whoever needs it next (same
    # section).
    "terastal-keptany": ("terastal", {"kept_core": "any"}),
    # Ways of spending variants, measured and left off (docs/design.md, "Variants pay: what
    # the budget can still buy"): a slower core's original as its variant under overload; the
    # budget over the mean of the models' means; spare-core variants once a job missed.
    "terastal-slowvariant": ("terastal", {"slow_variant": "over"}),
    "terastal-pooled": ("terastal", {"accuracy": "pooled"}),
    "terastal-sparemissed": ("terastal", {"spare_variant": "missed"}),
    # Terastal's mode (options as given, tight=0.5, tight_always) chosen per run by
    # calibration runs on arrival draws that are not the run's (docs/design.md, "Choosing
    # Terastal's mode offline by calibration runs"); about 4 x a Terastal run's cost.
    "terastal-auto": ("terastal", {"calibrate": 1}),
}

#: Ablations of OTHERS run only when named or with the full family (each costs a Terastal run).
EXTRA_ABLATIONS = (
    "terastal-static", "terastal-planned", "terastal-ondemand", "terastal-nofair",
    "terastal-nospare", "terastal-nostart", "terastal-noprotect", "terastal-nopay",
    "terastal-nosparevariant", "terastal-noclaim", "terastal-noahead", "terastal-bestrisk",
    "terastal-idties", "terastal-nogroup", "terastal-noadmit", "terastal-nocoming",
    "terastal-noaffinity", "terastal-notight", "terastal-nomargin", "terastal-noadmitvalue",
    "terastal-nocommitlaxity", "terastal-admitrunning", "terastal-novalueyield",
    "terastal-groupahead", "terastal-groupaheadfit", "terastal-hold", "terastal-keptbusy",
    "terastal-keptany", "terastal-admitcore", "terastal-slowvariant", "terastal-pooled",
    "terastal-sparemissed", "terastal-notightearly", "terastal-auto",
)  # fmt: skip

#: The paper's protocol: the baselines as the paper ran them.
PAPER_BASELINES = ("fcfs", "edf", "dream")

#: What each of Terastal's mechanisms adds, cumulatively, starting from plain EDF.
LADDER: tuple[tuple[str, str], ...] = (
    ("edf", "EDF (preferred core, no drops)"),
    ("edf-deadline", "+ drops at the deadline"),
    ("edf-ef-deadline", "+ earliest-finish mapping"),
    ("edf-ef-hopeless", "+ hopeless drops"),
    ("terastal-novariants", "+ plan (virtual budgets, home cores)"),
    ("terastal", "+ layer variants (Terastal)"),
)


def _default_mapping(policy: str) -> str:
    return "earliest_finish" if policy == "heft" else "preferred"


def baseline_label(policy: str, mapping: str | None = None, drop: str = "never") -> str:
    """The label of ``policy`` with ``mapping`` (default: the policy's own) and ``drop``."""
    if policy not in POLICIES or drop not in DROPS:
        raise InputError(f"no baseline {policy!r} with drop {drop!r}", field="schedulers")
    mapping = mapping or _default_mapping(policy)
    parts = [policy]
    if mapping != _default_mapping(policy):
        parts.append(_MAP_TAG[mapping])
    if drop != "never":
        parts.append(drop)
    return "-".join(parts)


def config(label: str) -> tuple[str, dict[str, Any]]:
    """``(registered scheduler, options)`` of a label; unknown labels are an InputError."""
    if label in OTHERS:
        name, opts = OTHERS[label]
        return name, dict(opts)
    policy, *tags = label.split("-")
    opts: dict[str, Any] = {}
    if policy in POLICIES and len(tags) <= 2:
        mapping, drop = _default_mapping(policy), "never"
        if tags and tags[0] in _TAG_MAP:
            mapping = _TAG_MAP[tags.pop(0)]
        if tags and tags[0] in DROPS[1:]:
            drop = tags.pop(0)
        if not tags and baseline_label(policy, mapping, drop) == label:
            if mapping != _default_mapping(policy):
                opts["mapping"] = mapping
            if drop != "never":
                opts["drop"] = drop
            return policy, opts
    raise InputError(
        f"unknown scheduler label {label!r} (a baseline is POLICY[-ef|-pref][-deadline|-hopeless]"
        f" with POLICY in {', '.join(POLICIES)}; others: {', '.join(OTHERS)})",
        field="schedulers",
    )


def full_family() -> tuple[str, ...]:
    """Every policy x mapping x drop rule (30 baselines)."""
    return tuple(baseline_label(p, m, d) for p in POLICIES for m in MAPPINGS for d in DROPS)


def default_family() -> tuple[str, ...]:
    """The 15 baselines run by default.

    fcfs and edf with every lever (the paper's baselines, the ladder's rungs, and earliest
    finish without drops, the plain list-scheduling baseline a reader expects), and rm, lst
    and heft with their strongest levers (earliest finish, hopeless drops). Every mapping
    costs the same per dispatch whatever the backlog (queues per eligible set or per
    placement class, :mod:`terastal.schedulers._finish_queues`); the full family has 30.
    """
    out = [baseline_label(p, m, d) for p in ("fcfs", "edf") for m in MAPPINGS for d in DROPS]
    out += [baseline_label(p, "earliest_finish", "hopeless") for p in ("rm", "lst", "heft")]
    return tuple(out)


def labels(full: bool = False) -> tuple[str, ...]:
    """Labels ``terastal reproduce`` runs: the baselines, DREAM, Terastal and its ablations
    (with ``full``, also :data:`EXTRA_ABLATIONS`)."""
    others = (o for o in OTHERS if full or o not in EXTRA_ABLATIONS)
    return (*(full_family() if full else default_family()), *others)


def is_baseline(label: str) -> bool:
    """Whether ``label`` is a baseline (anything but Terastal and its ablations)."""
    return config(label)[0] != "terastal"
