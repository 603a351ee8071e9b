import pytest

from terastal.model import Layer, LayerKind, Model, Scenario, Task


def test_conv_output_and_macs_follow_maestro_convention():
    layer = Layer("c", LayerKind.CONV, k=64, c=32, y=58, x=58, r=3, s=3)
    assert (layer.out_y, layer.out_x) == (56, 56)
    assert layer.macs == 56 * 56 * 64 * 32 * 9
    assert layer.weight_elems == 64 * 32 * 9


def test_strided_and_depthwise_layers():
    dw = Layer("dw", LayerKind.DWCONV, k=1, c=96, y=113, x=113, r=3, s=3, stride_y=2, stride_x=2)
    assert dw.out_y == 56 and dw.out_channels == 96
    assert dw.macs == 56 * 56 * 96 * 9


def test_bad_layer_is_rejected_with_its_name():
    with pytest.raises(ValueError, match="bad"):
        Layer("bad", LayerKind.CONV, k=0, c=1, y=4, x=4)
    with pytest.raises(ValueError, match="kernel"):
        Layer("big", LayerKind.CONV, k=1, c=1, y=2, x=2, r=3, s=3)


def test_model_defaults_to_chain_and_checks_edges():
    layers = tuple(Layer(f"l{i}", LayerKind.FC, k=4, c=4, y=1, x=1) for i in range(3))
    m = Model("m", layers)
    assert m.edges == ((0, 1), (1, 2))
    assert m.predecessors() == ((), (0,), (1,))
    with pytest.raises(ValueError, match="forward"):
        Model("m", layers, edges=((2, 1),))


def test_scenario_rejects_unknown_and_cyclic_dependencies():
    m = Model("m", (Layer("l", LayerKind.FC, k=4, c=4, y=1, x=1),))
    with pytest.raises(ValueError, match="unknown dependency"):
        Scenario("s", (Task("a", m, fps=30, depends_on="zz"),))
    with pytest.raises(ValueError, match="cyclic"):
        Scenario("s", (Task("a", m, 30, depends_on="b"), Task("b", m, 30, depends_on="a")))
    t = Task("a", m, fps=50)
    assert t.relative_deadline_s == pytest.approx(0.02)
    with pytest.raises(ValueError, match="fps"):
        Task("z", m, fps=0)
