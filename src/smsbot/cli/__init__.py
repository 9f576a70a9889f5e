"""The `smsbot` command: one module per command group, each registering itself on `app` at import
(serve, chat, tick and worker, db, staff, content, audit, keys, directory)."""

from __future__ import annotations

import os

import typer

app = typer.Typer(help="smsbot: an SMS line for harm reduction.", no_args_is_help=True, add_completion=False)


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()


# After `app` exists: each module adds its commands to it (the order is the order of `smsbot --help`).
from smsbot.cli import serve, chat, worker, db, staff, content, audit, keys, directory  # noqa: E402, F401, I001
from smsbot.cli import supply  # noqa: E402, F401, I001
