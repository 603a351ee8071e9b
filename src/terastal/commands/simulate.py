"""``terastal simulate``: one scheduler on one scenario and platform."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from terastal.commands._args import output_dir
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
    SeedOpt,
    apply_no_cache,
    console,
    option_flag,
    parse_options,
)
from terastal.model.work import MAX_JOBS

DEFAULT_SCHEDULER = "edf"  # --scheduler when not given (and not under --compat)


def run_with_progress(label: str, duration_s: float, fn, *, show: bool = True):
    """Call ``fn(progress_callback)`` under a rich progress bar over simulated time.

    Only on a terminal: to a file or pipe rich would draw nothing (a transient bar leaves one
    empty line), and importing it costs start-up.
    """
    from terastal.commands._table import plain_wanted

    if not show or plain_wanted(sys.stderr):
        return fn(None)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[sim]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console(stderr=True), transient=True) as bar:
        tid = bar.add_task(label, total=duration_s, sim="")

        def update(now: float) -> None:
            # After the horizon the run goes on until the counted jobs have ended (under the
            # load of the releases after it: docs/design.md, "Measurement window").
            after = " (finishing counted jobs)" if now >= duration_s else ""
            bar.update(tid, completed=min(now, duration_s), sim=f"{now * 1e3:.0f} ms{after}")

        return fn(update)


def print_table(title: str, columns: list[tuple[str, str]], rows: list, footer: str) -> None:
    """Print a table (columns as ``(header, justify)``) and a line under it.

    To a terminal through rich; to a file or pipe as the same characters without importing
    rich (:mod:`terastal.commands._table`), unless the text needs rich to come out right.
    """
    from terastal.commands._table import plain_line, plain_table, plain_wanted

    if plain_wanted():
        table, line = plain_table(title, columns, rows), plain_line(footer)
        if table is not None and line is not None:
            sys.stdout.write(table + line)
            return
    from rich.table import Table

    out = Table(title=title)
    for header, justify in columns:
        out.add_column(header, justify=justify, no_wrap=True)
    for row in rows:
        out.add_row(*row)
    con = console()
    con.print(out)
    con.print(footer)


def print_metrics(metrics: dict) -> None:
    """Print the per-model table and the overall line of a run."""
    if metrics.get("profile") == "xrbench":
        return print_xrbench(metrics)

    def f(x, fmt):
        return "-" if x is None else format(x, fmt)

    title = f"{metrics['scheduler']} on {metrics['scenario']} / {metrics['platform']}"
    heads = ("released", "in time", "late", "dropped", "miss", "p50 ms", "p99 ms", "mJ")
    columns = [("model", "left"), *((h, "right") for h in heads)]
    rows = [
        (
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
        for name, m in metrics["models"].items()
    ]
    sim = metrics["sim"]
    footer = (
        f"mean miss rate {metrics['mean_miss_rate']:.2%}  XRBench score "
        f"{metrics['xrbench_score']:.2f}  energy {metrics['energy_mj']:.1f} mJ  |  "
        f"{sim['dispatches']} dispatches in {sim['wall_s']:.2f} s, decision p50 "
        f"{sim['decision_us_p50']:.1f} µs p99 {sim['decision_us_p99']:.1f} µs"
    )
    cal = metrics.get("calibration")
    if cal is not None:  # Terastal's mode chosen by calibration runs (experiment.calibrate)
        scores = ", ".join(f"{k} {v:.2%}" for k, v in cal["scores"].items())
        footer += f"\ncalibration: mode {cal['mode']} over {cal['draws']} draw(s) ({scores})"
    print_table(title, columns, rows, footer)


def print_xrbench(metrics: dict) -> None:
    """Print a run of the XRBench profile: request counts and XRBench's scores per model."""
    title = f"XRBench profile: {metrics['scenario']} / {metrics['platform']}, seed "
    heads = ("model", "released", "done", "dropped", "unlogged", "RT", "energy", "UX", "score")
    columns = [(h, "left" if h == "model" else "right") for h in heads]
    rows = []
    for name, c in metrics["models"].items():
        m = metrics["xrbench"].get(name)
        scores = [f"{m[k]:.4f}" for k in ("rt", "energy", "ux", "score")] if m else ["-"] * 4
        counts = (c["released"], c["completed"], c["dropped"], c["unlogged"])
        rows.append((name, *map(str, counts), *scores))
    score, stop = metrics["xrbench_score"], metrics["stop_ms"]
    footer = f"XRBench score {score:.6f}  (stopped at {stop:.3f} ms)"
    print_table(title + str(metrics["seed"]), columns, rows, footer)


def register(app: typer.Typer) -> None:
    """Add the command to ``app``."""

    @app.command("simulate", cls=SchedulerHelpCommand)
    def simulate_cmd(
        scenario: ScenarioOpt,
        platform: PlatformOpt,
        scheduler: Annotated[
            str | None,
            typer.Option(
                "--scheduler",
                help=f"Scheduler name (default {DEFAULT_SCHEDULER}; none under --compat).",
            ),
        ] = None,
        duration_ms: DurationOpt = None,
        seed: SeedOpt = 0,
        out: Annotated[
            Path | None,
            typer.Option(
                "--out",
                "-o",
                help="Write metrics.json, jobs.csv, trace.json here (--compat xrbench: "
                "metrics.json, schedule.csv, summary.csv).",
            ),
        ] = None,
        late: LateOpt = "scheduler",
        option: option_flag("Scheduler option KEY=VALUE (repeatable).") = None,
        plan: PlanOpt = None,
        cost_model: CostModelOpt = "analytical",
        trace: Annotated[bool, typer.Option("--trace/--no-trace", help="Write trace.json.")] = True,
        progress: ProgressOpt = True,
        max_jobs: MaxJobsOpt = MAX_JOBS,
        compat: CompatOpt = None,
        no_cache: NoCacheOpt = False,
    ) -> None:
        """Simulate one scheduler and print per-model metrics."""
        output_dir(out)  # a file in the way fails now, not after the run
        apply_no_cache(no_cache)
        from terastal.experiment import (
            AUTO,
            RunSpec,
            check_spec,
            check_work,
            make_policy,
            prepare,
            run,
            write_outcome,
        )

        duration_s = None if duration_ms is None else duration_ms / 1e3
        if compat is not None or duration_s is None:  # the profiles' module only if needed
            from terastal.experiment import default_duration_s, profile_scheduler

            if compat is not None:  # its engine runs its own policy: a named one is refused
                scheduler = profile_scheduler(compat, scheduler, "--scheduler")
            if duration_s is None:
                duration_s = default_duration_s(compat)
        spec = RunSpec(
            scenario, platform, scheduler or DEFAULT_SCHEDULER, parse_options(option or []),
            plan=str(plan) if plan is not None else AUTO, cost_model=cost_model, late=late,
            seed=seed, max_jobs=max_jobs, compat=compat, duration_s=duration_s,
        )  # fmt: skip
        check_spec(spec)
        prepared = None
        if compat is None:
            prepared = prepare(spec.case)
            check_work(spec, prepared)  # a run too big, bad options or plan fail before the bar
            make_policy(spec, prepared)

        def go(cb):
            return run(spec, prepared=prepared, progress=cb)

        outcome = run_with_progress(
            f"{spec.scheduler} {scenario}", spec.duration_s, go, show=progress and not compat
        )
        print_metrics(outcome.metrics)
        if out is not None:
            write_outcome(out, outcome, trace=trace)
            typer.echo(f"wrote {out}")
