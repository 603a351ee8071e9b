"""Cost backend registry."""

from __future__ import annotations

import pytest

from terastal.cost import (
    BACKENDS,
    AnalyticalCostModel,
    CostModel,
    default_cost_model,
    get_cost_model,
)
from terastal.errors import InputError


def test_default_model_is_a_shared_analytical_instance():
    m = default_cost_model()
    assert isinstance(m, AnalyticalCostModel) and isinstance(m, CostModel)
    assert m is default_cost_model() is get_cost_model("analytical")
    assert m.name == "analytical" and m.mode == "physical"


def test_named_backends_and_options(tmp_path):
    assert set(BACKENDS) == {"analytical", "table", "zigzag"}
    xr = get_cost_model("Analytical", mode="xrbench")
    assert isinstance(xr, AnalyticalCostModel) and xr.mode == "xrbench"
    assert xr is not default_cost_model()
    csv = tmp_path / "c.csv"
    csv.write_text("model,layer,accelerator,latency_s,energy_j\nm,l,a,1,1\n")
    assert get_cost_model("table", path=csv).name == "table"


def test_unknown_name_lists_valid_names():
    with pytest.raises(InputError) as exc:
        get_cost_model("maestro")
    for name in ("analytical", "table", "zigzag"):
        assert name in str(exc.value)


def test_bad_options_are_input_errors():
    with pytest.raises(InputError, match="path"):
        get_cost_model("table")
    with pytest.raises(InputError, match="mode"):
        get_cost_model("analytical", mode="nope")
    with pytest.raises(InputError, match="bad options"):
        get_cost_model("analytical", colour="red")


def test_spec_strings_carry_typed_options():
    from terastal.cost import parse_cost_spec

    assert parse_cost_spec("zigzag") == ("zigzag", {})
    assert parse_cost_spec(" table : path=c.csv ") == ("table", {"path": "c.csv"})
    assert parse_cost_spec("x:a=1,b=2.5,c=true,d=False,e=ws") == (
        "x", {"a": 1, "b": 2.5, "c": True, "d": False, "e": "ws"},
    )  # fmt: skip
    xr = get_cost_model("analytical:mode=xrbench")
    assert isinstance(xr, AnalyticalCostModel) and xr.mode == "xrbench"
    # keyword options add to the spec's own
    assert get_cost_model("analytical:mode=xrbench", bytes_per_elem=2).bytes_per_elem == 2


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ("analytical:mode", "KEY=VALUE"),
        ("analytical:=xrbench", "KEY=VALUE"),
        ("analytical:mode=xrbench,mode=physical", "given twice"),
        ("analytical:mode=weird", "mode must be one of"),
        ("analytical:colour=red", "bad options"),
        ("maestro:mode=xrbench", "valid names"),
    ],
)
def test_bad_spec_strings_are_clear_errors(spec, match):
    with pytest.raises(InputError, match=match) as exc:
        get_cost_model(spec)
    assert exc.value.field == "cost_model"
