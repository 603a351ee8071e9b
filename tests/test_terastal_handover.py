"""Which planned layers ``group_ahead`` leaves to the rules (option ``group_ahead_fit``;
docs/design.md, "Known releases under the group search", "Which layers to leave")."""

import pytest

from terastal.model import Scenario, Task
from terastal.schedulers import make_scheduler
from terastal.schedulers._terastal_handover import elsewhere
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform
from terastal.testing.cases import placements

MS = 1e-3


def _case(on_1):
    """As in ``test_terastal_ahead_group``: ``v`` (released at 0, deadline 20 ms) is one layer
    of 2.0 ms on core 0 and ``on_1`` ms on core 1; ``s``, released at 0.5 ms (deadline 1 ms),
    takes 0.3 ms on core 0 and 3 ms on core 1. The group search plans ``v`` on core 0."""
    tasks = (
        Task("v", tiny_model("v", 1), fps=50.0, deadline_s=20 * MS),
        Task("s", tiny_model("s", 1), fps=50.0, deadline_s=1.0 * MS, phase_s=0.5 * MS),
    )
    lat = {"v": [[2.0 * MS, on_1 * MS]], "s": [[0.3 * MS, 3.0 * MS]]}
    return Scenario("handover", tasks), tiny_platform(2), make_tables(tasks, lat)


def _run(on_1, **opts):
    sc, plat, tables = _case(on_1)
    sched = make_scheduler("terastal", group_ahead=True, **opts)
    return placements(sc, plat, tables, sched, 0.005, 0)


def test_without_the_fit_every_blocking_layer_is_left_to_the_rules():
    # the rules move v to core 1 (1.1 x slower, within slow_ratio): s meets its deadline
    status, where = _run(2.2)
    assert where[("v", 0)] == 1
    assert status == {"v": "in_time", "s": "in_time"}


def test_a_layer_another_core_ends_within_the_fit_is_left_to_the_rules():
    status, where = _run(2.2, group_ahead_fit=1.2)  # 2.2 ms on core 1 <= 1.2 x 2.0 ms
    assert where[("v", 0)] == 1
    assert status == {"v": "in_time", "s": "in_time"}


@pytest.mark.parametrize("fit", [1.0, 1.05])
def test_a_layer_only_its_planned_core_runs_well_stays_in_the_schedule(fit):
    # 2.2 ms on core 1 > fit x 2.0 ms: the search's plan is followed, v on core 0
    status, where = _run(2.2, group_ahead_fit=fit)
    assert where[("v", 0)] == 0
    assert status["s"] != "in_time"


def test_elsewhere_counts_from_the_other_core_free_time():
    lat = (4.52, 2.64)  # the suite's vgg11 layer: 1.7 x faster on core 1
    assert elsewhere(lat, 0, [0.0, 0.085], 0.0, 1.0)  # ends at 2.725 <= 4.52
    assert not elsewhere(lat, 0, [0.0, 2.0], 0.0, 1.0)  # ends at 4.64 > 4.52
    assert elsewhere(lat, 0, [0.0, 2.0], 0.0, 1.1)
    assert not elsewhere((4.3, 10.0), 0, [0.0, 0.0], 0.0, 2.0)  # far slower on core 1
    assert elsewhere(lat, 0, [0.0, 0.0], 5.0, 1.0)  # a core free before now starts now


def test_the_option_is_checked():
    with pytest.raises(Exception, match="group_ahead_fit"):
        make_scheduler("terastal", group_ahead_fit=-1.0)


def test_the_rule_has_an_ablation_label_run_only_when_named():
    from terastal.reproduce import family

    assert family.config("terastal-groupaheadfit") == (
        "terastal",
        {"group_ahead": True, "group_ahead_fit": 1.2},
    )
    assert "terastal-groupaheadfit" in family.EXTRA_ABLATIONS
