"""Analytical cost model: mechanisms, layer kinds, mappings and the shape cache."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from terastal.cost import AnalyticalCostModel, CostModel, LayerCosts
from terastal.cost.analytical import MAC_ENERGY_J
from terastal.cost.cache import shape_key
from terastal.cost.mapping import canonical_directives, levels_for
from terastal.io import load_platform, load_scenario
from terastal.model import Accelerator, Dataflow, Directive, Layer, LayerKind


def conv(name="c", k=64, c=64, y=30, x=30, r=3, s=3, **kw) -> Layer:
    return Layer(name, LayerKind.CONV, k=k, c=c, y=y, x=x, r=r, s=s, **kw)


def acc(df=Dataflow.WS, pes=2048, **kw) -> Accelerator:
    return Accelerator(f"a_{df}", df, pes, **kw)


@pytest.fixture
def model():
    return AnalyticalCostModel(cache=False)


def test_protocol_and_result_shape(model):
    layers = [conv("a"), conv("b", k=32), Layer("e", LayerKind.ELTWISE, k=1, c=64, y=8, x=8)]
    costs = model.evaluate(layers, acc())
    assert isinstance(model, CostModel) and isinstance(costs, LayerCosts)
    assert len(costs) == 3
    for arr in (costs.latency_s, costs.energy_j, costs.compute_cycles, costs.dram_bytes):
        assert arr.shape == (3,) and np.all(arr > 0)
    assert len(model.evaluate([], acc())) == 0


def test_latency_is_roofline_of_on_chip_cycles_and_dram(model):
    a = acc(offchip_bw=1.0)  # starved DRAM
    costs = model.evaluate([conv()], a)
    dram_cycles = costs.dram_bytes[0] / a.offchip_bw
    assert costs.latency_s[0] * a.clock_hz == pytest.approx(
        max(costs.compute_cycles[0], dram_cycles)
    )
    assert dram_cycles > costs.compute_cycles[0]
    fast = model.evaluate([conv()], acc(offchip_bw=1e6))
    assert fast.latency_s[0] * 1e9 == pytest.approx(fast.compute_cycles[0])
    assert fast.dram_bytes[0] == costs.dram_bytes[0]  # traffic does not depend on bandwidth


def test_breakdown_separates_pe_noc_and_dram(model):
    layers = [conv(), Layer("fc", LayerKind.FC, k=512, c=512, y=1, x=1)]
    a = acc(Dataflow.OS)
    b = model.breakdown(layers, a)
    c = model.evaluate(layers, a)
    np.testing.assert_array_equal(b["onchip_cycles"], c.compute_cycles)
    np.testing.assert_array_equal(b["latency_s"], c.latency_s)
    assert np.all(b["pe_cycles"] >= np.array([ly.macs for ly in layers]) / a.num_pes)
    assert np.all(b["onchip_cycles"] >= b["pe_cycles"])
    assert b["onchip_cycles"][1] > 3 * b["pe_cycles"][1]  # OS streams FC weights: NoC-bound
    assert np.all(b["noc_elems"] > 0)


def test_dram_traffic_refetches_when_neither_operand_fits(model):
    big = conv(k=512, c=512, y=58, x=58)  # 2.4 MB weights, 1.7 MB inputs
    small_buf = model.evaluate([big], acc(global_buffer_bytes=256 * 1024)).dram_bytes[0]
    large_buf = model.evaluate([big], acc(global_buffer_bytes=64 << 20)).dram_bytes[0]
    assert large_buf == big.weight_elems + big.input_elems + big.output_elems
    assert small_buf > 2 * large_buf


def test_ceil_folding_wastes_pes(model):
    a = acc(Dataflow.WS)
    t16 = model.evaluate([conv(k=16, c=16)], a).compute_cycles[0]
    t17 = model.evaluate([conv(k=17, c=16)], a).compute_cycles[0]
    t32 = model.evaluate([conv(k=32, c=16)], a).compute_cycles[0]
    assert t17 > 1.5 * t16  # one more output channel costs a whole K fold
    assert t32 == pytest.approx(t17, rel=0.05)


def test_ws_keeps_weights_stationary_os_streams_them(model):
    fc = Layer("fc", LayerKind.FC, k=1024, c=1024, y=1, x=1)
    ws, os_ = acc(Dataflow.WS), acc(Dataflow.OS)
    assert model.evaluate([fc], os_).latency_s[0] > 5 * model.evaluate([fc], ws).latency_s[0]
    # the OS gap narrows when the same MACs come with spatial extent
    wide = Layer("w", LayerKind.CONV, k=64, c=64, y=16, x=16)
    gap_wide = model.evaluate([wide], os_).latency_s[0] / model.evaluate([wide], ws).latency_s[0]
    gap_fc = model.evaluate([fc], os_).latency_s[0] / model.evaluate([fc], ws).latency_s[0]
    assert gap_wide < gap_fc


def test_noc_bandwidth_bounds_streaming_dataflow(model):
    layer = conv(k=256, c=256, y=16, x=16)
    slow = model.evaluate([layer], acc(Dataflow.OS, noc_bw=32)).compute_cycles[0]
    fast = model.evaluate([layer], acc(Dataflow.OS, noc_bw=512)).compute_cycles[0]
    assert slow > 2 * fast


def test_depthwise_maps_channels_as_the_parallel_dimension(model):
    dw = Layer("dw", LayerKind.DWCONV, k=1, c=256, y=30, x=30, r=3, s=3)
    dense = conv(k=256, c=256)
    for df in Dataflow:
        t_dw = model.evaluate([dw], acc(df)).compute_cycles[0]
        t_dense = model.evaluate([dense], acc(df)).compute_cycles[0]
        assert t_dw < t_dense / 10, df
        assert t_dw >= dw.macs / 2048


def test_grouped_conv_costs_its_groups(model):
    g4 = conv(k=128, c=128, groups=4)
    one = conv(k=32, c=32)
    a = acc()
    assert model.evaluate([g4], a).compute_cycles[0] == pytest.approx(
        4 * model.evaluate([one], a).compute_cycles[0]
    )


def test_element_wise_layers_are_bandwidth_or_element_bound(model):
    a = acc(noc_bw=64)
    add = Layer("add", LayerKind.ELTWISE, k=1, c=64, y=56, x=56)
    pool = Layer("pool", LayerKind.POOL, k=1, c=64, y=56, x=56, r=2, s=2, stride_y=2, stride_x=2)
    c = model.evaluate([add, pool], a)
    assert c.compute_cycles[0] == np.ceil((2 * add.input_elems + add.output_elems) / 64)
    assert c.compute_cycles[1] == max(
        np.ceil(pool.macs / 2048), np.ceil((pool.input_elems + pool.output_elems) / 64)
    )


def test_transposed_conv_is_costed(model):
    tr = Layer("up", LayerKind.TRCONV, k=32, c=64, y=16, x=16, r=4, s=4, stride_y=2, stride_x=2)
    c = model.evaluate([tr], acc())
    assert c.compute_cycles[0] >= tr.macs / 2048


def test_every_dataflow_works_on_small_and_odd_cores(model):
    layers = [conv(), conv(k=3, c=3, r=7, s=7, y=64, x=64), Layer("f", LayerKind.FC, 10, 100, 1, 1)]
    for df in Dataflow:
        for pes in (1, 7, 64, 100, 4096):
            c = model.evaluate(layers, acc(df, pes))
            assert np.all(np.isfinite(c.latency_s)) and np.all(c.latency_s > 0)
            macs = np.array([ly.macs for ly in layers])
            assert np.all(c.compute_cycles >= macs / pes - 1e-6), (df, pes)


def test_canonical_mapping_equals_xrbench_directives(model):
    dual = load_platform("Dual_4K/WS_OS").accelerators
    rs = load_platform("Dual_4K/RS_RS").accelerators[0]
    layers = [ly for t in load_scenario("VR_gaming").tasks for ly in t.model.layers[:20]]
    for a in (*dual, rs):
        bare = replace(a, directives=())
        assert canonical_directives(a.dataflow, a.num_pes) == a.directives
        np.testing.assert_allclose(
            model.evaluate(layers, bare).latency_s, model.evaluate(layers, a).latency_s
        )


def test_spatial_factors_come_from_the_directives():
    ws = load_platform("Dual_4K/WS_OS").accelerators[0]
    levels = levels_for(ws)
    assert [lv.units for lv in levels] == [8, 16, 16]  # X' x 8 clusters, K x 16, C x 16 PEs
    assert [[lp.dim for lp in lv.loops if lp.spatial] for lv in levels] == [["OX"], ["K"], ["C"]]
    os_levels = levels_for(load_platform("Dual_4K/WS_OS").accelerators[1])
    assert [lv.units for lv in os_levels] == [32, 4, 16]  # Y' over num_pes/64, X' x 4, C x 16
    rs_levels = levels_for(load_platform("Dual_4K/RS_RS").accelerators[0])
    assert [[lp.dim for lp in lv.loops if lp.spatial] for lv in rs_levels] == [["K"], ["OX"], ["R"]]


def test_a_users_own_dataflow_changes_the_cost(model):
    ws = load_platform("Dual_4K/WS_OS").accelerators[0]
    # same PEs, but C over 64 PEs and K over 32 clusters, X' temporal
    mine = replace(
        ws,
        name="mine",
        directives=(
            Directive("TemporalMap", 64, 64, "C"),
            Directive("SpatialMap", 1, 1, "K"),
            Directive("TemporalMap", 1, 1, "Y'"),
            Directive("TemporalMap", 1, 1, "X'"),
            Directive("Cluster", 64, 64, "P"),
            Directive("SpatialMap", 1, 1, "C"),
        ),
    )
    assert [lv.units for lv in levels_for(mine)] == [32, 64]
    deep = conv(k=64, c=512, y=9, x=9)
    assert (
        model.evaluate([deep], mine).compute_cycles[0]
        != model.evaluate([deep], ws).compute_cycles[0]
    )


def test_energy_counts_macs_and_data_movement(model):
    layer = conv()
    base = model.evaluate([layer], acc()).energy_j[0]
    assert base > layer.macs * MAC_ENERGY_J
    starved = model.evaluate([layer], acc(global_buffer_bytes=8 * 1024)).energy_j[0]
    assert starved > base  # refetches from DRAM cost energy


def test_modes_and_options_are_validated():
    with pytest.raises(ValueError, match="mode"):
        AnalyticalCostModel(mode="magic")
    with pytest.raises(ValueError, match="bytes_per_elem"):
        AnalyticalCostModel(bytes_per_elem=0)
    two = AnalyticalCostModel(bytes_per_elem=2, cache=False).evaluate([conv()], acc())
    one = AnalyticalCostModel(cache=False).evaluate([conv()], acc())
    assert two.dram_bytes[0] == 2 * one.dram_bytes[0]


def test_cache_keys_on_shape_not_name():
    m = AnalyticalCostModel()
    a = acc()
    first = m.evaluate([conv("x"), conv("y"), conv("z", k=32)], a)
    assert len(m._cache) == 2
    assert first.latency_s[0] == first.latency_s[1]
    assert shape_key(conv("x")) == shape_key(conv("other"))
    again = m.evaluate([conv("q", k=32), conv("w")], a)
    assert len(m._cache) == 2
    assert again.latency_s[0] == first.latency_s[2]
    m.evaluate([conv()], acc(pes=1024))  # another accelerator: another entry
    assert len(m._cache) == 3
    m.clear_cache()
    assert len(m._cache) == 0


def test_cached_results_equal_uncached_and_are_independent_copies():
    layers = [ly for t in load_scenario("AR_gaming").tasks for ly in t.model.layers]
    a = load_platform("Dual_4K/WS_OS").accelerators[1]
    cached = AnalyticalCostModel()
    plain = AnalyticalCostModel(cache=False).evaluate(layers, a)
    as_tuple = tuple(layers)  # tuples (a model's layers) are also memoised as a whole
    for seq in (layers, layers, as_tuple, as_tuple, as_tuple):
        got = cached.evaluate(seq, a)
        for f in ("latency_s", "energy_j", "compute_cycles", "dram_bytes"):
            np.testing.assert_array_equal(getattr(got, f), getattr(plain, f))
        got.latency_s[:] = 0  # mutating a result must not poison the cache


def test_all_bundled_scenarios_on_four_accelerators_give_finite_cached_costs():
    # Timing of this workload is measured in benchmarks/, not asserted here.
    names = ("AR_Assistant", "AR_gaming", "VR_gaming", "outdoor_activity_A", "outdoor_activity_B")
    names += ("social_interactionA", "social_interactionB")
    models = [t.model for n in names for t in load_scenario(n).tasks]
    accs = [
        *load_platform("Dual_4K/WS_OS").accelerators,
        load_platform("Single_4K/WS").accelerators[0],
        load_platform("Dual_4K/RS_RS").accelerators[0],
    ]
    m = AnalyticalCostModel()
    cold = [m.evaluate(mod.layers, a).latency_s.copy() for a in accs for mod in models]
    again = [m.evaluate(mod.layers, a).latency_s for a in accs for mod in models]
    for c, g in zip(cold, again, strict=True):
        assert np.all(np.isfinite(c)) and np.all(c > 0)
        np.testing.assert_array_equal(c, g)
