"""``terastal cache``: where the on-disk cache of plans and cost tables is, and emptying it."""

from __future__ import annotations

import typer


def _human(n: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def register(app: typer.Typer) -> None:
    """Add the command group to ``app``."""
    sub = typer.Typer(
        help="The on-disk cache of plans and cost tables (TERASTAL_CACHE_DIR).",
        no_args_is_help=True,
    )
    app.add_typer(sub, name="cache")

    @sub.command("info")
    def info_cmd() -> None:
        """Print the cache directory and its entries per kind."""
        from terastal.experiment.diskcache import DiskCache, cache_dir, disabled

        info = DiskCache(cache_dir()).info()
        state = " (off: TERASTAL_NO_CACHE is set)" if disabled() else ""
        typer.echo(f"cache directory: {info['dir']}{state}")
        for kind, agg in info["kinds"].items():
            typer.echo(f"  {kind}: {agg['entries']} entries, {_human(agg['bytes'])}")

    @sub.command("clear")
    def clear_cmd() -> None:
        """Remove every entry (they are rebuilt when next needed)."""
        from terastal.experiment.diskcache import DiskCache, cache_dir

        d = DiskCache(cache_dir())
        typer.echo(f"removed {d.clear()} entries from {d.root}")
