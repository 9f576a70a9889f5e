"""Every status write of enrollments and check-ins, through their Machines (states.py).

One row: checked (`.check(old, new)`) and written only if it is still `old` (a change that lost a race
is a Conflict, never a silent overwrite). Many rows: only those whose state may become the new one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.engine import Connection

from smsbot.checkins.states import CHECKIN, ENROLLMENT, CheckinStatus, EnrollmentStatus, moving, sources
from smsbot.errors import N_, Conflict
from smsbot.models import Checkin, Enrollment

enrollment, checkin = Enrollment.__table__, Checkin.__table__
CHANGED_MEANWHILE = N_("This participant was changed a moment ago (by a text or another person). Look again.")


def move_enrollment(conn: Connection, row: Any, new: EnrollmentStatus, **values: Any) -> None:
    """`row` (read in this transaction) from its status to `new`, with `values`; Conflict if it moved."""
    ENROLLMENT.check(row.status, new)
    moved = conn.execute(
        update(enrollment)
        .where(enrollment.c.id == row.id, enrollment.c.status == row.status)
        .values(status=new.value, **values)
    ).rowcount
    if moved != 1:
        raise Conflict(CHANGED_MEANWHILE)


def move_enrollments(
    conn: Connection, where: ColumnElement[bool], new: EnrollmentStatus, **values: Any
) -> list[int]:
    """Each enrollment matching `where` whose state may become `new`; their ids."""
    return list(
        conn.execute(
            update(enrollment)
            .where(where, enrollment.c.status.in_(sources(ENROLLMENT, new)))
            .values(status=new.value, **values)
            .returning(enrollment.c.id)
        ).scalars()
    )


def move_checkins(
    conn: Connection,
    where: ColumnElement[bool],
    new: CheckinStatus,
    *,
    olds: tuple[str, ...] | None = None,
    returning: Any = checkin.c.id,
    **values: Any,
) -> list[Any]:
    """Each check-in matching `where` in `olds` (checked; default: every state that may become `new`);
    the `returning` column of each moved row (its id unless asked otherwise)."""
    allowed = sources(CHECKIN, new) if olds is None else moving(CHECKIN, olds, new)
    return list(
        conn.execute(
            update(checkin)
            .where(where, checkin.c.status.in_(allowed))
            .values(status=new.value, **values)
            .returning(returning)
        ).scalars()
    )
