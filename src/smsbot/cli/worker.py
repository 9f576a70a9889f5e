"""`smsbot worker` (the loop) and `smsbot tick [--now ISO-8601]` (one pass, cron-friendly)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Annotated

import typer

from smsbot.cli import app
from smsbot.cli.context import open_context, refuse


@app.command("tick")
def tick(
    now: Annotated[
        str | None, typer.Option(help="Run as if it were this instant (ISO-8601, e.g. 2026-03-08T12:00:00Z).")
    ] = None,
) -> None:
    """One pass of the worker, then exit: due check-ins, reminders, alerts, sending, clean-up."""
    from smsbot.observability import setup_logging
    from smsbot.worker.tick import Worker

    _instant(now)  # refused here, with the option's name, before any set-up
    ctx = open_context(now)
    setup_logging(ctx.settings.log_level)
    report = Worker(ctx).tick()
    typer.echo(report.summary())


def _instant(now: str | None) -> datetime | None:
    """`--now` as an aware UTC instant, or exit 2 saying what it must look like."""
    from smsbot.clock import parse_iso

    try:
        return parse_iso(now) if now is not None else None
    except ValueError:
        refuse("--now must be an ISO-8601 timestamp, e.g. 2026-03-08T12:00:00Z")


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
    from smsbot.observability import setup_logging
    from smsbot.worker.tick import Worker, run_forever

    start = _instant(now)
    ctx = open_context()
    if start is not None:
        ctx.clock = _StartedClock(start)
    setup_logging(ctx.settings.log_level)
    typer.echo(
        f"smsbot: worker running every {interval:g}s (sender: {ctx.settings.sender_name}, "
        f"rate: {ctx.settings.send_rate:g}/s)"
    )
    run_forever(Worker(ctx), interval)
