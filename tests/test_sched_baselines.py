"""Hand-computed schedules of the bundled schedulers (times in ms)."""

import math

import pytest

from terastal.model import Scenario, Task
from terastal.schedulers import make_scheduler
from terastal.sim import check_invariants, simulate
from terastal.sim.synthetic import make_tables, random_case, tiny_model, tiny_platform

MS = 1e-3


def case(specs, latency, num_acc=2, bw=1e9, **tables_kw):
    tasks = tuple(Task(name, tiny_model(name, n), **kw) for name, n, kw in specs)
    lat = {k: [[x * MS for x in row] for row in v] for k, v in latency.items()}
    return Scenario("s", tasks), tiny_platform(num_acc, bw), make_tables(tasks, lat, **tables_kw)


def run(c, name, duration_ms=10, late="scheduler", **options):
    r = simulate(*c, make_scheduler(name, **options), duration_s=duration_ms * MS, late=late)
    check_invariants(r)
    return r


def log(r):
    return [(a, j, ly, round(s / MS, 9), round(e / MS, 9)) for a, j, ly, _, s, e, _ in r.log]


def statuses(r):
    return [j.status for j in r.counted_jobs]


def test_fcfs_preferred_mapping_keeps_per_accelerator_queues():
    # a and b prefer A0, c prefers A1: c runs at once although released last.
    spec = [("a", 1, {"fps": 100}), ("b", 1, {"fps": 100}), ("c", 1, {"fps": 100})]
    c = case(spec, {"a": [[2, 5]], "b": [[2, 5]], "c": [[5, 1]]})
    assert log(run(c, "fcfs")) == [(0, 0, 0, 0, 2), (1, 2, 0, 0, 1), (0, 1, 0, 2, 4)]


def test_edf_prefers_the_earlier_deadline_and_fcfs_the_earlier_release():
    spec = [
        ("a", 1, {"fps": 100, "deadline_s": 7 * MS}),
        ("b", 1, {"fps": 100, "deadline_s": 3 * MS}),
    ]
    c = case(spec, {"a": [[4, 10]], "b": [[2, 10]]})
    assert log(run(c, "edf")) == [(0, 1, 0, 0, 2), (0, 0, 0, 2, 6)]
    assert log(run(c, "fcfs")) == [(0, 0, 0, 0, 4), (0, 1, 0, 4, 6)]


def test_edf_earliest_finish_takes_a_slower_idle_accelerator_when_it_finishes_first():
    spec = [
        ("a", 1, {"fps": 100, "deadline_s": 7 * MS}),
        ("b", 1, {"fps": 100, "deadline_s": 9 * MS}),
    ]
    c = case(spec, {"a": [[4, 10]], "b": [[2, 3]]})
    assert log(run(c, "edf")) == [(0, 0, 0, 0, 4), (0, 1, 0, 4, 6)]
    assert log(run(c, "edf", mapping="earliest_finish")) == [(0, 0, 0, 0, 4), (1, 1, 0, 0, 3)]


def test_rm_orders_by_period_not_deadline():
    # a: period 10, deadline 20; b: period 20, deadline 5. RM runs a first; EDF runs b first.
    spec = [
        ("a", 1, {"fps": 100, "deadline_s": 20 * MS}),
        ("b", 1, {"fps": 50, "deadline_s": 5 * MS}),
    ]
    c = case(spec, {"a": [[3, 9]], "b": [[2, 9]]})
    assert log(run(c, "rm")) == [(0, 0, 0, 0, 3), (0, 1, 0, 3, 5)]
    assert log(run(c, "edf")) == [(0, 1, 0, 0, 2), (0, 0, 0, 2, 5)]


def test_rm_keeps_the_short_period_task_ahead_between_its_layers():
    # a: period 5, 2 x 1 ms; b: period 10, 3 ms. At 1 ms a's layer 1 still beats b.
    spec = [("a", 2, {"fps": 200}), ("b", 1, {"fps": 100})]
    c = case(spec, {"a": [[1, 9]] * 2, "b": [[3, 9]]})
    r = run(c, "rm")
    assert log(r) == [
        (0, 0, 0, 0, 1),
        (0, 0, 1, 1, 2),
        (0, 1, 0, 2, 5),
        (0, 2, 0, 5, 6),
        (0, 2, 1, 6, 7),
    ]
    assert statuses(r) == ["in_time"] * 3


def test_lst_runs_the_longer_job_first_when_its_slack_is_smaller():
    # a: 3 x 2 ms, deadline 9 (slack 3); b: 1 ms, deadline 5 (slack 4). At 2 ms a's slack is
    # 9 - 2 - 4 = 3 and b's 5 - 2 - 1 = 2: b runs.
    spec = [
        ("a", 3, {"fps": 10, "deadline_s": 9 * MS}),
        ("b", 1, {"fps": 10, "deadline_s": 5 * MS}),
    ]
    c = case(spec, {"a": [[2, 9]] * 3, "b": [[1, 9]]})
    r = run(c, "lst")
    assert log(r) == [(0, 0, 0, 0, 2), (0, 1, 0, 2, 3), (0, 0, 1, 3, 5), (0, 0, 2, 5, 7)]
    assert statuses(r) == ["in_time", "in_time"]


def test_lst_orders_by_slack():
    # a: 2 x 4 ms, deadline 10 (slack 2); b: 1 ms, deadline 5 (slack 4): a goes first. At 4,
    # a's slack is 10 - 4 - 4 = 2 and b's 5 - 4 - 1 = 0, so b goes before a's layer 1.
    spec = [
        ("a", 2, {"fps": 10, "deadline_s": 10 * MS}),
        ("b", 1, {"fps": 10, "deadline_s": 5 * MS}),
    ]
    c = case(spec, {"a": [[4, 9], [4, 9]], "b": [[1, 9]]})
    r = run(c, "lst")
    assert log(r) == [(0, 0, 0, 0, 4), (0, 1, 0, 4, 5), (0, 0, 1, 5, 9)]
    assert statuses(r) == ["in_time", "in_time"]
    assert log(run(c, "edf"))[0] == (0, 1, 0, 0, 1)


def test_heft_ranks_big_jobs_first_and_maps_to_earliest_finish():
    # b (rank 6) goes first on A0 (tie with A1 -> lower index); a finishes first on A1.
    spec = [("a", 1, {"fps": 10}), ("b", 3, {"fps": 10})]
    c = case(spec, {"a": [[2, 3]], "b": [[2, 2]] * 3})
    assert log(run(c, "heft")) == [
        (0, 1, 0, 0, 2),
        (1, 0, 0, 0, 3),
        (0, 1, 1, 2, 4),
        (0, 1, 2, 4, 6),
    ]


@pytest.mark.parametrize(("out_bytes", "second_acc"), [(0.0, 1), (1e6, 0)])
def test_heft_counts_the_transfer_when_moving(out_bytes, second_acc):
    # Layer 1 is 0.5 ms on A1 vs 1 ms on A0, but moving 1 MB at 1 GB/s costs 1 ms.
    c = case([("t", 2, {"fps": 10})], {"t": [[1, 1], [1, 0.5]]}, out_bytes={"t": [out_bytes, 0]})
    r = run(c, "heft")
    assert [x[0] for x in r.log] == [0, second_acc]
    assert r.jobs[0].finish == pytest.approx((1.5 if second_acc else 2.0) * MS)


def _dream_case():
    # a: 4 layers of 1 ms on A0 (5 on A1), relaxed; c: 1 ms, released at 1.5, deadline 2 ms.
    spec = [
        ("a", 4, {"fps": 10}),
        ("c", 1, {"fps": 10, "phase_s": 1.5 * MS, "deadline_s": 2 * MS}),
    ]
    return case(spec, {"a": [[1, 5]] * 4, "c": [[1, 5]]})


def test_dream_blocks_keep_the_accelerator_and_hopeless_frames_are_dropped():
    c = _dream_case()
    r = run(c, "dream", preset="paper", block=4)
    # a holds A0 for its whole block; c waits (A1 is too slow) and at 3 ms can no longer make
    # its 3.5 ms deadline, so it is dropped.
    assert log(r) == [(0, 0, 0, 0, 1), (0, 0, 1, 1, 2), (0, 0, 2, 2, 3), (0, 0, 3, 3, 4)]
    assert statuses(r) == ["in_time", "dropped"]
    assert r.jobs[1].finish == pytest.approx(3 * MS)
    # Under 'keep' DREAM does not drop: c runs late.
    assert statuses(run(c, "dream", preset="paper", block=4, late="keep")) == ["in_time", "late"]


def test_dream_without_blocks_lets_the_urgent_job_in():
    r = run(_dream_case(), "dream", preset="paper", block=1)
    # At 2 ms c (urgency 1/1.5, waited 0.5 ms) outscores a's next layer.
    assert log(r)[2] == (0, 1, 0, 2, 3)
    assert statuses(r) == ["in_time", "in_time"]


def test_dream_drops_frames_that_cannot_make_it_even_alone():
    c = case([("a", 1, {"fps": 100, "deadline_s": 3 * MS})], {"a": [[5, 9]]})
    r = run(c, "dream")
    assert statuses(r) == ["dropped"] and r.dispatches == 0


def test_dream_weights_adapt_towards_urgency_under_misses():
    sched = make_scheduler("dream", preset="paper", window=8)
    r = simulate(*random_case(1, load=1.8), sched, duration_s=0.5, late="keep")
    check_invariants(r)
    assert sched.history
    w_u, w_f, w_e = sched.history[-1][1:]
    assert math.isclose(w_u + w_f + w_e, 1.0)
    assert w_u > 0.5  # misses above target push the urgency weight up
    fixed = make_scheduler("dream", preset="paper", adapt=False)
    simulate(*random_case(1, load=1.8), fixed, duration_s=0.5, late="keep")
    assert fixed.history == [] and fixed.weights == [0.5, 0.25, 0.25]


def test_unknown_options_and_mappings_are_rejected():
    from terastal.errors import InputError

    with pytest.raises(InputError, match="unknown option"):
        make_scheduler("edf", mappin="preferred")
    with pytest.raises(InputError, match="mapping"):
        make_scheduler("fcfs", mapping="random")
    with pytest.raises(InputError, match="unknown scheduler"):
        make_scheduler("nope")
