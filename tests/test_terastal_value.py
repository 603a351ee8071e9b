"""Which job a conflict sacrifices (option ``value_yield``): a long job of a frequent model
leaves its turn to a rarer model's job due earlier that its laxity key would make miss."""

from terastal.model import Scenario, Task
from terastal.model.job import IN_TIME
from terastal.schedulers import make_scheduler
from terastal.schedulers._terastal_value import _rem_on
from terastal.sim import check_invariants, simulate
from terastal.sim.synthetic import make_tables, tiny_model, tiny_platform


def _rare_and_frequent(duration_s=0.3, **opts):
    """Per model, (frames missed, frames counted) on one core: a frequent long model F (10 x
    1 ms every 12.5 ms, 12 ms deadline: 80 fps) and a rare one R (8 x 1 ms every 50 ms from
    2 ms, 17 ms deadline: 20 fps). R runs after an F job; the next F job, released 2.5 ms
    after that one ends, sorts by least laxity (10 ms left of 12) ahead of R (due 6.5 ms
    before it): one of the two must miss."""
    specs = [("F", 10, 80.0, 12e-3, 0.0), ("R", 8, 20.0, 17e-3, 2e-3)]
    sc = Scenario("s", tuple(
        Task(n, tiny_model(n, k), fps=f, deadline_s=d, phase_s=p) for n, k, f, d, p in specs
    ))  # fmt: skip
    tables = make_tables(sc.tasks, {n: [[1e-3]] * k for n, k, *_ in specs})
    sched = make_scheduler("terastal", group=0, **opts)
    res = simulate(sc, tiny_platform(1), tables, sched, duration_s=duration_s, record=True)
    check_invariants(res)
    out = {}
    for name, *_ in specs:
        jobs = [j for j in res.counted_jobs if j.task.name == name]
        out[name] = (sum(j.status != IN_TIME for j in jobs), len(jobs))
    return out


def test_the_rare_models_frame_is_kept_and_a_frequent_one_given_up():
    off, on = _rare_and_frequent(value_yield=0.0), _rare_and_frequent()
    # without the rule every R frame is lost to the F job that overtakes it by laxity
    assert off["R"][0] == off["R"][1] == 6 and off["F"][0] == 0
    # with it R's frames end in time and the F job after each is the one given up
    assert on["R"][0] == 0 and on["F"][0] == off["R"][0]
    # the metric: R's frames weigh 4 x F's, so the mean over models falls
    mean = {k: sum(m / n for m, n in v.values()) / 2 for k, v in (("off", off), ("on", on))}
    assert mean["on"] < mean["off"]


def test_models_released_less_than_k_x_apart_keep_the_laxity_order():
    # F is released 4 x as often as R: with k above 4 the rule leaves the order alone
    assert _rare_and_frequent(value_yield=4.5) == _rare_and_frequent(value_yield=0.0)


def test_work_left_per_core_is_the_suffix_sum_of_the_layers_there():
    st = type("S", (), {"chain": True, "lat": [[1.0, 2.0], [3.0, 5.0]], "rem_best": [4.0, 3.0]})
    assert _rem_on(st, 2) == [[4.0, 7.0], [3.0, 5.0]]
    st.chain = False  # a DAG: its best case left on every core
    assert _rem_on(st, 2) == [[4.0, 4.0], [3.0, 3.0]]
