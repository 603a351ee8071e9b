"""``terastal sweep``: run every point of a grid on Dask and store one row per run."""

from __future__ import annotations

import contextlib
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from terastal.commands._vocab import NoCacheOpt, apply_no_cache
from terastal.errors import InputError


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """While active, SIGTERM stops the sweep like Ctrl-C (rows already written are kept)."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        previous = None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def register(app: typer.Typer) -> None:
    """Add the command to ``app``."""

    @app.command("sweep")
    def sweep_cmd(
        grid: Annotated[Path, typer.Argument(help="Grid YAML file.")],
        out: Annotated[Path, typer.Option("--out", "-o", help="Results directory.")],
        scheduler_address: Annotated[
            str | None,
            typer.Option(
                "--scheduler-address", help="Existing Dask scheduler, e.g. tcp://host:8786."
            ),
        ] = None,
        workers: Annotated[
            int | None,
            typer.Option(
                "--workers",
                help="Worker processes of the embedded cluster (default: one per core).",
            ),
        ] = None,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Validate and count points; run nothing.")
        ] = False,
        progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
        no_cache: NoCacheOpt = False,
    ) -> None:
        """Run a parameter sweep (resumable: points already stored as ok are skipped)."""
        apply_no_cache(no_cache)
        from terastal.sweep import ResultStore, load_grid, run_sweep

        if workers is not None and workers < 1:
            raise InputError(f"--workers must be >= 1, got {workers}")
        if out.exists() and not out.is_dir():
            raise InputError(f"--out {str(out)!r} exists and is not a directory")
        g = load_grid(grid)
        if dry_run:
            done = ResultStore(out).done()
            todo = sum(1 for p in g.points() if p["point_id"] not in done)
            typer.echo(f"{len(g)} point(s), {len(g) - todo} already done, {todo} to run")
            return
        try:
            with _sigterm_as_interrupt():
                s = run_sweep(
                    g, out, scheduler_address=scheduler_address, workers=workers, progress=progress
                )
        except KeyboardInterrupt:
            done = len(ResultStore(out).done())
            typer.echo(
                f"interrupted: {done} point(s) stored in {out}; run the same command to resume",
                err=True,
            )
            sys.exit(130)  # SystemExit passes through the CLI wrapper with its status
        typer.echo(
            f"{s.total} point(s): {s.skipped} already done, {s.ok} ok, {s.failed} error(s) "
            f"in {s.wall_s:.1f} s -> {out}"
        )
        if s.failed:
            typer.echo(
                f"see the errors with: terastal results {out} --query "
                "\"SELECT point_id, scenario, scheduler, error FROM runs WHERE status = 'error'\"",
                err=True,
            )
