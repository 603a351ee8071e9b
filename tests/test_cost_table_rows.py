"""A cost table's two forms: numpy arrays and rows of floats, each derived from the other."""

from __future__ import annotations

import copy
import math
import pickle

import numpy as np
import pytest

from terastal.cost import build_cost_tables, resolve_cost_model
from terastal.cost.tables import TableRows, TaskCostTable
from terastal.io import load_platform
from terastal.model.costs import TaskCosts


@pytest.fixture(scope="module")
def tables():
    from terastal.planner import make_plan
    from terastal.reproduce.suite import Mix, build_mix

    # a mix with variants (VR_gaming's plan has none), so that var_* rows hold numbers too
    sc = build_mix(Mix("pair", models=("resnet50", "swin_tiny")))
    pf = load_platform("Dual_4K/WS_OS")
    model = resolve_cost_model("analytical")
    plan = make_plan(sc, pf, model)
    return sc, pf, build_cost_tables(sc, pf, model, plan.variant_shapes())


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def test_rows_are_the_arrays_tolist_and_read_back_as_the_same_arrays(tables):
    _, _, tabs = tables
    assert any(not math.isnan(v) for t in tabs.values() for r in t.rows.var_latency_s for v in r)
    for t in tabs.values():
        back = TaskCostTable.from_rows(t.task, t.rows, t.shape[1])
        for i, f in enumerate(TableRows._fields):
            a = getattr(t, f)
            assert repr(getattr(t.rows, f)) == repr(tuple(map(tuple, a.tolist())) if a.ndim == 2
                                                    else tuple(a.tolist()))  # fmt: skip
            assert _same(getattr(back, f), a), f
            assert not getattr(back, f).flags.writeable
            assert back.rows[i] is t.rows[i]
        assert back.shape == t.shape and back.num_layers == t.num_layers
        assert [back.has_variant(k) for k in range(t.num_layers)] == [
            not np.isnan(t.var_latency_s[k, 0]) for k in range(t.num_layers)
        ]
        assert list(back.preferred) == list(np.argmin(t.latency_s, axis=1))


def test_the_engine_reads_the_same_costs_from_either_form(tables):
    sc, pf, tabs = tables
    bw = float(pf.transfer_bytes_per_s)
    n = len(pf.accelerators)
    for i, task in enumerate(sc.tasks):
        t = tabs[task.name]
        a = TaskCosts(task, i, t, n, bw)
        b = TaskCosts(task, i, TaskCostTable.from_rows(t.task, t.rows, n), n, bw)
        assert all(repr(getattr(a, s)) == repr(getattr(b, s)) for s in TaskCosts.__slots__)


def test_tables_are_immutable_and_copy_in_their_own_form(tables):
    t = next(iter(tables[2].values()))
    with pytest.raises(AttributeError):
        t.task = "other"
    with pytest.raises(ValueError):
        t.latency_s[0, 0] = 1.0
    lazy = TaskCostTable.from_rows(t.task, t.rows, t.shape[1])
    for table in (t, lazy):
        for back in (pickle.loads(pickle.dumps(table)), copy.deepcopy(table)):
            assert back.task == table.task and repr(back.rows) == repr(table.rows)
            assert _same(back.latency_s, table.latency_s)
    assert lazy._arrays is not None  # made on first access above


def test_a_table_without_layers_keeps_its_width():
    empty = TaskCostTable.from_rows("t", TableRows((), (), (), (), ()), 3)
    assert empty.shape == (0, 3) and empty.latency_s.shape == (0, 3)
    assert empty.out_bytes.shape == (0,)
