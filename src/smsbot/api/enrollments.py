"""`/api/enrollments`: a peer enrolls participants and sees (only) their own; admins see everyone's.
Creating one queues the invitation in the same transaction; a PATCH takes effect at once (the
next check-in is recomputed; a new `phone` moves the enrollment and invites that number). Two
requests racing for one number: one wins, the other gets 409. Responses carry `phone_last4` at most.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from smsbot.audit import log as audit
from smsbot.auth.auth import app_context, current_staff
from smsbot.checkins import answers, endings, enrollments, optout, phone_change
from smsbot.checkins.schedule import ScheduleError, parse_days, parse_local_time, zone
from smsbot.context import AppContext
from smsbot.models import Checkin, Contact, Enrollment, Staff
from smsbot.privacy import InvalidPhone, normalize_phone
from smsbot.replies.wording import Wording

router = APIRouter(prefix="/api/enrollments", tags=["enrollments"])
enrollment, checkin = Enrollment.__table__, Checkin.__table__
MIN_WINDOW, MAX_WINDOW = 5, 720  # two windows (reminder, then alert) always fit inside a day


def _check_time(value: str) -> str:
    try:
        parse_local_time(value)
    except ScheduleError as exc:
        raise ValueError(str(exc)) from None
    return value


def _check_days(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    try:
        parse_days(value)
    except ScheduleError as exc:
        raise ValueError(str(exc)) from None
    if not value:
        raise ValueError("days must name at least one day (leave it out for every day)")
    return value


def _check_zone(value: str | None) -> str | None:
    if value is not None:
        try:
            zone(value)
        except ScheduleError as exc:
            raise ValueError(str(exc)) from None
    return value


class EnrollmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phone: str = Field(min_length=7, max_length=32)
    nickname: str = Field(min_length=1, max_length=40)
    time: str = Field(description="HH:MM, 24-hour, participant's local time")
    days: list[str] | None = Field(None, description="mon..sun; default every day")
    timezone: str | None = Field(
        None, max_length=64, description="IANA name; default SMSBOT_DEFAULT_TIMEZONE"
    )
    reply_window_minutes: int | None = Field(None, ge=MIN_WINDOW, le=MAX_WINDOW)
    language: Literal["en", "es"] | None = Field(None, description="for a number new to the line")
    staff_id: int | None = Field(None, description="admins only: enroll for this peer")

    _time = field_validator("time")(_check_time)
    _days = field_validator("days")(_check_days)
    _zone = field_validator("timezone")(_check_zone)


class EnrollmentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    nickname: str | None = Field(None, min_length=1, max_length=40)
    time: str | None = None
    days: list[str] | None = None
    timezone: str | None = Field(None, max_length=64)
    reply_window_minutes: int | None = Field(None, ge=MIN_WINDOW, le=MAX_WINDOW)
    status: Literal["active", "paused"] | None = Field(None, description="pause or resume check-ins")
    phone: str | None = Field(
        None, min_length=7, max_length=32, description="a new number: the enrollment moves there (JOIN again)"
    )

    @field_validator("time")
    @classmethod
    def _time(cls, value: str | None) -> str | None:
        return None if value is None else _check_time(value)

    _days = field_validator("days")(_check_days)
    _zone = field_validator("timezone")(_check_zone)


def _load(conn, enrollment_id: int, viewer: Staff):
    """The enrollment if the viewer may see it (their own, or any for an admin); else 404."""
    query = select(enrollment).where(enrollment.c.id == enrollment_id, enrollment.c.status != "ended")
    if viewer.role != "admin":
        query = query.where(enrollment.c.staff_id == viewer.id)
    row = conn.execute(query).first()
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such enrollment")
    return row


def _wording(ctx: AppContext) -> Wording:
    return Wording.from_settings(ctx.settings)


def _e164(raw: str) -> str:
    try:
        return normalize_phone(raw)
    except InvalidPhone as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"phone: {exc}") from None


LOST_RACE = "this number was just enrolled by another request"


def _lost_race(staff: Staff) -> str:
    # Who enrolled the number is not a peer's to learn.
    return LOST_RACE if staff.role == "admin" else enrollments.NUMBER_UNAVAILABLE


@router.post("", status_code=status.HTTP_201_CREATED)
def create(
    body: EnrollmentIn, staff: Staff = Depends(current_staff), ctx: AppContext = Depends(app_context)
) -> dict:
    e164 = _e164(body.phone)
    owner = staff.id
    if body.staff_id is not None and body.staff_id != staff.id:
        if staff.role != "admin":
            raise HTTPException(status.HTTP_403_FORBIDDEN, "only admins may enroll for another peer")
        owner = body.staff_id
    settings = ctx.settings
    plan = enrollments.Plan.of(
        body.time,
        body.days,
        body.timezone or settings.default_timezone,
        body.reply_window_minutes or settings.reply_window_minutes,
    )
    try:
        with ctx.db.transaction() as conn:
            if (
                conn.execute(select(Staff.__table__.c.id).where(Staff.__table__.c.id == owner)).first()
                is None
            ):
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "staff_id: no such staff member")
            try:
                enrollment_id = enrollments.invite(
                    conn,
                    vault=ctx.vault,
                    wording=_wording(ctx),
                    now=ctx.clock.now(),
                    staff_id=owner,
                    e164=e164,
                    nickname=body.nickname,
                    plan=plan,
                    language=body.language or "en",
                )
            except enrollments.EnrollmentError as exc:
                raise HTTPException(exc.status, exc.told_to(staff.role == "admin")) from None
            # Audited in the same transaction, whether the change came from the API or a dashboard page.
            audit.record(conn, ctx.clock.now(), staff.id, "enrollment_created", "enrollment", enrollment_id)
            row = conn.execute(select(enrollment).where(enrollment.c.id == enrollment_id)).one()
    except IntegrityError:
        # A concurrent request for the same number committed first (the contact or the live index).
        raise HTTPException(status.HTTP_409_CONFLICT, _lost_race(staff)) from None
    return enrollments.view(row)


@router.get("")
def list_enrollments(
    status_filter: str | None = Query(None, alias="status"),
    staff: Staff = Depends(current_staff),
    ctx: AppContext = Depends(app_context),
) -> list[dict]:
    query = select(enrollment).where(enrollment.c.status != "ended").order_by(enrollment.c.id)
    if staff.role != "admin":
        query = query.where(enrollment.c.staff_id == staff.id)
    if status_filter:
        query = query.where(enrollment.c.status == status_filter)
    with ctx.db.transaction() as conn:
        return [enrollments.view(row) for row in conn.execute(query)]


@router.get("/{enrollment_id}")
def get_one(
    enrollment_id: int, staff: Staff = Depends(current_staff), ctx: AppContext = Depends(app_context)
) -> dict:
    with ctx.db.transaction() as conn:
        return enrollments.view(_load(conn, enrollment_id, staff))


@router.patch("/{enrollment_id}")
def change(
    enrollment_id: int,
    body: EnrollmentPatch,
    staff: Staff = Depends(current_staff),
    ctx: AppContext = Depends(app_context),
) -> dict:
    now = ctx.clock.now()
    new_phone = _e164(body.phone) if body.phone else None
    if new_phone is not None and body.status is not None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "a new phone starts with an invitation: leave status out"
        )
    try:
        return _change(enrollment_id, body, new_phone, staff, ctx, now)
    except IntegrityError:
        raise HTTPException(status.HTTP_409_CONFLICT, _lost_race(staff)) from None


def _change(
    enrollment_id: int,
    body: EnrollmentPatch,
    new_phone: str | None,
    staff: Staff,
    ctx: AppContext,
    now: datetime,
) -> dict:
    with ctx.db.transaction() as conn:
        row = _load(conn, enrollment_id, staff)
        if row.status not in enrollments.LIVE:
            raise HTTPException(status.HTTP_409_CONFLICT, f"this enrollment is {row.status}")
        plan = enrollments.Plan.of(
            body.time or row.local_time,
            body.days if body.days is not None else row.days,
            body.timezone or row.timezone,
            body.reply_window_minutes or row.reply_window_minutes,
        )
        values: dict = {
            "local_time": plan.local_time,
            "days": plan.days,
            "timezone": plan.timezone,
            "reply_window_minutes": plan.reply_window_minutes,
        }
        if body.nickname:
            values["nickname"] = body.nickname
        if body.status is not None and row.status == "invited":
            raise HTTPException(status.HTTP_409_CONFLICT, "an invited participant must reply JOIN first")
        new_status = body.status or row.status
        values["status"] = new_status
        # Takes effect at once: the next check-in is recomputed from now under the new plan.
        values["next_checkin_at"] = plan.next_after(now) if new_status == "active" else None
        conn.execute(update(enrollment).where(enrollment.c.id == row.id).values(**values))
        if new_status == "paused" and row.status == "active":
            endings.pause(conn, row, now)
        detail = {("active", "paused"): "paused", ("paused", "active"): "resumed"}.get(
            (row.status, new_status), "schedule changed"
        )
        if new_phone is not None:
            try:
                phone_change.move_to_phone(
                    conn,
                    vault=ctx.vault,
                    wording=_wording(ctx),
                    now=now,
                    enrollment_id=row.id,
                    e164=new_phone,
                )
            except enrollments.EnrollmentError as exc:
                raise HTTPException(exc.status, exc.told_to(staff.role == "admin")) from None
            detail = "moved to a new number; invitation sent"  # never the number itself
        audit.record(conn, now, staff.id, "enrollment_changed", "enrollment", row.id, detail)
        return enrollments.view(conn.execute(select(enrollment).where(enrollment.c.id == row.id)).one())


@router.delete("/{enrollment_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove(
    enrollment_id: int, staff: Staff = Depends(current_staff), ctx: AppContext = Depends(app_context)
) -> Response:
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        row = _load(conn, enrollment_id, staff)
        endings.end(conn, [row.id], "ended", now)
        audit.record(conn, now, staff.id, "enrollment_stopped", "enrollment", row.id, "stopped")
        if row.contact_id is not None:
            endings.cancel_checkin_texts(conn, row.contact_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{enrollment_id}/opt-out")
def staff_opt_out(
    enrollment_id: int, staff: Staff = Depends(current_staff), ctx: AppContext = Depends(app_context)
) -> dict:
    """The participant told staff they want no more texts: the same opt-out as texting STOP."""
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        row = _load(conn, enrollment_id, staff)
        phone_index = conn.execute(
            select(Contact.__table__.c.phone_index).where(Contact.__table__.c.id == row.contact_id)
        ).scalar()
        if phone_index is None:
            raise HTTPException(status.HTTP_409_CONFLICT, "this participant's number is already deleted")
        optout.opt_out(
            conn,
            phone_index=phone_index,
            contact_id=row.contact_id,
            source=optout.OptOutSource.STAFF,
            now=now,
            wording=_wording(ctx),
            staff_id=staff.id,
            ack_minutes=ctx.settings.alert_ack_minutes,
        )
        audit.record(conn, now, staff.id, "staff_opt_out", "enrollment", row.id)
        return enrollments.view(conn.execute(select(enrollment).where(enrollment.c.id == row.id)).one())


@router.get("/{enrollment_id}/checkins")
def recent_checkins(
    enrollment_id: int,
    limit: int = 20,
    staff: Staff = Depends(current_staff),
    ctx: AppContext = Depends(app_context),
) -> list[dict]:
    """Recent check-ins and answers (free-text answers readable until retention deletes them)."""
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        _load(conn, enrollment_id, staff)
        rows = conn.execute(
            select(checkin)
            .where(checkin.c.enrollment_id == enrollment_id)
            .order_by(checkin.c.scheduled_for.desc())
            .limit(max(1, min(limit, 100)))
        ).all()
    return [
        {
            "id": row.id,
            "scheduled_for": row.scheduled_for.isoformat(),
            "status": row.status,
            "answer_kind": row.answer_kind,
            "answered_at": _iso(row.answered_at),
            # Readable until its purge time, even if the clean-up has not run yet.
            "answer_text": answers.decrypt_answer(ctx.vault, row.id, row.answer_ciphertext)
            if row.answer_ciphertext and row.answer_purge_at and row.answer_purge_at > now
            else None,
            "answer_kept_until": _iso(row.answer_purge_at) if row.answer_ciphertext else None,
        }
        for row in rows
    ]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
