"""Fine-tune one variant at a time with the rest frozen; assemble variant combinations.

A fine-tuned variant is stored as a *patch*: the state-dict entries of the modules that were
trained (the variant itself, optionally the BatchNorm that follows it and the classifier).
A combination is the base model with the active layers replaced and their patches loaded;
where several active patches hold the same entry (the classifier), their mean is used.
"""

from __future__ import annotations

import copy
import itertools
import random
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F  # noqa: N812
from torch import fx, nn

from terastal.errors import TerastalError
from terastal.variants.d2s import D2SConvS2D, D2SLinear, calibrate, replace_layer
from terastal.variants.train import Progress, batches, evaluate, run_epochs, set_determinism

UNFREEZE_CHOICES = ("bn", "classifier")


@dataclass(frozen=True)
class FinetuneConfig:
    """Options of variant fine-tuning.

    Parameters
    ----------
    epochs : int
        Epochs over the training set (0 keeps the initialised variant).
    lr : float
        Peak learning rate (cosine decay, SGD with Nesterov momentum).
    unfreeze : tuple of str
        Also train ``"bn"`` (the BatchNorm right after the layer) and/or ``"classifier"``.
    distill : float
        Weight of the distillation term: the MSE between the variant's output and the
        original layer's output on the same input, divided by the mean square of the latter.
        0 disables it.
    calibrate : bool
        Initialise by a least-squares fit to the original layer's outputs
        (:func:`terastal.variants.d2s.calibrate`) on ``calib_samples`` training images; else the
        data-free ``"mean"`` initialisation.
    """

    epochs: int = 1
    lr: float = 0.02
    batch_size: int = 128
    unfreeze: tuple[str, ...] = ("bn",)
    distill: float = 0.0
    calibrate: bool = True
    calib_samples: int = 1024
    r: int | None = None
    augment_shift: int | None = 2
    seed: int = 0

    def __post_init__(self) -> None:
        bad = set(self.unfreeze) - set(UNFREEZE_CHOICES)
        if bad:
            raise TerastalError(
                f"unknown unfreeze option(s) {sorted(bad)}: choose from {UNFREEZE_CHOICES}"
            )
        if self.distill < 0:
            raise TerastalError("distillation weight must be >= 0")

    def to_dict(self) -> dict:
        """JSON-friendly form."""
        d = asdict(self)
        d["unfreeze"] = list(self.unfreeze)
        return d


class _Tracer(fx.Tracer):
    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return isinstance(m, D2SConvS2D) or super().is_leaf_module(m, qualname)


def trace(model: nn.Module) -> fx.GraphModule:
    """``torch.fx`` graph of ``model`` with variant modules kept as leaves."""
    graph = _Tracer().trace(model)
    return fx.GraphModule(model, graph)


def get_module(model: nn.Module, path: str) -> nn.Module:
    """The sub-module at dotted ``path`` (clear error when missing)."""
    try:
        return model.get_submodule(path)
    except AttributeError:
        raise TerastalError(f"no layer {path!r} in the model") from None


def following_batchnorm(model: nn.Module, path: str) -> str | None:
    """Name of the BatchNorm that directly consumes layer ``path``'s output, if any."""
    gm = trace(model)
    for node in gm.graph.nodes:
        if node.op == "call_module" and node.target == path:
            for user in node.users:
                if user.op == "call_module" and isinstance(
                    gm.get_submodule(user.target), nn.modules.batchnorm._BatchNorm
                ):
                    return str(user.target)
    return None


def classifier_name(model: nn.Module) -> str | None:
    """Name of the last ``Linear`` (or linear variant) module, taken as the classifier."""
    last = None
    for name, mod in model.named_modules():
        if isinstance(mod, nn.Linear | D2SLinear):
            last = name
    return last


@torch.no_grad()
def layer_inputs(model: nn.Module, path: str, x: torch.Tensor, batch_size: int = 256):
    """Inputs that layer ``path`` receives when ``model`` (eval mode) runs on ``x``."""
    seen: list[torch.Tensor] = []
    handle = get_module(model, path).register_forward_hook(
        lambda _m, inp, _out: seen.append(inp[0].detach())
    )
    try:
        model.eval()
        for xb, _ in batches(x, torch.zeros(len(x)), batch_size):
            model(xb)
    finally:
        handle.remove()
    return torch.cat(seen)


def finetune_variant(
    base: nn.Module,
    path: str,
    x: torch.Tensor,
    y: torch.Tensor,
    cfg: FinetuneConfig,
    x_val: torch.Tensor | None = None,
    y_val: torch.Tensor | None = None,
    progress: Progress = None,
) -> tuple[nn.Module, dict[str, torch.Tensor], dict]:
    """Replace ``path`` in a copy of ``base`` by its variant and fine-tune it, rest frozen.

    Returns
    -------
    model : nn.Module
        The fine-tuned single-variant model.
    patch : dict
        State-dict entries of the trained modules.
    log : dict
        r, trained modules, initial fit error, accuracy before/after fine-tuning, epoch logs.
    """
    g = set_determinism(cfg.seed)
    model = copy.deepcopy(base)
    original = copy.deepcopy(get_module(base, path)).eval()
    for p in original.parameters():
        p.requires_grad_(False)
    variant = replace_layer(model, path, r=cfg.r, init="mean")
    log: dict = {"layer": path, "r": variant.r}
    calib_idx = torch.randperm(len(x), generator=g)[: cfg.calib_samples]
    inputs = layer_inputs(base, path, x[calib_idx])
    if cfg.calibrate:
        log["init"] = "lstsq"
        log["init_rel_mse"] = calibrate(variant, original, inputs)
    else:
        log["init"] = "mean"
        with torch.no_grad():
            tgt = original(inputs)
            log["init_rel_mse"] = float(((variant(inputs) - tgt) ** 2).sum() / (tgt**2).sum())
    trained = [path]
    if "bn" in cfg.unfreeze and (bn := following_batchnorm(model, path)):
        trained.append(bn)
    if "classifier" in cfg.unfreeze and (cls := classifier_name(base)) and cls not in trained:
        trained.append(cls)
    log["trained"] = trained
    for p in model.parameters():
        p.requires_grad_(False)
    params = [p for name in trained for p in get_module(model, name).parameters()]
    for p in params:
        p.requires_grad_(True)
    if x_val is not None and y_val is not None:
        log["acc_init"] = evaluate(model, x_val, y_val)
        if progress:
            progress(
                f"{path}: r={variant.r}, initial fit rel. MSE {log['init_rel_mse']:.4f}, "
                f"accuracy before fine-tuning {log['acc_init']:.2f}%"
            )

    def set_mode() -> None:
        model.eval()  # frozen BatchNorms keep their statistics, dropout is off
        for name in trained:
            get_module(model, name).train()

    extra, handle = None, None
    if cfg.distill > 0:
        cache: dict[str, torch.Tensor] = {}
        handle = variant.register_forward_hook(
            lambda _m, inp, out: cache.update(inp=inp[0], out=out)
        )

        def extra() -> torch.Tensor:
            with torch.no_grad():
                tgt = original(cache["inp"])
            return cfg.distill * F.mse_loss(cache["out"], tgt) / tgt.pow(2).mean().clamp_min(1e-12)

    log["epochs"] = []
    if cfg.epochs > 0:
        log["epochs"] = run_epochs(
            model, params, x, y, epochs=cfg.epochs, batch_size=cfg.batch_size, lr=cfg.lr,
            generator=g, augment_shift=cfg.augment_shift, schedule="cosine", set_mode=set_mode,
            extra_loss=extra, progress=progress, label=f"fine-tune {path}",
        )  # fmt: skip
    if handle is not None:
        handle.remove()
    model.eval()
    if x_val is not None and y_val is not None:
        log["acc"] = evaluate(model, x_val, y_val)
        if progress:
            progress(f"{path}: accuracy after fine-tuning {log['acc']:.2f}%")
    state = model.state_dict()
    patch = {k: v.clone() for k, v in state.items() if any(_under(k, n) for n in trained)}
    return model, patch, log


def _under(key: str, module: str) -> bool:
    return key.startswith(module + ".")


def build_combination(
    base: nn.Module,
    active: Sequence[str],
    patches: dict[str, dict[str, torch.Tensor]],
    r: dict[str, int],
) -> nn.Module:
    """``base`` with the layers in ``active`` replaced by their fine-tuned variants.

    Entries that several active patches share are averaged.
    """
    model = copy.deepcopy(base)
    merged: dict[str, list[torch.Tensor]] = {}
    for layer in active:
        if layer not in patches:
            raise TerastalError(f"no fine-tuned variant for layer {layer!r}")
        replace_layer(model, layer, r=r[layer], init="random")
        for k, v in patches[layer].items():
            merged.setdefault(k, []).append(v)
    state = {
        k: vs[0] if len(vs) == 1 or not vs[0].is_floating_point() else torch.stack(vs).mean(0)
        for k, vs in merged.items()
    }
    result = model.load_state_dict(state, strict=False)
    if result.unexpected_keys:
        raise TerastalError(f"variant patches do not fit the model: {result.unexpected_keys}")
    model.eval()
    return model


def subsets(layers: Sequence[str], exhaustive_max: int = 8, samples: int = 256, seed: int = 0):
    """Variant combinations to evaluate, baseline first.

    All ``2^n`` subsets (by size, then layer order) for ``n <= exhaustive_max``; beyond, the
    baseline, every single variant, all variants, then distinct subsets drawn with a seeded
    RNG until ``samples`` combinations.
    """
    n = len(layers)
    if n <= exhaustive_max:
        out = []
        for size in range(n + 1):
            out.extend(itertools.combinations(layers, size))
        return out
    chosen: list[tuple[str, ...]] = [(), *((layer,) for layer in layers), tuple(layers)]
    seen = {frozenset(c) for c in chosen}
    rng = random.Random(seed)
    target = min(samples, 2**n)
    while len(chosen) < target:
        mask = [rng.random() < 0.5 for _ in layers]
        combo = tuple(layer for layer, m in zip(layers, mask, strict=True) if m)
        if frozenset(combo) not in seen:
            seen.add(frozenset(combo))
            chosen.append(combo)
    return chosen


def evaluate_combinations(
    base: nn.Module,
    layers: Sequence[str],
    patches: dict[str, dict[str, torch.Tensor]],
    r: dict[str, int],
    x: torch.Tensor,
    y: torch.Tensor,
    combos: Iterable[Sequence[str]] | None = None,
    progress: Progress = None,
) -> list[tuple[tuple[str, ...], float]]:
    """Accuracy (percent) of ``base`` under every combination of fine-tuned variants."""
    combos = list(subsets(layers) if combos is None else combos)
    rows = []
    for i, combo in enumerate(combos, 1):
        acc = evaluate(build_combination(base, combo, patches, r), x, y)
        rows.append((tuple(combo), acc))
        if progress:
            progress(f"[{i}/{len(combos)}] {';'.join(combo) or '(baseline)'}: {acc:.2f}%")
    return rows
