"""`smsbot content check | history | publish | rollback`: the wording as the line sends it, checked
(the packs and every version published in the database), and changed through the same service as the
Wording pages and /api/wording (the same rules, one audit row naming the command line)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from smsbot.cli import app
from smsbot.cli.context import open_context
from smsbot.config import get_settings

if TYPE_CHECKING:
    from smsbot.errors import DomainError

content_app = typer.Typer(help="The wording: packs and published versions.", no_args_is_help=True)
app.add_typer(content_app, name="content")
PART_BREAK = "---"  # a line holding only this separates the parts of a reply in a --file
Language = Annotated[str, typer.Option("--lang", help="en or es")]


def _fail(message: str) -> NoReturn:
    """A refusal: the reason on stderr, exit code 1."""
    typer.echo(f"smsbot: {message}", err=True)
    raise typer.Exit(1)


def _refused(err: DomainError) -> NoReturn:
    from smsbot.replies.editing import WordingRefused

    if isinstance(err, WordingRefused):
        _fail("\n".join(["this wording can't be published:"] + [f"  - {said}" for _, said in err.problems]))
    _fail(err.message)


def _published(url: str) -> tuple[dict, dict[str, int]] | str:
    """The published versions in the database (the newest of each reply and language) and each reply's
    newest number, or why they could not be read. A SQLite file that is not there is not created."""
    import os

    from sqlalchemy import create_engine, make_url
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    from smsbot.replies import editing, published

    if url.startswith("sqlite"):
        database = make_url(url).database
        if not database or database == ":memory:" or not os.path.exists(database):
            return {}, {}
    engine = create_engine(url, poolclass=NullPool, hide_parameters=True)
    try:
        with engine.connect() as conn:
            return published.current_texts(conn), editing.latest_numbers(conn)
    except SQLAlchemyError as exc:  # the type only: never a value
        return f"the database could not be read ({type(exc).__name__})"
    finally:
        engine.dispose()


def _published_problems(settings, packs) -> tuple[list[str], list[str]]:
    """The content check on the packs as the line sends them (each published version laid over its
    pack): the problems a published version brings, each naming its reply, language and version."""
    import re

    from smsbot.replies import editing
    from smsbot.replies.checker import check_packs

    found = _published(settings.database_url)
    if isinstance(found, str):
        return [f"published versions not checked: {found}"], []
    overrides, latest = found
    if not overrides:
        return [], ["published versions: none (the packs are what the line sends)"]
    shipped = set(check_packs(packs)[0])
    laid, _ = check_packs(editing.with_published(packs, overrides))
    problems = []
    for problem in laid:
        if problem in shipped:
            continue  # the packs' own problem, reported with them
        where = re.match(r"(?P<language>[a-z]{2}) (?P<key>[a-z0-9_]+)", problem)
        key = where["key"] if where else None
        edited = sorted(language for k, language in overrides if k == key)
        if edited:
            version = f"v{latest.get(key, '?')} of {key} ({', '.join(edited)})"
            problem = f"{problem} [published {version}: `smsbot content history {key}`]"
        problems.append(problem)
    keys = {key for key, _ in overrides}
    replies = f"{len(keys)} repl{'y' if len(keys) == 1 else 'ies'}"
    notes = [f"published versions: {replies} edited in the database, checked as the line sends them"]
    for (key, language), parts in sorted(overrides.items()):
        entry = packs[language].entries.get(key) if language in packs else None
        if entry is None or len(entry.parts) != len(parts):  # the line sends the pack's wording instead
            notes.append(
                f"{language} {key}: published v{latest.get(key, '?')} is not used: the packs no longer have "
                "this reply with the same parts (publish it again in the dashboard)"
            )
    return problems, notes


@content_app.command("check")
def content_check(
    packs_only: Annotated[bool, typer.Option("--packs-only", help="Skip the database's versions")] = False,
) -> None:
    """Validate what the line sends: the wording packs, then every version published in the database
    (segments, encoding, reserved words, placeholders, reading level, facts)."""
    from smsbot.replies.checker import check_packs, format_report
    from smsbot.replies.wording import load_packs

    settings = get_settings()
    packs = load_packs(settings.wording_dir)
    problems, notes = check_packs(packs)
    if not packs_only:
        more, said = _published_problems(settings, packs)
        problems, notes = [*problems, *more], [*notes, *said]
    typer.echo(format_report(problems, notes))
    if problems:
        raise typer.Exit(1)


@content_app.command("history")
def content_history(key: Annotated[str, typer.Argument(help="The reply's name, e.g. naloxone")]) -> None:
    """Every published version of a reply, newest first, and what the line sends now."""
    from sqlalchemy import select

    from smsbot.actor import Actor
    from smsbot.errors import DomainError
    from smsbot.models import Staff
    from smsbot.replies import editing
    from smsbot.replies.wording import load_packs

    ctx = open_context()
    packs = load_packs(ctx.settings.wording_dir)
    try:
        with ctx.db.transaction() as conn:
            found, in_use = editing.current(conn, Actor.command_line(), packs, key)
            people = dict(conn.execute(select(Staff.__table__.c.id, Staff.__table__.c.name)).all())
    except DomainError as err:
        _refused(err)
    if not found:
        typer.echo(f"{key}: as the packs shipped it (no version published)")
    for version in found:
        who = (
            people.get(version.published_by, "the command line")
            if version.published_by
            else "the command line"
        )
        back = ""
        if version.restores is not None:
            back = " — back to " + (
                "the wording that shipped" if version.restores == 0 else f"v{version.restores}"
            )
        when = version.published_at.strftime("%Y-%m-%d %H:%M UTC")
        typer.echo(f"v{version.number}\t{when}\t{who}{back}{'  (in use)' if version is found[0] else ''}")
    for language, parts in in_use.items():
        for index, part in enumerate(parts):
            typer.echo(f"\n[{language}{f' part {index + 1}' if len(parts) > 1 else ''}]\n{part}")


def _parts(path: Path) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        _fail(f"no file at {path}")
    except (OSError, UnicodeDecodeError):
        _fail(f"{path} could not be read as UTF-8 text")
    parts, current = [], []
    for line in text.splitlines():
        if line.strip() == PART_BREAK:
            parts.append("\n".join(current))
            current = []
        else:
            current.append(line)
    return [*parts, "\n".join(current)]


@content_app.command("publish")
def content_publish(
    key: Annotated[str, typer.Argument(help="The reply's name, e.g. naloxone")],
    language: Language,
    file: Annotated[
        Path, typer.Option("--file", help=f"UTF-8 text; a line holding only {PART_BREAK} separates parts")
    ],
) -> None:
    """Publish a new version of one language of a reply (the other stays as it is), checked as
    `smsbot content check` would. The line sends it within seconds, without a restart."""
    from smsbot.actor import Actor
    from smsbot.errors import DomainError
    from smsbot.replies import editing, published
    from smsbot.replies.wording import LANGUAGES, load_packs

    if language not in LANGUAGES:
        _fail(f"--lang must be one of {', '.join(LANGUAGES)}")
    parts = _parts(file)
    ctx = open_context()
    packs = load_packs(ctx.settings.wording_dir)
    try:
        with ctx.db.transaction() as conn:
            number = editing.publish_languages(
                conn, Actor.command_line(), ctx.clock.now(), key=key, texts={language: parts}, packs=packs
            )
    except DomainError as err:
        _refused(err)
    published.for_database(ctx.settings.database_url).changed()  # this process's own cache, if any
    typer.echo(f"{key}: v{number} published; the line sends it from now on")


@content_app.command("rollback")
def content_rollback(
    key: Annotated[str, typer.Argument(help="The reply's name, e.g. naloxone")],
    to: Annotated[int, typer.Option("--to", help="The version to bring back; 0: the wording that shipped")],
    language: Annotated[str | None, typer.Option("--lang", help="en or es; left out: both")] = None,
) -> None:
    """Bring an earlier version back, as a new version (audited like a publication)."""
    from smsbot.actor import Actor
    from smsbot.errors import DomainError
    from smsbot.replies import editing, published
    from smsbot.replies.wording import LANGUAGES, load_packs

    if language is not None and language not in LANGUAGES:
        _fail(f"--lang must be one of {', '.join(LANGUAGES)}")
    ctx = open_context()
    packs = load_packs(ctx.settings.wording_dir)
    actor = Actor.command_line()
    try:
        with ctx.db.transaction() as conn:
            found, _ = editing.current(conn, actor, packs, key)
            number = editing.roll_back(
                conn,
                actor,
                ctx.clock.now(),
                key=key,
                to_version=to,
                base_version=found[0].number if found else 0,
                packs=packs,
                languages=(language,) if language else LANGUAGES,
            )
    except DomainError as err:
        _refused(err)
    published.for_database(ctx.settings.database_url).changed()
    typer.echo(
        f"{key}: v{number} published, bringing back {'the wording that shipped' if to == 0 else f'v{to}'}"
    )
