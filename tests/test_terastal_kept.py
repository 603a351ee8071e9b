"""Where a kept hopeless cascade parent may run (Terastal option ``kept_core``)."""

import pytest

from terastal.model import Scenario, Task
from terastal.schedulers import make_scheduler
from terastal.sim import check_invariants, simulate
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform

MS = 1e-3


def kept_case():
    # Two cores. up (3 ms on core 0, deadline 1 ms) is hopeless from its release: kept for its
    # child down. x runs layer 0 on core 1 (0-1 ms) and needs core 0 for layer 1 (1 ms there,
    # 10 ms on core 1; deadline 2.5 ms). z frees core 0 at 0.5 ms, while x's layer 0 runs.
    spec = [
        ("up", 1, {"fps": 100, "deadline_s": 1 * MS}),
        ("down", 1, {"fps": 100, "deadline_s": 4 * MS, "depends_on": "up"}),
        ("x", 2, {"fps": 100, "deadline_s": 2.5 * MS}),
        ("z", 1, {"fps": 100, "deadline_s": 9 * MS}),
    ]
    lat = {"up": [[3, 30]], "down": [[0.5, 0.5]], "x": [[2, 1], [1, 10]], "z": [[0.5, 9]]}
    tasks = tuple(Task(name, tiny_model(name, n), **kw) for name, n, kw in spec)
    lat = {k: [[v * MS for v in row] for row in rows] for k, rows in lat.items()}
    return Scenario("s", tasks), tiny_platform(2, 1e9), make_tables(tasks, lat)


def outcome(**options):
    r = simulate(*kept_case(), make_scheduler("terastal", **options), duration_s=10 * MS,
                 late="scheduler")  # fmt: skip
    check_invariants(r)
    return {j.task.name: j.status for j in r.counted_jobs}


def test_a_kept_parent_takes_an_idle_core_that_a_running_job_needs_next_under_any():
    # at 0.5 ms up takes core 0 until 3.5 ms: x's layer 1 waits for it and misses
    assert outcome()["x"] != "in_time"


@pytest.mark.parametrize("rule", ["busy", "late"])
def test_a_kept_parent_leaves_the_core_a_running_job_needs_next(rule):
    # up waits for x's layer 1 (1-2 ms on core 0), then ends late and releases down in time
    assert outcome(kept_core=rule) == {"up": "late", "down": "in_time", "x": "in_time",
                                       "z": "in_time"}  # fmt: skip


def test_known_releases_alone_do_not_see_a_running_job():
    assert outcome(kept_core="known")["x"] != "in_time"
