"""Where a kept hopeless cascade parent may run (Terastal option ``kept_core``)."""

import pytest

from terastal.model import Scenario, Task
from terastal.schedulers import make_scheduler
from terastal.sim import check_invariants, simulate
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform

MS = 1e-3


def kept_case(x_slow=10):
    # Two cores. up (3 ms on core 0, deadline 1 ms) is hopeless from its release: kept for its
    # child down. x runs layer 0 on core 1 (0-1 ms) and needs core 0 for layer 1 (1 ms there,
    # 10 ms on core 1; deadline 2.5 ms). z frees core 0 at 0.5 ms, while x's layer 0 runs.
    spec = [
        ("up", 1, {"fps": 100, "deadline_s": 1 * MS}),
        ("down", 1, {"fps": 100, "deadline_s": 4 * MS, "depends_on": "up"}),
        ("x", 2, {"fps": 100, "deadline_s": 2.5 * MS}),
        ("z", 1, {"fps": 100, "deadline_s": 9 * MS}),
    ]
    lat = {"up": [[3, 30]], "down": [[0.5, 0.5]], "x": [[2, 1], [1, x_slow]], "z": [[0.5, 9]]}
    tasks = tuple(Task(name, tiny_model(name, n), **kw) for name, n, kw in spec)
    lat = {k: [[v * MS for v in row] for row in rows] for k, rows in lat.items()}
    return Scenario("s", tasks), tiny_platform(2, 1e9), make_tables(tasks, lat)


def run(x_slow=10, **options):
    r = simulate(*kept_case(x_slow), make_scheduler("terastal", **options), duration_s=10 * MS,
                 late="scheduler")  # fmt: skip
    check_invariants(r)
    return r


def outcome(**options):
    return {j.task.name: j.status for j in run(**options).counted_jobs}


def test_a_kept_parent_takes_an_idle_core_that_a_running_job_needs_next_under_any():
    # at 0.5 ms up takes core 0 until 3.5 ms: x's layer 1 waits for it and misses
    assert outcome(kept_core="any")["x"] != "in_time"


def test_the_default_holds_a_kept_layer_whose_delay_outweighs_the_idle_time():
    assert outcome() == outcome(kept_core="gap")
    assert outcome()["x"] == "in_time"


@pytest.mark.parametrize("rule", ["busy", "gap", "late", "stay", "need"])
def test_a_kept_parent_leaves_the_core_a_running_job_needs_next(rule):
    # up waits for x's layer 1 (1-2 ms on core 0), then ends late and releases down in time
    assert outcome(kept_core=rule) == {"up": "late", "down": "in_time", "x": "in_time",
                                       "z": "in_time"}  # fmt: skip


def test_known_releases_alone_do_not_see_a_running_job():
    assert outcome(kept_core="known")["x"] != "in_time"


def test_gap_leaves_the_core_only_when_the_delay_outweighs_the_idle_time():
    # up would delay x by 2.5 ms (x's layer ends at 1 ms, up's at 3.5 ms); waiting idles core
    # 0 for 0.5 ms: held at ratio 1, not at ratio 10 (2.5 <= 5 ms), when x misses again
    assert outcome(kept_core="gap", kept_ratio=1.0)["x"] == "in_time"
    assert outcome(kept_core="gap", kept_ratio=10.0)["x"] != "in_time"


@pytest.mark.parametrize("rule", ["late", "need"])
def test_the_slack_margin_moves_the_mark_waiting_is_measured_against(rule):
    # waiting, x would end at 4.5 ms: past its deadline (2.5 ms) and past any margin
    assert outcome(kept_core=rule, kept_slack=0.5)["x"] == "in_time"


@pytest.mark.parametrize("rule", ["stay", "need"])
def test_stay_holds_only_for_a_job_that_misses_on_its_own_core(rule):
    # x's layer 1 takes 1.2 ms on core 1: x ends in time there (2.2 ms), so up keeps core 0
    # from 0.5 ms (ends 3.5 ms); busy holds it for x's faster layer (ends 2 + 3 = 5 ms)
    def up_end(**options):
        return {j.task.name: j.finish for j in run(1.2, **options).counted_jobs}["up"] / MS

    assert up_end(kept_core=rule) == pytest.approx(3.5)
    assert up_end(kept_core="busy") == pytest.approx(5.0)
