"""`smsbot worker` (the loop) and `smsbot tick [--now ISO-8601]` (one pass, cron-friendly)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Annotated

import typer

from smsbot.cli import app
from smsbot.cli.context import open_context


@app.command("tick")
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
    ctx = open_context(now)
    setup_logging(ctx.settings.log_level)
    report = Worker(ctx).tick()
    typer.echo(report.summary())


class _StartedClock:
    """`worker --now T`: the clock starts at T and then runs at the speed of real time (tests, replays)."""

    def __init__(self, start: datetime) -> None:
        self.start, self.began = start, time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.began)


@app.command("worker")
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
    ctx = open_context()
    if start is not None:
        ctx.clock = _StartedClock(start)
    setup_logging(ctx.settings.log_level)
    typer.echo(
        f"smsbot: worker running every {interval:g}s (sender: {ctx.settings.sender_name}, "
        f"rate: {ctx.settings.send_rate:g}/s)"
    )
    run_forever(Worker(ctx), interval)
