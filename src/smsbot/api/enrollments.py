"""`/api/enrollments`: a thin adapter over smsbot.checkins.service (the rules, the audit row, the words).

A peer enrolls participants and sees (only) their own; admins see everyone's. Creating one queues the
invitation in the same transaction; a PATCH takes effect at once (the next check-in is recomputed; a
new `phone` moves the enrollment and invites that number). Two requests racing for one number: one
wins, the other gets 409. A refusal is a DomainError, answered by api/errors.py. Responses carry
`phone_last4` at most.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from smsbot.actor import Actor, Door
from smsbot.auth.auth import app_context, current_staff
from smsbot.checkins import roster, service
from smsbot.context import AppContext
from smsbot.models import Staff

router = APIRouter(prefix="/api/enrollments", tags=["enrollments"])


class EnrollmentIn(BaseModel):
    """The JSON shape; what the values may be is checked by the service, the same for every door."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    phone: str = Field(max_length=64, description="a US mobile number, e.g. +15555550123 or (555) 555-0123")
    nickname: str = Field(max_length=200)
    time: str = Field(max_length=16, description="HH:MM, 24-hour, participant's local time")
    days: list[str] | None = Field(None, max_length=7, description="mon..sun; default every day")
    timezone: str | None = Field(
        None, max_length=64, description="IANA name; default SMSBOT_DEFAULT_TIMEZONE"
    )
    reply_window_minutes: int | None = Field(
        None, description="5 to 720; default SMSBOT_REPLY_WINDOW_MINUTES"
    )
    language: str | None = Field(None, max_length=8, description="en or es, for a number new to the line")
    staff_id: int | None = Field(None, description="admins only: enroll for this peer")


class EnrollmentPatch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    nickname: str | None = Field(None, max_length=200)
    staff_id: int | None = Field(None, description="admins only: move the participant to this peer")
    time: str | None = Field(None, max_length=16)
    days: list[str] | None = Field(None, max_length=7)
    timezone: str | None = Field(None, max_length=64)
    reply_window_minutes: int | None = None
    language: str | None = Field(None, max_length=8, description="en or es: the language of their texts")
    status: str | None = Field(None, max_length=16, description="paused or active: pause or resume check-ins")
    phone: str | None = Field(
        None, max_length=64, description="a new number: the enrollment moves there (JOIN again)"
    )


def _actor(staff: Staff) -> Actor:
    return Actor.of_staff(staff, Door.API)


@router.post("", status_code=status.HTTP_201_CREATED)
def create(
    body: EnrollmentIn, staff: Staff = Depends(current_staff), ctx: AppContext = Depends(app_context)
) -> dict:
    with ctx.db.transaction() as conn:
        return service.enroll(
            conn, _actor(staff), ctx.clock.now(), service.Program.of(ctx), **body.model_dump()
        )


@router.get("")
def list_enrollments(
    status_filter: str | None = Query(None, alias="status", max_length=16),
    staff: Staff = Depends(current_staff),
    ctx: AppContext = Depends(app_context),
) -> list[dict]:
    with ctx.db.transaction() as conn:
        return roster.list_enrollments(conn, _actor(staff), status_filter)


@router.get("/{enrollment_id}")
def get_one(
    enrollment_id: int, staff: Staff = Depends(current_staff), ctx: AppContext = Depends(app_context)
) -> dict:
    with ctx.db.transaction() as conn:
        return roster.get(conn, _actor(staff), enrollment_id)


@router.patch("/{enrollment_id}")
def change(
    enrollment_id: int,
    body: EnrollmentPatch,
    staff: Staff = Depends(current_staff),
    ctx: AppContext = Depends(app_context),
) -> dict:
    with ctx.db.transaction() as conn:
        return service.change(
            conn,
            _actor(staff),
            ctx.clock.now(),
            service.Program.of(ctx),
            enrollment_id,
            **body.model_dump(exclude_none=True),
        )


@router.delete("/{enrollment_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove(
    enrollment_id: int, staff: Staff = Depends(current_staff), ctx: AppContext = Depends(app_context)
) -> Response:
    with ctx.db.transaction() as conn:
        service.stop(conn, _actor(staff), ctx.clock.now(), service.Program.of(ctx), enrollment_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{enrollment_id}/opt-out")
def staff_opt_out(
    enrollment_id: int, staff: Staff = Depends(current_staff), ctx: AppContext = Depends(app_context)
) -> dict:
    """The participant told staff they want no more texts: the same opt-out as texting STOP."""
    with ctx.db.transaction() as conn:
        return service.opt_out(conn, _actor(staff), ctx.clock.now(), service.Program.of(ctx), enrollment_id)


@router.get("/{enrollment_id}/checkins")
def recent_checkins(
    enrollment_id: int,
    limit: int = 20,
    staff: Staff = Depends(current_staff),
    ctx: AppContext = Depends(app_context),
) -> list[dict]:
    """Recent check-ins and answers (free-text answers readable until retention deletes them)."""
    with ctx.db.transaction() as conn:
        return roster.recent_checkins(
            conn, _actor(staff), enrollment_id, vault=ctx.vault, now=ctx.clock.now(), limit=limit
        )
