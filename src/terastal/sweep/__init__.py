"""Parameter sweeps on Dask, the Parquet results store and the static HTML report.

>>> from terastal.sweep import load_grid, run_sweep, ResultStore   # doctest: +SKIP
>>> summary = run_sweep(load_grid("grid.yaml"), "results/", workers=2)  # doctest: +SKIP
>>> ResultStore("results/").connect().sql("SELECT count(*) FROM runs")  # doctest: +SKIP

Dask, pyarrow, DuckDB, pandas and matplotlib come with the ``sweep`` extra and are
imported only when needed.
"""

from terastal.sweep.grid import CONFIG_COLUMNS, Grid, load_grid, parse_grid, point_id
from terastal.sweep.runner import SweepSummary, run_point, run_sweep, simulate_point
from terastal.sweep.store import ResultStore, flatten_metrics

__all__ = [
    "CONFIG_COLUMNS",
    "Grid",
    "ResultStore",
    "SweepSummary",
    "flatten_metrics",
    "load_grid",
    "parse_grid",
    "point_id",
    "run_point",
    "run_sweep",
    "simulate_point",
]
