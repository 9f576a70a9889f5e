"""`smsbot directory add | edit | delete`: one service by hand, through the same service functions,
rules and words as the dashboard's form and the API (and one audit row each)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from smsbot.cli.context import open_context
from smsbot.cli.directory import directory_app, fail
from smsbot.directory.categories import CATEGORIES
from smsbot.errors import DomainError

Text = Annotated[str | None, typer.Option()]


def _given(**fields: Any) -> dict[str, Any]:
    """The options given, by the service's field names ("" empties a field in `edit`)."""
    return {name: value for name, value in fields.items() if value is not None and value != []}


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    """A command's options (named as in `add`/`edit`) as the service's fields."""
    renamed = {"category": "categories", "zip_code": "zip", "extension": "phone_extension"}
    renamed |= {"verified": "last_verified", "kind": "location_kind", "area": "service_area"}
    return _given(**{renamed.get(k, k): v for k, v in values.items() if k != "service_id"})


def _show(shown: dict[str, Any]) -> None:
    where = ", ".join(str(shown[k]) for k in ("address", "city", "state", "zip") if shown.get(k))
    typer.echo(f"{shown['id']}\t{shown['name']}\t{', '.join(shown['categories'])}\t{where}")


def _change(how: str, *args: Any, **fields: Any) -> None:
    from smsbot.actor import Actor
    from smsbot.directory import service

    ctx = open_context()
    try:
        with ctx.db.transaction() as conn:
            shown = getattr(service, how)(
                conn,
                Actor.command_line(),
                ctx.clock.now(),
                *args,
                default_timezone=ctx.settings.default_timezone,
                **fields,
            )
    except DomainError as err:
        fail(err)
    _show(shown)


CATEGORY_HELP = f"One of {', '.join(CATEGORIES)}; repeatable"


@directory_app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="The service's name")],
    category: Annotated[list[str], typer.Option("--category", "-c", help=CATEGORY_HELP)],
    organization: Text = None,
    address: Text = None,
    city: Text = None,
    state: Text = None,
    zip_code: Annotated[str | None, typer.Option("--zip", help="US ZIP; texters near it get this")] = None,
    latitude: Text = None,
    longitude: Text = None,
    phone: Annotated[str | None, typer.Option(help="A US number, e.g. 434-555-0142 ext. 12")] = None,
    extension: Text = None,
    hours: Annotated[
        str | None, typer.Option(help="e.g. 'Mo-Fr 09:00-17:00; Sa 10:00-14:00' or 24/7")
    ] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA name (default: the ZIP's)")] = None,
    notes: Text = None,
    verified: Annotated[str | None, typer.Option(help="Last checked, YYYY-MM-DD")] = None,
    languages: Annotated[str | None, typer.Option(help="Spoken besides English, e.g. 'Spanish'")] = None,
    kind: Annotated[str | None, typer.Option(help="place (default), virtual or area")] = None,
    area: Annotated[str | None, typer.Option(help="The area it serves (with --kind area)")] = None,
) -> None:
    """Add one service by hand (without coordinates it sits at its ZIP's centre); prints its id."""
    _change("create", _fields(locals()))


@directory_app.command("edit")
def edit_command(
    service_id: Annotated[int, typer.Argument(metavar="ID", help="The service's id (see `directory near`)")],
    name: Text = None,
    category: Annotated[list[str] | None, typer.Option("--category", "-c", help=CATEGORY_HELP)] = None,
    organization: Text = None,
    address: Text = None,
    city: Text = None,
    state: Text = None,
    zip_code: Annotated[str | None, typer.Option("--zip")] = None,
    latitude: Text = None,
    longitude: Text = None,
    phone: Text = None,
    extension: Text = None,
    hours: Text = None,
    timezone: Text = None,
    notes: Text = None,
    verified: Text = None,
    languages: Text = None,
    kind: Text = None,
    area: Text = None,
) -> None:
    """Change the fields given ('' empties one); a field changed by hand is kept by later imports."""
    _change("update", service_id, _fields(locals()))


@directory_app.command("delete")
def delete_command(service_id: Annotated[int, typer.Argument(metavar="ID", help="The service's id")]) -> None:
    """Delete one service (texters stop getting it at once)."""
    from smsbot.actor import Actor
    from smsbot.directory import service

    ctx = open_context()
    try:
        with ctx.db.transaction() as conn:
            service.delete(conn, Actor.command_line(), ctx.clock.now(), service_id)
    except DomainError as err:
        fail(err)
    typer.echo(f"deleted service {service_id}")
