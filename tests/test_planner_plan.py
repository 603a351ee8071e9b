import json

import numpy as np
import pytest

from terastal.cost.tables import build_cost_tables
from terastal.errors import InputError
from terastal.model import Model, Scenario, Task
from terastal.planner import PLAN_VERSION, Plan, make_plan
from terastal.planner.paper import PAPER_MODELS, load_paper_model
from test_planner_support import FakeCost, conv, scenario_of, ws_os


@pytest.fixture(scope="module")
def mix():
    models = [load_paper_model(n) for n in PAPER_MODELS]
    tasks = [Task(m.name, m, fps=10.0) for m in models]
    tasks.append(Task("plain", Model("plain", (conv("a"), conv("b"))), fps=30.0))
    return Scenario("mix", tuple(tasks))


@pytest.fixture(scope="module")
def plan(mix):
    return make_plan(mix, ws_os(), FakeCost())


def test_plan_fields(plan, mix):
    assert plan.version == PLAN_VERSION == 1
    assert plan.accelerators == ("ws", "os") and plan.cost_model == "fake"
    assert plan.budget_policy == "lp" and plan.accuracy_loss == 0.02
    assert [t.name for t in plan.tasks] == [t.name for t in mix.tasks]
    for t, task in zip(plan.tasks, mix.tasks, strict=True):
        assert len(t.layers) == len(task.model.layers)
        assert sum(lp.budget_s for lp in t.layers) == pytest.approx(t.deadline_s)
        assert t.layers[-1].deadline_offset_s == t.deadline_s
        np.testing.assert_allclose(t.deadline_offsets_s, np.cumsum(t.budgets_s))
        assert frozenset() in t.admissible
        for s in t.admissible:
            assert s == frozenset() or t.accuracy[s] >= 0.98 - 1e-12
    plain = plan.task("plain")
    assert plain.variant_layers == () and plain.accuracy == {}
    assert plain.is_admissible(0) and not plain.is_admissible([0])
    with pytest.raises(KeyError):
        plan.task("nope")


def test_fast_queries(plan):
    res = plan.task("ResNet50")
    assert res.variant_layers
    assert res.accuracy_metric == "top5"
    assert res.accuracy_source.endswith("resnet50_combination_results.txt")
    first = res.variant_layers[0]
    bit = res.variant_bits[first]
    assert bit == 1 and res.has_variant(first) and res.mask([first]) == 1
    assert res.is_admissible(bit) and res.is_admissible({first})
    assert res.can_add(0, first)
    assert res.accuracy_of(bit) == res.accuracy_of([first]) == res.accuracy[frozenset({first})]
    assert res.accuracy_of(0) == 1.0 == res.accuracy_of([])
    # at 2 %, ResNet50 pairs are not admissible (the best pair loses 2.02 %)
    if len(res.variant_layers) > 1:
        second = res.variant_layers[1]
        assert not res.can_add(bit, second)
        assert not res.is_admissible([first, second])
        assert res.accuracy_of([first, second]) is not None  # measured, just not admissible
    no_var = next(i for i in range(len(res.layers)) if not res.has_variant(i))
    assert not res.can_add(0, no_var) and res.variant_bits[no_var] == 0
    with pytest.raises(ValueError, match="has no variant"):
        res.mask([no_var])
    assert not res.is_admissible([no_var])
    for m in res.admissible_masks:
        assert res.accuracy_of(m) >= 0.98


def test_variant_shapes_feed_the_cost_tables(plan, mix):
    shapes = plan.variant_shapes()
    assert "plain" not in shapes
    for name, layers in shapes.items():
        t = plan.task(name)
        assert sorted(layers) == sorted(t.variant_layers)
    tables = build_cost_tables(mix, ws_os(), FakeCost(), variant_shapes=shapes)
    for t in plan.tasks:
        tab = tables[t.name]
        for i in range(tab.num_layers):
            assert tab.has_variant(i) == t.has_variant(i)
            assert tuple(tab.latency_s[i]) == pytest.approx(t.layers[i].latency_s)


def test_json_round_trip(plan, tmp_path):
    text = plan.to_json()
    again = Plan.from_json(text)
    assert again == plan
    assert again.to_json() == text
    path = tmp_path / "sub" / "plan.json"
    plan.to_json(path)
    loaded = Plan.load(path)
    assert loaded == plan
    t = loaded.task("ResNet50")
    assert t.admissible_masks == plan.task("ResNet50").admissible_masks
    assert json.loads(text)["version"] == 1
    assert list(tmp_path.joinpath("sub").iterdir()) == [path]  # no temporary left behind


def _corrupt(plan, edit):
    d = plan.to_dict()
    edit(d)
    return json.dumps(d)


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda d: d.update(version=2), r"field 'version': unsupported plan version 2"),
        (lambda d: d.pop("scenario"), r"field 'scenario': missing"),
        (
            lambda d: d["tasks"][0]["layers"][3].update(budget_s="x"),
            r"field 'tasks\[0\].layers\[3\].budget_s': expected a finite number, got str",
        ),
        (
            lambda d: d["tasks"][0]["layers"][1].update(latency_s=[1.0]),
            r"field 'tasks\[0\].layers\[1\].latency_s': expected 2 values, got 1",
        ),
        (
            lambda d: d["tasks"][0]["layers"][1].update(preferred=5),
            r"field 'tasks\[0\].layers\[1\].preferred': accelerator index 5 out of range",
        ),
        (
            lambda d: d["tasks"][0]["layers"][2].update(index=7),
            r"field 'tasks\[0\].layers\[2\].index': expected 2, got 7",
        ),
        (
            lambda d: d["tasks"][0].update(variant_layers=[0]),
            r"field 'tasks\[0\].variant_layers\[0\]': layer 0 has no variant",
        ),
        (
            lambda d: d["tasks"][0].update(admissible=[[1]]),
            r"field 'tasks\[0\].admissible\[0\]': uses layers without variant",
        ),
        (
            lambda d: d["tasks"][0]["layers"][0].update(variant={"name": "v"}),
            r"field 'tasks\[0\].layers\[0\].variant.kind': missing",
        ),
        (lambda d: d.update(tasks=[d["tasks"][0], d["tasks"][0]]), r"duplicate task names"),
        # values the reader's fast path (exact types, finite floats) must leave to the checks
        (
            lambda d: d["tasks"][0]["layers"][3].update(budget_s=True),
            r"field 'tasks\[0\].layers\[3\].budget_s': expected a finite number, got bool",
        ),
        (
            lambda d: d["tasks"][0]["layers"][3].update(gap_s=float("inf")),
            r"field 'tasks\[0\].layers\[3\].gap_s': expected a finite number, got float",
        ),
        (
            lambda d: d["tasks"][0]["layers"][1].update(latency_s=[1.0, float("nan")]),
            r"field 'tasks\[0\].layers\[1\].latency_s\[1\]': expected a finite number, got float",
        ),
        (
            lambda d: d["tasks"][0]["layers"][2].update(index=2.0),
            r"field 'tasks\[0\].layers\[2\].index': expected an integer, got float",
        ),
        (
            lambda d: d["tasks"][0].update(name=3.0),
            r"field 'tasks\[0\].name': expected a string, got float",
        ),
    ],
)
def test_load_errors_name_the_field(plan, edit, match):
    with pytest.raises(InputError, match=match):
        Plan.from_json(_corrupt(plan, edit), "p.json")


def test_load_takes_integers_as_floats(plan):
    d = plan.to_dict()
    d["tasks"][0]["layers"][0].update(budget_s=1, latency_s=[1, 2.0])
    lp = Plan.from_dict(d).tasks[0].layers[0]
    assert type(lp.budget_s) is float and lp.budget_s == 1.0
    assert [type(x) for x in lp.latency_s] == [float, float] and lp.latency_s == (1.0, 2.0)


def test_load_bad_files(tmp_path):
    with pytest.raises(InputError, match="plan not found"):
        Plan.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{\n  nope")
    with pytest.raises(InputError, match=r"bad.json:2: invalid JSON"):
        Plan.load(bad)


def test_check_against_scenario_and_platform(plan, mix):
    plan.check(mix, ws_os())
    with pytest.raises(InputError, match="accelerators"):
        plan.check(mix, ws_os().__class__("p", ws_os().accelerators[::-1]))
    other = scenario_of(Model("zz", (conv("a"),)))
    with pytest.raises(InputError, match="no task 'zz'"):
        plan.check(other, ws_os())


@pytest.mark.parametrize("policy", ["preferred", "mean"])
def test_ablation_policies(mix, policy):
    p = make_plan(mix, ws_os(), FakeCost(), budgets=policy)
    assert p.budget_policy == policy
    for t in p.tasks:
        assert t.budgets_s.sum() == pytest.approx(t.deadline_s)
        if policy == "preferred":
            lat = np.array([lp.latency_s for lp in t.layers])
            np.testing.assert_allclose(t.expected_latencies_s, lat.min(axis=1))
            np.testing.assert_array_equal(t.preferred, lat.argmin(axis=1))


def test_threshold_and_user_tables(mix, tmp_path):
    strict = make_plan(mix, ws_os(), FakeCost(), accuracy_loss=0.0, accuracy_ceiling=None)
    assert all(t.admissible == (frozenset(),) for t in strict.tasks)
    assert strict.variant_shapes() == {}
    # Under the default per-job ceiling, layers of stronger combinations get variants for a
    # budget-spending scheduler, but no combination becomes admissible.
    budget = make_plan(mix, ws_os(), FakeCost(), accuracy_loss=0.0)
    assert all(t.admissible == (frozenset(),) for t in budget.tasks)
    assert budget.task("ResNet50").variant_layers
    assert all(v.variant_share == 0 for t in budget.tasks for v in t.layers)
    with pytest.raises(InputError, match="accuracy_ceiling"):
        make_plan(mix, ws_os(), FakeCost(), accuracy_ceiling=1.5)
    with pytest.raises(InputError, match="target_utilization"):
        make_plan(mix, ws_os(), FakeCost(), target_utilization=-1)
    loose = make_plan(mix, ws_os(), FakeCost(), accuracy_loss=0.05)
    assert len(loose.task("ResNet50").admissible) > 5
    f = tmp_path / "acc.csv"
    f.write_text("model,variants,top1\nplain,,70\nplain,a,69.5\nplain,a;b,60\n")
    p = make_plan(mix, ws_os(), FakeCost(), accuracy_tables=f, use_bundled=False)
    assert p.task("ResNet50").accuracy == {}
    plain = p.task("plain")
    assert plain.accuracy_metric == "top1" and plain.accuracy_source == str(f)
    assert plain.accuracy[frozenset({0})] == pytest.approx(69.5 / 70)
    with pytest.raises(InputError, match="accuracy_loss"):
        make_plan(mix, ws_os(), FakeCost(), accuracy_loss=-0.1)
    with pytest.raises(InputError, match="unknown budget policy"):
        make_plan(mix, ws_os(), FakeCost(), budgets="nope")
    f.write_text("model,variants,top1\nplain,,70\nplain,zz,69\n")
    with pytest.raises(InputError, match="has no layer 'zz'"):
        make_plan(mix, ws_os(), FakeCost(), accuracy_tables=f)


def test_identical_cores_share_the_preferred_load(mix):
    from terastal.model import Accelerator, Dataflow, Platform

    quad = Platform(
        "quad",
        tuple(
            Accelerator(f"a{i}", Dataflow.WS if i % 2 == 0 else Dataflow.OS, 512) for i in range(4)
        ),
    )
    p = make_plan(mix, quad, FakeCost())
    pu = p.preferred_utilization
    assert pu[0] == pytest.approx(pu[2]) and pu[1] == pytest.approx(pu[3])
    for t in p.tasks:
        for lp in t.layers:
            assert lp.preferred in lp.preferred_set
            assert lp.latency_s[lp.preferred] == min(lp.latency_s)
    assert max(p.utilization) <= max(pu) + 1e-9


def test_plan_pickles_for_worker_processes(plan):
    import pickle

    again = pickle.loads(pickle.dumps(plan))
    assert again == plan
    t = again.task("ResNet50")
    assert t.admissible_masks == plan.task("ResNet50").admissible_masks
    with pytest.raises(TypeError, match="read-only"):
        t.accuracy[frozenset()] = 0.5


_ODD_VALUES = (None, 0, 1, -1, 5, True, 0.5, -0.0, float("nan"), float("inf"), "x", [], [0.5],
               [0.5, 0.25], [1, 0.5], [0.5, float("nan")], {"name": "v"})  # fmt: skip


def test_plain_layer_reader_agrees_with_the_checked_one(plan):
    """The one-pass reader of a stored plan's layers builds what the checked reader builds,
    or declines (then the checked reader runs and names the error); on every field of every
    layer set to odd values, or missing."""
    from terastal.errors import InputError
    from terastal.planner.plan import LayerPlan
    from terastal.planner.serialize import _checked_layer_plan, _plain_layer_plan, _Reader

    def both(ld, li):
        fast = _plain_layer_plan(LayerPlan, ld, li, 2)
        try:
            slow = _checked_layer_plan(LayerPlan, _Reader("p.json"), ld, "l", li, 2)
        except InputError:
            slow = "error"
        if fast is not None:
            assert slow != "error" and fast == slow and repr(fast) == repr(slow)
            assert [type(getattr(fast, f)) for f in fast.__dataclass_fields__] == [
                type(getattr(slow, f)) for f in slow.__dataclass_fields__
            ]
        return fast

    taken = 0
    for t in plan.to_dict()["tasks"]:
        for li, ld in enumerate(t["layers"]):
            taken += both(ld, li) is not None
            for key in ld:
                both({k: v for k, v in ld.items() if k != key}, li)
                for odd in _ODD_VALUES:
                    both({**ld, key: odd}, li)
    assert taken > 10  # the plain reader does read a made plan's layers
