"""Fine-tuning one variant with the rest frozen; combinations; accuracy tables (synthetic data)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from terastal.errors import TerastalError  # noqa: E402
from terastal.variants import data as fmnist  # noqa: E402
from terastal.variants.d2s import D2SConvS2D  # noqa: E402
from terastal.variants.finetune import (  # noqa: E402
    FinetuneConfig,
    build_combination,
    classifier_name,
    evaluate_combinations,
    finetune_variant,
    following_batchnorm,
    subsets,
)
from terastal.variants.models import FashionVGG, TinyCNN, build_model  # noqa: E402
from terastal.variants.table import format_table, read_table, write_table  # noqa: E402
from terastal.variants.train import (  # noqa: E402
    TrainConfig,
    augment,
    evaluate,
    to_tensors,
    train_base,
)

pytestmark = pytest.mark.torch


@pytest.fixture(scope="module")
def data():
    xtr, ytr = to_tensors(*fmnist.synthetic(384, seed=0))
    xte, yte = to_tensors(*fmnist.synthetic(128, seed=1))
    return xtr, ytr, xte, yte


@pytest.fixture(scope="module")
def base(data):
    xtr, ytr, _xte, _yte = data
    net = TinyCNN()
    train_base(net, xtr, ytr, TrainConfig(epochs=6, batch_size=32, lr=0.1))
    return net


def test_base_learns_synthetic_data(base, data):
    assert evaluate(base, data[2], data[3]) > 50.0


def test_augment_keeps_shape_and_is_seeded(data):
    x = data[0][:16]
    a = augment(x, torch.Generator().manual_seed(3))
    b = augment(x, torch.Generator().manual_seed(3))
    assert a.shape == x.shape and torch.equal(a, b)


def test_following_batchnorm_and_classifier():
    net = FashionVGG()
    assert following_batchnorm(net, "conv4") == "bn4"
    assert following_batchnorm(net, "fc1") is None
    assert classifier_name(net) == "fc"
    assert following_batchnorm(TinyCNN(), "conv2") == "bn2"


@pytest.mark.parametrize("unfreeze", [(), ("bn",), ("bn", "classifier")])
def test_finetune_trains_only_the_chosen_modules(base, data, unfreeze):
    xtr, ytr, xte, yte = data
    cfg = FinetuneConfig(epochs=1, batch_size=64, unfreeze=unfreeze, calib_samples=128)
    model, patch, log = finetune_variant(base, "conv2", xtr, ytr, cfg, xte, yte)
    expected = ["conv2", *(["bn2"] if "bn" in unfreeze else []),
                *(["fc"] if "classifier" in unfreeze else [])]  # fmt: skip
    assert log["trained"] == expected
    assert {k.split(".")[0] for k in patch} == set(expected)
    assert isinstance(model.conv2, D2SConvS2D) and log["r"] == 2
    base_state, state = base.state_dict(), model.state_dict()
    for key, value in base_state.items():
        if key.split(".")[0] not in expected:
            assert torch.equal(state[key], value), key
    assert 0.0 <= log["acc"] <= 100.0 and "acc_init" in log and log["init"] == "lstsq"
    assert log["init_rel_mse"] >= 0.0


def test_finetune_is_deterministic_and_distillation_runs(base, data):
    xtr, ytr, _, _ = data
    cfg = FinetuneConfig(epochs=1, batch_size=64, distill=1.0, calibrate=False, calib_samples=64)
    _, p1, log = finetune_variant(base, "conv2", xtr, ytr, cfg)
    _, p2, _ = finetune_variant(base, "conv2", xtr, ytr, cfg)
    assert log["init"] == "mean" and p1.keys() == p2.keys()
    assert all(torch.equal(p1[k], p2[k]) for k in p1)


def test_finetune_config_validation():
    with pytest.raises(TerastalError, match="unknown unfreeze"):
        FinetuneConfig(unfreeze=("head",))
    with pytest.raises(TerastalError, match=">= 0"):
        FinetuneConfig(distill=-1)


def test_combination_matches_single_variant_model(base, data):
    xtr, ytr, xte, _ = data
    cfg = FinetuneConfig(epochs=1, batch_size=64, unfreeze=("bn", "classifier"))
    model, patch, log = finetune_variant(base, "conv2", xtr, ytr, cfg)
    combo = build_combination(base, ["conv2"], {"conv2": patch}, {"conv2": log["r"]})
    with torch.no_grad():
        assert torch.allclose(combo(xte[:8]), model.eval()(xte[:8]), atol=1e-6)
        assert torch.allclose(build_combination(base, [], {}, {})(xte[:8]), base(xte[:8]))
    with pytest.raises(TerastalError, match="no fine-tuned variant"):
        build_combination(base, ["conv1"], {}, {})


def test_shared_entries_are_averaged():
    net = FashionVGG(width=8)
    a, b = {"fc.bias": torch.zeros(10)}, {"fc.bias": torch.ones(10)}
    for layer, p in (("conv4", a), ("conv5", b)):
        v = D2SConvS2D.from_conv(getattr(net, layer))
        p.update({f"{layer}.{k}": t for k, t in v.state_dict().items()})
    m = build_combination(net, ["conv4", "conv5"], {"conv4": a, "conv5": b},
                          {"conv4": 2, "conv5": 2})  # fmt: skip
    assert torch.allclose(m.fc.bias, torch.full((10,), 0.5))


def test_subsets_exhaustive_and_sampled():
    s = subsets(["a", "b", "c"])
    assert len(s) == 8 and s[0] == () and s[-1] == ("a", "b", "c")
    layers = [f"l{i}" for i in range(10)]
    big = subsets(layers, samples=100, seed=1)
    assert len(big) == 100 == len({frozenset(c) for c in big})
    assert big[0] == () and all((x,) in big for x in layers) and tuple(layers) in big
    assert big == subsets(layers, samples=100, seed=1)
    assert big != subsets(layers, samples=100, seed=2)


def test_evaluate_combinations_and_table(base, data, tmp_path):
    xtr, ytr, xte, yte = data
    cfg = FinetuneConfig(epochs=0, calib_samples=64)
    _, patch, _log = finetune_variant(base, "conv2", xtr, ytr, cfg)
    lines = []
    rows = evaluate_combinations(base, ["conv2"], {"conv2": patch}, {"conv2": 2}, xte, yte,
                                 progress=lines.append)  # fmt: skip
    assert [r[0] for r in rows] == [(), ("conv2",)] and len(lines) == 2
    assert rows[0][1] == pytest.approx(evaluate(base, xte, yte))
    path = write_table(tmp_path / "t.csv", "tiny_cnn", rows)
    text = path.read_text().splitlines()
    assert text[0] == "model,variants,metric" and text[1].startswith("tiny_cnn,,")
    assert read_table(path)["tiny_cnn"][frozenset({"conv2"})] == round(rows[1][1], 2)


def test_table_is_read_by_the_planner(tmp_path):
    accuracy = pytest.importorskip("terastal.planner.accuracy")
    rows = [((), 91.5), (("conv3",), 91.0), (("conv3", "fc1"), 90.25)]
    path = write_table(tmp_path / "acc.csv", "fmnist_vgg", rows)
    table = accuracy.load_accuracy_tables(path)["fmnist_vgg"]
    assert table.baseline == 91.5
    assert table.normalized({"conv3", "fc1"}) == pytest.approx(90.25 / 91.5)


def test_table_errors():
    with pytest.raises(TerastalError, match="baseline"):
        format_table("m", [(("a",), 1.0)])
    with pytest.raises(TerastalError, match="twice"):
        format_table("m", [((), 1.0), (("a", "b"), 1.0), (("b", "a"), 2.0)])
    with pytest.raises(TerastalError, match="may not"):
        format_table("m", [((), 1.0), (("a;b",), 1.0)])


def test_build_model_unknown():
    with pytest.raises(TerastalError, match="fmnist_vgg"):
        build_model("resnet1000")
