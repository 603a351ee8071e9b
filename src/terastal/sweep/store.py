"""The results store: a Parquet dataset with one row per sweep point.

Layout: ``<results>/runs/<point_id>.parquet``, one single-row file per finished point, written
to a temporary name and renamed into place (an interrupt loses at most the points in
flight; a rerun of a point replaces its row). Columns: the point's configuration
(:data:`terastal.sweep.grid.CONFIG_COLUMNS`), ``point_id``, ``status`` (``ok``/``error``),
``error``, run metadata, and every metric of :func:`terastal.metrics.compute_metrics`
flattened by :func:`flatten_metrics`. Files may differ in columns (error rows have no
metrics); readers unify them by name.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from terastal.errors import InputError

RUNS_DIR = "runs"
STRING_COLUMNS = (
    "point_id",
    "scenario",
    "platform",
    "scheduler",
    "scheduler_options",
    "late",
    "cost_model",
    "plan",
    "status",
    "error",
    "grid",
    "host",
    "finished_at",
)
FLOAT_COLUMNS = ("duration_ms", "load_scale", "point_wall_s")
INT_COLUMNS = ("seed",)


def flatten_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """Flatten a metrics dict into row columns.

    Scalars keep their key (``scenario``/``platform`` become ``scenario_name`` /
    ``platform_name``, and ``scheduler``, ``seed``, ``late_policy`` are dropped: the point's
    configuration holds them); a dict of scalars ``d`` becomes ``d_<key>`` columns; a dict of
    dicts (``models``, ``accelerators``, ``xrbench``) becomes a list of structs with a
    ``name`` field. ``metrics_json`` keeps the whole dict.

    Parameters
    ----------
    metrics : dict
        As returned by :func:`terastal.metrics.compute_metrics`.

    Returns
    -------
    dict
    """
    out: dict[str, Any] = {}
    renames = {"scenario": "scenario_name", "platform": "platform_name"}
    for key, value in metrics.items():
        if key in ("scheduler", "seed", "late_policy"):
            continue
        if isinstance(value, dict):
            if value and all(isinstance(v, dict) for v in value.values()):
                out[key] = [{"name": name, **fields} for name, fields in value.items()]
            else:
                for sub, v in value.items():
                    out[f"{key}_{sub}"] = v if not isinstance(v, dict | list) else json.dumps(v)
        elif isinstance(value, list):
            out[key] = json.dumps(value)
        else:
            out[renames.get(key, key)] = value
    out["metrics_json"] = json.dumps(metrics, sort_keys=True, allow_nan=False)
    return out


def _scalar_type(values: list[Any]):
    import pyarrow as pa

    known = [v for v in values if v is not None]
    if known and all(isinstance(v, bool) for v in known):
        return pa.bool_()
    if known and all(isinstance(v, str) for v in known):
        return pa.string()
    if known and all(isinstance(v, int) and not isinstance(v, bool) for v in known):
        return pa.int64() if len(known) == len(values) else pa.float64()
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in known):
        return pa.float64()
    return pa.string()


def _column_type(name: str, values: list[Any]):
    import pyarrow as pa

    if name in STRING_COLUMNS:
        return pa.string()
    if name in FLOAT_COLUMNS:
        return pa.float64()
    if name in INT_COLUMNS:
        return pa.int64()
    lists = [v for v in values if isinstance(v, list)]
    if lists:
        structs = [s for lst in lists for s in lst]
        keys = list(dict.fromkeys(k for s in structs for k in s))
        fields = [pa.field(k, _scalar_type([s.get(k) for s in structs])) for k in keys]
        return pa.list_(pa.struct(fields))
    return _scalar_type(values)


def rows_to_table(rows: list[dict[str, Any]]):
    """A ``pyarrow.Table`` of ``rows`` with stable column types.

    Integers stay ``int64`` unless a value is missing (then ``float64``), unknown values are
    ``float64`` nulls, and the configuration columns have fixed types.
    """
    import pyarrow as pa

    names = list(dict.fromkeys(k for row in rows for k in row))
    schema = pa.schema([pa.field(n, _column_type(n, [r.get(n) for r in rows])) for n in names])
    coerced = []
    for row in rows:
        fixed = {}
        for f in schema:
            v = row.get(f.name)
            if v is not None and pa.types.is_string(f.type) and not isinstance(v, str):
                v = json.dumps(v) if isinstance(v, dict | list) else str(v)
            fixed[f.name] = v
        coerced.append(fixed)
    return pa.Table.from_pylist(coerced, schema=schema)


class ResultStore:
    """A results directory.

    Parameters
    ----------
    root : str or Path
        The directory given to ``terastal sweep --out`` (created on first write).
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.runs = self.root / RUNS_DIR

    def files(self) -> list[Path]:
        """The dataset's Parquet files, sorted."""
        if not self.runs.is_dir():
            return []
        return sorted(p for p in self.runs.glob("*.parquet") if not p.name.startswith("."))

    def write_row(self, row: dict[str, Any]) -> Path:
        """Write one point's row to ``runs/<point_id>.parquet`` atomically."""
        import pyarrow.parquet as pq

        self.runs.mkdir(parents=True, exist_ok=True)
        target = self.runs / f"{row['point_id']}.parquet"
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=self.runs)
        os.close(fd)
        try:
            pq.write_table(rows_to_table([row]), tmp)
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return target

    def status(self) -> dict[str, str]:
        """``{point_id: status}`` of every stored point (reads only those two columns)."""
        import pyarrow.parquet as pq

        out = {}
        for path in self.files():
            try:
                t = pq.read_table(path, columns=["point_id", "status"])
            except Exception:  # a damaged file: the point is simply run again
                continue
            for pid, st in zip(t["point_id"].to_pylist(), t["status"].to_pylist(), strict=True):
                out[pid] = st
        return out

    def done(self) -> set[str]:
        """Ids of the points stored with status ``ok``."""
        return {pid for pid, st in self.status().items() if st == "ok"}

    def read(self):
        """The whole dataset as one ``pyarrow.Table`` (columns unified by name and type).

        Raises
        ------
        InputError
            If the directory holds no results.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        tables = [_read_or_fail(pq.read_table, p) for p in self.checked_files()]
        return pa.concat_tables(tables, promote_options="permissive")

    def checked_files(self) -> list[Path]:
        """:meth:`files`, each with a readable Parquet footer.

        Raises
        ------
        InputError
            If there are none, or naming the first empty, truncated or corrupt file.
        """
        import pyarrow.parquet as pq

        files = self.files()
        if not files:
            raise InputError(f"no sweep results in {str(self.root)!r} (expected {RUNS_DIR}/)")
        for path in files:
            _read_or_fail(pq.read_metadata, path)
        return files

    def to_pandas(self):
        """The dataset as a ``pandas.DataFrame``."""
        return self.read().to_pandas()

    def connect(self):
        """A DuckDB connection in which the dataset is the view ``runs``."""
        import duckdb

        self.checked_files()
        con = duckdb.connect()
        pattern = str(self.runs / "*.parquet").replace("'", "''")
        con.execute(
            f"CREATE VIEW runs AS SELECT * FROM read_parquet('{pattern}', union_by_name = true)"
        )
        return con


def _read_or_fail(read, path: Path):
    """``read(path)``; a damaged file becomes one error naming it (and how to recover)."""
    try:
        return read(path)
    except Exception as exc:  # pyarrow raises ArrowInvalid, OSError, ... for damaged files
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"damaged results file ({reason}); delete it and rerun the sweep to redo its point",
            file=str(path),
        ) from None
