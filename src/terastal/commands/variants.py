"""``terastal variants``: train, fine-tune and evaluate PyTorch layer variants.

torch is imported only when a sub-command runs, so the CLI works without the extra.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from terastal.commands._args import at_least, output_dir, positive_finite, seed_value
from terastal.errors import InputError, TerastalError

INSTALL_MSG = "install the variants extra: pip install -e '.[variants]'"


def _require_torch() -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        raise TerastalError(f"this command needs PyTorch; {INSTALL_MSG}") from None


def _split(text: str | None) -> list[str]:
    return [s.strip() for s in (text or "").split(",") if s.strip()]


def _echo(msg: str) -> None:
    typer.echo(msg)


def register(app: typer.Typer) -> None:
    """Add the ``variants`` sub-app to ``app``."""
    sub = typer.Typer(
        name="variants",
        help="PyTorch layer variants: fine-tune, measure accuracy tables, export shapes.",
        no_args_is_help=True,
    )
    app.add_typer(sub, name="variants")

    @sub.command("train")
    def train(
        out: Annotated[Path, typer.Option("--out", "-o", help="Run directory (created).")],
        model: Annotated[str, typer.Option(help="Bundled model name.")] = "fmnist_vgg",
        layers: Annotated[
            str | None, typer.Option(help="Comma-separated layers (default: the model's).")
        ] = None,
        epochs: Annotated[int, typer.Option(help="Base-model training epochs.")] = 6,
        ft_epochs: Annotated[int, typer.Option(help="Fine-tuning epochs per variant.")] = 1,
        seed: Annotated[int, typer.Option(help="Seed of all randomness.")] = 0,
        lr: Annotated[float, typer.Option(help="Peak learning rate of base training.")] = 0.1,
        ft_lr: Annotated[float, typer.Option(help="Learning rate of fine-tuning.")] = 0.02,
        unfreeze: Annotated[
            str, typer.Option(help="Also train: 'bn' (following BatchNorm), 'classifier', ''.")
        ] = "bn",
        distill: Annotated[
            float, typer.Option(help="Weight of layer-output distillation (0 = off).")
        ] = 0.0,
        init: Annotated[
            str, typer.Option(help="Variant init: 'lstsq' (fit to layer outputs) or 'mean'.")
        ] = "lstsq",
        r: Annotated[int | None, typer.Option(help="Shuffle factor (default: 2, or 3).")] = None,
        data: Annotated[
            str | None, typer.Option(help="Fashion-MNIST idx directory (default: Debian's).")
        ] = None,
        limit_train: Annotated[
            int | None, typer.Option(help="Use only the first N training images.")
        ] = None,
        limit_test: Annotated[
            int | None, typer.Option(help="Use only the first N test images.")
        ] = None,
        force: Annotated[bool, typer.Option(help="Retrain even if checkpoints exist.")] = False,
    ) -> None:
        """Train the base model (unless OUT has one), then fine-tune each layer's variant."""
        _require_torch()
        from terastal.variants.finetune import FinetuneConfig
        from terastal.variants.models import default_layers
        from terastal.variants.pipeline import train_dir
        from terastal.variants.train import TrainConfig

        if init not in ("lstsq", "mean"):
            raise TerastalError(f"--init must be 'lstsq' or 'mean', got {init!r}")
        output_dir(out)
        at_least(epochs, 0, "--epochs")  # -1 trained as if 0, --limit-train -5 on all but 5
        at_least(ft_epochs, 0, "--ft-epochs")
        positive_finite(lr, "--lr")
        positive_finite(ft_lr, "--ft-lr")
        seed_value(seed)  # torch took -1 but not 2**64: a traceback once the data was read
        if not (math.isfinite(distill) and distill >= 0):
            raise TerastalError(f"--distill must be a finite number >= 0, got {distill}")
        for flag, n in (("--limit-train", limit_train), ("--limit-test", limit_test)):
            if n is not None:
                at_least(n, 1, flag)
        names = _split(layers)
        if layers is not None and not names:  # '--layers ,' trained the default layers
            raise InputError(f"lists no layer: {layers!r}", field="--layers")
        names = names or list(default_layers(model))
        tcfg = TrainConfig(epochs=epochs, lr=lr, seed=seed)
        try:  # what the config refuses here is --unfreeze (the other values are checked)
            fcfg = FinetuneConfig(
                epochs=ft_epochs, lr=ft_lr, unfreeze=tuple(_split(unfreeze)), distill=distill,
                calibrate=init == "lstsq", r=r, seed=seed,
            )  # fmt: skip
        except TerastalError as exc:
            raise InputError(str(exc), field="--unfreeze") from None
        log = train_dir(out, model, names, tcfg, fcfg, data, limit_train, limit_test, force, _echo)
        base = log.get("base", {})
        if "test_acc" in base:
            _echo(f"base: {base['test_acc']:.2f}% ({base['seconds']:.1f} s)")
        for name, v in log.get("variants", {}).items():
            _echo(f"{name}: r={v['r']} {v.get('acc_init', float('nan')):.2f}% -> "
                  f"{v.get('acc', float('nan')):.2f}% ({v['seconds']:.1f} s)")  # fmt: skip

    @sub.command("eval")
    def evaluate(
        run: Annotated[Path, typer.Argument(help="Run directory of `variants train`.")],
        out: Annotated[
            Path | None, typer.Option("--out", "-o", help="Table path (default RUN/accuracy.csv).")
        ] = None,
        samples: Annotated[int, typer.Option(help="Combinations sampled beyond 8 layers.")] = 256,
        seed: Annotated[int, typer.Option(help="Seed of the sampling.")] = 0,
        data: Annotated[str | None, typer.Option(help="Fashion-MNIST idx directory.")] = None,
    ) -> None:
        """Measure the accuracy of every combination of variants → CSV accuracy table."""
        _require_torch()
        seed_value(seed)
        from terastal.variants.pipeline import evaluate_dir

        at_least(samples, 0, "--samples")  # -1 sampled nothing and wrote a table
        evaluate_dir(run, out, data, samples=samples, seed=seed, progress=_echo)

    @sub.command("export")
    def export(
        run: Annotated[Path, typer.Argument(help="Run directory of `variants train`.")],
        out: Annotated[
            Path | None, typer.Option("--out", "-o", help="Directory (default RUN/exports).")
        ] = None,
    ) -> None:
        """Write MAESTRO .m layer files of the base model and its variant models."""
        _require_torch()
        from terastal.variants.pipeline import export_dir

        for path in export_dir(run, out):
            _echo(str(path))

    @sub.command("layers")
    def layers_cmd(
        model: Annotated[str, typer.Option(help="Bundled model name.")] = "fmnist_vgg",
    ) -> None:
        """List a bundled model's layers, their shapes and their variants' shapes."""
        _require_torch()
        from terastal.variants.d2s import VariantError, replace_layer
        from terastal.variants.export import export_model
        from terastal.variants.models import build_model, default_layers

        base = export_model(build_model(model), name=model)
        _echo(f"{'layer':<22} {'kind':<7} {'K':>5} {'C':>5} {'Y':>4} {'X':>4}  variant")
        for layer in base.layers:
            note = ""
            try:
                net = build_model(model)
                v = replace_layer(net, layer.name, r=None, init="random")
                vl = {x.name: x for x in export_model(net, name=model).layers}[layer.name]
                note = f"r={v.r}: ({vl.k}, {vl.c}, {vl.y}, {vl.x})"
                if layer.name in default_layers(model):
                    note += "  [default]"
            except (VariantError, AttributeError, TerastalError):
                note = "-"
            _echo(f"{layer.name:<22} {layer.kind.value:<7} {layer.k:>5} {layer.c:>5} "
                  f"{layer.y:>4} {layer.x:>4}  {note}")  # fmt: skip
