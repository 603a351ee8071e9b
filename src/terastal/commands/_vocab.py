"""The CLI's one vocabulary: flags that mean the same thing, with the same default, everywhere.

``--scenario/-s`` and ``--platform/-p`` name the case; ``--out/-o`` is always the output;
``--option/-O KEY=VALUE`` a scheduler option; ``--plan FILE`` a plan from ``terastal plan``;
``--cost-model`` defaults to ``analytical``; ``--seed``, ``--seeds``, ``--duration-ms``,
``--late`` and ``--compat`` mean what they mean in ``terastal simulate``;
``--max-jobs`` raises the work guard's ceiling (:func:`terastal.experiment.check_work`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperCommand

from terastal.errors import InputError
from terastal.model.work import DISPATCHES_PER_JOB, MAX_JOBS

COST_MODEL_HELP = (
    "Cost backend: analytical, analytical:mode=xrbench, table:path=FILE.csv, zigzag, "
    "or module:attr of another package. Under --compat xrbench (and in xrbench-check) "
    "analytical means XRBench's own per-model cost table."
)

CostModelOpt = Annotated[str, typer.Option("--cost-model", help=COST_MODEL_HELP)]
ScenarioOpt = Annotated[
    str,
    typer.Option("--scenario", "-s", help="Bundled scenario (e.g. VR_gaming) or a YAML / .m file."),
]
PlatformOpt = Annotated[
    str,
    typer.Option(
        "--platform",
        "-p",
        help="Bundled platform HW/DATAFLOW (e.g. Dual_4K/WS_OS) or a YAML / .m:dataflow file.",
    ),
]
DurationOpt = Annotated[
    float | None,
    typer.Option(
        "--duration-ms",
        help="Horizon in ms: frames released before it are counted, releases go on as load "
        "for as long again (default 1000; bound: 100; under --compat xrbench: XRBench's 700, "
        "its own release horizon).",
    ),
]
CompatOpt = Annotated[
    str | None,
    typer.Option(
        "--compat",
        help="xrbench: XRBench-MAESTRO's engine, policy and scores on its own inputs; "
        "there --cost-model analytical (the default) means XRBench's own cost table.",
    ),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of jitter and cascades.")]
SeedsOpt = Annotated[str, typer.Option("--seeds", help="Seeds, e.g. 0-4 or 0,3.")]
#: ``--seed`` where a command takes ``--seeds``: typed as in simulate and bound, it means the
#: same (one seed, or a list). Hidden, so that help shows one spelling; see :func:`seeds_of`.
SeedAliasOpt = Annotated[str | None, typer.Option("--seed", hidden=True, help="See --seeds.")]
LateOpt = Annotated[str, typer.Option("--late", help="Late work: keep, drop or scheduler.")]
PlanOpt = Annotated[
    Path | None,
    typer.Option(
        "--plan",
        help="Plan file from 'terastal plan --out' (checked against the scenario and "
        "platform); default: plan automatically for schedulers that need a plan.",
    ),
]
WorkersOpt = Annotated[int, typer.Option("--workers", help="Worker processes (0: one per core).")]
ProgressOpt = Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar.")]
MaxJobsOpt = Annotated[
    float,
    typer.Option(
        "--max-jobs",
        help=f"Refuse runs estimated above this many jobs (default {MAX_JOBS:.0e}; the "
        f"dispatch ceiling is {DISPATCHES_PER_JOB}x this).",
    ),
]
NoCacheOpt = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Neither read nor write the on-disk cache of plans and cost tables "
        "(TERASTAL_NO_CACHE=1; 'terastal cache' shows and clears it).",
    ),
]


def apply_no_cache(no_cache: bool) -> None:
    """Turn the on-disk cache off for this process and the workers it starts (``--no-cache``).

    Through the environment, so that pool and cluster workers inherit it.
    """
    if no_cache:
        from terastal.experiment.diskcache import ENV_OFF

        os.environ[ENV_OFF] = "1"


def option_flag(help_text: str):
    """``--option/-O`` (repeatable) with ``help_text``."""
    return Annotated[list[str] | None, typer.Option("--option", "-O", help=help_text)]


def parse_options(items: list[str]) -> dict[str, Any]:
    """``["mapping=earliest_finish", "block=4"]`` -> ``{"mapping": "earliest_finish", "block": 4}``.

    Values are read as YAML scalars, so numbers and booleans get their types; the scheduler
    then checks each against its declared type and range. ``1e3`` is a number, as in scenario
    and grid files (YAML 1.1 alone would read it as a string).
    """
    out: dict[str, Any] = {}
    if not items:  # the usual case: no YAML parser to import (start-up)
        return out
    import re

    import yaml

    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"scheduler option must be KEY=VALUE, got {item!r}", field="--option")
        try:
            parsed = yaml.safe_load(value) if value.strip() else ""
        except yaml.YAMLError:
            parsed = value
        if isinstance(parsed, str) and re.fullmatch(_EXPONENT, parsed.strip()):
            parsed = float(parsed)
        out[key.strip()] = parsed
    return out


#: A number in exponent form without a dot (``1e3``, ``-2E-4``), which YAML 1.1 reads as text.
_EXPONENT = r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+"


#: Seeds one command line may list: each is a run per scheduler, and a range is cheap to
#: type (``0-100000000`` held the command for minutes, building the list, before any check).
MAX_SEEDS = 10_000


def parse_seeds(spec: str) -> list[int]:
    """``"0-4"`` -> [0, 1, 2, 3, 4]; ``"1,3,7"`` and mixes like ``"0-2,9"`` work too."""
    seeds: list[int] = []
    try:
        for part in spec.split(","):
            part = part.strip()
            lo, sep, hi = part.partition("-")
            if sep and lo:
                a, b = int(lo), int(hi)
                if b < a:
                    raise ValueError
                if len(seeds) + b - a + 1 > MAX_SEEDS:
                    raise InputError(f"--seeds lists more than {MAX_SEEDS} seeds: {spec!r}")
                seeds.extend(range(a, b + 1))
            else:
                seeds.append(int(part))
                if len(seeds) > MAX_SEEDS:
                    raise InputError(f"--seeds lists more than {MAX_SEEDS} seeds: {spec!r}")
    except ValueError:
        raise InputError(f"--seeds must look like 0-4 or 0,1,5, got {spec!r}") from None
    if len(set(seeds)) != len(seeds):
        raise InputError(f"--seeds lists a seed twice: {spec!r}")
    if any(s < 0 for s in seeds):
        raise InputError(f"--seeds must be >= 0, got {spec!r}")
    from terastal.seeds import check_seed

    check_seed(max(seeds), flag="--seeds", shown=repr(spec))
    return seeds


def seeds_of(seeds: str, seed: str | None) -> list[int]:
    """The seeds of ``--seeds``, or of its alias ``--seed`` when that is given instead."""
    if seed is None:
        return parse_seeds(seeds)
    if seeds != "0":  # --seeds left at its default; an explicit '--seeds 0' is not told apart
        raise InputError("give --seeds or --seed, not both", field="--seed")
    return parse_seeds(seed)


def parse_names(text: str, noun: str, flag: str = "--schedulers") -> list[str]:
    """The comma-separated names of ``text``, blanks skipped; a name given twice is an error
    (it would run twice: rows doubled). ``noun`` names one in the message."""
    names = [n.strip() for n in text.split(",") if n.strip()]
    if len(set(names)) != len(names):
        raise InputError(f"lists a {noun} twice: {text!r}", field=flag)
    return names


def console(stderr: bool = False):
    """A rich console; when output is not a terminal, wide enough that no table is cut."""
    from rich.console import Console

    out = Console(stderr=stderr)
    return out if out.is_terminal else Console(stderr=stderr, width=1000)


def scheduler_help() -> str:
    """Every registered scheduler with its options, defaults and ranges (from the registry)."""
    from rich.markup import escape

    from terastal.schedulers import available_schedulers, scheduler_info

    lines = ["Schedulers and their options (-O KEY=VALUE):"]
    for name in available_schedulers():
        try:
            info = scheduler_info(name)
        except Exception as exc:  # a broken third-party entry point must not break --help
            lines.append(f"{name}: cannot be loaded ({type(exc).__name__})")
            continue
        head = f"{name}{' (uses a plan: --plan FILE or automatic)' if info.needs_plan else ''}"
        opts = [f"{k} ({o.describe()})" for k, o in info.options.items() if k != "plan"]
        lines.append(f"{head}: {'; '.join(opts) if opts else 'no options'}")
    return escape("\n\n".join(lines))


class SchedulerHelpCommand(TyperCommand):
    """A command whose ``--help`` ends with :func:`scheduler_help`, built only when shown."""

    def format_help(self, ctx, formatter):
        self.epilog = scheduler_help()
        return super().format_help(ctx, formatter)
