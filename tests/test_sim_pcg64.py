"""The pure-Python streams of the arrivals are numpy's, number for number."""

import numpy as np
import pytest

from terastal.sim._pcg64 import PCG64, spawn


@pytest.mark.parametrize("seed", [0, 1, 2, 7, 42, 2**32 - 1, 2**32, 2**40 + 3, 2**64 + 5, 2**130])
def test_spawned_streams_match_numpy(seed):
    children = np.random.SeedSequence(seed).spawn(6)
    ours = spawn(seed, 6)
    for i, (child, mine) in enumerate(zip(children, ours, strict=True)):
        rng = np.random.default_rng(child)
        for n in (0, 1, 5, 64):  # successive calls continue the stream
            assert mine.random(n) == rng.random(n).tolist(), (seed, i, n)


@pytest.mark.parametrize("seed", range(30))
def test_small_seeds_match_numpy(seed):
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(seed % 5, 3)))
    assert PCG64(seed, (seed % 5, 3)).random(20) == rng.random(20).tolist()
    plain = np.random.default_rng(np.random.SeedSequence(seed))
    assert PCG64(seed).random(20) == plain.random(20).tolist()


def test_negative_seed_is_refused():
    with pytest.raises(ValueError):
        PCG64(-1)


def _numpy_arrivals(scenario, end_s, seed):
    """The arrivals as drawn with numpy's generator (the definition the engine keeps), over
    the whole measurement window (releases until ``end_s``)."""
    from terastal.sim.arrivals import _num_frames

    streams = np.random.SeedSequence(seed).spawn(len(scenario.tasks))
    frames = {t.name: _num_frames(t.phase_s, t.fps, end_s) for t in scenario.tasks}
    releases, triggers = [], []
    for task, stream in zip(scenario.tasks, streams, strict=True):
        rng = np.random.default_rng(stream)
        n = frames[scenario.root(task.name).name]
        if task.depends_on is None:
            jitter = rng.random(n) * task.jitter_s if task.jitter_s > 0 else np.zeros(n)
            times = [(task.phase_s + f / task.fps + float(jitter[f]), f) for f in range(n)]
            releases.append(tuple(sorted(r for r in times if r[0] < end_s)))
        else:
            releases.append(())
        triggers.append(tuple(float(u) for u in rng.random(n)))
    return tuple(releases), tuple(triggers)


@pytest.mark.parametrize("case", range(25))
def test_arrivals_are_numpys(case):
    from terastal.sim.arrivals import draw_arrivals
    from terastal.sim.synthetic import random_case

    scenario, _, _ = random_case(case)  # jitter on about half the tasks, cascades
    for seed in (0, case + 1):
        got = draw_arrivals(scenario, 0.4, seed)
        assert (got.releases, got.trigger_u) == _numpy_arrivals(scenario, 0.8, seed)
        assert got.counted == tuple(sum(t < 0.4 for t, _ in r) for r in got.releases)


def test_the_cases_above_have_jitter():
    from terastal.sim.synthetic import random_case

    with_jitter = sum(any(t.jitter_s > 0 for t in random_case(c)[0].tasks) for c in range(25))
    assert with_jitter >= 10
