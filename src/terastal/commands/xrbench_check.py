"""``terastal xrbench-check``: rerun XRBench's cases and diff them against its output files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from terastal.commands._args import at_least
from terastal.commands._vocab import CostModelOpt


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.6f}"


def _report(check, max_rows: int) -> None:
    status = "ok" if check.ok else "MISMATCH"
    n_ok = check.rows_compared - len([d for d in check.row_diffs if d.ref is not None])
    typer.echo(f"{check.case.name}: {status}")
    if check.has_summary:
        for s in check.scores:
            diff = "-" if s.ours is None or s.ref is None else f"{s.ours - s.ref:+.6f}"
            mark = "" if s.ok else "  <-"
            typer.echo(
                f"  {s.model:28s} {s.field:7s} ours {_fmt(s.ours):>12s} xrbench "
                f"{_fmt(s.ref):>12s} diff {diff:>10s}{mark}"
            )
    if check.has_schedule:
        typer.echo(
            f"  schedule: {n_ok}/{check.rows_compared} XRBench rows match "
            f"({len(check.run.schedule)} ours)"
        )
        for d in check.row_diffs[:max_rows]:
            typer.echo(f"    row {d.index + 2}: {d.reason}")
            typer.echo(f"      ours    {tuple(d.ours) if d.ours else '-'}")
            typer.echo(f"      xrbench {tuple(d.ref) if d.ref else '-'}")
        if len(check.row_diffs) > max_rows:
            typer.echo(f"    ... {len(check.row_diffs) - max_rows} more differing row(s)")


def register(app: typer.Typer) -> None:
    """Add the command to ``app``."""

    @app.command("xrbench-check")
    def xrbench_check_cmd(
        paths: Annotated[
            list[Path],
            typer.Argument(help="XRBench schedule__*.csv / summary__*.csv files or directories."),
        ],
        cost_model: CostModelOpt = "analytical",
        max_rows: Annotated[
            int, typer.Option("--max-rows", help="Differing schedule rows shown per case.")
        ] = 5,
    ) -> None:
        """Run each case of XRBench's output files with the xrbench profile and diff them.

        Exit 0 when every case matches (per-model RT/energy/UX within 0.01, overall within
        0.1, identical schedule rows with times within 1e-3 ms), 1 otherwise, 2 on bad input.
        """
        from terastal.experiment.compat import profile_cost_model
        from terastal.xrbench.check import check_case, collect_cases

        at_least(max_rows, 0, "--max-rows")  # before any case runs
        cases = collect_cases(paths)
        bad = 0
        for case, files in cases.items():
            check = check_case(case, files, profile_cost_model(cost_model))
            _report(check, max_rows)
            bad += not check.ok
        typer.echo(f"{len(cases) - bad}/{len(cases)} case(s) match")
        if bad:
            raise typer.Exit(1)
