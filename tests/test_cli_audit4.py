"""Bad input found by a fourth walk of the commands (the least-probed paths: ``variants``
run files, ``xrbench-check`` files, cost tables, sweep result directories): exit 2, one
``error:`` line naming the file, field or flag, nothing written (docs/design.md, "CLI audit,
fourth walk")."""

import shutil
from pathlib import Path

import pytest

from terastal.cli import main
from terastal.testing.cli import one_error_line

REF = Path(__file__).parent / "data" / "xrbench-reference"
VR_DUAL = ["-s", "VR_gaming", "-p", "Dual_4K/WS_OS"]
COSTS = "model,layer,accelerator,latency_s,energy_j\n"


def _files(root: Path) -> set[Path]:
    return set(root.rglob("*"))


def _refused(args: list[str], root: Path, capsys) -> str:
    """Run the command: exit 2, one error line, nothing new under ``root``."""
    before = _files(root)
    assert main(args) == 2
    line = one_error_line(capsys)
    assert _files(root) == before, sorted(map(str, _files(root) - before))
    return line


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A finished ``variants train`` run of the tiny model on synthetic data."""
    pytest.importorskip("torch")
    from terastal.variants import data as fmnist

    root = tmp_path_factory.mktemp("variants")
    data = fmnist.write_synthetic(root / "data", 64, 32)
    out = root / "run"
    args = ["variants", "train", "--model", "tiny_cnn", "--layers", "conv2", "--out", str(out),
            "--epochs", "1", "--ft-epochs", "1", "--data", str(data)]  # fmt: skip
    assert main(args) == 0
    return out, data


def _damaged(run: Path, tmp_path: Path, name: str, content: bytes) -> Path:
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    (copy / name).write_bytes(content)
    return copy


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("base.pt", b"not a checkpoint", "base.pt: cannot read checkpoint (Weights only load"),
        ("variants/conv2.pt", b"\x80\x02junk", "conv2.pt: cannot read checkpoint ("),
        ("config.json", b"[1, 2]", "config.json: a run file holds a JSON object, got list"),
        ("config.json", b'{"model": 3}', "config.json: field 'model': must be a string, got int"),
        ("config.json", b'{"model": "tiny_cnn"}', "config.json: field 'layers': missing"),
        ("config.json", b'{"limit_test": "x"}', "field 'limit_test': must be an integer or null"),
        ("config.json", b'{"data_root": 3}', "field 'data_root': must be a string or null, got"),
        ("config.json", b"{bad", "config.json:1: cannot read run file (Expecting property"),
        ("config.json", b"\xff\xfe", "config.json: cannot read run file ('utf-8' codec"),
    ],
)
@pytest.mark.parametrize("command", ["eval", "export"])
def test_a_damaged_variants_run_is_one_error_line(run, tmp_path, capsys, name, content, says,
                                                  command):  # fmt: skip
    """A damaged checkpoint was a torch traceback; a config of the wrong shape a TypeError."""
    copy = _damaged(run[0], tmp_path, name, content)
    line = _refused(["variants", command, str(copy)], tmp_path, capsys)
    assert says in line


def test_train_on_a_damaged_base_or_log_is_one_error_line(run, tmp_path, capsys):
    """``train`` reuses a stored base model and log: a damaged one is named, not a traceback."""
    base = ["variants", "train", "--model", "tiny_cnn", "--layers", "conv2", "--epochs", "1",
            "--ft-epochs", "1", "--data", str(run[1])]  # fmt: skip
    copy = _damaged(run[0], tmp_path, "base.pt", b"junk")
    line = _refused([*base, "--out", str(copy)], tmp_path, capsys)
    assert line.startswith(f"error: {copy / 'base.pt'}: cannot read checkpoint (")
    assert "variants train --force" in line
    shutil.rmtree(copy)
    copy = _damaged(run[0], tmp_path, "log.json", b'{"variants": 3}')
    line = _refused([*base, "--out", str(copy)], tmp_path, capsys)
    assert line == f"error: {copy / 'log.json'}: field 'variants': must be a JSON object, got int"


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("config.json", b"[1, 2]", "a run file holds a JSON object, got list"),
        ("config.json", b'"tiny_cnn"', "a run file holds a JSON object, got str"),
        ("config.json", b'{"layers": "conv2"}', "field 'layers': must be a JSON list, got str"),
        ("log.json", b"null", "a run file holds a JSON object, got NoneType"),
        ("log.json", b'{"base": []}', "field 'base': must be a JSON object, got list"),
        ("log.json", b'{\n  "base": {},\n  oops', "cannot read run file (Expecting property"),
    ],
)
def test_a_run_file_of_the_wrong_shape_is_one_line_naming_it(run, tmp_path, capsys, name,
                                                             content, says):  # fmt: skip
    """Not an object was a bare error, a key of the wrong type an input error naming the
    field: both are now one line, the file first, then the line or field where there is one."""
    base = ["variants", "train", "--model", "tiny_cnn", "--layers", "conv2", "--epochs", "1",
            "--ft-epochs", "1", "--data", str(run[1])]  # fmt: skip
    copy = _damaged(run[0], tmp_path, name, content)
    line = _refused([*base, "--out", str(copy)], tmp_path, capsys)
    where = f"{copy / name}:3" if "oops" in content.decode() else f"{copy / name}"
    assert line.startswith(f"error: {where}: {says}"), line


def test_truncated_data_is_one_error_line_not_aborted(run, tmp_path, capsys):
    """A truncated .gz raised EOFError, which click took for a closed stdin: 'aborted', exit 1."""
    data = tmp_path / "data"
    shutil.copytree(run[1], data)
    test_images = data / "t10k-images-idx3-ubyte.gz"
    test_images.write_bytes(test_images.read_bytes()[:20])
    line = _refused(["variants", "eval", str(run[0]), "--data", str(data),
                     "--out", str(tmp_path / "acc.csv")], tmp_path, capsys)  # fmt: skip
    assert line.startswith(f"error: {test_images}: cannot read (Compressed file ended")


def test_variants_bad_flags(run, tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    line = _refused(["variants", "export", str(run[0]), "--out", str(afile)], tmp_path, capsys)
    assert line == "error: field '--out': cannot write: File exists"  # was FileExistsError
    line = _refused(["variants", "eval", str(run[0]), "--samples", "-1"], run[0], capsys)
    assert line == "error: --samples must be >= 0, got -1"  # sampled nothing, wrote a table
    line = _refused(["variants", "train", "--model", "tiny_cnn", "--layers", ",", "--out",
                     str(tmp_path / "v"), "--data", str(run[1])], tmp_path, capsys)  # fmt: skip
    assert line == "error: field '--layers': lists no layer: ','"  # trained the default ones


def _schedule(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


_REF_LINES = (REF / "schedule__VR_gaming__Dual_4K__WS_OS.csv").read_text().splitlines()


def _cost_table(tmp_path: Path, text: str) -> str:
    path = tmp_path / "costs.csv"
    path.write_text(text)
    return f"table:path={path}"


# (command line given tmp_path, what the error line must hold): paths the earlier walks did
# not probe; each was already refused with one line, and stays so.
PROBES = [
    (lambda t: ["xrbench-check", _schedule(t, "schedule__nosuch__Dual_4K__WS_OS.csv",
                                           "\n".join(_REF_LINES[:3]))], "nosuch"),
    (lambda t: ["xrbench-check", _schedule(t, "schedule__VR_gaming__Nope__WS_OS.csv",
                                           "\n".join(_REF_LINES[:3]))], "Nope"),
    (lambda t: ["xrbench-check", _schedule(t, "notaschedule.csv", "\n".join(_REF_LINES[:3]))],
     "notaschedule.csv"),
    (lambda t: ["xrbench-check", _schedule(t, "schedule__VR_gaming__Dual_4K__WS_OS__seedx.csv",
                                           "\n".join(_REF_LINES[:3]))], "seedx"),
    (lambda t: ["xrbench-check", _schedule(
        t, "schedule__VR_gaming__Dual_4K__WS_OS.csv",
        _REF_LINES[0] + "\n" + ",".join(_REF_LINES[1].split(",")[:-2]))], ":2"),
    (lambda t: ["xrbench-check", _schedule(t, "x.csv", "a,b\n1,2\n"), "--max-rows", "abc"],
     "--max-rows"),
    (lambda t: ["xrbench-check", str(t / "nosuch.csv")], "nosuch.csv"),
    (lambda t: ["xrbench-check", _schedule(t, "empty.csv", "")], "empty.csv"),
    (lambda t: ["profile", *VR_DUAL, "--cost-model", _cost_table(t, COSTS)], "costs.csv"),
    (lambda t: ["profile", *VR_DUAL, "--cost-model",
                _cost_table(t, COSTS + "resnet50,conv1,0,nan,1\n")], "costs.csv:2"),
    (lambda t: ["profile", *VR_DUAL, "--cost-model",
                _cost_table(t, "model,layer\nresnet50,conv1\n")], "costs.csv"),
    (lambda t: ["profile", *VR_DUAL, "--cost-model", f"table:path={t / 'nosuch.csv'}"],
     "nosuch.csv"),
    (lambda t: ["profile", *VR_DUAL, "--cost-model", "table"], "--cost-table"),
    (lambda t: ["results", str(t)], "{t}"),
    (lambda t: ["results", str(t / "nosuch")], "nosuch"),
    (lambda t: ["results", str(t), "--limit", "0"], "--limit"),
    (lambda t: ["report", str(t), "--out", str(t / "r.html")], "{t}"),
    (lambda t: ["report", str(t / "nosuch"), "--out", str(t / "r.html")], "nosuch"),
    (lambda t: ["plan", *VR_DUAL, "--out", str(t / "p.json"), "--accuracy-loss", "nan"],
     "--accuracy-loss"),
    (lambda t: ["plan", *VR_DUAL, "--out", str(t / "p.json"), "--budgets", "foo"], "--budgets"),
    (lambda t: ["plan", *VR_DUAL, "--out", str(t / "p.json"), "--show", "foo"], "--show"),
    (lambda t: ["plan", *VR_DUAL, "--out", str(t / "p.json"), "--accuracy-ceiling", "-1"],
     "--accuracy-ceiling"),
    (lambda t: ["plan", *VR_DUAL, "--out", str(t / "p.json"), "--target-utilization", "nan"],
     "--target-utilization"),
    (lambda t: ["plan", *VR_DUAL, "--out", str(t)], "{t}"),
    (lambda t: ["bound", *VR_DUAL, "--out", str(t / "b"), "--time-limit-s", "inf"],
     "--time-limit-s"),
    (lambda t: ["bound", *VR_DUAL, "--out", str(t / "b"), "--time-limit", "0"],
     "--time-limit-s"),
    (lambda t: ["bound", *VR_DUAL, "--out", str(t / "b"), "--workers", "-1"], "--workers"),
    (lambda t: ["compare", *VR_DUAL, "--with-bound", "--bound-time-limit-s", "nan"],
     "--bound-time-limit-s"),
    (lambda t: ["compare", *VR_DUAL, "--seeds", "3-1"], "--seeds"),
    (lambda t: ["compare", *VR_DUAL, "-O", "=x"], "=x"),
    (lambda t: ["simulate", *VR_DUAL, "--scheduler", "terastal", "-O", "kept_core=nope"],
     "kept_core"),
    (lambda t: ["variants", "layers", "--model", ""], "unknown model ''"),
    (lambda t: ["variants", "train", "--model", "tiny_cnn", "--init", "foo", "--out",
                str(t / "v")], "--init"),
    (lambda t: ["variants", "train", "--model", "tiny_cnn", "--distill", "nan", "--out",
                str(t / "v")], "--distill"),
    (lambda t: ["variants", "train", "--model", "tiny_cnn", "--limit-test", "0", "--out",
                str(t / "v")], "--limit-test"),
    (lambda t: ["variants", "eval", str(t / "nosuch")], "not a variants run directory"),
]  # fmt: skip


@pytest.mark.parametrize(("make", "names"), PROBES)
def test_probe(tmp_path, capsys, make, names):
    args = make(tmp_path)
    if args[0] == "variants":
        pytest.importorskip("torch")
    assert names.format(t=tmp_path) in _refused(args, tmp_path, capsys)


def test_the_old_time_limit_names_still_work(tmp_path):
    """Units in names (``--time-limit-s``); the old spellings stay as aliases."""
    data = Path(__file__).parent / "data" / "bound"
    case = ["--scenario", str(data / "pair.yaml"), "--platform", str(data / "ws_os.yaml")]
    for flag in ("--time-limit", "--time-limit-s"):
        out = tmp_path / flag
        args = ["bound", *case, "--duration-ms", "5", flag, "5", "--no-hint", "--workers", "0"]
        assert main([*args, "--out", str(out)]) == 0
        assert (out / "bound.json").is_file()
