"""Fashion-MNIST loader, run-directory pipeline and the ``terastal variants`` CLI."""

from __future__ import annotations

import gzip
import subprocess
import sys

import numpy as np
import pytest

from terastal.errors import TerastalError
from terastal.variants import data as fmnist


def test_idx_round_trip_plain_and_gz(tmp_path):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    for name in ("a.idx", "a.idx.gz"):
        fmnist.write_idx(tmp_path / name, a)
        assert np.array_equal(fmnist.read_idx(tmp_path / name), a)


def test_idx_errors(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x01\x00\x00\x00\x01\x00")
    with pytest.raises(TerastalError, match="magic"):
        fmnist.read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(b"\x00\x00\x08\x01\x00\x00\x00\x05\x00")
    with pytest.raises(TerastalError, match="announces 5 values"):
        fmnist.read_idx(tmp_path / "short")
    with gzip.open(tmp_path / "f.gz", "wb") as f:
        f.write(b"\x00\x00\x0d\x01\x00\x00\x00\x01\x00\x00\x00\x00")
    with pytest.raises(TerastalError, match="not unsigned byte"):
        fmnist.read_idx(tmp_path / "f.gz")


def test_missing_dataset_names_path_and_script(tmp_path, monkeypatch):
    monkeypatch.setenv(fmnist.ENV_VAR, str(tmp_path / "none"))
    assert not fmnist.available()
    with pytest.raises(fmnist.DatasetMissingError) as exc:
        fmnist.load_split("test")
    msg = str(exc.value)
    assert str(tmp_path / "none" / "t10k-images-idx3-ubyte.gz") in msg
    assert "scripts/install_fashion_mnist.sh" in msg and "dataset-fashion-mnist" in msg
    with pytest.raises(TerastalError, match="unknown split"):
        fmnist.load_split("val", tmp_path)


def test_synthetic_files_load(tmp_path):
    fmnist.write_synthetic(tmp_path, 20, 10)
    assert fmnist.available(tmp_path)
    x, y = fmnist.load_split("train", tmp_path, limit=7)
    assert x.shape == (7, 28, 28) and x.dtype == np.uint8 and y.dtype == np.int64


def test_core_and_cli_do_not_import_torch():
    code = (
        "import sys, terastal, terastal.cli, terastal.variants, terastal.variants.data, "
        "terastal.variants.table; assert 'torch' not in sys.modules, 'torch imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cli_without_torch_gives_install_hint(monkeypatch, capsys):
    from terastal.cli import main

    monkeypatch.setitem(sys.modules, "torch", None)  # makes `import torch` fail
    assert main(["variants", "eval", "nowhere"]) == 2
    assert "pip install -e '.[variants]'" in capsys.readouterr().err


@pytest.mark.skipif(
    not fmnist.available(),
    reason=f"Fashion-MNIST not installed in {fmnist.data_dir()} (run {fmnist.INSTALL_HINT})",
)
def test_real_fashion_mnist_files():
    x, y = fmnist.load_split("test")
    assert x.shape == (10000, 28, 28) and y.shape == (10000,)
    assert set(np.unique(y)) == set(range(10))
    xt, _yt = fmnist.load_split("train", limit=100)
    assert xt.shape == (100, 28, 28) and 0.2 < xt.mean() / 255 < 0.4


@pytest.mark.torch
def test_pipeline_and_cli_end_to_end(tmp_path, capsys):
    pytest.importorskip("torch")
    from terastal.cli import main
    from terastal.variants.table import read_table

    data = fmnist.write_synthetic(tmp_path / "data", 256, 128)
    run = tmp_path / "run"
    args = ["variants", "train", "--model", "tiny_cnn", "--layers", "conv2", "--out", str(run),
            "--epochs", "2", "--data", str(data), "--unfreeze", "bn,classifier",
            "--distill", "0.5"]  # fmt: skip
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "base model: test accuracy" in out and "conv2: fine-tuned" in out
    assert {p.name for p in run.iterdir()} >= {"config.json", "log.json", "base.pt", "variants"}
    assert main(args) == 0  # second run reuses every checkpoint
    assert "reusing" in capsys.readouterr().out
    table = tmp_path / "acc.csv"
    assert main(["variants", "eval", str(run), "--out", str(table)]) == 0
    rows = read_table(table)["tiny_cnn"]
    assert set(rows) == {frozenset(), frozenset({"conv2"})}
    assert main(["variants", "export", str(run)]) == 0
    assert (run / "exports" / "tiny_cnn_conv2.m").exists()
    assert main(["variants", "layers", "--model", "tiny_cnn"]) == 0
    assert "r=2: (4, 2, 28, 28)" in capsys.readouterr().out


@pytest.mark.torch
def test_cli_user_errors(tmp_path, capsys):
    pytest.importorskip("torch")
    from terastal.cli import main

    data = fmnist.write_synthetic(tmp_path / "data", 32, 16)
    base = ["variants", "train", "--out", str(tmp_path / "r"), "--data", str(data)]
    assert main([*base, "--model", "tiny_cnn", "--layers", "conv1"]) == 2
    assert "divisible neither" in capsys.readouterr().err
    assert main([*base, "--model", "nope"]) == 2
    assert "bundled models" in capsys.readouterr().err
    assert main([*base, "--model", "tiny_cnn", "--unfreeze", "head"]) == 2
    assert main(["variants", "eval", str(tmp_path)]) == 2
    assert "not a variants run directory" in capsys.readouterr().err


@pytest.mark.torch
def test_train_dir_is_deterministic(tmp_path):
    torch = pytest.importorskip("torch")
    from terastal.variants.finetune import FinetuneConfig
    from terastal.variants.pipeline import train_dir
    from terastal.variants.train import TrainConfig

    data = fmnist.write_synthetic(tmp_path / "data", 96, 32)
    runs = []
    for name in ("a", "b"):
        torch.manual_seed(123 if name == "a" else 456)  # global state must not matter
        train_dir(tmp_path / name, "tiny_cnn", ["conv2"], TrainConfig(epochs=1),
                  FinetuneConfig(epochs=1, calib_samples=32), str(data))  # fmt: skip
        runs.append(tmp_path / name)
    for rel in ("base.pt", "variants/conv2.pt"):
        a, b = (torch.load(r / rel, weights_only=True) for r in runs)
        a, b = (x.get("patch", x) for x in (a, b))
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a), rel
