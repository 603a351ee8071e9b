"""Run a sweep's points on Dask: an embedded ``LocalCluster`` or an existing cluster.

Points run on the workers (:func:`run_point` never raises: a failure becomes a row with
``status="error"``); the driver writes each row to the store as soon as it arrives, so the
workers need no shared filesystem with the driver, only terastal and the input files.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from terastal._cores import worker_count
from terastal.errors import InputError
from terastal.interrupts import sigint_blocked, stage
from terastal.model.work import MAX_JOBS
from terastal.sweep.grid import Grid, resolve_spec
from terastal.sweep.store import ResultStore, flatten_metrics


def _plan_source(plan: str | None, base: Path) -> str | None:
    """A point's ``plan`` as a run's plan source: ``auto``, a resolved path, or none."""
    if plan is None or plan == "none":
        return None
    return plan if plan == "auto" else resolve_spec(plan, base)


def point_spec(
    point: dict[str, Any],
    base_dir: str | os.PathLike[str] | None = None,
    max_jobs: float = MAX_JOBS,
):
    """The :class:`~terastal.experiment.RunSpec` of a sweep point.

    Relative scenario, platform and plan paths are resolved against ``base_dir`` (default:
    the working directory); a point without a ``plan`` runs without one. ``max_jobs`` is the
    work guard's ceiling (``sweep --max-jobs``). A point of a ``compat:`` grid gives a spec of
    that compatibility profile (``duration_ms`` is its horizon).
    """
    from terastal.experiment import RunSpec

    base = Path(base_dir) if base_dir is not None else Path.cwd()
    return RunSpec(
        resolve_spec(point["scenario"], base),
        resolve_spec(point["platform"], base),
        point["scheduler"],
        json.loads(point.get("scheduler_options") or "{}"),
        plan=_plan_source(point.get("plan"), base),
        cost_model=point.get("cost_model") or "analytical",
        late=point.get("late", "scheduler"),
        seed=int(point["seed"]),
        duration_s=float(point["duration_ms"]) / 1e3,
        load_scale=float(point.get("load_scale", 1.0)),
        max_jobs=max_jobs,
        compat=point.get("compat") or None,
    )


def simulate_point(
    point: dict[str, Any],
    base_dir: str | os.PathLike[str] | None = None,
    max_jobs: float = MAX_JOBS,
):
    """Simulate one point through :func:`terastal.experiment.run`.

    Parameters
    ----------
    point : dict
        A point's configuration (see :meth:`terastal.sweep.grid.Grid.points`).
    base_dir : str or path, optional
        Directory against which relative scenario/platform/plan paths are resolved.
    max_jobs : float
        The work guard's job ceiling (see :func:`terastal.experiment.check_work`).

    Returns
    -------
    RunOutcome
        ``(result, metrics, load)``: the engine's result, the metrics ``terastal simulate``
        writes to ``metrics.json``, and the offered load of the (scaled) scenario.
    """
    from terastal.experiment import run

    return run(point_spec(point, base_dir, max_jobs), with_load=True)


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def error_row(point: dict[str, Any], exc: BaseException, grid: str | None = None) -> dict:
    """The row recorded for a point that failed with ``exc``."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return {
        **point,
        "status": "error",
        "error": f"{type(exc).__name__}: {message}" if message else type(exc).__name__,
        "grid": grid,
        "host": socket.gethostname(),
        "finished_at": _now(),
    }


def run_point(
    point: dict[str, Any],
    base_dir: str | None = None,
    grid: str | None = None,
    max_jobs: float = MAX_JOBS,
) -> dict:
    """Run one point and return its row (configuration + metrics, or an error row).

    Never raises for a failing simulation: the exception is recorded in the row.
    """
    t0 = time.perf_counter()
    try:
        outcome = simulate_point(point, base_dir, max_jobs)
    except Exception as exc:
        row = error_row(point, exc, grid)
    else:
        row = {**point, "status": "ok", "error": None, "grid": grid, "host": socket.gethostname()}
        row["finished_at"] = _now()
        row.update(outcome.load or {})
        row.update(flatten_metrics(outcome.metrics))
    row["point_wall_s"] = time.perf_counter() - t0
    return row


@dataclass
class SweepSummary:
    """What a sweep did.

    Attributes
    ----------
    total : int
        Points in the grid.
    skipped : int
        Points already stored with status ``ok``.
    ok, failed : int
        Points run in this invocation, by outcome.
    wall_s : float
        Wall time of this invocation.
    """

    total: int
    skipped: int
    ok: int = 0
    failed: int = 0
    wall_s: float = 0.0


def _client(address: str | None, workers: int):
    """A client of the scheduler at ``address``, or of a new local cluster (and the cluster).

    ``workers`` is the local cluster's size, a count the caller resolved (``run_sweep``: one
    per core for 0, never more than the points).

    A local cluster starts inside :func:`~terastal.interrupts.sigint_blocked`: its event loop
    thread, and so every worker process that thread spawns (now or when a worker restarts),
    never takes SIGINT. Ctrl-C reaches the whole process group; the driver alone stops the
    sweep and closes the cluster, so the workers must not each die with a traceback of their
    own. A Ctrl-C during the start waits for its end, then stops the sweep; an interrupt
    between two steps closes what was started.
    """
    from multiprocessing import resource_tracker

    from dask.distributed import Client, LocalCluster

    if address:
        try:
            return Client(address, timeout="20s"), None
        except (OSError, ValueError, TypeError) as exc:  # unreachable, or not an address
            raise InputError(
                f"cannot connect to Dask scheduler {address!r}: {exc}", field="--scheduler-address"
            ) from None
    # Started now, before the block: the first thread to start multiprocessing's resource
    # tracker unblocks SIGINT in itself (Python's bpo-33613 guard), and would pass that on.
    resource_tracker.ensure_running()
    cluster = None
    try:
        with sigint_blocked():  # a SIGINT meanwhile is raised on the way out
            stage("sweep:cluster")
            cluster = _local_cluster(LocalCluster)
        cluster.scale(workers)  # the workers start in the cluster's thread, SIGINT blocked
        stage("sweep:workers")
        return Client(cluster), cluster
    except BaseException:
        if cluster is not None:
            cluster.close()
        raise


def _local_cluster(LocalCluster):  # the class, imported lazily by the caller
    return LocalCluster(
        n_workers=0,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        # the scheduler's HTTP server always starts: a free local port and no dashboard
        dashboard_address="127.0.0.1:0",
        scheduler_kwargs={"dashboard": False},
        silence_logs=logging.CRITICAL,
    )


def _bar(total: int, show: bool):
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[errors]} error(s)"),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not show,
    )


def run_sweep(
    grid: Grid,
    out: str | os.PathLike[str],
    *,
    scheduler_address: str | None = None,
    workers: int | None = None,
    progress: bool = True,
    max_jobs: float = MAX_JOBS,
) -> SweepSummary:
    """Run every point of ``grid`` not yet stored with status ``ok`` in ``out``.

    Parameters
    ----------
    grid : Grid
        The validated grid.
    out : str or path
        Results directory (see :class:`~terastal.sweep.store.ResultStore`).
    scheduler_address : str, optional
        ``tcp://host:8786`` of an existing Dask scheduler; default: an embedded
        ``LocalCluster``.
    workers : int, optional
        Worker processes of the embedded cluster (one thread each); default: CPU count.
    progress : bool
        Show a progress bar on stderr.
    max_jobs : float
        The work guard's job ceiling of every point (check the grid first with
        :func:`terastal.sweep.checks.check_grid_work`).

    Returns
    -------
    SweepSummary
        On ``KeyboardInterrupt`` the rows received so far are kept and the interrupt is
        re-raised after the cluster is closed.
    """
    from dask.distributed import as_completed

    t0 = time.perf_counter()
    store = ResultStore(out)
    points = grid.points()
    done = store.done()
    todo = [p for p in points if p["point_id"] not in done]
    summary = SweepSummary(total=len(points), skipped=len(points) - len(todo))
    if not todo:
        summary.wall_s = time.perf_counter() - t0
        return summary
    base, gpath = str(grid.base_dir), str(grid.path.resolve())
    token = uuid.uuid4().hex[:8]
    # Never more local workers than points: '--workers 1000' started 1000 processes for four.
    client, cluster = _client(scheduler_address, min(worker_count(workers), len(todo)))
    try:
        stage("sweep:client")
        keys = [f"terastal-point-{p['point_id']}-{token}" for p in todo]
        futures = client.map(
            run_point, todo, base_dir=base, grid=gpath, max_jobs=max_jobs, key=keys, pure=False
        )
        point_of = {f.key: p for f, p in zip(futures, todo, strict=True)}
        stage("sweep:submitted")
        with _bar(len(todo), progress) as bar:
            task = bar.add_task("sweep", total=len(todo), errors=0)
            for fut in as_completed(futures):
                try:
                    row = fut.result()
                except Exception as exc:  # the worker died or the task was lost
                    row = error_row(point_of[fut.key], exc, gpath)
                store.write_row(row)
                fut.release()
                if row["status"] == "ok":
                    summary.ok += 1
                else:
                    summary.failed += 1
                bar.update(task, advance=1, errors=summary.failed)
                stage("sweep:row")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    summary.wall_s = time.perf_counter() - t0
    return summary
