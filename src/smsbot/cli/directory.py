"""`smsbot directory ...`: import a directory (or dry-run it), see what a texter would get, list what
needs a check, load or remove the demo. Changes go through smsbot.directory.service (audited, like
the dashboard's and the API's); adding or editing one service is in directory_edit.py."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from smsbot.cli import app
from smsbot.cli.context import open_context, refuse
from smsbot.directory.categories import CATEGORIES
from smsbot.directory.store import DEMO_CSV
from smsbot.errors import DomainError, Invalid

directory_app = typer.Typer(help="The services directory (where to go).", no_args_is_help=True)
app.add_typer(directory_app, name="directory")
MAX_WARNINGS_SHOWN = 50


def fail(err: DomainError) -> NoReturn:
    """Bad input ends with exit code 2 (as every command's usage errors do); any other refusal, 1."""
    if isinstance(err, Invalid):
        refuse(err.message)
    typer.echo(f"smsbot: {err.message}", err=True)
    raise typer.Exit(1)


def _import(
    path: Path, source: str | None, verified: date | None, mapping: Path | None, dry_run: bool = False
) -> None:
    from tqdm import tqdm

    from smsbot.actor import Actor
    from smsbot.directory import service
    from smsbot.directory.records import ImportOptions

    ctx = open_context()
    options = ImportOptions(
        default_timezone=ctx.settings.default_timezone,
        source=source,
        verified=verified,
        mapping_path=str(mapping) if mapping else None,
    )
    bar: tqdm | None = None

    def start(total: int | None) -> None:
        nonlocal bar
        bar = tqdm(total=total, unit="rows", desc=f"importing {path.name}", disable=None, leave=False)

    try:
        with ctx.db.transaction() as conn:
            summary = service.import_file(
                conn,
                Actor.command_line(),
                ctx.clock.now(),
                path,
                options,
                dry_run=dry_run,
                on_start=start,
                on_rows=lambda n: bar and bar.update(n),
            )
    except DomainError as err:
        fail(err)
    finally:
        if bar is not None:
            bar.close()
    for warning in summary.warnings[:MAX_WARNINGS_SHOWN]:
        typer.echo(f"warning: {warning}", err=True)
    if len(summary.warnings) > MAX_WARNINGS_SHOWN:
        typer.echo(f"warning: ... and {len(summary.warnings) - MAX_WARNINGS_SHOWN} more", err=True)
    for conflict in summary.conflicts[:MAX_WARNINGS_SHOWN]:
        typer.echo(f"kept: {conflict}")
    if dry_run:
        typer.echo("dry run: nothing was written. By category (a service may have several):")
        for line in summary.report():
            typer.echo(f"  {line}")
    if summary.warnings:
        typer.echo("warnings by reason:")
        for line in summary.groups():
            typer.echo(f"  {line}")
    typer.echo(summary.line())


@directory_app.command("import")
def import_command(
    path: Annotated[Path, typer.Argument(help="HSDS folder (datapackage.json), flat .csv, or SAMHSA .json")],
    source: Annotated[
        str | None, typer.Option(help="Name this source (default: csv, samhsa, hsds:NAME)")
    ] = None,
    verified: Annotated[
        str | None, typer.Option(help="Checked date for rows without one, YYYY-MM-DD (e.g. a SAMHSA export)")
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="TOML laid over taxonomy.toml: codes, terms, words -> categories")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read and classify only: counts per category, samples, reasons")
    ] = False,
) -> None:
    """Import services (re-importing updates rows with the same source and id, never duplicates;
    fields edited on the dashboard are kept)."""
    try:
        checked = date.fromisoformat(verified) if verified else None
    except ValueError:
        refuse(f"--verified {verified!r} is not a date (YYYY-MM-DD)")
    _import(path, source, checked, mapping, dry_run)


@directory_app.command("stale")
def stale_command(
    months: Annotated[int, typer.Option(min=1, help="Not checked for this many months")] = 6,
    today: Annotated[
        str | None, typer.Option(help="Count back from this date, YYYY-MM-DD (default: today)")
    ] = None,
) -> None:
    """List services that need a check: never verified, or verified more than N months ago."""
    from smsbot.directory.store import stale_services

    ctx = open_context()
    try:
        since = date.fromisoformat(today) if today else ctx.clock.now().date()
    except ValueError:
        refuse(f"--today {today!r} is not a date (YYYY-MM-DD)")
    with ctx.db.transaction() as conn:
        rows = stale_services(conn, since, months)
    for row in rows:
        checked = row.last_verified.isoformat() if row.last_verified else "never"
        typer.echo(f"{row.id}\t{checked}\t{row.source}\t{row.name}")
    typer.echo(f"{len(rows)} service{'s' if len(rows) != 1 else ''} not checked for {months} months or more")


@directory_app.command("near")
def near_command(
    zip_code: Annotated[str, typer.Argument(metavar="ZIP", help="A US ZIP (or ZIP+4)")],
    category: Annotated[
        list[str] | None,
        typer.Option("--category", "-c", help=f"One of {', '.join(CATEGORIES)}; repeatable"),
    ] = None,
    language: Annotated[str, typer.Option(help="en or es")] = "en",
) -> None:
    """Print exactly what a texter would get (default: the SITES categories)."""
    from smsbot.actor import Actor
    from smsbot.directory import lookup
    from smsbot.replies.wording import Wording

    ctx = open_context()
    try:
        with ctx.db.transaction() as conn:
            found = lookup.near(
                conn,
                Actor.command_line(),
                ctx.clock.now(),
                zip_code,
                category or None,
                language,
                wording=Wording.from_settings(ctx.settings),
                radius_miles=ctx.settings.search_radius_miles,
            )
    except DomainError as err:
        fail(err)
    typer.echo(found.reply)


@directory_app.command("demo")
def demo_command() -> None:
    """Load the shipped DEMO directory (invented places; every reply using them says so)."""
    _import(DEMO_CSV, "demo", None, None)


@directory_app.command("remove-demo")
def remove_demo_command() -> None:
    """Delete every demo service (do this once your real directory is imported)."""
    from smsbot.actor import Actor
    from smsbot.directory import service

    ctx = open_context()
    with ctx.db.transaction() as conn:
        removed = service.remove_demo(conn, Actor.command_line(), ctx.clock.now())
    typer.echo(f"removed {removed} demo services")


from smsbot.cli import directory_edit  # noqa: E402, F401  (registers add, edit, delete)
