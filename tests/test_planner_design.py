import numpy as np
import pytest

from terastal.cost.tables import build_cost_tables
from terastal.errors import InputError
from terastal.model import Accelerator, Dataflow, Model, Platform
from terastal.planner.accuracy import AccuracyTable
from terastal.planner.design import design_task, layer_gaps, resolve_accuracy
from terastal.planner.paper import PAPER_MODELS, load_paper_model
from terastal.planner.variants import VariantError
from test_planner_support import FakeCost, TableCost, conv, scenario_of, ws_os


def _model():
    return Model("net", tuple(conv(f"l{i}") for i in range(4)))


def _lat(l_ws, l_os, v_ws=None, v_os=None):
    """Cost table with given original (and variant) latencies per layer."""
    tab = {}
    for i, (a, b) in enumerate(zip(l_ws, l_os, strict=True)):
        tab[(f"l{i}", "ws")], tab[(f"l{i}", "os")] = a, b
        if v_ws is not None:
            tab[(f"l{i}_variant", "ws")], tab[(f"l{i}_variant", "os")] = v_ws[i], v_os[i]
    return TableCost(tab)


def _table(values):
    return AccuracyTable("net", "top5", {frozenset(k): v for k, v in values.items()})


ACC = {
    (): 100.0,
    ("l0",): 99.0,
    ("l1",): 99.5,
    ("l2",): 90.0,
    ("l0", "l1"): 98.5,
    ("l0", "l2"): 89.0,
    ("l1", "l2"): 97.0,
}


def _design(loss=0.02, acc=ACC, cost=None):
    sc = scenario_of(_model())
    cost = cost or _lat([1, 1, 1, 1], [4, 5, 6, 1], [2, 2, 2, 2], [1.5, 2, 3, 1])
    accuracy, notes = resolve_accuracy(sc, {"net": _table(acc)}, use_bundled=False)
    cands = {"net": dict(accuracy["net"].candidates)}
    tables = build_cost_tables(sc, ws_os(), cost, variant_shapes=cands)
    return design_task(tables["net"], accuracy["net"], loss), tables["net"], notes


def test_gaps_before_and_after():
    d, _tab, notes = _design()
    assert notes == []
    np.testing.assert_allclose(d.gap_s, [3, 4, 5, 0])
    np.testing.assert_allclose(d.gap_after_s[:3], [0.5, 1, 2])
    assert np.isnan(d.gap_after_s[3])  # l3 has no candidate variant
    np.testing.assert_allclose(d.gain_s[:3], [2.5, 3, 3])
    np.testing.assert_allclose(d.loss[:3], [0.01, 0.005, 0.1])


def test_ranking_by_gain_per_accuracy_lost_and_admissible_sets():
    d, _, _ = _design()
    # scores: l0 2.5/0.01=250, l1 3/0.005=600, l2 3/0.1=30
    assert [i for i, _ in sorted(d.rank.items(), key=lambda kv: kv[1])] == [1, 0, 2]
    assert d.selected == (1, 0)  # l2 loses 10 %: in no admissible combination
    assert d.admissible == {frozenset(), frozenset({0}), frozenset({1}), frozenset({0, 1})}


@pytest.mark.parametrize("loss", [0.0, 0.004, 0.005, 0.01, 0.015, 0.03, 0.2])
def test_admissible_sets_respect_the_threshold(loss):
    d, _, _ = _design(loss)
    norm = {frozenset(int(n[1]) for n in k): v / 100.0 for k, v in ACC.items()}
    for s in d.admissible:
        assert s == frozenset() or norm[s] >= 1 - loss - 1e-12
        assert s <= set(d.selected)
    for s, v in norm.items():
        if s and v >= 1 - loss and s <= set(d.selected):
            assert s in d.admissible
    for i in d.selected:
        assert any(i in s for s in d.admissible)


def test_no_gain_means_no_variant():
    # the variant is slower than the original on the non-preferred accelerator
    cost = _lat([1, 1, 1, 1], [2, 2, 2, 2], [5, 5, 5, 5], [5, 5, 5, 5])
    d, _, _ = _design(cost=cost)
    assert d.selected == () and d.admissible == {frozenset()}


def test_homogeneous_platform_has_no_gap():
    plat = Platform(
        "two_ws", (Accelerator("a", Dataflow.WS, 256), Accelerator("b", Dataflow.WS, 256))
    )
    sc = scenario_of(load_paper_model("resnet50"))
    acc, _ = resolve_accuracy(sc)
    tables = build_cost_tables(
        sc, plat, FakeCost(), variant_shapes={"ResNet50": acc["ResNet50"].candidates}
    )
    d = design_task(tables["ResNet50"], acc["ResNet50"])
    assert not d.gap_s.any() and d.selected == ()


def test_layer_gaps_without_variants():
    sc = scenario_of(_model())
    tab = build_cost_tables(sc, ws_os(), _lat([1, 2, 3, 4], [2, 1, 3, 5]))["net"]
    gap, after, gain = layer_gaps(tab)
    np.testing.assert_allclose(gap, [1, 1, 0, 1])
    assert np.isnan(after).all() and np.isnan(gain).all()


def test_user_tables_match_by_name_and_errors_name_the_layer():
    sc = scenario_of(_model())
    acc, notes = resolve_accuracy(sc, {"NET": _table(ACC), "zzz": _table({(): 1.0})})
    assert "net" in acc and not acc["net"].bundled
    assert notes == ["accuracy table for 'zzz' matches no task of the scenario"]
    with pytest.raises(InputError, match="has no layer 'nope'"):
        resolve_accuracy(sc, {"net": _table({(): 1.0, ("nope",): 0.9})})
    odd = Model("net", (conv("l0", k=10, c=10),))
    with pytest.raises(VariantError, match="'l0' has no variant"):
        resolve_accuracy(scenario_of(odd), {"net": _table({(): 1.0, ("l0",): 0.9})})
    dotted = Model("net", (conv("a_b"),))
    acc, _ = resolve_accuracy(scenario_of(dotted), {"net": _table({(): 1.0, ("a.b",): 0.9})})
    assert acc["net"].normalized[frozenset({0})] == pytest.approx(0.9)


def test_bundled_tables_follow_paper_models_only():
    models = [load_paper_model(n) for n in PAPER_MODELS]
    sc = scenario_of(*models, Model("ES_RITNet", (conv("x"),)))
    acc, notes = resolve_accuracy(sc)
    assert set(acc) == {m.name for m in models} and notes == []
    assert all(a.bundled for a in acc.values())
    # a model named like a paper model but with other layers gets no variants, with a note
    fake = Model("resnet50", (conv("x"),))
    acc, notes = resolve_accuracy(scenario_of(fake))
    assert acc == {} and "bundled accuracy table not used" in notes[0]
    assert resolve_accuracy(scenario_of(*models), use_bundled=False)[0] == {}


def test_bad_threshold():
    with pytest.raises(InputError, match="accuracy_loss"):
        _design(loss=1.5)
