"""The `smsbot` command: serve, worker, tick, chat, db, directory, staff, content, audit, keys."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from smsbot.config import ConfigError, get_settings

app = typer.Typer(help="smsbot: an SMS line for harm reduction.", no_args_is_help=True, add_completion=False)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
staff_app = typer.Typer(help="Staff accounts (peers and admins).", no_args_is_help=True)
content_app = typer.Typer(help="The wording packs.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
keys_app = typer.Typer(help="The master key.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(staff_app, name="staff")
app.add_typer(content_app, name="content")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")


def _context(now: str | None = None):
    from smsbot.clock import FrozenClock, parse_iso
    from smsbot.context import AppContext

    try:
        settings = get_settings()
    except ConfigError as exc:
        typer.echo(f"smsbot: configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    clock = FrozenClock(parse_iso(now)) if now else None
    return AppContext.build(settings, clock=clock)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Web processes.")] = 1,
) -> None:
    """Run the web app (webhooks, API, dashboard, /metrics)."""
    import uvicorn

    try:
        settings = get_settings()
        settings.master_key  # noqa: B018  (create the development key before workers fork)
    except ConfigError as exc:
        typer.echo(f"smsbot: configuration error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"smsbot: serving on http://{host}:{port} (sender: {settings.sender_name}, env: {settings.env})"
    )
    uvicorn.run(
        "smsbot.asgi:app",
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,  # access logs would carry nothing personal, but they add cost on the hot path
        proxy_headers=False,
        server_header=False,  # no version banner for scanners
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply migrations (Alembic) to DATABASE_URL."""
    from smsbot import migrate

    ctx = _context()
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
        typer.echo(f"smsbot: {exc}", err=True)
        raise typer.Exit(2) from None
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
        typer.echo(f"smsbot: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo("restored; check it with `smsbot audit verify`")


@keys_app.command("rotate")
def keys_rotate(
    batch_size: Annotated[int, typer.Option(help="Rows per transaction.", min=1)] = 500,
    max_batches: Annotated[int | None, typer.Option(hidden=True)] = None,  # tests: stop part-way
) -> None:
    """Re-encrypt stored numbers and answers under SMSBOT_SECRET_KEY (old key: SMSBOT_PREVIOUS_SECRET_KEY).
    Safe to interrupt and run again; the app keeps working meanwhile."""
    from smsbot.ops.rotate import rotate

    ctx = _context()
    if ctx.vault.previous is None:
        typer.echo(
            "smsbot: set SMSBOT_PREVIOUS_SECRET_KEY to the old key and SMSBOT_SECRET_KEY to the new one",
            err=True,
        )
        raise typer.Exit(2)
    counts = rotate(ctx.db, ctx.settings, ctx.vault, ctx.clock.now(), batch_size, max_batches)
    typer.echo(
        f"moved to the new key: {counts.numbers} numbers, {counts.answers} check-in answers, "
        f"{counts.second_factors} second factors; {counts.already} already done"
    )
    if counts.unreadable:
        typer.echo(f"{counts.unreadable} rows open under neither key (left as they are)", err=True)
    if not counts.finished:
        typer.echo(f"stopped after {counts.batches} batches; run it again to finish")
        raise typer.Exit(3)
    typer.echo(
        f"done. {counts.index_only} texters and opt-outs are known only by a keyed hash of their number: "
        "they are recognised while SMSBOT_PREVIOUS_SECRET_KEY is set and move over when that number "
        "texts or is enrolled. Keep the old key to check older audit rows (smsbot audit verify)."
    )
    if counts.unreadable:
        raise typer.Exit(1)


@staff_app.command("add")
def staff_add(
    name: str,
    role: Annotated[str, typer.Option(help="peer or admin")] = "peer",
    phone: Annotated[str | None, typer.Option(help="Phone for alerts, e.g. +15555550123")] = None,
    on_call: Annotated[bool, typer.Option("--on-call", help="Gets unacked alerts too")] = False,
) -> None:
    """Create a staff account; prints its API token and one-time password, once."""
    from smsbot.privacy import InvalidPhone
    from smsbot.staff.service import create_staff

    ctx = _context()
    try:
        created = create_staff(ctx, name, role, phone)
    except (ValueError, InvalidPhone) as exc:
        typer.echo(f"smsbot: {exc}", err=True)
        raise typer.Exit(2) from None
    if on_call:
        from smsbot.staff.service import set_on_call

        set_on_call(ctx, str(created.staff_id), True)
    typer.echo(f"staff id: {created.staff_id}")
    typer.echo(f"token: {created.token}")
    typer.echo(f"password: {created.password}")
    if role == "admin":
        typer.echo("note: an admin's API token works once they set up a second factor (sign in)", err=True)


def _staff_row(conn, who: str):
    from smsbot.staff.service import find_staff

    try:
        return find_staff(conn, who, active_only=False)
    except LookupError as exc:
        typer.echo(f"smsbot: {exc}", err=True)
        raise typer.Exit(2) from None


@staff_app.command("token")
def staff_token(
    who: Annotated[str, typer.Argument(help="Staff name or id.")],
    name: Annotated[str | None, typer.Option(help="What the token is for, e.g. 'reporting script'")] = None,
    days: Annotated[int, typer.Option(help="Days until it expires (1-366).")] = 90,
) -> None:
    """Issue an API token (printed once as `token: ...`); it expires after --days."""
    from smsbot.dashboard import audit
    from smsbot.staff.tokens import issue_token

    ctx = _context()
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        row = _staff_row(conn, who)
        if not row.is_active:
            typer.echo("smsbot: a deactivated account gets no new token", err=True)
            raise typer.Exit(2)
        try:
            token = issue_token(conn, row.id, now, name=name, days=days)
        except ValueError as exc:
            typer.echo(f"smsbot: {exc}", err=True)
            raise typer.Exit(2) from None
        audit.record(conn, now, None, "token_issued", "staff", row.id, f"command line; {days} days")
    typer.echo(f"token: {token}")


@staff_app.command("tokens")
def staff_tokens(who: Annotated[str, typer.Argument(help="Staff name or id.")]) -> None:
    """List an account's API tokens: id, name, created, expires, last used, revoked (never the token)."""
    from smsbot.staff.tokens import tokens_of

    ctx = _context()
    with ctx.db.transaction() as conn:
        rows = tokens_of(conn, _staff_row(conn, who).id)
    for t in rows:
        when = [
            (v.strftime("%Y-%m-%d %H:%M") if v else "-") for v in (t.created_at, t.expires_at, t.last_used_at)
        ]
        state = "revoked" if t.revoked_at else ("expired" if t.expires_at <= ctx.clock.now() else "live")
        typer.echo(f"{t.id}\t{t.name or '-'}\tcreated {when[0]}\texpires {when[1]}\tused {when[2]}\t{state}")


@staff_app.command("revoke-token")
def staff_revoke_token(
    token_id: Annotated[int, typer.Argument(help="The token's id (smsbot staff tokens).")],
) -> None:
    """Revoke one API token by its id."""
    from smsbot.dashboard import audit
    from smsbot.dashboard.bounds import out_of_range
    from smsbot.staff.tokens import revoke_token

    ctx = _context()
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        owner = None if out_of_range(token_id) else revoke_token(conn, token_id, now)
        if owner is not None:
            audit.record(conn, now, None, "tokens_revoked", "staff", owner, f"command line; token {token_id}")
    if owner is None:
        typer.echo("smsbot: no such live token", err=True)
        raise typer.Exit(2)
    typer.echo(f"token {token_id} is revoked")


@staff_app.command("password")
def staff_password(who: Annotated[str, typer.Argument(help="Staff name or id.")]) -> None:
    """Set an account's password, read from the terminal (hidden) or stdin; the same policy as the
    dashboard (12+ characters, not common or easy to guess). Every session of the account ends."""
    import getpass

    from smsbot.dashboard import audit
    from smsbot.staff.service import end_sessions, password_problem, set_password

    ctx = _context()
    tty = sys.stdin.isatty()
    password = getpass.getpass("new password: ") if tty else sys.stdin.readline().rstrip("\n")
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        row = _staff_row(conn, who)
        problem = password_problem(password, [row.name, ctx.settings.program_name])
        if problem:
            typer.echo(f"smsbot: choose another password: {problem}", err=True)
            raise typer.Exit(2)
        set_password(conn, row.id, password)
        end_sessions(conn, row.id)
        audit.record(conn, now, None, "password_reset", "staff", row.id, "command line")
    typer.echo(f"staff {row.id}: password set; their sessions ended")


@staff_app.command("deactivate")
def staff_deactivate(who: Annotated[str, typer.Argument(help="Staff name or id.")]) -> None:
    """Deactivate an account: its sessions and API tokens end now; its participants and open alerts
    go to the on-call peer (run it again after setting one, if nobody was on call)."""
    from smsbot.dashboard import audit
    from smsbot.replies.wording import Wording
    from smsbot.staff.service import deactivate, find_staff

    ctx = _context()
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        try:
            row = find_staff(conn, who, active_only=False)
        except LookupError as exc:
            typer.echo(f"smsbot: {exc}", err=True)
            raise typer.Exit(2) from None
        moved = deactivate(conn, row.id, now, Wording.from_settings(ctx.settings))
        detail = f"command line; {moved.participants} participants, {moved.alerts} open alerts moved"
        audit.record(conn, now, None, "staff_deactivated", "staff", row.id, detail)
    typer.echo(f"staff {row.id} is deactivated: sessions and API tokens ended")
    if moved.to_staff_id is None:
        typer.echo("nobody is on call: their participants and open alerts stay with the account", err=True)
    else:
        moved_to = f"went to staff {moved.to_staff_id}"
        typer.echo(f"{moved.participants} participants and {moved.alerts} open alerts {moved_to}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain; exit 1 on any gap, changed or inserted row."""
    from smsbot.dashboard import audit

    ctx = _context()
    with ctx.db.transaction() as conn:
        report = audit.verify(conn)
    for problem in report.problems[:50]:
        typer.echo(f"audit log: {problem}", err=True)
    if len(report.problems) > 50:
        typer.echo(f"audit log: ... and {len(report.problems) - 50} more problems", err=True)
    if not report.ok:
        typer.echo(f"audit log: BROKEN ({len(report.problems)} problems in {report.rows} rows)")
        if ctx.settings.previous_master_key is None and _rotated(ctx):
            # Rows are append-only, so rows sealed before a key rotation keep the old key's seal.
            typer.echo(
                "audit log: the master key was rotated; rows sealed before that need the old key: "
                "run it again with SMSBOT_PREVIOUS_SECRET_KEY set",
                err=True,
            )
        raise typer.Exit(1)
    # The head is worth writing down elsewhere: rows cut from the end leave an intact, shorter chain.
    typer.echo(f"audit log: {report.rows} rows, chain intact; head {report.head_seq} {report.head_hash}")


def _rotated(ctx) -> bool:
    from sqlalchemy import select

    from smsbot.models import AuditLog

    table = AuditLog.__table__
    with ctx.db.transaction() as conn:
        return (
            conn.execute(select(table.c.id).where(table.c.action == "keys_rotated").limit(1)).first()
            is not None
        )


@content_app.command("check")
def content_check() -> None:
    """Validate the wording packs: segments, encoding, reserved words, placeholders, reading level."""
    from smsbot.replies.checker import check_packs, format_report
    from smsbot.replies.wording import load_packs

    settings = get_settings()
    problems, notes = check_packs(load_packs(settings.wording_dir))
    typer.echo(format_report(problems, notes))
    if problems:
        raise typer.Exit(1)


@app.command()
def chat(
    from_number: Annotated[
        str, typer.Option("--from", help="The phone number you text as.")
    ] = "+15555550100",
) -> None:
    """Text the bot from a terminal through the real pipeline (reads stdin when piped)."""
    from smsbot.inbound.chat import run_chat

    run_chat(_context(), from_number, interactive=sys.stdin.isatty())


def _register_feature_commands() -> None:
    """Commands that belong to feature packages (directory, worker)."""
    from smsbot.directory.commands import app as directory_app

    app.add_typer(directory_app, name="directory")

    from smsbot.worker.commands import register as register_worker_commands

    register_worker_commands(app, staff_app)


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    _register_feature_commands()
    app()


if __name__ == "__main__":
    main()
