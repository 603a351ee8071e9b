"""A release that is already past and was never seen does not hold a kept parent off an idle
core (``_terastal_ahead._needed``): once the releases end, nothing would wake the policy
again and the run stalled (docs/design.md, "The worst model against the best baseline's")."""

import dataclasses
from types import SimpleNamespace

from terastal.reproduce import family, load_suite, run_suite
from terastal.reproduce.random_mixes import random_suite
from terastal.schedulers._terastal_ahead import _needed


def test_a_past_unseen_release_needs_no_core():
    # task 1's next job, sure by 0.5 s, needs core 0 against core 1 (10 x); task 0's job
    # loses nothing on core 1 (need -1), so only the release can hold core 0
    need0 = [None, [[0.0, 10.0], [10.0, 0.0]]]
    rel = SimpleNamespace(latest=lambda active: [(0.5, 1)], need0=need0)
    job = SimpleNamespace(task_index=0, deadline=2.0)
    rem_on = [[1.0], [1.0]]
    assert _needed(rel, job, rem_on, 0, 0, 1, 0.8, 1.5, 0.4, ())  # still to come
    assert not _needed(rel, job, rem_on, 0, 0, 1, 0.8, 1.5, 0.6, ())  # past, never seen
    assert not _needed(rel, job, rem_on, 0, 0, 1, 0.45, 1.5, 0.4, ())  # after the layer


def test_the_point_that_stalled_runs_to_the_end(monkeypatch):
    # random2_3 (report set) on Dual_4K/WS_OS at U 1.3, the guard judging from the first job:
    # a kept SS_HRViT_b1 parent waited past the last release for a job never released
    suite = random_suite(load_suite(), 4, 2)
    suite = dataclasses.replace(
        suite, mixes=tuple(m for m in suite.mixes if m.name == "random2_3"),
        platforms=("Dual_4K/WS_OS",), utilizations=(1.3,), seeds=(0,),
    )  # fmt: skip
    monkeypatch.setitem(family.OTHERS, "x-fair0", ("terastal", {"fair_after": 0}))
    rows = run_suite(suite, ["x-fair0"], workers=1)
    assert len(rows) == 8 and all(r["unreleased"] == 0 for r in rows)
    assert all(r["released"] == r["in_time"] + r["late"] + r["dropped"] for r in rows)
