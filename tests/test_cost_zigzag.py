"""Optional ZigZag backend (skipped when zigzag-dse is not installed)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from terastal.cost.zigzag_backend import ZigZagCostModel, zigzag_available
from terastal.errors import TerastalError
from terastal.model import Accelerator, Dataflow, Layer, LayerKind

needs_zigzag = pytest.mark.skipif(
    not zigzag_available(),
    reason="zigzag not installed (optional extra: pip install 'terastal[zigzag]')",
)

CONV = Layer("conv", LayerKind.CONV, k=16, c=16, y=10, x=10, r=3, s=3)


def core(df=Dataflow.WS) -> Accelerator:
    return Accelerator("z", df, 64, offchip_bw=16, noc_bw=16, global_buffer_bytes=64 * 1024)


def test_missing_zigzag_is_a_clear_error(monkeypatch):
    import terastal.cost.zigzag_backend as zb

    monkeypatch.setattr(zb, "zigzag_available", lambda: False)
    with pytest.raises(TerastalError, match=r"terastal\[zigzag\]"):
        zb.ZigZagCostModel()


@needs_zigzag
def test_one_conv_layer_runs_and_is_cached_on_disk(tmp_path, monkeypatch):
    model = ZigZagCostModel(cache_dir=tmp_path, lpf_limit=3)
    first = model.evaluate([CONV], core())
    assert first.latency_s[0] > 0 and first.energy_j[0] > 0
    assert first.compute_cycles[0] >= CONV.macs / 64  # cannot beat the PE count
    files = list(tmp_path.glob("*.json"))
    assert len(files) == 1 and json.loads(files[0].read_text())["cycles"] == first.compute_cycles[0]

    def boom(*a, **k):
        raise AssertionError("zigzag must not run again")

    monkeypatch.setattr(ZigZagCostModel, "_run", boom)
    # a new instance, same shape and architecture: served from disk whatever the layer's name
    renamed = Layer("other", LayerKind.CONV, k=16, c=16, y=10, x=10, r=3, s=3)
    again = ZigZagCostModel(cache_dir=tmp_path, lpf_limit=3).evaluate([renamed], core())
    np.testing.assert_allclose(again.latency_s, first.latency_s)
    np.testing.assert_allclose(again.energy_j, first.energy_j)


@needs_zigzag
def test_unsupported_kinds_fall_back_to_analytical(tmp_path, monkeypatch, caplog):
    from terastal.cost import AnalyticalCostModel

    model = ZigZagCostModel(cache_dir=tmp_path)
    monkeypatch.setattr(ZigZagCostModel, "_run", lambda *a: (_ for _ in ()).throw(AssertionError))
    add = Layer("add", LayerKind.ELTWISE, k=1, c=16, y=8, x=8)
    up = Layer("up", LayerKind.TRCONV, k=8, c=16, y=8, x=8, r=2, s=2, stride_y=2, stride_x=2)
    with caplog.at_level("INFO", logger="terastal.cost.zigzag_backend"):
        got = model.evaluate([add, up], core(Dataflow.OS))
    want = AnalyticalCostModel().evaluate([add, up], core(Dataflow.OS))
    np.testing.assert_allclose(got.latency_s, want.latency_s)
    assert "analytical" in caplog.text


@needs_zigzag
def test_cache_key_depends_on_architecture_and_shape(tmp_path):
    model = ZigZagCostModel(cache_dir=tmp_path)
    k = model._key(CONV, core())
    assert k == model._key(CONV, core())
    assert k != model._key(CONV, core(Dataflow.OS))
    assert k != model._key(Layer("conv", LayerKind.CONV, 16, 16, 12, 10, 3, 3), core())


@needs_zigzag
def test_layer_without_a_mapping_is_costed_as_k_tiles(tmp_path):
    import dataclasses

    # the weights (16 x 32 x 3 x 3 bytes) exceed the 4 KiB global buffer: no ZigZag mapping
    small = Accelerator("z", Dataflow.WS, 64, offchip_bw=16, noc_bw=16, global_buffer_bytes=4096)
    big = Layer("big", LayerKind.CONV, k=16, c=32, y=6, x=6, r=3, s=3)
    model = ZigZagCostModel(cache_dir=tmp_path, lpf_limit=3)
    with pytest.raises(TerastalError, match="zigzag failed on layer 'big'"):
        model._run(big, small)
    got = model.evaluate([big], small)
    half = model.evaluate([dataclasses.replace(big, k=8)], small)  # from the cache
    assert got.compute_cycles[0] == 2 * half.compute_cycles[0] > 0
    assert got.energy_j[0] == pytest.approx(2 * half.energy_j[0])
    records = [json.loads(f.read_text()) for f in tmp_path.glob("*.json")]
    assert sorted(r.get("k_split", 1) for r in records) == [1, 2]


@needs_zigzag
def test_layer_zigzag_cannot_cost_falls_back_with_a_warning(tmp_path, monkeypatch, caplog):
    from terastal.cost import AnalyticalCostModel

    def no_mapping(self, layer, acc):
        raise TerastalError(f"zigzag failed on layer {layer.name!r} (conv) on {acc.name!r}: x")

    monkeypatch.setattr(ZigZagCostModel, "_run", no_mapping)
    tiny = Layer("fc7", LayerKind.CONV, k=1, c=9, y=1, x=1)  # k=1: nothing left to split
    model = ZigZagCostModel(cache_dir=tmp_path)
    with caplog.at_level("WARNING", logger="terastal.cost.zigzag_backend"):
        got = model.evaluate([tiny], core())
    want = AnalyticalCostModel().evaluate([tiny], core())
    np.testing.assert_allclose(got.latency_s, want.latency_s)
    assert "'fc7'" in caplog.text and "analytical" in caplog.text
    assert not list(tmp_path.glob("*.json"))  # a fallback is not cached as a ZigZag result
