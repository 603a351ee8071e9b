"""Sweep results store, plus the tiny case (files and cost model) the sweep tests share.

The cost model is named ``test_sweep_store:FakeCost`` in grids, so that Dask worker processes
import it from this module (pytest puts the tests directory on ``sys.path``, which spawned
workers inherit).
"""

import importlib.util
import json
import textwrap

import numpy as np
import pytest

from terastal.cost.base import LayerCosts
from terastal.errors import InputError
from terastal.model import Dataflow, LayerKind
from terastal.sweep import ResultStore, flatten_metrics, run_point
from terastal.sweep.store import rows_to_table

pytest.importorskip("pyarrow", reason="needs the sweep extra")
pytest.importorskip("duckdb", reason="needs the sweep extra")

COST = "test_sweep_store:FakeCost"

NETS = """\
Network convnet {
  Layer c1 { Type: CONV Dimensions: { N: 1, K: 64, C: 64, Y: 32, X: 32, R: 3, S: 3 } }
  Layer c2 { Type: CONV Dimensions: { N: 1, K: 64, C: 64, Y: 32, X: 32, R: 3, S: 3 } }
  Layer f1 { Type: FC Dimensions: { N: 1, K: 256, C: 4096, Y: 1, X: 1, R: 1, S: 1 } }
}
Network fcnet {
  Layer f1 { Type: FC Dimensions: { N: 1, K: 2048, C: 4096, Y: 1, X: 1, R: 1, S: 1 } }
  Layer f2 { Type: FC Dimensions: { N: 1, K: 2048, C: 2048, Y: 1, X: 1, R: 1, S: 1 } }
  Layer c1 { Type: CONV Dimensions: { N: 1, K: 32, C: 32, Y: 16, X: 16, R: 3, S: 3 } }
}
"""

SCENARIOS = {
    "mixed.yaml": """\
        name: mixed
        tasks:
          - {model: nets.m, network: convnet, fps: 120}
          - {model: nets.m, network: fcnet, fps: 120}
        """,
    "convs.yaml": """\
        name: convs
        tasks:
          - {model: nets.m, network: convnet, fps: 150, name: cam}
          - {model: nets.m, network: convnet, fps: 90, name: depth}
        """,
}

PLATFORM = """\
name: duo
accelerators:
  - {name: ws, dataflow: WS, num_pes: 32}
  - {name: os, dataflow: OS, num_pes: 32}
"""


class FakeCost:
    """Latency = MACs / PEs at the clock, doubled off the layer's favourite dataflow.

    Convolutions prefer WS cores and everything else OS cores, so that scenarios differ in
    skew. Energy = 1 pJ per MAC.
    """

    name = "fake"

    def evaluate(self, layers, acc):
        macs = np.array([layer.macs for layer in layers], dtype=float)
        fav = np.array([(layer.kind == LayerKind.CONV) == (acc.dataflow == Dataflow.WS)
                        for layer in layers])  # fmt: skip
        cycles = np.ceil(macs / acc.num_pes) * np.where(fav, 1.0, 2.0)
        return LayerCosts(cycles / acc.clock_hz, macs * 1e-12, cycles, np.zeros(len(layers)))


def write_case(path):
    """Write ``nets.m``, ``mixed.yaml``, ``convs.yaml`` and ``duo.yaml`` into ``path``."""
    (path / "nets.m").write_text(NETS)
    for name, text in SCENARIOS.items():
        (path / name).write_text(textwrap.dedent(text))
    (path / "duo.yaml").write_text(PLATFORM)
    return path


def write_grid(path, text, name="grid.yaml"):
    """Write a grid file (dedented) and return its path."""
    grid = path / name
    grid.write_text(textwrap.dedent(text))
    return grid


def point(case, **over):
    """A point configuration on the tiny case."""
    cfg = {
        "point_id": "p0",
        "scenario": "mixed.yaml",
        "platform": "duo.yaml",
        "scheduler": "edf",
        "scheduler_options": "{}",
        "seed": 0,
        "duration_ms": 60.0,
        "load_scale": 1.0,
        "late": "scheduler",
        "cost_model": COST,
    }
    cfg.update(over)
    return cfg


@pytest.fixture
def case(tmp_path):
    return write_case(tmp_path)


def test_run_point_row_has_config_load_and_metrics(case):
    row = run_point(point(case), base_dir=str(case))
    assert row["status"] == "ok" and row["error"] is None
    assert row["scenario"] == "mixed.yaml" and row["scenario_name"] == "mixed"
    if importlib.util.find_spec("terastal.workloads") is not None:
        assert row["utilization"] > 0 and 0.5 <= row["skew"] <= 1.0
    else:  # the load columns come from terastal.workloads when it is installed
        assert "skew" not in row
    assert {m["name"] for m in row["models"]} == {"convnet", "fcnet"}
    assert json.loads(row["metrics_json"])["mean_miss_rate"] == row["mean_miss_rate"]
    assert row["sim_jobs"] > 0 and row["point_wall_s"] > 0


def test_run_point_records_errors_instead_of_raising(case):
    row = run_point(point(case, scenario="nope/missing.yaml"), base_dir=str(case))
    assert row["status"] == "error" and "missing.yaml" in row["error"]
    assert row["scheduler"] == "edf" and "mean_miss_rate" not in row


def test_load_scale_multiplies_fps(case):
    a = run_point(point(case), base_dir=str(case))
    b = run_point(point(case, load_scale=2.0), base_dir=str(case))
    assert b["sim_jobs"] > a["sim_jobs"]
    if "utilization" in a:
        assert b["utilization"] == pytest.approx(2 * a["utilization"])
        assert b["skew"] == pytest.approx(a["skew"])


def test_flatten_keeps_every_metric():
    metrics = {
        "scheduler": "edf",
        "scenario": "s",
        "mean_miss_rate": 0.5,
        "models": {"m": {"released": 3, "p50_ms": None}},
        "sim": {"dispatches": 7},
    }
    row = flatten_metrics(metrics)
    assert row["scenario_name"] == "s" and "scheduler" not in row
    assert row["models"] == [{"name": "m", "released": 3, "p50_ms": None}]
    assert row["sim_dispatches"] == 7 and json.loads(row["metrics_json"]) == metrics


def test_store_unifies_ok_and_error_rows_and_rewrites_a_point(case, tmp_path):
    store = ResultStore(tmp_path / "res")
    ok = run_point(point(case, point_id="a"), base_dir=str(case))
    bad = run_point(point(case, point_id="b", scenario="x.yaml"), base_dir=str(case))
    store.write_row(bad)
    store.write_row(ok)
    assert store.status() == {"a": "ok", "b": "error"} and store.done() == {"a"}
    table = store.read()
    assert table.num_rows == 2 and table.schema.field("seed").type == "int64"
    con = store.connect()
    got = con.sql("SELECT point_id, status, mean_miss_rate IS NULL FROM runs ORDER BY 1").fetchall()
    assert got == [("a", "ok", False), ("b", "error", True)]
    n = con.execute("SELECT count(*) FROM runs, unnest(models) AS t(m)").fetchone()[0]
    assert n == 2
    store.write_row({**ok, "point_id": "b"})  # a rerun of a point replaces its row
    assert store.done() == {"a", "b"} and len(store.files()) == 2


def test_rows_to_table_types_are_stable():
    t = rows_to_table([{"point_id": "x", "seed": 3, "n": 2, "maybe": None, "flag": True}])
    types = {f.name: str(f.type) for f in t.schema}
    assert types == {
        "point_id": "string",
        "seed": "int64",
        "n": "int64",
        "maybe": "double",
        "flag": "bool",
    }


def test_empty_store_is_a_user_error(tmp_path):
    with pytest.raises(InputError, match="no sweep results"):
        ResultStore(tmp_path).read()
    with pytest.raises(InputError, match="no sweep results"):
        ResultStore(tmp_path).connect()
