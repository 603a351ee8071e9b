"""``terastal cache``: where the on-disk cache of plans and cost tables is, and emptying it."""

from __future__ import annotations

import typer


def _human(n: int) -> str:
    for unit in ("B", "KiB", "MiB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"


def _cache():
    """The cache at ``cache_dir()``; an error naming TERASTAL_CACHE_DIR when that is not a
    directory (runs then go without the cache; these commands would report it empty)."""
    from terastal.errors import InputError
    from terastal.experiment.diskcache import ENV_DIR, DiskCache, cache_dir

    root = cache_dir()
    if root.exists() and not root.is_dir():
        raise InputError(f"{str(root)!r} is not a directory", field=ENV_DIR)
    return DiskCache(root)


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
        from terastal.experiment.diskcache import disabled

        info = _cache().info()
        state = " (off: TERASTAL_NO_CACHE is set)" if disabled() else ""
        typer.echo(f"cache directory: {info['dir']}{state}")
        for kind, agg in info["kinds"].items():
            typer.echo(f"  {kind}: {agg['entries']} entries, {_human(agg['bytes'])}")

    @sub.command("clear")
    def clear_cmd() -> None:
        """Remove every entry (they are rebuilt when next needed)."""
        d = _cache()
        typer.echo(f"removed {d.clear()} entries from {d.root}")
