import numpy as np
import pytest

from terastal.cost.tables import build_cost_tables
from terastal.errors import InputError
from terastal.model import Model, Scenario, Task
from terastal.planner.accuracy import AccuracyTable
from terastal.planner.budgets import compute_budgets, lp_mapping, split_budget
from terastal.planner.design import design_task, resolve_accuracy
from terastal.planner.paper import PAPER_MODELS, load_paper_model
from test_planner_support import FakeCost, TableCost, conv, ws_os


def _setup(lat, vlat=None, acc=None, fps=1.0, loss=0.02, tasks=None):
    """One task 'net' of len(lat) layers; lat/vlat = [(ws, os), ...]."""
    model = Model("net", tuple(conv(f"l{i}") for i in range(len(lat))))
    table = {}
    for i, (a, b) in enumerate(lat):
        table[(f"l{i}", "ws")], table[(f"l{i}", "os")] = a, b
    for i, (a, b) in enumerate(vlat or []):
        table[(f"l{i}_variant", "ws")], table[(f"l{i}_variant", "os")] = a, b
    sc = Scenario("s", tasks or (Task("net", model, fps=fps, deadline_s=0.5),))
    user = {"net": AccuracyTable("net", "x", acc)} if acc else None
    accuracy, _ = resolve_accuracy(sc, user, use_bundled=False)
    cands = {k: dict(v.candidates) for k, v in accuracy.items()}
    tables = build_cost_tables(sc, ws_os(), TableCost(table), variant_shapes=cands)
    designs = {t.name: design_task(tables[t.name], accuracy.get(t.name), loss) for t in sc.tasks}
    return sc, tables, designs, accuracy


def test_split_budget_sums_to_the_deadline():
    b, off = split_budget(np.array([1.0, 3.0, 0.0, 4.0]), 0.08)
    np.testing.assert_allclose(b, [0.01, 0.03, 0.0, 0.04])
    assert off[-1] == 0.08 and np.all(np.diff(off) >= 0)
    b, off = split_budget(np.zeros(4), 1.0)
    np.testing.assert_allclose(b, 0.25)


def test_lp_balances_two_identical_layers():
    # all-preferred: WS load 2, OS 0; optimum moves half a layer: 2 - w = 3 w -> z = 1.5
    sc, tables, designs, acc = _setup([(1, 3), (1, 3)])
    share, vshare, expected, util = lp_mapping(sc, tables, designs, acc)
    np.testing.assert_allclose(util, [1.5, 1.5], rtol=1e-6)
    assert share["net"].sum() == pytest.approx(2.0)
    np.testing.assert_allclose(share["net"][:, 1].sum(), 0.5, rtol=1e-6)
    assert expected["net"].sum() == pytest.approx(3.0)  # 1.5 on WS + 0.5 * 3 on OS
    assert not vshare["net"].any()


def test_lp_uses_an_admissible_variant_when_it_relieves_the_bottleneck():
    acc = {(): 1.0, ("l0",): 0.99, ("l1",): 0.99}  # one variant per job at most
    sc, tables, designs, a = _setup([(1, 3), (1, 3)], [(1, 1), (1, 1)], acc)
    assert designs["net"].admissible == {frozenset(), frozenset({0}), frozenset({1})}
    _share, vshare, _expected, util = lp_mapping(sc, tables, designs, a)
    np.testing.assert_allclose(util, [1.0, 1.0], rtol=1e-6)
    assert vshare["net"].sum() == pytest.approx(1.0)  # convex hull of admissible sets


def test_lp_avoids_variants_when_they_do_not_help():
    acc = {(): 1.0, ("l0",): 0.99}
    sc, tables, designs, a = _setup([(1, 3), (3, 1)], [(1, 1), (1, 1)], acc)
    _, vshare, _, util = lp_mapping(sc, tables, designs, a)
    assert not vshare["net"].any()
    np.testing.assert_allclose(util, [1.0, 1.0])


@pytest.mark.parametrize("policy", ["lp", "preferred", "mean"])
def test_budgets_sum_to_each_deadline(policy):
    models = [load_paper_model(n) for n in PAPER_MODELS]
    tasks = tuple(
        Task(m.name, m, fps=f, deadline_s=d)
        for m, f, d in zip(
            models, [30, 15, 10, 20, 30, 5], [None, 0.05, None, 0.04, 0.02, None], strict=True
        )
    )
    sc = Scenario("mix", tasks)
    acc, _ = resolve_accuracy(sc)
    tables = build_cost_tables(
        sc, ws_os(), FakeCost(), variant_shapes={k: v.candidates for k, v in acc.items()}
    )
    designs = {t.name: design_task(tables[t.name], acc.get(t.name)) for t in sc.tasks}
    res = compute_budgets(sc, tables, designs, policy, acc)
    assert res.policy == policy and res.note is None
    for t in sc.tasks:
        b, off = res.budget_s[t.name], res.deadline_offset_s[t.name]
        assert b.sum() == pytest.approx(t.relative_deadline_s, rel=1e-12)
        assert off[-1] == t.relative_deadline_s
        np.testing.assert_allclose(np.cumsum(b), off)
        assert (b >= 0).all()
        np.testing.assert_allclose(res.share[t.name].sum(axis=1), 1.0)
    if policy == "lp":
        assert res.utilization.max() <= res.preferred_utilization.max() + 1e-9


def test_preferred_and_mean_expectations():
    sc, tables, designs, _ = _setup([(1, 3), (2, 4)])
    pref = compute_budgets(sc, tables, designs, "preferred")
    np.testing.assert_allclose(pref.expected_latency_s["net"], [1, 2])
    np.testing.assert_allclose(pref.budget_s["net"], [0.5 / 3, 1.0 / 3])
    mean = compute_budgets(sc, tables, designs, "mean")
    np.testing.assert_allclose(mean.expected_latency_s["net"], [2, 3])
    np.testing.assert_allclose(mean.utilization, [1.5, 3.5])
    np.testing.assert_allclose(mean.preferred_utilization, [3, 0])
    with pytest.raises(InputError, match="unknown budget policy"):
        compute_budgets(sc, tables, designs, "fast")


def test_zero_rate_task_keeps_preferred_mapping():
    m = Model("net", (conv("l0"), conv("l1")))
    tasks = (Task("net", m, fps=1.0), Task("idle", m, fps=1.0, depends_on="net", probability=0.0))
    sc, tables, designs, acc = _setup([(1, 3), (1, 3)], tasks=tasks)
    res = compute_budgets(sc, tables, designs, "lp", acc)
    np.testing.assert_allclose(res.share["idle"][:, 0], 1.0)
    assert res.budget_s["idle"].sum() == pytest.approx(1.0)
