"""The moderation queue of anonymous reports (peers and admins): list, read, merge, dismiss, restore.

Service functions for every door (API, pages, CLI): each takes (conn, actor, now, ...), checks the
rules, raises a DomainError with human words, writes its audit row in the same transaction and never
commits. Reports carry no number; their answers are decrypted here for the reviewer only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.engine import Connection

from smsbot.actor import Actor
from smsbot.errors import N_, Conflict, Forbidden, Invalid, NotFound
from smsbot.models import SupplyReport
from smsbot.privacy import PhoneVault
from smsbot.supply import audited
from smsbot.supply.reports import STEPS, decrypt_answers
from smsbot.supply.states import REPORT, ReportStatus

report = SupplyReport.__table__
MAX_LIST = 200


@dataclass(frozen=True)
class ReportView:
    id: int
    status: str
    language: str
    created_at: datetime
    answers: dict[str, str]  # opening, what, happened, where, when (only those given)
    steps_answered: int
    area_zip: str | None
    merged_into_id: int | None
    merged_ids: list[int]  # reports merged into this one
    alert_id: int | None


def require_staff(actor: Actor) -> None:
    if actor.role not in ("peer", "admin", "system"):
        raise Forbidden(N_("only peers and admins review drug-supply reports"))


def _view(vault: PhoneVault, row, merged: list[int]) -> ReportView:
    return ReportView(
        id=row.id,
        status=row.status,
        language=row.language,
        created_at=row.created_at,
        answers=decrypt_answers(vault, row.id, row.answers_ciphertext),
        steps_answered=row.steps_answered,
        area_zip=row.area_zip,
        merged_into_id=row.merged_into_id,
        merged_ids=merged,
        alert_id=row.alert_id,
    )


def _merged_into(conn: Connection, ids: list[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        for child, parent in conn.execute(
            select(report.c.id, report.c.merged_into_id)
            .where(report.c.merged_into_id.in_(ids))
            .order_by(report.c.id)
        ):
            found[parent].append(child)
    return found


def list_reports(
    conn: Connection,
    actor: Actor,
    now: datetime,
    *,
    vault: PhoneVault,
    status: str | None = ReportStatus.NEW.value,
    limit: int = 100,
) -> list[ReportView]:
    """The queue, oldest first (status None: every report still kept, newest first)."""
    require_staff(actor)
    if status is not None and status not in set(ReportStatus):
        raise Invalid(f"status must be one of {', '.join(ReportStatus)}", field="status")
    query = select(report).limit(max(1, min(limit, MAX_LIST)))
    if status is None:
        query = query.order_by(report.c.id.desc())
    else:
        query = query.where(report.c.status == status).order_by(report.c.id)
    rows = conn.execute(query).all()
    merged = _merged_into(conn, [r.id for r in rows])
    return [_view(vault, row, merged[row.id]) for row in rows]


def get_report(
    conn: Connection, actor: Actor, now: datetime, report_id: int, *, vault: PhoneVault
) -> ReportView:
    require_staff(actor)
    row = _row(conn, report_id)
    return _view(vault, row, _merged_into(conn, [row.id])[row.id])


def _row(conn: Connection, report_id: int, *, lock: bool = False):
    query = select(report).where(report.c.id == report_id)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(N_("no such report (reports are deleted after the retention window)"))
    return row


def _move(conn: Connection, row, new: ReportStatus, now: datetime, actor: Actor, **values) -> None:
    REPORT.check(row.status, new)
    conn.execute(
        update(report)
        .where(report.c.id == row.id, report.c.status == row.status)
        .values(status=new.value, reviewed_by=actor.staff_id, reviewed_at=now, **values)
    )


def merge_reports(conn: Connection, actor: Actor, now: datetime, into_id: int, report_ids: list[int]) -> None:
    """Fold reports about the same batch into one (`into_id`, which stays in the queue)."""
    require_staff(actor)
    others = sorted(set(report_ids) - {into_id})
    if not others:
        raise Invalid(N_("pick at least one other report to merge"), field="report_ids")
    target = _row(conn, into_id, lock=True)
    if target.status != ReportStatus.NEW:
        raise Conflict(
            N_("report %(id)s is %(status)s: merge into a report still in the queue"),
            values={"id": into_id, "status": target.status},
        )
    for report_id in others:
        row = _row(conn, report_id, lock=True)
        if row.status != ReportStatus.NEW:
            raise Conflict(
                N_("report %(id)s is %(status)s: only reports in the queue can be merged"),
                values={"id": report_id, "status": row.status},
            )
        _move(conn, row, ReportStatus.MERGED, now, actor, merged_into_id=into_id)
        # Reports merged into this one follow it.
        conn.execute(
            update(report).where(report.c.merged_into_id == report_id).values(merged_into_id=into_id)
        )
    audited.record(
        conn, actor, now, "supply_reports_merged", "supply_report", into_id, f"{len(others)} merged in"
    )


def unmerge_report(conn: Connection, actor: Actor, now: datetime, report_id: int) -> None:
    require_staff(actor)
    row = _row(conn, report_id, lock=True)
    if row.status != ReportStatus.MERGED:
        raise Conflict(
            N_("report %(id)s is %(status)s, not merged"), values={"id": report_id, "status": row.status}
        )
    _move(conn, row, ReportStatus.NEW, now, actor, merged_into_id=None)
    audited.record(
        conn, actor, now, "supply_report_unmerged", "supply_report", report_id, "back in the queue"
    )


def dismiss_report(conn: Connection, actor: Actor, now: datetime, report_id: int) -> None:
    """Not acted on; the reports merged into it go with it."""
    require_staff(actor)
    row = _row(conn, report_id, lock=True)
    if row.status != ReportStatus.NEW:
        raise Conflict(
            N_("report %(id)s is %(status)s: only reports in the queue can be dismissed"),
            values={"id": report_id, "status": row.status},
        )
    _move(conn, row, ReportStatus.DISMISSED, now, actor)
    children = conn.execute(
        select(report).where(report.c.merged_into_id == report_id, report.c.status == ReportStatus.MERGED)
    ).all()
    for child in children:
        _move(conn, child, ReportStatus.DISMISSED, now, actor)
    audited.record(
        conn,
        actor,
        now,
        "supply_report_dismissed",
        "supply_report",
        report_id,
        f"{len(children)} merged with it",
    )


def restore_report(conn: Connection, actor: Actor, now: datetime, report_id: int) -> None:
    """A dismissed report back in the queue (on its own)."""
    require_staff(actor)
    row = _row(conn, report_id, lock=True)
    if row.status != ReportStatus.DISMISSED:
        raise Conflict(
            N_("report %(id)s is %(status)s, not dismissed"), values={"id": report_id, "status": row.status}
        )
    _move(conn, row, ReportStatus.NEW, now, actor, merged_into_id=None)
    audited.record(
        conn, actor, now, "supply_report_restored", "supply_report", report_id, "back in the queue"
    )


def report_texts(conn: Connection, vault: PhoneVault, report_ids: list[int]) -> list[str]:
    """Every answer of these reports and those merged into them (what an alert must not quote)."""
    if not report_ids:
        return []
    rows = conn.execute(
        select(report.c.id, report.c.answers_ciphertext).where(
            report.c.id.in_(report_ids) | report.c.merged_into_id.in_(report_ids)
        )
    ).all()
    texts = []
    for row in rows:
        answers = decrypt_answers(vault, row.id, row.answers_ciphertext)
        texts += [answers[k] for k in ("opening", *STEPS) if answers.get(k)]
    return texts


def queue_size(conn: Connection) -> int:
    return conn.execute(select(func.count()).where(report.c.status == ReportStatus.NEW)).scalar()
