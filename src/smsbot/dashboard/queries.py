"""What the pages read beside the services: the words for answers and the staff to choose from (a full
phone number only ever through smsbot.alerts.service.reveal, which asks why and audits).

Participants as a viewer may see them: smsbot.checkins.roster; alerts: smsbot.alerts.views.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from smsbot.errors import N_
from smsbot.models import Contact, Staff

contact, staff = Contact.__table__, Staff.__table__

# A check-in's answer in words (English ids: the pages translate them)
ANSWERS = {
    "ok": N_("OK"),
    "call": N_("asked for a call"),
    "help": N_("asked for help"),
    "text": N_("wrote back"),
}


def staff_choices(conn: Connection) -> list[tuple[int, str]]:
    rows = conn.execute(
        select(staff.c.id, staff.c.name).where(staff.c.is_active).order_by(func.lower(staff.c.name))
    )
    return [(row.id, row.name) for row in rows]
