"""Terastal's whole-task core affinity without a plan (option ``affinity``)."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from terastal.experiment import Case, prepare
from terastal.model import Scenario, Task, release_rates
from terastal.model.costs import TaskCosts
from terastal.reproduce import family
from terastal.schedulers import make_scheduler
from terastal.schedulers._terastal_affinity import affine_homes, task_affinity
from terastal.schedulers._terastal_map import core_classes
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform
from terastal.testing.cases import missed_jobs, placements

MS = 1e-3
BOUND = Path(__file__).parent / "data" / "bound"


def _case(c_deadline_ms=0.7):
    """``s`` (every 1 ms, deadline 0.85 ms) runs 0.8 ms on core 0 and 0.82 ms on core 1
    (its first layer equal on both); ``c`` (every 2 ms from 0.3 ms, deadline 0.7 ms) runs
    0.6 ms on core 0 and 0.72 ms on core 1: it fits only on core 0, and only if it gets it
    at once. Core 0 is the fastest for both, so without affinity both live there."""
    tasks = (
        Task("s", tiny_model("s", 2), fps=1000.0, deadline_s=0.85 * MS),
        Task("c", tiny_model("c", 2), fps=500.0, deadline_s=c_deadline_ms * MS, phase_s=0.3 * MS),
    )
    lat = {
        "s": [[0.4 * MS, 0.4 * MS], [0.4 * MS, 0.42 * MS]],
        "c": [[0.3 * MS, 0.36 * MS], [0.3 * MS, 0.36 * MS]],
    }
    return Scenario("affinity", tasks), tiny_platform(2), make_tables(tasks, lat)


def _costs(sc, tables):
    return [TaskCosts(t, i, tables[t.name], 2, None) for i, t in enumerate(sc.tasks)]


def test_the_task_that_loses_least_moves_to_the_slower_class():
    sc, _, tables = _case()
    costs = _costs(sc, tables)
    # loads 0.8 + 0.3 on core 0; s (1.025 x slower on core 1) moves, c (1.2 x) stays
    assert task_affinity(costs, core_classes(costs, 2), 1.2) == [1, 0]


def test_a_task_moves_only_where_its_job_fits_and_pays_a_small_slowdown():
    sc, _, tables = _case()
    costs = _costs(sc, tables)
    classes = core_classes(costs, 2)
    # s's job (0.82 ms on core 1) within a 1.01 x slowdown bound: nobody moves
    assert task_affinity(costs, classes, 1.01) == [0, 0]
    # s's deadline below its job on core 1: it cannot move, and c's move would not lower
    # the highest load below s's 0.8 alone on core 0
    tight = Scenario("affinity", (Task("s", sc.tasks[0].model, fps=1000.0, deadline_s=0.81 * MS),
                                  sc.tasks[1]))  # fmt: skip
    assert task_affinity(_costs(tight, tables), classes, 1.2) == [0, 0]


def test_a_cascaded_task_counts_at_its_root_rate_times_the_probability():
    sc = prepare(Case(str(BOUND / "cascade.yaml"), str(BOUND / "ws_os.yaml")))
    costs = _costs(sc.scenario, sc.tables())
    rates = release_rates(c.task for c in costs)
    assert list(rates.values()) == pytest.approx([900.0, 450.0, 300.0])
    # seg (1.03 x slower on OS over its job) goes to OS; kp and cls stay on WS
    assert task_affinity(costs, core_classes(costs, 2), 1.2) == [1, 0, 0]


def test_homes_move_only_for_layers_within_the_slowdown_bound_and_two_classes():
    sc, _, tables = _case()
    costs = _costs(sc, tables)
    states = [SimpleNamespace(lat=c.lat, home=[(0,)] * c.num_layers) for c in costs]
    affine_homes(states, costs, [0, 0], 1.2)  # one class of cores: nothing to partition
    assert [st.home for st in states] == [[(0,), (0,)], [(0,), (0,)]]
    affine_homes(states, costs, [0, 1], 1.2)
    assert [st.home for st in states] == [[(1,), (1,)], [(0,), (0,)]]
    # s's second layer is 1.05 x slower on core 1: above a 1.04 bound it stays home; with
    # that bound s's job (1.025 x) still moves
    states = [SimpleNamespace(lat=c.lat, home=[(0,)] * c.num_layers) for c in costs]
    affine_homes(states, costs, [0, 1], 1.04)
    assert states[0].home == [(1,), (0,)]


def test_with_the_partition_the_job_that_needs_the_fast_core_gets_it():
    sc, plat, tables = _case()
    # the rule alone: the search over jobs released together plans such cases itself
    off = placements(sc, plat, tables, make_scheduler("terastal", group=0, affinity="off"), 0.002)
    on = placements(sc, plat, tables, make_scheduler("terastal", group=0), 0.002)
    # without: s's first job takes core 0 at time 0 and c, 0.3 ms later, fits on no core
    assert off.where[("s", 0)] == 0
    assert off.status["c"] != "in_time"
    # with: s lives on core 1 (0.82 ms for a 0.85 ms deadline), c on core 0
    assert on.where[("s", 0)] == 1 and on.where[("s", 1)] == 1
    assert on.where[("c", 0)] == 0 and on.where[("c", 1)] == 0
    assert on.status == {"s": "in_time", "c": "in_time"}


def test_on_the_cascade_bound_instance_fewer_jobs_miss():
    case = prepare(Case(str(BOUND / "cascade.yaml"), str(BOUND / "ws_os.yaml")))
    missed = {}
    for label in ("terastal-noaffinity", "terastal"):
        name, opts = family.config(label)
        missed[label] = missed_jobs(case, make_scheduler(name, **opts), duration_s=0.03, seed=0)
    assert missed["terastal"] < missed["terastal-noaffinity"]
