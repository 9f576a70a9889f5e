"""`smsbot supply reports | merge | dismiss | restore | unmerge`: the drug-supply moderation queue from a
terminal, through the same service functions, rules and words as the Drug alerts page and the API (one
audit row each, naming the command line). Report answers are never printed: a terminal's scrollback and
logs outlive the retention window; they are read on the page or through the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, NoReturn

import typer

from smsbot.cli import app
from smsbot.cli.context import open_context, refuse
from smsbot.errors import DomainError, Invalid

supply_app = typer.Typer(help="Drug-supply alerts: the queue of anonymous reports.", no_args_is_help=True)
app.add_typer(supply_app, name="supply")
GONE = "no such report (reports are deleted after the retention window)"


def _fail(err: DomainError) -> NoReturn:
    """Bad input ends with exit code 2 (as usage errors do); any other refusal (a report not in the
    queue, no such report), 1."""
    if isinstance(err, Invalid):
        refuse(err.message)
    typer.echo(f"smsbot: {err.message}", err=True)
    raise typer.Exit(1)


def _known(*report_ids: int) -> None:
    """An id no database column can hold names no report (never a database error)."""
    from smsbot.auth.bounds import out_of_range

    if any(out_of_range(i) or i < 1 for i in report_ids):
        typer.echo(f"smsbot: {GONE}", err=True)
        raise typer.Exit(1)


def _line(view) -> str:
    merged = ",".join(str(i) for i in view.merged_ids) or "-"
    return (
        f"{view.id}\t{view.status}\t{view.created_at:%Y-%m-%d %H:%M}\t{view.steps_answered}/4 answered"
        f"\tZIP {view.area_zip or '-'}\tmerged in: {merged}"
    )


def _act(change: Callable[..., None], report_id: int, *args, done: str) -> None:
    from smsbot.actor import Actor
    from smsbot.supply import review

    ctx = open_context()
    actor, now = Actor.command_line(), ctx.clock.now()
    try:
        with ctx.db.transaction() as conn:
            change(conn, actor, now, report_id, *args)
            view = review.get_report(conn, actor, now, report_id, vault=ctx.vault)
    except DomainError as err:
        _fail(err)
    typer.echo(f"{done}\n{_line(view)}")


@supply_app.command("reports")
def reports_command(
    status: Annotated[str, typer.Option(help="new (the queue), merged, used, dismissed, or all")] = "new",
    limit: Annotated[int, typer.Option(min=1, max=200, help="At most this many")] = 100,
) -> None:
    """List reports: id, status, when, answers given, the ZIP named, reports merged in (no answers)."""
    from smsbot.actor import Actor
    from smsbot.supply import review

    ctx = open_context()
    try:
        with ctx.db.transaction() as conn:
            found = review.list_reports(
                conn,
                Actor.command_line(),
                ctx.clock.now(),
                vault=ctx.vault,
                status=None if status == "all" else status,
                limit=limit,
            )
    except DomainError as err:
        _fail(err)
    for view in found:
        typer.echo(_line(view))
    if not found:
        typer.echo("no reports" + ("" if status == "all" else f" with status {status}"))


@supply_app.command("merge")
def merge_command(
    into: Annotated[int, typer.Argument(help="The report that stays in the queue")],
    others: Annotated[list[int], typer.Argument(help="Reports about the same batch, folded into it")],
) -> None:
    """Fold reports about the same batch into one (as "Merge" on the Drug alerts page)."""
    from smsbot.supply import review

    _known(into, *others)
    _act(review.merge_reports, into, others, done=f"merged {len(set(others) - {into})} into {into}")


@supply_app.command("dismiss")
def dismiss_command(report_id: Annotated[int, typer.Argument(help="A report in the queue")]) -> None:
    """Not acted on (a joke, not about the supply); the reports merged into it go with it."""
    from smsbot.supply import review

    _known(report_id)
    _act(review.dismiss_report, report_id, done=f"dismissed {report_id}")


@supply_app.command("restore")
def restore_command(report_id: Annotated[int, typer.Argument(help="A dismissed report")]) -> None:
    """A dismissed report back in the queue."""
    from smsbot.supply import review

    _known(report_id)
    _act(review.restore_report, report_id, done=f"{report_id} is back in the queue")


@supply_app.command("unmerge")
def unmerge_command(report_id: Annotated[int, typer.Argument(help="A merged report")]) -> None:
    """A merged report back in the queue on its own."""
    from smsbot.supply import review

    _known(report_id)
    _act(review.unmerge_report, report_id, done=f"{report_id} is back in the queue on its own")
