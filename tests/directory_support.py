"""Helpers the directory tests share: read back an imported service and its categories by name."""

from __future__ import annotations

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
