"""`smsbot keys rotate`: re-encrypt what is stored under a new master key."""

from __future__ import annotations

from typing import Annotated

import typer

from smsbot.cli import app
from smsbot.cli.context import open_context, refuse

keys_app = typer.Typer(help="The master key.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@keys_app.command("rotate")
def keys_rotate(
    batch_size: Annotated[int, typer.Option(help="Rows per transaction.", min=1)] = 500,
    max_batches: Annotated[int | None, typer.Option(hidden=True)] = None,  # tests: stop part-way
) -> None:
    """Re-encrypt stored numbers and answers under SMSBOT_SECRET_KEY (old key: SMSBOT_PREVIOUS_SECRET_KEY).
    Safe to interrupt and run again; the app keeps working meanwhile."""
    from smsbot.ops.rotate import rotate

    ctx = open_context()
    if ctx.vault.previous is None:
        refuse("set SMSBOT_PREVIOUS_SECRET_KEY to the old key and SMSBOT_SECRET_KEY to the new one")
    counts = rotate(ctx.db, ctx.settings, ctx.vault, ctx.clock.now(), batch_size, max_batches)
    typer.echo(
        f"moved to the new key: {counts.numbers} numbers, {counts.answers} check-in answers, "
        f"{counts.second_factors} second factors; {counts.already} already done"
    )
    if counts.unreadable:
        typer.echo(f"{counts.unreadable} rows open under neither key (left as they are)", err=True)
    if not counts.finished:
        typer.echo(f"stopped after {counts.batches} batches; run it again to finish")
        raise typer.Exit(3)
    typer.echo(
        f"done. {counts.index_only} texters and opt-outs are known only by a keyed hash of their number: "
        "they are recognised while SMSBOT_PREVIOUS_SECRET_KEY is set and move over when that number "
        "texts or is enrolled. Keep the old key to check older audit rows (smsbot audit verify)."
    )
    if counts.unreadable:
        raise typer.Exit(1)
