"""``terastal simulate``: one scheduler on one scenario and platform."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from terastal.commands._args import MAX_JOBS_HELP, at_least, check_work, output_dir
from terastal.commands._args import positive_finite as _positive_finite
from terastal.errors import InputError
from terastal.model.work import MAX_JOBS


def parse_options(items: list[str]) -> dict[str, Any]:
    """``["mapping=earliest_finish", "block=4"]`` -> ``{"mapping": "earliest_finish", "block": 4}``.

    Values are read as YAML scalars, so numbers and booleans get their types.
    """
    import yaml

    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"scheduler option must be KEY=VALUE, got {item!r}")
        try:
            out[key.strip()] = yaml.safe_load(value) if value.strip() else ""
        except yaml.YAMLError:
            out[key.strip()] = value
    return out


def run_with_progress(label: str, duration_s: float, fn, *, show: bool = True):
    """Call ``fn(progress_callback)`` under a rich progress bar over simulated time."""
    if not show:
        return fn(None)
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[sim]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        tid = bar.add_task(label, total=duration_s, sim="")

        def update(now: float) -> None:
            draining = " (draining)" if now >= duration_s else ""
            bar.update(tid, completed=min(now, duration_s), sim=f"{now * 1e3:.0f} ms{draining}")

        return fn(update)


def print_metrics(metrics: dict) -> None:
    """Print the per-model table and the overall line of a run."""
    from rich.console import Console
    from rich.table import Table

    def f(x, fmt):
        return "-" if x is None else format(x, fmt)

    table = Table(title=f"{metrics['scheduler']} on {metrics['scenario']} / {metrics['platform']}")
    table.add_column("model", no_wrap=True)
    for col in ("released", "in time", "late", "dropped", "miss", "p50 ms", "p99 ms", "mJ"):
        table.add_column(col, justify="right", no_wrap=True)
    for name, m in metrics["models"].items():
        table.add_row(
            name,
            str(m["released"]),
            str(m["in_time"]),
            str(m["late"]),
            str(m["dropped"]),
            f(m["miss_rate"], ".2%"),
            f(m["p50_ms"], ".2f"),
            f(m["p99_ms"], ".2f"),
            f(m["energy_mj"], ".2f"),
        )
    console = Console()
    console.print(table)
    sim = metrics["sim"]
    console.print(
        f"mean miss rate {metrics['mean_miss_rate']:.2%}  XRBench score "
        f"{metrics['xrbench_score']:.2f}  energy {metrics['energy_mj']:.1f} mJ  |  "
        f"{sim['dispatches']} dispatches in {sim['wall_s']:.2f} s, decision p50 "
        f"{sim['decision_us_p50']:.1f} µs p99 {sim['decision_us_p99']:.1f} µs"
    )


def register(app: typer.Typer) -> None:
    """Add the command to ``app``."""

    @app.command("simulate")
    def simulate_cmd(
        scenario: Annotated[str, typer.Option("--scenario", help="Bundled name or YAML path.")],
        platform: Annotated[str, typer.Option("--platform", help="Bundled name or YAML path.")],
        scheduler: Annotated[str, typer.Option("--scheduler", help="Scheduler name.")] = "edf",
        duration_ms: Annotated[
            float, typer.Option("--duration-ms", help="Release horizon in ms.")
        ] = 1000.0,
        seed: Annotated[int, typer.Option("--seed", help="Seed of jitter/cascades.")] = 0,
        out: Annotated[
            Path | None,
            typer.Option("--out", help="Write metrics.json, jobs.csv, trace.json here."),
        ] = None,
        late: Annotated[
            str, typer.Option("--late", help="Late work: keep, drop or scheduler.")
        ] = "scheduler",
        option: Annotated[
            list[str] | None,
            typer.Option("--option", "-o", help="Scheduler option KEY=VALUE (repeatable)."),
        ] = None,
        cost_model: Annotated[
            str | None, typer.Option("--cost-model", help="Cost backend name.")
        ] = None,
        trace: Annotated[bool, typer.Option("--trace/--no-trace", help="Write trace.json.")] = True,
        progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
        max_jobs: Annotated[float, typer.Option("--max-jobs", help=MAX_JOBS_HELP)] = MAX_JOBS,
    ) -> None:
        """Simulate one scheduler and print per-model metrics."""
        from terastal.metrics import compute_metrics, write_run
        from terastal.schedulers import make_scheduler
        from terastal.sim import simulate
        from terastal.sim.setup import load_case

        _positive_finite(duration_ms, "--duration-ms")
        at_least(seed, 0, "--seed")
        output_dir(out)
        opts = parse_options(option or [])
        sc, pf, tables = load_case(scenario, platform, cost_model)
        check_work(sc.tasks, duration_ms / 1e3, max_jobs)
        if scheduler == "terastal" and "plan" not in opts:
            from terastal.sim.setup import with_plan

            opts["plan"], tables = with_plan(sc, pf, cost_model)
        sched = make_scheduler(scheduler, **opts)
        duration_s = duration_ms / 1e3

        def go(cb):
            return simulate(
                sc, pf, tables, sched, duration_s=duration_s, seed=seed, late=late, progress=cb
            )

        result = run_with_progress(f"{scheduler} {sc.name}", duration_s, go, show=progress)
        metrics = compute_metrics(result, getattr(sched, "accuracy_loss", None))
        print_metrics(metrics)
        if out is not None:
            write_run(out, result, metrics, trace=trace)
            typer.echo(f"wrote {out}")
