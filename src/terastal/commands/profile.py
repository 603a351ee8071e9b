"""``terastal profile``: cost every layer of a scenario on every accelerator of a platform."""

from __future__ import annotations

import csv
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from terastal.commands._args import output_file
from terastal.commands._vocab import CostModelOpt, PlatformOpt, ScenarioOpt
from terastal.errors import InputError
from terastal.model import Platform, Scenario

__all__ = ["ProfileResult", "profile_scenario", "register", "write_costs_csv"]

CSV_COLUMNS = ("model", "layer", "accelerator", "latency_s", "energy_j")


@dataclass(frozen=True)
class ProfileResult:
    """Per-layer costs of every task on every accelerator.

    ``latency_s[task][j]`` and ``energy_j[task][j]`` are per-layer arrays for accelerator
    ``j`` of the platform.
    """

    scenario: Scenario
    platform: Platform
    latency_s: dict[str, list[Any]]
    energy_j: dict[str, list[Any]]


def _cost_model(name: str, table: Path | None = None) -> Any:
    """The backend of ``--cost-model`` (:func:`terastal.cost.resolve_cost_model`); ``table``
    feeds the ``table`` backend."""
    from terastal.cost import get_cost_model, resolve_cost_model

    if name.strip().lower() == "table":
        if table is None:
            raise InputError("--cost-model table needs --cost-table PATH", field="--cost-table")
        return get_cost_model(name, path=table)
    if table is not None:
        raise InputError("--cost-table is only used with --cost-model table", field="--cost-table")
    return resolve_cost_model(name)


def profile_scenario(scenario: Scenario, platform: Platform, cost_model: Any) -> ProfileResult:
    """Evaluate every task's layers on every accelerator.

    Parameters
    ----------
    scenario, platform : Scenario, Platform
        What runs where.
    cost_model : CostModel
        Backend with ``evaluate(layers, accelerator)``.

    Returns
    -------
    ProfileResult
    """
    lat: dict[str, list[Any]] = {}
    en: dict[str, list[Any]] = {}
    for task in scenario.tasks:
        lat[task.name], en[task.name] = [], []
        for acc in platform.accelerators:
            costs = cost_model.evaluate(task.model.layers, acc)
            lat[task.name].append(costs.latency_s)
            en[task.name].append(costs.energy_j)
    return ProfileResult(scenario, platform, lat, en)


def write_costs_csv(result: ProfileResult, out: str | Path) -> None:
    """Write ``model,layer,accelerator,latency_s,energy_j`` rows atomically.

    The rows go to a temporary file in the target directory, renamed over ``out`` only once
    complete, so a failure never leaves a partial file. ``model`` is the task name.

    Raises
    ------
    InputError
        If the target directory does not exist or is not writable.
    """
    out = Path(out)
    directory = out.parent if str(out.parent) else Path(".")
    if not directory.is_dir():
        raise InputError("output directory does not exist", file=str(out), field="--out")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise InputError(f"cannot write: {exc.strerror}", file=str(out), field="--out") from None
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(CSV_COLUMNS)
            for task in result.scenario.tasks:
                for j, acc in enumerate(result.platform.accelerators):
                    lat = result.latency_s[task.name][j]
                    en = result.energy_j[task.name][j]
                    for i, layer in enumerate(task.model.layers):
                        w.writerow((task.name, layer.name, acc.name, repr(float(lat[i])),
                                    repr(float(en[i]))))  # fmt: skip
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _print_table(result: ProfileResult, cost_model_name: str) -> None:
    from rich.table import Table

    from terastal.commands._vocab import console

    table = Table(
        title=f"{result.scenario.name} on {result.platform.name} ({cost_model_name} cost model)"
    )
    table.add_column("model", no_wrap=True)
    table.add_column("fps", justify="right")
    table.add_column("layers", justify="right")
    for acc in result.platform.accelerators:
        label = f"{acc.name} ({acc.dataflow.value})"
        table.add_column(f"{label}\nlatency ms", justify="right", no_wrap=True)
        table.add_column("\nenergy mJ", justify="right", no_wrap=True)
    for task in result.scenario.tasks:
        row = [task.name, f"{task.fps:g}", str(len(task.model))]
        for j in range(len(result.platform.accelerators)):
            row.append(f"{float(sum(result.latency_s[task.name][j])) * 1e3:.3f}")
            row.append(f"{float(sum(result.energy_j[task.name][j])) * 1e3:.3f}")
        table.add_row(*row)
    console().print(table)


def register(app: typer.Typer) -> None:
    """Add ``terastal profile`` to ``app``."""

    @app.command("profile")
    def profile(
        scenario: ScenarioOpt,
        platform: PlatformOpt,
        out: Annotated[
            Path | None,
            typer.Option("--out", "-o", help="Write per-layer costs to this CSV file."),
        ] = None,
        cost_model: CostModelOpt = "analytical",
        cost_table: Annotated[
            Path | None,
            typer.Option(
                "--cost-table",
                help="CSV of measured costs for --cost-model table "
                "(model,layer,accelerator,latency_s,energy_j).",
            ),
        ] = None,
    ) -> None:
        """Print per-model x per-accelerator latency and energy; optionally write a CSV."""
        from terastal.io import load_platform, load_scenario

        output_file(out)
        if out is not None and not (out.parent if str(out.parent) else Path(".")).is_dir():
            raise InputError("output directory does not exist", file=str(out), field="--out")
        if out is not None and out.is_dir():
            raise InputError("is a directory; give a .csv file name", file=str(out), field="--out")
        scen = load_scenario(scenario)
        plat = load_platform(platform)
        result = profile_scenario(scen, plat, _cost_model(cost_model, cost_table))
        if out is not None:
            write_costs_csv(result, out)
        _print_table(result, cost_model)
        if out is not None:
            typer.echo(f"wrote {out}")
