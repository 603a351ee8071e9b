"""Deterministic training and evaluation loops (CPU, explicit seeds, 2 threads)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from terastal.variants.data import MEAN, STD

Progress = Callable[[str], None] | None


@dataclass(frozen=True)
class TrainConfig:
    """Hyper-parameters of base-model training.

    SGD with Nesterov momentum under a one-cycle learning-rate schedule; augmentation is a
    random horizontal flip plus a random shift of up to ``shift`` pixels (zero padded).
    """

    epochs: int = 6
    batch_size: int = 128
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    augment: bool = True
    shift: int = 2
    seed: int = 0

    def to_dict(self) -> dict:
        """JSON-friendly form."""
        return asdict(self)


def set_determinism(seed: int, threads: int = 2) -> torch.Generator:
    """Seed torch, fix the thread count and return a CPU generator seeded with ``seed``."""
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def to_tensors(images: np.ndarray, labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 images ``(N, H, W)`` → normalised float ``(N, 1, H, W)``; labels → int64."""
    x = torch.from_numpy(np.asarray(images, dtype=np.float32) / 255.0)
    x = ((x - MEAN) / STD).unsqueeze(1)
    return x, torch.from_numpy(np.asarray(labels, dtype=np.int64))


def augment(x: torch.Tensor, generator: torch.Generator, shift: int = 2) -> torch.Tensor:
    """Random horizontal flip and random shift by up to ``shift`` pixels, per sample."""
    n, _, h, w = x.shape
    flip = torch.rand(n, generator=generator) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    if shift <= 0:
        return x
    bg = (0.0 - MEAN) / STD  # a black pixel after normalisation
    xp = F.pad(x, (shift, shift, shift, shift), value=bg)
    dy = torch.randint(0, 2 * shift + 1, (n,), generator=generator)
    dx = torch.randint(0, 2 * shift + 1, (n,), generator=generator)
    rows = (dy[:, None] + torch.arange(h))[:, None, :, None]
    cols = (dx[:, None] + torch.arange(w))[:, None, None, :]
    idx = torch.arange(n)[:, None, None, None]
    return xp[idx, torch.arange(x.shape[1])[None, :, None, None], rows, cols]


def batches(
    x: torch.Tensor,
    y: torch.Tensor,
    batch_size: int,
    generator: torch.Generator | None = None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Mini-batches; shuffled with ``generator`` when given, in order otherwise."""
    n = len(x)
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    for i in range(0, n, batch_size):
        idx = order[i : i + batch_size]
        yield x[idx], y[idx]


@torch.no_grad()
def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch_size: int = 500) -> float:
    """Top-1 accuracy of ``model`` on ``(x, y)`` in percent (model left in eval mode)."""
    model.eval()
    correct = 0
    for xb, yb in batches(x, y, batch_size):
        correct += int((model(xb).argmax(dim=1) == yb).sum())
    return 100.0 * correct / max(len(x), 1)


def run_epochs(
    model: nn.Module,
    params: list[nn.Parameter],
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    generator: torch.Generator,
    momentum: float = 0.9,
    weight_decay: float = 5e-4,
    augment_shift: int | None = 2,
    schedule: str = "onecycle",
    set_mode: Callable[[], None] | None = None,
    extra_loss: Callable[[], torch.Tensor] | None = None,
    progress: Progress = None,
    label: str = "train",
) -> list[dict]:
    """Optimise ``params`` with SGD for ``epochs`` epochs and return per-epoch logs.

    Parameters
    ----------
    set_mode : callable or None
        Called before every epoch to set train/eval modes (default: ``model.train()``).
    extra_loss : callable or None
        Returns a term added to the cross-entropy after each forward pass (distillation).
    augment_shift : int or None
        ``None`` disables augmentation; otherwise the maximum shift.
    schedule : str
        ``"onecycle"`` (warm-up then cosine decay) or ``"cosine"``.
    """
    opt = torch.optim.SGD(
        params, lr=lr, momentum=momentum, nesterov=True, weight_decay=weight_decay
    )
    steps = epochs * math.ceil(len(x) / batch_size)
    if schedule == "onecycle":
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=max(steps, 1))
    else:
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(steps, 1))
    logs = []
    for epoch in range(1, epochs + 1):
        (set_mode or model.train)()
        t0 = time.perf_counter()
        total_loss, correct, seen = 0.0, 0, 0
        for xb, yb in batches(x, y, batch_size, generator):
            if augment_shift is not None:
                xb = augment(xb, generator, augment_shift)
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            if extra_loss is not None:
                loss = loss + extra_loss()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total_loss += float(loss.detach()) * len(xb)
            correct += int((out.argmax(1) == yb).sum())
            seen += len(xb)
        log = {
            "epoch": epoch,
            "loss": total_loss / max(seen, 1),
            "train_acc": 100.0 * correct / max(seen, 1),
            "seconds": time.perf_counter() - t0,
        }
        logs.append(log)
        if progress:
            progress(
                f"{label}: epoch {epoch}/{epochs} loss {log['loss']:.4f} "
                f"train acc {log['train_acc']:.2f}% ({log['seconds']:.1f} s)"
            )
    return logs


def train_base(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    cfg: TrainConfig,
    progress: Progress = None,
) -> list[dict]:
    """Train every parameter of ``model`` from scratch on ``(x, y)``."""
    g = set_determinism(cfg.seed)
    return run_epochs(
        model,
        list(model.parameters()),
        x,
        y,
        epochs=cfg.epochs,
        batch_size=cfg.batch_size,
        lr=cfg.lr,
        generator=g,
        momentum=cfg.momentum,
        weight_decay=cfg.weight_decay,
        augment_shift=cfg.shift if cfg.augment else None,
        progress=progress,
        label="base",
    )
