"""Command-line interface.

Each module in :mod:`terastal.commands` exposes ``register(app)``; this file only assembles
them, so that adding a command never touches the others. A module is imported only when its
command runs (or ``--help`` lists it): the command ``xrbench-check`` lives in
``xrbench_check.py``, and start-up pays for one command, not for all of them.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer
from typer.core import TyperGroup

from terastal.errors import Interrupted, TerastalError
from terastal.interrupts import signals_as_interrupts, stopped_while_failing


def _modules() -> dict[str, str]:
    """Command name -> module of :mod:`terastal.commands` (found without importing them)."""
    import terastal.commands as pkg

    return {
        info.name.replace("_", "-"): info.name
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name)
        if not info.name.startswith("_")
    }


def _load(name: str, module: str):
    """The click command ``name`` that ``terastal.commands.<module>`` registers, or None."""
    register = getattr(importlib.import_module(f"terastal.commands.{module}"), "register", None)
    if register is None:
        return None
    sub = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    register(sub)
    cmd = typer.main.get_group(sub).commands.get(name)
    if cmd is not None:
        from terastal.commands._coerce import install

        install(cmd)  # plain option values without typer's pydantic path
    return cmd


class LazyGroup(TyperGroup):
    """The root command: subcommands are listed by module name and imported when used."""

    def __init__(self, *args, **kwargs) -> None:
        from terastal.commands._coerce import install

        super().__init__(*args, **kwargs)
        install(self)  # its --help, without typer's pydantic path

    def list_commands(self, ctx) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in _modules() if n not in self.commands)]

    def get_command(self, ctx, name: str):
        cmd = super().get_command(ctx, name)
        module = _modules().get(name) if cmd is None else None
        if module is not None:
            cmd = _load(name, module)
            if cmd is not None:
                self.add_command(cmd, name)
        return cmd


app = typer.Typer(
    cls=LazyGroup,
    name="terastal",
    help="Soft real-time scheduling of multi-DNN workloads on heterogeneous accelerators.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Soft real-time scheduling of multi-DNN workloads on heterogeneous accelerators."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors print one line and exit with status 2.

    SIGINT and SIGTERM print one line and exit with 130 and 143. Without ``argv`` (the
    ``terastal`` program, ``python -m terastal.cli``) the process ends next, so the objects it
    made are left to the OS: ``gc.freeze()`` spares the interpreter's exit its collections
    (every generation, several times; about 15 ms after a ``simulate``). Exit handlers still
    run and streams are still flushed; nothing the commands write is left to a collection.
    """
    code = _run(argv)
    if argv is None:
        import gc

        gc.freeze()
    return code


def _run(argv: list[str] | None) -> int:
    try:
        with signals_as_interrupts() as received:
            try:
                rv = app(args=argv, standalone_mode=False)
            except typer.Exit:
                if not received:
                    raise
                rv = None  # it ended on its own: the interrupt is reported below
            except Exception as exc:
                if not received:  # a failure; a signal meanwhile stops the command instead
                    raise
                raise stopped_while_failing(exc, received[0]) from None
        if received:  # the interrupt was swallowed on the way (see signals_as_interrupts)
            raise Interrupted(received[0], "the command finished before it could stop")
    except TerastalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Interrupted as exc:
        print(f"interrupted ({exc.name}){': ' + exc.note if exc.note else ''}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            print("interrupted", file=sys.stderr)
            return 130
        print("aborted", file=sys.stderr)
        return 1
    except Exception as exc:
        # Usage errors (bad option, missing argument) carry their own message and exit code.
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            cmd = getattr(getattr(exc, "ctx", None), "command_path", None)
            hint = f" (see {cmd} --help)" if cmd else ""
            message = exc.format_message()
            if message:  # empty after no_args_is_help printed the help
                print(f"error: {message}{hint}", file=sys.stderr)
            return exc.exit_code
        raise
    # Without standalone mode, click returns typer.Exit's code instead of raising it.
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":
    sys.exit(main())
