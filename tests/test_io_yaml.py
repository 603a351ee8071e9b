"""Native YAML scenario and platform formats."""

import textwrap

import pytest

from terastal.errors import InputError
from terastal.io import (
    load_platform,
    load_scenario,
    platform_to_yaml,
    scenario_to_yaml,
)
from terastal.model import Dataflow


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


NET = """\
Network tiny {
  FPS: 20
  Layer a { Type: CONV Dimensions: { N: 1, K: 8, C: 3, Y: 10, X: 10, R: 3, S: 3 } }
  Layer b { Type: CONV Dimensions: { N: 1, K: 8, C: 8, Y: 8, X: 8, R: 3, S: 3 } }
}
Network other {
  Layer c { Type: FC Dimensions: { N: 1, K: 8, C: 8, Y: 1, X: 1, R: 1, S: 1 } }
}
"""

SCENARIO = """\
name: demo
tasks:
  - model: ES_RITNet
    fps: 60
  - model: GE_FBNet_C
    fps: 60
    depends_on: ES_RITNet
    probability: 0.5
    deadline_ms: 10
    phase_ms: 2
    jitter_ms: 0.5
  - model: nets/two.m
    network: tiny
    name: tiny_task
    fps: 20
  - model: resnet50
    fps: 30
"""


def test_yaml_scenario(tmp_path):
    (tmp_path / "nets").mkdir()
    (tmp_path / "nets" / "two.m").write_text(NET)
    s = load_scenario(_write(tmp_path, "s.yaml", SCENARIO))
    assert s.name == "demo"
    assert [t.name for t in s.tasks] == ["ES_RITNet", "GE_FBNet_C", "tiny_task", "resnet50"]
    ge = s.task("GE_FBNet_C")
    assert ge.depends_on == "ES_RITNet" and ge.probability == 0.5
    assert ge.deadline_s == pytest.approx(0.010) and ge.phase_s == pytest.approx(0.002)
    assert ge.jitter_s == pytest.approx(0.0005)
    assert s.task("ES_RITNet").relative_deadline_s == pytest.approx(1 / 60)
    assert [x.name for x in s.task("tiny_task").model.layers] == ["a", "b"]


def test_yaml_scenario_round_trip(tmp_path):
    (tmp_path / "nets").mkdir()
    (tmp_path / "nets" / "two.m").write_text(NET)
    original = load_scenario(_write(tmp_path, "s.yaml", SCENARIO))
    again = load_scenario(_write(tmp_path, "again.yml", scenario_to_yaml(original)))
    assert again.name == original.name
    for a, b in zip(original.tasks, again.tasks, strict=True):
        assert (a.name, a.fps, a.deadline_s, a.phase_s, a.jitter_s) == (
            b.name,
            b.fps,
            b.deadline_s,
            b.phase_s,
            b.jitter_s,
        )
        assert (a.depends_on, a.probability) == (b.depends_on, b.probability)
        assert a.model.layers == b.model.layers and a.model.edges == b.model.edges


def test_bundled_scenario_round_trips_through_yaml(tmp_path):
    vr = load_scenario("VR_gaming")
    again = load_scenario(_write(tmp_path, "vr.yaml", scenario_to_yaml(vr)))
    assert [(t.name, t.fps, t.depends_on) for t in again.tasks] == [
        (t.name, t.fps, t.depends_on) for t in vr.tasks
    ]
    assert again.tasks[2].model.layers == vr.tasks[2].model.layers


PLATFORM = """\
name: mine
clock_ghz: 0.8
transfer_gbps: 16
accelerators:
  - name: big
    dataflow: WS
    num_pes: 2048
    offchip_bw: 64
    noc_bw: 32
    global_buffer_kib: 1024
    pe_buffer_b: 4096
  - {name: little, dataflow: os, num_pes: 512, clock_ghz: 0.5}
"""


def test_yaml_platform_and_round_trip(tmp_path):
    p = load_platform(_write(tmp_path, "p.yaml", PLATFORM))
    big, little = p.accelerators
    assert p.name == "mine" and p.transfer_bytes_per_s == 16e9
    assert (big.dataflow, big.num_pes, big.offchip_bw, big.noc_bw) == (Dataflow.WS, 2048, 64, 32)
    assert (big.global_buffer_bytes, big.pe_buffer_bytes, big.clock_hz) == (1 << 20, 4096, 8e8)
    assert (little.dataflow, little.clock_hz) == (Dataflow.OS, 5e8)
    again = load_platform(_write(tmp_path, "again.yaml", platform_to_yaml(p)))
    assert again == p
    for name in ("Dual_4K/WS_OS", "Quad_8K/RS_RS_RS_RS", "Single_4K/WS"):
        bundled = load_platform(name)
        assert load_platform(_write(tmp_path, "b.yaml", platform_to_yaml(bundled))) == bundled


def test_yaml_platform_defaults(tmp_path):
    p = load_platform(_write(tmp_path, "d.yml", "accelerators:\n  - {dataflow: RS, num_pes: 64}\n"))
    assert p.name == "d" and p.accelerators[0].name == "acc0"
    assert p.transfer_bytes_per_s == 128e9


BAD_SCENARIOS = [
    ("tasks:\n  - model: ES_RITNet\n    fps: [60\n", 4, None, "malformed YAML"),
    ("tasks:\n  - model: a\n   fps: 60\n", 3, None, "malformed YAML"),
    ("tasks:\n  - model: ES_RITNet\n    fps: 0\n", 3, "tasks[0].fps", "> 0"),
    ("tasks:\n  - model: ES_RITNet\n    fps: -5\n", 3, "tasks[0].fps", "> 0"),
    ("tasks:\n  - model: ES_RITNet\n    fps: fast\n", 3, "tasks[0].fps", "number"),
    ("tasks:\n  - model: ES_RITNet\n    fsp: 60\n", 3, "tasks[0].fsp", "unknown key 'fsp'"),
    ("tasks:\n  - model: ES_RITNet\n", 2, "tasks[0].fps", "missing required key"),
    ("tasks:\n  - model: Nope\n    fps: 3\n", 2, "tasks[0].model", "unknown model 'Nope'"),
    ("tasks:\n  - model: gone.m\n    fps: 3\n", 2, "tasks[0].model", "not found"),
    ("name: x\n", 1, "tasks", "missing required key"),
    ("tasks: []\n", 1, "tasks", "non-empty list"),
    ("tasks: 3\n", 1, "tasks", "non-empty list"),
    ("- a\n- b\n", 1, None, "mapping"),
    ("tasks:\n  - model: ES_RITNet\n    fps: 3\n    probability: 2\n", 4, None, r"\[0, 1\]"),
    (
        "tasks:\n  - model: ES_RITNet\n    fps: 3\n  - model: ES_RITNet\n    fps: 4\n",
        4,
        "tasks[1].name",
        "duplicate task name",
    ),
    (
        "tasks:\n  - model: ES_RITNet\n    fps: 3\n    depends_on: GE\n",
        4,
        "tasks[0].depends_on",
        "unknown task 'GE'",
    ),
    (
        "tasks:\n  - {model: ES_RITNet, fps: 3, depends_on: GE_FBNet_C}\n"
        "  - {model: GE_FBNet_C, fps: 3, depends_on: ES_RITNet}\n",
        2,
        "tasks[0].depends_on",
        "cyclic dependency: ES_RITNet -> GE_FBNet_C -> ES_RITNet",
    ),
]


@pytest.mark.parametrize(("text", "line", "field", "match"), BAD_SCENARIOS)
def test_bad_yaml_scenarios(tmp_path, text, line, field, match):
    path = _write(tmp_path, "bad.yaml", text)
    with pytest.raises(InputError, match=match) as info:
        load_scenario(path)
    err = info.value
    assert (err.file, err.line) == (str(path), line)
    if field is not None:
        assert err.field == field


ONE = "accelerators:\n  - {dataflow: WS, num_pes: 4}\n"
BAD_PLATFORMS = [
    (
        "accelerators:\n  - {dataflow: XS, num_pes: 4}\n",
        2,
        "accelerators[0].dataflow",
        "WS, OS, RS",
    ),
    ("accelerators:\n  - {dataflow: WS}\n", 2, "accelerators[0].num_pes", "missing"),
    ("accelerators:\n  - {dataflow: WS, num_pes: 0}\n", 2, "accelerators[0].num_pes", "> 0"),
    (
        "accelerators:\n  - {dataflow: WS, num_pes: 4, pes: 2}\n",
        2,
        "accelerators[0].pes",
        "unknown",
    ),
    ("clock_ghz: 0\n" + ONE, 1, "clock_ghz", "> 0"),
    (
        "transfer_gbps: x\naccelerators:\n  - {dataflow: WS, num_pes: 4}\n",
        1,
        "transfer_gbps",
        "number",
    ),
    (
        "accelerators:\n  - {name: a, dataflow: WS, num_pes: 4}\n"
        "  - {name: a, dataflow: OS, num_pes: 4}\n",
        3,
        "accelerators[1]",
        "duplicate accelerator",
    ),
    (
        "accelerators:\n  - dataflow: OS\n    num_pes: 4\n    directives:\n"
        "      - TemporalMap(16,16) C\n      - Cluster(16,P)\n      - SpatialMap(1,1) K\n",
        5,
        "accelerators[0].directives",
        "describe a WS dataflow",
    ),
    (
        "accelerators:\n  - dataflow: WS\n    num_pes: 4\n    directives: [SpatialMap(1) K]\n",
        4,
        "accelerators[0].directives[0]",
        "bad directive",
    ),
]


@pytest.mark.parametrize(("text", "line", "field", "match"), BAD_PLATFORMS)
def test_bad_yaml_platforms(tmp_path, text, line, field, match):
    path = _write(tmp_path, "bad.yaml", text)
    with pytest.raises(InputError, match=match) as info:
        load_platform(path)
    assert (info.value.file, info.value.line, info.value.field) == (str(path), line, field)
