"""`smsbot db upgrade | backup | restore`: the schema, and consistent copies of the database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from smsbot.cli import app
from smsbot.cli.context import open_context, refuse
from smsbot.config import get_settings

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations (Alembic) to DATABASE_URL."""
    from smsbot import migrate

    ctx = open_context()
    migrate.upgrade(ctx.db)
    typer.echo("database is up to date")


@db_app.command("backup")
def db_backup(
    path: Annotated[Path, typer.Argument(help="Where to write the backup (a new file).")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """A consistent backup while the app runs (SQLite online backup; PostgreSQL pg_dump, custom format)."""
    from smsbot.ops.backup import BackupError, backup

    try:
        backup(get_settings().database_url, path, force=force)
    except BackupError as exc:
        refuse(str(exc))
    typer.echo(f"backup written to {path} ({path.stat().st_size} bytes)")


@db_app.command("restore")
def db_restore(
    path: Annotated[Path, typer.Argument(help="A file written by `smsbot db backup`.")],
    force: Annotated[bool, typer.Option("--force", help="Replace what the target holds.")] = False,
) -> None:
    """Load a backup into DATABASE_URL: a new SQLite path, or an empty PostgreSQL database."""
    from smsbot.ops.backup import BackupError, restore

    try:
        restore(get_settings().database_url, path, force=force)
    except BackupError as exc:
        refuse(str(exc))
    typer.echo("restored; check it with `smsbot audit verify`")
