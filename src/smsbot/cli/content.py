"""`smsbot content check`: validate the wording packs."""

from __future__ import annotations

import typer

from smsbot.cli import app
from smsbot.config import get_settings

content_app = typer.Typer(help="The wording packs.", no_args_is_help=True)
app.add_typer(content_app, name="content")


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
