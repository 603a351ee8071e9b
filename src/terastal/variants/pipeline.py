"""End-to-end workflow on a run directory: train base → fine-tune variants → table → export.

Layout of a run directory::

    config.json          model, variant layers, seeds, training and fine-tuning options
    base.pt              base model state dict
    variants/<layer>.pt  {"r": r, "patch": state-dict entries of the fine-tuned modules}
    log.json             per-epoch logs, accuracies and wall-clock times
    accuracy.csv         written by :func:`evaluate_dir`
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Sequence
from pathlib import Path

import torch

from terastal._files import atomic_write
from terastal.errors import InputError, TerastalError
from terastal.variants import data as fmnist
from terastal.variants.export import export_model, write_maestro
from terastal.variants.finetune import (
    FinetuneConfig,
    build_combination,
    evaluate_combinations,
    finetune_variant,
    subsets,
)
from terastal.variants.models import build_model
from terastal.variants.table import write_table
from terastal.variants.train import (
    Progress,
    TrainConfig,
    evaluate,
    set_determinism,
    to_tensors,
    train_base,
)

FORMAT = 1
INPUT_SHAPE = (1, 1, 28, 28)


def _quiet(_msg: str) -> None:
    pass


def load_data(root: str | None = None, limit_train: int | None = None,
              limit_test: int | None = None):  # fmt: skip
    """Fashion-MNIST as tensors ``(x_train, y_train, x_test, y_test)``."""
    xtr, ytr = to_tensors(*fmnist.load_split("train", root, limit_train))
    xte, yte = to_tensors(*fmnist.load_split("test", root, limit_test))
    return xtr, ytr, xte, yte


def _read_json(path: Path, **shapes: type | tuple[type, ...]) -> dict:
    """A run file: a JSON object whose keys ``shapes`` (where present) have those types.

    Each way it can be wrong is an :class:`InputError` naming the file (and the line, or
    the field, where there is one): one ``error:`` line, exit 2.
    """
    try:
        obj = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        where = {"file": str(path), "line": exc.lineno}
        raise InputError(f"cannot read run file ({exc.msg})", **where) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read run file ({exc})", file=str(path)) from None
    if not isinstance(obj, dict):
        got = type(obj).__name__
        raise InputError(f"a run file holds a JSON object, got {got}", file=str(path))
    for key, kind in shapes.items():
        if key in obj and not isinstance(obj[key], kind):
            kinds = kind if isinstance(kind, tuple) else (kind,)
            name = " or ".join(_JSON_NAME[k] for k in kinds)
            raise InputError(
                f"must be {name}, got {type(obj[key]).__name__}", file=str(path), field=key
            )
    return obj


_JSON_NAME = {dict: "a JSON object", list: "a JSON list", str: "a string", int: "an integer",
              type(None): "null"}  # fmt: skip
#: The keys of a run's config.json that reading a run uses, and their types.
_CONFIG = {"model": str, "layers": list, "data_root": (str, type(None)),
           "limit_test": (int, type(None))}  # fmt: skip


def _load(path: Path) -> dict:
    """A checkpoint (``torch.load``, weights only); a damaged one is an error naming it."""
    try:
        return torch.load(path, weights_only=True)
    except Exception as exc:  # torch raises what its reader meets: pickle, zip, struct, OS
        # the first sentence: torch's own go on about its weights-only default
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0].split(". ")[0]
        raise TerastalError(
            f"{path}: cannot read checkpoint ({first[:160]}); run `terastal variants train "
            "--force` to train it again"
        ) from None


def _write_json(path: Path, obj: dict) -> None:
    atomic_write(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")


def _save(obj, path: Path) -> None:
    """``torch.save`` whole or not at all: a Ctrl-C in the middle of a plain save left a
    truncated checkpoint, which the next run reused (``base.pt``) and failed to load."""
    buf = io.BytesIO()
    torch.save(obj, buf)
    atomic_write(path, buf.getvalue())


def _variant_file(out: Path, layer: str) -> Path:
    return out / "variants" / f"{layer}.pt"


def train_dir(
    out: str | Path,
    model: str,
    layers: Sequence[str],
    train_cfg: TrainConfig,
    ft_cfg: FinetuneConfig,
    data_root: str | None = None,
    limit_train: int | None = None,
    limit_test: int | None = None,
    force: bool = False,
    progress: Progress = None,
) -> dict:
    """Train the base model (unless ``out`` holds one), then fine-tune each variant layer.

    A variant whose checkpoint exists with the same fine-tuning options is kept unless
    ``force``. Returns the run log (also written to ``out/log.json``).
    """
    say = progress or _quiet
    out = Path(out)
    layers = list(dict.fromkeys(layers))
    if not layers:
        raise TerastalError("no variant layers given")
    cfg_path, log_path, base_path = out / "config.json", out / "log.json", out / "base.pt"
    config = _read_json(cfg_path, **_CONFIG) if cfg_path.exists() else {}
    if config and config.get("model") != model:
        raise TerastalError(f"{out} holds a run of model {config.get('model')!r}, not {model!r}")
    from terastal.variants.d2s import replace_layer

    for layer in layers:  # fail early on an unknown model or an ineligible layer
        replace_layer(build_model(model), layer, r=ft_cfg.r, init="random")
    say(f"loading Fashion-MNIST from {fmnist.data_dir(data_root)}")
    xtr, ytr, xte, yte = load_data(data_root, limit_train, limit_test)
    try:  # only now: a bad layer, model or data directory leaves no run directory behind
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise TerastalError(f"{out}: cannot write: {exc.strerror or exc}") from None
    set_determinism(train_cfg.seed)  # the initial weights depend on the seed only
    net = build_model(model)
    log = _read_json(log_path, base=dict, variants=dict) if log_path.exists() else {}
    if base_path.exists() and not force:
        net.load_state_dict(_load(base_path))
        say(f"base model: reusing {base_path}")
    else:
        say(f"training {model} on {len(xtr)} images for {train_cfg.epochs} epochs")
        t0, c0 = time.perf_counter(), time.process_time()
        epochs = train_base(net, xtr, ytr, train_cfg, progress)
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        acc = evaluate(net, xte, yte)
        _save(net.state_dict(), base_path)
        log = {"base": {"epochs": epochs, "seconds": seconds, "cpu_seconds": cpu, "test_acc": acc}}
        say(f"base model: test accuracy {acc:.2f}% after {seconds:.1f} s")
    config = {
        "format": FORMAT,
        "model": model,
        "layers": list(dict.fromkeys([*config.get("layers", []), *layers])),
        "train": train_cfg.to_dict() if "train" not in config else config["train"],
        "finetune": ft_cfg.to_dict(),
        "data_root": data_root,
        "limit_train": limit_train,
        "limit_test": limit_test,
    }
    _write_json(cfg_path, config)
    log.setdefault("variants", {})
    (out / "variants").mkdir(exist_ok=True)
    for layer in layers:
        path = _variant_file(out, layer)
        old = log["variants"].get(layer, {})
        if path.exists() and not force and old.get("config") == ft_cfg.to_dict():
            say(f"{layer}: reusing {path}")
            continue
        t0, c0 = time.perf_counter(), time.process_time()
        _, patch, vlog = finetune_variant(net, layer, xtr, ytr, ft_cfg, xte, yte, progress)
        vlog["seconds"] = time.perf_counter() - t0
        vlog["cpu_seconds"] = time.process_time() - c0
        vlog["config"] = ft_cfg.to_dict()
        _save({"r": vlog["r"], "patch": patch}, path)
        log["variants"][layer] = vlog
        _write_json(log_path, log)
        say(f"{layer}: fine-tuned in {vlog['seconds']:.1f} s")
    _write_json(log_path, log)
    return log


def load_run(run: str | Path):
    """Load a run directory: ``(config, base model, patches, r per layer)``."""
    run = Path(run)
    if not (run / "config.json").exists() or not (run / "base.pt").exists():
        raise TerastalError(
            f"{run} is not a variants run directory (no config.json/base.pt); "
            "create it with `terastal variants train`"
        )
    config = _read_json(run / "config.json", **_CONFIG)
    for key in ("model", "layers"):
        if key not in config:
            raise InputError("missing", file=str(run / "config.json"), field=key)
    net = build_model(config["model"])
    net.load_state_dict(_load(run / "base.pt"))
    net.eval()
    patches, r = {}, {}
    for layer in config["layers"]:
        path = _variant_file(run, layer)
        if not path.exists():
            raise TerastalError(f"{path} is missing; rerun `terastal variants train`")
        ckpt = _load(path)
        if not isinstance(ckpt, dict) or not {"patch", "r"} <= ckpt.keys():
            raise TerastalError(f"{path}: not a variant checkpoint (no 'patch' and 'r')")
        patches[layer], r[layer] = ckpt["patch"], int(ckpt["r"])
    return config, net, patches, r


def evaluate_dir(
    run: str | Path,
    out: str | Path | None = None,
    data_root: str | None = None,
    exhaustive_max: int = 8,
    samples: int = 256,
    seed: int = 0,
    progress: Progress = None,
) -> tuple[Path, list[tuple[tuple[str, ...], float]]]:
    """Evaluate every combination of the run's variants on the test set; write the table.

    All ``2^n`` combinations for ``n <= exhaustive_max`` layers, ``samples`` seeded ones beyond.
    Returns the table path (default ``run/accuracy.csv``) and the rows.
    """
    run = Path(run)
    config, net, patches, r = load_run(run)
    root = data_root if data_root is not None else config.get("data_root")
    xte, yte = to_tensors(*fmnist.load_split("test", root, config.get("limit_test")))
    torch.set_num_threads(2)
    combos = subsets(config["layers"], exhaustive_max, samples, seed)
    say = progress or _quiet
    say(f"evaluating {len(combos)} combinations of {len(config['layers'])} variants "
        f"on {len(xte)} test images")  # fmt: skip
    t0 = time.perf_counter()
    rows = evaluate_combinations(net, config["layers"], patches, r, xte, yte, combos, progress)
    path = write_table(Path(out) if out else run / "accuracy.csv", config["model"], rows)
    say(f"wrote {path} ({time.perf_counter() - t0:.1f} s)")
    return path, rows


def export_dir(run: str | Path, out: str | Path | None = None) -> list[Path]:
    """Write MAESTRO ``.m`` files of the base model, each single variant and all variants.

    Returns the written paths (in ``out``, default ``run/exports``).
    """
    config, net, patches, r = load_run(run)
    dest = Path(out) if out else Path(run) / "exports"
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # e.g. --out names a file
        raise InputError(f"cannot write: {exc.strerror or exc}", field="--out") from None
    name = config["model"]
    written = [write_maestro(export_model(net, INPUT_SHAPE, name), dest / f"{name}.m")]
    for combo in [(layer,) for layer in config["layers"]] + [tuple(config["layers"])]:
        if len(combo) > 1 and len(config["layers"]) == 1:
            continue
        tag = combo[0] if len(combo) == 1 else "all"
        model = export_model(build_combination(net, combo, patches, r), INPUT_SHAPE, name)
        written.append(write_maestro(model, dest / f"{name}_{tag}.m"))
    return written


def summary(run: str | Path) -> dict:
    """The run's config and log merged, for reports."""
    run = Path(run)
    out = {"config": _read_json(run / "config.json")}
    if (run / "log.json").exists():
        out["log"] = _read_json(run / "log.json")
    return out


__all__ = ["evaluate_dir", "export_dir", "load_data", "load_run", "summary", "train_dir"]
