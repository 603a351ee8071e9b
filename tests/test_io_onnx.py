"""ONNX import, on small graphs built with onnx.helper (no downloads)."""

import sys

import pytest

from terastal.errors import InputError
from terastal.model import LayerKind

onnx = pytest.importorskip("onnx", reason="the onnx extra is not installed")
np = pytest.importorskip("numpy")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from terastal.io import load_model, load_onnx, load_scenario  # noqa: E402


def _init(name, shape):
    return numpy_helper.from_array(np.zeros(shape, np.float32), name)


def _save(path, nodes, inits, in_shape=("batch", 3, 32, 32), out_shape=("batch", 10)):
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(in_shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(out_shape))],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, str(path))
    return path


def _cnn(path):
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["c1"], name="stem", strides=[2, 2], pads=[1] * 4),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("Conv", ["r1", "w2"], ["c2"], name="dw", group=16, pads=[1] * 4),
        helper.make_node("Conv", ["c2", "w3"], ["c3"], name="grouped", group=4),
        helper.make_node("Add", ["c3", "r1"], ["a"], name="add"),
        helper.make_node("MaxPool", ["a"], ["p"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node(
            "ConvTranspose", ["p", "w4"], ["t"], name="up", strides=[2, 2], pads=[1] * 4
        ),
        helper.make_node("GlobalAveragePool", ["t"], ["g"], name="gap"),
        helper.make_node("Flatten", ["g"], ["f"]),
        helper.make_node("Gemm", ["f", "w5"], ["y"], name="fc", transB=1),
    ]
    inits = [
        _init("w1", (16, 3, 3, 3)),
        _init("w2", (16, 1, 3, 3)),
        _init("w3", (16, 4, 1, 1)),
        _init("w4", (16, 8, 3, 3)),
        _init("w5", (10, 8)),
    ]
    return _save(path, nodes, inits)


def test_cnn_layers_shapes_and_edges(tmp_path):
    m = load_onnx(_cnn(tmp_path / "cnn.onnx"))
    assert m.name == "cnn" and m.source == str(tmp_path / "cnn.onnx")
    by = {x.name: x for x in m.layers}
    assert [x.name for x in m.layers] == [
        "stem",
        "dw",
        "grouped",
        "add",
        "pool",
        "up",
        "gap",
        "fc",
    ]
    stem = by["stem"]
    assert (stem.kind, stem.k, stem.c, stem.y, stem.r, stem.stride_y, stem.pad_y) == (
        LayerKind.CONV,
        16,
        3,
        32,
        3,
        2,
        1,
    )
    assert (stem.n, stem.out_y, stem.out_x) == (1, 16, 16)  # symbolic batch -> 1
    dw = by["dw"]
    assert (dw.kind, dw.c, dw.groups, dw.pad_y, dw.out_y) == (LayerKind.DWCONV, 16, 16, 1, 16)
    assert dw.macs == 16 * 16 * 16 * 9
    grouped = by["grouped"]
    assert (grouped.kind, grouped.groups, grouped.macs) == (LayerKind.CONV, 4, 16 * 16 * 16 * 4)
    assert by["add"].kind is LayerKind.ELTWISE and by["add"].c == 16
    pool = by["pool"]
    assert (pool.kind, pool.r, pool.stride_y, pool.out_y) == (LayerKind.POOL, 2, 2, 8)
    up = by["up"]
    assert (up.kind, up.k, up.c, up.y, up.stride_y, up.pad_y, up.out_y) == (
        LayerKind.TRCONV,
        8,
        16,
        8,
        2,
        1,
        15,
    )
    assert (by["gap"].kind, by["gap"].r, by["gap"].out_y) == (LayerKind.POOL, 15, 1)
    fc = by["fc"]
    assert (fc.kind, fc.k, fc.c, fc.y) == (LayerKind.FC, 10, 8, 1)
    # Relu and Flatten are skipped, dependencies are traced through them; the residual
    # Add depends on both the grouped conv and the stem.
    assert m.edges == ((0, 1), (0, 3), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (6, 7))


def test_matmul_rows_and_asymmetric_padding(tmp_path):
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="same", pads=[0, 0, 1, 1], strides=[2, 2]),
        helper.make_node("Reshape", ["c", "shape"], ["r"]),
        helper.make_node("MatMul", ["r", "m"], ["mm"], name="proj"),
        helper.make_node("Mul", ["mm", "scale"], ["y"], name="scale"),
    ]
    inits = [
        _init("w", (8, 3, 3, 3)),
        numpy_helper.from_array(np.array([1, 64, 8], np.int64), "shape"),
        _init("m", (8, 12)),
        _init("scale", (1,)),
    ]
    path = _save(tmp_path / "mm.onnx", nodes, inits, (1, 3, 16, 16), (1, 64, 12))
    m = load_model(path)
    same, proj, scale = m.layers
    assert (same.out_y, same.out_x, same.pad_y) == (8, 8, 1)
    assert (proj.kind, proj.k, proj.c, proj.y, proj.macs) == (LayerKind.FC, 12, 8, 64, 64 * 96)
    assert (scale.kind, scale.c, scale.y) == (LayerKind.ELTWISE, 12, 64)
    assert m.edges == ((0, 1), (1, 2))


def test_malformed_onnx_files(tmp_path):
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"this is not a protobuf \x00\xff\x10")
    with pytest.raises(InputError, match="not a valid ONNX model") as info:
        load_onnx(garbage)
    assert info.value.file == str(garbage)
    dangling = [helper.make_node("Conv", ["x", "missing"], ["y"], name="c")]
    bad = _save(tmp_path / "dangling.onnx", dangling, [], (1, 3, 8, 8), (1, 4, 6, 6))
    with pytest.raises(InputError, match="invalid ONNX model") as info:
        load_onnx(bad)
    assert info.value.file == str(bad)
    no_layers = [helper.make_node("Relu", ["x"], ["y"])]
    empty = _save(tmp_path / "relu.onnx", no_layers, [], (1, 3, 8, 8), (1, 3, 8, 8))
    with pytest.raises(InputError, match="no importable layers"):
        load_onnx(empty)
    with pytest.raises(InputError, match="no such file"):
        load_onnx(tmp_path / "absent.onnx")


def test_onnx_model_in_a_yaml_scenario(tmp_path):
    _cnn(tmp_path / "cnn.onnx")
    (tmp_path / "s.yaml").write_text("tasks:\n  - {model: cnn.onnx, fps: 30}\n")
    s = load_scenario(tmp_path / "s.yaml")
    assert s.tasks[0].name == "cnn" and len(s.tasks[0].model) == 8


def test_missing_onnx_package_is_a_clear_error(tmp_path, monkeypatch):
    path = _cnn(tmp_path / "cnn.onnx")
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(InputError, match=r"pip install 'terastal\[onnx\]'"):
        load_onnx(path)
