"""Terastal's search over the few jobs released together (options ``group``, ``group_nodes``)."""

from pathlib import Path

import pytest

from terastal.errors import InputError
from terastal.experiment import Case, prepare
from terastal.model import Scenario, Task
from terastal.model.costs import TaskCosts
from terastal.reproduce import family
from terastal.schedulers import make_scheduler
from terastal.schedulers._terastal_search import _LOSSLESS, _PLACED, Item, _search, searchable
from terastal.sim import check_invariants, simulate
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform
from terastal.testing.cases import missed_jobs, placements

MS = 1e-3
BOUND = Path(__file__).parent / "data" / "bound"


def _case(with_m=False):
    """Jobs released together at 0 on two cores.

    ``k`` (deadline 1 ms) runs 0.6 ms on either core; ``l`` (deadline 1.5 ms) runs 1.4 ms on
    core 0 and 3 ms on core 1: both meet their deadlines only if ``k`` leaves core 0 to
    ``l``. ``m`` (deadline 1 ms, 0.9 ms on either core) makes the three infeasible: ``l``
    needs core 0 from the start and ``k`` and ``m`` do not fit one after the other by 1 ms.
    """
    tasks = [
        Task("k", tiny_model("k", 1), fps=50.0, deadline_s=1.0 * MS),
        Task("l", tiny_model("l", 1), fps=50.0, deadline_s=1.5 * MS),
    ]
    lat = {"k": [[0.6 * MS, 0.6 * MS]], "l": [[1.4 * MS, 3.0 * MS]]}
    if with_m:
        tasks.append(Task("m", tiny_model("m", 1), fps=50.0, deadline_s=1.0 * MS))
        lat["m"] = [[0.9 * MS, 0.9 * MS]]
    return Scenario("together", tuple(tasks)), tiny_platform(2), make_tables(tasks, lat)


def _run(with_m=False, **opts):
    sc, plat, tables = _case(with_m)
    return placements(sc, plat, tables, make_scheduler("terastal", **opts), 0.005)


def test_the_earliest_deadline_leaves_the_fast_core_to_the_job_that_needs_it():
    status, where = _run()
    assert where[("k", 0)] == 1
    assert where[("l", 0)] == 0
    assert status == {"k": "in_time", "l": "in_time"}


def test_when_not_all_fit_the_latest_deadline_is_given_up_before_it_starts():
    status, where = _run(with_m=True)
    assert status == {"k": "in_time", "m": "in_time", "l": "dropped"}
    assert ("l", 0) not in where  # no core time spent on the job given up


def test_without_the_search_the_rules_decide():
    status, _ = _run(with_m=True, group=0)
    assert sum(s == "in_time" for s in status.values()) <= 2  # at best as many as the search
    # more active jobs than the search takes: the rules decide, as with group=0
    sc, plat, tables = _case(True)
    logs = []
    for opts in ({"group": 2}, {"group": 0}):
        res = simulate(sc, plat, tables, make_scheduler("terastal", **opts),
                       duration_s=0.005, record=True)  # fmt: skip
        logs.append([tuple(r) for r in res.log])
    assert logs[0] == logs[1]


def test_options_are_checked():
    with pytest.raises(InputError, match="group"):
        make_scheduler("terastal", group=-1)
    with pytest.raises(InputError, match="group_nodes"):
        make_scheduler("terastal", group_nodes=0)
    assert family.config("terastal-nogroup") == ("terastal", {"group": 0})


@pytest.mark.parametrize("nodes", [1, 300])
def test_a_small_node_budget_still_gives_a_valid_run(nodes):
    sc, plat, tables = _case(True)
    res = simulate(sc, plat, tables, make_scheduler("terastal", group_nodes=nodes),
                   duration_s=0.005)  # fmt: skip
    check_invariants(res)
    assert all(j.status != "active" for j in res.counted_jobs)


@pytest.mark.parametrize(
    "ablation, extra",
    # the search against its ablation; the known-release rule against its own, search off
    [("terastal-nogroup", {}), ("terastal-noahead", {"group": 0, "affinity": "off"})],
)
def test_on_the_triple_bound_instances_fewer_jobs_miss(ablation, extra):
    case = prepare(Case(str(BOUND / "triple.yaml"), str(BOUND / "ws_os.yaml")))
    for seed in (0, 1):
        missed = {}
        for label in (ablation, "terastal"):
            name, opts = family.config(label)
            sched = make_scheduler(name, **{**opts, **extra})
            missed[label] = missed_jobs(case, sched, duration_s=0.03, seed=seed)
        assert missed["terastal"] < missed[ablation]


class _Pol:
    def __init__(self, variants=True):
        self.variants, self.plan, self.group_light = variants, object(), 0.7


class _View:
    def __init__(self, costs):
        self.costs, self.num_accelerators = costs, 2


def _codes(fps, variants=True):
    tasks = (
        Task("k", tiny_model("k", 1), fps=fps),
        Task("v", tiny_model("v", 1), fps=fps),
        Task("p", tiny_model("p", 1), fps=fps),
        Task("d", tiny_model("d", 1), fps=fps, depends_on="p"),
    )
    lat = {t.name: [[1.0 * MS, 1.0 * MS]] for t in tasks}
    tables = make_tables(tasks, lat, var_latency={"v": {0: [0.5 * MS, 0.5 * MS]}})
    costs = [TaskCosts(t, i, tables[t.name], 2, None) for i, t in enumerate(tasks)]
    return searchable(_Pol(variants), _View(costs))


def test_variant_tasks_join_the_search_at_light_load_only_and_cascades_never():
    # load: 4 tasks x 1 ms x fps over 2 cores
    assert _codes(100.0) == [_PLACED, _LOSSLESS, 0, 0]  # load 0.2
    assert _codes(400.0) == [_PLACED, 0, 0, 0]  # load 0.8: the rules, with variants
    # judged by the task, not by the policy's variants switch: the no-variants ablation
    # places the same tasks as Terastal
    assert _codes(400.0, variants=False) == [_PLACED, 0, 0, 0]
    assert _codes(100.0, variants=False) == [_PLACED, _LOSSLESS, 0, 0]


def test_with_variant_tasks_the_search_gives_up_no_job():
    # the three-job case on which the search gives up l: not when one of them may run variants
    sc, _, tables = _case(True)
    costs = [TaskCosts(t, i, tables[t.name], 2, None) for i, t in enumerate(sc.tasks)]
    items = [Item(t.relative_deadline_s, 0, 0.0, -1, False, c, t.name) for t, c in
             zip(sc.tasks, costs, strict=True)]  # fmt: skip
    items.sort(key=lambda it: it.deadline)
    placed, dropped = _search(items, 0.0, [0.0, 0.0], 300)
    assert dropped == ["l"]
    assert {job for _, job, _, _ in placed} == {"k", "m"}
    assert _search(items, 0.0, [0.0, 0.0], 300, lossless=True) is None
    # two of them fit: the lossless search keeps its schedule
    got = _search(items[:2], 0.0, [0.0, 0.0], 300, lossless=True)
    assert got is not None and got[1] == []


def _slack_case():
    """Two jobs released together on two cores, each a single layer.

    ``a`` (deadline 1 ms) runs 0.4 ms on core 0 and 0.5 ms on core 1; ``b`` (deadline
    1.2 ms) 0.8 ms on core 0 and 1.2 ms on core 1. The first schedule (deadline, then
    finish order) puts ``a`` on core 0 and ends ``b`` at its deadline; ``a`` on core 1 and
    ``b`` on core 0 leaves both a third of their relative deadlines or more.
    """
    tasks = [
        Task("a", tiny_model("a", 1), fps=50.0, deadline_s=1.0 * MS),
        Task("b", tiny_model("b", 1), fps=50.0, deadline_s=1.2 * MS),
    ]
    lat = {"a": [[0.4 * MS, 0.5 * MS]], "b": [[0.8 * MS, 1.2 * MS]]}
    return Scenario("slack", tuple(tasks)), tiny_platform(2), make_tables(tasks, lat)


def _slack_items(sc, tables):
    costs = [TaskCosts(t, i, tables[t.name], 2, None) for i, t in enumerate(sc.tasks)]
    return [Item(t.relative_deadline_s, 0, 0.0, -1, False, c, t.name) for t, c in
            zip(sc.tasks, costs, strict=True)]  # fmt: skip


def _ends(placed, items):
    lat = {it.job: it.costs.latency_s[0] for it in items}
    return {job: (a, s + lat[job][a]) for s, job, _, a in placed}


def test_a_margin_keeps_slack_the_first_schedule_leaves_none():
    sc, _, tables = _slack_case()
    items = _slack_items(sc, tables)
    first, _ = _search(items, 0.0, [0.0, 0.0], 300)
    ends = _ends(first, items)
    assert ends["a"][0] == 0
    assert ends["b"][1] == pytest.approx(1.2 * MS)  # no slack left for b
    for margin in (0.1, 0.3):  # 0.3: found at half of it
        kept, dropped = _search(items, 0.0, [0.0, 0.0], 300, margin=margin)
        ends = _ends(kept, items)
        assert dropped == []
        assert ends["a"] == (1, pytest.approx(0.5 * MS))
        assert ends["b"] == (0, pytest.approx(0.8 * MS))


def test_without_a_schedule_with_the_margin_the_first_one_is_followed():
    sc, _, tables = _slack_case()
    items = _slack_items(sc, tables)
    # a due at 0.4 ms ends at its deadline in every schedule: no margin at any level
    tight = [items[0]._replace(deadline=0.4 * MS), items[1]]
    first = _search(tight, 0.0, [0.0, 0.0], 300)
    assert _search(tight, 0.0, [0.0, 0.0], 300, margin=0.5) == first
    assert first is not None and first[1] == []


def test_the_policy_follows_the_schedule_with_the_margin():
    sc, plat, tables = _slack_case()
    for margin, a_core, b_core in ((0.0, 0, 1), (0.1, 1, 0)):
        sched = make_scheduler("terastal", group_margin=margin)
        status, where = placements(sc, plat, tables, sched, 0.005)
        assert (where[("a", 0)], where[("b", 0)]) == (a_core, b_core)
        assert status == {"a": "in_time", "b": "in_time"}
    with pytest.raises(InputError, match="group_margin"):
        make_scheduler("terastal", group_margin=1.0)
    assert family.config("terastal-nomargin") == ("terastal", {"group_margin": 0.0})
