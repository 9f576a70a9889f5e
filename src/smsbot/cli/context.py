"""What every command runs with: the settings, the database and a clock (fixed by `--now`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

import typer

from smsbot.config import ConfigError, get_settings

if TYPE_CHECKING:
    from smsbot.context import AppContext


def open_context(now: str | None = None) -> AppContext:
    """The app's context from the environment; `now` (ISO-8601) freezes its clock at that instant.
    A configuration error ends the command with exit code 2 and the reason."""
    # Imported here so `smsbot --help` does not load the database layer.
    from smsbot.clock import FrozenClock, parse_iso
    from smsbot.context import AppContext

    try:
        settings = get_settings()
        clock = FrozenClock(parse_iso(now)) if now else None
        return AppContext.build(settings, clock=clock)
    except ConfigError as exc:
        refuse(f"configuration error: {exc}")


def refuse(message: str) -> NoReturn:
    """End the command with exit code 2 and `smsbot: <message>` on stderr (bad input, unknown name)."""
    typer.echo(f"smsbot: {message}", err=True)
    raise typer.Exit(2)
