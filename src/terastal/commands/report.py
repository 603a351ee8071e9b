"""``terastal report``: a sweep's self-contained static HTML report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the command to ``app``."""

    @app.command("report")
    def report_cmd(
        results: Annotated[Path, typer.Argument(help="Results directory of a sweep.")],
        out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = Path(
            "report.html"
        ),
        trace: Annotated[
            bool,
            typer.Option(
                "--trace/--no-trace",
                help="Re-simulate a representative point; write its Perfetto trace alongside.",
            ),
        ] = True,
    ) -> None:
        """Write a sweep's HTML report (self-contained: plots embedded, no network needed)."""
        from terastal.commands._args import output_file
        from terastal.sweep.report import build_report

        output_file(out)
        rep = build_report(results, out, trace=trace)
        typer.echo(f"wrote {rep.html}" + (f" and {rep.trace}" if rep.trace else ""))
