"""MAESTRO hardware + dataflow files and bundled platforms."""

import pytest

from terastal.errors import InputError
from terastal.io import (
    classify_directives,
    list_platforms,
    load_maestro_platform,
    load_platform,
    parse_dataflows,
    parse_hardware,
)
from terastal.model import Dataflow, Directive


def test_all_bundled_platforms_load_with_matching_dataflows():
    names = list_platforms()
    assert len(names) == 38
    for name in names:
        hw, df = name.split("/")
        p = load_platform(name)
        assert p.name == name
        assert [a.dataflow.value for a in p.accelerators] == df.split("_")
        assert len(p) == {"Single": 1, "Dual": 2, "Quad": 4}[hw.split("_")[0]]
        assert all(a.directives for a in p.accelerators)


def test_dual_4k_ws_os():
    p = load_platform("Dual_4K/WS_OS")
    assert [a.dataflow for a in p.accelerators] == [Dataflow.WS, Dataflow.OS]
    ws, os_ = p.accelerators
    assert (ws.name, ws.num_pes, ws.offchip_bw, ws.noc_bw) == ("Acc0_2K", 2048, 128, 128)
    assert ws.global_buffer_bytes == 2 * 1024 * 1024 and ws.pe_buffer_bytes == 8192
    assert ws.clock_hz == 1e9
    assert p.transfer_bytes_per_s == 128e9  # offchip_bw elements/cycle at 1 GHz, 1 B/elem
    assert ws.directives[4] == Directive("Cluster", 16, 16, "P")
    assert os_.directives[1] == Directive("SpatialMap", 1, 1, "Y'")
    big, little = load_platform("Dual_4K_BigLittle/WS_OS").accelerators
    assert (big.num_pes, little.num_pes) == (3072, 1024)
    assert load_platform("Single_8K/RS").accelerators[0].noc_bw == 256


def test_platform_errors_name_the_alternatives():
    with pytest.raises(InputError, match="dataflows for Dual_4K: OS_OS, RS_RS, WS_OS, WS_WS"):
        load_platform("Dual_4K/WS")
    with pytest.raises(InputError, match="unknown dataflow 'XX'"):
        load_platform("Dual_4K/XX")
    with pytest.raises(InputError, match=r"unknown hardware 'Dual_5K'.*Dual_4K"):
        load_platform("Dual_5K/WS_OS")
    with pytest.raises(InputError, match=r"unknown platform 'nope'.*Single_4K/WS"):
        load_platform("nope")


def _d(*spec):
    out = []
    for op, dim in spec:
        out.append(Directive(op, 16, 16, "P") if op == "Cluster" else Directive(op, 1, 1, dim))
    return tuple(out)


def test_classify_directives():
    ws = _d(("TemporalMap", "C"), ("SpatialMap", "X'"), ("Cluster", ""), ("SpatialMap", "K"))
    os_ = _d(("TemporalMap", "K"), ("SpatialMap", "Y'"), ("Cluster", ""), ("SpatialMap", "C"))
    rs = _d(("SpatialMap", "K"), ("Cluster", ""), ("SpatialMap", "Y"), ("SpatialMap", "R"))
    assert classify_directives(ws) is Dataflow.WS
    assert classify_directives(os_) is Dataflow.OS
    assert classify_directives(rs) is Dataflow.RS
    assert classify_directives(_d(("TemporalMap", "K"))) is None


HW = """\
// two cores
Accelerator big {
  num_pes: 1024
  offchip_bw: 64
  top_noc_bw: 32
  top_noc_multicast: True
  global_shared_memory: 1048576 // 1 MiB
  PE_local_memory: 4096
}
Accelerator little { num_pes: 256 }
"""
DF = """\
// NVDLA
Dataflow {
  TemporalMap(16,16) C;
  SpatialMap(1,1) X'; //'
  Cluster(16, P);
  SpatialMap(1,1) K;
}
// Hand-optimized OS
Dataflow {
  TemporalMap(1,1) K;
  SpatialMap(1,1) Y'; //'
  Cluster(4,P);
  SpatialMap(1,1) X';
}
"""


def test_hardware_and_dataflow_files_from_disk(tmp_path):
    (tmp_path / "hw.m").write_text(HW)
    (tmp_path / "df.m").write_text(DF)
    p = load_maestro_platform(tmp_path / "hw.m", tmp_path / "df.m")
    assert p.name == "hw/df"
    big, little = p.accelerators
    assert (big.num_pes, big.offchip_bw, big.noc_bw) == (1024, 64, 32)
    assert (big.global_buffer_bytes, big.pe_buffer_bytes) == (1048576, 4096)
    assert little.num_pes == 256 and little.dataflow is Dataflow.OS
    assert p.transfer_bytes_per_s == 64e9
    same = load_platform(f"{tmp_path / 'hw.m'}:{tmp_path / 'df.m'}")
    assert same == p


def test_flat_maestro_hardware_file():
    (spec,) = parse_hardware("num_pes: 256\nl2_size_cstr: 4096\nnoc_bw_cstr: 64\n", "x/flat.m")
    assert (spec.name, spec.num_pes, spec.global_buffer_bytes, spec.noc_bw) == (
        "flat",
        256,
        4096,
        64,
    )


@pytest.mark.parametrize(
    ("text", "line", "field", "match"),
    [
        (HW.replace("num_pes: 256", "num_pez: 256"), 10, "num_pez", "unknown hardware key"),
        (HW.replace("num_pes: 1024", "num_pes: -4"), 3, "num_pes", "> 0"),
        (HW.replace("num_pes: 1024", "num_pes: 10.5"), 3, "num_pes", "integer"),
        (HW.replace("offchip_bw: 64", "offchip_bw: lots"), 4, "offchip_bw", "number"),
        (HW.replace("num_pes: 256", "offchip_bw: 3"), 10, "num_pes", "no num_pes"),
        (HW.replace("Accelerator little", "Accelerator big"), 10, None, "duplicate"),
        (HW.replace("PE_local_memory: 4096\n}", "PE_local_memory: 4096\n"), 10, None, "expected"),
    ],
)
def test_bad_hardware_files(text, line, field, match):
    with pytest.raises(InputError, match=match) as info:
        parse_hardware(text, "hw.m")
    assert (info.value.file, info.value.line, info.value.field) == ("hw.m", line, field)


@pytest.mark.parametrize(
    ("text", "line", "match"),
    [
        (DF.replace("// Hand-optimized OS", "// NVDLA"), 9, "describe a OS dataflow"),
        (DF.replace("SpatialMap(1,1) K;", "SpatialMap(1,1) Q;"), 6, "unknown dimension 'Q'"),
        (DF.replace("TemporalMap(16,16) C;", "TemporalMap(16) C;"), 3, "expected ','"),
        (DF.replace("TemporalMap(16,16) C;", "TileMap(16,16) C;"), 3, "unknown directive"),
        (DF.replace("SpatialMap(1,1) K;", "SpatialMap(1,1) K"), 7, "expected ';'"),
        (DF.replace("SpatialMap(1,1) K;", "SpatialMap(0,1) K;"), 6, ">= 1"),
        ("Dataflow { TemporalMap(1,1) C; }", 1, "cannot tell the dataflow family"),
    ],
)
def test_bad_dataflow_files(text, line, match):
    with pytest.raises(InputError, match=match) as info:
        parse_dataflows(text, "df.m")
    assert (info.value.file, info.value.line) == ("df.m", line)


def test_block_count_must_match_accelerator_count(tmp_path):
    (tmp_path / "hw.m").write_text(HW)
    (tmp_path / "df.m").write_text(DF.split("// Hand")[0])
    with pytest.raises(InputError, match=r"1 Dataflow block\(s\) for 2 accelerator") as info:
        load_maestro_platform(tmp_path / "hw.m", tmp_path / "df.m")
    assert info.value.file == str(tmp_path / "df.m") and info.value.field == "Dataflow"


def test_comment_alone_names_the_dataflow():
    (block,) = parse_dataflows("// row-stationary\nDataflow { TemporalMap(1,1) C; }", "d.m")
    assert block.dataflow is Dataflow.RS
