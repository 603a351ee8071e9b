"""``terastal simulate`` and ``terastal compare`` end to end on bundled XRBench inputs."""

import json

import numpy as np
import pytest

import terastal.experiment.case as case
from terastal.cli import main
from terastal.cost import LayerCosts
from terastal.metrics import WALL_CLOCK_KEYS


class FakeCostModel:
    """Latency = MACs / PEs cycles at the core's clock; WS cores 2x faster on convolutions."""

    name = "fake"

    def evaluate(self, layers, acc):
        macs = np.array([layer.macs for layer in layers], dtype=float)
        speed = np.array(
            [
                2.0 if (acc.dataflow.value == "WS") == (i % 2 == 0) else 1.0
                for i in range(len(layers))
            ]
        )
        cycles = np.ceil(macs / (acc.num_pes * speed))
        return LayerCosts(cycles / acc.clock_hz, macs * 1e-12, cycles, np.zeros(len(layers)))


@pytest.fixture
def fake_cost(monkeypatch):
    monkeypatch.setattr(case, "_backend", lambda spec: FakeCostModel())


def _real_cost_model_available():
    import terastal.cost as cost

    return callable(getattr(cost, "get_cost_model", None)) or callable(
        getattr(cost, "default_cost_model", None)
    )


BASE = ["--scenario", "VR_gaming", "--platform", "Dual_4K/WS_OS", "--no-progress"]


def test_simulate_writes_metrics_jobs_and_trace(fake_cost, tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(["simulate", *BASE, "--scheduler", "edf", "--duration-ms", "100", "--out", str(out)])
    assert rc == 0
    assert sorted(p.name for p in out.iterdir()) == ["jobs.csv", "metrics.json", "trace.json"]
    m = json.loads((out / "metrics.json").read_text())
    assert m["scheduler"] == "edf" and m["seed"] == 0
    assert set(m["models"]) == {"ES_RITNet", "GE_FBNet_C", "HT_hand_graph_cnn_half"}
    for model in m["models"].values():
        assert model["released"] == model["completed"] + model["dropped"] + model["unreleased"]
        assert {"late", "miss_rate", "p50_ms", "p99_ms", "energy_mj"} <= set(model)
    assert {"dispatches", "wall_s", "decision_us_p50", "decision_us_p99"} <= set(m["sim"])
    trace = json.loads((out / "trace.json").read_text())
    tracks = [
        e["args"]["name"]
        for e in trace["traceEvents"]
        if e["name"] == "thread_name" and e["pid"] == 1
    ]
    assert tracks == ["Acc0_2K", "Acc1_2K"]
    slices = [e for e in trace["traceEvents"] if e["ph"] == "X" and e["cat"] != "transfer"]
    assert len(slices) == m["sim"]["dispatches"]
    assert "mean miss rate" in capsys.readouterr().out


def _strip(path):
    m = json.loads(path.read_text())
    for k in WALL_CLOCK_KEYS:
        m["sim"].pop(k)
    return m


def test_simulate_same_seed_is_byte_identical(fake_cost, tmp_path):
    for i in (1, 2):
        args = ["simulate", *BASE, "--scheduler", "dream", "--duration-ms", "100"]
        assert main([*args, "--seed", "3", "--out", str(tmp_path / f"r{i}"), "--no-trace"]) == 0
    assert (tmp_path / "r1/jobs.csv").read_bytes() == (tmp_path / "r2/jobs.csv").read_bytes()
    assert _strip(tmp_path / "r1/metrics.json") == _strip(tmp_path / "r2/metrics.json")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--scheduler", "nope"], "unknown scheduler"),
        (["--late", "never"], "late"),
        (["--duration-ms", "0"], "duration"),
        (["--option", "mapping"], "KEY=VALUE"),
        (["--option", "mapping=random"], "mapping"),
        (["--scenario", "NoSuchScenario"], "NoSuchScenario"),
    ],
)
def test_simulate_bad_input_exits_2_with_one_line(fake_cost, tmp_path, capsys, extra, message):
    rc = main(["simulate", *BASE, *extra, "--out", str(tmp_path / "x")])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert err.startswith("error:") and message in err and "\n" not in err
    assert not (tmp_path / "x").exists()


def test_output_path_that_is_a_file_exits_2(fake_cost, tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    assert main(["simulate", *BASE, "--duration-ms", "20", "--out", str(tmp_path / "f")]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_compare_runs_schedulers_on_identical_arrivals(fake_cost, tmp_path, capsys):
    out = tmp_path / "cmp"
    args = ["compare", *BASE, "--schedulers", "fcfs,edf,dream", "--duration-ms", "100"]
    assert (
        main([*args, "--seeds", "0-1", "--out", str(out), "-O", "edf.mapping=earliest_finish"]) == 0
    )
    s = json.loads((out / "summary.json").read_text())
    assert s["seeds"] == [0, 1] and list(s["schedulers"]) == ["fcfs", "edf", "dream"]
    for entry in s["schedulers"].values():
        assert {
            "mean_miss_rate",
            "miss_rate_by_model",
            "accuracy_loss_mean",
            "energy_mj",
            "xrbench_score",
        } <= set(entry)
        assert entry["accuracy_loss_mean"] == 0.0
    runs = sorted(p.name for p in (out / "runs").iterdir())
    assert len(runs) == 6
    # Periodic tasks are released identically whatever the scheduler.
    released = {
        name: json.loads((out / "runs" / f"{name}-seed0.json").read_text())["models"]["ES_RITNet"][
            "released"
        ]
        for name in ("fcfs", "edf", "dream")
    }
    assert len(set(released.values())) == 1
    printed = capsys.readouterr().out
    assert "fcfs" in printed and "dream" in printed


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--seeds", "4-1"], "--seeds"),
        (["--seeds", "a"], "--seeds"),
        (["--schedulers", "edf,edf"], "twice"),
        (["--schedulers", "edf,zzz"], "unknown scheduler"),
        (["--option", "heft.mapping=preferred"], "heft"),
        (["--option", "dream.block=2", "--late", "x"], "--late"),
    ],
)
def test_compare_bad_input_exits_2(fake_cost, tmp_path, capsys, extra, message):
    assert main(["compare", *BASE, *extra, "--duration-ms", "20"]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err


@pytest.mark.skipif(not _real_cost_model_available(), reason="default cost model not present")
def test_simulate_with_the_real_cost_model(tmp_path):
    out = tmp_path / "real"
    assert main(["simulate", *BASE, "--duration-ms", "50", "--out", str(out)]) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["sim"]["dispatches"] > 0
