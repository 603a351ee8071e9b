import pytest

from terastal.errors import InputError
from terastal.planner.paper import (
    PAPER_MODELS,
    bundled_accuracy_tables,
    find_paper_model,
    load_paper_model,
    paper_accuracy_table,
)
from terastal.planner.variants import variant_factor, variant_shape

EXPORTS = [(name, layer) for name, pm in PAPER_MODELS.items() for layer in pm.variant_exports]


def test_every_paper_model_has_a_table_with_export_layer_names():
    tables = bundled_accuracy_tables()
    assert set(tables) == {
        "resnet50",
        "vgg11",
        "inceptionv3",
        "swin_tiny",
        "mb2_ssd_lite",
        "sp2dense",
    }
    for name, table in tables.items():
        model = load_paper_model(name)
        names = {layer.name for layer in model.layers}
        assert set(table.layers) <= names, name
        assert set(table.layers) == set(PAPER_MODELS[name].variant_layers)
    assert tables["resnet50"].baseline == pytest.approx(92.86)
    assert tables["resnet50"].normalized({"layer2_0_conv1"}) == pytest.approx(92.37 / 92.86)
    assert tables["mb2_ssd_lite"].metric == "map"
    assert tables["sp2dense"].metric == "delta1"


def test_vgg_paper_subset_drops_features_8():
    subset = paper_accuracy_table("vgg11")
    full = paper_accuracy_table("vgg11", subset=False)
    assert len(subset.values) == 16 and len(full.values) == 32
    assert "features_8" not in subset.layers and "features_8" in full.layers
    assert full.normalized({"features_8"}) == pytest.approx(83.91 / 88.63)


@pytest.mark.parametrize(("name", "layer"), EXPORTS)
def test_variant_exports_replace_exactly_the_mapped_layer(name, layer):
    base = load_paper_model(name)
    var = load_paper_model(name, variant_of=layer)
    assert len(base.layers) == len(var.layers)
    diff = [i for i, (a, b) in enumerate(zip(base.layers, var.layers, strict=True)) if a != b]
    assert len(diff) == 1
    orig, exported = base.layers[diff[0]], var.layers[diff[0]]
    assert orig.name == layer and exported.name.startswith(layer + "_")
    mine = variant_shape(orig)
    got = (exported.k, exported.c, exported.y, exported.x, exported.r, exported.s)
    assert (mine.k, mine.c, mine.y, mine.x, mine.r, mine.s) == got
    assert (mine.stride_y, mine.stride_x) == (exported.stride_y, exported.stride_x)


def test_ssd_head_is_the_r3_variant():
    base = load_paper_model("mb2_ssd_lite")
    head = next(layer for layer in base.layers if layer.name == "classification_headers_0_3")
    assert variant_factor(head) == 3


def test_find_by_alias_and_source():
    assert find_paper_model("ResNet50").name == "resnet50"
    assert find_paper_model("mb2-ssd-lite").name == "mb2_ssd_lite"
    assert find_paper_model("swin-tiny").name == "swin_tiny"
    assert find_paper_model("sparse_to_dense_resnet18_upproj").name == "sp2dense"
    assert find_paper_model("ES_RITNet") is None
    src = str(PAPER_MODELS["vgg11"].export_path)
    assert find_paper_model("renamed", src).name == "vgg11"
    with pytest.raises(InputError, match="unknown paper model 'nope'"):
        paper_accuracy_table("nope")
    with pytest.raises(InputError, match="no variant export"):
        load_paper_model("resnet50", variant_of="conv1")
