"""Small CNNs bundled for Fashion-MNIST (1×28×28 inputs, 10 classes).

Every layer is a named attribute, so dotted paths such as ``"conv4"`` address it for
:func:`terastal.variants.d2s.replace_layer`; channel counts are divisible by 4 so r = 2
variants exist for all but the first conv and the classifier.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F  # noqa: N812
from torch import nn

from terastal.errors import TerastalError


def _conv_bn(c: int, k: int) -> tuple[nn.Conv2d, nn.BatchNorm2d]:
    return nn.Conv2d(c, k, 3, padding=1, bias=False), nn.BatchNorm2d(k)


class FashionVGG(nn.Module):
    """VGG-style net: five 3×3 conv+BN+ReLU, two max-pools, global average pool, two FCs.

    ``conv1 1→w (28×28) · pool · conv2 w→w, conv3 w→2w (14×14) · pool ·
    conv4 2w→2w, conv5 2w→4w (7×7) · GAP · fc1 4w→2w · fc 2w→10``.

    Parameters
    ----------
    width : int
        Base channel count ``w`` (divisible by 4).
    """

    def __init__(self, width: int = 32, num_classes: int = 10) -> None:
        super().__init__()
        w = width
        self.conv1, self.bn1 = _conv_bn(1, w)
        self.conv2, self.bn2 = _conv_bn(w, w)
        self.conv3, self.bn3 = _conv_bn(w, 2 * w)
        self.conv4, self.bn4 = _conv_bn(2 * w, 2 * w)
        self.conv5, self.bn5 = _conv_bn(2 * w, 4 * w)
        self.fc1 = nn.Linear(4 * w, 2 * w)
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(2 * w, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits for a batch ``(N, 1, 28, 28)``."""
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.max_pool2d(F.relu(self.bn3(self.conv3(x))), 2)
        x = F.relu(self.bn4(self.conv4(x)))
        x = F.relu(self.bn5(self.conv5(x)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        x = self.drop(F.relu(self.fc1(x)))
        return self.fc(x)


class TinyCNN(nn.Module):
    """A few-thousand-parameter net for unit tests: conv 1→8, conv 8→16, GAP, fc 16→10."""

    def __init__(self, num_classes: int = 10) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits for a batch ``(N, 1, H, W)``."""
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.relu(self.bn2(self.conv2(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


#: Bundled models: name → (factory, default variant layers).
MODELS: dict[str, tuple[Callable[[], nn.Module], tuple[str, ...]]] = {
    "fmnist_vgg": (FashionVGG, ("conv3", "conv4", "conv5", "fc1")),
    "tiny_cnn": (TinyCNN, ("conv2",)),
}


def build_model(name: str) -> nn.Module:
    """Instantiate the bundled model ``name``.

    Raises
    ------
    TerastalError
        For an unknown name (the message lists the known ones).
    """
    try:
        factory, _ = MODELS[name]
    except KeyError:
        raise TerastalError(
            f"unknown model {name!r}; bundled models: {', '.join(sorted(MODELS))}"
        ) from None
    return factory()


def default_layers(name: str) -> tuple[str, ...]:
    """The variant layers picked for bundled model ``name``."""
    build_model(name)  # validates the name
    return MODELS[name][1]
