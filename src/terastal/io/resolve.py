"""Resolve scenario, platform and model specs: bundled names or paths.

Bundled data lives in the package (``terastal/data``) and is read with
:mod:`importlib.resources`; parsed bundled files are cached, as they never change.

* Scenarios: XRBench usage scenarios (``VR_gaming``, ``AR_gaming``, ...) and the
  probability sweeps (``VR_gaming_25p`` ... ``VR_gaming_100p``); or a ``.m`` / ``.yaml`` path.
* Platforms: ``HW/DATAFLOW`` = XRBench hardware-file stem / dataflow-file stem with the same
  number of sub-accelerators (``Dual_4K/WS_OS``, ``Single_4K/WS``, ``Quad_4K/WS_OS_WS_OS``);
  a YAML path; or ``path/to/hw.m:path/to/dataflow.m``.
* Models: the paper's six models (``resnet50``, ``vgg11``, ``inceptionv3``, ``swin_tiny``,
  ``mb2_ssd_lite``, ``sp2dense``: base exports, not variants), any XRBench network name
  (``ES_RITNet``, ...); or a ``.m`` / ``.onnx`` path.
"""

from __future__ import annotations

import os
import re
from functools import cache, lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from terastal.errors import InputError
from terastal.io.hardware import (
    DataflowBlock,
    HardwareSpec,
    load_maestro_platform,
    parse_dataflows,
    parse_hardware,
    platform_from_maestro,
)
from terastal.io.maestro import (
    MaestroNetwork,
    load_maestro,
    load_maestro_scenario,
    parse_maestro,
    scenario_from_networks,
)
from terastal.model import Model, Platform, Scenario

__all__ = [
    "PAPER_MODELS",
    "list_models",
    "list_platforms",
    "list_scenarios",
    "load_model",
    "load_model_fps",
    "load_platform",
    "load_scenario",
]

#: Paper model name -> base export (relative to ``data/paper/experiments``).
PAPER_MODELS = {
    "resnet50": "resnet50/exports/ResNet50.m",
    "vgg11": "vgg11/exports/vgg11.m",
    "inceptionv3": "inceptionv3/exports/inceptionv3.m",
    "swin_tiny": "swin_tiny/exports/swin-tiny.m",
    "mb2_ssd_lite": "mobilenetv2_ssd/exports/mb2-ssd-lite.m",
    "sp2dense": "sp2dense/exports/sparse_to_dense_resnet18_upproj.m",
}
_SCENARIO_DIRS = ("xrbench/usage_scenarios", "xrbench/probability_sweep")
_HW_DIR = "xrbench/hw_configs"
_DF_DIR = "xrbench/dataflows"
_YAML = (".yaml", ".yml")
_PAIR = re.compile(r"^(?P<hw>.+\.m):(?P<df>.+\.m)$", re.I)


def _data(rel: str) -> Traversable:
    return resources.files("terastal").joinpath("data", *rel.split("/"))


@cache
def _index(root: str) -> dict[str, str]:
    """Stem -> relative path of every ``.m`` file under ``root`` (recursively)."""
    out: dict[str, str] = {}

    def walk(node: Traversable, rel: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            path = f"{rel}/{child.name}"
            if child.is_dir():
                walk(child, path)
            elif child.name.endswith(".m"):
                out[child.name[:-2]] = path

    walk(_data(root), root)
    return out


def _scenario_index() -> dict[str, str]:
    out: dict[str, str] = {}
    for root in _SCENARIO_DIRS:
        out.update(_index(root))
    return out


@cache
def _networks(rel: str) -> tuple[MaestroNetwork, ...]:
    res = _data(rel)
    return parse_maestro(res.read_text(encoding="utf-8"), str(res))


@cache
def _hardware(rel: str) -> tuple[HardwareSpec, ...]:
    res = _data(rel)
    return parse_hardware(res.read_text(encoding="utf-8"), str(res))


@cache
def _dataflows(rel: str) -> tuple[DataflowBlock, ...]:
    res = _data(rel)
    return parse_dataflows(res.read_text(encoding="utf-8"), str(res))


@lru_cache(maxsize=1)
def _xrbench_networks() -> dict[str, str]:
    """XRBench network name -> first scenario file defining it (identical in all files)."""
    header = re.compile(r"Network\s+([^\s{]+)\s*\{")
    out: dict[str, str] = {}
    for rel in _scenario_index().values():
        for name in header.findall(_data(rel).read_text(encoding="utf-8")):
            out.setdefault(name, rel)
    return out


def _unknown(kind: str, spec: str, names: list[str], extra: str) -> InputError:
    return InputError(f"unknown {kind} {spec!r}; available: {', '.join(names)}; {extra}")


def _is_path(spec: str | os.PathLike[str]) -> bool:
    return isinstance(spec, os.PathLike) or "/" in spec or os.sep in spec or bool(Path(spec).suffix)


def list_scenarios() -> list[str]:
    """Names of the bundled scenarios (XRBench usage scenarios and probability sweeps)."""
    return list(_scenario_index())


def list_platforms() -> list[str]:
    """Bundled platform names ``HW/DATAFLOW`` whose accelerator counts match."""
    hws, dfs = _index(_HW_DIR), _index(_DF_DIR)
    counts = {stem: len(_dataflows(rel)) for stem, rel in dfs.items()}
    return [
        f"{hw}/{df}" for hw, rel in hws.items() for df in dfs if counts[df] == len(_hardware(rel))
    ]


def list_models() -> list[str]:
    """Bundled model names: the paper's six models, then the XRBench networks."""
    return [*PAPER_MODELS, *sorted(_xrbench_networks())]


@cache
def _bundled_scenario(name: str) -> Scenario:
    rel = _scenario_index()[name]
    return scenario_from_networks(_networks(rel), name, str(_data(rel)))


def load_scenario(spec: str | os.PathLike[str]) -> Scenario:
    """Load a scenario by bundled name or from a ``.m`` / ``.yaml`` / ``.yml`` file.

    Parameters
    ----------
    spec : str or path-like
        ``"VR_gaming"``, ``"VR_gaming_50p"``, ``"my.yaml"``, ``"usage.m"``, ...

    Returns
    -------
    Scenario

    Raises
    ------
    InputError
        Unknown name (the message lists the bundled ones) or a bad file.
    """
    if isinstance(spec, str) and spec in _scenario_index():
        return _bundled_scenario(spec)
    if not _is_path(spec):
        raise _unknown("scenario", str(spec), list_scenarios(), "or give a .m/.yaml path")
    path = Path(spec)
    suffix = path.suffix.lower()
    if suffix == ".m":
        return load_maestro_scenario(path)
    if suffix in _YAML:
        from terastal.io.yaml_io import load_scenario_yaml

        return load_scenario_yaml(path)
    raise InputError("unsupported scenario file type; expected .m, .yaml or .yml", file=str(path))


@cache
def _bundled_platform(hw: str, df: str) -> Platform:
    hw_rel, df_rel = _index(_HW_DIR)[hw], _index(_DF_DIR)[df]
    hardware, dataflows = _hardware(hw_rel), _dataflows(df_rel)
    if len(hardware) != len(dataflows):
        fits = [d for d, rel in _index(_DF_DIR).items() if len(_dataflows(rel)) == len(hardware)]
        raise InputError(
            f"platform '{hw}/{df}': {hw} has {len(hardware)} accelerator(s) but dataflow "
            f"{df} has {len(dataflows)} block(s); dataflows for {hw}: {', '.join(fits)}"
        )
    return platform_from_maestro(
        hardware,
        dataflows,
        f"{hw}/{df}",
        hw_file=str(_data(hw_rel)),
        df_file=str(_data(df_rel)),
    )


def load_platform(spec: str | os.PathLike[str]) -> Platform:
    """Load a platform by bundled name, from YAML, or from MAESTRO ``hw.m:dataflow.m``.

    Parameters
    ----------
    spec : str or path-like
        ``"Dual_4K/WS_OS"``, ``"platform.yaml"`` or ``"hw.m:dataflow.m"``.

    Returns
    -------
    Platform

    Raises
    ------
    InputError
        Unknown name (the message lists the bundled ones), mismatched files or a bad file.
    """
    text = os.fspath(spec)
    if Path(text).suffix.lower() in _YAML:
        from terastal.io.yaml_io import load_platform_yaml

        return load_platform_yaml(text)
    pair = _PAIR.match(text)
    if pair:
        return load_maestro_platform(pair["hw"], pair["df"])
    hw, sep, df = text.partition("/")
    hws, dfs = _index(_HW_DIR), _index(_DF_DIR)
    if sep and "/" not in df and (hw in hws or df in dfs):
        if hw not in hws:
            raise _unknown("hardware", hw, list(hws), "platforms are HW/DATAFLOW")
        if df not in dfs:
            raise _unknown("dataflow", df, list(dfs), "platforms are HW/DATAFLOW")
        return _bundled_platform(hw, df)
    if Path(text).is_file():
        raise InputError(
            "unsupported platform file; expected .yaml/.yml or 'hw.m:dataflow.m'", file=text
        )
    raise _unknown("platform", text, list_platforms(), "or give a .yaml path or 'hw.m:dataflow.m'")


def _pick(networks: tuple[MaestroNetwork, ...], network: str | None, file: str) -> MaestroNetwork:
    if network is None:
        if len(networks) == 1:
            return networks[0]
        raise InputError(
            "file holds several networks, choose one of: " + ", ".join(n.name for n in networks),
            file=file,
            field="network",
        )
    for n in networks:
        if n.name == network:
            return n
    raise InputError(
        f"no network {network!r}; available: " + ", ".join(n.name for n in networks),
        file=file,
        field="network",
    )


def _network(spec: str | os.PathLike[str], network: str | None) -> MaestroNetwork | None:
    """The ``.m`` network behind a model spec (``None`` for ONNX)."""
    if isinstance(spec, str) and spec in PAPER_MODELS:
        rel = "paper/experiments/" + PAPER_MODELS[spec]
        return _pick(_networks(rel), network, str(_data(rel)))
    if isinstance(spec, str) and spec in _xrbench_networks():
        rel = _xrbench_networks()[spec]
        return _pick(_networks(rel), network or spec, str(_data(rel)))
    if not _is_path(spec):
        raise _unknown("model", str(spec), list_models(), "or give a .m/.onnx path")
    path = Path(spec)
    suffix = path.suffix.lower()
    if suffix == ".m":
        return _pick(load_maestro(path), network, str(path))
    if suffix == ".onnx":
        return None
    raise InputError("unsupported model file type; expected .m or .onnx", file=str(path))


def load_model(spec: str | os.PathLike[str], network: str | None = None) -> Model:
    """Load a model by bundled name or from a ``.m`` / ``.onnx`` file.

    Parameters
    ----------
    spec : str or path-like
        ``"resnet50"``, ``"ES_RITNet"``, ``"net.m"``, ``"net.onnx"``, ...
    network : str, optional
        Network to take from a ``.m`` file that holds several.

    Returns
    -------
    Model

    Raises
    ------
    InputError
        Unknown name (the message lists the bundled ones) or a bad file.
    """
    net = _network(spec, network)
    if net is not None:
        return net.model
    from terastal.io.onnx_import import load_onnx

    return load_onnx(spec)


def load_model_fps(spec: str | os.PathLike[str], network: str | None = None) -> float | None:
    """The ``FPS:`` line of a model's ``.m`` source (paper exports: 30), or ``None``."""
    net = _network(spec, network)
    return None if net is None else net.fps
