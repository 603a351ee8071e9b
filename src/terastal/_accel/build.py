"""Build, inspect and remove the compiled accelerator (``python -m terastal._accel``).

The modules of :data:`MODULES` are compiled by Cython from their unchanged ``.py`` sources (an
augmenting ``.pxd`` beside one is used when present) into a scratch directory; the extension
modules are then copied into ``terastal/_compiled/`` with a manifest of the stamps of the
sources they were made from. Never beside the sources: Python's import system prefers an
extension module to a ``.py`` of the same name, so an edited ``.py`` would be shadowed by its
stale compiled copy.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time

from terastal._accel import (
    _PKG,
    COMPILED,
    MANIFEST,
    abi_tag,
    finder,
    read_manifest,
    source_stamp,
)

# The simulation hot path, by share of the CPU of a sample of the full suite
# (benchmarks/profile_reproduce.py under cProfile): the engine, the policies and the records
# they touch on every dispatch. Everything else runs once per run or once per command. Not
# the arrivals (sim/arrivals.py, sim/_pcg64.py: 0.3 % of that CPU): drawn before the run in
# one call that calls no Python code back, compiled they would keep a long run deaf to
# Ctrl-C for as long as they take (about 0.5 s for a 60 s horizon).
MODULES = (
    "sim/engine.py",
    "sim/dispatch.py",
    "sim/view.py",
    "sim/window.py",
    "sim/kernel.py",
    "sim/costs.py",
    "model/job.py",
    "model/costs.py",
    "schedulers/_dream_adapt.py",
    "schedulers/_dream_due.py",
    "schedulers/_dream_models.py",
    "schedulers/_finish_queues.py",
    "schedulers/_hopeless.py",
    "schedulers/_list.py",
    "schedulers/_mapping.py",
    "schedulers/_terastal_admit.py",
    "schedulers/_terastal_ahead.py",
    "schedulers/_terastal_claim.py",
    "schedulers/_terastal_core.py",
    "schedulers/_terastal_groups.py",
    "schedulers/_terastal_guards.py",
    "schedulers/_terastal_map.py",
    "schedulers/_terastal_order.py",
    "schedulers/_terastal_search.py",
    "schedulers/_terastal_state.py",
    "schedulers/dream.py",
    "schedulers/edf.py",
    "schedulers/fcfs.py",
    "schedulers/heft.py",
    "schedulers/lst.py",
    "schedulers/rm.py",
    "schedulers/terastal.py",
)

# The typed job and its costs, which every typed scheduler reads; what the typed order reads;
# the order itself with it (the modules that cimport ``ReadyOrder``).
_JOB = ("model/job.py", "model/costs.py")
_ORDER_READS = (
    "schedulers/_terastal_claim.py",
    "schedulers/_terastal_map.py",
    "schedulers/_terastal_state.py",
)
_ORDER_AND_READS = ("schedulers/_terastal_order.py", *_ORDER_READS)

# Modules compiled against another's extension type (a ``cimport`` in their ``.pxd``): their
# stamp covers those sources too, so that they go stale together (``source_stamp``).
CIMPORTS = {
    "model/job.py": ("model/costs.py",),
    "sim/engine.py": (*_JOB, "sim/dispatch.py", "sim/window.py"),
    "sim/dispatch.py": _JOB,
    "schedulers/_finish_queues.py": _JOB,
    "schedulers/_hopeless.py": _JOB,
    "schedulers/_mapping.py": _JOB,
    "schedulers/_dream_due.py": _JOB,
    "schedulers/dream.py": _JOB,
    "schedulers/edf.py": _JOB,
    "schedulers/fcfs.py": _JOB,
    "schedulers/heft.py": _JOB,
    "schedulers/lst.py": _JOB,
    "schedulers/rm.py": _JOB,
    # Terastal's modules, typed by their .pxd files (docs/design.md, "Typed Terastal")
    "schedulers/_terastal_claim.py": ("schedulers/_terastal_state.py",),
    "schedulers/_terastal_map.py": ("schedulers/_terastal_state.py",),
    "schedulers/_terastal_order.py": _JOB + _ORDER_READS,
    "schedulers/_terastal_ahead.py": _JOB + _ORDER_AND_READS,
    "schedulers/_terastal_groups.py": _JOB + _ORDER_AND_READS,
    "schedulers/_terastal_admit.py": _JOB,
    "schedulers/terastal.py": (
        "schedulers/_terastal_admit.py",
        *_JOB,
        "schedulers/_terastal_ahead.py",
        *_ORDER_AND_READS,
    ),
}

# Cython's defaults but for annotations: they document, they do not type (a ``float``
# annotation would make Cython reject an int argument, or convert it, which Python does not).
DIRECTIVES = {"language_level": 3, "annotation_typing": False, "binding": True}
# No debug information (Python's own flags ask for -g, which makes the compile ~40 % slower);
# the optimisation level is overridable for experiments (TERASTAL_ACCEL_CFLAGS).
CFLAGS = ("-g0", "-O2")
# Always added: the policies' C-double sums and products must round as Python's floats do,
# so no fused multiply-add, whatever -march an override asks for (x86-64's default has none).
FP_FLAGS = ("-ffp-contract=off",)


def module_name(relpath: str) -> str:
    """``sim/engine.py`` -> ``terastal.sim.engine``."""
    return "terastal." + relpath[:-3].replace("/", ".")


def available() -> str | None:
    """Why the accelerator cannot be built here (no Cython, no C compiler), or None."""
    try:
        import Cython  # noqa: F401
    except ImportError:
        return "Cython is not installed"
    try:
        import setuptools  # noqa: F401
    except ImportError:
        return "setuptools is not installed"
    from setuptools._distutils.ccompiler import new_compiler
    from setuptools._distutils.sysconfig import customize_compiler

    cc = new_compiler()
    customize_compiler(cc)
    exe = cc.compiler[0] if getattr(cc, "compiler", None) else "cc"
    if shutil.which(exe) is None:
        return f"no C compiler ({exe})"
    return None


def build(jobs: int = 2, modules: tuple[str, ...] = MODULES, root: str = COMPILED) -> int:
    """Compile ``modules`` into ``root``; return how many were built.

    The stamps are taken before compiling and checked after: a source edited meanwhile is
    left out (it would be loaded as Python anyway, but its stale copy need not be kept).
    """
    from Cython.Build import cythonize
    from setuptools import Distribution, Extension

    sources = {m: "+".join((m, *CIMPORTS.get(m, ()))) for m in modules}
    before = {m: source_stamp(sources[m]) for m in modules}
    with tempfile.TemporaryDirectory(prefix="terastal-accel-") as tmp:
        src_root = os.path.dirname(_PKG)
        cwd = os.getcwd()
        os.chdir(src_root)  # relative sources: Cython names modules by their package path
        try:
            flags = os.environ.get("TERASTAL_ACCEL_CFLAGS", " ".join(CFLAGS)).split()
            flags += FP_FLAGS
            exts = [
                Extension(module_name(m), [os.path.join("terastal", m)], extra_compile_args=flags)
                for m in modules
            ]
            exts = cythonize(
                exts,
                build_dir=os.path.join(tmp, "c"),
                nthreads=jobs,
                quiet=True,
                force=True,
                compiler_directives=DIRECTIVES,
            )
            dist = Distribution({"ext_modules": exts, "script_args": []})
            cmd = dist.get_command_obj("build_ext")
            cmd.build_lib = os.path.join(tmp, "lib")
            cmd.build_temp = os.path.join(tmp, "tmp")
            cmd.parallel = jobs
            cmd.ensure_finalized()
            t0 = time.perf_counter()
            cmd.run()
            if os.environ.get("TERASTAL_ACCEL_VERBOSE"):
                print(f"  C compile: {time.perf_counter() - t0:.1f} s")
        finally:
            os.chdir(cwd)
        built = [m for m in modules if source_stamp(sources[m]) == before[m]]
        clean(root)
        lines = ["abi " + abi_tag()]
        for m in built:
            ext = os.path.join("terastal", m[:-3] + abi_tag())
            os.makedirs(os.path.dirname(os.path.join(root, ext)), exist_ok=True)
            shutil.copy2(os.path.join(tmp, "lib", ext), os.path.join(root, ext))
            lines.append(f"{module_name(m)} {sources[m]} {before[m]} {ext}")
        # The manifest last: a build interrupted before this line leaves none, so nothing loads.
        with open(os.path.join(root, MANIFEST), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    return len(built)


def clean(root: str = COMPILED) -> bool:
    """Remove a build; True if there was one."""
    if not os.path.isdir(root):
        return False
    shutil.rmtree(root)
    return True


def status(root: str = COMPILED) -> dict:
    """What is built, what is current, what this process loaded compiled."""
    table = read_manifest(root)
    f = finder()
    if table is None:
        built = current = []
    else:
        built = sorted(table)
        current = [m for m, (src, st, _ext) in sorted(table.items()) if source_stamp(src) == st]
    return {
        "dir": root,
        "built": built,
        "current": current,
        "stale": sorted(set(built) - set(current)),
        "active": f is not None,
        "loaded": sorted(f.loaded) if f else [],
    }


def summary() -> str:
    """One line for ``terastal version``."""
    if os.environ.get("TERASTAL_PURE", "") not in ("", "0"):
        return "accelerator: off (TERASTAL_PURE is set)"
    st = status()
    if not st["built"]:
        return "accelerator: not built (pure Python)"
    stale = f", {len(st['stale'])} stale (run as Python)" if st["stale"] else ""
    return f"accelerator: on, {len(st['current'])} of {len(MODULES)} modules compiled{stale}"


def main(argv: list[str] | None = None) -> int:
    """``python -m terastal._accel build|clean|status [--jobs N]``."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m terastal._accel", description=__doc__)
    ap.add_argument("action", choices=("build", "clean", "status"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="parallel compiles")
    ap.add_argument(
        "--if-available", action="store_true",
        help="build: print one line and succeed when Cython or a C compiler is missing",
    )  # fmt: skip
    args = ap.parse_args(argv)
    if args.action == "clean":
        print(f"removed {COMPILED}" if clean() else "nothing to remove")
        return 0
    if args.action == "status":
        st = status()
        print(summary())
        for m in st["stale"]:
            print(f"  stale (source edited since the build): {m}")
        return 0
    why = available()
    if why:
        print(f"accelerator: not built ({why}); terastal runs as pure Python")
        return 0 if args.if_available else 2
    t0 = time.perf_counter()
    try:
        n = build(jobs=max(1, args.jobs))
    except Exception as exc:  # a failed compile leaves the package working (the last build or
        # none: the manifest is written last, so a half-copied build loads nothing)
        why = f"{type(exc).__name__}: {exc}"[:160]
        print(f"accelerator: build failed ({why}); nothing changed")
        return 0 if args.if_available else 1
    print(f"accelerator: built {n} modules in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
