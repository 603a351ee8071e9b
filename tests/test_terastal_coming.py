"""The group search plans the jobs about to be released (option ``group_coming``)."""

from pathlib import Path

import pytest

from terastal.errors import InputError
from terastal.experiment import Case, prepare
from terastal.model import Scenario, Task
from terastal.reproduce import family
from terastal.schedulers import make_scheduler
from terastal.schedulers._terastal_coming import ASSUMPTIONS, Coming, assumed
from terastal.schedulers._terastal_search import Item
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform
from terastal.testing.cases import missed_jobs, placements

MS = 1e-3
BOUND = Path(__file__).parent / "data" / "bound"


def _case():
    """``l`` (no jitter, deadline 3 ms) is released at 0 alone and runs 1.0 ms on core 0,
    1.05 ms on core 1; ``k``'s job is due at 0 too but comes up to 0.2 ms later (jitter) and
    needs core 0 (0.6 ms there, 3 ms on core 1, deadline 1 ms). Knowing only ``l``, the
    search puts it on core 0, where it ends first, and ``k`` can no longer end in time."""
    tasks = (
        Task("l", tiny_model("l", 1), fps=50.0, deadline_s=3.0 * MS),
        Task("k", tiny_model("k", 1), fps=50.0, deadline_s=1.0 * MS, jitter_s=0.2 * MS),
    )
    lat = {"l": [[1.0 * MS, 1.05 * MS]], "k": [[0.6 * MS, 3.0 * MS]]}
    return Scenario("coming", tasks), tiny_platform(2), make_tables(tasks, lat)


def _run(seed, **opts):
    sc, plat, tables = _case()
    return placements(sc, plat, tables, make_scheduler("terastal", **opts), 0.005, seed=seed)


@pytest.mark.parametrize("seed", range(5))
def test_a_core_is_left_to_a_job_about_to_be_released_whenever_it_comes(seed):
    status, where = _run(seed)
    assert status == {"l": "in_time", "k": "in_time"}
    assert where[("l", 0)] == 1
    assert where[("k", 0)] == 0  # core 0 waited for it


@pytest.mark.parametrize("seed", range(5))
def test_without_the_rule_the_job_released_later_misses(seed):
    # (group_ahead off too: k, sure to be out before l would end on core 0, would make the
    # search hand l to the rules)
    status, where = _run(seed, group_coming=False, group_ahead=False)
    assert where[("l", 0)] == 0
    assert status["k"] != "in_time"


def test_the_jobs_coming_are_those_due_and_not_out():
    sc, _, tables = _case()
    from terastal.model.costs import TaskCosts

    costs = [TaskCosts(t, i, tables[t.name], 2, None) for i, t in enumerate(sc.tasks)]
    coming = Coming(costs, [1, 1], horizon=0.005)
    assert coming.tasks == [0, 1]
    # l has no jitter: it is never coming; k is, from its earliest release to its latest
    assert coming.due(0.0, ()) == [(0.2 * MS, 1)]
    assert coming.due(0.1 * MS, ()) == [(0.2 * MS, 1)]
    assert coming.due(0.2 * MS, ()) == []  # its latest release: it is out

    class _Job:
        task_index, frame = 1, 0

    assert coming.due(0.1 * MS, (_Job(),)) == []  # out (active): the next one is 20 ms away
    assert coming.due(20.1 * MS, ()) == []  # past the horizon
    # a task the search may not place is never looked at
    assert Coming(costs, [1, 0], horizon=0.005).tasks == [0]
    # the three assumptions: sure (latest, due from now), late, early
    d = 1.0 * MS
    got = [assumed([(0.2 * MS, 1)], 0.1 * MS, r, b, costs, Item)[0] for r, b in ASSUMPTIONS]
    assert [(it.ready, it.deadline) for it in got] == pytest.approx(
        [(0.2 * MS, 0.1 * MS + d), (0.2 * MS, 0.2 * MS + d), (0.1 * MS, 0.1 * MS + d)]
    )
    assert all(it.job is None and it.first == 0 for it in got)


def test_options_and_label():
    with pytest.raises(InputError, match="group_coming"):
        make_scheduler("terastal", group_coming="yes")
    assert family.config("terastal-nocoming") == ("terastal", {"group_coming": False})
    assert "terastal-nocoming" in family.EXTRA_ABLATIONS


def test_on_triple_over_ten_seeds_fewer_jobs_miss():
    case = prepare(Case(str(BOUND / "triple.yaml"), str(BOUND / "ws_os.yaml")))
    missed = {}
    for label in ("terastal-nocoming", "terastal"):
        name, opts = family.config(label)
        missed[label] = sum(
            missed_jobs(case, make_scheduler(name, **opts), duration_s=0.03, seed=seed)
            for seed in range(2, 12)
        )
    assert missed["terastal"] < missed["terastal-nocoming"]
