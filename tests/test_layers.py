"""The package's layers import only downwards (docs/design.md, "Layers").

Every module's imports are read from its syntax tree, including imports inside functions
and under ``TYPE_CHECKING``, so a lazy import cannot hide an upward arrow.
"""

import ast
from pathlib import Path

import pytest

import terastal
from terastal.model import SimView

SRC = Path(terastal.__file__).resolve().parent

# Modules that still break a rule, each with the reason it is tolerated for now. Keep short.
ALLOWED: dict[str, set[str]] = {}

RULES = {
    # layer: (import prefixes it must not use, or None for "only itself")
    "model": None,
    "schedulers": ("terastal.sim", "terastal.experiment"),
    "sim": ("terastal.io", "terastal.planner", "terastal.schedulers", "terastal.experiment"),
    "metrics": ("terastal.experiment",),
    # the XRBench profile's engine: reached through a spec's compat, never reaching up
    "xrbench": (
        "terastal.experiment",
        "terastal.schedulers",
        "terastal.sim",
        "terastal.sweep",
        "terastal.commands",
    ),
}


def _imports(path: Path, package: str | None = None) -> set[str]:
    """Absolute names of every terastal module ``path`` (in ``package``) imports."""
    if package is None:
        package = ".".join(("terastal", *path.relative_to(SRC).parent.parts))
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            out.add(name)
            out.update(f"{name}.{a.name}" for a in node.names)
    return {n for n in out if n == "terastal" or n.startswith("terastal.")}


def _modules(layer: str) -> list[Path]:
    return sorted((SRC / layer).rglob("*.py"))


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


@pytest.mark.parametrize("layer", sorted(RULES))
def test_layer_imports_only_downwards(layer):
    forbidden = RULES[layer]
    assert _modules(layer), f"no modules under {layer}/"
    bad = []
    for path in _modules(layer):
        rel = path.relative_to(SRC).as_posix()
        allowed = ALLOWED.get(rel, set())
        for name in sorted(_imports(path)):
            if any(_within(name, a) for a in allowed):
                continue
            if forbidden is None:
                # "terastal.errors" etc. would be a way up: only terastal.model itself.
                wrong = not _within(name, "terastal.model")
            else:
                wrong = any(_within(name, f) for f in forbidden)
            if wrong:
                bad.append(f"{rel} imports {name}")
    assert not bad, "\n".join(bad)


def test_the_import_reader_sees_lazy_and_relative_imports(tmp_path):
    # The rule test above is only as good as _imports: check it on a module of each kind.
    mod = SRC / "sim" / "checked.py"
    assert "terastal.model.job" in _imports(mod)
    assert "terastal.sim.engine" in _imports(mod)  # under TYPE_CHECKING
    fake = tmp_path / "probe.py"
    fake.write_text("def f():\n    from ..sim import engine\n    import terastal.io\n")
    got = _imports(fake, "terastal.model")
    assert {"terastal.sim", "terastal.sim.engine", "terastal.io"} <= got


def test_allowlist_entries_still_exist():
    # An allowance for a module that is gone (or fixed) must be removed with it.
    for rel, allowed in ALLOWED.items():
        path = SRC / rel
        assert path.exists(), f"{rel} is gone: remove it from ALLOWED"
        used = _imports(path)
        for prefix in allowed:
            assert any(_within(n, prefix) for n in used), f"{rel} no longer imports {prefix}"


def test_the_engine_view_implements_the_contract():
    from terastal.schedulers import make_scheduler
    from terastal.sim import EngineView, Simulator
    from terastal.sim.synthetic import random_case

    sc, pf, tb = random_case(0)
    sim = Simulator(sc, pf, tb, make_scheduler("edf"), duration_s=0.01)
    assert isinstance(sim.view, EngineView)
    assert isinstance(sim.view, SimView)  # every member of the protocol is there
    members = {n for n in vars(SimView) if not n.startswith("_")}
    assert members <= set(dir(EngineView))
