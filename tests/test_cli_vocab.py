"""One CLI vocabulary: an option shared by several commands is declared the same way in each.

Walks every command (and subcommand) of the CLI through its click objects, so a command
added later is checked too.
"""

from collections import defaultdict

import pytest
import typer

from terastal.cli import app

# Options whose default and help say what *this* command writes or passes on: only their
# names and short forms must agree.
NAMES_ONLY = {"--out", "--option"}
# The shared vocabulary (commands/_vocab.py): the help text must agree too.
VOCABULARY = {
    "--scenario", "--platform", "--cost-model", "--duration-ms", "--seed", "--seeds", "--late",
    "--plan", "--progress", "--max-jobs", "--no-cache", "--compat", "--workers",
}  # fmt: skip

# Declarations that differ on purpose, with the reason. Keep short.
EXCEPTIONS = {
    # a suite file names its own cost model; the flag overrides it (default: the suite's)
    ("--cost-model", "reproduce"),
    # reproduce runs each suite point on the suite's seeds; its --seed draws --random mixes
    ("--seed", "reproduce"),
    # variants: seeds of training / sampling, not of a run's jitter and cascades
    ("--seed", "variants train"),
    ("--seed", "variants eval"),
    # the offline bound: CP-SAT solver threads (>= 1), not worker processes
    ("--workers", "bound"),
    # the bound takes a plan file or none (no automatic plan: it bounds a given plan)
    ("--plan", "bound"),
    # compare: a hidden alias of --seeds (one seed or a list), so '--seed 3' works as in simulate
    ("--seed", "compare"),
    # reproduce names labels of its baseline family (edf-ef-hopeless, ...), default: all
    ("--schedulers", "reproduce"),
}


def _commands():
    root = typer.main.get_command(app)
    ctx = root.make_context("terastal", [], resilient_parsing=True)
    for name in root.list_commands(ctx):
        cmd = root.get_command(ctx, name)
        if hasattr(cmd, "list_commands"):
            for sub in cmd.list_commands(ctx):
                yield f"{name} {sub}", cmd.get_command(ctx, sub)
        else:
            yield name, cmd


def _declarations():
    out = defaultdict(dict)
    for where, cmd in _commands():
        for p in cmd.params:
            if p.param_type_name != "option":
                continue
            long = max(p.opts, key=len)
            names = tuple(sorted(p.opts + p.secondary_opts))
            if long in NAMES_ONLY:
                decl = (names,)
            else:
                decl = (names, p.default, p.help if long in VOCABULARY else None)
            out[long][where] = decl
    return out


DECLARATIONS = _declarations()
SHARED = sorted(k for k, v in DECLARATIONS.items() if len(v) > 1)


def test_the_walk_sees_every_command():
    commands = {where.split()[0] for where, _ in _commands()}
    assert {"simulate", "compare", "bound", "plan", "profile", "sweep", "reproduce"} <= commands
    assert {"--scenario", "--platform", "--cost-model", "--out", "--duration-ms"} <= set(SHARED)


@pytest.mark.parametrize("flag", SHARED)
def test_shared_option_is_declared_alike(flag):
    decls = {w: d for w, d in DECLARATIONS[flag].items() if (flag, w) not in EXCEPTIONS}
    distinct = defaultdict(list)
    for where, decl in decls.items():
        distinct[decl].append(where)
    assert len(distinct) <= 1, f"{flag} differs: " + "; ".join(
        f"{sorted(ws)}: {d}" for d, ws in distinct.items()
    )


def test_every_exception_is_still_needed():
    for flag, where in EXCEPTIONS:
        assert where in DECLARATIONS.get(flag, {}), f"stale exception {flag} in {where}"


@pytest.mark.parametrize("command", ["simulate", "compare", "bound", "plan", "profile"])
def test_case_options_have_short_forms(command):
    for flag, short in (("--scenario", "-s"), ("--platform", "-p")):
        assert short in DECLARATIONS[flag][command][0]
