"""Offline bound on tiny hand-made instances whose optimum is obvious (times in ms)."""

import pytest

pytest.importorskip("ortools")

from terastal.bound import solve_bound
from terastal.model import Scenario, Task
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform

MS = 1e-3


def case(specs, latency, *, bw=1e9, **tables_kw):
    """specs: (name, layers, Task kwargs); latency: per task [layer][acc] in ms."""
    tasks = tuple(Task(name, tiny_model(name, n), **kw) for name, n, kw in specs)
    lat = {k: [[x * MS for x in row] for row in v] for k, v in latency.items()}
    var = tables_kw.pop("var_latency", None)
    if var is not None:
        var = {k: {i: [x * MS for x in row] for i, row in v.items()} for k, v in var.items()}
    tables = make_tables(tasks, lat, var_latency=var, **tables_kw)
    return Scenario("s", tasks), tiny_platform(2, bw), tables


def bound(sc, pf, tb, duration_ms, **kw):
    kw.setdefault("time_limit_s", 10)
    return solve_bound(sc, pf, tb, duration_ms * MS, 0, **kw).summary


def outcome(summary):
    return {(j["task"], j["frame"]): j["status"] for j in summary["jobs"]}


def test_two_jobs_that_cannot_share_one_core_miss_one():
    # Both need 2 ms on A0 by 3 ms; A1 takes 10 ms.
    spec = [(n, 1, {"fps": 100, "deadline_s": 3 * MS}) for n in ("a", "b")]
    s = bound(*case(spec, {"a": [[2, 10]], "b": [[2, 10]]}), 5)
    assert (s["missed_best"], s["missed_lower_bound"], s["optimal"]) == (1, 1, True)
    assert sorted(outcome(s).values()) == ["dropped", "in_time"]
    assert s["released"] == 2 and s["instance"]["jobs"] == 2


def test_second_core_saves_both():
    spec = [(n, 1, {"fps": 100, "deadline_s": 3 * MS}) for n in ("a", "b")]
    s = bound(*case(spec, {"a": [[2, 2.5]], "b": [[2, 2.5]]}), 5)
    assert (s["missed_best"], s["missed_lower_bound"], s["optimal"]) == (0, 0, True)
    assert sorted(j["accelerators"][0] for j in s["jobs"]) == [0, 1]


@pytest.mark.parametrize(("deadline", "missed"), [(3.0, 0), (2.5, 1)])
def test_transfer_time_counts(deadline, missed):
    # Staying on A0: 1 + 2 = 3 ms. Moving layer 1 to A1: 1 + 2 (transfer) + 1 = 4 ms; without
    # the transfer it would be 2 ms and both deadlines would look feasible.
    spec = [("t", 2, {"fps": 100, "deadline_s": deadline * MS})]
    tb = case(spec, {"t": [[1, 3], [2, 1]]}, bw=1e6, out_bytes={"t": [2000, 0]})
    s = bound(*tb, 5)
    assert (s["missed_best"], s["missed_lower_bound"], s["optimal"]) == (missed, missed, True)
    if not missed:
        assert s["jobs"][0]["accelerators"] == [0, 0]


def test_interleaving_beats_blocks_so_grouping_is_a_heuristic():
    # a: two 1 ms layers by 3 ms; b (released at 1 ms) must run exactly in [1, 2] ms.
    # Layer by layer: a0 [0,1], b [1,2], a1 [2,3]. As one block a cannot leave room for b.
    spec = [
        ("a", 2, {"fps": 100, "deadline_s": 3 * MS}),
        ("b", 1, {"fps": 100, "deadline_s": 1 * MS, "phase_s": 1 * MS}),
    ]
    tb = case(spec, {"a": [[1, 100], [1, 100]], "b": [[1, 100]]})
    exact = bound(*tb, 5)
    assert (exact["missed_best"], exact["missed_lower_bound"], exact["optimal"]) == (0, 0, True)
    grouped = bound(*tb, 5, group_layers=2)
    assert grouped["best_is_heuristic"] and grouped["missed_best"] == 1
    assert grouped["missed_lower_bound"] == 0 and not grouped["optimal"]
    assert grouped["instance"]["blocks"] == 2


def cascade(a_deadline_ms):
    # a releases b (probability 1) on completion; b can never meet its 1 ms deadline.
    spec = [
        ("a", 1, {"fps": 100, "deadline_s": a_deadline_ms * MS}),
        ("b", 1, {"fps": 100, "deadline_s": 1 * MS, "depends_on": "a"}),
    ]
    return case(spec, {"a": [[1, 1]], "b": [[5, 5]]})


def test_cascade_of_an_upstream_done_before_the_horizon_is_released():
    # a must end by 3 ms < horizon 5 ms: either a is dropped or b is released and missed.
    s = bound(*cascade(3), 5)
    assert (s["missed_best"], s["missed_lower_bound"], s["optimal"]) == (1, 1, True)
    assert s["instance"]["cascaded_jobs"] == 1


def test_upstream_completing_after_the_horizon_still_releases_its_child():
    # a may end after the 2 ms horizon and still meet its 10 ms deadline, but the engine then
    # releases b in the drain (and b always misses): ending a late saves nothing, one miss.
    s = bound(*cascade(10), 2)
    assert (s["missed_best"], s["missed_lower_bound"], s["optimal"]) == (1, 1, True)
    assert s["instance"]["cascaded_jobs"] == 1


VAR = {"t": {0: [1, 50], 1: [1, 50]}}


@pytest.mark.parametrize(
    ("admissible", "missed", "variants"),
    [
        ({frozenset({0}): 0.01, frozenset({1}): 0.01}, 1, None),
        ({frozenset({0}): 0.01, frozenset({1}): 0.01, frozenset({0, 1}): 0.03}, 0, [0, 1]),
    ],
)
def test_only_admissible_variant_combinations(admissible, missed, variants):
    # Original 2 + 2 ms, variants 1 ms each; deadline 2.5 ms needs both variants.
    spec = [("t", 2, {"fps": 100, "deadline_s": 2.5 * MS})]
    tb = case(spec, {"t": [[2, 50], [2, 50]]}, var_latency=VAR)
    s = bound(*tb, 5, admissible={"t": admissible})
    assert (s["missed_best"], s["optimal"]) == (missed, True)
    if variants is not None:
        assert s["jobs"][0]["variants"] == variants


def test_accuracy_loss_breaks_ties():
    # Deadline 3.5 ms: one variant is enough; layer 1's costs less accuracy.
    spec = [("t", 2, {"fps": 100, "deadline_s": 3.5 * MS})]
    tb = case(spec, {"t": [[2, 50], [2, 50]]}, var_latency=VAR)
    adm = {"t": {frozenset({0}): 0.05, frozenset({1}): 0.01}}
    s = bound(*tb, 5, admissible=adm)
    assert s["missed_best"] == 0 and s["jobs"][0]["variants"] == [1]
    assert s["accuracy_loss_model"] == pytest.approx(0.01)


def test_no_variants_without_plan():
    spec = [("t", 2, {"fps": 100, "deadline_s": 2.5 * MS})]
    s = bound(*case(spec, {"t": [[2, 50], [2, 50]]}, var_latency=VAR), 5)
    assert s["missed_best"] == 1 and s["optimal"]
