"""``terastal version``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the command to ``app``."""

    @app.command("version")
    def version() -> None:
        """Print the package version and whether the compiled accelerator is in use."""
        from terastal import __version__
        from terastal._accel.build import summary

        typer.echo(__version__)
        typer.echo(summary())
