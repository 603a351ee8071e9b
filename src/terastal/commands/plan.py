"""``terastal plan``: offline planning (layer variants, admissible combinations, budgets)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from terastal.errors import InputError, TerastalError


def _cost_model(name: str):
    """The named cost backend (``terastal.cost.get_cost_model``, else the default one)."""
    import terastal.cost as cost

    getter = getattr(cost, "get_cost_model", None)
    if getter is not None:
        return getter(name)
    default = getattr(cost, "default_cost_model", None)
    if default is None:
        raise TerastalError("no cost-model backends are available in this installation")
    return default()


def _us(x: float | None) -> str:
    return "-" if x is None else f"{x * 1e6:,.1f}"


def _shape(layer) -> str:
    return f"{layer.k}x{layer.c}x{layer.y}x{layer.x} ({layer.r}x{layer.s})"


def print_plan(plan, show: str = "variants") -> None:
    """Print ``plan`` as rich tables: a task summary and a layer table.

    Parameters
    ----------
    plan : Plan
        The plan.
    show : {"variants", "all", "none"}
        Layers listed: those with accuracy data (variant candidates), all, or none.
    """
    from rich.console import Console
    from rich.table import Table

    console = Console()
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
        tasks.add_column(col, justify="left" if col in ("task", "metric") else "right")
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
    if show != "none":
        table = Table(title="Layers (latencies, gaps and budgets in µs)")
        cols = ["task", "layer", "pref", "lat pref", "gap", "gap after", "gain", "loss %"]
        cols += ["rank", "variant", "budget", "v.deadline", "LP share"]
        for col in cols:
            table.add_column(
                col, justify="left" if col in ("task", "layer", "variant") else "right"
            )
        for t in plan.tasks:
            for lp in t.layers:
                if show == "variants" and lp.variant_latency_s is None:
                    continue
                var = _shape(lp.variant) if lp.variant is not None else "-"
                if lp.variant is None and lp.variant_latency_s is not None:
                    no_gain = lp.gain_s is not None and lp.gain_s <= 0
                    var = "(no gain)" if no_gain else "(not admissible)"
                table.add_row(
                    t.name,
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
        if table.row_count:
            console.print(table)
        else:
            console.print("no layer has accuracy data: no variants (use --accuracy-table)")
    for note in plan.notes:
        console.print(f"note: {note}")


def register(app: typer.Typer) -> None:
    """Add the command to ``app``."""

    @app.command("plan")
    def plan(
        scenario: Annotated[str, typer.Option("--scenario", "-s", help="Bundled name or file.")],
        platform: Annotated[
            str, typer.Option("--platform", "-p", help="Bundled HW/DATAFLOW or file.")
        ],
        out: Annotated[Path, typer.Option("--out", "-o", help="Plan file to write (JSON).")],
        accuracy_loss: Annotated[
            float,
            typer.Option("--accuracy-loss", help="Largest admissible normalized accuracy loss."),
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
        cost_model: Annotated[
            str, typer.Option("--cost-model", help="Cost backend name.")
        ] = "analytical",
        show: Annotated[
            str, typer.Option("--show", help="Layers to list: variants, all or none.")
        ] = "variants",
    ) -> None:
        """Plan layer variants, admissible combinations and per-layer budgets."""
        from terastal.io import load_platform, load_scenario
        from terastal.planner.plan import make_plan

        if show not in ("variants", "all", "none"):
            raise InputError(f"must be variants, all or none, got {show!r}", field="--show")
        if not 0.0 <= accuracy_loss < 1.0:
            raise InputError(f"must be in [0, 1), got {accuracy_loss}", field="--accuracy-loss")
        sc = load_scenario(scenario)
        pf = load_platform(platform)
        result = make_plan(
            sc,
            pf,
            _cost_model(cost_model),
            accuracy_loss=accuracy_loss,
            budgets=budgets,
            accuracy_tables=accuracy_table,
            use_bundled=not no_bundled,
        )
        result.to_json(out)
        print_plan(result, show)
        typer.echo(f"wrote {out}")
