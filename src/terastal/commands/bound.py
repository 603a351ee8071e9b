"""``terastal bound``: the offline optimal bound of one scenario, platform, horizon and seed."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from terastal._cores import worker_count
from terastal.commands._args import output_dir, seed_value
from terastal.commands._args import positive_finite as _positive_finite
from terastal.commands._vocab import (
    CostModelOpt,
    DurationOpt,
    MaxJobsOpt,
    NoCacheOpt,
    PlatformOpt,
    ScenarioOpt,
    SeedOpt,
    apply_no_cache,
    console,
)
from terastal.errors import InputError
from terastal.model.work import MAX_JOBS

#: ``--duration-ms`` of ``terastal bound`` when none is given (an exact bound, not a run).
BOUND_DURATION_MS = 100.0


def load_bound_case(
    scenario: str,
    platform: str,
    plan_path: Path | None,
    cost_model: str,
    duration_s: float,
    max_jobs: float = MAX_JOBS,
):
    """Scenario, platform, cost tables (with the plan's variant shapes) and the plan.

    The trace the bound solves is a run of the simulator: the work guard applies to it.
    """
    from terastal.experiment import RunSpec, check_spec, check_work, prepare

    spec = RunSpec(
        scenario, platform, cost_model=cost_model, duration_s=duration_s, max_jobs=max_jobs
    )
    check_spec(spec)
    prepared = prepare(spec.case)
    check_work(spec, prepared)
    plan = prepared.plan(str(plan_path)) if plan_path is not None else None
    return prepared.scenario, prepared.platform, prepared.tables(plan), plan


def print_bound(summary: dict) -> None:
    """One-paragraph report of a bound."""
    best, lower = summary["missed_best"], summary["missed_lower_bound"]
    kind = "optimal" if summary["optimal"] else "not proven optimal"
    heuristic = " (grouped layers: best is a heuristic)" if summary["best_is_heuristic"] else ""
    inst = summary["instance"]
    out = console()
    out.print(
        f"[bold]{summary['scenario']}[/] on [bold]{summary['platform']}[/], "
        f"{summary['duration_s'] * 1e3:g} ms, seed {summary['seed']}: "
        f"{inst['jobs']} jobs, {inst['layers']} layers in {inst['blocks']} blocks"
    )
    out.print(
        f"missed: best {best if best is not None else '-'} of {summary.get('released', '-')} "
        f"released, lower bound {lower} ({summary['lower_bound_source'] or 'none'}), "
        f"{kind}{heuristic}; solver {summary['model_status']} in "
        f"{summary['timing']['total_s']:.1f} s"
    )
    if summary["hint"]:
        h = summary["hint"]
        out.print(f"best online scheduler on this trace: {h['scheduler']} ({h['missed']})")


def register(app: typer.Typer) -> None:
    """Add the command to ``app``."""

    @app.command("bound")
    def bound_cmd(
        scenario: ScenarioOpt,
        platform: PlatformOpt,
        out: Annotated[
            Path, typer.Option("--out", "-o", help="Write bound.json (and jobs.csv) here.")
        ],
        duration_ms: DurationOpt = None,
        seed: SeedOpt = 0,
        time_limit: Annotated[
            float,
            typer.Option("--time-limit-s", "--time-limit", help="Solver time limit in seconds."),
        ] = 60.0,
        group_layers: Annotated[
            int,
            typer.Option("--group-layers", help="Layers per block; 1 = exact, more = heuristic."),
        ] = 1,
        plan: Annotated[
            Path | None, typer.Option("--plan", help="Plan file: admissible layer variants.")
        ] = None,
        workers: Annotated[
            int,
            typer.Option(
                "--workers", help="CP-SAT workers (0: one per core; capped at the cores)."
            ),
        ] = 2,
        cost_model: CostModelOpt = "analytical",
        hint: Annotated[
            bool, typer.Option("--hint/--no-hint", help="Warm-start from online schedulers.")
        ] = True,
        max_jobs: MaxJobsOpt = MAX_JOBS,
        no_cache: NoCacheOpt = False,
    ) -> None:
        """Fewest deadline misses any schedule can achieve on the simulator's trace."""
        apply_no_cache(no_cache)
        from terastal.bound import solve_bound
        from terastal.bound.report import solution_metrics
        from terastal.metrics import jobs_csv, to_json, write_atomic

        if duration_ms is None:  # the exact bound's work grows fast with the horizon
            duration_ms = BOUND_DURATION_MS
        _positive_finite(duration_ms, "--duration-ms")
        _positive_finite(time_limit, "--time-limit-s")
        seed_value(seed)
        output_dir(out)
        if group_layers < 1:
            raise InputError(f"--group-layers must be >= 1, got {group_layers}")
        if workers < 0:  # 0: one per core, as --workers of reproduce and sweep
            raise InputError(f"--workers must be >= 0, got {workers}")
        # CP-SAT threads beyond the cores only share them, and each holds its own copy of the
        # model: --workers 1000 took a thousand copies. bound.json records the count that ran.
        workers = worker_count(workers, cap=True)
        sc, pf, tables, the_plan = load_bound_case(
            scenario, platform, plan, cost_model, duration_ms / 1e3, max_jobs
        )
        solution = solve_bound(
            sc, pf, tables, duration_ms / 1e3, seed, plan=the_plan, time_limit_s=time_limit,
            group_layers=group_layers, workers=workers, hint=hint,
        )  # fmt: skip
        summary = dict(solution.summary)
        jobs = summary.pop("jobs")
        metrics = solution_metrics(solution, the_plan)
        if metrics is not None:
            summary["metrics"] = {k: v for k, v in metrics.items() if k != "sim"}
        summary["jobs"] = jobs
        files = {"bound.json": to_json(summary)}
        if solution.result is not None:
            files["jobs.csv"] = jobs_csv(solution.result)
        # Written only once the solve has finished: an interrupt leaves nothing behind.
        write_atomic(out, files, owned=("bound.json", "jobs.csv"))
        print_bound(summary)
        typer.echo(f"wrote {out}")
