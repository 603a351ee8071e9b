"""``terastal plan``: offline planning (layer variants, admissible combinations, budgets)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from terastal.commands._args import output_file
from terastal.commands._vocab import (
    CostModelOpt,
    NoCacheOpt,
    PlatformOpt,
    ScenarioOpt,
    apply_no_cache,
)
from terastal.commands._vocab import console as make_console
from terastal.errors import InputError


def _us(x: float | None) -> str:
    return "-" if x is None else f"{x * 1e6:,.1f}"


def _shape(layer) -> str:
    return f"{layer.k}x{layer.c}x{layer.y}x{layer.x}"


def print_plan(plan, show: str = "variants", ceiling: float | None = None) -> None:
    """Print ``plan`` as rich tables: a task summary and, per task, a layer table.

    Parameters
    ----------
    plan : Plan
        The plan.
    show : {"variants", "all", "none"}
        Layers listed: those with accuracy data (variant candidates), all, or none.
    ceiling : float, optional
        Per-job loss ceiling the plan was made with (marks combinations above it).
    """
    from rich.table import Table

    console = make_console()
    accs = plan.accelerators
    util = ", ".join(
        f"{a} {u:.2f} (pref {p:.2f})"
        for a, u, p in zip(accs, plan.utilization, plan.preferred_utilization, strict=False)
    )
    console.print(
        f"[bold]{plan.scenario}[/] on [bold]{plan.platform}[/]  budgets={plan.budget_policy}  "
        f"accuracy loss <= {plan.accuracy_loss:.2%}  cost model={plan.cost_model}"
    )
    console.print(f"utilization: {util}")
    tasks = Table(title="Tasks")
    for col in ("task", "layers", "deadline ms", "rate Hz", "variants", "admissible", "metric"):
        right = col not in ("task", "metric")
        tasks.add_column(col, justify="right" if right else "left", no_wrap=right)
    for t in plan.tasks:
        tasks.add_row(
            t.name,
            str(len(t.layers)),
            f"{t.deadline_s * 1e3:.2f}",
            f"{t.rate_hz:g}",
            str(len(t.variant_layers)),
            str(len(t.admissible) - 1),
            t.accuracy_metric or "-",
        )
    console.print(tasks)
    if show == "none":
        pass
    elif show == "variants" and not any(
        lp.variant_latency_s is not None for t in plan.tasks for lp in t.layers
    ):
        console.print("no layer has accuracy data, so no variants (see --accuracy-table)")
    else:
        for t in plan.tasks:
            _print_layers(console, t, accs, show)
            _print_combinations(console, t, ceiling)
    for note in plan.notes:
        console.print(f"note: {note}")


def _print_layers(console, t, accs, show: str) -> None:
    from rich.table import Table

    rows = [lp for lp in t.layers if show == "all" or lp.variant_latency_s is not None]
    if not rows:
        return
    table = Table(title=f"{t.name}: layers (times in µs; share = mapped fraction per accelerator)")
    table.add_column("layer", overflow="fold", min_width=14)
    for col in ("pref", "lat", "gap", "gap after", "gain", "loss %", "rank"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("variant", no_wrap=True)
    for col in ("budget", "v.deadline", "share"):
        table.add_column(col, justify="right", no_wrap=True)
    for lp in rows:
        var = _shape(lp.variant) if lp.variant is not None else "-"
        if lp.variant is None and lp.variant_latency_s is not None:
            var = "(no gain)" if lp.gain_s is not None and lp.gain_s <= 0 else "(inadmissible)"
        table.add_row(
            lp.name,
            accs[lp.preferred],
            _us(lp.latency_s[lp.preferred]),
            _us(lp.gap_s),
            _us(lp.gap_after_s),
            _us(lp.gain_s),
            "-" if lp.variant_loss is None else f"{lp.variant_loss * 100:.2f}",
            "-" if lp.variant_rank is None else str(lp.variant_rank),
            var,
            _us(lp.budget_s),
            _us(lp.deadline_offset_s),
            "/".join(f"{s:.2f}" for s in lp.share),
        )
    console.print(table)


def _print_combinations(console, t, ceiling) -> None:
    """Measured combinations of the task's variant layers, with their loss and use."""
    from rich.table import Table

    have = set(t.variant_layers)
    combos = sorted(
        ((1.0 - acc, c) for c, acc in t.accuracy.items() if c and c <= have),
        key=lambda x: (x[0], sorted(x[1])),
    )
    if not combos:
        return
    names = {lp.index: lp.name for lp in t.layers}
    table = Table(title=f"{t.name}: measured combinations of its variant layers")
    table.add_column("layers", overflow="fold")
    table.add_column("loss %", justify="right", no_wrap=True)
    table.add_column("use", no_wrap=True)
    for loss, c in combos:
        use = "admissible" if frozenset(c) in set(t.admissible) else "budget only"
        if use != "admissible" and (ceiling is None or loss > ceiling + 1e-9):
            use = "above ceiling"
        table.add_row(", ".join(names[i] for i in sorted(c)), f"{loss * 100:.2f}", use)
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add the command to ``app``."""

    @app.command("plan")
    def plan(
        scenario: ScenarioOpt,
        platform: PlatformOpt,
        out: Annotated[Path, typer.Option("--out", "-o", help="Plan file to write (JSON).")],
        accuracy_loss: Annotated[
            float,
            typer.Option(
                "--accuracy-loss",
                help="Largest admissible normalized accuracy loss, a fraction (0.02 = 2 %).",
            ),
        ] = 0.02,
        budgets: Annotated[
            str, typer.Option("--budgets", help="Budget policy: lp, preferred or mean.")
        ] = "lp",
        accuracy_table: Annotated[
            Path | None,
            typer.Option("--accuracy-table", help="Accuracy table (CSV or YAML) of your models."),
        ] = None,
        no_bundled: Annotated[
            bool,
            typer.Option("--no-bundled-accuracy", help="Ignore the bundled paper accuracy tables."),
        ] = False,
        cost_model: CostModelOpt = "analytical",
        show: Annotated[
            str, typer.Option("--show", help="Layers to list: variants, all or none.")
        ] = "variants",
        accuracy_ceiling: Annotated[
            float,
            typer.Option(
                "--accuracy-ceiling",
                help="Per-job loss ceiling of combinations a budget may run, a fraction (0: none).",
            ),
        ] = 0.08,
        target_utilization: Annotated[
            float,
            typer.Option(
                "--target-utilization",
                help="Budget LP balances the bottleneck down to this, not below (0: fully).",
            ),
        ] = 0.9,
        no_cache: NoCacheOpt = False,
    ) -> None:
        """Plan layer variants, admissible combinations and per-layer budgets."""
        apply_no_cache(no_cache)
        output_file(out)  # before planning, not after
        if show not in ("variants", "all", "none"):
            raise InputError(f"must be variants, all or none, got {show!r}", field="--show")
        if not 0.0 <= accuracy_loss < 1.0:
            raise InputError(f"must be in [0, 1), got {accuracy_loss}", field="--accuracy-loss")
        with _flags_named():
            result = _make(
                scenario, platform, cost_model, accuracy_loss, budgets, accuracy_table,
                no_bundled, accuracy_ceiling, target_utilization,
            )  # fmt: skip
        result.to_json(out)
        print_plan(result, show, accuracy_ceiling or None)
        typer.echo(f"wrote {out}")


#: The planner's fields that ``terastal plan`` sets from a flag of another spelling.
_FLAGS = {
    "budgets": "--budgets",
    "accuracy_ceiling": "--accuracy-ceiling",
    "target_utilization": "--target-utilization",
}


@contextlib.contextmanager
def _flags_named():
    """Name the flag, not the planner's field, in an error about a value the flag gave."""
    try:
        yield
    except InputError as exc:
        if exc.file is None and exc.field in _FLAGS:
            raise InputError(exc.message, field=_FLAGS[exc.field]) from None
        raise


def _make(scenario, platform, cost_model, accuracy_loss, budgets, accuracy_table, no_bundled,
          accuracy_ceiling, target_utilization):  # fmt: skip
    """The plan of ``terastal plan``'s flags: cached when automatic, else made here."""
    from terastal.cost import resolve_cost_model
    from terastal.io import load_platform, load_scenario
    from terastal.planner.make import make_plan

    if accuracy_table is None and not no_bundled:  # the automatic plan: cached
        from terastal.experiment import Case, PlannerOptions, prepare

        opts = PlannerOptions(
            accuracy_loss,
            budgets,
            accuracy_ceiling=accuracy_ceiling or None,
            target_utilization=target_utilization or None,
        )
        return prepare(Case(scenario, platform, cost_model, planner=opts)).auto_plan()
    return make_plan(
        load_scenario(scenario),
        load_platform(platform),
        resolve_cost_model(cost_model),
        accuracy_loss=accuracy_loss,
        budgets=budgets,
        accuracy_tables=accuracy_table,
        use_bundled=not no_bundled,
        accuracy_ceiling=accuracy_ceiling or None,
        target_utilization=target_utilization or None,
    )
