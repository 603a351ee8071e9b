"""MAESTRO model files: bundled XRBench scenarios, paper exports and bad input."""

from importlib import resources

import pytest

from bundled_names import XRBENCH_SWEEPS, XRBENCH_USAGE
from terastal.errors import InputError
from terastal.io import (
    PAPER_MODELS,
    list_models,
    list_scenarios,
    load_maestro,
    load_model,
    load_model_fps,
    load_scenario,
    parse_maestro,
    scenario_from_networks,
)
from terastal.model import LayerKind


def _paper_files():
    root = resources.files("terastal") / "data" / "paper" / "experiments"
    return sorted(
        str(f)
        for d in root.iterdir()
        if d.is_dir()
        for f in (d / "exports").iterdir()
        if f.name.endswith(".m")
    )


def test_bundled_scenario_names():
    assert sorted(list_scenarios()) == sorted((*XRBENCH_USAGE, *XRBENCH_SWEEPS))


@pytest.mark.parametrize("name", (*XRBENCH_USAGE, *XRBENCH_SWEEPS))
def test_every_xrbench_scenario_loads(name):
    s = load_scenario(name)
    assert s.name == name and len(s.tasks) >= 2
    for t in s.tasks:
        assert t.fps > 0 and len(t.model) > 0 and 0 <= t.probability <= 1


def test_vr_gaming_known_values():
    s = load_scenario("VR_gaming")
    assert [t.name for t in s.tasks] == ["ES_RITNet", "GE_FBNet_C", "HT_hand_graph_cnn_half"]
    es, ge, ht = s.tasks
    assert es.fps == 60 and es.depends_on is None and es.probability == 1.0
    assert ge.depends_on == "ES_RITNet" and ge.probability == 1.0 and ge.fps == 60
    assert ht.fps == 45
    first = es.model.layers[0]
    assert (first.kind, first.k, first.c, first.y, first.x, first.r) == (
        LayerKind.CONV,
        32,
        32,
        160,
        100,
        3,
    )
    assert es.model.edges == tuple((i, i + 1) for i in range(len(es.model) - 1))


def test_probability_sweep_values():
    for name, p in [("VR_gaming_25p", 0.25), ("VR_gaming_50p", 0.5), ("VR_gaming_100p", 1.0)]:
        assert load_scenario(name).task("GE_FBNet_C").probability == pytest.approx(p)


def test_cascade_probability_in_ar_assistant():
    asr = load_scenario("AR_Assistant").task("ASR_EM_24L")
    assert asr.depends_on == "KD_res8_narrow" and asr.probability == 0.5


@pytest.mark.parametrize("path", _paper_files(), ids=lambda p: p.rsplit("/", 1)[-1])
def test_every_paper_export_loads(path):
    (net,) = load_maestro(path)
    assert net.fps == 30 and len(net.model) > 0


def test_paper_models_by_name():
    assert list(PAPER_MODELS) == list_models()[:6]
    assert len(load_model("vgg11")) == 11
    conv1 = load_model("resnet50").layers[0]
    assert conv1.name == "conv1" and (conv1.stride_y, conv1.stride_x) == (2, 2)
    assert (conv1.out_y, conv1.out_x) == (109, 109)  # no padding in MAESTRO
    assert load_model_fps("resnet50") == 30
    assert len(load_model("ES_RITNet")) == len(load_scenario("VR_gaming").tasks[0].model)


def test_dsconv_maps_to_depthwise_and_residual_to_eltwise():
    kinds = {layer.name: layer.kind for layer in load_model("resnet50").layers}
    assert kinds["layer1_0_Residual"] is LayerKind.ELTWISE
    mb2 = {layer.name: layer for layer in load_model("mb2_ssd_lite").layers}
    dw = mb2["base_net_1_conv_0"]
    assert dw.kind is LayerKind.DWCONV and dw.c == 32 and dw.macs == 148 * 148 * 32 * 9


def test_kernel_larger_than_input_gets_minimal_padding():
    layer = {x.name: x for x in load_model("GE_FBNet_C").layers}["conv51"]
    assert (layer.y, layer.x, layer.r, layer.s) == (5, 4, 5, 5)
    assert (layer.pad_y, layer.pad_x) == (0, 1) and layer.out_y == 1


GOOD = """\
// leading comment with a quirk: Y'
Network a {
  FPS: 30
  Layer l1 {
    Type: TRCONV
    Dimensions: { K: 4, C: 2, R: 2, S: 2, Y: 8, X: 8, N: 1 }   // any order
  }
  Layer fc { Type: FC  Dimensions: { N: 1, K: 10, C: 64, Y: 1, X: 1, R: 1, S: 1 } }
}
Network b {
  Dependency: { a }
  Probability: 0.3
  FPS: 15
  Layer l { Type: CONV Stride { X: 2, Y: 2 } Dimensions: { N:1, K:4, C:4, Y:9, X:9, R:3, S:3 } }
}"""


def test_multi_network_file_and_scenario():
    nets = parse_maestro(GOOD, "good.m")
    assert [n.name for n in nets] == ["a", "b"]
    assert nets[0].model.layers[0].kind is LayerKind.TRCONV
    assert nets[0].model.layers[1].kind is LayerKind.FC
    assert nets[1].model.layers[0].out_y == 4
    s = scenario_from_networks(nets, "demo", "good.m")
    assert s.task("b").depends_on == "a" and s.task("b").probability == pytest.approx(0.3)


def _body(dims="N: 1, K: 4, C: 4, Y: 8, X: 8, R: 3, S: 3", extra="", head="FPS: 30"):
    return (
        f"Network n {{\n{head}\nLayer l {{\nType: CONV\n{extra}Dimensions: {{ {dims} }}\n}}\n}}\n"
    )


@pytest.mark.parametrize(
    ("text", "line", "field", "match"),
    [
        (_body(dims="N: 1, K: 4, C: 4, Y: 8, X: 8, R: 3"), 5, "Dimensions.S", "missing"),
        (_body(dims="N: 1, K: four, C: 4, Y: 8, X: 8, R: 3, S: 3"), 5, "Dimensions.K", "integer"),
        (_body(dims="N: 1, K: 2.5, C: 4, Y: 8, X: 8, R: 3, S: 3"), 5, "Dimensions.K", "integer"),
        (_body(dims="N: 1, K: 0, C: 4, Y: 8, X: 8, R: 3, S: 3"), 5, "Dimensions.K", ">= 1"),
        (_body(dims="N: 1, K: 4, C: 4, Y: 8, X: 8, R: 3, S: 3, Z: 1"), 5, "Dimensions", "Z"),
        (_body(head="FPS: 0"), 2, "FPS", "> 0"),
        (_body(head="FPS: -30"), 2, "FPS", "> 0"),
        (_body(head="FPS: fast"), 2, "FPS", "number"),
        (_body(head="Probability: 1.5"), 2, "Probability", r"\[0, 1\]"),
        (_body(extra="Stride { X: 0, Y: 1 }\n"), 5, "Stride.X", ">= 1"),
        (_body().replace("CONV", "WARP"), 4, "Type", "unknown layer type"),
        (_body().replace("Type: CONV\n", ""), 3, "Type", "no 'Type'"),
        (_body().replace("Dimensions", "Dimension"), 5, None, "unexpected 'Dimension'"),
        (_body().replace("Layer l {", "Layer l"), 4, None, "expected '{'"),
        (_body()[:-3], 6, None, "end of file"),
        ("Net n { }", 1, None, "expected 'Network'"),
        ("Network n { FPS: 3 }", 1, None, "no layers"),
        ("// nothing\n", 1, None, "no 'Network'"),
    ],
)
def test_malformed_model_file_errors_are_located(text, line, field, match):
    with pytest.raises(InputError, match=match) as info:
        parse_maestro(text, "bad.m")
    err = info.value
    assert (err.file, err.line, err.field) == ("bad.m", line, field)
    assert str(err).startswith(f"bad.m:{line}: ")


def test_unknown_and_cyclic_dependencies():
    unknown = GOOD.replace("Dependency: { a }", "Dependency: { zz }")
    with pytest.raises(InputError, match="unknown network 'zz'") as info:
        scenario_from_networks(parse_maestro(unknown, "u.m"), "u", "u.m")
    assert (info.value.line, info.value.field) == (11, "Dependency")
    cyclic = GOOD.replace("FPS: 30", "FPS: 30\n  Dependency: { b }")
    with pytest.raises(InputError, match="cyclic dependency: a -> b -> a") as info:
        scenario_from_networks(parse_maestro(cyclic, "c.m"), "c", "c.m")
    assert info.value.file == "c.m" and info.value.line == 4


def test_missing_fps_only_matters_for_scenarios():
    nets = parse_maestro(_body(head=""), "n.m")
    assert nets[0].fps is None
    with pytest.raises(InputError, match="no FPS") as info:
        scenario_from_networks(nets, "n", "n.m")
    assert info.value.field == "FPS" and info.value.line == 1


def test_duplicate_network_and_file_errors(tmp_path):
    with pytest.raises(InputError, match="duplicate network"):
        parse_maestro(_body() + _body(), "d.m")
    with pytest.raises(InputError, match="no such file"):
        load_scenario(tmp_path / "missing.m")
    bad = tmp_path / "bad.m"
    bad.write_text(_body(head="FPS: 0"))
    with pytest.raises(InputError, match=r"bad\.m:2: field 'FPS'"):
        load_scenario(bad)


def test_unknown_names_list_the_available_ones():
    with pytest.raises(InputError, match="VR_gaming_50p"):
        load_scenario("VR_gamin")
    with pytest.raises(InputError, match=r"resnet50.*ES_RITNet"):
        load_model("resnet5")
