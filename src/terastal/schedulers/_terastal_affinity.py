"""Whole-task core affinity: without a plan, home cores from a partition of the tasks.

Without a plan a layer's home is its fastest class of cores, so every task piles onto the
fast class and the slower one serves whatever finds it idle. On the bound suite's
``cascade`` (docs/design.md, "Core affinity without a plan") the optimum keeps ``seg``, which
is nearly as fast on the OS core as on the WS core (1.03 x over the job), on OS and ``cls``
(1.2 x slower there) on WS; Terastal alternated ``seg``'s layers between the cores and pushed
``cls``'s long layer onto OS.

:func:`task_affinity` partitions the tasks over the core classes at reset, by comparative
advantage: starting from every task on its fastest class, it moves, while that lowers the
highest class load, the task with the least slowdown off the most loaded class (a task
moves only to a class where its whole job, alone, meets its deadline and takes at most
``slow_ratio`` x its time on the class it leaves: a job pays a small slowdown, never a large
one). :func:`affine_homes` then makes a moved task's class the home of each of its layers
that runs there at most ``slow_ratio`` x slower than on its fastest core, except for a layer
whose input lies outside that class (:func:`~terastal.schedulers._terastal_map.home_of`).
Everything else (waiting for the home, other cores when the home cannot meet the virtual
deadline) is the mapping as before. Computed once per run; a look-up per mapped layer.
"""

from __future__ import annotations

from terastal.model import release_rates

_EPS = 1e-12


def job_times(costs, classes: list[int]) -> list[list[float]]:
    """Per task, its job's time on one core of each class (the sum of its layers')."""
    rep = [classes.index(k) for k in range(max(classes) + 1)]
    return [[sum(row[a] for row in c.lat) for a in rep] for c in costs]


def fastest_class(times: list[float]) -> int:
    """The class where a job runs fastest (the lowest id on ties)."""
    return min(range(len(times)), key=times.__getitem__)


def task_affinity(costs, classes: list[int], max_ratio: float = float("inf")) -> list[int]:
    """Per task, the core class of the partition (see the module docstring).

    ``classes``: class id per core (cores with identical latency columns share one). A
    class's load is the sum of its tasks' rate (:func:`terastal.model.release_rates`) x
    job time on one of its cores, over its number of cores. A task moves only where its job
    takes at most ``max_ratio`` x as long.
    """
    n_cls = max(classes) + 1
    size = [classes.count(k) for k in range(n_cls)]
    rates = release_rates(c.task for c in costs).values()
    job = job_times(costs, classes)
    # share[i][k]: task i's load on class k, were it there
    share = [[r * t[k] / size[k] for k in range(n_cls)] for r, t in zip(rates, job, strict=True)]
    home = [fastest_class(t) for t in job]
    load = [0.0] * n_cls
    for i, k in enumerate(home):
        load[k] += share[i][k]
    while True:
        top = max(load)
        src = load.index(top)
        best = None
        for i, k in enumerate(home):
            if k != src:
                continue
            for k2 in range(n_cls):
                if k2 == k or job[i][k2] > costs[i].task.relative_deadline_s:
                    continue
                if job[i][k2] > max_ratio * job[i][k]:
                    continue
                moved = list(load)
                moved[k] -= share[i][k]
                moved[k2] += share[i][k2]
                ratio = job[i][k2] / job[i][k]
                if max(moved) < top - _EPS and (best is None or ratio < best[0]):
                    best = (ratio, i, k2)
        if best is None:
            return home
        _, i, k2 = best
        load[home[i]] -= share[i][home[i]]
        load[k2] += share[i][k2]
        home[i] = k2


def affine_homes(states, costs, classes: list[int], slow_ratio: float) -> None:
    """For each task the partition moved off its fastest class, set each layer's home
    (``states[t].home``) to the task's affinity class when the layer runs there at most
    ``slow_ratio`` x slower than on its fastest core; the homes it had become its ``away``
    homes, taken by a layer whose input lies outside the affinity class (the job started
    elsewhere: moving it back costs the move and the slowdown)."""
    if max(classes) == 0:
        return  # one class of cores: nothing to partition
    affinity = task_affinity(costs, classes, slow_ratio)
    for times, st, k in zip(job_times(costs, classes), states, affinity, strict=True):
        if k == fastest_class(times):
            continue  # not moved: its layers keep their own fastest homes
        st.away = list(st.home)
        cores = tuple(a for a, j in enumerate(classes) if j == k)
        for i, row in enumerate(st.lat):
            if row[cores[0]] <= slow_ratio * min(row):
                st.home[i] = cores
