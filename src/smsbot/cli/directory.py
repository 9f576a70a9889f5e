"""`smsbot directory ...`: import a directory (or dry-run it), see what a texter would get, list what
needs a check, load or remove the demo."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from smsbot.cli import app
from smsbot.cli.context import open_context, refuse
from smsbot.directory.categories import CATEGORIES, normalize_category
from smsbot.directory.store import DEMO_CSV

directory_app = typer.Typer(help="The services directory (where to go).", no_args_is_help=True)
app.add_typer(directory_app, name="directory")
MAX_WARNINGS_SHOWN = 50


def _import(
    path: Path, source: str | None, verified: date | None, mapping: Path | None, dry_run: bool = False
) -> None:
    from tqdm import tqdm

    from smsbot.directory.importer import DirectoryImportError, import_path
    from smsbot.directory.records import ImportOptions

    ctx = open_context()
    options = ImportOptions(
        default_timezone=ctx.settings.default_timezone,
        source=source,
        verified=verified,
        today=ctx.clock.now().date(),
        mapping_path=str(mapping) if mapping else None,
    )
    bar: tqdm | None = None

    def start(total: int | None) -> None:
        nonlocal bar
        bar = tqdm(total=total, unit="rows", desc=f"importing {path.name}", disable=None, leave=False)

    try:
        summary = import_path(
            ctx, path, options, dry_run=dry_run, on_start=start, on_rows=lambda n: bar and bar.update(n)
        )
    except (DirectoryImportError, ValueError) as exc:
        refuse(f"cannot import {path}: {exc}")
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
    from smsbot.directory.conversation import SITES_CATEGORIES, directory_answer
    from smsbot.replies.wording import Wording

    categories = []
    for written in category or []:
        found = normalize_category(written)
        if found is None:
            refuse(f"unknown category {written!r} (one of {', '.join(CATEGORIES)})")
        categories.append(found)
    ctx = open_context()
    with ctx.db.transaction() as conn:
        answer = directory_answer(
            conn,
            Wording.from_settings(ctx.settings),
            language if language in ("en", "es") else "en",
            categories or SITES_CATEGORIES,
            zip_code,
            ctx.clock.now(),
            ctx.settings.search_radius_miles,
        )
    typer.echo(answer.text)


@directory_app.command("demo")
def demo_command() -> None:
    """Load the shipped DEMO directory (invented places; every reply using them says so)."""
    _import(DEMO_CSV, "demo", None, None)


@directory_app.command("remove-demo")
def remove_demo_command() -> None:
    """Delete every demo service (do this once your real directory is imported)."""
    from smsbot.directory.store import delete_demo

    ctx = open_context()
    with ctx.db.transaction() as conn:
        removed = delete_demo(conn)
    typer.echo(f"removed {removed} demo services")
