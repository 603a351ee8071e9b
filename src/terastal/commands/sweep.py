"""``terastal sweep``: run every point of a grid on Dask and store one row per run."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from terastal.commands._args import output_dir
from terastal.commands._vocab import (
    MaxJobsOpt,
    NoCacheOpt,
    ProgressOpt,
    WorkersOpt,
    apply_no_cache,
)
from terastal.errors import InputError, Interrupted, TerastalError
from terastal.model.work import MAX_JOBS


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
        workers: WorkersOpt = 0,
        dry_run: Annotated[
            bool, typer.Option("--dry-run", help="Validate and count points; run nothing.")
        ] = False,
        progress: ProgressOpt = True,
        max_jobs: MaxJobsOpt = MAX_JOBS,
        no_cache: NoCacheOpt = False,
    ) -> None:
        """Run a parameter sweep (resumable: points already stored as ok are skipped)."""
        apply_no_cache(no_cache)
        from terastal.interrupts import deferred, interrupting
        from terastal.sweep import ResultStore, load_grid, run_sweep
        from terastal.sweep.checks import check_grid_work
        from terastal.sweep.lock import sweep_lock

        if workers < 0:
            raise InputError(f"--workers must be >= 0, got {workers}")
        output_dir(out)
        g = load_grid(grid)
        check_grid_work(g, max_jobs)
        if dry_run:
            done = ResultStore(out).done()
            todo = sum(1 for p in g.points() if p["point_id"] not in done)
            typer.echo(f"{len(g)} point(s), {len(g) - todo} already done, {todo} to run")
            return
        made = not out.exists()
        try:
            with sweep_lock(out):
                s = run_sweep(
                    g, out, scheduler_address=scheduler_address, workers=workers or None,
                    progress=progress, max_jobs=max_jobs,
                )  # fmt: skip
        except BaseException as exc:
            signum = interrupting(exc)  # also a signal while a failure closed the cluster
            if signum is None:
                if made and isinstance(exc, TerastalError):  # e.g. no scheduler at the address
                    _remove_if_unused(out)  # no empty --out left
                raise
            with deferred():  # a second Ctrl-C meanwhile must not lose the count
                done = len(ResultStore(out).done())
            note = f"{done} point(s) stored in {out}; run the same command to resume"
            raise Interrupted(signum, note) from None
        typer.echo(
            f"{s.total} point(s): {s.skipped} already done, {s.ok} ok, {s.failed} error(s) "
            f"in {s.wall_s:.1f} s -> {out}"
        )
        if s.failed:
            typer.echo(
                f"error: {s.failed} point(s) failed; see them with: terastal results {out} "
                "(rerun the same command to retry them)",
                err=True,
            )
            raise typer.Exit(1)


def _remove_if_unused(out: Path) -> None:
    """Remove the results directory ``out`` this sweep made, if it holds only its lock."""
    from terastal.sweep.lock import LOCK_NAME

    (out / LOCK_NAME).unlink(missing_ok=True)
    for d in (out / "runs", out):
        with contextlib.suppress(OSError):
            d.rmdir()  # only if empty
