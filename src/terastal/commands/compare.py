"""``terastal compare``: several schedulers on the same arrivals, side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from terastal.commands._args import MAX_JOBS_HELP, check_work, output_dir, positive_finite
from terastal.commands.simulate import parse_options
from terastal.errors import InputError
from terastal.model.work import MAX_JOBS


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
                seeds.extend(range(a, b + 1))
            else:
                seeds.append(int(part))
    except ValueError:
        raise InputError(f"--seeds must look like 0-4 or 0,1,5, got {spec!r}") from None
    if any(s < 0 for s in seeds):
        raise InputError(f"--seeds must be >= 0, got {spec!r}")
    if len(set(seeds)) != len(seeds):
        raise InputError(f"--seeds lists a seed twice: {spec!r}")
    return seeds


def scheduler_options(names: list[str], items: list[str]) -> dict[str, dict[str, Any]]:
    """Split ``--option`` values: ``NAME.KEY=VALUE`` goes to NAME, ``KEY=VALUE`` to all."""
    out: dict[str, dict[str, Any]] = {n: {} for n in names}
    for key, value in parse_options(items).items():
        target, dot, k = key.partition(".")
        if dot:
            if target not in out:
                raise InputError(f"--option {key}: {target!r} is not in --schedulers")
            out[target][k] = value
        else:
            for opts in out.values():
                opts[key] = value
    return out


def print_summary(summary: dict) -> None:
    """Print one row per scheduler: miss rates (mean and per model), energy, score."""
    from rich.console import Console
    from rich.table import Table

    def f(x, fmt):
        return "-" if x is None else format(x, fmt)

    scheds = summary["schedulers"]
    models = list(next(iter(scheds.values()))["miss_rate_by_model"]) if scheds else []
    table = Table(
        title=f"{summary['scenario']} on {summary['platform']}, seeds {summary['seeds']}, "
        f"late={summary['late_policy']}"
    )
    table.add_column("scheduler")
    table.add_column("mean miss", justify="right")
    for m in models:
        table.add_column(f"miss {m}", justify="right")
    for col in ("energy mJ", "XRBench", "acc. loss", "decide p50 µs"):
        table.add_column(col, justify="right")
    for label, s in scheds.items():
        table.add_row(
            label,
            f(s["mean_miss_rate"], ".2%"),
            *(f(s["miss_rate_by_model"][m], ".1%") for m in models),
            f(s["energy_mj"], ".1f"),
            f(s["xrbench_score"], ".2f"),
            f(s["accuracy_loss_mean"], ".2%"),
            f(s["decision_us_p50"], ".1f"),
        )
    Console().print(table)


def register(app: typer.Typer) -> None:
    """Add the command to ``app``."""

    @app.command("compare")
    def compare_cmd(
        scenario: Annotated[str, typer.Option("--scenario", help="Bundled name or YAML path.")],
        platform: Annotated[str, typer.Option("--platform", help="Bundled name or YAML path.")],
        schedulers: Annotated[
            str, typer.Option("--schedulers", help="Comma-separated scheduler names.")
        ] = "fcfs,edf,dream",
        duration_ms: Annotated[
            float, typer.Option("--duration-ms", help="Release horizon in ms.")
        ] = 1000.0,
        seeds: Annotated[str, typer.Option("--seeds", help="Seeds, e.g. 0-4 or 0,3.")] = "0",
        out: Annotated[
            Path | None, typer.Option("--out", help="Write summary.json and runs/ here.")
        ] = None,
        late: Annotated[
            str, typer.Option("--late", help="Late work: keep, drop or scheduler.")
        ] = "scheduler",
        option: Annotated[
            list[str] | None,
            typer.Option("--option", "-o", help="KEY=VALUE for all, or NAME.KEY=VALUE."),
        ] = None,
        cost_model: Annotated[
            str | None, typer.Option("--cost-model", help="Cost backend name.")
        ] = None,
        progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
        with_bound: Annotated[
            bool, typer.Option("--with-bound", help="Add the offline bound as a row.")
        ] = False,
        bound_time_limit: Annotated[
            float, typer.Option("--bound-time-limit", help="Bound solver limit per seed (s).")
        ] = 60.0,
        max_jobs: Annotated[float, typer.Option("--max-jobs", help=MAX_JOBS_HELP)] = MAX_JOBS,
    ) -> None:
        """Run several schedulers on identical arrivals and print a comparison table."""
        from terastal.metrics import to_json, write_atomic
        from terastal.metrics.compare import compare
        from terastal.schedulers import get_factory
        from terastal.sim.engine import LATE_POLICIES
        from terastal.sim.setup import load_case

        names = [n.strip() for n in schedulers.split(",") if n.strip()]
        if not names:
            raise InputError("--schedulers lists no scheduler")
        if len(set(names)) != len(names):
            raise InputError(f"--schedulers lists a scheduler twice: {schedulers!r}")
        positive_finite(duration_ms, "--duration-ms")
        positive_finite(bound_time_limit, "--bound-time-limit")
        output_dir(out)
        if late not in LATE_POLICIES:
            raise InputError(f"--late must be one of {', '.join(LATE_POLICIES)}, got {late!r}")
        seed_list = parse_seeds(seeds)
        opts = scheduler_options(names, option or [])
        sc, pf, tables = load_case(scenario, platform, cost_model)
        check_work(sc.tasks, duration_ms / 1e3, max_jobs)
        if "terastal" in names and "plan" not in opts["terastal"]:
            from terastal.sim.setup import with_plan

            opts["terastal"]["plan"], tables = with_plan(sc, pf, cost_model)
        factories = {}
        for n in names:
            make = get_factory(n)
            make(**opts[n])  # fail on bad options before any simulation runs
            factories[n] = lambda make=make, o=opts[n]: make(**o)
        runs: dict[str, str] = {}

        def save(label: str, seed: int, metrics: dict) -> None:
            runs[f"runs/{label}-seed{seed}.json"] = to_json(metrics)
            if bar is not None:
                bar.advance(task)

        kwargs = {"seeds": seed_list, "duration_s": duration_ms / 1e3, "late": late}
        bar = task = None
        if progress:
            from rich.console import Console
            from rich.progress import Progress

            with Progress(console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task("simulating", total=len(names) * len(seed_list))
                summary = compare(sc, pf, tables, factories, on_run=save, **kwargs)
        else:
            summary = compare(sc, pf, tables, factories, on_run=save, **kwargs)
        if with_bound:  # the offline bound on the same traces (terastal.bound)
            from terastal.bound import bound_row

            plan = opts.get("terastal", {}).get("plan")
            summary["schedulers"]["bound"] = bound_row(
                sc, pf, tables, duration_ms / 1e3, seed_list,
                plan=plan if hasattr(plan, "task") else None, time_limit_s=bound_time_limit,
            )  # fmt: skip
        print_summary(summary)
        if out is not None:
            # summary.json and runs/ are this command's: runs of an earlier compare go.
            files = {"summary.json": to_json(summary), **runs}
            write_atomic(out, files, owned=("summary.json", "runs"))
            typer.echo(f"wrote {out}")
