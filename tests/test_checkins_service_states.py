"""The enrollment and check-in machines (checkins/states.py), pair by pair, and the writes that use
them (checkins/moves.py): a row moves only from the state it was read in; bulk moves only legal rows."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from smsbot.checkins import moves
from smsbot.checkins.states import (
    CHECKIN,
    ENROLLMENT,
    LIVE,
    OPEN,
    WAITING,
    CheckinStatus,
    EnrollmentStatus,
    sources,
)
from smsbot.errors import Conflict, IllegalTransition
from smsbot.models import Checkin, Enrollment
from tests.dashboard_fixtures import *  # noqa: F403
from tests.dashboard_fixtures import make_enrollment

E, C = EnrollmentStatus, CheckinStatus
ENROLLMENT_MOVES = {
    (E.INVITED, E.ACTIVE),  # JOIN
    (E.INVITED, E.INVITED),  # a new phone before JOIN
    (E.INVITED, E.EXPIRED),  # nobody JOINed in 7 days
    (E.INVITED, E.STOPPED),  # STOP, a carrier opt-out, staff-entered opt-out
    (E.INVITED, E.ENDED),  # the peer stops check-ins
    (E.ACTIVE, E.PAUSED),
    (E.ACTIVE, E.INVITED),
    (E.ACTIVE, E.STOPPED),
    (E.ACTIVE, E.ENDED),
    (E.PAUSED, E.ACTIVE),  # RESUME (by text or by staff: the same function)
    (E.PAUSED, E.INVITED),
    (E.PAUSED, E.STOPPED),
    (E.PAUSED, E.ENDED),
}
CHECKIN_MOVES = {
    (C.WAITING, C.REMINDED),
    (C.WAITING, C.ANSWERED),
    (C.WAITING, C.UNREACHABLE),
    (C.WAITING, C.SUPERSEDED),
    (C.WAITING, C.CLOSED),
    (C.REMINDED, C.NO_REPLY),
    (C.REMINDED, C.ANSWERED),
    (C.REMINDED, C.UNREACHABLE),
    (C.REMINDED, C.SUPERSEDED),
    (C.REMINDED, C.CLOSED),
    (C.NO_REPLY, C.ANSWERED),  # a late answer still counts
}


@pytest.mark.parametrize(("old", "new", "allowed"), list(ENROLLMENT.pairs()), ids=str)
def test_every_enrollment_pair(old, new, allowed) -> None:
    assert allowed == ((old, new) in ENROLLMENT_MOVES)
    if allowed:
        assert ENROLLMENT.check(old, new) == new
    else:
        with pytest.raises(IllegalTransition):
            ENROLLMENT.check(old, new)


@pytest.mark.parametrize(("old", "new", "allowed"), list(CHECKIN.pairs()), ids=str)
def test_every_checkin_pair(old, new, allowed) -> None:
    assert allowed == ((old, new) in CHECKIN_MOVES)
    if not allowed:
        with pytest.raises(IllegalTransition) as refused:
            CHECKIN.check(old, new)
        assert refused.value.status == 409


def test_the_named_groups_follow_the_tables() -> None:
    assert LIVE == ("invited", "active", "paused")
    assert WAITING == ("waiting", "reminded") and OPEN == ("waiting", "reminded", "no_reply")
    assert set(sources(ENROLLMENT, E.ENDED)) == set(LIVE)  # only a live enrollment can be stopped
    assert sources(ENROLLMENT, E.EXPIRED) == ("invited",)
    assert sources(CHECKIN, C.ANSWERED) == OPEN
    assert set(sources(CHECKIN, C.CLOSED)) == set(WAITING)


def test_no_status_word_is_spelled_outside_the_states_module() -> None:
    """Check-in and enrollment states are the enums' values: the old tuples are gone from src."""
    from pathlib import Path

    src = Path(__file__).resolve().parents[1] / "src" / "smsbot" / "checkins"
    for path in src.glob("*.py"):
        if path.name == "states.py":
            continue
        text = path.read_text()
        for word in ('"waiting"', '"reminded"', '"active"', '"paused"', '"invited"', '"ended"'):
            assert word not in text, f"{path.name} spells {word}"


def test_a_row_moves_only_from_the_state_it_was_read_in(ctx, staff_browser) -> None:
    peer = staff_browser("peer", sign_in=False)
    enrollment_id = make_enrollment(ctx, peer.staff_id, active=False)
    table = Enrollment.__table__
    with ctx.db.transaction() as conn:
        row = conn.execute(select(table).where(table.c.id == enrollment_id)).one()
        with pytest.raises(IllegalTransition):
            moves.move_enrollment(conn, row, E.PAUSED)  # invited cannot be paused
        moves.move_enrollment(conn, row, E.ACTIVE, joined_at=ctx.clock.now())
        with pytest.raises(Conflict):
            moves.move_enrollment(conn, row, E.ACTIVE)  # `row` still says invited: someone moved it
        assert conn.execute(select(table.c.status)).scalar_one() == "active"


def test_bulk_moves_touch_only_rows_that_may_move(ctx, staff_browser) -> None:
    peer = staff_browser("peer", sign_in=False)
    enrollment_id = make_enrollment(ctx, peer.staff_id)
    checkin = Checkin.__table__
    now = ctx.clock.now()
    with ctx.db.transaction() as conn:
        for day, status in enumerate(("waiting", "reminded", "no_reply", "answered", "missed_by_system")):
            conn.execute(
                checkin.insert().values(
                    enrollment_id=enrollment_id,
                    scheduled_for=now.replace(day=day + 1),
                    created_at=now,
                    status=status,
                )
            )
        closed = moves.move_checkins(conn, checkin.c.enrollment_id == enrollment_id, C.CLOSED, olds=WAITING)
        assert len(closed) == 2
        with pytest.raises(IllegalTransition):
            moves.move_checkins(conn, checkin.c.id > 0, C.REMINDED, olds=("no_reply",))
        statuses = conn.execute(select(checkin.c.status).order_by(checkin.c.id)).scalars().all()
    assert statuses == ["closed", "closed", "no_reply", "answered", "missed_by_system"]
    with ctx.db.transaction() as conn:
        ended = moves.move_enrollments(conn, Enrollment.__table__.c.id == enrollment_id, E.ENDED)
        again = moves.move_enrollments(conn, Enrollment.__table__.c.id == enrollment_id, E.STOPPED)
    assert (ended, again) == ([enrollment_id], [])  # an ended one is not stopped on top
