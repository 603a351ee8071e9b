"""The on-disk cache of plans and cost tables: hits, keys, damage, concurrency, identity."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import terastal
from terastal.cli import main
from terastal.experiment import (
    MEMORY,
    Case,
    DiskCache,
    MemoryCache,
    PlannerOptions,
    RunSpec,
    TieredCache,
    default_cache,
    prepare,
    run,
)
from terastal.experiment.diskcache import ENV_OFF
from terastal.metrics import WALL_CLOCK_KEYS
from terastal.planner.serialize import plan_to_dict

SC, PF = "VR_gaming", "Dual_4K/WS_OS"
SRC = str(Path(__file__).resolve().parents[1] / "src")


def _tiered(root) -> TieredCache:
    """A cold process's view of the cache at ``root``: empty memory, shared disk."""
    return TieredCache(MemoryCache(), DiskCache(root))


class Recorder(MemoryCache):
    """A memory cache that remembers every key asked for."""

    def __init__(self):
        super().__init__()
        self.keys = []

    def get(self, key):
        self.keys.append(key)
        return super().get(key)


def _refuse(*args, **kwargs):
    raise AssertionError("rebuilt although the disk cache holds it")


def _refuse_scenario(kind, spec, cls):
    if kind in ("scenario", "platform"):
        raise AssertionError("parsed although the disk cache holds it")
    return _original_resolve(kind, spec, cls)


_original_resolve = terastal.experiment.case._resolve


def test_every_bundled_scenario_reads_back_identical():
    from terastal.experiment.diskcache import _scenario_bytes, _scenario_from, scenario_round_trips
    from terastal.io import list_scenarios, load_scenario

    for name in list_scenarios():
        sc = load_scenario(name)
        assert scenario_round_trips(sc), name
        back = _scenario_from(_scenario_bytes(sc))
        assert back == sc and repr(back) == repr(sc) and back.source == sc.source


def test_every_bundled_platform_reads_back_identical():
    from terastal.experiment.case import _is_name
    from terastal.experiment.diskcache import _platform_bytes, _platform_from, round_trips
    from terastal.io import list_platforms, load_platform

    for name in list_platforms():
        pf = load_platform(name)
        assert _is_name("platform", name) and round_trips("platform", pf), name
        back = _platform_from(_platform_bytes(pf))
        assert back == pf and repr(back) == repr(pf)


@pytest.mark.parametrize(
    ("spec", "name"),
    [("Dual_4K/WS_OS", True), ("hw/df.yaml", False), ("hw.m:df.m", False), ("a/b/c", False),
     ("/df", False), ("hw/", False), ("pf.yaml", False), ("Dual_4K", False)],
)  # fmt: skip
def test_only_platform_names_are_looked_up_in_the_disk_cache(spec, name):
    from terastal.experiment.case import _is_name

    assert _is_name("platform", spec) is name


def test_a_platform_file_is_parsed_not_cached(tmp_path):
    from terastal.io import load_platform

    (tmp_path / "pf.yaml").write_text(
        "name: mine\naccelerators:\n  - {name: a, dataflow: WS, num_pes: 64}\n"
    )
    p = prepare(Case(SC, str(tmp_path / "pf.yaml")), _tiered(tmp_path / "cache"))
    assert p.platform == load_platform(str(tmp_path / "pf.yaml"))
    kinds = [e.parent.name for e in DiskCache(tmp_path / "cache").entries()]
    assert "platform" not in kinds


def test_an_unknown_platform_name_fails_as_before(tmp_path):
    from terastal.errors import InputError

    with pytest.raises(InputError, match="unknown hardware 'Nope'"):
        prepare(Case(SC, "Nope/WS_OS"), _tiered(tmp_path))
    assert not DiskCache(tmp_path).entries() or all(
        e.parent.name != "platform" for e in DiskCache(tmp_path).entries()
    )


@pytest.mark.parametrize(
    "kind, damaged",
    [
        ("platform", '{"fields": {}, "name": "x"}'),
        ("scenario", '{"fields": ["name"], "tasks": []}'),
    ],
)
def test_a_damaged_parsed_entry_is_parsed_again(tmp_path, kind, damaged):
    p = prepare(Case(SC, PF), _tiered(tmp_path))
    (entry,) = [e for e in DiskCache(tmp_path).entries() if e.parent.name == kind]
    entry.write_text(damaged)
    q = prepare(Case(SC, PF), _tiered(tmp_path))
    assert repr(getattr(q, kind)) == repr(getattr(p, kind))


def _strip(metrics: dict) -> str:
    m = json.loads(json.dumps(metrics))
    for k in WALL_CLOCK_KEYS:
        m["sim"].pop(k, None)
    return json.dumps(m, sort_keys=True)


def test_a_second_process_reads_the_plan_and_tables_instead_of_building_them(tmp_path, monkeypatch):
    p = prepare(Case(SC, PF), _tiered(tmp_path))
    plan, tables = p.auto_plan(), p.tables()
    files = sorted(x.relative_to(tmp_path).parts[0] for x in DiskCache(tmp_path).entries())
    assert files == ["plan", "platform", "scenario", "tables"]  # bundled inputs kept parsed
    monkeypatch.setattr(terastal.planner, "make_plan", _refuse)
    monkeypatch.setattr(terastal.experiment.case, "build_cost_tables", _refuse)
    monkeypatch.setattr(terastal.experiment.case, "_resolve", _refuse_scenario)
    q = prepare(Case(SC, PF), _tiered(tmp_path))
    assert q.scenario == p.scenario and repr(q.scenario) == repr(p.scenario)
    assert q.platform == p.platform and repr(q.platform) == repr(p.platform)
    assert plan_to_dict(q.auto_plan()) == plan_to_dict(plan)
    again = q.tables()
    assert list(again) == list(tables)
    for name, t in tables.items():
        for f in ("latency_s", "energy_j", "out_bytes", "var_latency_s", "var_energy_j"):
            a, b = getattr(t, f), getattr(again[name], f)
            assert a.dtype == b.dtype and a.tobytes() == b.tobytes()
        assert not again[name].latency_s.flags.writeable
        assert repr(again[name].rows) == repr(t.rows)  # what the engine reads


def test_a_miss_builds_and_stores(tmp_path):
    d = DiskCache(tmp_path)
    p = prepare(Case(SC, PF), _tiered(tmp_path))
    key = next(k for k in _keys(Case(SC, PF)) if k.startswith("plan:"))
    assert d.get(key) is None
    p.auto_plan()
    assert d.get(key) is not None
    assert d.path(key).is_file()


def _keys(case: Case) -> list[str]:
    rec = Recorder()
    p = prepare(case, rec)
    p.auto_plan()
    p.tables()
    return [k for k in rec.keys if k.split(":")[0] in ("plan", "tables")]


def test_every_input_changes_the_keys(monkeypatch):
    base = set(_keys(Case(SC, PF)))
    assert len(base) == 2
    variants = [
        Case("VR_gaming", "Dual_4K/WS_OS", load_scale=1.5),  # the scenario's content
        Case(SC, "Quad_4K/WS_OS_WS_OS"),  # the platform
        Case(SC, PF, "analytical:mode=xrbench"),  # the cost model's options
        Case(SC, PF, planner=PlannerOptions(accuracy_loss=0.05)),  # planner options
        Case(SC, PF, planner=PlannerOptions(budgets="mean")),
        Case(SC, PF, planner=PlannerOptions(accuracy_ceiling=None)),
        Case(SC, PF, planner=PlannerOptions(target_utilization=None)),
    ]
    for case in variants:
        keys = set(_keys(case))
        if case.planner == PlannerOptions():  # planner options leave the tables alone
            assert not keys & base, case
        plan_keys = {k for k in keys if k.startswith("plan:")}
        assert plan_keys and not plan_keys & base, case
    monkeypatch.setattr(terastal, "__version__", terastal.__version__ + ".post1")
    assert not set(_keys(Case(SC, PF))) & base  # the package version
    monkeypatch.undo()
    stamp = terastal.experiment.cache.code_stamp()
    monkeypatch.setattr(terastal.experiment.cache, "code_stamp", lambda: stamp[::-1])
    assert not set(_keys(Case(SC, PF))) & base  # the package's code
    monkeypatch.undo()
    assert set(_keys(Case(SC, PF))) == base  # and the same inputs give the same keys


def test_the_code_stamp_follows_every_edit_of_the_package_files(tmp_path):
    from terastal.experiment.cache import _stamp_tree

    (tmp_path / "planner").mkdir()
    (tmp_path / "planner" / "make.py").write_text("x = 1\n")
    (tmp_path / "__pycache__").mkdir()
    first = _stamp_tree(str(tmp_path))
    (tmp_path / "__pycache__" / "make.cpython-311.pyc").write_bytes(b"compiled")
    assert _stamp_tree(str(tmp_path)) == first  # bytecode written on import changes nothing
    (tmp_path / "planner" / "make.py").write_text("x = 22\n")
    assert _stamp_tree(str(tmp_path)) != first


def test_an_edited_scenario_file_changes_the_key(tmp_path):
    data = Path(__file__).resolve().parent / "data" / "bound"
    for name in ("pair.yaml", "nets.m"):
        (tmp_path / name).write_bytes((data / name).read_bytes())
    path = tmp_path / "pair.yaml"
    first = set(_keys(Case(str(path), PF)))
    path.write_text(path.read_text().replace("fps: 750", "fps: 700", 1))
    assert not set(_keys(Case(str(path), PF))) & first


BAD_ROWS = b'[{"task": "t", "accelerators": 2, "latency_s": [[1.0]], "energy_j": [["x"]]}]'


@pytest.mark.parametrize("damage", [b"", b"{not json", b"PK\x03\x04 truncated zip", BAD_ROWS])
def test_a_damaged_entry_is_rebuilt_and_rewritten(tmp_path, damage):
    p = prepare(Case(SC, PF), _tiered(tmp_path))
    plan, tables = p.auto_plan(), p.tables()
    for f in DiskCache(tmp_path).entries():
        f.write_bytes(damage)
    q = prepare(Case(SC, PF), _tiered(tmp_path))
    assert plan_to_dict(q.auto_plan()) == plan_to_dict(plan)
    assert all(np.array_equal(q.tables()[k].latency_s, tables[k].latency_s) for k in tables)
    r = prepare(Case(SC, PF), _tiered(tmp_path))  # the entries were rewritten whole
    d = r._cache.disk
    assert all(d.get(k) is not None for k in _keys(Case(SC, PF)))


def _paper_mix():
    from terastal.reproduce.suite import Mix, build_mix

    return build_mix(Mix("pair", models=("resnet50", "swin_tiny")))


@pytest.mark.parametrize("scenario", [SC, "paper"])
def test_runs_are_identical_cold_warm_and_uncached(tmp_path, scenario):
    sc = _paper_mix() if scenario == "paper" else scenario

    def go(cache):
        spec = RunSpec(sc, PF, "terastal", seed=3, duration_s=0.2)
        out = run(spec, cache=cache)
        return _strip(out.metrics), out.result.log

    uncached = go(MemoryCache())
    cold = go(_tiered(tmp_path))
    warm = go(_tiered(tmp_path))
    assert uncached == cold == warm
    if scenario == "paper":  # the plan has variants: tables with their shapes are cached too
        plan = prepare(Case(sc, PF), _tiered(tmp_path)).auto_plan()
        assert plan.variant_shapes()
        # the parsed platform, the plan and the tables with its variants: the warm run, whose
        # plan was read back, found the tables under the same key (else a second would be there)
        kinds = [e.parent.name for e in DiskCache(tmp_path).entries()]
        assert kinds == ["plan", "platform", "tables"]


WRITER = """
import sys
from terastal.experiment import Case, DiskCache, MemoryCache, TieredCache, prepare
for cost in ("analytical", "analytical:mode=xrbench"):
    cache = TieredCache(MemoryCache(), DiskCache(sys.argv[1]))
    p = prepare(Case("VR_gaming", "Dual_4K/WS_OS", cost), cache)
    p.auto_plan(); p.tables()
print("ok")
"""


def test_concurrent_writers_leave_whole_entries(tmp_path):
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]  # fmt: skip
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0 and out.strip() == "ok", err
    d = DiskCache(tmp_path)
    entries = d.entries()
    assert len(entries) == 6  # two plans, two sets of tables, the parsed scenario and platform
    assert not [p for p in tmp_path.rglob(".*") if p.is_file()]  # no temporary file left
    keys = _keys(Case(SC, PF)) + _keys(Case(SC, PF, "analytical:mode=xrbench"))
    assert all(d.get(k) is not None for k in keys)


def test_no_cache_flag_and_environment_bypass_the_disk(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TERASTAL_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv(ENV_OFF, "")  # restored (removed) after the test
    args = ["simulate", "--scenario", SC, "--platform", PF, "--scheduler", "terastal",
            "--duration-ms", "50", "--no-progress"]  # fmt: skip
    assert main([*args, "--no-cache"]) == 0
    assert os.environ[ENV_OFF] == "1"
    assert not DiskCache(tmp_path).entries()
    assert not isinstance(default_cache(), TieredCache)
    monkeypatch.setenv(ENV_OFF, "0")
    MEMORY.clear()  # a memory hit is not written to disk again
    assert main(args) == 0
    assert len(DiskCache(tmp_path).entries()) == 4  # plan, tables, scenario, platform


def test_cache_info_and_clear(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TERASTAL_CACHE_DIR", str(tmp_path))
    MEMORY.clear()
    prepare(Case(SC, PF)).auto_plan()
    capsys.readouterr()
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path) in out and "plan: 1 entries" in out
    assert main(["cache", "clear"]) == 0
    assert "removed 3 entries" in capsys.readouterr().out  # the plan, scenario and platform
    assert not DiskCache(tmp_path).entries()


def test_an_unwritable_cache_directory_leaves_runs_uncached(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    p = prepare(Case(SC, PF), _tiered(blocker / "cache"))
    assert p.auto_plan() is not None


def test_cost_models_without_a_stable_key_stay_in_memory(tmp_path):
    from terastal.cost import resolve_cost_model

    model = resolve_cost_model("analytical")  # an object: keyed by its identity
    assert not isinstance(getattr(model, "fingerprint", None), str)
    p = prepare(Case(SC, PF, model), _tiered(tmp_path))
    p.auto_plan()
    # only the parsed scenario and platform, which do not depend on the cost model, are on disk
    kinds = [e.parent.name for e in DiskCache(tmp_path).entries()]
    assert kinds == ["platform", "scenario"]


def test_planner_options_default_to_make_plans():
    from terastal.planner import make as planmod

    opts = PlannerOptions()
    assert opts.accuracy_ceiling == planmod.DEFAULT_ACCURACY_CEILING
    assert opts.target_utilization == planmod.DEFAULT_TARGET_UTILIZATION


def test_the_keys_digest_is_hashlibs_sha256():
    import hashlib

    from terastal.experiment.cache import sha256

    for data in (b"", b"abc", bytes(range(256)) * 300):
        assert sha256(data).hexdigest() == hashlib.sha256(data).hexdigest()
    h = sha256()
    h.update(b"a")
    h.update(b"bc")
    assert h.hexdigest() == hashlib.sha256(b"abc").hexdigest()
