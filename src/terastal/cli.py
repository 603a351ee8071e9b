"""Command-line interface.

Each module in :mod:`terastal.commands` exposes ``register(app)``; this file only assembles
them, so that adding a command never touches the others.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from terastal.errors import TerastalError

app = typer.Typer(
    name="terastal",
    help="Soft real-time scheduling of multi-DNN workloads on heterogeneous accelerators.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register_commands() -> None:
    import terastal.commands as pkg

    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"terastal.commands.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(app)


@app.callback()
def _root() -> None:
    """Soft real-time scheduling of multi-DNN workloads on heterogeneous accelerators."""


_register_commands()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors print one line and exit with status 2."""
    try:
        rv = app(args=argv, standalone_mode=False)
    except TerastalError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        print("aborted", file=sys.stderr)
        return 1
    except Exception as exc:
        # Usage errors (bad option, missing argument) carry their own message and exit code.
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            return exc.exit_code
        raise
    # Without standalone mode, click returns typer.Exit's code instead of raising it.
    return rv if isinstance(rv, int) else 0


if __name__ == "__main__":
    sys.exit(main())
