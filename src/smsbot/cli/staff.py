"""`smsbot staff ...`: accounts (add, role, password, reset-second-factor, deactivate), API tokens
(token, tokens, revoke-token) and who is on call (oncall). Each command is one transaction around one
function of smsbot.staff.service, acting as the command line; a refusal prints its reason, exit 1."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from smsbot.cli import app
from smsbot.cli.context import open_context

staff_app = typer.Typer(help="Staff accounts (peers and admins).", no_args_is_help=True)
app.add_typer(staff_app, name="staff")
Who = Annotated[str, typer.Argument(help="Staff name or staff number.")]


@contextmanager
def _change() -> Iterator[tuple]:
    """(connection, actor, now, context) in one transaction; a DomainError ends the command (exit 1)."""
    from smsbot.actor import Actor
    from smsbot.errors import DomainError

    ctx = open_context()
    try:
        with ctx.db.transaction() as conn:
            yield conn, Actor.command_line(), ctx.clock.now(), ctx
    except DomainError as err:
        typer.echo(f"smsbot: {err.message}", err=True)
        raise typer.Exit(1) from None


@staff_app.command("add")
def staff_add(
    name: str,
    role: Annotated[str, typer.Option(help="peer or admin")] = "peer",
    phone: Annotated[str | None, typer.Option(help="Phone for alerts, e.g. +15555550123")] = None,
    on_call: Annotated[bool, typer.Option("--on-call", help="Gets unacked alerts too")] = False,
) -> None:
    """Create a staff account; prints its API token and one-time password, once."""
    from smsbot.staff import service

    with _change() as (conn, actor, now, ctx):
        created = service.add(
            conn,
            actor,
            now,
            vault=ctx.vault,
            name=name,
            role=role,
            phone=phone,
            on_call=on_call,
            regions=ctx.settings.phone_region_codes,
        )
    typer.echo(f"staff id: {created.staff_id}")
    typer.echo(f"token: {created.token}")
    typer.echo(f"password: {created.password}")
    if role == "admin":
        typer.echo("note: an admin's API token works once they set up a second factor (sign in)", err=True)


@staff_app.command("role")
def staff_role(who: Who, role: Annotated[str, typer.Argument(help="peer or admin")]) -> None:
    """Make someone a peer or an admin (never the last active admin a peer); their sessions end."""
    from smsbot.staff import service

    with _change() as (conn, actor, now, _):
        staff_id = service.resolve(conn, actor, who)
        old = service.set_role(conn, actor, now, staff_id, role)
    typer.echo(f"staff {staff_id} is {role}" + ("" if old == role else f" (was {old}); their sessions ended"))


@staff_app.command("token")
def staff_token(
    who: Who,
    name: Annotated[str | None, typer.Option(help="What the token is for, e.g. 'reporting script'")] = None,
    days: Annotated[int, typer.Option(help="Days until it expires (1-366).")] = 90,
) -> None:
    """Issue an API token (printed once as `token: ...`); it expires after --days."""
    from smsbot.staff import service

    with _change() as (conn, actor, now, _):
        token = service.new_api_token(
            conn, actor, now, service.resolve(conn, actor, who), name=name, days=days
        )
    typer.echo(f"token: {token}")


@staff_app.command("tokens")
def staff_tokens(who: Who) -> None:
    """List an account's API tokens: id, name, created, expires, last used, revoked (never the token)."""
    from smsbot.staff import service

    with _change() as (conn, actor, now, _):
        rows = service.api_tokens(conn, actor, now, service.resolve(conn, actor, who))
    for t in rows:
        when = [
            (v.strftime("%Y-%m-%d %H:%M") if v else "-") for v in (t.created_at, t.expires_at, t.last_used_at)
        ]
        state = "revoked" if t.revoked_at else ("expired" if t.expires_at <= now else "live")
        typer.echo(f"{t.id}\t{t.name or '-'}\tcreated {when[0]}\texpires {when[1]}\tused {when[2]}\t{state}")


@staff_app.command("revoke-token")
def staff_revoke_token(
    token_id: Annotated[int, typer.Argument(help="The token's id (smsbot staff tokens).")],
) -> None:
    """Revoke one API token by its id."""
    from smsbot.staff import service

    with _change() as (conn, actor, now, _):
        service.revoke_api_token(conn, actor, now, token_id)
    typer.echo(f"token {token_id} is revoked")


@staff_app.command("password")
def staff_password(who: Who) -> None:
    """Set an account's password, read from the terminal (hidden) or stdin; the same policy as the
    dashboard (12+ characters, not common or easy to guess). Every session of the account ends."""
    import getpass

    from smsbot.staff import service

    tty = sys.stdin.isatty()
    password = getpass.getpass("new password: ") if tty else sys.stdin.readline().rstrip("\n")
    with _change() as (conn, actor, now, ctx):
        staff_id = service.resolve(conn, actor, who)
        service.choose_password(conn, actor, now, staff_id, password, program_name=ctx.settings.program_name)
    typer.echo(f"staff {staff_id}: password set; their sessions ended")


@staff_app.command("reset-second-factor")
def staff_reset_second_factor(who: Who) -> None:
    """Forget an account's authenticator app (a lost phone): they set up a new one at the next sign-in."""
    from smsbot.staff import service

    with _change() as (conn, actor, now, _):
        staff_id = service.resolve(conn, actor, who)
        service.reset_second_factor(conn, actor, now, staff_id)
    typer.echo(f"staff {staff_id}: second factor reset; their sessions ended")


@staff_app.command("deactivate")
def staff_deactivate(who: Who) -> None:
    """Deactivate an account: its sessions and API tokens end now; its participants and open alerts
    go to the on-call peer (run it again after setting one, if nobody was on call)."""
    from smsbot.replies.wording import Wording
    from smsbot.staff import service

    with _change() as (conn, actor, now, ctx):
        staff_id = service.resolve(conn, actor, who)
        moved = service.deactivate(conn, actor, now, staff_id, wording=Wording.from_settings(ctx.settings))
    typer.echo(f"staff {staff_id} is deactivated: sessions and API tokens ended")
    if moved.to_staff_id is None:
        typer.echo("nobody is on call: their participants and open alerts stay with the account", err=True)
    else:
        moved_to = f"went to staff {moved.to_staff_id}"
        typer.echo(f"{moved.participants} participants and {moved.alerts} open alerts {moved_to}")


@staff_app.command("oncall")
def staff_oncall(
    who: Who, off: Annotated[bool, typer.Option("--off", help="Take them off call instead.")] = False
) -> None:
    """Put a staff member on call (or --off): they get unacknowledged alerts and self-enrolled texters."""
    from smsbot.staff import service

    with _change() as (conn, actor, now, _):
        staff_id = service.resolve(conn, actor, who)
        service.set_on_call(conn, actor, now, staff_id, not off)
    typer.echo(f"staff {staff_id} is {'off call' if off else 'on call'}")
