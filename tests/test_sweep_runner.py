"""Sweeps on Dask: row counts, resume, error rows, and the sweep/results commands."""

import logging

import pytest

from terastal.cli import main
from terastal.sweep import ResultStore, load_grid, run_sweep
from test_sweep_store import COST, write_case, write_grid

pytest.importorskip("dask.distributed", reason="needs the sweep extra")

FOUR = f"""\
scenarios: [mixed.yaml]
platforms: [duo.yaml]
schedulers: [edf, fcfs]
seeds: [0, 1]
duration_ms: 50
cost_model: "{COST}"
"""

WITH_BAD = f"""\
scenarios: [mixed.yaml, does/not/exist.yaml]
platforms: [duo.yaml]
schedulers: [edf]
seeds: [0, 1]
duration_ms: 50
load_scales: 2
cost_model: "{COST}"
"""


@pytest.fixture(scope="module")
def cluster():
    """A local Dask cluster of 2 single-threaded worker processes, shared by the module."""
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        scheduler_kwargs={"dashboard": False},
        silence_logs=logging.ERROR,
    ) as c:
        yield c.scheduler_address


def test_four_points_on_an_embedded_cluster_then_a_rerun_adds_nothing(tmp_path):
    write_case(tmp_path)
    grid = load_grid(write_grid(tmp_path, FOUR))
    out = tmp_path / "results"
    s = run_sweep(grid, out, workers=2, progress=False)
    assert (s.total, s.skipped, s.ok, s.failed) == (4, 0, 4, 0)
    df = ResultStore(out).to_pandas()
    assert len(df) == 4 and set(df["status"]) == {"ok"}
    assert sorted(df["point_id"]) == sorted(p["point_id"] for p in grid.points())
    assert df["host"].notna().all() and (df["sim_jobs"] > 0).all()

    again = run_sweep(grid, out, workers=2, progress=False)
    assert (again.skipped, again.ok, again.failed) == (4, 0, 0)
    assert len(ResultStore(out).to_pandas()) == 4


def test_bad_scenario_gives_error_rows_and_resume_runs_only_the_rest(tmp_path, cluster, capsys):
    write_case(tmp_path)
    grid = write_grid(tmp_path, WITH_BAD)
    out = tmp_path / "results"
    args = ["sweep", str(grid), "--out", str(out), "--scheduler-address", cluster, "--no-progress"]
    assert main(args) == 1  # any failed point fails the sweep
    captured = capsys.readouterr()
    assert "4 point(s): 0 already done, 2 ok, 2 error(s)" in captured.out
    assert "2 point(s) failed" in captured.err
    store = ResultStore(out)
    df = store.to_pandas().set_index("scenario")
    assert sorted(df["status"]) == ["error", "error", "ok", "ok"]
    bad = df.loc["does/not/exist.yaml"]
    assert bad["error"].str.contains("exist.yaml").all() and bad["mean_miss_rate"].isna().all()

    # An interrupted sweep: one finished point lost; the rerun does it and retries the errors.
    next(p for p in store.files() if p.stem in set(df.loc["mixed.yaml", "point_id"])).unlink()
    assert main(args) == 1
    assert "4 point(s): 1 already done, 1 ok, 2 error(s)" in capsys.readouterr().out
    assert len(store.files()) == 4 and len(store.done()) == 2


def test_results_command_runs_sql_over_the_runs_view(tmp_path, cluster, capsys):
    write_case(tmp_path)
    grid = load_grid(write_grid(tmp_path, FOUR))
    out = tmp_path / "results"
    run_sweep(grid, out, scheduler_address=cluster, progress=False)
    q = "SELECT scheduler, count(*) AS n FROM runs GROUP BY scheduler ORDER BY scheduler"
    assert main(["results", str(out), "--query", q]) == 0
    text = capsys.readouterr().out
    assert "scheduler" in text and "edf" in text and "fcfs" in text and " 2 " in text
    assert main(["results", str(out)]) == 0  # default: per-scheduler summary
    assert "mean_miss_rate" in capsys.readouterr().out
    assert main(["results", str(out), "--query", "SELECT nope FROM runs"]) == 2
    assert "query failed" in capsys.readouterr().err
    assert main(["results", str(tmp_path / "none")]) == 2
    assert "no sweep results" in capsys.readouterr().err


def test_dry_run_and_grid_errors_exit_2_with_one_line(tmp_path, capsys):
    write_case(tmp_path)
    grid = write_grid(tmp_path, FOUR)
    assert main(["sweep", str(grid), "--out", str(tmp_path / "r"), "--dry-run"]) == 0
    assert "4 point(s), 0 already done, 4 to run" in capsys.readouterr().out
    bad = write_grid(tmp_path, FOUR.replace("seeds:", "seedz:"), "bad.yaml")
    assert main(["sweep", str(bad), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"error: {bad}:4: field 'seedz': unknown key 'seedz'; expected one of: scenarios, "
        "platforms, schedulers, seeds, duration_ms, load_scales, late, scheduler_options, "
        "cost_model, plan, compat"
    )
    assert not (tmp_path / "r").exists()


def test_cost_model_values_backend_specs_and_imports():
    from terastal.cost import AnalyticalCostModel, default_cost_model, resolve_cost_model
    from terastal.errors import InputError

    # names and NAME:KEY=VALUE specs name backends; module:attr is imported
    assert resolve_cost_model(None) is default_cost_model()
    assert resolve_cost_model("analytical") is default_cost_model()
    assert resolve_cost_model("analytical:mode=xrbench").mode == "xrbench"
    assert isinstance(resolve_cost_model("terastal.cost:AnalyticalCostModel"), AnalyticalCostModel)
    with pytest.raises(InputError, match="cannot import cost model"):
        resolve_cost_model("no_such_module:thing")
