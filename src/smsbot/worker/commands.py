"""`smsbot worker` (the loop), `smsbot tick [--now ISO-8601]` (one pass, cron-friendly) and
`smsbot staff oncall NAME_OR_ID` (who gets unacknowledged alerts and self-enrolled texters).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Annotated

import typer


def _context(now: str | None = None):
    from smsbot.cli import _context as cli_context

    return cli_context(now)


def tick(
    now: Annotated[
        str | None, typer.Option(help="Run as if it were this instant (ISO-8601, e.g. 2026-03-08T12:00:00Z).")
    ] = None,
) -> None:
    """One pass of the worker, then exit: due check-ins, reminders, alerts, sending, clean-up."""
    from smsbot.clock import parse_iso
    from smsbot.observability import setup_logging
    from smsbot.worker.tick import Worker

    if now is not None:
        try:
            parse_iso(now)
        except ValueError:
            typer.echo("smsbot: --now must be an ISO-8601 timestamp, e.g. 2026-03-08T12:00:00Z", err=True)
            raise typer.Exit(2) from None
    ctx = _context(now)
    setup_logging(ctx.settings.log_level)
    report = Worker(ctx).tick()
    typer.echo(report.summary())


class _StartedClock:
    """`worker --now T`: the clock starts at T and then runs at the speed of real time (tests, replays)."""

    def __init__(self, start: datetime) -> None:
        self.start, self.began = start, time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.began)


def worker(
    interval: Annotated[float, typer.Option(help="Seconds between passes.", min=0.1)] = 2.0,
    now: Annotated[
        str | None, typer.Option(help="Start the clock at this instant (ISO-8601); it then runs on.")
    ] = None,
) -> None:
    """Run the worker loop until stopped (SIGTERM/SIGINT finish the current pass first)."""
    from smsbot.clock import parse_iso
    from smsbot.observability import setup_logging
    from smsbot.worker.tick import Worker, run_forever

    try:
        start = parse_iso(now) if now is not None else None
    except ValueError:
        typer.echo("smsbot: --now must be an ISO-8601 timestamp, e.g. 2026-03-08T12:00:00Z", err=True)
        raise typer.Exit(2) from None
    ctx = _context()
    if start is not None:
        ctx.clock = _StartedClock(start)
    setup_logging(ctx.settings.log_level)
    typer.echo(
        f"smsbot: worker running every {interval:g}s (sender: {ctx.settings.sender_name}, "
        f"rate: {ctx.settings.send_rate:g}/s)"
    )
    run_forever(Worker(ctx), interval)


def oncall(
    who: Annotated[str, typer.Argument(help="Staff name or id.")],
    off: Annotated[bool, typer.Option("--off", help="Take them off call instead.")] = False,
) -> None:
    """Put a staff member on call (or --off): they get unacknowledged alerts and self-enrolled texters."""
    from smsbot.staff.service import set_on_call

    ctx = _context()
    try:
        staff_id = set_on_call(ctx, who, not off)
    except LookupError as exc:
        typer.echo(f"smsbot: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"staff {staff_id} is {'off call' if off else 'on call'}")


def register(app: typer.Typer, staff_app: typer.Typer) -> None:
    app.command("tick")(tick)
    app.command("worker")(worker)
    staff_app.command("oncall")(oncall)
