"""Drug-alert objects for the dashboard tests that need one without texting it in (the access matrix):
a report in the queue, stored as the texter side stores it, and a draft alert."""

from __future__ import annotations

from smsbot.actor import Actor, Door
from smsbot.context import AppContext
from smsbot.supply import alerts, reports


def make_supply_report(ctx: AppContext, what: str = "pink powder sold as heroin") -> int:
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        return reports.save_answer(
            conn, ctx.vault, report_id=None, key="test-reporter", step="what", text=what,
            language="en", now=now, retention_days=ctx.settings.retention_days,
        )  # fmt: skip


def make_supply_draft(ctx: AppContext, staff_id: int) -> int:
    author = Actor(staff_id=staff_id, role="peer", door=Door.API)
    with ctx.db.transaction() as conn:
        return alerts.draft_alert(conn, author, ctx.clock.now(), report_ids=[]).id
