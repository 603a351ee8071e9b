"""``terastal profile`` and the CLI's handling of bad input (exit 2, one line, no traceback)."""

import csv

import numpy as np
import pytest

import terastal.commands.profile as profile_cmd
from terastal.cli import main
from terastal.cost import LayerCosts
from terastal.io import load_scenario


class FakeCostModel:
    """Latency = MACs / PEs at the clock; energy = 1 pJ per MAC."""

    name = "fake"

    def evaluate(self, layers, acc):
        macs = np.array([layer.macs for layer in layers], dtype=float)
        cycles = np.ceil(macs / acc.num_pes)
        return LayerCosts(cycles / acc.clock_hz, macs * 1e-12, cycles, np.zeros(len(layers)))


@pytest.fixture
def fake_cost(monkeypatch):
    monkeypatch.setattr(profile_cmd, "_cost_model", lambda name, table=None: FakeCostModel())


def _real_cost_model_available():
    try:
        import terastal.cost as cost

        return callable(getattr(cost, "get_cost_model", None))
    except Exception:
        return False


def test_profile_prints_table_and_writes_csv(fake_cost, tmp_path, capsys):
    out = tmp_path / "costs.csv"
    rc = main(
        ["profile", "--scenario", "VR_gaming", "--platform", "Dual_4K/WS_OS", "--out", str(out)]
    )
    assert rc == 0
    printed = capsys.readouterr().out
    for name in ("ES_RITNet", "GE_FBNet_C", "HT_hand_graph_cnn_half", "Acc0_2K", "latency ms"):
        assert name in printed
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["model", "layer", "accelerator", "latency_s", "energy_j"]
    scenario = load_scenario("VR_gaming")
    assert len(rows) == 2 * sum(len(t.model) for t in scenario.tasks)
    first = rows[0]
    assert (first["model"], first["layer"], first["accelerator"]) == (
        "ES_RITNet",
        "conv1",
        "Acc0_2K",
    )
    layer = scenario.tasks[0].model.layers[0]
    assert float(first["latency_s"]) == pytest.approx(np.ceil(layer.macs / 2048) / 1e9)
    assert not [p for p in tmp_path.iterdir() if p.name != "costs.csv"]  # no temp files left


def _run_bad(args, capsys):
    rc = main(args)
    err = capsys.readouterr().err
    assert rc == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "Traceback" not in err
    return lines[0]


def test_cli_bad_inputs_exit_2_with_one_line_and_no_output(fake_cost, tmp_path, capsys):
    out = tmp_path / "costs.csv"
    bad_m = tmp_path / "bad.m"
    bad_m.write_text("Network n {\n  FPS: -1\n  Layer l { Type: CONV }\n}\n")
    bad_dims = tmp_path / "dims.m"
    bad_dims.write_text("Network n {\nFPS: 3\nLayer l {\nType: CONV\nDimensions: { N: 1 }\n}\n}\n")
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("tasks:\n  - model: ES_RITNet\n    fps: [1\n")
    zero_fps = tmp_path / "zero.yaml"
    zero_fps.write_text("tasks:\n  - model: ES_RITNet\n    fps: 0\n")
    unknown_dep = tmp_path / "dep.yaml"
    unknown_dep.write_text("tasks:\n  - {model: ES_RITNet, fps: 3, depends_on: X}\n")
    cyclic = tmp_path / "cyc.yaml"
    cyclic.write_text(
        "tasks:\n  - {model: ES_RITNet, fps: 3, depends_on: GE_FBNet_C}\n"
        "  - {model: GE_FBNet_C, fps: 3, depends_on: ES_RITNet}\n"
    )
    bad_df = tmp_path / "plat.yaml"
    bad_df.write_text("accelerators:\n  - {dataflow: XS, num_pes: 64}\n")
    bad_onnx = tmp_path / "bad.onnx"
    bad_onnx.write_bytes(b"\x00garbage\xff")
    onnx_yaml = tmp_path / "onnx.yaml"
    onnx_yaml.write_text("tasks:\n  - {model: bad.onnx, fps: 3}\n")
    cases = [
        (str(bad_m), "Dual_4K/WS_OS", f"{bad_m}:2: field 'FPS'"),
        (str(bad_dims), "Dual_4K/WS_OS", f"{bad_dims}:5: field 'Dimensions.K'"),
        (str(bad_yaml), "Dual_4K/WS_OS", f"{bad_yaml}:4: malformed YAML"),
        (str(zero_fps), "Dual_4K/WS_OS", f"{zero_fps}:3: field 'tasks[0].fps'"),
        (str(unknown_dep), "Dual_4K/WS_OS", "field 'tasks[0].depends_on': unknown task 'X'"),
        (str(cyclic), "Dual_4K/WS_OS", "cyclic dependency"),
        ("VR_gaming", str(bad_df), f"{bad_df}:2: field 'accelerators[0].dataflow'"),
        (str(onnx_yaml), "Dual_4K/WS_OS", f"{bad_onnx}: not a valid ONNX model"),
        ("VR_gamin", "Dual_4K/WS_OS", "unknown scenario 'VR_gamin'"),
        ("VR_gaming", "Dual_4K/WS", "dataflows for Dual_4K"),
    ]
    for scenario, platform, expected in cases:
        line = _run_bad(
            ["profile", "--scenario", scenario, "--platform", platform, "--out", str(out)], capsys
        )
        assert expected in line, line
        assert not out.exists()
    line = _run_bad(
        ["profile", "-s", "VR_gaming", "-p", "Dual_4K/WS_OS", "--out", str(tmp_path / "no/x.csv")],
        capsys,
    )
    assert "output directory does not exist" in line
    inputs = (bad_m, bad_dims, bad_yaml, zero_fps, unknown_dep, cyclic, bad_df, bad_onnx)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (*inputs, onnx_yaml)
    )


def test_csv_write_failure_leaves_nothing(fake_cost, tmp_path, monkeypatch, capsys):
    out = tmp_path / "costs.csv"

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(profile_cmd.csv, "writer", boom)
    with pytest.raises(RuntimeError):
        main(["profile", "-s", "VR_gaming", "-p", "Dual_4K/WS_OS", "--out", str(out)])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not _real_cost_model_available(), reason="analytical cost model not present")
def test_profile_with_the_real_cost_model(tmp_path, capsys):
    out = tmp_path / "costs.csv"
    assert main(["profile", "-s", "VR_gaming", "-p", "Dual_4K/WS_OS", "--out", str(out)]) == 0
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(float(r["latency_s"]) > 0 and float(r["energy_j"]) > 0 for r in rows)


@pytest.mark.skipif(not _real_cost_model_available(), reason="analytical cost model not present")
def test_profile_is_fast(capsys):
    import time

    start = time.perf_counter()
    assert main(["profile", "--scenario", "VR_gaming", "--platform", "Dual_4K/WS_OS"]) == 0
    assert time.perf_counter() - start < 2.0
    assert "GE_FBNet_C" in capsys.readouterr().out


@pytest.mark.skipif(not _real_cost_model_available(), reason="analytical cost model not present")
def test_cost_model_option_errors(tmp_path, capsys):
    base = ["profile", "-s", "VR_gaming", "-p", "Single_4K/WS"]
    assert "needs --cost-table" in _run_bad([*base, "--cost-model", "table"], capsys)
    line = _run_bad([*base, "--cost-table", str(tmp_path / "c.csv")], capsys)
    assert "only used with --cost-model table" in line
    assert "unknown cost model 'magic'" in _run_bad([*base, "--cost-model", "magic"], capsys)
