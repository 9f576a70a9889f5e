"""`smsbot chat`: text the bot from a terminal through the real pipeline."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from smsbot.cli import app
from smsbot.cli.context import open_context


@app.command()
def chat(
    from_number: Annotated[
        str, typer.Option("--from", help="The phone number you text as.")
    ] = "+15555550100",
) -> None:
    """Text the bot from a terminal through the real pipeline (reads stdin when piped)."""
    from smsbot.inbound.chat import run_chat

    run_chat(open_context(), from_number, interactive=sys.stdin.isatty())
