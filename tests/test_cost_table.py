"""Table backend: CSV lookup by (layer, accelerator) and located errors."""

from __future__ import annotations

import numpy as np
import pytest

from terastal.cost import TableCostModel, get_cost_model
from terastal.errors import InputError
from terastal.model import Accelerator, Dataflow, Layer, LayerKind

HEADER = "model,layer,accelerator,latency_s,energy_j\n"
WS = Accelerator("Acc0", Dataflow.WS, 1024)
OS = Accelerator("Acc1", Dataflow.OS, 1024)


def layer(name: str) -> Layer:
    return Layer(name, LayerKind.CONV, k=8, c=8, y=10, x=10, r=3, s=3)


def write(tmp_path, body: str, header: str = HEADER):
    path = tmp_path / "costs.csv"
    path.write_text(header + body)
    return path


def test_lookup_by_layer_and_accelerator(tmp_path):
    path = write(
        tmp_path,
        "net,conv1,Acc0,1e-3,2e-3\nnet,conv2,Acc0,3e-3,4e-3\nnet,conv1,Acc1,5e-3,6e-3\n\n",
    )
    model = get_cost_model("table", path=path)
    assert isinstance(model, TableCostModel) and model.name == "table"
    c = model.evaluate([layer("conv2"), layer("conv1")], WS)
    np.testing.assert_allclose(c.latency_s, [3e-3, 1e-3])
    np.testing.assert_allclose(c.energy_j, [4e-3, 2e-3])
    np.testing.assert_allclose(c.compute_cycles, c.latency_s * WS.clock_hz)
    assert model.evaluate([layer("conv1")], OS).latency_s[0] == 5e-3


def test_extra_columns_and_column_order_are_accepted(tmp_path):
    path = write(
        tmp_path,
        "2e-3,1e-3,Acc0,conv1,net,x\n",
        header="energy_j,latency_s,accelerator,layer,model,note\n",
    )
    c = TableCostModel(path).evaluate([layer("conv1")], WS)
    assert (c.latency_s[0], c.energy_j[0]) == (1e-3, 2e-3)


def test_same_layer_name_in_two_models_is_resolved_by_the_call(tmp_path):
    path = write(
        tmp_path,
        "a,conv1,Acc0,1,1\na,conv2,Acc0,2,2\nb,conv1,Acc0,10,10\nb,fc,Acc0,20,20\n"
        "c,conv1,Acc0,5,5\nc,conv2,Acc0,6,6\nc,conv3,Acc0,7,7\n",
    )
    model = TableCostModel(path)
    # a's two layers are covered by a and c: a (fewer rows) wins; b's by b only
    np.testing.assert_allclose(
        model.evaluate([layer("conv1"), layer("conv2")], WS).latency_s, [1, 2]
    )
    np.testing.assert_allclose(
        model.evaluate([layer("conv1"), layer("fc")], WS).latency_s, [10, 20]
    )
    np.testing.assert_allclose(
        model.evaluate([layer("conv3"), layer("conv1")], WS).latency_s, [7, 5]
    )
    with pytest.raises(InputError, match=r"conv1.*different costs"):
        model.evaluate([layer("conv1")], WS)  # a and b tie


def test_missing_entry_names_layer_accelerator_and_file(tmp_path):
    path = write(tmp_path, "net,conv1,Acc0,1e-3,2e-3\n")
    with pytest.raises(InputError) as exc:
        TableCostModel(path).evaluate([layer("conv9")], WS)
    msg = str(exc.value)
    assert "conv9" in msg and "Acc0" in msg and str(path) in msg
    with pytest.raises(InputError, match="Acc1"):
        TableCostModel(path).evaluate([layer("conv1")], OS)


@pytest.mark.parametrize(
    ("body", "line", "field", "text"),
    [
        ("net,conv1,Acc0,abc,1\n", 2, "latency_s", "not a number"),
        ("net,conv1,Acc0,1,-2\n", 2, "energy_j", ">= 0"),
        ("net,conv1,Acc0,nan,1\n", 2, "latency_s", "finite"),
        ("net,conv1,Acc0,1,1\nnet,conv2,Acc0,1\n", 3, None, "expected 5 fields"),
        ("net,,Acc0,1,1\n", 2, "layer", "empty"),
        ("net,conv1,Acc0,1,1\nnet,conv1,Acc0,2,2\n", 3, None, "duplicate"),
    ],
)
def test_malformed_rows_are_located(tmp_path, body, line, field, text):
    path = write(tmp_path, body)
    with pytest.raises(InputError, match=text) as exc:
        TableCostModel(path)
    err = exc.value
    assert (err.file, err.line, err.field) == (str(path), line, field)
    assert f"{path}:{line}" in str(err)


def test_bad_files_are_reported(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        TableCostModel(tmp_path / "missing.csv")
    with pytest.raises(InputError, match="empty"):
        TableCostModel(write(tmp_path, "", header=""))
    with pytest.raises(InputError) as exc:
        TableCostModel(write(tmp_path, "", header="model,layer,latency_s,energy_j\n"))
    assert exc.value.field == "accelerator" and exc.value.line == 1


def test_reads_what_profile_writes(tmp_path):
    from terastal.commands.profile import profile_scenario, write_costs_csv
    from terastal.cost import default_cost_model
    from terastal.io import load_platform, load_scenario

    scenario, platform = load_scenario("VR_gaming"), load_platform("Dual_4K/WS_OS")
    out = tmp_path / "costs.csv"
    write_costs_csv(profile_scenario(scenario, platform, default_cost_model()), out)
    table = TableCostModel(out)
    for task in scenario.tasks:
        for acc in platform.accelerators:
            np.testing.assert_allclose(
                table.evaluate(task.model.layers, acc).latency_s,
                default_cost_model().evaluate(task.model.layers, acc).latency_s,
            )
