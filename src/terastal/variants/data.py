"""Fashion-MNIST from Debian's ``dataset-fashion-mnist`` package, read with numpy.

The package installs ``{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz`` into
``/usr/share/datasets/fashion-mnist``; ``scripts/install_fashion_mnist.sh`` installs it. The
directory can be overridden with the ``TERASTAL_FASHION_MNIST`` environment variable or the
``root`` argument. Plain (uncompressed) idx files are accepted too.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from terastal.errors import TerastalError

DEFAULT_DIR = Path("/usr/share/datasets/fashion-mnist")
ENV_VAR = "TERASTAL_FASHION_MNIST"
INSTALL_HINT = "bash scripts/install_fashion_mnist.sh"
#: Mean and standard deviation of the training images scaled to [0, 1].
MEAN, STD = 0.2860, 0.3530
CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class DatasetMissingError(TerastalError):
    """The Fashion-MNIST files are not installed."""


def data_dir(root: str | os.PathLike[str] | None = None) -> Path:
    """Directory holding the idx files: ``root``, else ``$TERASTAL_FASHION_MNIST``, else the
    Debian package's directory."""
    if root is not None:
        return Path(root)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_DIR


def _find(directory: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        p = directory / name
        if p.is_file():
            return p
    return None


def available(root: str | os.PathLike[str] | None = None) -> bool:
    """Whether all four idx files are present."""
    d = data_dir(root)
    return all(_find(d, stem) for pair in _FILES.values() for stem in pair)


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Read one idx file (optionally gzip-compressed) into a numpy array.

    Raises
    ------
    TerastalError
        When the file is not a valid unsigned-byte idx file.
    """
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError, zlib.error) as exc:  # a truncated .gz: EOFError, which click
        # took for a closed stdin ("aborted", exit 1)
        raise TerastalError(f"{path}: cannot read ({exc})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise TerastalError(f"{path}: not an idx file (bad magic number)")
    if raw[2] != 0x08:
        raise TerastalError(f"{path}: idx data type 0x{raw[2]:02x} is not unsigned byte")
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    count = int(np.prod(dims)) if dims else 0
    if len(raw) - header != count:
        raise TerastalError(
            f"{path}: idx header announces {count} values but the file holds {len(raw) - header}"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def load_split(
    split: str, root: str | os.PathLike[str] | None = None, limit: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Load ``"train"`` or ``"test"`` as ``(images uint8 (N, 28, 28), labels int64 (N,))``.

    Parameters
    ----------
    split : str
        ``"train"`` (60 000 images) or ``"test"`` (10 000).
    root : path or None
        Directory of the idx files (see :func:`data_dir`).
    limit : int or None
        Keep only the first ``limit`` examples.

    Raises
    ------
    DatasetMissingError
        When the files are missing; the message names the expected path and the install script.
    """
    if split not in _FILES:
        raise TerastalError(f"unknown split {split!r}: expected 'train' or 'test'")
    d = data_dir(root)
    paths = []
    for stem in _FILES[split]:
        p = _find(d, stem)
        if p is None:
            raise DatasetMissingError(
                f"Fashion-MNIST file {d / (stem + '.gz')} is missing; install it with "
                f"`{INSTALL_HINT}` (Debian package dataset-fashion-mnist) or set {ENV_VAR} "
                "to the directory holding the idx files"
            )
        paths.append(p)
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise TerastalError(f"{d}: {split} images {images.shape} and labels {labels.shape} differ")
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return images, labels.astype(np.int64)


def write_idx(path: str | os.PathLike[str], array: np.ndarray) -> None:
    """Write a uint8 array as an idx file (gzip-compressed if ``path`` ends in ``.gz``)."""
    path = Path(path)
    a = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, a.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in a.shape)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as f:
        f.write(header + a.tobytes())


def synthetic(n: int, seed: int = 0, classes: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Fashion-MNIST-shaped stand-in data for smoke tests: ``(uint8 (n, 28, 28), int64 (n,))``.

    Class ``c`` is a stripe pattern: horizontal for even ``c``, vertical for odd, with period
    ``2 + c // 2`` pixels, a random phase and contrast, plus Gaussian noise; small CNNs learn
    it in a few steps.
    """
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    period = 2 + labels // 2
    phase = rng.integers(0, 28, n)
    pos = np.arange(28)
    stripes = ((pos[None, :] + phase[:, None]) % (2 * period[:, None])) < period[:, None]
    img = np.where(labels[:, None, None] % 2 == 0, stripes[:, :, None], stripes[:, None, :])
    img = img * rng.uniform(120, 230, (n, 1, 1)) + rng.normal(20, 25, (n, 28, 28))
    return np.clip(img, 0, 255).astype(np.uint8), labels.astype(np.int64)


def write_synthetic(root: str | os.PathLike[str], n_train: int = 512, n_test: int = 256,
                    seed: int = 0) -> Path:  # fmt: skip
    """Write :func:`synthetic` train/test splits as gzip idx files under ``root``."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for split, n, s in (("train", n_train, seed), ("test", n_test, seed + 1)):
        images, labels = synthetic(n, s)
        write_idx(root / (_FILES[split][0] + ".gz"), images)
        write_idx(root / (_FILES[split][1] + ".gz"), labels)
    return root
