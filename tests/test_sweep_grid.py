"""Sweep grids: expansion, stable point ids and located validation errors."""

import textwrap

import pytest

from terastal.errors import InputError
from terastal.sweep import load_grid, parse_grid, point_id
from terastal.sweep.grid import resolve_spec

GOOD = """\
scenarios: [VR_gaming, my.yaml]
platforms: Dual_4K/WS_OS
schedulers: [edf, fcfs]
seeds: [0, 1, 2]
duration_ms: [50, 100]
load_scales: [0.5, 1]
late: [keep, drop]
scheduler_options:
  edf: {}
cost_model: analytical
"""


def _grid(text):
    return parse_grid(textwrap.dedent(text), "grid.yaml")


def test_expansion_is_the_cross_product_in_a_stable_order():
    g = _grid(GOOD)
    points = g.points()
    assert len(g) == len(points) == 2 * 1 * 2 * 3 * 2 * 2 * 2
    first = points[0]
    assert first["scenario"] == "VR_gaming" and first["platform"] == "Dual_4K/WS_OS"
    assert (first["seed"], first["duration_ms"], first["load_scale"]) == (0, 50.0, 0.5)
    assert first["late"] == "keep" and first["cost_model"] == "analytical"
    assert first["scheduler_options"] == "{}"
    assert [p["seed"] for p in points[:4]] == [0, 1, 2, 0]
    ids = [p["point_id"] for p in points]
    assert len(set(ids)) == len(ids)
    assert ids == [p["point_id"] for p in _grid(GOOD).points()]


def test_defaults_and_scalars():
    g = _grid(
        """\
        scenarios: VR_gaming
        platforms: Dual_4K/WS_OS
        schedulers: edf
        seeds: 7
        duration_ms: 20
        """
    )
    (p,) = g.points()
    assert (p["seed"], p["load_scale"], p["late"], p["cost_model"]) == (7, 1.0, "scheduler", None)


def test_point_id_depends_on_every_config_field():
    (p,) = _grid(GOOD.replace("[0, 1, 2]", "0").replace("[50, 100]", "50")).points()[:1]
    base = {k: v for k, v in p.items() if k != "point_id"}
    assert point_id(base) == p["point_id"] and len(p["point_id"]) == 16
    for key, value in (("seed", 1), ("load_scale", 2.0), ("late", "drop"), ("cost_model", None)):
        assert point_id({**base, key: value}) != p["point_id"]


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        (GOOD.replace("seeds:", "seed:"), 4, "seed", "unknown key 'seed'"),
        (GOOD.replace("seeds: [0, 1, 2]\n", ""), 1, "seeds", "missing required key 'seeds'"),
        (GOOD.replace("[0, 1, 2]", "[0, x, 2]"), 4, "seeds[1]", "expected a number"),
        (GOOD.replace("[0, 1, 2]", "[0, 1.5]"), 4, "seeds[1]", "non-negative integer"),
        (GOOD.replace("[0, 1, 2]", "[0, 0]"), 4, "seeds[1]", "duplicate value 0"),
        (GOOD.replace("[edf, fcfs]", "[edf, nosuch]"), 3, "schedulers[1]", "unknown scheduler"),
        (GOOD.replace("[50, 100]", "-5"), 5, "duration_ms", "must be > 0"),
        (GOOD.replace("[0.5, 1]", "[0.5, 0]"), 6, "load_scales[1]", "must be > 0"),
        (GOOD.replace("[keep, drop]", "[keep, later]"), 7, "late[1]", "expected one of"),
        (GOOD.replace("edf: {}", "rm: {}"), 9, "scheduler_options.rm", "not in 'schedulers'"),
        (GOOD.replace("edf: {}", "edf: {bogus: 1}"), 9, "scheduler_options.edf", "bad options"),
        (GOOD.replace("platforms: Dual_4K/WS_OS", "platforms: []"), 2, "platforms", "non-empty"),
        (GOOD + "seeds: [3]\n", 11, "seeds", "duplicate key"),
    ],
)
def test_validation_errors_name_file_line_and_field(text, line, field, message):
    with pytest.raises(InputError) as info:
        parse_grid(text, "grid.yaml")
    err = info.value
    assert (err.file, err.line, err.field) == ("grid.yaml", line, field)
    assert message in err.message
    assert str(err).startswith(f"grid.yaml:{line}: field '{field}': ")


def test_malformed_and_empty_files(tmp_path):
    with pytest.raises(InputError, match=r"grid.yaml:2: malformed YAML"):
        parse_grid("seeds: [0\nfoo: ]\n", "grid.yaml")
    with pytest.raises(InputError, match="empty grid file"):
        parse_grid("", "grid.yaml")
    with pytest.raises(InputError, match="expected a mapping"):
        parse_grid("- a\n", "grid.yaml")
    with pytest.raises(InputError, match="grid file not found"):
        load_grid(tmp_path / "absent.yaml")


def test_relative_paths_resolve_against_the_grid_directory(tmp_path):
    (tmp_path / "s.yaml").write_text("x")
    (tmp_path / "hw.m").write_text("x")
    (tmp_path / "df.m").write_text("x")
    assert resolve_spec("s.yaml", tmp_path) == str(tmp_path / "s.yaml")
    assert resolve_spec("hw.m:df.m", tmp_path) == f"{tmp_path / 'hw.m'}:{tmp_path / 'df.m'}"
    assert resolve_spec("VR_gaming", tmp_path) == "VR_gaming"
    assert resolve_spec("Dual_4K/WS_OS", tmp_path) == "Dual_4K/WS_OS"
    assert resolve_spec("other.yaml", tmp_path) == "other.yaml"
    (tmp_path / "g.yaml").write_text(GOOD)
    assert load_grid(tmp_path / "g.yaml").base_dir == tmp_path.resolve()
