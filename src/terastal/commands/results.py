"""``terastal results``: query a sweep's results with DuckDB SQL (the view ``runs``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from terastal.errors import InputError

DEFAULT_QUERY = """
SELECT scheduler,
       count(*) FILTER (WHERE status = 'ok') AS ok,
       count(*) FILTER (WHERE status = 'error') AS errors,
       avg(mean_miss_rate) AS mean_miss_rate,
       avg(xrbench_score) AS xrbench_score,
       avg(energy_mj) AS energy_mj
FROM runs GROUP BY scheduler ORDER BY scheduler
"""

ERRORS_QUERY = """
SELECT point_id, scenario, platform, scheduler, seed, error
FROM runs WHERE status = 'error' ORDER BY scenario, scheduler, seed
"""


def _cell(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def register(app: typer.Typer) -> None:
    """Add the command to ``app``."""

    @app.command("results")
    def results_cmd(
        results: Annotated[Path, typer.Argument(help="Results directory of a sweep.")],
        query: Annotated[
            str | None,
            typer.Option("--query", "-q", help="DuckDB SQL over the view 'runs'."),
        ] = None,
        limit: Annotated[
            int, typer.Option("--limit", min=1, help="Rows printed at most (>= 1).")
        ] = 200,
    ) -> None:
        """Print a DuckDB query over the results (default: a per-scheduler summary)."""
        import duckdb
        from rich.table import Table

        from terastal.sweep import ResultStore

        con = ResultStore(results).connect()
        columns = {row[0] for row in con.execute("DESCRIBE runs").fetchall()}
        if query is None and "mean_miss_rate" not in columns:
            query = ERRORS_QUERY  # no point ran: the errors are the result
        try:
            rel = con.execute(query or DEFAULT_QUERY)
        except duckdb.Error as exc:
            raise InputError(f"query failed: {str(exc).splitlines()[0]}", field="--query") from None
        if rel is None:  # blank, or only ';': DuckDB ran nothing (it was a traceback)
            raise InputError(f"holds no SQL statement: {query!r}", field="--query")
        if rel.description is None:
            typer.echo("ok")
            return
        cols = [d[0] for d in rel.description]
        # fetchmany takes a signed 64-bit count: no result has 2**62 rows, so this is no limit
        rows = rel.fetchmany(min(limit, 2**62) + 1)
        table = Table(show_lines=False)
        for c in cols:
            table.add_column(c, overflow="fold")
        for row in rows[:limit]:
            table.add_row(*(_cell(v) for v in row))
        from terastal.commands._vocab import console as make_console

        console = make_console()
        console.print(table)
        if len(rows) > limit:
            console.print(f"(first {limit} rows; use --limit to see more)")
