"""`smsbot audit verify`: check the audit log's hash chain."""

from __future__ import annotations

import typer

from smsbot.cli import app
from smsbot.cli.context import open_context

audit_app = typer.Typer(help="The audit log.", no_args_is_help=True)
app.add_typer(audit_app, name="audit")
MAX_PROBLEMS_SHOWN = 50


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain; exit 1 on any gap, changed or inserted row."""
    from smsbot.audit import log

    ctx = open_context()
    with ctx.db.transaction() as conn:
        report = log.verify(conn)
    for problem in report.problems[:MAX_PROBLEMS_SHOWN]:
        typer.echo(f"audit log: {problem}", err=True)
    if len(report.problems) > MAX_PROBLEMS_SHOWN:
        typer.echo(f"audit log: ... and {len(report.problems) - MAX_PROBLEMS_SHOWN} more problems", err=True)
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
