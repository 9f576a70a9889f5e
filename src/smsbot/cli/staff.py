"""`smsbot staff ...`: accounts (add, password, deactivate), API tokens (token, tokens, revoke-token)
and who is on call (oncall)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from smsbot.cli import app
from smsbot.cli.context import open_context, refuse

staff_app = typer.Typer(help="Staff accounts (peers and admins).", no_args_is_help=True)
app.add_typer(staff_app, name="staff")


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

    ctx = open_context()
    try:
        created = create_staff(ctx, name, role, phone)
    except (ValueError, InvalidPhone) as exc:
        refuse(str(exc))
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
        refuse(str(exc))


@staff_app.command("token")
def staff_token(
    who: Annotated[str, typer.Argument(help="Staff name or id.")],
    name: Annotated[str | None, typer.Option(help="What the token is for, e.g. 'reporting script'")] = None,
    days: Annotated[int, typer.Option(help="Days until it expires (1-366).")] = 90,
) -> None:
    """Issue an API token (printed once as `token: ...`); it expires after --days."""
    from smsbot.audit import log as audit
    from smsbot.staff.tokens import issue_token

    ctx = open_context()
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        row = _staff_row(conn, who)
        if not row.is_active:
            refuse("a deactivated account gets no new token")
        try:
            token = issue_token(conn, row.id, now, name=name, days=days)
        except ValueError as exc:
            refuse(str(exc))
        audit.record(conn, now, None, "token_issued", "staff", row.id, f"command line; {days} days")
    typer.echo(f"token: {token}")


@staff_app.command("tokens")
def staff_tokens(who: Annotated[str, typer.Argument(help="Staff name or id.")]) -> None:
    """List an account's API tokens: id, name, created, expires, last used, revoked (never the token)."""
    from smsbot.staff.tokens import tokens_of

    ctx = open_context()
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
    from smsbot.audit import log as audit
    from smsbot.auth.bounds import out_of_range
    from smsbot.staff.tokens import revoke_token

    ctx = open_context()
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        owner = None if out_of_range(token_id) else revoke_token(conn, token_id, now)
        if owner is not None:
            audit.record(conn, now, None, "tokens_revoked", "staff", owner, f"command line; token {token_id}")
    if owner is None:
        refuse("no such live token")
    typer.echo(f"token {token_id} is revoked")


@staff_app.command("password")
def staff_password(who: Annotated[str, typer.Argument(help="Staff name or id.")]) -> None:
    """Set an account's password, read from the terminal (hidden) or stdin; the same policy as the
    dashboard (12+ characters, not common or easy to guess). Every session of the account ends."""
    import getpass

    from smsbot.audit import log as audit
    from smsbot.staff.service import end_sessions, password_problem, set_password

    ctx = open_context()
    tty = sys.stdin.isatty()
    password = getpass.getpass("new password: ") if tty else sys.stdin.readline().rstrip("\n")
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        row = _staff_row(conn, who)
        problem = password_problem(password, [row.name, ctx.settings.program_name])
        if problem:
            refuse(f"choose another password: {problem}")
        set_password(conn, row.id, password)
        end_sessions(conn, row.id)
        audit.record(conn, now, None, "password_reset", "staff", row.id, "command line")
    typer.echo(f"staff {row.id}: password set; their sessions ended")


@staff_app.command("deactivate")
def staff_deactivate(who: Annotated[str, typer.Argument(help="Staff name or id.")]) -> None:
    """Deactivate an account: its sessions and API tokens end now; its participants and open alerts
    go to the on-call peer (run it again after setting one, if nobody was on call)."""
    from smsbot.audit import log as audit
    from smsbot.replies.wording import Wording
    from smsbot.staff.service import deactivate

    ctx = open_context()
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        row = _staff_row(conn, who)
        moved = deactivate(conn, row.id, now, Wording.from_settings(ctx.settings))
        detail = f"command line; {moved.participants} participants, {moved.alerts} open alerts moved"
        audit.record(conn, now, None, "staff_deactivated", "staff", row.id, detail)
    typer.echo(f"staff {row.id} is deactivated: sessions and API tokens ended")
    if moved.to_staff_id is None:
        typer.echo("nobody is on call: their participants and open alerts stay with the account", err=True)
    else:
        moved_to = f"went to staff {moved.to_staff_id}"
        typer.echo(f"{moved.participants} participants and {moved.alerts} open alerts {moved_to}")


@staff_app.command("oncall")
def staff_oncall(
    who: Annotated[str, typer.Argument(help="Staff name or id.")],
    off: Annotated[bool, typer.Option("--off", help="Take them off call instead.")] = False,
) -> None:
    """Put a staff member on call (or --off): they get unacknowledged alerts and self-enrolled texters."""
    from smsbot.staff.service import set_on_call

    ctx = open_context()
    try:
        staff_id = set_on_call(ctx, who, not off)
    except LookupError as exc:
        refuse(str(exc))
    typer.echo(f"staff {staff_id} is {'off call' if off else 'on call'}")
