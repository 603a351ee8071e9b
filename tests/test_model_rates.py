"""A task's expected release rate and its cascade's root, one definition for every reader."""

import numpy as np
import pytest

from terastal.cost.tables import build_cost_tables
from terastal.errors import InputError
from terastal.experiment.plans import check_plan
from terastal.model import Model, Scenario, Task, ancestors, dependency_cycle, release_rates
from terastal.planner import make_plan
from terastal.planner.budgets import fastest_share, preferred_utilization
from terastal.workloads import measure_load
from test_planner_support import FakeCost, conv, ws_os


def _model(name: str) -> Model:
    return Model(name, (conv(f"{name}0", k=256, c=256, y=8, x=8), conv(f"{name}1", k=8, c=8)))


def _cascade(child_fps: float = 100.0) -> Scenario:
    """``det`` at 100 fps triggers ``kp`` with probability 0.5, whose completion triggers
    ``cls`` with probability 0.4; ``cls``'s own fps only sets its deadline."""
    return Scenario(
        "two_level",
        (
            Task("det", _model("det"), fps=100.0),
            Task("kp", _model("kp"), fps=100.0, depends_on="det", probability=0.5),
            Task("cls", _model("cls"), fps=child_fps, depends_on="kp", probability=0.4),
        ),
    )


def test_a_two_level_cascade_runs_at_the_root_fps_times_both_probabilities():
    assert release_rates(_cascade().tasks) == pytest.approx({"det": 100.0, "kp": 50.0, "cls": 20.0})
    # the child's own fps (its deadline) does not change how often it is released
    assert release_rates(_cascade(child_fps=7.0).tasks)["cls"] == pytest.approx(20.0)
    # a root is released at its fps; the rates keep the tasks' order
    assert list(release_rates(_cascade().tasks)) == ["det", "kp", "cls"]


def test_the_planner_plans_a_two_level_cascade_at_the_product():
    sc = _cascade()
    plan = make_plan(sc, ws_os(), FakeCost())
    # fps x its own probability alone would give cls 40 Hz
    assert [tp.rate_hz for tp in plan.tasks] == pytest.approx([100.0, 50.0, 20.0])
    # the budget LP's load counts each task at that rate
    tables = build_cost_tables(sc, ws_os(), FakeCost())
    want = sum(
        r * (fastest_share(tables[n].latency_s) * tables[n].latency_s).sum(axis=0)
        for n, r in {"det": 100.0, "kp": 50.0, "cls": 20.0}.items()
    )
    np.testing.assert_allclose(preferred_utilization(sc, tables), want, rtol=1e-12)
    # and so does the utilization the suite scales to (the same function)
    assert measure_load(sc, tables).rates_hz == pytest.approx(release_rates(sc.tasks))


def test_a_plan_of_a_two_level_cascade_fits_its_own_scenario_only():
    sc = _cascade()
    plan = make_plan(sc, ws_os(), FakeCost())
    check_plan(plan, sc, ws_os(), FakeCost())  # the check reads the same rates
    cls = Task("cls", sc.tasks[2].model, fps=100.0, depends_on="kp", probability=0.8)
    other = Scenario("two_level", (*sc.tasks[:2], cls))
    with pytest.raises(InputError, match=r"'cls' was planned at 20 Hz, runs at 40 Hz here"):
        check_plan(plan, other, ws_os(), FakeCost())


def test_every_task_of_a_cascade_has_the_same_root():
    sc = _cascade()
    assert [sc.root(t.name).name for t in sc.tasks] == ["det", "det", "det"]
    with pytest.raises(KeyError):
        sc.root("nope")


def test_ancestors_walk_up_the_cascade_parent_first_root_last():
    sc = _cascade()
    assert [t.name for t in sc.ancestors("cls")] == ["kp", "det"]
    assert sc.ancestors("det") == ()
    with pytest.raises(KeyError):
        sc.ancestors("nope")
    # the function takes anything with name and depends_on (the work guard's scaled tasks)
    by_name = {t.name: t for t in sc.tasks}
    assert ancestors(by_name["kp"], by_name) == (by_name["det"],)


def test_dependency_cycle_names_the_loop_met_on_the_way_up():
    parent = {"a": "b", "b": "c", "c": "b", "d": None}
    assert dependency_cycle(parent, "a") == ("b", "c", "b")
    assert dependency_cycle(parent, "c") == ("c", "b", "c")
    assert dependency_cycle(parent, "d") is None
    assert dependency_cycle({"x": "y", "y": None}, "x") is None
