"""Helpers the directory tests share: read back an imported service and its categories by name."""

from __future__ import annotations

from html.parser import HTMLParser

from sqlalchemy import select

from smsbot.models import Service, ServiceCategory


def service_named(ctx, name: str):
    with ctx.db.transaction() as conn:
        return conn.execute(select(Service.__table__).where(Service.__table__.c.name == name)).one()


def categories_of(ctx, name: str) -> list[str]:
    sc, s = ServiceCategory.__table__, Service.__table__
    with ctx.db.transaction() as conn:
        rows = conn.execute(
            select(sc.c.category)
            .join(s, s.c.id == sc.c.service_id)
            .where(s.c.name == name)
            .order_by(sc.c.category)
        )
        return [r[0] for r in rows]


class _FormReader(HTMLParser):
    """What a browser would send for the first form with a `name` field: inputs, checked boxes,
    selected options, text areas."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str | list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name", "")
        if tag == "input" and name and name != "csrf_token" and a.get("type") not in ("file", "submit"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    if a["type"] == "checkbox":
                        self.fields.setdefault(name, [])
                        self.fields[name].append(a.get("value", "on"))  # type: ignore[union-attr]
                    else:
                        self.fields[name] = a.get("value", "")
            else:
                self.fields[name] = a.get("value", "")
        elif tag == "select":
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")
        elif tag == "textarea":
            self._textarea = name
            self.fields[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.fields[self._textarea] += data  # type: ignore[operator]


def form_fields(html: str) -> dict[str, str | list[str]]:
    reader = _FormReader()
    reader.feed(html[html.index('name="name"') - 200 :] if 'name="name"' in html else html)
    return reader.fields
