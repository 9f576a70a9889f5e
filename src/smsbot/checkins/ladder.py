"""The escalation ladder, driven by the worker: due check-ins -> prompt; no answer within the reply
window -> one reminder; still nothing after a second window -> an alert to the peer. A check-in
that cannot be delivered alerts the peer at once ("could not reach") instead.
"""
# Due enrollments are claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite: one writer at a
# time); the check-in, its outbox row and the advanced `next_checkin_at` commit together, and a
# check-in is unique per (enrollment, occurrence), so no two workers can create the same one.

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from smsbot.alerts import raising as alerts
from smsbot.checkins import endings, texts
from smsbot.checkins.moves import move_checkins, move_enrollments
from smsbot.checkins.schedule import next_checkin_at, parse_days, parse_local_time, zone
from smsbot.checkins.states import CheckinStatus, EnrollmentStatus
from smsbot.context import AppContext
from smsbot.models import Checkin, Contact, Enrollment, Staff
from smsbot.outbound import outbox
from smsbot.replies.wording import Wording

log = logging.getLogger(__name__)
enrollment, checkin = Enrollment.__table__, Checkin.__table__
contact, staff = Contact.__table__, Staff.__table__

# A check-in more than this late (the worker was down) is recorded as missed-by-system and not
# sent: a burst of stale "are you OK?" texts helps nobody. Well under a day, so the next one goes.
LATE_CUTOFF = timedelta(hours=3)
MAX_MISSED_RECORDED = 62  # per enrollment per pass: a worker down for two months records two months
BATCH = 500
MISSED = CheckinStatus.MISSED_BY_SYSTEM.value

_DUE = (
    select(
        enrollment.c.id,
        enrollment.c.contact_id,
        enrollment.c.local_time,
        enrollment.c.days,
        enrollment.c.timezone,
        enrollment.c.reply_window_minutes,
        enrollment.c.next_checkin_at,
        contact.c.language,
        contact.c.opted_out_at,
        staff.c.name.label("peer_name"),
    )
    .select_from(
        enrollment.outerjoin(contact, contact.c.id == enrollment.c.contact_id).outerjoin(
            staff, staff.c.id == enrollment.c.staff_id
        )
    )
    .where(
        enrollment.c.next_checkin_at <= bindparam("now"), enrollment.c.status == EnrollmentStatus.ACTIVE.value
    )
    .order_by(enrollment.c.next_checkin_at, enrollment.c.id)
    .limit(bindparam("limit"))
)
_ADVANCE_ENROLLMENT = (
    update(enrollment).where(enrollment.c.id == bindparam("b_id")).values(next_checkin_at=bindparam("b_next"))
)
_OPEN_CHECKIN = (
    update(contact)
    .where(contact.c.id == bindparam("b_contact"))
    .values(open_checkin_id=bindparam("b_checkin"))
)
# PostgreSQL: a batch's moves in one statement each (an executemany is 500 statements a batch; SQLite's
# run in process and cost little). Parameters: one array per column, in the rows' order.
_PG_ADVANCE_ENROLLMENTS = (
    "UPDATE enrollment AS e SET next_checkin_at = v.next_at"
    " FROM unnest(%(b_id)s::integer[], %(b_next)s::timestamptz[]) AS v(id, next_at) WHERE e.id = v.id"
)
_PG_OPEN_CHECKINS = (
    "UPDATE contact AS c SET open_checkin_id = v.checkin_id"
    " FROM unnest(%(b_contact)s::integer[], %(b_checkin)s::integer[]) AS v(contact_id, checkin_id)"
    " WHERE c.id = v.contact_id"
)


@dataclass
class ScheduleReport:
    prompts: int = 0
    missed_by_system: int = 0
    stopped: int = 0


@lru_cache(maxsize=4096)
def _schedule(local_time: str, days: str, timezone: str):
    return parse_local_time(local_time), parse_days(days), zone(timezone)


def _occurrences(row, now: datetime) -> tuple[list[datetime], datetime | None, datetime]:
    """(missed occurrences, the one to send now or None, the next one after that)."""
    at, days, tz = _schedule(row.local_time, row.days, row.timezone)
    due, missed = row.next_checkin_at, []
    while now - due > LATE_CUTOFF:
        missed.append(due)
        if len(missed) >= MAX_MISSED_RECORDED:
            return missed, None, next_checkin_at(at, days, tz, now)
        due = next_checkin_at(at, days, tz, due)
    if due > now:
        return missed, None, due
    return missed, due, next_checkin_at(at, days, tz, max(due, now))


def schedule_due(ctx: AppContext, wording: Wording, batch: int = BATCH) -> ScheduleReport:
    """Turn every due check-in into a check-in row plus its prompt in the outbox."""
    report = ScheduleReport()
    while True:
        try:
            with ctx.db.transaction() as conn:
                count = _schedule_batch(conn, ctx, wording, batch, report, careful=False)
        except IntegrityError:
            # Another writer created one of these check-ins (it cannot under the row locks; this is
            # the belt to those braces): redo the batch row by row, skipping what exists.
            with ctx.db.transaction() as conn:
                count = _schedule_batch(conn, ctx, wording, batch, report, careful=True)
        if count < batch:
            return report


def _schedule_batch(
    conn: Connection, ctx: AppContext, wording: Wording, batch: int, report: ScheduleReport, careful: bool
) -> int:
    now = ctx.clock.now()
    query = _DUE.with_for_update(skip_locked=True, of=enrollment) if ctx.db.is_postgres else _DUE
    rows = conn.execute(query, {"now": now, "limit": batch}).all()
    missed_rows, prompt_rows, advances, stopped = [], [], [], []
    for row in rows:
        if row.contact_id is None or row.opted_out_at is not None:
            stopped.append(row.id)
            continue
        missed, send_at, next_at = _occurrences(row, now)
        missed_rows += [
            {"enrollment_id": row.id, "scheduled_for": t, "created_at": now, "status": MISSED} for t in missed
        ]
        if send_at is not None:
            prompt_rows.append(
                {
                    "enrollment_id": row.id,
                    "scheduled_for": send_at,
                    "created_at": now,
                    "status": CheckinStatus.WAITING.value,
                    "next_action_at": now + timedelta(minutes=row.reply_window_minutes),
                }
            )
        advances.append({"b_id": row.id, "b_next": next_at})
    by_enrollment = {row.id: row for row in rows}
    if careful:
        prompt_rows = [r for r in prompt_rows if not _exists(conn, r)]
        missed_rows = [r for r in missed_rows if not _exists(conn, r)]
    if missed_rows:
        conn.execute(checkin.insert(), missed_rows)
    if prompt_rows:
        created = conn.execute(
            checkin.insert().returning(checkin.c.id, checkin.c.enrollment_id, sort_by_parameter_order=True),
            prompt_rows,
        ).all()
        queued, opened = [], []
        for checkin_id, enrollment_id in created:
            row = by_enrollment[enrollment_id]
            queued.append(
                {
                    "idempotency_key": f"checkin:{checkin_id}:prompt",
                    "purpose": "checkin",
                    "contact_id": row.contact_id,
                    "checkin_id": checkin_id,
                    "body": texts.prompt(wording, row.language, row.peer_name),
                }
            )
            opened.append({"b_contact": row.contact_id, "b_checkin": checkin_id})
        outbox.enqueue_many(conn, queued, now)
        _update_many(conn, _OPEN_CHECKIN, _PG_OPEN_CHECKINS, opened)
    _update_many(conn, _ADVANCE_ENROLLMENT, _PG_ADVANCE_ENROLLMENTS, advances)
    endings.end(conn, stopped, EnrollmentStatus.STOPPED, now)
    report.prompts += len(prompt_rows)
    report.missed_by_system += len(missed_rows)
    report.stopped += len(stopped)
    if missed_rows:
        log.warning(
            "%d check-ins were more than %s late and recorded as missed-by-system",
            len(missed_rows),
            LATE_CUTOFF,
        )
    return len(rows)


def _update_many(conn: Connection, statement, pg_sql: str, rows: list[dict]) -> None:
    """`statement` for every row (its bind names are the rows' keys); on PostgreSQL as one UPDATE."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(statement, rows)
        return
    columns = {name: [row[name] for row in rows] for name in rows[0]}
    conn.connection.driver_connection.cursor().execute(pg_sql, columns)


def _exists(conn: Connection, row: dict) -> bool:
    return (
        conn.execute(
            select(checkin.c.id).where(
                checkin.c.enrollment_id == row["enrollment_id"],
                checkin.c.scheduled_for == row["scheduled_for"],
            )
        ).first()
        is not None
    )


_LADDER = (
    select(
        checkin.c.id,
        checkin.c.status,
        checkin.c.enrollment_id,
        enrollment.c.status.label("enrollment_status"),
        enrollment.c.contact_id,
        enrollment.c.reply_window_minutes,
        contact.c.language,
        contact.c.opted_out_at,
        staff.c.name.label("peer_name"),
    )
    .select_from(
        checkin.join(enrollment, enrollment.c.id == checkin.c.enrollment_id)
        .outerjoin(contact, contact.c.id == enrollment.c.contact_id)
        .outerjoin(staff, staff.c.id == enrollment.c.staff_id)
    )
    .where(checkin.c.next_action_at <= bindparam("now"))
    .order_by(checkin.c.next_action_at, checkin.c.id)
    .limit(bindparam("limit"))
)


@dataclass
class LadderReport:
    reminders: int = 0
    alerts: int = 0
    closed: int = 0


def advance_checkins(ctx: AppContext, wording: Wording, batch: int = BATCH) -> LadderReport:
    """No answer in the window: remind once; still none after another window: alert the peer."""
    report = LadderReport()
    while True:
        with ctx.db.transaction() as conn:
            now = ctx.clock.now()
            query = _LADDER.with_for_update(skip_locked=True, of=checkin) if ctx.db.is_postgres else _LADDER
            rows = conn.execute(query, {"now": now, "limit": batch}).all()
            for row in rows:
                _advance_one(conn, ctx, wording, row, now, report)
        if len(rows) < batch:
            return report


def _advance_one(
    conn: Connection, ctx: AppContext, wording: Wording, row, now: datetime, report: LadderReport
) -> None:
    if (
        row.enrollment_status != EnrollmentStatus.ACTIVE
        or row.contact_id is None
        or row.opted_out_at is not None
    ):
        _move(conn, row, CheckinStatus.CLOSED, next_action_at=None)
        report.closed += 1
    elif row.status == CheckinStatus.WAITING:
        _move(
            conn,
            row,
            CheckinStatus.REMINDED,
            reminded_at=now,
            next_action_at=now + timedelta(minutes=row.reply_window_minutes),
        )
        outbox.enqueue(
            conn,
            key=f"checkin:{row.id}:reminder",
            purpose="reminder",
            body=texts.reminder(wording, row.language, row.peer_name),
            now=now,
            contact_id=row.contact_id,
            checkin_id=row.id,
        )
        report.reminders += 1
    else:  # reminded, and the second window is over
        _move(conn, row, CheckinStatus.NO_REPLY, next_action_at=None)
        # A prompt never confirmed to have gone out (its attempt's outcome unknown, no callback
        # since) is not "no answer": the peer hears what is known. (The reminder did go: a second,
        # distinct text, never a resend of the prompt.)
        kind = "unconfirmed" if outbox.prompt_unconfirmed(conn, row.id) else "no_reply"
        alerts.raise_alert(
            conn,
            wording,
            now,
            kind=kind,
            dedupe_key=f"checkin:{row.id}:{kind}",
            enrollment_id=row.enrollment_id,
            checkin_id=row.id,
            ack_minutes=ctx.settings.alert_ack_minutes,
        )
        report.alerts += 1


def _move(conn: Connection, row, new: CheckinStatus, **values) -> None:
    # The row is locked (PostgreSQL) or the only writer's (SQLite): it is still `row.status`.
    move_checkins(conn, checkin.c.id == row.id, new, olds=(row.status,), **values)


def expire_invitations(conn: Connection, now: datetime) -> int:
    """Invitations nobody JOINed within 7 days expire (and nothing is ever sent for them)."""
    expired = move_enrollments(
        conn,
        enrollment.c.invite_expires_at <= now,
        EnrollmentStatus.EXPIRED,
        invite_expires_at=None,
        ended_at=now,
    )
    return len(expired)
