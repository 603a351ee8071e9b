import pytest

from terastal.errors import InputError
from terastal.planner.accuracy import (
    AccuracyTable,
    load_accuracy_tables,
    parse_combination_csv,
    parse_summary,
)
from terastal.planner.paper import data_dir

RES = data_dir() / "results" / "paper"


def test_resnet50_top5_known_values():
    t = parse_summary(RES / "resnet50" / "resnet50_combination_results.txt", "top5")
    assert t.baseline == pytest.approx(92.86)
    assert len(t.values) == 128
    assert t.normalized({"layer2.0.conv1"}) == pytest.approx(92.37 / 92.86)
    assert t.values[frozenset({"layer2.0.conv1", "layer4.1.conv2"})] == pytest.approx(90.98)
    assert t.values[frozenset(t.layers)] == pytest.approx(38.99)
    assert len(t.layers) == 7
    top1 = parse_summary(RES / "resnet50" / "resnet50_combination_results.txt", "top1")
    assert top1.baseline == pytest.approx(76.13)


def test_vgg_inception_swin_summaries():
    vgg = parse_summary(RES / "vgg11" / "vgg11_combination_results.txt")
    assert (vgg.baseline, len(vgg.values)) == (pytest.approx(88.63), 32)
    assert vgg.values[frozenset({"idx3"})] == pytest.approx(81.94)
    inc = parse_summary(RES / "inceptionv3" / "inceptionv3_combination_results.txt")
    assert (inc.baseline, len(inc.values)) == (pytest.approx(93.52), 8)
    assert inc.values[frozenset({"Mixed_6a.branch3x3.conv"})] == pytest.approx(93.37)
    swin = parse_summary(RES / "swin_tiny" / "combination_results.txt")
    assert (swin.baseline, len(swin.values)) == (pytest.approx(95.36), 16)
    assert swin.values[frozenset({"idx0", "idx1"})] == pytest.approx(94.50)


def test_ssd_map_summary_strips_the_factor_suffix():
    t = parse_summary(RES / "mobilenetv2_ssd" / "mb2ssd_combination_map_results.txt", "map")
    assert t.baseline == pytest.approx(0.6860)
    assert t.layers == ("idx0", "idx1", "idx2", "idx3")
    assert t.values[frozenset({"idx0"})] == pytest.approx(0.5462)
    assert t.values[frozenset({"idx0", "idx1", "idx2", "idx3"})] == pytest.approx(0.0456)
    assert len(t.values) == 16


def test_sp2dense_csv_delta1():
    t = parse_combination_csv(RES / "sp2dense" / "layer_combination_results_20250822_101224.csv")
    assert t.metric == "delta1" and len(t.values) == 16
    assert t.baseline == pytest.approx(0.973780)
    assert t.values[frozenset({"layer4.0.conv1", "layer4.1.conv2"})] == pytest.approx(0.966271)
    rmse = parse_combination_csv(
        RES / "sp2dense" / "layer_combination_results_20250822_101224.csv", "rmse"
    )
    assert rmse.baseline == pytest.approx(0.214166)


def test_summary_errors_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text(
        "Model: Original (Baseline)\n  > Top-5 Accuracy: 90%\n"
        "Model: Converted: a\n  > Top-1 Accuracy: 80%\n"
    )
    with pytest.raises(InputError, match=r"bad.txt:3: combination has no 'top5'"):
        parse_summary(bad)
    dup = tmp_path / "dup.txt"
    dup.write_text("Model: Original (Baseline)\n > Top-5 Accuracy: 9x%\n")
    with pytest.raises(InputError, match=r"dup.txt:2: field 'top5': not a number"):
        parse_summary(dup)
    nob = tmp_path / "nob.txt"
    nob.write_text("Model: Converted: a\n > Top-5 Accuracy: 90%\n")
    with pytest.raises(InputError, match="no baseline"):
        parse_summary(nob)
    with pytest.raises(InputError, match="cannot read"):
        parse_summary(tmp_path / "missing.txt")


def test_generic_csv(tmp_path):
    f = tmp_path / "acc.csv"
    f.write_text(
        "# my measurements\nmodel,variants,top5\nnet,,80\nnet,a,79\nnet,a;b,70\nother,,0.5\n"
    )
    tables = load_accuracy_tables(f)
    assert set(tables) == {"net", "other"}
    net = tables["net"]
    assert net.metric == "top5" and net.baseline == 80
    assert net.normalized(["b", "a"]) == pytest.approx(70 / 80)
    assert net.normalized(["b"]) is None
    assert net.source == str(f)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("model,layers,x\n", r":1: header must be"),
        ("model,variants,x\nnet,a,1\n", r":2: field 'variants': model 'net' has no baseline"),
        ("model,variants,x\nnet,,1\nnet,a,oops\n", r":3: field 'x': not a number: 'oops'"),
        ("model,variants,x\nnet,,1\nnet,a;;b,1\n", r":3: field 'variants': empty layer name"),
        ("model,variants,x\nnet,,1\nnet,,2\n", r":3: field 'variants': duplicate"),
        ("model,variants,x\nnet,,1,2\n", r":2: expected 3 columns"),
        ("model,variants,x\nnet,,-1\n", r":2: field 'x': must be a finite number >= 0"),
        ("model,variants,x\nnet,,0\n", r"baseline of 'net' must be > 0"),
    ],
)
def test_generic_csv_errors(tmp_path, text, match):
    f = tmp_path / "t.csv"
    f.write_text(text)
    with pytest.raises(InputError, match=match):
        load_accuracy_tables(f)


def test_generic_yaml(tmp_path):
    f = tmp_path / "acc.yaml"
    f.write_text(
        "models:\n"
        "  net:\n"
        "    metric: map\n"
        "    combinations:\n"
        "      - {variants: [], value: 0.5}\n"
        "      - {variants: [a, b], value: 0.45}\n"
        "      - {variants: 'c', value: 0.4}\n"
    )
    t = load_accuracy_tables(f)["net"]
    assert t.metric == "map"
    assert t.normalized({"a", "b"}) == pytest.approx(0.9)
    assert t.normalized({"c"}) == pytest.approx(0.8)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (
            "net:\n  combinations:\n    - {variants: [a], value: 1}\n",
            r":1: field 'net': no baseline",
        ),
        (
            "net:\n  combinations:\n    - {variants: []}\n",
            r":3: field 'net.combinations\[0\]': missing 'value'",
        ),
        (
            "net:\n  combinations:\n    - {value: x}\n",
            r":3: field 'net.combinations\[0\].value': not a number",
        ),
        ("net: {metric: top5}\n", r":1: field 'net': missing 'combinations'"),
        ("net:\n  combinations: {a: 1}\n", r":2: field 'net.combinations': must be a list"),
        ("net: [1, 2\n", r"invalid YAML"),
        ("- 1\n", r"field '<root>': must be a mapping"),
    ],
)
def test_generic_yaml_errors(tmp_path, text, match):
    f = tmp_path / "t.yml"
    f.write_text(text)
    with pytest.raises(InputError, match=match):
        load_accuracy_tables(f)


def test_unknown_extension_and_table_invariants(tmp_path):
    with pytest.raises(InputError, match=r"must be \.csv"):
        load_accuracy_tables(tmp_path / "t.txt")
    with pytest.raises(InputError, match="no baseline"):
        AccuracyTable("m", "x", {frozenset({"a"}): 1.0})
    t = AccuracyTable("m", "x", {(): 2.0, ("a.b",): 1.0})
    r = t.renamed({"a.b": "a_b"}, model="n")
    assert r.model == "n" and r.normalized({"a_b"}) == 0.5
