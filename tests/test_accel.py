"""The optional compiled accelerator: its finder's stale-safety and bit-identical results.

The build itself is not run here (it takes a minute); the agreement test uses the build the
install made, and skips when there is none.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from terastal import _accel
from terastal._accel.build import MODULES, module_name

SRC = str(Path(__file__).resolve().parents[1] / "src")


def _manifest(root: Path, entries: list[str], abi: str | None = None) -> None:
    root.mkdir(parents=True, exist_ok=True)
    lines = ["abi " + (abi or _accel.abi_tag()), *entries]
    (root / _accel.MANIFEST).write_text("\n".join(lines) + "\n")


def _entry(rel: str, stamp: str) -> str:
    return f"{module_name(rel)} {rel} {stamp} terastal/{rel[:-3]}{_accel.abi_tag()}"


def test_a_current_stamp_finds_the_compiled_copy(tmp_path):
    rel = "sim/kernel.py"
    _manifest(tmp_path, [_entry(rel, _accel.source_stamp(rel))])
    finder = _accel.CompiledFinder(str(tmp_path), _accel.read_manifest(str(tmp_path)))
    spec = finder.find_spec("terastal.sim.kernel")
    assert spec is not None and spec.origin.startswith(str(tmp_path))
    assert spec.origin.endswith(_accel.abi_tag())
    assert finder.loaded == {"terastal.sim.kernel"}


def test_an_edited_source_is_imported_as_python(tmp_path):
    rel = "sim/kernel.py"
    size, crc = _accel.source_stamp(rel).split("/")[0].split(":")
    edited = f"{size}:{int(crc, 16) ^ 1:08x}/-"  # same size, other content
    _manifest(tmp_path, [_entry(rel, edited)])
    finder = _accel.CompiledFinder(str(tmp_path), _accel.read_manifest(str(tmp_path)))
    assert finder.find_spec("terastal.sim.kernel") is None
    assert finder.stale == {"terastal.sim.kernel"}
    assert finder.find_spec("terastal.sim.api") is None  # never compiled: not its business


def test_an_added_pxd_makes_the_build_stale(tmp_path):
    # The stamp covers an augmenting .pxd: one added or edited since the build changes types.
    rel = "sim/kernel.py"
    assert _accel.source_stamp(rel).endswith("/-")
    assert _accel.stamp(str(tmp_path / "absent.pxd")) == "-"
    (tmp_path / "k.pxd").write_text("cdef class X: pass\n")
    assert _accel.stamp(str(tmp_path / "k.pxd")) != "-"


def test_a_build_for_another_interpreter_is_ignored(tmp_path):
    rel = "sim/kernel.py"
    _manifest(tmp_path, [_entry(rel, _accel.source_stamp(rel))], abi=".cpython-0-other.so")
    assert _accel.read_manifest(str(tmp_path)) is None
    assert _accel.read_manifest(str(tmp_path / "nothing")) is None


def test_every_listed_module_exists():
    pkg = Path(_accel.__file__).resolve().parents[1]
    assert all((pkg / rel).is_file() for rel in MODULES)


def _run(code: str, **env: str) -> str:
    full = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    full.update(env)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=full, check=True
    )
    return out.stdout.strip().splitlines()[-1]


def test_terastal_pure_turns_the_finder_off():
    code = "import terastal.sim.engine as e, terastal._accel as a; print(e.__file__, a.finder())"
    assert _run(code, TERASTAL_PURE="1").endswith(".py None")


# A few fixed cases: every registered policy on random overloaded cases, under each late-work
# policy; the digest covers every job's record, the dispatch log and the metrics.
_CASES = """
import hashlib, json
from terastal.metrics import WALL_CLOCK_KEYS, compute_metrics, jobs_csv
from terastal.schedulers import available_schedulers, make_scheduler
from terastal.sim import simulate
from terastal.sim.synthetic import random_case

def digests():
    out = {}
    for case_seed in (0, 3):
        sc, pf, tables = random_case(case_seed, load=1.2)
        for name in available_schedulers():
            for late in ("keep", "drop", "scheduler"):
                sched = make_scheduler(name)
                r = simulate(sc, pf, tables, sched, duration_s=0.1, seed=case_seed, late=late)
                m = compute_metrics(r, getattr(sched, "accuracy_loss", None))
                for key in WALL_CLOCK_KEYS:
                    m["sim"].pop(key, None)
                blob = json.dumps(m, sort_keys=True) + jobs_csv(r) + repr(list(r.log))
                out[f"{case_seed}/{name}/{late}"] = hashlib.sha256(blob.encode()).hexdigest()
    # Overloaded, with every mapping and drop rule of the list policies: their queues (more
    # ready jobs than the scan handles) and the drop queue run, compiled as extension types.
    sc, pf, tables = random_case(5, num_tasks=4, num_accelerators=3, load=2.0)
    for name in ("fcfs", "edf", "rm", "lst", "heft"):
        for mapping in ("preferred", "earliest_finish"):
            for drop in ("never", "deadline", "hopeless"):
                sched = make_scheduler(name, mapping=mapping, drop=drop)
                r = simulate(sc, pf, tables, sched, duration_s=0.3, seed=5, late="scheduler")
                blob = jobs_csv(r) + repr(list(r.log))
                out[f"5/{name}/{mapping}/{drop}"] = hashlib.sha256(blob.encode()).hexdigest()
    return out
"""


def test_compiled_and_pure_python_give_the_same_runs():
    from terastal._accel.build import status

    st = status()
    if not st["current"] or not st["active"]:
        pytest.skip("the accelerator is not built (python -m terastal._accel build) or is off")
    scope: dict = {}
    exec(_CASES, scope)
    here = scope["digests"]()
    import terastal.sim.engine

    assert terastal.sim.engine.__file__.endswith(_accel.abi_tag())  # really compared compiled
    pure = json.loads(_run(_CASES + "\nprint(json.dumps(digests()))", TERASTAL_PURE="1"))
    assert pure == here
    assert len(here) >= 2 * 3 * 7 + 5 * 2 * 3  # every policy, and the list policies' options
    import terastal.schedulers._finish_queues as fq

    assert fq.__file__.endswith(_accel.abi_tag())
    assert not hasattr(fq.FinishQueues(len), "__dict__")  # an extension type, its fields typed


def test_the_import_system_takes_the_py_of_a_stale_module_and_the_build_of_a_current_one(
    tmp_path,
):
    # A fresh interpreter, its finder pointed at a fake build: a stale stamp imports the .py;
    # a current one sends the import to the (here missing) extension module.
    rel = "sim/kernel.py"
    code = f"""
import sys, terastal._accel as a
sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, a.CompiledFinder)]
a.install({str(tmp_path)!r})
try:
    import terastal.sim.kernel as k
    print(k.__file__)
except ImportError as exc:
    print("ImportError", type(exc).__name__)
"""
    _manifest(tmp_path, [_entry(rel, "1:00000000/-")])
    assert _run(code, TERASTAL_PURE="").endswith("sim/kernel.py")
    _manifest(tmp_path, [_entry(rel, _accel.source_stamp(rel))])
    assert _run(code, TERASTAL_PURE="").startswith("ImportError")


# Typed sources (Cython's pure-Python mode): they import ``cython``, or the stand-in
# ``terastal._accel._shadow`` where Cython is not installed.
TYPED = [rel for rel in MODULES if "import cython" in (Path(_accel._PKG) / rel).read_text()]


def _cython_names(rel: str) -> set[str]:
    import ast

    tree = ast.parse((Path(_accel._PKG) / rel).read_text())
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "cython"
    }


def test_the_shadow_module_defines_every_cython_name_the_typed_sources_use():
    from terastal._accel import _shadow

    assert {"sim/engine.py", "sim/view.py", "model/job.py"} & set(TYPED)
    for rel in TYPED:
        missing = {n for n in _cython_names(rel) if not hasattr(_shadow, n)}
        assert not missing, f"{rel} uses cython.{sorted(missing)} that _shadow lacks"
    assert _shadow.compiled is False
    assert _shadow.declare(_shadow.double, 1.5) == 1.5
    assert _shadow.locals(x=_shadow.Py_ssize_t)(len) is len


_BLOCK_CYTHON = """
import sys
class Block:  # as if Cython were not installed
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("cython", "Cython"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Block())
import terastal.sim.engine as e, terastal.sim.view as v, terastal._accel._shadow as sh
import terastal.schedulers._finish_queues as fq, terastal.schedulers._mapping as mp
import terastal.schedulers._hopeless as ho, terastal.schedulers.dream as dr
assert e.cython is sh and v.cython is sh and e.__file__.endswith(".py")
assert fq.cython is sh and mp.cython is sh and ho.cython is sh and dr.cython is sh
"""

_SIMULATE = """
from terastal.schedulers import make_scheduler
from terastal.sim import simulate
from terastal.sim.synthetic import random_case
sc, pf, tables = random_case(3, load=1.5)
r = simulate(sc, pf, tables, make_scheduler("edf"), duration_s=0.2, seed=1, late="drop")
jobs = r.counted_jobs
print(len(jobs), r.dispatches, r.counted, repr([(j.id, j.status, j.finish_s) for j in jobs]))
sc, pf, tables = random_case(5, num_tasks=4, num_accelerators=3, load=2.0)
for name, opts in [("fcfs", dict(drop="hopeless")), ("edf", dict(mapping="earliest_finish")),
                   ("lst", dict(mapping="earliest_finish", drop="hopeless")), ("heft", {}),
                   ("rm", {}), ("dream", {})]:
    r = simulate(sc, pf, tables, make_scheduler(name, **opts), duration_s=0.2, seed=5)
    print(name, r.dispatches, repr([(j.id, j.status, j.finish_s) for j in r.counted_jobs]))
"""


def test_the_typed_sources_run_as_python_without_cython():
    without = _run(_BLOCK_CYTHON + _SIMULATE, TERASTAL_PURE="1")
    assert int(without.split()[1]) > 0  # it dispatched
    assert without == _run(_SIMULATE, TERASTAL_PURE="1")


def _cimported(rel: str) -> set[str]:
    """The package modules whose types the ``.pxd`` beside ``rel`` cimports."""
    import re

    pxd = Path(_accel._PKG) / (rel[:-3] + ".pxd")
    text = pxd.read_text() if pxd.exists() else ""
    names = re.findall(r"^from terastal\.([\w.]+) cimport", text, flags=re.M)
    return {n.replace(".", "/") + ".py" for n in names}


def test_every_module_compiled_against_another_goes_stale_with_it():
    # A module that cimports a type (directly, or through the .pxd it cimports from) must be
    # rebuilt with it: CIMPORTS must name every such source, or an edit of job.pxd or
    # costs.pxd would leave a compiled policy reading a struct of another layout.
    from terastal._accel.build import CIMPORTS

    for rel in MODULES:
        need, todo = set(), list(_cimported(rel))
        while todo:
            dep = todo.pop()
            if dep not in need:
                need.add(dep)
                todo.extend(_cimported(dep))
        assert need <= set(MODULES)
        assert set(CIMPORTS.get(rel, ())) == need, rel
    assert "schedulers/_finish_queues.py" in CIMPORTS


def test_an_edit_of_a_cimported_module_makes_its_dependents_stale(tmp_path):
    # The engine reads the compiled Job's struct: built against one job.pxd, it must not load
    # beside another build (or the Python class) of terastal.model.job.
    src = "sim/engine.py+model/job.py"
    current = _accel.source_stamp(src)
    assert current.split("+") == [_accel.source_stamp(r) for r in src.split("+")]
    ext = f"terastal/sim/engine{_accel.abi_tag()}"
    edited = current.split("+")[0] + "+1:00000000/-"
    _manifest(tmp_path, [f"terastal.sim.engine {src} {edited} {ext}"])
    finder = _accel.CompiledFinder(str(tmp_path), _accel.read_manifest(str(tmp_path)))
    assert finder.find_spec("terastal.sim.engine") is None
    assert finder.stale == {"terastal.sim.engine"}
    _manifest(tmp_path, [f"terastal.sim.engine {src} {current} {ext}"])
    finder = _accel.CompiledFinder(str(tmp_path), _accel.read_manifest(str(tmp_path)))
    assert finder.find_spec("terastal.sim.engine") is not None
