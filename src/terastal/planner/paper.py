"""The six models of the Terastal paper: their exports, variant layers and accuracy tables.

The bundled data (``terastal/data/paper``, see its ``NOTICE.md``) hold, per model, a MAESTRO
export of the base model, exports of the base model with one layer replaced by its variant,
and a results file with the measured accuracy of every combination of variants. The results
files name layers either with PyTorch dotted names (``layer2.0.conv1``: the export writes
``layer2_0_conv1``) or by index (``idx0`` ...: the index of the variant export that replaces
the layer). :data:`PAPER_MODELS` records that mapping, found by diffing every variant export
against its base export; accuracy tables returned here use the export's layer names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from terastal.errors import InputError
from terastal.model import Model
from terastal.planner.accuracy import AccuracyTable, parse_combination_csv, parse_summary

__all__ = [
    "PAPER_MODELS",
    "PaperModel",
    "bundled_accuracy_tables",
    "data_dir",
    "find_paper_model",
    "load_paper_model",
    "paper_accuracy_table",
]


def data_dir() -> Path:
    """Directory of the bundled paper data."""
    return Path(str(resources.files("terastal"))) / "data" / "paper"


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@dataclass(frozen=True)
class PaperModel:
    """One paper model and where its data live.

    Parameters
    ----------
    name : str
        Bundled model name (``model:`` in a scenario).
    export : str
        Base MAESTRO export, relative to :func:`data_dir`.
    results : str
        Accuracy results file, relative to :func:`data_dir`.
    metric : str
        Metric the planner normalizes (``top5``, ``map``, ``delta1``).
    result_names : mapping of str to str
        Layer name in the results file -> layer name in the export.
    variant_exports : mapping of str to str
        Export layer name -> export with that layer replaced by its variant (the one the
        results were measured with).
    excluded : tuple of str
        Results-file layers whose combinations are left out by default (see ``README.md`` of
        the results: the paper's VGG11 subset drops ``idx0``).
    aliases : tuple of str
        Other names the model goes by (normalized: lower case, ``_`` separators).
    """

    name: str
    export: str
    results: str
    metric: str
    result_names: Mapping[str, str]
    variant_exports: Mapping[str, str] = field(default_factory=dict)
    excluded: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def variant_layers(self) -> tuple[str, ...]:
        """Export names of the layers with a measured variant (excluded ones left out)."""
        return tuple(v for k, v in self.result_names.items() if k not in self.excluded)

    @property
    def export_path(self) -> Path:
        """Absolute path of the base export."""
        return data_dir() / self.export

    @property
    def results_path(self) -> Path:
        """Absolute path of the results file."""
        return data_dir() / self.results


def _dotted(*names: str) -> dict[str, str]:
    return {n: n.replace(".", "_") for n in names}


_EXP = "experiments"
_RES = "results/paper"

PAPER_MODELS: Mapping[str, PaperModel] = MappingProxyType(
    {
        "resnet50": PaperModel(
            "resnet50",
            f"{_EXP}/resnet50/exports/ResNet50.m",
            f"{_RES}/resnet50/resnet50_combination_results.txt",
            "top5",
            _dotted(
                "layer2.0.conv1",
                "layer3.0.conv1",
                "layer3.0.conv2",
                "layer4.0.conv1",
                "layer4.0.conv2",
                "layer4.1.conv2",
                "layer4.2.conv2",
            ),
            aliases=("generated_resnet50", "resnet_50"),
        ),
        "vgg11": PaperModel(
            "vgg11",
            f"{_EXP}/vgg11/exports/vgg11.m",
            f"{_RES}/vgg11/vgg11_combination_results.txt",
            "top5",
            {
                "idx0": "features_8",
                "idx1": "features_16",
                "idx2": "features_18",
                "idx3": "classifier_0",
                "idx4": "classifier_3",
            },
            {
                "features_8": f"{_EXP}/vgg11/exports/vgg11_0.m",
                "features_16": f"{_EXP}/vgg11/exports/vgg11_1.m",
                "features_18": f"{_EXP}/vgg11/exports/vgg11_idx2_trained_imagenet.m",
                "classifier_0": f"{_EXP}/vgg11/exports/vgg11_idx3_trained_imagenet.m",
                "classifier_3": f"{_EXP}/vgg11/exports/vgg11_idx4_trained_imagenet.m",
            },
            excluded=("idx0",),
            aliases=("vgg_11",),
        ),
        "inceptionv3": PaperModel(
            "inceptionv3",
            f"{_EXP}/inceptionv3/exports/inceptionv3.m",
            f"{_RES}/inceptionv3/inceptionv3_combination_results.txt",
            "top5",
            _dotted(
                "Conv2d_4a_3x3.conv", "Mixed_6a.branch3x3.conv", "Mixed_7c.branch3x3dbl_1.conv"
            ),
            {
                "Conv2d_4a_3x3_conv": f"{_EXP}/inceptionv3/exports/"
                "inceptionv3_idx0_trained_imagenet.m",
                "Mixed_6a_branch3x3_conv": f"{_EXP}/inceptionv3/exports/"
                "inceptionv3_idx1_trained_imagenet.m",
                "Mixed_7c_branch3x3dbl_1_conv": f"{_EXP}/inceptionv3/exports/"
                "inceptionv3_idx2_trained_imagenet.m",
            },
            aliases=("inception_v3",),
        ),
        "swin_tiny": PaperModel(
            "swin_tiny",
            f"{_EXP}/swin_tiny/exports/swin-tiny.m",
            f"{_RES}/swin_tiny/combination_results.txt",
            "top5",
            {
                f"idx{i}": f"swin_encoder_layers_3_blocks_{b}_{part}_dense"
                for i, (b, part) in enumerate(
                    [(0, "intermediate"), (0, "output"), (1, "intermediate"), (1, "output")]
                )
            },
            {
                f"swin_encoder_layers_3_blocks_{b}_{part}_dense": f"{_EXP}/swin_tiny/exports/"
                f"swin-tiny_idx{i}_trained.m"
                for i, (b, part) in enumerate(
                    [(0, "intermediate"), (0, "output"), (1, "intermediate"), (1, "output")]
                )
            },
            aliases=("swin_t",),
        ),
        "mb2_ssd_lite": PaperModel(
            "mb2_ssd_lite",
            f"{_EXP}/mobilenetv2_ssd/exports/mb2-ssd-lite.m",
            f"{_RES}/mobilenetv2_ssd/mb2ssd_combination_map_results.txt",
            "map",
            {
                "idx0": "classification_headers_0_3",
                "idx1": "base_net_17_conv_6",
                "idx2": "base_net_18_0",
                "idx3": "extras_0_conv_0",
            },
            {
                "classification_headers_0_3": f"{_EXP}/mobilenetv2_ssd/exports/mb2-ssd-lite_0.m",
                "base_net_17_conv_6": f"{_EXP}/mobilenetv2_ssd/exports/mb2-ssd-lite_1.m",
                "base_net_18_0": f"{_EXP}/mobilenetv2_ssd/exports/mb2-ssd-lite_2.m",
                "extras_0_conv_0": f"{_EXP}/mobilenetv2_ssd/exports/mb2-ssd-lite_3.m",
            },
            aliases=("mobilenetv2_ssd", "mobilenetv2_ssd_lite", "mb2ssd"),
        ),
        "sp2dense": PaperModel(
            "sp2dense",
            f"{_EXP}/sp2dense/exports/sparse_to_dense_resnet18_upproj.m",
            f"{_RES}/sp2dense/layer_combination_results_20250822_101224.csv",
            "delta1",
            _dotted("layer4.0.conv1", "layer4.0.conv2", "layer4.1.conv1", "layer4.1.conv2"),
            aliases=("sparse_to_dense_resnet18_upproj", "sparse_to_dense"),
        ),
    }
)


@cache
def _by_source(source: str) -> PaperModel | None:
    try:
        src = Path(source).resolve()
    except OSError:
        return None
    for pm in PAPER_MODELS.values():
        if src == pm.export_path.resolve():
            return pm
    return None


def find_paper_model(name: str | None, source: str | None = None) -> PaperModel | None:
    """The paper model called ``name`` (any alias, any case), or loaded from ``source``."""
    if source:
        pm = _by_source(str(source))
        if pm is not None:
            return pm
    if name:
        key = _norm(name)
        for pm in PAPER_MODELS.values():
            if key == _norm(pm.name) or key in pm.aliases:
                return pm
    return None


def _get(name: str) -> PaperModel:
    pm = find_paper_model(name)
    if pm is None:
        known = ", ".join(PAPER_MODELS)
        raise InputError(f"unknown paper model {name!r} (known: {known})", field="model")
    return pm


def paper_accuracy_table(name: str, *, subset: bool = True) -> AccuracyTable:
    """Accuracy table of a paper model, with the export's layer names.

    Parameters
    ----------
    name : str
        Bundled model name or alias.
    subset : bool
        Drop combinations containing the model's ``excluded`` layers (the paper's subset).

    Returns
    -------
    AccuracyTable
        Keyed by export layer names; ``model`` is the bundled name.
    """
    pm = _get(name)
    path = pm.results_path
    if path.suffix == ".csv":
        raw = parse_combination_csv(path, pm.metric, pm.name)
    else:
        raw = parse_summary(path, pm.metric, pm.name)
    unknown = set(raw.layers) - set(pm.result_names)
    if unknown:
        raise InputError(f"unmapped layer names {sorted(unknown)}", file=str(path))
    values = raw.values
    if subset and pm.excluded:
        values = {k: v for k, v in values.items() if not k & set(pm.excluded)}
    table = AccuracyTable(pm.name, pm.metric, values, str(path))
    return table.renamed(pm.result_names)


def bundled_accuracy_tables(*, subset: bool = True) -> dict[str, AccuracyTable]:
    """Accuracy tables of all six paper models, keyed by bundled model name."""
    return {name: paper_accuracy_table(name, subset=subset) for name in PAPER_MODELS}


def load_paper_model(name: str, *, variant_of: str | None = None) -> Model:
    """Load a paper model's base export (or the export with ``variant_of`` replaced).

    Parameters
    ----------
    name : str
        Bundled model name or alias.
    variant_of : str, optional
        Export layer name; load the export in which that layer is replaced by its variant.

    Returns
    -------
    Model
    """
    from terastal.io import maestro

    pm = _get(name)
    rel = pm.export
    if variant_of is not None:
        if variant_of not in pm.variant_exports:
            raise InputError(
                f"{pm.name}: no variant export for layer {variant_of!r}", field="layer"
            )
        rel = pm.variant_exports[variant_of]
    return maestro.load_maestro(data_dir() / rel)[0].model
