"""Known releases under the group search (option ``group_ahead``) and a layer held for a busy
core (option ``hold_ratio``)."""

import pytest

from terastal.model import Scenario, Task
from terastal.schedulers import make_scheduler
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform
from terastal.testing.cases import placements

MS = 1e-3


def _group_case(jitter=0.0):
    """``v`` (released at 0, deadline 20 ms) is one layer of 2.0 ms on core 0, 2.2 ms on
    core 1. ``s``, released at 0.5 ms (deadline 1 ms), takes 0.3 ms on core 0 and 3 ms on
    core 1: it is in time only on core 0. At time 0 ``v`` is the only job: the group search
    plans it where it ends first, core 0, knowing nothing of ``s``."""
    tasks = (
        Task("v", tiny_model("v", 1), fps=50.0, deadline_s=20 * MS),
        Task("s", tiny_model("s", 1), fps=50.0, deadline_s=1.0 * MS, phase_s=0.5 * MS,
             jitter_s=jitter),
    )  # fmt: skip
    lat = {"v": [[2.0 * MS, 2.2 * MS]], "s": [[0.3 * MS, 3.0 * MS]]}
    return Scenario("group_ahead", tasks), tiny_platform(2), make_tables(tasks, lat)


def _run(jitter=0.0, seed=0, **opts):
    opts.setdefault("group_ahead", True)  # off by default (docs/design.md): on here
    sc, plat, tables = _group_case(jitter)
    return placements(sc, plat, tables, make_scheduler("terastal", **opts), 0.005, seed)


def test_the_search_alone_blocks_the_core_a_known_release_needs():
    status, where = _run(group_ahead=False)
    assert where[("v", 0)] == 0
    assert status == {"v": "in_time", "s": "dropped"}  # core 1 cannot end s in time


def test_the_search_hands_a_layer_that_would_block_a_known_release_to_the_rules():
    # s is sure to be out (0.5 ms) before v's layer would end on core 0 (2.0 ms) and needs
    # core 0 without bound (no slack on core 1): the rules decide, and the known-release
    # rule moves v to core 1 (1.1 x slower)
    status, where = _run()
    assert where[("v", 0)] == 1
    assert where[("s", 0)] == 0
    assert status == {"v": "in_time", "s": "in_time"}


def test_the_hand_over_needs_the_release_too():
    # without the known releases (lookahead 0) nothing tells the search about s
    status, where = _run(lookahead=0.0)
    assert where[("v", 0)] == 0
    assert status["s"] != "in_time"


@pytest.mark.parametrize("seed", [0, 1])
def test_a_release_that_may_come_after_the_layer_ends_is_not_handed_over(seed):
    # s may come up to 2 ms after 0.5 ms: not sure to be out before v ends on core 0
    _, where = _run(jitter=2.0 * MS, seed=seed)
    assert where[("v", 0)] == 0


def _hold_case():
    """``b`` holds core 1 until 0.1 ms. ``v`` (released at 0.01 ms, deadline 20 ms): layer 0
    takes 2.0 ms on core 0 and 2.3 ms on core 1, layer 1 0.1 ms on core 0. ``s`` as in
    :func:`_group_case`. Without the search, the rules send ``v`` to its idle home core 0 (its
    fastest class by the whole job)."""
    tasks = (
        Task("b", tiny_model("b", 1), fps=50.0, deadline_s=20 * MS),
        Task("v", tiny_model("v", 2), fps=50.0, deadline_s=20 * MS, phase_s=0.01 * MS),
        Task("s", tiny_model("s", 1), fps=50.0, deadline_s=1.0 * MS, phase_s=0.5 * MS),
    )
    lat = {
        "b": [[5.0 * MS, 0.1 * MS]],
        "v": [[2.0 * MS, 2.3 * MS], [0.1 * MS, 5.0 * MS]],
        "s": [[0.3 * MS, 3.0 * MS]],
    }
    return Scenario("hold", tasks), tiny_platform(2), make_tables(tasks, lat)


@pytest.mark.parametrize("hold", [0.0, 1.2])
def test_a_layer_waits_for_a_busy_core_that_frees_soon_rather_than_block_a_release(hold):
    sc, plat, tables = _hold_case()
    sched = make_scheduler("terastal", group=0, hold_ratio=hold)
    status, where = placements(sc, plat, tables, sched, 0.005, 0)
    if hold:
        # core 1 frees at 0.1 ms: v ends there at 2.4 ms, within 1.2 x of 2.0 ms on core 0
        assert where[("v", 0)] == 1
        assert status == {"b": "in_time", "v": "in_time", "s": "in_time"}
    else:
        assert where[("v", 0)] == 0
        assert status["s"] != "in_time"
