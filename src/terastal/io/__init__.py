"""Import of workloads and platforms: MAESTRO ``.m`` files, hardware + dataflow files, YAML, ONNX.

Most callers need only the resolvers, which accept bundled names or paths:

>>> from terastal.io import load_scenario, load_platform, load_model
>>> scenario = load_scenario("VR_gaming")
>>> platform = load_platform("Dual_4K/WS_OS")
>>> [a.dataflow.value for a in platform.accelerators]
['WS', 'OS']

Every user error is a :class:`terastal.errors.InputError` naming file, line and field.
"""

from terastal._lazy import lazy_exports
from terastal.io.hardware import (
    classify_directives,
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
from terastal.io.resolve import (
    PAPER_MODELS,
    list_models,
    list_platforms,
    list_scenarios,
    load_model,
    load_model_fps,
    load_platform,
    load_scenario,
)

# Imported on first use (PEP 562): YAML and ONNX support cost start-up (yaml alone ~10 ms)
# that a command reading bundled MAESTRO files never needs.
_LAZY = {
    "load_onnx": "terastal.io.onnx_import",
    "load_platform_yaml": "terastal.io.yaml_io",
    "load_scenario_yaml": "terastal.io.yaml_io",
    "platform_to_yaml": "terastal.io.yaml_io",
    "scenario_to_yaml": "terastal.io.yaml_io",
}


__getattr__, __dir__ = lazy_exports(__name__, globals(), _LAZY)

__all__ = [
    "PAPER_MODELS",
    "MaestroNetwork",
    "classify_directives",
    "list_models",
    "list_platforms",
    "list_scenarios",
    "load_maestro",
    "load_maestro_platform",
    "load_maestro_scenario",
    "load_model",
    "load_model_fps",
    "load_onnx",
    "load_platform",
    "load_platform_yaml",
    "load_scenario",
    "load_scenario_yaml",
    "parse_dataflows",
    "parse_hardware",
    "parse_maestro",
    "platform_from_maestro",
    "platform_to_yaml",
    "scenario_from_networks",
    "scenario_to_yaml",
]
