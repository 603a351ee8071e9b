"""``terastal compare``: several schedulers on the same arrivals, side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from terastal.commands._args import output_dir, positive_finite
from terastal.commands._vocab import (
    CompatOpt,
    CostModelOpt,
    DurationOpt,
    LateOpt,
    MaxJobsOpt,
    NoCacheOpt,
    PlanOpt,
    PlatformOpt,
    ProgressOpt,
    ScenarioOpt,
    SchedulerHelpCommand,
    SeedAliasOpt,
    SeedsOpt,
    apply_no_cache,
    console,
    option_flag,
    parse_names,
    parse_options,
    seeds_of,
)
from terastal.errors import InputError
from terastal.model.work import MAX_JOBS

DEFAULT_SCHEDULERS = "fcfs,edf,dream"  # --schedulers when not given (and not under --compat)


def scheduler_options(names: list[str], items: list[str]) -> dict[str, dict[str, Any]]:
    """Split ``--option`` values: ``NAME.KEY=VALUE`` goes to NAME, ``KEY=VALUE`` to every
    scheduler of ``names`` that declares KEY (an error if none does)."""
    from terastal.schedulers import scheduler_info

    out: dict[str, dict[str, Any]] = {n: {} for n in names}
    declared = {n: scheduler_info(n).options for n in names}
    for key, value in parse_options(items).items():
        target, dot, k = key.partition(".")
        if dot:
            if target not in out:
                raise InputError(f"{key}: {target!r} is not in --schedulers", field="--option")
            out[target][k] = value
            continue
        takers = [n for n in names if key in declared[n]]
        if not takers:
            raise InputError(f"no scheduler of --schedulers has option {key!r}", field="--option")
        for n in takers:
            out[n][key] = value
    return out


def print_summary(summary: dict) -> None:
    """Print one row per scheduler: miss rates (mean and per model), energy, score."""
    from rich.table import Table

    if summary.get("profile") is not None:
        return print_profile_summary(summary)

    def f(x, fmt):
        return "-" if x is None else format(x, fmt)

    scheds = summary["schedulers"]
    models = list(next(iter(scheds.values()))["miss_rate_by_model"]) if scheds else []
    table = Table(
        title=f"{summary['scenario']} on {summary['platform']}, seeds {summary['seeds']}, "
        f"late={summary['late_policy']}"
    )
    table.add_column("scheduler", no_wrap=True, min_width=max(map(len, scheds), default=9))
    table.add_column("mean miss", justify="right")
    table.add_column("pooled", justify="right")
    table.add_column("worst model", justify="right")
    for m in models:
        table.add_column(f"miss {m}", justify="right")
    for col in ("energy mJ", "XRBench", "acc. loss", "decide p50 µs"):
        table.add_column(col, justify="right")
    for label, s in scheds.items():
        table.add_row(
            label,
            f(s["mean_miss_rate"], ".2%"),
            f(s.get("pooled_miss_rate"), ".2%"),
            f(s.get("worst_model_miss_rate"), ".2%"),
            *(f(s["miss_rate_by_model"][m], ".1%") for m in models),
            f(s["energy_mj"], ".1f"),
            f(s["xrbench_score"], ".2f"),
            f(s["accuracy_loss_mean"], ".2%"),
            f(s["decision_us_p50"], ".1f"),
        )
    console().print(table)


def print_profile_summary(summary: dict) -> None:
    """Print a compatibility profile's comparison: XRBench's score per seed, and the mean."""
    from rich.table import Table

    table = Table(title=f"XRBench profile: {summary['scenario']} / {summary['platform']}")
    table.add_column("seed", justify="right")
    table.add_column("score", justify="right")
    for seed, score in summary["xrbench_score"].items():
        table.add_row(seed, f"{score:.4f}")
    table.add_row("mean", f"{summary['xrbench_score_mean']:.4f}")
    console().print(table)


def register(app: typer.Typer) -> None:
    """Add the command to ``app``."""

    @app.command("compare", cls=SchedulerHelpCommand)
    def compare_cmd(
        scenario: ScenarioOpt,
        platform: PlatformOpt,
        schedulers: Annotated[
            str | None,
            typer.Option(
                "--schedulers",
                help=f"Comma-separated scheduler names (default {DEFAULT_SCHEDULERS}; none under "
                "--compat).",
            ),
        ] = None,
        duration_ms: DurationOpt = None,
        seeds: SeedsOpt = "0",
        seed: SeedAliasOpt = None,
        out: Annotated[
            Path | None, typer.Option("--out", "-o", help="Write summary.json and runs/ here.")
        ] = None,
        late: LateOpt = "scheduler",
        option: option_flag("KEY=VALUE for every scheduler, or NAME.KEY=VALUE.") = None,
        plan: PlanOpt = None,
        cost_model: CostModelOpt = "analytical",
        progress: ProgressOpt = True,
        with_bound: Annotated[
            bool, typer.Option("--with-bound", help="Add the offline bound as a row.")
        ] = False,
        bound_time_limit: Annotated[
            float,
            typer.Option(
                "--bound-time-limit-s",
                "--bound-time-limit",
                help="Bound solver time limit per seed, in seconds.",
            ),
        ] = 60.0,
        max_jobs: MaxJobsOpt = MAX_JOBS,
        compat: CompatOpt = None,
        no_cache: NoCacheOpt = False,
    ) -> None:
        """Run several schedulers on identical arrivals and print a comparison table."""
        output_dir(out)  # a file in the way fails now, not after every run
        apply_no_cache(no_cache)
        from terastal.experiment import check_specs, compare
        from terastal.metrics import to_json, write_atomic

        positive_finite(bound_time_limit, "--bound-time-limit-s")
        if compat is not None and with_bound:
            raise InputError("does not apply under --compat", field="--with-bound")
        specs = _specs(scenario, platform, schedulers, option or [], plan, cost_model, late,
                       duration_ms, max_jobs, compat)  # fmt: skip
        seed_list = seeds_of(seeds, seed)
        check_specs(specs)  # runs too big, bad options and plans fail before any simulation
        runs: dict[str, str] = {}

        def save(label: str, seed: int, metrics: dict) -> None:
            runs[f"runs/{label}-seed{seed}.json"] = to_json(metrics)
            if bar is not None:
                bar.advance(task)

        bar = task = None
        if progress:
            from rich.progress import Progress

            with Progress(console=console(stderr=True), transient=True) as bar:
                task = bar.add_task("simulating", total=len(specs) * len(seed_list))
                summary = compare(specs, seed_list, on_run=save)
        else:
            summary = compare(specs, seed_list, on_run=save)
        if with_bound:
            summary["schedulers"]["bound"] = _bound_row(specs, seed_list, bound_time_limit)
        print_summary(summary)
        if out is not None:
            # summary.json and runs/ are this command's: runs of an earlier compare go.
            files = {"summary.json": to_json(summary), **runs}
            write_atomic(out, files, owned=("summary.json", "runs"))
            typer.echo(f"wrote {out}")


def _specs(
    scenario, platform, schedulers, option, plan, cost_model, late, duration_ms, max_jobs, compat
) -> dict:
    """One run spec per scheduler of ``--schedulers`` (``--plan`` goes to those that use one);
    under ``--compat``, the one spec of the profile's own policy."""
    from terastal.experiment import AUTO, RunSpec, check_spec, default_duration_s
    from terastal.experiment import profile_scheduler as policy
    from terastal.schedulers import scheduler_info

    duration_s = default_duration_s(compat) if duration_ms is None else duration_ms / 1e3
    if compat is not None:
        spec = RunSpec(
            scenario, platform, policy(compat, schedulers, "--schedulers"), parse_options(option),
            plan=str(plan) if plan is not None else AUTO, cost_model=cost_model, late=late,
            duration_s=duration_s, max_jobs=max_jobs, compat=compat,
        )  # fmt: skip
        check_spec(spec)
        return {spec.scheduler: spec}

    names = parse_names(DEFAULT_SCHEDULERS if schedulers is None else schedulers, "scheduler")
    if not names:
        raise InputError("lists no scheduler", field="--schedulers")
    opts = scheduler_options(names, option)
    source = str(plan) if plan is not None else AUTO
    specs = {}
    for n in names:
        uses_plan = scheduler_info(n).needs_plan
        specs[n] = RunSpec(
            scenario, platform, n, opts[n], plan=source if uses_plan else None,
            cost_model=cost_model, late=late, duration_s=duration_s, max_jobs=max_jobs,
        )  # fmt: skip
        check_spec(specs[n])
    return specs


def _bound_row(specs: dict, seeds: list[int], time_limit_s: float) -> dict:
    """The offline bound on the same traces, with the plan of the first planned scheduler."""
    from terastal.bound import bound_row
    from terastal.experiment import make_policy, prepare

    first = next(iter(specs.values()))
    prepared = prepare(first.case)
    plan = next(
        (p for p in (make_policy(s, prepared).plan for s in specs.values()) if p is not None),
        None,
    )
    return bound_row(
        prepared.scenario, prepared.platform, prepared.tables(plan), first.duration_s, seeds,
        plan=plan, time_limit_s=time_limit_s,
    )  # fmt: skip
