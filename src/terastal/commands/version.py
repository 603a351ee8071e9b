"""``terastal version``."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the command to ``app``."""

    @app.command("version")
    def version() -> None:
        """Print the package version."""
        from terastal import __version__

        typer.echo(__version__)
